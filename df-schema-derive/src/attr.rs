//! Reading `key = value` attribute arguments: every key of every attribute goes through
//! here, so unknown keys, duplicate keys and literals of the wrong kind are reported the
//! same way everywhere, each on its own tokens.

use crate::ctxt::Ctxt;
use proc_macro2::{Span, TokenStream};
use serde_json::Value;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Lit, Meta, Token, UnOp};

/// One `key = value` argument.
pub struct Arg {
    pub key: syn::Ident,
    pub value: Expr,
}

/// Parses `key = value, …`, reporting anything else, unknown keys and repeated keys.
/// Returns the well-formed arguments with known keys.
pub fn parse_args(ctxt: &mut Ctxt, tokens: TokenStream, attribute: &str, known: &[&str]) -> Vec<Arg> {
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(metas) => metas,
        Err(err) => {
            ctxt.syn_error(err);
            return Vec::new();
        }
    };
    let mut args: Vec<Arg> = Vec::new();
    for meta in metas {
        let Meta::NameValue(nv) = meta else {
            ctxt.error_spanned_by(&meta, format!("expected `key = value` in #[{attribute}(…)]; keys: {}", known.join(", ")));
            continue;
        };
        let Some(key) = nv.path.get_ident().cloned() else {
            ctxt.error_spanned_by(&nv.path, format!("unknown key in #[{attribute}(…)]; keys: {}", known.join(", ")));
            continue;
        };
        if !known.contains(&key.to_string().as_str()) {
            ctxt.error_spanned_by(&key, format!("unknown key `{key}` in #[{attribute}(…)]; keys: {}", known.join(", ")));
        } else if args.iter().any(|a| a.key == key) {
            ctxt.error_spanned_by(&key, format!("duplicate key `{key}` in #[{attribute}(…)]"));
        } else {
            args.push(Arg { key, value: nv.value });
        }
    }
    args
}

pub fn find<'a>(args: &'a [Arg], key: &str) -> Option<&'a Arg> {
    args.iter().find(|a| a.key == key)
}

fn literal(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(lit) => Some(&lit.lit),
        Expr::Group(group) => literal(&group.expr),
        _ => None,
    }
}

/// A string literal.
pub fn lit_str(ctxt: &mut Ctxt, arg: &Arg) -> Option<syn::LitStr> {
    match literal(&arg.value) {
        Some(Lit::Str(s)) => Some(s.clone()),
        _ => {
            ctxt.error_spanned_by(&arg.value, format!("`{}` takes a string literal, e.g. `{} = \"…\"`", arg.key, arg.key));
            None
        }
    }
}

/// An integer literal no smaller than `min`.
pub fn lit_u32(ctxt: &mut Ctxt, arg: &Arg, min: u32) -> Option<u32> {
    let parsed = match literal(&arg.value) {
        Some(Lit::Int(int)) => int.base10_parse::<u32>().ok(),
        _ => None,
    };
    match parsed {
        Some(n) if n >= min => Some(n),
        _ => {
            ctxt.error_spanned_by(&arg.value, format!("`{}` takes an integer ≥ {min}, e.g. `{} = {min}`", arg.key, arg.key));
            None
        }
    }
}

/// A list of string literals, `["a", "b"]`, each with its literal (for spans).
pub fn lit_str_list(ctxt: &mut Ctxt, arg: &Arg, example: &str) -> Option<Vec<syn::LitStr>> {
    let items = match &arg.value {
        Expr::Array(array) => array.elems.iter().map(|elem| match literal(elem) {
            Some(Lit::Str(s)) => Ok(s.clone()),
            _ => Err(elem),
        }),
        other => {
            ctxt.error_spanned_by(other, format!("`{}` takes a list of string literals, e.g. `{} = {example}`", arg.key, arg.key));
            return None;
        }
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Ok(s) => out.push(s),
            Err(elem) => ctxt.error_spanned_by(elem, format!("`{}` lists string literals, e.g. `{} = {example}`", arg.key, arg.key)),
        }
    }
    Some(out)
}

/// A path such as `LogicalPort` or `crate::nb::LogicalPort`.
pub fn path(ctxt: &mut Ctxt, arg: &Arg) -> Option<syn::Path> {
    match &arg.value {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => Some(p.path.clone()),
        other => {
            ctxt.error_spanned_by(other, format!("`{}` takes the model's type, e.g. `{} = LogicalPort`", arg.key, arg.key));
            None
        }
    }
}

/// A default value: an integer, float, string, bool, `null`, `[]` or `{}` literal.
pub fn json_literal(ctxt: &mut Ctxt, arg: &Arg) -> Option<(Value, Span)> {
    let span = arg.value.span();
    let value = match &arg.value {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(Value::String(s.value())),
            Lit::Bool(b) => Some(Value::Bool(b.value)),
            Lit::Int(i) => i.base10_parse::<i64>().ok().map(Value::from),
            Lit::Float(f) => f.base10_parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number),
            _ => None,
        },
        Expr::Unary(un) if matches!(un.op, UnOp::Neg(_)) => match literal(&un.expr) {
            Some(Lit::Int(i)) => i.base10_parse::<i64>().ok().map(|n| Value::from(-n)),
            Some(Lit::Float(f)) => {
                f.base10_parse::<f64>().ok().and_then(|n| serde_json::Number::from_f64(-n)).map(Value::Number)
            }
            _ => None,
        },
        Expr::Path(p) if p.path.is_ident("null") => Some(Value::Null),
        Expr::Array(a) if a.elems.is_empty() => Some(Value::Array(Vec::new())),
        Expr::Block(b) if b.block.stmts.is_empty() && b.label.is_none() => Some(Value::Object(serde_json::Map::new())),
        _ => None,
    };
    if value.is_none() {
        ctxt.error_at(
            span,
            "a default is a JSON literal: an integer, float, string, `true`/`false`, `null`, `[]` or `{}`",
        );
    }
    value.map(|v| (v, span))
}

/// Whether an attribute is `#[serde]` or `#[df]`: read (or refused) by these macros, and
/// removed before the item is emitted, as the compiler knows neither on its own.
pub fn is_serde_or_df(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("serde") || attr.path().is_ident("df")
}
