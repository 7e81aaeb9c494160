//! Damaged export files, through `runner import` into an empty database: the file's
//! trailer (key count and digest) must make each an error before anything is written.

use super::{refused, Case, Prepared};
use crate::faults::report::Row;
use df_migrations::transfer::write_export;
use df_testkit::states::Dump;

/// A damage done to a good export's text.
type Damage = fn(&str) -> String;

const CASES: &[(&str, Damage, &[&str])] = &[
    ("a truncated export file", truncated, &["is not a complete export", "truncated"]),
    ("a corrupted export file (one byte of a value changed)", corrupted, &["is not a complete export", "changed or damaged"]),
];

pub fn rows(dbs: &[anyhow::Result<Prepared>]) -> Vec<Row> {
    CASES
        .iter()
        .map(|(name, damage, expect)| {
            Case::new(name).on_each(dbs, |prepared| {
                let mut good = Vec::new();
                write_export(&mut good, "df-faults", dragonflow_fixtures::release_2_0_store().into_iter())?;
                let file = prepared.db.scratch("damaged.jsonl");
                std::fs::write(&file, damage(&String::from_utf8(good)?))?;
                let empty = Dump::new();
                prepared.db.load(&empty)?;
                refused(&prepared.db, &empty, &["import", &file.display().to_string()], expect)
            })
        })
        .collect()
}

/// The first two thirds of the lines: no trailer.
fn truncated(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[..lines.len() * 2 / 3].iter().map(|l| format!("{l}\n")).collect()
}

/// A chassis address changed by one digit, the trailer kept.
fn corrupted(text: &str) -> String {
    text.replacen("192.0.2.11", "192.0.2.17", 1)
}
