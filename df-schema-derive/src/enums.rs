//! The variants of a `#[df_embedded]` enum: reading them into the lock's enum type, and
//! refusing what would not store as that type.
//!
//! An enum is stored in serde's default, externally tagged form (see `df_schema_core::Ty`):
//! a unit variant as its name, a variant with data as `{"Name": data}`. A variant holds
//! nothing, one value (`Moved(String)`) or named fields (`Moved { to: String }`); a tuple
//! of several values would store as a JSON array whose members have no names, so it is
//! refused in favour of named fields.

use crate::ctxt::Ctxt;
use crate::ty_map::{Mapper, Unmapped};
use df_schema_core::Ty;
use syn::ext::IdentExt;
use syn::{Fields, ItemEnum};

/// Reads every variant, reporting everything wrong with the enum; `None` if any variant
/// could not be read.
pub fn read_variants(ctxt: &mut Ctxt, item: &mut ItemEnum, mapper: &mut Mapper<'_>) -> Option<Vec<(String, Option<Ty>)>> {
    let mut complete = true;
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        ctxt.error_spanned_by(&item.generics, "#[df_embedded] enums cannot be generic: a stored shape is one concrete type");
        complete = false;
    }
    for attr in item.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        ctxt.error_spanned_by(attr, "#[serde] is not allowed on a #[df_embedded] enum: the JSON shape is derived from the variants and recorded in the schema lock");
    }
    if item.variants.is_empty() {
        ctxt.error_spanned_by(&item.ident, "a #[df_embedded] enum needs a variant: an enum without variants has no value to store");
        complete = false;
    }
    let mut variants = Vec::new();
    for variant in &item.variants {
        for attr in variant.attrs.iter().filter(|a| crate::attr::is_serde_or_df(a)) {
            ctxt.error_spanned_by(attr, "attributes are not allowed on a stored variant: its Rust name is its JSON name");
        }
        let name = variant.ident.unraw().to_string();
        let data = match &variant.fields {
            Fields::Unit => Ok(None),
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => map(ctxt, mapper, &fields.unnamed[0]).map(Some),
            Fields::Unnamed(fields) => {
                ctxt.error_spanned_by(
                    fields,
                    format!("variant `{name}` holds {} values, which would store as a JSON array without names: give them names, `{name} {{ a: …, b: … }}`", fields.unnamed.len()),
                );
                Err(())
            }
            Fields::Named(fields) => {
                let members: Result<Vec<(String, Ty)>, ()> = fields
                    .named
                    .iter()
                    .map(|field| Ok((field.ident.as_ref().expect("named fields have names").unraw().to_string(), map(ctxt, mapper, field)?)))
                    .collect();
                members.map(|members| Some(Ty::object(members)))
            }
        };
        match data {
            Ok(data) => variants.push((name, data)),
            Err(()) => complete = false,
        }
    }
    strip_attributes(item);
    complete.then_some(variants)
}

/// One value a variant holds, refusing attributes on it.
fn map(ctxt: &mut Ctxt, mapper: &mut Mapper<'_>, field: &syn::Field) -> Result<Ty, ()> {
    for attr in field.attrs.iter().filter(|a| crate::attr::is_serde_or_df(a)) {
        ctxt.error_spanned_by(attr, "attributes are not allowed on a variant's data: its Rust name is its JSON member name, and a variant has no defaults");
    }
    match mapper.map(&field.ty) {
        Ok(ty) => Ok(ty),
        Err(Unmapped::Error(error)) => {
            ctxt.syn_error(error);
            Err(())
        }
        Err(Unmapped::Reported) => Err(()),
    }
}

/// Removes the user's `#[serde]` and `#[df]` attributes once reported, so that they add
/// no follow-on errors.
fn strip_attributes(item: &mut ItemEnum) {
    let ours = crate::attr::is_serde_or_df;
    item.attrs.retain(|a| !a.path().is_ident("serde"));
    for variant in &mut item.variants {
        variant.attrs.retain(|a| !ours(a));
        for field in &mut variant.fields {
            field.attrs.retain(|a| !ours(a));
        }
    }
}

/// Adds the serde derives that store the enum in the recorded form; unknown members of a
/// variant's data are ignored, as a struct's are (see `fields::add_serde`).
pub fn add_serde(item: &mut ItemEnum) {
    item.attrs.push(syn::parse_quote!(#[derive(::df_schema::__private::serde::Serialize, ::df_schema::__private::serde::Deserialize)]));
    item.attrs.push(syn::parse_quote!(#[serde(crate = "::df_schema::__private::serde")]));
}
