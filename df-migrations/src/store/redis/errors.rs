//! How Redis failures become [`StoreError`]s: each names the store and, where one is
//! involved, the key, and a client error says which timeout ran out or why a wait was
//! cut short, so that an operator knows what to do next.

use super::RedisOptions;
use crate::store::StoreError;
use redis::RedisError;

/// A failure of the store `store` as a whole (a connection, a pipeline, a setting).
pub(super) fn backend(store: &str, message: impl Into<String>) -> StoreError {
    StoreError::Backend { store: store.to_owned(), message: message.into() }
}

/// A failure that concerns `key`, named as text even when it is not UTF-8.
pub(super) fn key_error(store: &str, key: &[u8], message: impl Into<String>) -> StoreError {
    StoreError::Key { store: store.to_owned(), key: String::from_utf8_lossy(key).into_owned(), message: message.into() }
}

/// A client error's text, saying which timeout ran out where one did.
pub(super) fn describe_error(err: &RedisError, options: &RedisOptions) -> String {
    // The client keeps an I/O error behind an `Arc`, its `source()`; the test below pins it.
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    let io_kind = std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<Shared>())
        .and_then(|shared| shared.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    if err.is_timeout() {
        format!("no reply within the response timeout ({:?}): {err}", options.response_timeout)
    } else if io_kind == Some(std::io::ErrorKind::Interrupted) {
        // signal(7): a socket wait with a timeout fails with EINTR when its process is
        // stopped and continued. The reply may be lost mid-read, so it is not retried.
        format!(
            "the wait for Redis's reply was interrupted, as it is when the runner is stopped and continued \
             (SIGSTOP/SIGCONT, Ctrl-Z then `fg`) ({err}); whatever this runner sent is fenced by its lease, \
             so run the command again: the next run recovers an interrupted commit"
        )
    } else {
        err.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_wait_says_why_and_what_to_do() {
        let options = RedisOptions::default();
        let interrupted = RedisError::from(std::io::Error::from(std::io::ErrorKind::Interrupted));
        let text = describe_error(&interrupted, &options);
        assert!(text.contains("stopped and continued") && text.contains("run the command again"), "{text}");
        let refused = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(describe_error(&refused, &options), refused.to_string());
    }
}
