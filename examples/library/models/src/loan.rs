//! Loans: which member has which book, until when.
//!
//! | version | release | table | change |
//! |---|---|---|---|
//! | 1 | 1.1 | `loan` | new model: automatic |
//! | 2 | 3.0 | `lending` | table renamed; new `book_title`, read from the book: migration `loan-v2-lending` |
//! | 3 | 3.1 | `lending` | new `state`, a [`LoanState`], default `"Open"`: automatic |
//! | 4 | 3.2 | `lending` | `LoanState` gains `Lost`: automatic (every stored state still decodes) |

use df_schema::{df_embedded, df_model, migration, MigrationError, NbApi};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a loan stands, stored in serde's externally tagged form: `"Open"`, or
/// `{"Returned": {"on": "2021-05-02"}}`. `Lost` came in 3.2: adding a variant is an
/// automatic step, since every state stored before still decodes.
#[df_embedded]
#[derive(Debug, Clone, PartialEq)]
pub enum LoanState {
    /// The book is out.
    Open,
    /// The book came back.
    Returned {
        /// The day it came back, `YYYY-MM-DD`.
        on: String,
    },
    /// The member lost it; the desk charges a fine.
    Lost,
}

/// A loan, stored without a topic: `library:{lending.}<id>` (`{loan.}<id>` before 3.0).
#[df_model(version = 4, table = "lending", release = "3.2")]
#[derive(Debug, Clone, PartialEq)]
pub struct Loan {
    /// The loan's id, as in its key.
    pub id: String,
    /// The book's id.
    pub book: String,
    /// The book's title when lent, for the overdue letters.
    pub book_title: String,
    /// The member's id.
    pub member: String,
    /// The due date, `YYYY-MM-DD`.
    pub due: String,
    /// Whether the book is still out.
    #[df(default = "Open")]
    pub state: LoanState,
}

/// 3.0: the table is renamed `lending` (the desk's word), and each loan keeps its book's
/// title. A loan of a book that is not in the catalogue fails the upgrade, naming both.
#[migration(
    model = Loan,
    to = 2,
    release = "3.0",
    proposed_at = "2021-03-03 09:00:00",
    description = "loan becomes lending, with the book's title",
    id = "loan-v2-lending",
    tables = ["loan", "lending", "book"]
)]
fn loan_v2_lending(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.move_table("loan", "lending")?;
    let titles: BTreeMap<String, Value> =
        nb.iter("book").map(|(id, book)| (id.to_owned(), book.object().get("title").cloned().unwrap_or(Value::Null))).collect();
    nb.update_each("lending", |id, loan| {
        let book = loan.get("book").and_then(Value::as_str).unwrap_or_default();
        let title = titles.get(book).ok_or_else(|| MigrationError::object("lending", id, format!("its book `{book}` is not in table `book`")))?;
        loan.insert("book_title".to_owned(), title.clone());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loans_move_and_take_their_books_title() {
        let mut nb = NbApi::new();
        nb.put("book", json!({"id": "b1", "title": "Frankenstein"}).as_object().unwrap().clone()).unwrap();
        nb.put("loan", json!({"id": "l1", "book": "b1"}).as_object().unwrap().clone()).unwrap();
        loan_v2_lending(&mut nb).unwrap();
        assert_eq!(nb.len("loan"), 0);
        assert_eq!(nb.get("lending", "l1").unwrap()["book_title"], "Frankenstein");
        nb.put("loan", json!({"id": "l2", "book": "gone"}).as_object().unwrap().clone()).unwrap();
        nb.delete("lending", "l1");
        let error = loan_v2_lending(&mut nb).unwrap_err().to_string();
        assert!(error.contains("l2") && error.contains("`gone`"), "{error}");
    }
}
