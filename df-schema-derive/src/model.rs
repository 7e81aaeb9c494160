//! `#[df_model(version = N, …)]`: reads the struct, checks it against the schema lock
//! with `df_schema_core::check_model`, records in bless mode, and expands to the serde
//! impls, the `Model` impl, the registry entry and the compile-time migration checks.

use crate::attr::{self, Arg};
use crate::ctxt::Ctxt;
use crate::fields::{self, FieldInfo};
use crate::lockfile;
use crate::ty_map::Mapper;
use df_schema_core::{check_model, Change, ModelDecl, ModelHistory, RuleError, Step, Ty, VersionSchema};
use heck::{ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use syn::spanned::Spanned;
use syn::ItemStruct;

const KEYS: &[&str] = &["version", "table", "release", "renamed_from", "lock"];

pub fn expand(args: TokenStream, input: TokenStream, caller: Option<PathBuf>) -> TokenStream {
    let mut item: ItemStruct = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => return fields::not_a_struct("df_model", "a struct with named fields", input),
    };
    let mut ctxt = Ctxt::default();
    let args = attr::parse_args(&mut ctxt, args, "df_model", KEYS);
    let model = ModelArgs::read(&mut ctxt, &args, &item);
    let shape_ok = fields::check_shape(&mut ctxt, &item, "df_model");

    let lock_path = match lockfile::lock_path(model.lock.as_deref(), caller.as_deref()) {
        Ok(path) => Some(path),
        Err(message) => {
            ctxt.error_at(Span::call_site(), message);
            None
        }
    };
    let lock = match lock_path.as_deref().map(lockfile::read) {
        Some(Ok(lock)) => lock,
        Some(Err(message)) => {
            ctxt.error_at(Span::call_site(), message);
            Arc::default()
        }
        None => Arc::default(),
    };
    let mut mapper = Mapper::new(&lock, &item.generics);
    let infos = fields::read_fields(&mut ctxt, &mut item, &mut mapper, true);
    let uses = std::mem::take(&mut mapper.uses);
    if shape_ok {
        check_key_fields(&mut ctxt, &item, &infos);
    }

    let name = item.ident.to_string();
    if let Some(error) = df_schema_core::reserved_table(&name, &model.table) {
        let span = attr::find(&args, "table").map_or_else(|| item.ident.span(), |a| a.value.span());
        ctxt.error_at(span, error);
    }
    let mut expansion = Expansion { history: ModelHistory::default(), steps: Vec::new(), checked: false };
    if let (false, Some(version), Some(lock_path)) = (ctxt.has_errors(), model.version, &lock_path) {
        let decl = ModelDecl {
            name: name.clone(),
            version,
            renamed_from: model.renamed_from.clone(),
            schema: VersionSchema::new(model.table.clone(), model.release.clone(), infos.iter().map(|i| i.field.clone()).collect()),
            lock: lockfile::display_name(model.lock.as_deref()),
        };
        let verdict = check_model(&decl, lock.models.get(&name), df_schema_core::Mode::from_env());
        if verdict.record {
            if let Err(message) = lockfile::update(lock_path, |lock| {
                lock.models.insert(name.clone(), verdict.history.clone());
            }) {
                ctxt.error_at(Span::call_site(), message);
            }
        }
        for error in &verdict.errors {
            report(&mut ctxt, error, &args, &item, &infos);
        }
        expansion = Expansion { checked: verdict.errors.is_empty(), history: verdict.history, steps: verdict.steps };
    }

    let errors = ctxt.to_compile_errors();
    // Without every field's type, serde impls would add follow-on errors about the types.
    if !shape_ok || infos.len() != item.fields.len() {
        return quote!(#errors #item);
    }
    let defaults = fields::add_serde(&mut item, &infos);
    let model_impl = model_impl(&item, &model, &infos, &expansion.history);
    let checks = if expansion.checked {
        let lock_path = lock_path.as_deref().expect("checked models have a lock");
        let version_span = attr::find(&args, "version").map_or_else(Span::call_site, |a| a.value.span());
        let steps =
            expansion.steps.iter().filter(|s| !s.is_automatic()).map(|s| step_check(&item.ident, s, model.lock.as_deref(), version_span));
        let embedded = fields::embedded_checks(&item.ident, &uses);
        let triggers = fields::rebuild_triggers(lock_path);
        let registration = registration(&item.ident, lock_path);
        quote!(#(#steps)* #embedded #triggers #registration)
    } else {
        TokenStream::new()
    };
    quote! {
        #errors
        #item
        #defaults
        const _: () = {
            #model_impl
            #checks
        };
    }
}

struct Expansion {
    history: ModelHistory,
    steps: Vec<Step>,
    /// The model agrees with the lock, so the lock-dependent code can be generated.
    checked: bool,
}

/// The `#[df_model(…)]` arguments, with defaults applied.
struct ModelArgs {
    version: Option<u32>,
    table: String,
    release: Option<String>,
    renamed_from: Option<String>,
    lock: Option<String>,
}

impl ModelArgs {
    fn read(ctxt: &mut Ctxt, args: &[Arg], item: &ItemStruct) -> ModelArgs {
        let string = |ctxt: &mut Ctxt, key| attr::find(args, key).and_then(|a| attr::lit_str(ctxt, a));
        let version = match attr::find(args, "version") {
            Some(arg) => attr::lit_u32(ctxt, arg, 1),
            None => {
                ctxt.error_spanned_by(&item.ident, "#[df_model] needs `version = N`, the model's schema version (1 for a new model): `#[df_model(version = 1)]`");
                None
            }
        };
        let table_name = |ctxt: &mut Ctxt, key| {
            let lit = string(ctxt, key)?;
            let value = lit.value();
            if value.is_empty() || value.contains(['{', '}', '.']) || value.chars().any(char::is_whitespace) {
                ctxt.error_spanned_by(&lit, "a table name is non-empty, without spaces, `{`, `}` or `.` (they delimit the key layout `{table.topic}id`)");
            }
            Some(value)
        };
        let table = table_name(ctxt, "table").unwrap_or_else(|| item.ident.to_string().to_snake_case());
        let renamed_from = table_name(ctxt, "renamed_from");
        ModelArgs {
            version,
            table,
            release: string(ctxt, "release").map(|s| s.value()),
            renamed_from,
            lock: string(ctxt, "lock").map(|s| s.value()),
        }
    }
}

/// `id: String` is required (the object's key); `topic`, when present, is a `String`
/// (the object's partition).
fn check_key_fields(ctxt: &mut Ctxt, item: &ItemStruct, infos: &[FieldInfo]) {
    let find = |name: &str| infos.iter().find(|i| i.field.name == name);
    match find("id") {
        None => ctxt.error_spanned_by(&item.ident, "a model needs `id: String`: every stored object is keyed by its id"),
        Some(info) if info.field.ty != Ty::Str || info.field.nullable || info.field.default.is_some() => {
            ctxt.error_spanned_by(&info.rust_ty, "`id` must be a `String` without a default: it is the object's key");
        }
        Some(_) => {}
    }
    if let Some(info) = find("topic") {
        if info.field.ty != Ty::Str || info.field.nullable || info.field.default.is_some() {
            ctxt.error_spanned_by(&info.rust_ty, "`topic` must be a `String` without a default: it is the object's partition in its key");
        }
    }
}

/// Spans a broken rule on the tokens it is about.
fn report(ctxt: &mut Ctxt, error: &RuleError, args: &[Arg], item: &ItemStruct, infos: &[FieldInfo]) {
    let span_of = |key: &str| attr::find(args, key).map(|a| a.value.span());
    let version_span = span_of("version").unwrap_or_else(Span::call_site);
    let span = match error {
        RuleError::NotRecorded { new_model: true, .. } => item.ident.span(),
        RuleError::TableRenamedImplicitly { .. } => span_of("table").unwrap_or_else(|| item.ident.span()),
        RuleError::WrongRenamedFrom { .. } | RuleError::RenamedFromFirstVersion { .. } => span_of("renamed_from").unwrap_or(version_span),
        _ => version_span,
    };
    ctxt.error_at(span, error);
    if let RuleError::Changed { model: name, version, changes, .. } = error {
        for change in changes {
            let (field, what) = match change {
                Change::Added(f) => (&f.name, "is new"),
                Change::Modified { to, .. } => (&to.name, "changed"),
                _ => continue,
            };
            if let Some(info) = infos.iter().find(|i| &i.field.name == field) {
                ctxt.error_spanned_by(&info.ident, format!("`{field}` {what} since the recorded {name} v{version} (see the error on `version = {version}`)"));
            }
        }
    }
}

fn model_impl(item: &ItemStruct, model: &ModelArgs, infos: &[FieldInfo], history: &ModelHistory) -> TokenStream {
    let ident = &item.ident;
    let name = ident.to_string();
    let table = &model.table;
    let version = model.version.unwrap_or(u32::MAX);
    let fingerprint = history.versions.get(&version).map(|r| r.fingerprint.clone()).unwrap_or_default();
    let history_fn = lockfile::history_fn(&name, history);
    let has = |field: &str| infos.iter().any(|i| i.field.name == field);
    let id = if has("id") { quote!(&self.id) } else { quote!("") };
    let topic = if has("topic") { quote!(&self.topic) } else { quote!("") };
    let has_topic = has("topic");
    quote! {
        #[automatically_derived]
        impl ::df_schema::Model for #ident {
            const NAME: &'static str = #name;
            const TABLE: &'static str = #table;
            const VERSION: u32 = #version;
            const FINGERPRINT: &'static str = #fingerprint;
            const HAS_TOPIC: bool = #has_topic;

            fn history() -> &'static ::df_schema::__private::ModelHistory {
                (#history_fn)()
            }

            fn id(&self) -> &str {
                #id
            }

            fn topic(&self) -> &str {
                #topic
            }
        }
    }
}

fn registration(ident: &syn::Ident, lock_path: &Path) -> TokenStream {
    let lock = lock_path.to_string_lossy().into_owned();
    quote! {
        ::df_schema::__private::inventory::submit! {
            ::df_schema::__private::ModelEntry::of::<#ident>(::core::module_path!(), #lock)
        }
    }
}

/// A step the framework cannot apply by itself must have a `#[migration]`. The model
/// cannot see other items, so the check is a constant evaluated by the compiler: the
/// migration macro implements `OnlyOneMigrationPerStep<N>` for the model, and `Probe` reports whether
/// that impl exists.
fn step_check(ident: &syn::Ident, step: &Step, lock: Option<&str>, span: Span) -> TokenStream {
    let to = step.to;
    let lock = lock.map(|l| format!(", lock = \"{l}\"")).unwrap_or_default();
    let message = format!(
        "{ident} v{from} → v{to} needs a #[migration]: {summary}. The framework migrates by itself only \
         fields added with a default, variants added to an enum, widened integers and table renames; anything else needs code that says what happens to stored \
         objects. Add:\n\n    #[df_schema::migration(model = {ident}, to = {to}, release = \"…\", \
         proposed_at = \"YYYY-MM-DD HH:MM:SS\", description = \"…\"{lock})]\n    fn {snake}_v{to}(nb: &mut \
         df_schema::NbApi) -> Result<(), df_schema::MigrationError> {{ … }}\n",
        from = step.from,
        summary = step.summary(),
        snake = ident.to_string().to_snake_case(),
    );
    // Named so that the compiler's "evaluation of `…` failed" label says what is missing.
    let name = quote::format_ident!("{}_V{to}_NEEDS_A_MIGRATION", ident.to_string().to_shouty_snake_case(), span = span);
    quote::quote_spanned! {span=>
        const _: () = {
            #[allow(unused_imports)]
            use ::df_schema::__private::NotCovered as _;
            #[allow(dead_code)]
            const #name: () = if !::df_schema::__private::Probe::<#ident, #to>::COVERED {
                ::core::panic!("{}", #message)
            };
        };
    }
}
