//! A client of etcd's v3 JSON gateway: one HTTP/1.1 POST per request (`/v3/kv/range`,
//! `/v3/kv/txn`, `/v3/lease/grant`, …) on pooled connections, to whichever member
//! answers. Keys and values travel in base64, 64-bit integers as strings.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use std::time::Duration;

/// The largest reply read: a page of a range request, or a transaction's replies.
const MAX_REPLY: u64 = 1 << 30;

/// A connection to an etcd cluster through any of its members; clones share its pool of
/// connections.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    /// `http://host:port` of each member given.
    endpoints: Vec<String>,
    /// The member that answered last, tried first.
    current: usize,
    /// User and password, if the cluster has authentication on.
    credentials: Option<(String, String)>,
    /// The token `/v3/auth/authenticate` gave for them.
    token: Option<String>,
}

/// Why a request failed: the cluster refused it (with its message), or no member answered.
#[derive(Debug)]
pub enum Failure {
    /// etcd answered with an error.
    Refused(String),
    /// No member answered.
    Unreachable(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Refused(message) => write!(f, "etcd refused the request: {message}"),
            Failure::Unreachable(message) => write!(f, "no member answered: {message}"),
        }
    }
}

impl Client {
    /// A client of the members `endpoints` (`host:port`), each request waiting at most
    /// `timeout`.
    pub fn new(endpoints: &[String], credentials: Option<(String, String)>, connect_timeout: Duration, timeout: Duration) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(connect_timeout))
            .timeout_global(Some(timeout))
            .build()
            .into();
        Client { agent, endpoints: endpoints.iter().map(|e| format!("http://{e}")).collect(), current: 0, credentials, token: None }
    }

    /// POSTs `body` to `path` (`/v3/kv/range`, …) and returns the reply, trying each
    /// member in turn until one answers; logs in first where credentials were given, and
    /// again once if the token expired. A request that may write (a transaction, a put,
    /// a lease grant) goes to another member only if the first never received it: sent
    /// twice, it could apply twice.
    pub fn post(&mut self, path: &str, body: &Value) -> Result<Value, Failure> {
        let resend = !matches!(path, "/v3/kv/txn" | "/v3/kv/put" | "/v3/kv/deleterange" | "/v3/lease/grant" | "/v3/lease/revoke");
        self.post_with(path, body, resend)
    }

    /// [`Client::post`] of a request that only reads, whatever its path (a transaction of
    /// range requests): it may go to another member whenever one does not answer.
    pub fn read(&mut self, path: &str, body: &Value) -> Result<Value, Failure> {
        self.post_with(path, body, true)
    }

    fn post_with(&mut self, path: &str, body: &Value, resend: bool) -> Result<Value, Failure> {
        if self.credentials.is_some() && self.token.is_none() {
            self.authenticate()?;
        }
        match self.post_once(path, body, resend) {
            Err(Failure::Refused(message)) if self.credentials.is_some() && message.contains("invalid auth token") => {
                self.authenticate()?;
                self.post_once(path, body, resend)
            }
            other => other,
        }
    }

    fn authenticate(&mut self) -> Result<(), Failure> {
        let Some((name, password)) = self.credentials.clone() else { return Ok(()) };
        self.token = None;
        let reply = self.post_once("/v3/auth/authenticate", &json!({ "name": name, "password": password }), true)?;
        self.token = Some(reply["token"].as_str().ok_or_else(|| Failure::Refused("authentication gave no token".to_owned()))?.to_owned());
        Ok(())
    }

    fn post_once(&mut self, path: &str, body: &Value, resend: bool) -> Result<Value, Failure> {
        let body = body.to_string();
        let mut unreachable = Vec::new();
        for attempt in 0..self.endpoints.len() {
            let index = (self.current + attempt) % self.endpoints.len();
            let mut request = self.agent.post(format!("{}{path}", self.endpoints[index])).header("content-type", "application/json");
            if let Some(token) = &self.token {
                request = request.header("authorization", token);
            }
            let mut response = match request.send(body.as_bytes()) {
                Ok(response) => response,
                Err(error) => {
                    unreachable.push(format!("{}: {error}", self.endpoints[index]));
                    if resend || never_sent(&error) {
                        continue;
                    }
                    return Err(Failure::Unreachable(format!(
                        "{}; the request was sent, so it may have been applied: `df-runner status` tells",
                        unreachable.join("; ")
                    )));
                }
            };
            self.current = index;
            let status = response.status();
            let bytes = response.body_mut().with_config().limit(MAX_REPLY).read_to_vec().map_err(|e| Failure::Unreachable(format!("{}: reading the reply: {e}", self.endpoints[index])))?;
            let reply: Value = serde_json::from_slice(&bytes).map_err(|e| Failure::Refused(format!("a reply that is not JSON ({e}): {}", String::from_utf8_lossy(&bytes[..bytes.len().min(200)]))))?;
            if !status.is_success() || reply.get("error").is_some() {
                let message = reply.get("message").or_else(|| reply.get("error")).and_then(Value::as_str).unwrap_or("no message");
                return Err(Failure::Refused(format!("{message} (HTTP {})", status.as_u16())));
            }
            return Ok(reply);
        }
        Err(Failure::Unreachable(unreachable.join("; ")))
    }
}

/// Whether a request failed before the member could have received it.
fn never_sent(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound | ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => true,
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::ConnectionRefused,
        _ => false,
    }
}

/// Base64, as the gateway carries keys and values.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The bytes of a base64 field of a reply (an absent field is empty, as the gateway omits
/// empty values).
pub fn bytes(field: &Value) -> Result<Vec<u8>, Failure> {
    match field {
        Value::Null => Ok(Vec::new()),
        Value::String(text) => STANDARD.decode(text).map_err(|e| Failure::Refused(format!("a reply field that is not base64: {e}"))),
        other => Err(Failure::Refused(format!("a reply field that is not base64: {other}"))),
    }
}

/// A 64-bit integer field of a reply (a string, or absent for 0).
pub fn int(field: &Value) -> i64 {
    match field {
        Value::String(text) => text.parse().unwrap_or(0),
        Value::Number(number) => number.as_i64().unwrap_or(0),
        _ => 0,
    }
}

/// The key just after every key that starts with `prefix`, as `range_end` takes it: the
/// prefix with its last byte below 0xff incremented (and what follows dropped); `\0`, all
/// keys, for an empty prefix or one of 0xff bytes only.
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_ends_after_every_key_that_has_it() {
        assert_eq!(prefix_end(b"/lport/"), b"/lport0");
        assert_eq!(prefix_end(b"a\xff"), b"b");
        assert_eq!(prefix_end(b""), b"\0");
        assert_eq!(prefix_end(b"\xff\xff"), b"\0");
    }

    #[test]
    fn reply_fields_decode_as_the_gateway_writes_them() {
        assert_eq!(bytes(&json!("L2E=")).unwrap(), b"/a");
        assert_eq!(bytes(&Value::Null).unwrap(), b"");
        assert!(bytes(&json!("%%")).is_err());
        assert_eq!(int(&json!("42")), 42);
        assert_eq!(int(&Value::Null), 0);
    }
}
