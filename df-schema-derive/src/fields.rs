//! The fields of a `#[df_model]` or `#[df_embedded]` struct: reading them into schema
//! fields (with their `#[df(…)]` attributes), and emitting the serde attributes that make
//! the struct (de)serialize to exactly the recorded JSON.

use crate::attr::{self, json_literal};
use crate::ctxt::Ctxt;
use crate::ty_map::{Mapper, Unmapped};
use df_schema_core::{canonical_json, Field, Ty};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use syn::ext::IdentExt;
use syn::{Fields, ItemStruct};

/// One field as read off the struct.
pub struct FieldInfo {
    pub ident: syn::Ident,
    pub rust_ty: syn::Type,
    pub field: Field,
}

/// What a struct must look like: named fields, no generics, no serde attributes (the JSON
/// shape is derived from the fields, so a rename or skip would desynchronize it).
pub fn check_shape(ctxt: &mut Ctxt, item: &ItemStruct, attribute: &str) -> bool {
    let mut ok = true;
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        ctxt.error_spanned_by(&item.generics, format!("#[{attribute}] structs cannot be generic: a stored shape is one concrete type"));
        ok = false;
    }
    if !matches!(item.fields, Fields::Named(_)) {
        let newtype = if attribute == "df_embedded" { " (or one unnamed field: a newtype, stored as the value it wraps)" } else { "" };
        ctxt.error_spanned_by(&item.ident, format!("#[{attribute}] needs a struct with named fields: the names are the JSON members{newtype}"));
        ok = false;
    }
    for attr in item.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        ctxt.error_spanned_by(attr, format!("#[serde] is not allowed on a #[{attribute}] struct: the JSON shape is derived from the fields and recorded in the schema lock"));
    }
    ok
}

/// The error for an attribute on an item it does not go on (`allowed` says which do),
/// spanned on the item's keyword and name. The item is emitted unchanged.
pub fn not_a_struct(attribute: &str, allowed: &str, input: TokenStream) -> TokenStream {
    let (tokens, what) = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Enum(e)) => {
            let (keyword, name) = (e.enum_token, e.ident);
            (quote!(#keyword #name), "an enum")
        }
        Ok(syn::Item::Union(u)) => {
            let (keyword, name) = (u.union_token, u.ident);
            (quote!(#keyword #name), "a union")
        }
        Ok(syn::Item::Fn(f)) => {
            let (keyword, name) = (f.sig.fn_token, f.sig.ident);
            (quote!(#keyword #name), "a function")
        }
        _ => (input.clone(), "this item"),
    };
    let why = match (allowed.contains("enum"), what) {
        (true, _) => "what it stores is a JSON object or an enum's value",
        (false, "an enum") => "a stored object is a JSON object with named members (an enum stored inside models is a #[df_embedded] enum)",
        (false, _) => "a stored object is a JSON object with named members",
    };
    let error = syn::Error::new_spanned(tokens, format!("#[{attribute}] goes on {allowed}, not on {what}: {why}")).to_compile_error();
    quote!(#error #input)
}

/// Removes the user's `#[serde]` and `#[df]` attributes (after they were reported or
/// read): neither is an attribute the compiler knows without the serde derive in front,
/// so leaving them would add follow-on errors to the one that matters.
fn strip_attributes(item: &mut ItemStruct) {
    item.attrs.retain(|a| !a.path().is_ident("serde"));
    for field in &mut item.fields {
        field.attrs.retain(|a| !crate::attr::is_serde_or_df(a));
    }
}

/// Reads every field, strips the `#[df]` attributes (they are not real attributes to the
/// compiler) and reports everything wrong with them.
pub fn read_fields(ctxt: &mut Ctxt, item: &mut ItemStruct, mapper: &mut Mapper<'_>, allow_defaults: bool) -> Vec<FieldInfo> {
    let infos = read_named_fields(ctxt, item, mapper, allow_defaults);
    strip_attributes(item);
    infos
}

fn read_named_fields(ctxt: &mut Ctxt, item: &ItemStruct, mapper: &mut Mapper<'_>, allow_defaults: bool) -> Vec<FieldInfo> {
    let Fields::Named(named) = &item.fields else { return Vec::new() };
    let mut infos = Vec::new();
    for field in &named.named {
        let ident = field.ident.clone().expect("named fields have names");
        let mut explicit_default: Option<(Value, Span)> = None;
        let df_attrs: Vec<&syn::Attribute> = field.attrs.iter().filter(|a| a.path().is_ident("df")).collect();
        for attr in &field.attrs {
            if attr.path().is_ident("serde") {
                ctxt.error_spanned_by(attr, "#[serde] is not allowed on a stored field: the Rust field name is the JSON member name (write `r#type` for a keyword), and a default is `#[df(default = …)]`");
            }
        }
        for df in df_attrs {
            let tokens = match df.meta.require_list() {
                Ok(list) => list.tokens.clone(),
                Err(err) => {
                    ctxt.syn_error(err);
                    continue;
                }
            };
            let args = attr::parse_args(ctxt, tokens, "df", &["default"]);
            if let Some(arg) = attr::find(&args, "default") {
                if !allow_defaults {
                    ctxt.error_spanned_by(&arg.key, "defaults belong on model fields: an embedded struct is replaced whole");
                } else if explicit_default.is_some() {
                    ctxt.error_spanned_by(&arg.key, "duplicate key `default` in #[df(…)]");
                } else {
                    explicit_default = json_literal(ctxt, arg);
                }
            }
        }
        let ty = match mapper.map_field(&field.ty) {
            Ok(ty) => ty,
            Err(Unmapped::Error(err)) => {
                ctxt.syn_error(err);
                continue;
            }
            Err(Unmapped::Reported) => continue,
        };
        let (base, nullable) = match ty.split_nullable() {
            (inner, true) => (inner.clone(), true),
            (inner, false) => (inner.clone(), false),
        };
        let default = match explicit_default {
            Some((value, span)) => {
                if !ty.accepts(&value) {
                    ctxt.error_at(span, not_a_value(&ty, &value));
                }
                Some(value)
            }
            None if nullable && allow_defaults => Some(Value::Null),
            None => None,
        };
        let name = ident.unraw().to_string();
        infos.push(FieldInfo { ident, rust_ty: field.ty.clone(), field: Field { name, ty: base, nullable, default } });
    }
    infos
}

/// The error for a default that is not a value of the field's type; for an enum, the
/// variants a default can be.
fn not_a_value(ty: &Ty, value: &Value) -> String {
    let json = canonical_json(value);
    match ty.split_nullable().0 {
        Ty::Enum(variants) => {
            let units: Vec<&str> = variants.iter().filter(|(_, data)| data.is_none()).map(|(name, _)| name.as_str()).collect();
            match units.as_slice() {
                [] => format!("the default {json} is not a value of the field's enum {ty}, and none of its variants is one without data"),
                units => format!("the default {json} is not a variant of the field's enum without data: write one of {}", units.iter().map(|u| format!("\"{u}\"")).collect::<Vec<_>>().join(", ")),
            }
        }
        Ty::Int(width) if width.is_decimal_string() && value.as_str().is_some() => format!("the default {json} does not fit the field's type {}", width.describe()),
        Ty::Int(width) if width.is_decimal_string() => format!(
            "the default {json} is not a value of the field's type {}: write its digits as a string, `\"{json}\"`",
            width.describe(),
        ),
        Ty::Int(width) if value.is_i64() || value.is_u64() => format!("the default {json} does not fit the field's type {}", width.describe()),
        _ => format!("the default {json} is not a value of the field's type {ty}"),
    }
}

/// Adds the serde derives and attributes to the struct and returns the functions that
/// produce the recorded defaults.
///
/// Unknown members are ignored, not refused: code one version behind must read objects
/// that a newer version added fields to, for a step to run rolling. Validation still
/// refuses them (`df_schema::registry::decode_strict`).
pub fn add_serde(item: &mut ItemStruct, infos: &[FieldInfo]) -> TokenStream {
    let name = &item.ident;
    item.attrs.push(syn::parse_quote!(#[derive(::df_schema::__private::serde::Serialize, ::df_schema::__private::serde::Deserialize)]));
    item.attrs.push(syn::parse_quote!(#[serde(crate = "::df_schema::__private::serde")]));
    let mut default_fns = Vec::new();
    if let Fields::Named(named) = &mut item.fields {
        for field in &mut named.named {
            let Some(info) = infos.iter().find(|i| Some(&i.ident) == field.ident.as_ref()) else { continue };
            if let Some(adapter) = crate::ty_map::decimal_adapter(&info.rust_ty) {
                let module = adapter.module();
                field.attrs.push(syn::parse_quote!(#[serde(with = #module)]));
                // With an adapter, serde no longer reads an absent `Option` as `None` by itself.
                if matches!(adapter, crate::ty_map::Decimal::Option) && info.field.default.as_ref().is_none_or(Value::is_null) {
                    field.attrs.push(syn::parse_quote!(#[serde(default)]));
                }
            }
            let Some(default) = &info.field.default else { continue };
            if default.is_null() && info.field.nullable {
                continue; // serde already reads an absent `Option` as `None`
            }
            let fn_name = format_ident!("__df_default_{}", info.ident.unraw());
            let path = format!("{name}::{fn_name}");
            field.attrs.push(syn::parse_quote!(#[serde(default = #path)]));
            let json = canonical_json(default);
            let ty = &info.rust_ty;
            let read = match crate::ty_map::decimal_adapter(ty) {
                Some(adapter) => {
                    let adapter = adapter.path();
                    quote!(::df_schema::__private::recorded_default_with(#json, |value| #adapter::deserialize(value)))
                }
                None => quote!(::df_schema::__private::recorded_default(#json)),
            };
            default_fns.push(quote! {
                #[doc(hidden)]
                fn #fn_name() -> #ty {
                    #read
                }
            });
        }
    }
    if default_fns.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #[automatically_derived]
        impl #name {
            #(#default_fns)*
        }
    }
}

/// The compile-time checks that each embedded struct a field relies on still has the
/// shape that was read from the lock.
pub fn embedded_checks(owner: &syn::Ident, uses: &[crate::ty_map::EmbeddedUse]) -> TokenStream {
    uses.iter()
        .map(|u| {
            let path = &u.path;
            let shape = &u.shape;
            let message = format!(
                "{owner} uses `{}` with the shape recorded in the schema lock, {shape}, but the struct now \
                 differs: its own #[df_embedded] error says how; after recording it, build again",
                path.to_token_stream().to_string().replace(' ', "")
            );
            quote! {
                const _: () = if !::df_schema::__private::str_eq(
                    <#path as ::df_schema::__private::Embedded>::SHAPE, #shape,
                ) {
                    ::core::panic!("{}", #message)
                };
            }
        })
        .collect()
}

/// `include_bytes!` of the lock, so that editing the lock rebuilds the crate, and the
/// environment variables that change what the macro does, so that changing them does too.
///
/// Cargo tracks both per crate, so once per lock and crate is enough, and the compiler
/// loads the macro library afresh for every crate it compiles: the library remembers the
/// locks it has already included. Including the lock in every item would make each of a
/// crate's models embed the whole lock: crate metadata to write and read that grows with
/// the number of models times the size of the lock.
pub fn rebuild_triggers(lock: &Path) -> TokenStream {
    static INCLUDED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
    let environment = quote! {
        const _: ::core::option::Option<&str> = ::core::option_env!("DF_SCHEMA_BLESS");
        const _: ::core::option::Option<&str> = ::core::option_env!("CI");
    };
    if !lock.exists() {
        return environment; // nothing to include yet, so nothing to remember
    }
    if !INCLUDED.lock().unwrap_or_else(PoisonError::into_inner).insert(lock.to_owned()) {
        return TokenStream::new();
    }
    let path = lock.to_string_lossy().into_owned();
    quote! {
        const _: &[u8] = ::core::include_bytes!(#path);
        #environment
    }
}
