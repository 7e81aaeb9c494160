//! The attribute macros of df-schema. This crate is a thin shim: it parses Rust items,
//! maps them to plain schema data and hands that to `df-schema-core`, which holds the
//! rules; then it expands. Every error is collected with its span, and on error the item
//! is still emitted (with stub implementations) so that one mistake gives one message.
//!
//! Generated code reaches the runtime only through `::df_schema::__private`.

mod attr;
mod ctxt;
mod embedded;
mod enums;
mod fields;
mod lockfile;
mod migration;
mod newtype;
mod model;
mod tokens;
mod ty_map;

use proc_macro::TokenStream;

/// Declares a stored model. See the `df_schema` crate documentation.
#[proc_macro_attribute]
pub fn df_model(args: TokenStream, input: TokenStream) -> TokenStream {
    model::expand(args.into(), input.into(), lockfile::caller_file()).into()
}

/// Declares a struct (a JSON object) or an enum (see the `df_schema` crate documentation)
/// embedded in models.
#[proc_macro_attribute]
pub fn df_embedded(args: TokenStream, input: TokenStream) -> TokenStream {
    embedded::expand(args.into(), input.into(), lockfile::caller_file()).into()
}

/// Declares a hand-written migration step.
#[proc_macro_attribute]
pub fn migration(args: TokenStream, input: TokenStream) -> TokenStream {
    migration::expand(args.into(), input.into(), lockfile::caller_file()).into()
}
