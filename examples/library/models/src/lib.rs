//! A lending library's models, with six releases of history: df-schema's second
//! complete example, written as an application outside networking would write it. It
//! shares its database with other software, so it declares an application key layout:
//! every key it owns starts with `library:`.
//!
//! | module | models (tables) |
//! |---|---|
//! | [`book`] | [`Book`] (`book`) |
//! | [`member`] | [`Member`] (`member`), [`Account`] (`account`, new in 3.0) |
//! | [`loan`] | [`Loan`] (`loan`; `lending` from 3.0) |
//! | [`reservation`] | none since 3.0: the removal of `Reservation` (`reservation`) |
//!
//! # History
//!
//! | release | step | kind |
//! |---|---|---|
//! | 1.0 | `Book` v1, `Member` v1, `Reservation` v1 | the baseline |
//! | 1.1 | `Book` v2: new `language`, default `"en"` | automatic |
//! | 1.1 | `Loan` v1: new model | automatic |
//! | 2.0 | `Book` v3: `author` split into `author_given` and `author_family` | migration |
//! | 2.0 | `Member` v2: `email` renamed `contact_email` | migration |
//! | 3.0 | `Book` v4: `isbn` retyped from a number to a string | migration |
//! | 3.0 | `Account` v1: new model | automatic |
//! | 3.0 | `Member` v3: `fines_cents` moves out into the member's `Account` | migration |
//! | 3.0 | `Loan` v2: table `loan` renamed `lending`; new `book_title`, read from the book | migration |
//! | 3.0 | `Reservation` removed | migration |
//! | 3.1 | `Loan` v3: new `state`, a `#[df_embedded]` enum, default `"Open"` | automatic |
//! | 3.2 | `Loan` v4: the enum gains `Lost` | automatic |
//!
//! Migrations work on the stored JSON in its old shape (see `dragonflow-models` for the
//! conventions): they expect what an old object may hold, and report data they cannot
//! handle naming the table and the object.

pub mod book;
pub mod loan;
pub mod member;
pub mod reservation;

pub use book::Book;
pub use loan::{Loan, LoanState};
pub use member::{Account, Member};

df_schema::key_layout!(application, namespace = "library:");

df_schema::check_schema_lock!();
