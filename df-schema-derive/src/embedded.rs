//! `#[df_embedded]`: a struct or an enum stored inside models (a JSON object member, or an
//! enum's externally tagged form, see `enums`). Its shape is recorded in the lock's
//! `embedded` section, where the models that use it read it; this macro keeps that record
//! equal to the item (or records it in bless mode), and exposes the shape as a constant
//! so that every model can check what it read.

use crate::attr;
use crate::ctxt::Ctxt;
use crate::enums;
use crate::fields;
use crate::lockfile;
use crate::newtype;
use crate::ty_map::Mapper;
use df_schema_core::{Lock, Ty};
use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use std::path::PathBuf;
use syn::{ItemEnum, ItemStruct, ItemType};

/// The item `#[df_embedded]` is on.
enum Item {
    Struct(ItemStruct),
    Newtype(ItemStruct),
    Enum(ItemEnum),
    /// `type Port = u16;`: recorded like the others, and listed under the lock's
    /// `aliases`, as it has no type of its own to carry its shape.
    Alias(ItemType),
}

impl Item {
    fn ident(&self) -> &syn::Ident {
        match self {
            Item::Struct(s) | Item::Newtype(s) => &s.ident,
            Item::Enum(e) => &e.ident,
            Item::Alias(a) => &a.ident,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Item::Struct(_) => "struct",
            Item::Newtype(_) => "newtype",
            Item::Enum(_) => "enum",
            Item::Alias(_) => "type alias",
        }
    }
}

impl ToTokens for Item {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Item::Struct(s) | Item::Newtype(s) => s.to_tokens(tokens),
            Item::Enum(e) => e.to_tokens(tokens),
            Item::Alias(a) => a.to_tokens(tokens),
        }
    }
}

pub fn expand(args: TokenStream, input: TokenStream, caller: Option<PathBuf>) -> TokenStream {
    let mut item = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Struct(item)) if newtype::is_newtype(&item) => Item::Newtype(item),
        Ok(syn::Item::Struct(item)) => Item::Struct(item),
        Ok(syn::Item::Enum(item)) => Item::Enum(item),
        Ok(syn::Item::Type(item)) => Item::Alias(item),
        _ => return fields::not_a_struct("df_embedded", "a struct with named fields, a newtype struct, an enum or a type alias", input),
    };
    let mut ctxt = Ctxt::default();
    let args = attr::parse_args(&mut ctxt, args, "df_embedded", &["lock"]);
    let explicit = attr::find(&args, "lock").and_then(|a| attr::lit_str(&mut ctxt, a)).map(|s| s.value());
    let lock_path = lockfile::lock_path(explicit.as_deref(), caller.as_deref()).map_err(|m| ctxt.error_at(Span::call_site(), m)).ok();
    let lock = lock_path.as_deref().map(lockfile::read).transpose().unwrap_or_else(|m| {
        ctxt.error_at(Span::call_site(), m);
        None
    });
    let lock = lock.unwrap_or_default();
    let generics = match &item {
        Item::Struct(s) | Item::Newtype(s) => &s.generics,
        Item::Enum(e) => &e.generics,
        Item::Alias(a) => &a.generics,
    };
    let mut mapper = Mapper::new(&lock, generics);
    // The shape, or `None` when part of the item could not be read (already reported).
    let mut infos = Vec::new();
    let shape = match &mut item {
        Item::Struct(item) => {
            let shape_ok = fields::check_shape(&mut ctxt, item, "df_embedded");
            infos = fields::read_fields(&mut ctxt, item, &mut mapper, false);
            let complete = shape_ok && infos.len() == item.fields.len();
            complete.then(|| Ty::object(infos.iter().map(|i| (i.field.name.clone(), i.field.full_ty())).collect()))
        }
        Item::Newtype(item) => newtype::read(&mut ctxt, item, &mut mapper),
        Item::Enum(item) => enums::read_variants(&mut ctxt, item, &mut mapper).map(Ty::enumeration),
        Item::Alias(item) => read_alias(&mut ctxt, item, &mut mapper),
    };
    let is_alias = matches!(item, Item::Alias(_));
    let uses = std::mem::take(&mut mapper.uses);
    let name = item.ident().to_string();
    let kind = item.kind();
    // An alias recorded as a struct (or the reverse) is not recorded as what it is.
    let recorded = lock.embedded.get(&name).filter(|_| lock.aliases.contains(&name) == is_alias);

    // A lock written before integer widths were recorded: accepted as it is, completed by
    // a bless.
    let unrecorded_widths = matches!((recorded, &shape), (Some(recorded), Some(shape)) if recorded != shape && shape.fills_widths_of(recorded));
    if let (false, Some(lock_path), Some(shape)) = (ctxt.has_errors(), &lock_path, &shape) {
        let mode = df_schema_core::Mode::from_env();
        if recorded != Some(shape) && (!unrecorded_widths || mode.may_write()) {
            let target = Recorded { kind, name: &name, shape, is_alias };
            record_or_refuse(&mut ctxt, item.ident(), &target, &lock, lock_path, explicit.as_deref(), mode);
        }
    }

    let errors = ctxt.to_compile_errors();
    let Some(shape) = shape else { return quote!(#errors #item) };
    // On error, expose the recorded shape: the models that use this item were checked
    // against it, and the item's own error already says what differs. So too while the
    // lock lacks widths: the models read their shape from it in this build.
    let exposed = match (errors.is_empty() && !unrecorded_widths, recorded) {
        (false, Some(recorded)) => recorded.to_string(),
        _ => shape.to_string(),
    };
    match &mut item {
        Item::Struct(item) => drop(fields::add_serde(item, &infos)),
        Item::Newtype(item) => newtype::add_serde(item),
        Item::Enum(item) => enums::add_serde(item),
        Item::Alias(_) => {}
    }
    let ident = item.ident();
    let checks = match (&lock_path, errors.is_empty()) {
        (Some(path), true) => {
            let embedded = fields::embedded_checks(ident, &uses);
            let triggers = fields::rebuild_triggers(path);
            let lock = path.to_string_lossy().into_owned();
            quote! {
                #embedded
                #triggers
                ::df_schema::__private::inventory::submit! {
                    ::df_schema::__private::EmbeddedEntry { name: #name, lock: #lock }
                }
            }
        }
        _ => TokenStream::new(),
    };
    let shape_impl = if is_alias {
        TokenStream::new()
    } else {
        quote! {
            #[automatically_derived]
            impl ::df_schema::__private::Embedded for #ident {
                const SHAPE: &'static str = #exposed;
            }
        }
    };
    quote! {
        #errors
        #item
        const _: () = {
            #shape_impl
            #checks
        };
    }
}

/// What an item's record in the lock is to be.
struct Recorded<'a> {
    kind: &'static str,
    name: &'a str,
    shape: &'a Ty,
    is_alias: bool,
}

/// Records the item's shape (in bless mode), or refuses the build saying what changed.
fn record_or_refuse(ctxt: &mut Ctxt, ident: &syn::Ident, target: &Recorded<'_>, lock: &Lock, lock_path: &std::path::Path, explicit: Option<&str>, mode: df_schema_core::Mode) {
    let Recorded { kind, name, shape, is_alias } = *target;
    if mode.may_write() {
        let write = lockfile::update(lock_path, |lock: &mut Lock| {
            lock.embedded.insert(name.to_owned(), shape.clone());
            if is_alias {
                lock.aliases.insert(name.to_owned());
            } else {
                lock.aliases.remove(name);
            }
        });
        if let Err(message) = write {
            ctxt.error_at(Span::call_site(), message);
        }
    } else {
        let lock_name = lockfile::display_name(explicit);
        ctxt.error_spanned_by(ident, not_recorded(kind, name, lock, shape, &lock_name, mode.ci));
    }
}

/// The shape of the aliased type, refusing a generic alias.
fn read_alias(ctxt: &mut Ctxt, item: &ItemType, mapper: &mut Mapper<'_>) -> Option<Ty> {
    if !item.generics.params.is_empty() {
        ctxt.error_spanned_by(&item.generics, "#[df_embedded] type aliases cannot be generic: a stored shape is one concrete type");
        return None;
    }
    match mapper.map(&item.ty) {
        Ok(ty) => Some(ty),
        Err(crate::ty_map::Unmapped::Error(error)) => {
            ctxt.syn_error(error);
            None
        }
        Err(crate::ty_map::Unmapped::Reported) => None,
    }
}

fn not_recorded(kind: &str, name: &str, lock: &Lock, shape: &Ty, lock_name: &str, ci: bool) -> String {
    let how = if ci {
        format!("record it on a workstation with `DF_SCHEMA_BLESS=1 cargo build` (bless is ignored while CI is set) and commit {lock_name}")
    } else {
        format!("record it with `DF_SCHEMA_BLESS=1 cargo build` and commit {lock_name}")
    };
    let Some(old) = lock.embedded.get(name) else {
        return format!("the embedded {kind} {name} is not in the schema lock yet: {how}");
    };
    // The models whose latest version stores the old shape change with it.
    let old_text = old.to_string();
    let users: Vec<String> = lock
        .models
        .iter()
        .filter_map(|(model, history)| {
            let (version, record) = history.latest()?;
            let uses = record.schema.fields.iter().any(|f| f.ty.to_string().contains(&old_text));
            uses.then(|| format!("{model} (to `version = {}`)", version + 1))
        })
        .collect();
    let bump = match users.as_slice() {
        [] => String::new(),
        users if old.widens_to(shape) => format!(
            " Every model that stores it changes shape too: bump {} first (an automatic step, as objects stored in the old shape still decode), then",
            users.join(", ")
        ),
        users => format!(" Every model that stores it changes shape too, and objects stored in the old shape need a step: bump {} first, then", users.join(", ")),
    };
    format!("the embedded {kind} {name} changed: recorded {old}, now {shape}.{bump} {how}")
}
