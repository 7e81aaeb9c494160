//! `#[migration(…)]`: a hand-written migration step. It registers the function with its
//! metadata and checksum, and implements `OnlyOneMigrationPerStep<N>` for the model, which is how the
//! model's own compile-time check learns that the step is covered. Two migrations for one
//! step are then two impls of the same trait, which the compiler refuses.

use crate::attr::{self, Arg};
use crate::ctxt::Ctxt;
use crate::lockfile;
use crate::tokens::canonical_text;
use df_schema_core::{digest_hex, format_timestamp, parse_timestamp};
use heck::ToShoutySnakeCase;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use std::path::PathBuf;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, ReturnType};

const KEYS: &[&str] = &["model", "to", "removes", "release", "proposed_at", "description", "id", "tables", "lock", "down"];
const REQUIRED: &[(&str, &str)] = &[
    ("release", "`release = \"…\"` (the release that ships it, e.g. \"4.0\")"),
    ("proposed_at", "`proposed_at = \"YYYY-MM-DD HH:MM:SS\"` (when it was written; it orders migrations)"),
    ("description", "`description = \"…\"` (what it does)"),
];

enum Target {
    Step { model: syn::Path, to: u32, to_span: Span },
    Removes(String),
}

pub fn expand(args: TokenStream, input: TokenStream, caller: Option<PathBuf>) -> TokenStream {
    let item: ItemFn = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let message = "#[migration] goes on a function `fn name(nb: &mut df_schema::NbApi) -> Result<(), df_schema::MigrationError>` \
                           or `fn name(id: &str, object: &mut df_schema::Object) -> Result<(), df_schema::MigrationError>`";
            let error = syn::Error::new_spanned(&input, message).to_compile_error();
            return quote!(#error #input);
        }
    };
    let mut ctxt = Ctxt::default();
    let args = attr::parse_args(&mut ctxt, args, "migration", KEYS);
    let each = check_signature(&mut ctxt, &item);
    let target = read_target(&mut ctxt, &args);
    if let (true, Some(Target::Removes(_))) = (each, &target) {
        ctxt.error_spanned_by(&item.sig.inputs, "a removal migration takes the whole database, `nb: &mut df_schema::NbApi`: the model's objects are gone after it");
    }
    let missing: Vec<&str> = REQUIRED.iter().filter(|(key, _)| attr::find(&args, key).is_none()).map(|(_, example)| *example).collect();
    if !missing.is_empty() {
        ctxt.error_spanned_by(&item.sig.ident, format!("#[migration] also needs {}: they are recorded in the migration log", missing.join(", ")));
    }
    let mut string = |key: &str| attr::find(&args, key).and_then(|arg| attr::lit_str(&mut ctxt, arg));
    let release = string("release");
    let description = string("description");
    let proposed_at = string("proposed_at");
    let proposed_at = proposed_at.and_then(|lit| {
        parse_timestamp(&lit.value()).map(|t| format_timestamp(&t)).map_err(|e| ctxt.error_spanned_by(&lit, e)).ok()
    });
    let id = attr::find(&args, "id").and_then(|a| attr::lit_str(&mut ctxt, a));
    if let Some(id) = &id {
        if id.value().trim().is_empty() {
            ctxt.error_spanned_by(id, "a migration id cannot be empty");
        }
    }
    let tables = read_tables(&mut ctxt, &args, each);
    let down = read_down(&mut ctxt, &args, each);
    let explicit_lock = attr::find(&args, "lock").and_then(|a| attr::lit_str(&mut ctxt, a)).map(|s| s.value());
    let lock = lockfile::lock_path(explicit_lock.as_deref(), caller.as_deref()).map_err(|m| ctxt.error_at(Span::call_site(), m)).ok();

    let errors = ctxt.to_compile_errors();
    // The step's impl is emitted whenever the target is known, so that a mistake in the
    // other keys does not also make the model report the step as uncovered.
    let step_items = match &target {
        Some(Target::Step { model, to, to_span }) => step_items(model, *to, *to_span),
        _ => TokenStream::new(),
    };
    let (Some(target), Some(release), Some(description), Some(proposed_at), Some(lock), false) =
        (target, release, description, proposed_at, lock, ctxt.has_errors())
    else {
        return quote!(#errors #item const _: () = { #step_items };);
    };
    let fn_ident = &item.sig.ident;
    let id = match id {
        Some(id) => quote!(#id),
        None => {
            let suffix = format!("::{fn_ident}");
            quote!(::core::concat!(::core::module_path!(), #suffix))
        }
    };
    let checksum = digest_hex(canonical_text(item.sig.to_token_stream().into_iter().chain(item.block.to_token_stream()).collect()).as_bytes());
    let lock = lock.to_string_lossy().into_owned();
    let run = if each { quote!(Each) } else { quote!(Whole) };
    let tables = match tables {
        Some(tables) => quote!(::core::option::Option::Some(&[#(#tables),*])),
        None => quote!(::core::option::Option::None),
    };
    let down = match down {
        // Spanned on the path, so that a function of another form is reported there.
        Some(path) => quote_spanned!(path.span()=> ::core::option::Option::Some(#path)),
        None => quote!(::core::option::Option::None),
    };
    let target_expr = match &target {
        Target::Step { model, to, .. } => {
            quote!(::df_schema::__private::MigrationTarget::Step { model: <#model as ::df_schema::Model>::NAME, to: #to })
        }
        Target::Removes(model) => {
            // The lock's record of the model; a model it never recorded is reported by the
            // crate's `check_schema_lock!()` test, so it gets an empty history here.
            let history = lockfile::read(std::path::Path::new(&lock)).ok().and_then(|l| l.models.get(model).cloned()).unwrap_or_default();
            let history = lockfile::history_fn(model, &history);
            quote!(::df_schema::__private::MigrationTarget::Removes { model: #model, history: #history })
        }
    };
    quote! {
        #item
        const _: () = {
            #step_items
            ::df_schema::__private::inventory::submit! {
                ::df_schema::__private::MigrationEntry {
                    id: #id,
                    target: #target_expr,
                    release: #release,
                    proposed_at: #proposed_at,
                    description: #description,
                    checksum: #checksum,
                    run: ::df_schema::__private::MigrationFn::#run(#fn_ident),
                    tables: #tables,
                    lock: #lock,
                    down: #down,
                }
            }
        };
    }
}

/// Marks the step as covered (two migrations for one step are two impls of the trait,
/// which the compiler refuses) and checks that the model has the version.
fn step_items(model: &syn::Path, to: u32, span: Span) -> TokenStream {
    let model_name = model.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    let message = format!(
        "this migration is for {model_name} v{} → v{to}, but {model_name} has no version {to}: its \
         #[df_model(version = …)] is lower. Fix `to`, or bump the model",
        to - 1
    );
    let name = quote::format_ident!("{}_HAS_NO_VERSION_{to}", model_name.to_shouty_snake_case(), span = span);
    quote_spanned! {span=>
        #[automatically_derived]
        impl ::df_schema::__private::OnlyOneMigrationPerStep<#to> for #model {}
        #[allow(dead_code)]
        const #name: () = if #to > <#model as ::df_schema::Model>::VERSION {
            ::core::panic!("{}", #message)
        };
    }
}

fn read_target(ctxt: &mut Ctxt, args: &[Arg]) -> Option<Target> {
    let model = attr::find(args, "model");
    let to = attr::find(args, "to");
    let removes = attr::find(args, "removes");
    match (model, to, removes) {
        (Some(model), Some(to), None) => {
            let path = attr::path(ctxt, model);
            let is_one = matches!(&to.value, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) if i.base10_digits() == "1");
            let version = if is_one {
                ctxt.error_spanned_by(&to.value, "version 1 of a model is its creation, which needs no migration: a step goes `to = 2` or later");
                None
            } else {
                attr::lit_u32(ctxt, to, 2)
            };
            Some(Target::Step { model: path?, to: version?, to_span: to.value.span() })
        }
        (None, None, Some(removes)) => attr::lit_str(ctxt, removes).map(|s| Target::Removes(s.value())),
        (_, _, Some(removes)) => {
            ctxt.error_spanned_by(&removes.key, "`removes = \"Model\"` is a migration of its own: it cannot also name `model`/`to`");
            None
        }
        (Some(_), None, None) => {
            ctxt.error_at(Span::call_site(), "#[migration] needs `to = N`: the model version this step produces");
            None
        }
        (None, Some(to), None) => {
            ctxt.error_spanned_by(&to.key, "#[migration] needs `model = Type` beside `to`: the model whose step this is");
            None
        }
        (None, None, None) => {
            ctxt.error_at(Span::call_site(), "#[migration] needs `model = Type, to = N` (a version step) or `removes = \"Model\"` (a model deleted from the code)");
            None
        }
    }
}

/// `tables = ["…", …]`: the tables a whole-database migration reads or writes (with their
/// unique-key counters). A per-object migration works on its model's table alone.
fn read_tables(ctxt: &mut Ctxt, args: &[Arg], each: bool) -> Option<Vec<syn::LitStr>> {
    let arg = attr::find(args, "tables")?;
    if each {
        ctxt.error_spanned_by(
            &arg.key,
            "`tables` is for a migration that takes the whole database (`nb: &mut df_schema::NbApi`): \
             one that takes an object at a time works on its model's table alone",
        );
        return None;
    }
    let tables = attr::lit_str_list(ctxt, arg, r#"["lswitch", "lsubnet"]"#)?;
    if tables.is_empty() {
        ctxt.error_spanned_by(&arg.value, "`tables` lists every table the migration reads or writes, its model's included: it cannot be empty");
    }
    for (index, table) in tables.iter().enumerate() {
        if table.value().is_empty() {
            ctxt.error_spanned_by(table, "a table name cannot be empty");
        } else if tables[..index].iter().any(|earlier| earlier.value() == table.value()) {
            ctxt.error_spanned_by(table, format!("table `{}` is listed twice", table.value()));
        }
    }
    Some(tables)
}

/// `down = function`: the function that undoes a per-object migration on one object.
/// A whole-database migration has no object to undo.
fn read_down(ctxt: &mut Ctxt, args: &[Arg], each: bool) -> Option<syn::Path> {
    let arg = attr::find(args, "down")?;
    if !each {
        ctxt.error_spanned_by(
            &arg.key,
            "`down` undoes a migration one object at a time, so it is for a migration that takes one object \
             (`id: &str, object: &mut df_schema::Object`): one that takes the whole database cannot be undone object by object",
        );
        return None;
    }
    match &arg.value {
        syn::Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => Some(p.path.clone()),
        other => {
            ctxt.error_spanned_by(other, "`down` takes the function that undoes the migration, e.g. `down = lport_unique_key_down`");
            None
        }
    }
}

/// Checks the function's form; returns whether it works on one object at a time (two
/// arguments) rather than on the whole database (one).
fn check_signature(ctxt: &mut Ctxt, item: &ItemFn) -> bool {
    let sig = &item.sig;
    if !sig.generics.params.is_empty() {
        ctxt.error_spanned_by(&sig.generics, "a migration function cannot be generic: remove the type parameters, it runs on the one `NbApi`");
    }
    if let Some(asyncness) = &sig.asyncness {
        ctxt.error_spanned_by(asyncness, "a migration function is not async: it runs on an in-memory snapshot");
    }
    let typed: Vec<&FnArg> = sig.inputs.iter().collect();
    let each = match typed.as_slice() {
        [FnArg::Typed(_)] => false,
        [FnArg::Typed(_), FnArg::Typed(_)] => true,
        _ => {
            ctxt.error_spanned_by(
                &sig.inputs,
                "a migration takes the whole database, `nb: &mut df_schema::NbApi`, or one object of the model's table at a time, \
                 `id: &str, object: &mut df_schema::Object` (steps of that form run in one pass over the table)",
            );
            false
        }
    };
    if matches!(sig.output, ReturnType::Default) {
        ctxt.error_at(sig.paren_token.span.close(), "a migration returns `-> Result<(), df_schema::MigrationError>`, so that it can refuse bad data");
    }
    each
}
