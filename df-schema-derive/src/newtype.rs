//! A `#[df_embedded]` newtype, `struct Celsius(f64)`: stored as the value it wraps, as
//! serde stores a newtype struct, so its lock shape is the wrapped type's. It gives a
//! field a type of its own without changing what is stored.

use crate::ctxt::Ctxt;
use crate::ty_map::{Mapper, Unmapped};
use df_schema_core::Ty;
use syn::{Fields, ItemStruct};

/// Whether `item` is a newtype: one unnamed field.
pub fn is_newtype(item: &ItemStruct) -> bool {
    matches!(&item.fields, Fields::Unnamed(fields) if fields.unnamed.len() == 1)
}

/// The shape of the wrapped type, reporting everything wrong with the newtype; `None` if
/// it could not be read.
pub fn read(ctxt: &mut Ctxt, item: &mut ItemStruct, mapper: &mut Mapper<'_>) -> Option<Ty> {
    let mut complete = true;
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        ctxt.error_spanned_by(&item.generics, "#[df_embedded] newtypes cannot be generic: a stored shape is one concrete type");
        complete = false;
    }
    let ours = crate::attr::is_serde_or_df;
    for attr in item.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        ctxt.error_spanned_by(attr, "#[serde] is not allowed on a #[df_embedded] newtype: it is stored as the value it wraps");
    }
    let Fields::Unnamed(fields) = &mut item.fields else { return None };
    let field = &mut fields.unnamed[0];
    for attr in field.attrs.iter().filter(|a| ours(a)) {
        ctxt.error_spanned_by(attr, "attributes are not allowed on a newtype's value: it is stored as it is, and has no default of its own");
    }
    field.attrs.retain(|a| !ours(a));
    item.attrs.retain(|a| !a.path().is_ident("serde"));
    let ty = match mapper.map(&field.ty) {
        Ok(ty) => Some(ty),
        Err(Unmapped::Error(error)) => {
            ctxt.syn_error(error);
            None
        }
        Err(Unmapped::Reported) => None,
    };
    ty.filter(|_| complete)
}

/// Adds the serde derives that store the newtype as the value it wraps.
pub fn add_serde(item: &mut ItemStruct) {
    item.attrs.push(syn::parse_quote!(#[derive(::df_schema::__private::serde::Serialize, ::df_schema::__private::serde::Deserialize)]));
    item.attrs.push(syn::parse_quote!(#[serde(crate = "::df_schema::__private::serde")]));
}
