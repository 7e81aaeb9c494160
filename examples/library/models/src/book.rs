//! Books in the catalogue.
//!
//! | version | release | change |
//! |---|---|---|
//! | 1 | 1.0 | baseline: `author` is one string, `isbn` a number |
//! | 2 | 1.1 | new `language`, default `"en"`: automatic |
//! | 3 | 2.0 | `author` split into `author_given` and `author_family`: migration `book-v3-author-split` |
//! | 4 | 3.0 | `isbn` becomes a string: migration `book-v4-isbn-text` |

use df_schema::{df_model, migration, MigrationError, Object};
use serde_json::Value;

/// A book, stored without a topic: `library:{book.}<id>`.
#[df_model(version = 4, release = "3.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct Book {
    /// The book's id, as in its key.
    pub id: String,
    /// The title, as printed.
    pub title: String,
    /// Given names, e.g. `"Mary"`; empty for a single-name author.
    pub author_given: String,
    /// The family name, e.g. `"Shelley"`: the last word of what 1.x stored as `author`
    /// (librarians fix the rare family names of several words by hand).
    pub author_family: String,
    /// The ISBN-13 as printed, digits only.
    pub isbn: String,
    /// An ISO 639-1 code; books catalogued before 1.1 are English.
    #[df(default = "en")]
    pub language: String,
}

/// 2.0: the catalogue sorts by family name. The last word of `author` becomes
/// `author_family`, the words before it `author_given`.
#[migration(
    model = Book,
    to = 3,
    release = "2.0",
    proposed_at = "2020-01-10 09:00:00",
    description = "book: author split into author_given and author_family",
    id = "book-v3-author-split"
)]
fn book_v3_author_split(id: &str, book: &mut Object) -> Result<(), MigrationError> {
    let author = match book.remove("author") {
        Some(Value::String(author)) => author,
        other => return Err(MigrationError::object("book", id, format!("`author` is {}, not a string", describe(other.as_ref())))),
    };
    let words: Vec<&str> = author.split_whitespace().collect();
    let (given, family) = match words.split_last() {
        Some((family, given)) => (given.join(" "), (*family).to_owned()),
        None => return Err(MigrationError::object("book", id, "`author` is empty")),
    };
    book.insert("author_given".to_owned(), Value::String(given));
    book.insert("author_family".to_owned(), Value::String(family));
    Ok(())
}

/// 3.0: ISBNs are kept as printed text: a number loses nothing for ISBN-13s, but the
/// scanners send text. `9780261102217` becomes `"9780261102217"`.
#[migration(
    model = Book,
    to = 4,
    release = "3.0",
    proposed_at = "2021-03-01 09:00:00",
    description = "book: isbn becomes a string",
    id = "book-v4-isbn-text"
)]
fn book_v4_isbn_text(id: &str, book: &mut Object) -> Result<(), MigrationError> {
    let isbn = match book.get("isbn") {
        Some(Value::Number(isbn)) if isbn.is_u64() => isbn.to_string(),
        other => return Err(MigrationError::object("book", id, format!("`isbn` is {}, not a whole number", describe(other)))),
    };
    book.insert("isbn".to_owned(), Value::String(isbn));
    Ok(())
}

/// A stored member's value for an error message.
pub(crate) fn describe(value: Option<&Value>) -> String {
    value.map_or_else(|| "absent".to_owned(), Value::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Object {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn the_last_word_of_the_author_is_the_family_name() {
        let mut book = object(json!({"id": "b1", "author": "Ursula K. Le Guin"}));
        book_v3_author_split("b1", &mut book).unwrap();
        assert_eq!(Value::Object(book), json!({"id": "b1", "author_given": "Ursula K. Le", "author_family": "Guin"}));
        let mut single = object(json!({"id": "b2", "author": "Homer"}));
        book_v3_author_split("b2", &mut single).unwrap();
        assert_eq!(Value::Object(single), json!({"id": "b2", "author_given": "", "author_family": "Homer"}));
        let error = book_v3_author_split("b3", &mut object(json!({"id": "b3", "author": null}))).unwrap_err().to_string();
        assert!(error.contains("b3") && error.contains("`author` is null"), "{error}");
    }

    #[test]
    fn isbns_become_text_and_bad_ones_are_named() {
        let mut book = object(json!({"id": "b1", "isbn": 9_780_261_102_217_u64}));
        book_v4_isbn_text("b1", &mut book).unwrap();
        assert_eq!(book["isbn"], "9780261102217");
        let error = book_v4_isbn_text("b2", &mut object(json!({"id": "b2", "isbn": 9.5}))).unwrap_err().to_string();
        assert!(error.contains("b2") && error.contains("not a whole number"), "{error}");
    }
}
