//! The serde adapters that store `u128` and `i128` fields as JSON strings of their decimal
//! digits. The engine holds objects as `serde_json::Value`, which reads a number beyond 64
//! bits as a float and loses digits; a string keeps every digit through the engine, the
//! store and any JSON tool an operator points at it. The macros add
//! `#[serde(with = "::df_schema::__private::decimal")]` (or `decimal_option`) to such fields.

use serde::de::{Deserialize, Deserializer, Error};
use serde::Serializer;
use std::fmt::Display;
use std::str::FromStr;

/// Writes `value` as a string of its decimal digits.
///
/// # Errors
///
/// Whatever the serializer reports.
pub fn serialize<T: Display, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Reads a string of decimal digits, refusing anything else (a JSON number included: a
/// number beyond 64 bits has already lost digits when it is read).
///
/// # Errors
///
/// When the value is not a string, or not the digits of a value of `T`.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: FromStr,
    T::Err: Display,
    D: Deserializer<'de>,
{
    let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    if text.starts_with('+') {
        return Err(D::Error::custom(format!("invalid digits {text:?}: a stored 128-bit integer has no `+` sign")));
    }
    text.parse().map_err(|err| D::Error::custom(format!("invalid digits {text:?} for a 128-bit integer stored as a string: {err}")))
}

/// The same adapters for an `Option` of a 128-bit integer, `null` for `None`.
pub mod option {
    use serde::de::{Deserialize, Deserializer};
    use serde::Serializer;
    use std::fmt::Display;
    use std::str::FromStr;

    /// Writes `Some(n)` as a string of decimal digits and `None` as `null`.
    ///
    /// # Errors
    ///
    /// Whatever the serializer reports.
    #[allow(clippy::ref_option, reason = "serde's `with` passes the field by reference")]
    pub fn serialize<T: Display, S: Serializer>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.collect_str(value),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null` as `None`, and otherwise as [`super::deserialize`] does.
    ///
    /// # Errors
    ///
    /// When the value is neither `null` nor the digits of a value of `T`.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        #[derive(serde::Deserialize)]
        #[serde(crate = "serde")]
        struct Digits<T: FromStr>(#[serde(deserialize_with = "super::deserialize")] T)
        where
            T::Err: Display;
        Ok(Option::<Digits<T>>::deserialize(deserializer)?.map(|Digits(value)| value))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Wide {
        #[serde(with = "super")]
        big: u128,
        #[serde(with = "super::option", default)]
        signed: Option<i128>,
    }

    #[test]
    fn every_digit_survives_a_round_trip_through_a_json_value() {
        let wide = Wide { big: u128::MAX, signed: Some(i128::MIN) };
        let value = serde_json::to_value(&wide).unwrap();
        assert_eq!(value, json!({"big": u128::MAX.to_string(), "signed": i128::MIN.to_string()}));
        assert_eq!(serde_json::from_value::<Wide>(value).unwrap(), wide);
        let none = Wide { big: 0, signed: None };
        assert_eq!(serde_json::to_value(&none).unwrap(), json!({"big": "0", "signed": null}));
        assert_eq!(serde_json::from_value::<Wide>(json!({"big": "0"})).unwrap(), none);
    }

    #[test]
    fn numbers_signs_and_out_of_range_digits_are_refused() {
        for big in [json!(7), json!("+7"), json!("-1"), json!("340282366920938463463374607431768211456"), json!("7.0")] {
            let err = serde_json::from_value::<Wide>(json!({"big": big})).unwrap_err().to_string();
            assert!(err.contains("string") || err.contains("digits"), "{big}: {err}");
        }
    }
}
