//! The upgrade lease's value where a store keeps it as a key (Redis, etcd): the holder's
//! token, who it is and since when, as JSON, so that a Redis script can read the token.

use crate::store::Holder;

/// The lease's value: `{"token","who","since"}`.
pub(crate) fn encode(token: &str, holder: &Holder) -> String {
    serde_json::json!({ "token": token, "who": holder.who, "since": holder.since }).to_string()
}

/// The token and holder of a lease value.
pub(crate) fn decode(value: &[u8]) -> Option<(String, Holder)> {
    let value: serde_json::Value = serde_json::from_slice(value).ok()?;
    let field = |name| value.get(name)?.as_str().map(str::to_owned);
    Some((field("token")?, Holder { who: field("who")?, since: field("since")? }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_values_round_trip() {
        let holder = Holder { who: "host:42".into(), since: "2024-01-02T03:04:05Z".into() };
        let value = encode("tok\"en", &holder);
        assert_eq!(decode(value.as_bytes()), Some(("tok\"en".to_owned(), holder)));
        assert_eq!(decode(b"{\"token\":\"t\"}"), None);
        assert_eq!(decode(b"not json"), None);
    }
}
