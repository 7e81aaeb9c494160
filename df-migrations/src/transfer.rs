//! Export and import: a whole database as JSON Lines, byte-exact.
//!
//! ```text
//! {"df-schema-export":1,"store":"redis://…"}
//! {"key":"{lport.t1}p1","value":"{\"id\":\"p1\",…}"}      a UTF-8 value, as text
//! {"key":"{chassis.}c1","hex":"ff00…"}                     any other value, as hex
//! {"end":1234,"digest":"…"}                               key count and SHA-256 of the lines
//! ```
//!
//! The trailer makes a truncated or edited file an error instead of a partial import.

use crate::store::Op;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::{BufRead, Write};

/// Why an export file cannot be imported, with the line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// Reading or writing the file failed.
    #[error("reading or writing the export")]
    Io(#[from] std::io::Error),
    /// A line is not what an export holds there.
    #[error("line {line}: {reason}")]
    Malformed {
        /// The line, counted from 1; line 1 for an empty file.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The file ends before its trailer.
    #[error("the export ends after {keys} keys without its trailer: the file is truncated")]
    Truncated {
        /// How many keys it holds up to where it ends.
        keys: usize,
    },
    /// The trailer does not match the key lines before it.
    #[error("the export's trailer says {expected} keys with digest {digest}, but the file holds {found} keys with digest {actual}: it was changed or damaged")]
    Corrupted {
        /// The key count the trailer records.
        expected: u64,
        /// The key lines the file holds.
        found: usize,
        /// The digest the trailer records, empty if it records none.
        digest: String,
        /// The SHA-256 of the key lines the file holds, in lower-case hex.
        actual: String,
    },
}

/// Writes `entries` (key, value) as an export, in the order given, with `store` in the
/// header for whoever reads the file. Returns how many keys were written. The output is
/// flushed; [`read_export`] refuses a file that a failed write cut short.
pub fn write_export(out: &mut dyn Write, store: &str, entries: impl Iterator<Item = (String, Vec<u8>)>) -> Result<usize, TransferError> {
    writeln!(out, "{}", json!({"df-schema-export": 1, "store": store}))?;
    let mut hasher = Sha256::new();
    let mut count = 0;
    for (key, value) in entries {
        let line = match std::str::from_utf8(&value) {
            Ok(text) => json!({"key": key, "value": text}),
            Err(_) => json!({"key": key, "hex": hex(&value)}),
        }
        .to_string();
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
        writeln!(out, "{line}")?;
        count += 1;
    }
    writeln!(out, "{}", json!({"end": count, "digest": hex(&hasher.finalize())}))?;
    out.flush()?;
    Ok(count)
}

/// Lower-case hexadecimal, for digests and non-UTF-8 values.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// Reads an export into the writes that recreate it, checking the header and trailer:
/// one [`Op::Set`] a key, in the file's order. Nothing after the trailer is read. Nothing
/// is returned unless the whole file checks, so a caller never applies part of one.
pub fn read_export(input: &mut dyn BufRead) -> Result<Vec<Op>, TransferError> {
    let mut ops = Vec::new();
    let mut hasher = Sha256::new();
    let mut header = false;
    for (index, line) in input.lines().enumerate() {
        let line = line?;
        let number = index + 1;
        let malformed = |reason: &str| TransferError::Malformed { line: number, reason: reason.to_owned() };
        let value: Value = serde_json::from_str(&line).map_err(|e| malformed(&format!("not JSON ({e})")))?;
        if !header {
            if value.get("df-schema-export") != Some(&json!(1)) {
                return Err(malformed("not a df-schema export (no header)"));
            }
            header = true;
            continue;
        }
        if let Some(end) = value.get("end") {
            let expected = end.as_u64().ok_or_else(|| malformed("`end` is not a count"))?;
            let digest = value.get("digest").and_then(Value::as_str).unwrap_or_default().to_owned();
            let actual = hex(&hasher.finalize_reset());
            if expected != ops.len() as u64 || digest != actual {
                return Err(TransferError::Corrupted { expected, found: ops.len(), digest, actual });
            }
            return Ok(ops);
        }
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
        let key = value.get("key").and_then(Value::as_str).ok_or_else(|| malformed("no `key`"))?.to_owned();
        let bytes = match (value.get("value").and_then(Value::as_str), value.get("hex").and_then(Value::as_str)) {
            (Some(text), None) => text.as_bytes().to_vec(),
            (None, Some(hex)) => unhex(hex).ok_or_else(|| malformed("`hex` is not hexadecimal"))?,
            _ => return Err(malformed("a key needs exactly one of `value` and `hex`")),
        };
        ops.push(Op::Set(key, bytes));
    }
    if !header {
        return Err(TransferError::Malformed { line: 1, reason: "the file is empty".into() });
    }
    Err(TransferError::Truncated { keys: ops.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(entries: &[(&str, &[u8])]) -> String {
        let mut out = Vec::new();
        let entries = entries.iter().map(|(k, v)| ((*k).to_owned(), v.to_vec()));
        write_export(&mut out, "memory:", entries).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn import(text: &str) -> Result<Vec<Op>, TransferError> {
        read_export(&mut text.as_bytes())
    }

    #[test]
    fn round_trips_byte_exactly_including_non_utf8() {
        let entries: [(&str, &[u8]); 3] =
            [("{chassis.}c1", br#"{"id": "c1",  "ip":"x"}"#), ("{unique_key.}lport", b"42"), ("{t.}bin", &[0xff, 0x00, b'a'])];
        let ops = import(&export(&entries)).unwrap();
        let expected: Vec<Op> = entries.iter().map(|(k, v)| Op::Set((*k).to_owned(), v.to_vec())).collect();
        assert_eq!(ops, expected);
    }

    #[test]
    fn truncated_and_edited_files_are_refused() {
        let text = export(&[("{chassis.}c1", b"{}"), ("{chassis.}c2", b"{}")]);
        let mut lines: Vec<&str> = text.lines().collect();
        lines.pop();
        assert!(matches!(import(&lines.join("\n")), Err(TransferError::Truncated { keys: 2 })));
        let edited = text.replace("c2", "c3");
        assert!(matches!(import(&edited), Err(TransferError::Corrupted { .. })));
        let cut = &text[..text.len() / 2];
        assert!(import(cut).is_err());
        assert!(matches!(import(""), Err(TransferError::Malformed { line: 1, .. })));
        assert!(import("{\"not\":\"an export\"}").unwrap_err().to_string().contains("no header"));
    }
}
