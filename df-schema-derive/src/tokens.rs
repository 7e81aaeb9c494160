//! A canonical text of a token stream, for migration checksums: one space between tokens
//! and nothing else, so that formatting and comments do not change a checksum, and so that
//! it does not depend on how a compiler version chooses to print tokens.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

pub fn canonical_text(tokens: TokenStream) -> String {
    let mut out = String::new();
    write_tokens(tokens, &mut out);
    out
}

fn write_tokens(tokens: TokenStream, out: &mut String) {
    for token in tokens {
        if !out.is_empty() {
            out.push(' ');
        }
        match token {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(group.stream(), out);
                out.push(' ');
                out.push_str(close);
            }
            TokenTree::Ident(ident) => out.push_str(&ident.to_string()),
            TokenTree::Punct(punct) => out.push(punct.as_char()),
            TokenTree::Literal(lit) => out.push_str(&lit.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_text;

    fn text(source: &str) -> String {
        canonical_text(source.parse().unwrap())
    }

    #[test]
    fn ignores_formatting_and_comments_but_not_code() {
        let a = text("fn f(nb: &mut NbApi) -> R { nb.rename_field(\"t\", \"a\", \"b\") }");
        let b = text("fn f(\n    nb: &mut NbApi // the snapshot\n) -> R {\n    /* rename */ nb.rename_field(\"t\", \"a\", \"b\")\n}");
        assert_eq!(a, b);
        assert_ne!(a, text("fn f(nb: &mut NbApi) -> R { nb.rename_field(\"t\", \"a\", \"c\") }"));
        assert_eq!(text("a  +\tb"), text("a + b"));
    }
}
