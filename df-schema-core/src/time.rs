//! `proposed_at` timestamps, which order hand-written migrations.

use chrono::{DateTime, NaiveDateTime, Utc};

/// The accepted spellings, for messages.
pub const TIMESTAMP_FORMATS: &str = "RFC 3339 (`2017-06-01T12:00:00Z`) or `YYYY-MM-DD HH:MM:SS` (UTC)";

/// Parses RFC 3339 (any offset, converted to UTC) or `YYYY-MM-DD HH:MM:SS` taken as UTC.
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .map(|t| t.and_utc())
        .map_err(|e| format!("`{text}` is not a timestamp ({e}); write {TIMESTAMP_FORMATS}"))
}

/// The canonical spelling stored in logs: RFC 3339 in UTC with a `Z`.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_give_the_same_instant() {
        let a = parse_timestamp("2017-06-01 12:30:00").unwrap();
        let b = parse_timestamp("2017-06-01T14:30:00+02:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(format_timestamp(&a), "2017-06-01T12:30:00Z");
    }

    #[test]
    fn bad_timestamps_say_what_is_accepted() {
        for bad in ["2017-13-01 00:00:00", "yesterday", "2017-06-01", ""] {
            let err = parse_timestamp(bad).unwrap_err();
            assert!(err.contains("YYYY-MM-DD HH:MM:SS"), "{err}");
        }
    }
}
