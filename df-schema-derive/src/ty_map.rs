//! Rust field types to normalized JSON shapes.
//!
//! Primitive and container types map directly. Any other named type must be a
//! `#[df_embedded]` struct or enum, whose shape this macro cannot see (a proc macro sees only the
//! item it is on), so it is read from the lock's `embedded` section; the generated code
//! then checks at compile time that the struct still has that shape.

use df_schema_core::Ty;
use df_schema_core::Lock;
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
}

impl<'a> Mapper<'a> {
    pub fn new(lock: &'a Lock, generics: &syn::Generics) -> Mapper<'a> {
        let generics = generics.type_params().map(|p| p.ident.to_string()).collect();
        Mapper { embedded: &lock.embedded, aliases: &lock.aliases, uses: Vec::new(), generics }
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

const SUPPORTED: &str = "String, char, integers up to 64 bits, f32/f64, bool, serde_json::Value, Option<T>, Vec<T>, \
                         BTreeMap<String, T>/HashMap<String, T>, Box<T>, or a #[df_embedded] struct, newtype, enum or type alias";

impl Mapper<'_> {
    pub fn map(&mut self, ty: &Type) -> Result<Ty, Unmapped> {
        match ty {
            Type::Path(p) if p.qself.is_none() => self.map_path(&p.path, ty),
            Type::Group(g) => self.map(&g.elem),
            Type::Paren(p) => self.map(&p.elem),
            // A fixed array stores as a JSON array; its length is the Rust type's to check.
            Type::Array(a) => Ok(Ty::List(Box::new(self.map(&a.elem)?))),
            Type::Tuple(t) if t.elems.is_empty() => Err(syn::Error::new_spanned(ty, "`()` stores nothing: remove the field").into()),
            Type::Tuple(t) => Err(syn::Error::new_spanned(
                ty,
                format!("a tuple stores as a JSON array whose {} members have no names: use a #[df_embedded] struct with named fields", t.elems.len()),
            )
            .into()),
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
        match name.as_str() {
            _ if path.segments.len() == 1 && self.generics.contains(&name) => Err(Unmapped::Reported),
            "String" | "char" if args.is_empty() => Ok(Ty::Str),
            "bool" => Ok(Ty::Bool),
            _ if int_range(&name).is_some() => Ok(Ty::Int),
            "f32" | "f64" => Ok(Ty::Float),
            _ if is_json => Ok(Ty::Json),
            "Option" => Ok(one(self)?.nullable()),
            "Vec" | "VecDeque" | "BTreeSet" | "HashSet" => Ok(Ty::List(Box::new(one(self)?))),
            "Box" => one(self),
            "u128" | "i128" => Err(syn::Error::new_spanned(
                ty,
                format!("`{name}` does not store safely: JSON tools and migrations read numbers beyond 64 bits as floats, losing digits. Store a String of its decimal digits, or two u64 fields"),
            )
            .into()),
            // JSON object keys are text: serde writes integer keys and unit variants as theirs.
            "BTreeMap" | "HashMap" => match args.as_slice() {
                [key, value] => match self.map(key)? {
                    Ty::Str => Ok(Ty::Map(Box::new(self.map(value)?))),
                    key if key.is_key() => Ok(Ty::KeyedMap(Box::new(key), Box::new(self.map(value)?))),
                    _ => Err(syn::Error::new_spanned(
                        ty,
                        "a stored map's keys are JSON object keys: `String`, `char`, an integer, or a #[df_embedded] enum whose variants hold no data",
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

/// The values a Rust integer type named `name` holds, if it is one that stores as `int`
/// (64 bits at most; `isize` and `usize` as on the 64-bit targets the engine runs on).
pub fn int_range(name: &str) -> Option<(i128, i128)> {
    Some(match name {
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        _ => return None,
    })
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
