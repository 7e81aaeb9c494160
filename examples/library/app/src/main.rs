//! The lending library's desk program, as an application uses df-schema: it migrates its
//! database at start-up in one call (`Migrator::run_url`; with nothing pending that reads
//! only the engine's records), then reads and writes its models through
//! `df_migrations::Database`, in the key layout `library-models` declares.
//!
//! ```text
//! library-app --db redb:library.redb add-book b1 Frankenstein Mary Shelley 9780141439471
//! library-app --db redb:library.redb lend b1 m1 2021-04-01
//! library-app --db redb:library.redb return l1 2021-04-03
//! library-app --db redb:library.redb loans
//! ```

use anyhow::Context;
use clap::{Parser, Subcommand};
use df_migrations::{Database, Migrator, Startup};
use library_models::{Account, Book, Loan, LoanState};
use std::time::Duration;

/// The lending desk.
#[derive(Debug, Parser)]
struct Cli {
    /// The database (the forms of `df-runner --db`).
    #[arg(long, env = "LIBRARY_DB")]
    db: String,
    /// Do not migrate at start-up: refuse a database that is not at this build's schema.
    #[arg(long)]
    no_migrate: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Catalogue a book.
    AddBook { id: String, title: String, author_given: String, author_family: String, isbn: String },
    /// Lend a book to a member until a date (`YYYY-MM-DD`).
    Lend { book: String, member: String, due: String },
    /// Record a loan's book as returned on a date (`YYYY-MM-DD`).
    Return { loan: String, on: String },
    /// Record a loan's book as lost.
    Lost { loan: String },
    /// Every loan, one a line.
    Loans,
    /// What a member owes.
    Owes { member: String },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if !cli.no_migrate {
        let migrator = Migrator::linked()?.wait_timeout(Duration::from_mins(1));
        match migrator.run_url(&cli.db)? {
            Startup::NothingPending => {}
            Startup::Migrated(report) => eprintln!("migrated the database: {} steps", report.steps.len()),
            Startup::MigratedByAnotherInstance { waited, .. } => eprintln!("another instance migrated the database ({waited:.1?} waited)"),
        }
    }
    let mut db = Database::open(&cli.db)?;
    match cli.command {
        Command::AddBook { id, title, author_given, author_family, isbn } => {
            db.put(&Book { id, title, author_given, author_family, isbn, language: "en".to_owned() })?;
        }
        Command::Lend { book, member, due } => {
            let title = db.get::<Book>("", &book)?.with_context(|| format!("no book `{book}`"))?.title;
            let id = format!("l{}", db.allocate::<Loan>()?);
            db.put(&Loan { id: id.clone(), book, book_title: title, member, due, state: LoanState::Open })?;
            println!("{id}");
        }
        Command::Return { loan, on } => set_state(&mut db, &loan, LoanState::Returned { on })?,
        Command::Lost { loan } => set_state(&mut db, &loan, LoanState::Lost)?,
        Command::Loans => {
            for loan in db.list::<Loan>()? {
                let state = match &loan.state {
                    LoanState::Open => format!("until {}", loan.due),
                    LoanState::Returned { on } => format!("returned {on}"),
                    LoanState::Lost => "lost".to_owned(),
                };
                println!("{} {} ({}) to {} {state}", loan.id, loan.book, loan.book_title, loan.member);
            }
        }
        Command::Owes { member } => {
            let account = db.get::<Account>("", &member)?.with_context(|| format!("no account of member `{member}`"))?;
            println!("{}", account.owed_cents);
        }
    }
    Ok(())
}

/// Records a loan's new state.
fn set_state(db: &mut Database, id: &str, state: LoanState) -> anyhow::Result<()> {
    let mut loan = db.get::<Loan>("", id)?.with_context(|| format!("no loan `{id}`"))?;
    loan.state = state;
    Ok(db.put(&loan)?)
}
