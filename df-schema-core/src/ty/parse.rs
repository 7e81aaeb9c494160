//! Reading the lock's type syntax (the grammar is in the parent module's documentation).

use super::{IntWidth, Ty};

/// A type string that does not follow the grammar in the module docs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed type `{text}` at byte {at}: {reason}")]
pub struct TyParseError {
    /// The whole text that was parsed.
    pub text: String,
    /// The byte offset in `text` where it stops following the grammar.
    pub at: usize,
    /// What was expected there.
    pub reason: &'static str,
}

impl std::str::FromStr for Ty {
    type Err = TyParseError;

    fn from_str(text: &str) -> Result<Ty, TyParseError> {
        let mut parser = Parser { text, pos: 0 };
        let ty = parser.ty()?;
        parser.skip_ws();
        if parser.pos != text.len() {
            return Err(parser.error("unexpected trailing characters"));
        }
        Ok(ty)
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &'static str) -> TyParseError {
        TyParseError { text: self.text.to_owned(), at: self.pos, reason }
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str, reason: &'static str) -> Result<(), TyParseError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    fn ident(&mut self) -> Result<String, TyParseError> {
        self.skip_ws();
        let len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(self.error("expected a name"));
        }
        let ident = self.rest()[..len].to_owned();
        self.pos += len;
        Ok(ident)
    }

    fn ty(&mut self) -> Result<Ty, TyParseError> {
        let mut ty = self.base()?;
        while self.eat("?") {
            ty = ty.nullable();
        }
        Ok(ty)
    }

    fn base(&mut self) -> Result<Ty, TyParseError> {
        if self.eat("[") {
            let item = self.ty()?;
            self.expect("]", "expected `]`")?;
            return Ok(Ty::List(Box::new(item)));
        }
        if self.eat("(") {
            let mut members = vec![self.ty()?];
            let mut trailing_comma = false;
            while !self.eat(")") {
                self.expect(",", "expected `,` or `)`")?;
                trailing_comma = self.eat(")");
                if trailing_comma {
                    break;
                }
                members.push(self.ty()?);
            }
            if members.len() == 1 && !trailing_comma {
                return Err(self.error("a one-member tuple is written `(T,)`"));
            }
            return Ok(Ty::Tuple(members));
        }
        if self.eat("{") {
            let mut fields = Vec::new();
            if !self.eat("}") {
                loop {
                    let name = self.ident()?;
                    self.expect(":", "expected `:` after a field name")?;
                    fields.push((name, self.ty()?));
                    if self.eat("}") {
                        break;
                    }
                    self.expect(",", "expected `,` or `}`")?;
                }
            }
            return Ok(Ty::object(fields));
        }
        if self.eat("enum<") {
            let mut variants: Vec<(String, Option<Ty>)> = Vec::new();
            loop {
                let start = self.pos;
                let name = self.ident()?;
                if variants.iter().any(|(v, _)| *v == name) {
                    self.pos = start;
                    return Err(self.error("a variant is listed twice"));
                }
                let data = if self.eat(":") { Some(self.ty()?) } else { None };
                variants.push((name, data));
                if self.eat(">") {
                    break;
                }
                self.expect(",", "expected `,` or `>`")?;
            }
            return Ok(Ty::enumeration(variants));
        }
        let start = self.pos;
        let name = self.ident()?;
        if let Some(width) = IntWidth::of_lock(&name) {
            return Ok(Ty::Int(width));
        }
        match name.as_str() {
            "str" => Ok(Ty::Str),
            "float" => Ok(Ty::Float),
            "bool" => Ok(Ty::Bool),
            "json" => Ok(Ty::Json),
            "map" => {
                self.expect("<", "expected `<` after `map`")?;
                let first = self.ty()?;
                if self.eat(",") {
                    if !first.is_key() {
                        return Err(self.error("a map key is an integer up to 64 bits or an enum without data"));
                    }
                    let item = self.ty()?;
                    self.expect(">", "expected `>`")?;
                    return Ok(Ty::KeyedMap(Box::new(first), Box::new(item)));
                }
                self.expect(">", "expected `>` or `,`")?;
                Ok(Ty::Map(Box::new(first)))
            }
            _ => {
                self.pos = start;
                Err(self.error("unknown type name"))
            }
        }
    }
}

