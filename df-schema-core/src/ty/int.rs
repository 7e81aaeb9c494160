//! Integer widths: the Rust integer type a field holds, so that the lock, validation and
//! `baseline` know its range (a `u8` holding 300 is not a stored `u8`).
//!
//! Integers up to 64 bits are JSON numbers. `u128` and `i128` are JSON strings of their
//! decimal digits: the engine holds objects as `serde_json::Value`, which reads a number
//! beyond 64 bits as a float and loses digits, and so would most JSON tools an operator
//! points at the store.

use serde_json::Value;
use std::fmt;

/// The width and signedness of a stored integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IntWidth {
    /// `int`: a lock written before widths were recorded. Any integer up to 64 bits; the
    /// next bless records the width.
    Unrecorded,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64` (and `isize`, on the 64-bit targets the engine runs on).
    I64,
    /// `i128`, stored as a string of decimal digits.
    I128,
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `u32`.
    U32,
    /// `u64` (and `usize`).
    U64,
    /// `u128`, stored as a string of decimal digits.
    U128,
}

impl IntWidth {
    /// Every width the lock can name, `int` included.
    pub const ALL: [IntWidth; 11] = [
        IntWidth::Unrecorded,
        IntWidth::I8,
        IntWidth::I16,
        IntWidth::I32,
        IntWidth::I64,
        IntWidth::I128,
        IntWidth::U8,
        IntWidth::U16,
        IntWidth::U32,
        IntWidth::U64,
        IntWidth::U128,
    ];

    /// The width of the Rust integer type named `name` (`u8`, `usize`, `i128`), if it is one.
    pub fn of_rust(name: &str) -> Option<IntWidth> {
        match name {
            "isize" => Some(IntWidth::I64),
            "usize" => Some(IntWidth::U64),
            "int" => None,
            _ => IntWidth::of_lock(name),
        }
    }

    /// The width the lock names `name` (`u8`, `int`), if it names one.
    pub fn of_lock(name: &str) -> Option<IntWidth> {
        IntWidth::ALL.into_iter().find(|w| w.name() == name)
    }

    /// The lock's name for the width: the Rust type's, or `int` when unrecorded.
    pub fn name(self) -> &'static str {
        match self {
            IntWidth::Unrecorded => "int",
            IntWidth::I8 => "i8",
            IntWidth::I16 => "i16",
            IntWidth::I32 => "i32",
            IntWidth::I64 => "i64",
            IntWidth::I128 => "i128",
            IntWidth::U8 => "u8",
            IntWidth::U16 => "u16",
            IntWidth::U32 => "u32",
            IntWidth::U64 => "u64",
            IntWidth::U128 => "u128",
        }
    }

    /// The smallest and largest value. `Unrecorded` spans both 64-bit types.
    pub fn range(self) -> (i128, u128) {
        match self {
            IntWidth::Unrecorded => (i64::MIN.into(), u64::MAX.into()),
            IntWidth::I8 => (i8::MIN.into(), i8::MAX.unsigned_abs().into()),
            IntWidth::I16 => (i16::MIN.into(), i16::MAX.unsigned_abs().into()),
            IntWidth::I32 => (i32::MIN.into(), i32::MAX.unsigned_abs().into()),
            IntWidth::I64 => (i64::MIN.into(), i64::MAX.unsigned_abs().into()),
            IntWidth::I128 => (i128::MIN, i128::MAX.unsigned_abs()),
            IntWidth::U8 => (0, u8::MAX.into()),
            IntWidth::U16 => (0, u16::MAX.into()),
            IntWidth::U32 => (0, u32::MAX.into()),
            IntWidth::U64 => (0, u64::MAX.into()),
            IntWidth::U128 => (0, u128::MAX),
        }
    }

    /// Whether values are stored as strings of decimal digits rather than JSON numbers.
    pub fn is_decimal_string(self) -> bool {
        matches!(self, IntWidth::I128 | IntWidth::U128)
    }

    /// Whether `text`, decimal digits with an optional `-`, is a value of this width.
    pub fn holds_text(self, text: &str) -> bool {
        let (min, max) = self.range();
        // `parse` alone would also take a leading `+`, which serde never writes.
        let magnitude = |digits: &str| (digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse::<u128>().ok()).flatten();
        match text.strip_prefix('-') {
            Some(digits) => min < 0 && magnitude(digits).is_some_and(|n| n <= min.unsigned_abs()),
            None => magnitude(text).is_some_and(|n| n <= max),
        }
    }

    /// Whether `value` is a stored value of this width: a JSON integer in range, or for
    /// 128-bit widths a string of decimal digits in range.
    pub fn accepts(self, value: &Value) -> bool {
        match value {
            Value::Number(n) if !self.is_decimal_string() => {
                let (min, max) = self.range();
                n.as_i64().map(i128::from).map_or_else(|| n.as_u64().is_some_and(|n| u128::from(n) <= max), |n| n >= min && (n < 0 || n.unsigned_abs() <= max))
            }
            Value::String(text) if self.is_decimal_string() => self.holds_text(text),
            _ => false,
        }
    }

    /// Whether every value of `self` is a value of `new`, stored the same way. An
    /// unrecorded width is taken as any 64-bit width in either direction, as the lock
    /// that holds it never said which.
    pub fn widens_to(self, new: IntWidth) -> bool {
        if self.is_decimal_string() != new.is_decimal_string() {
            return false;
        }
        if self == IntWidth::Unrecorded || new == IntWidth::Unrecorded {
            return true;
        }
        let ((old_min, old_max), (new_min, new_max)) = (self.range(), new.range());
        old_min >= new_min && old_max <= new_max
    }

    /// How messages say what the width holds: `u8 (0 to 255)`.
    pub fn describe(self) -> String {
        let (min, max) = self.range();
        let stored = if self.is_decimal_string() { ", stored as a string of decimal digits" } else { "" };
        format!("{} ({min} to {max}{stored})", self.name())
    }
}

impl fmt::Display for IntWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_width_knows_its_range() {
        assert!(IntWidth::U8.accepts(&json!(255)));
        assert!(!IntWidth::U8.accepts(&json!(300)));
        assert!(!IntWidth::U8.accepts(&json!(-1)));
        assert!(IntWidth::I8.accepts(&json!(-128)));
        assert!(!IntWidth::I8.accepts(&json!(128)));
        assert!(IntWidth::U64.accepts(&json!(u64::MAX)));
        assert!(!IntWidth::I64.accepts(&json!(u64::MAX)));
        assert!(IntWidth::I64.accepts(&json!(i64::MIN)));
        assert!(IntWidth::Unrecorded.accepts(&json!(u64::MAX)) && IntWidth::Unrecorded.accepts(&json!(i64::MIN)));
        assert!(!IntWidth::U32.accepts(&json!(1.5)));
        assert!(!IntWidth::U32.accepts(&json!("7")), "a 64-bit integer is a JSON number");
    }

    #[test]
    fn wide_integers_are_decimal_strings_in_range() {
        assert!(IntWidth::U128.accepts(&json!(u128::MAX.to_string())));
        assert!(!IntWidth::U128.accepts(&json!("340282366920938463463374607431768211456")), "u128::MAX + 1");
        assert!(!IntWidth::U128.accepts(&json!("-1")));
        assert!(!IntWidth::U128.accepts(&json!(7)), "a 128-bit integer is a string");
        assert!(IntWidth::I128.accepts(&json!(i128::MIN.to_string())));
        assert!(IntWidth::I128.accepts(&json!(i128::MAX.to_string())));
        assert!(!IntWidth::I128.accepts(&json!("170141183460469231731687303715884105728")), "i128::MAX + 1");
        assert!(!IntWidth::I128.accepts(&json!("-170141183460469231731687303715884105729")), "i128::MIN - 1");
        assert!(IntWidth::I128.accepts(&json!("-0")) && IntWidth::I128.accepts(&json!("-5")));
        for bad in ["", "-", "+5", "--5", "5 ", "0x10", "1e3"] {
            assert!(!IntWidth::I128.accepts(&json!(bad)), "{bad:?}");
        }
    }

    #[test]
    fn names_round_trip_and_rust_aliases_map_to_64_bits() {
        for width in IntWidth::ALL {
            let parsed = if width == IntWidth::Unrecorded { None } else { Some(width) };
            assert_eq!(IntWidth::of_rust(width.name()), parsed);
        }
        assert_eq!(IntWidth::of_rust("usize"), Some(IntWidth::U64));
        assert_eq!(IntWidth::of_rust("isize"), Some(IntWidth::I64));
        assert_eq!(IntWidth::of_rust("f32"), None);
        assert_eq!(IntWidth::of_lock("int"), Some(IntWidth::Unrecorded));
        assert_eq!(IntWidth::of_lock("usize"), None, "the lock names the 64-bit width");
    }

    #[test]
    fn only_a_range_that_contains_the_old_one_widens() {
        assert!(IntWidth::U8.widens_to(IntWidth::U16));
        assert!(IntWidth::U8.widens_to(IntWidth::I16));
        assert!(IntWidth::I32.widens_to(IntWidth::I64));
        assert!(!IntWidth::U16.widens_to(IntWidth::U8), "narrowed");
        assert!(!IntWidth::I8.widens_to(IntWidth::U64), "signed to unsigned");
        assert!(!IntWidth::U64.widens_to(IntWidth::I64), "u64 holds more than i64");
        assert!(!IntWidth::U64.widens_to(IntWidth::U128), "a number becomes a string");
        assert!(IntWidth::U64.widens_to(IntWidth::Unrecorded) && IntWidth::Unrecorded.widens_to(IntWidth::U8));
        assert!(!IntWidth::Unrecorded.widens_to(IntWidth::I128));
    }
}
