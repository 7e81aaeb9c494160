//! Rust field types to normalized JSON shapes.
//!
//! Primitive and container types map directly. Any other named type must be a
//! `#[df_embedded]` struct or enum, whose shape this macro cannot see (a proc macro sees only the
//! item it is on), so it is read from the lock's `embedded` section; the generated code
//! then checks at compile time that the struct still has that shape.

use df_schema_core::{IntWidth, Lock, Ty};
use std::collections::{BTreeMap, BTreeSet};
use syn::{GenericArgument, PathArguments, Type};

/// An embedded struct a field relies on, with the shape taken from the lock.
pub struct EmbeddedUse {
    pub path: syn::Path,
    pub shape: String,
}

pub struct Mapper<'a> {
    pub embedded: &'a BTreeMap<String, Ty>,
    /// The names in `embedded` that are type aliases, whose shape no type carries.
    pub aliases: &'a BTreeSet<String>,
    pub uses: Vec<EmbeddedUse>,
    /// The struct's generic parameters: already reported as not allowed, so a field of
    /// such a type is skipped without a second error.
    pub generics: Vec<String>,
    /// Whether the type being mapped is a struct field that `decimal_adapter` stores, the
    /// one place a 128-bit integer may be.
    wide_ok: bool,
}

impl<'a> Mapper<'a> {
    pub fn new(lock: &'a Lock, generics: &syn::Generics) -> Mapper<'a> {
        let generics = generics.type_params().map(|p| p.ident.to_string()).collect();
        Mapper { embedded: &lock.embedded, aliases: &lock.aliases, uses: Vec::new(), generics, wide_ok: false }
    }
}

/// Why a type did not map: an error to report, or one reported elsewhere already.
pub enum Unmapped {
    Error(syn::Error),
    Reported,
}

impl From<syn::Error> for Unmapped {
    fn from(error: syn::Error) -> Unmapped {
        Unmapped::Error(error)
    }
}

const SUPPORTED: &str = "String, char, an integer (u128/i128 as a struct field), f32/f64, bool, serde_json::Value, Option<T>, \
                         Vec<T>, [T; N], a tuple, BTreeMap/HashMap with String, integer or enum keys, Box<T>, or a #[df_embedded] \
                         struct, newtype, enum or type alias";

/// How serde stores a struct field that is a 128-bit integer (`Bare`) or an `Option` of
/// one: through the adapter that writes it as a string of decimal digits.
#[derive(Clone, Copy)]
pub enum Decimal {
    Bare,
    Option,
}

impl Decimal {
    /// The adapter module, as `#[serde(with = …)]` names it.
    pub fn module(self) -> &'static str {
        match self {
            Decimal::Bare => "::df_schema::__private::decimal",
            Decimal::Option => "::df_schema::__private::decimal::option",
        }
    }

    /// The adapter module as a path in generated code.
    pub fn path(self) -> proc_macro2::TokenStream {
        match self {
            Decimal::Bare => quote::quote!(::df_schema::__private::decimal),
            Decimal::Option => quote::quote!(::df_schema::__private::decimal::option),
        }
    }
}

/// The adapter that stores a struct field of this Rust type, if it is a 128-bit integer
/// or an `Option` of one.
pub fn decimal_adapter(ty: &Type) -> Option<Decimal> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    match (last.ident.to_string().as_str(), type_args(&last.arguments).as_slice()) {
        ("u128" | "i128", []) => Some(Decimal::Bare),
        ("Option", [inner]) => match decimal_adapter(inner) {
            Some(Decimal::Bare) => Some(Decimal::Option),
            _ => None,
        },
        _ => None,
    }
}

impl Mapper<'_> {
    /// Maps a struct field's type: as [`Mapper::map`], and a 128-bit integer may be the
    /// field's value, which `decimal_adapter` then stores.
    pub fn map_field(&mut self, ty: &Type) -> Result<Ty, Unmapped> {
        self.wide_ok = decimal_adapter(ty).is_some();
        let mapped = self.map(ty);
        self.wide_ok = false;
        mapped
    }

    pub fn map(&mut self, ty: &Type) -> Result<Ty, Unmapped> {
        match ty {
            Type::Path(p) if p.qself.is_none() => self.map_path(&p.path, ty),
            Type::Group(g) => self.map(&g.elem),
            Type::Paren(p) => self.map(&p.elem),
            // A fixed array stores as a JSON array; its length is the Rust type's to check.
            Type::Array(a) => Ok(Ty::List(Box::new(self.map(&a.elem)?))),
            Type::Tuple(t) if t.elems.is_empty() => Err(syn::Error::new_spanned(ty, "`()` stores nothing: remove the field").into()),
            // serde writes a tuple as a JSON array of its members, in order.
            Type::Tuple(t) => Ok(Ty::Tuple(t.elems.iter().map(|elem| self.map(elem)).collect::<Result<_, _>>()?)),
            _ => Err(syn::Error::new_spanned(ty, format!("unsupported field type; a stored field is {SUPPORTED}")).into()),
        }
    }

    fn map_path(&mut self, path: &syn::Path, ty: &Type) -> Result<Ty, Unmapped> {
        let last = path.segments.last().expect("a parsed path has a segment");
        let name = last.ident.to_string();
        let args = type_args(&last.arguments);
        let one = |this: &mut Self| match args.as_slice() {
            [inner] => this.map(inner),
            _ => Err(syn::Error::new_spanned(ty, format!("`{name}` takes one type argument")).into()),
        };
        // `serde_json::Value` by any path (`Value` imported with `use`, `json::Value`), unless
        // the lock records an embedded type of that name.
        let is_json = name == "Value" && args.is_empty() && !self.embedded.contains_key("Value");
        let width = IntWidth::of_rust(&name).filter(|_| args.is_empty());
        match name.as_str() {
            _ if path.segments.len() == 1 && self.generics.contains(&name) => Err(Unmapped::Reported),
            "String" | "char" if args.is_empty() => Ok(Ty::Str),
            "bool" => Ok(Ty::Bool),
            _ if width.is_some() => self.int(width, &name, ty),
            "f32" | "f64" => Ok(Ty::Float),
            _ if is_json => Ok(Ty::Json),
            "Option" => Ok(one(self)?.nullable()),
            "Vec" | "VecDeque" | "BTreeSet" | "HashSet" => Ok(Ty::List(Box::new(one(self)?))),
            "Box" => one(self),
            // JSON object keys are text: serde writes integer keys and unit variants as theirs.
            "BTreeMap" | "HashMap" => match args.as_slice() {
                [key, value] => match self.map(key)? {
                    Ty::Str => Ok(Ty::Map(Box::new(self.map(value)?))),
                    key if key.is_key() => Ok(Ty::KeyedMap(Box::new(key), Box::new(self.map(value)?))),
                    _ => Err(syn::Error::new_spanned(
                        ty,
                        "a stored map's keys are JSON object keys: `String`, `char`, an integer up to 64 bits, or a #[df_embedded] enum whose variants hold no data",
                    )
                    .into()),
                },
                _ => Err(syn::Error::new_spanned(ty, format!("`{name}` takes a key type and a value type")).into()),
            },
            _ if args.is_empty() => match self.embedded.get(&name) {
                // An alias is checked where it is declared, against the lock, as it has no
                // type of its own to carry its shape to the models.
                Some(shape) if self.aliases.contains(&name) => Ok(shape.clone()),
                Some(shape) => {
                    self.uses.push(EmbeddedUse { path: path.clone(), shape: shape.to_string() });
                    Ok(shape.clone())
                }
                None => Err(syn::Error::new_spanned(
                    ty,
                    format!(
                        "`{name}` is not a type df-schema knows: a stored field is {SUPPORTED}. If `{name}` is \
                         a #[df_embedded] struct, newtype or enum, its shape is not in the schema lock yet: run \
                         `DF_SCHEMA_BLESS=1 cargo build` (twice if `{name}` is declared after this model). \
                         A macro cannot see through a plain type alias: declare it `#[df_embedded] type {name} = …;`"
                    ),
                )
                .into()),
            },
            _ => Err(syn::Error::new_spanned(ty, format!("unsupported field type; a stored field is {SUPPORTED}")).into()),
        }
    }
}

impl Mapper<'_> {
    /// An integer of `width`, refusing a 128-bit one where it cannot be stored as digits.
    fn int(&self, width: Option<IntWidth>, name: &str, ty: &Type) -> Result<Ty, Unmapped> {
        match width {
            Some(width) if !width.is_decimal_string() || self.wide_ok => Ok(Ty::Int(width)),
            _ => Err(syn::Error::new_spanned(
                ty,
                format!(
                    "{} `{name}` stores as a JSON string of its decimal digits (the engine and JSON tools read numbers \
                     beyond 64 bits as floats, losing digits), which df-schema arranges for a model or #[df_embedded] \
                     struct field that is `{name}` or `Option<{name}>`: make it such a field, in a #[df_embedded] struct \
                     if it belongs in a list, map, tuple, enum, newtype or alias",
                    if name.starts_with('i') { "an" } else { "a" }
                ),
            )
            .into()),
        }
    }
}

fn type_args(arguments: &PathArguments) -> Vec<&Type> {
    match arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
