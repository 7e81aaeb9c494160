//! An error as a [`Diagnostic`]: the code and ids of the most specific cause the runner
//! knows, with the message of the whole chain.

use crate::refusal::Refusal;
use df_migrations::store::StoreError;
use df_migrations::transfer::TransferError;
use df_migrations::{CollidingModels, Diagnostic, EngineError, Ids, PlanRefused};

/// The diagnostic of `error`: its code and ids from the first cause in the chain that has
/// them (`failed` when none does), and the message of the whole chain, as text shows it.
pub fn diagnose(error: &anyhow::Error) -> Diagnostic {
    let known = error.chain().find_map(|cause| {
        if let Some(refusal) = cause.downcast_ref::<Refusal>() {
            Some(refusal.diagnostic())
        } else if let Some(engine) = cause.downcast_ref::<EngineError>() {
            Some(engine.into())
        } else if let Some(store) = cause.downcast_ref::<StoreError>() {
            Some(store.into())
        } else if let Some(refused) = cause.downcast_ref::<PlanRefused>() {
            Some(refused.into())
        } else if let Some(transfer) = cause.downcast_ref::<TransferError>() {
            Some(transfer.into())
        } else if cause.downcast_ref::<CollidingModels>().is_some() {
            Some(Diagnostic::new("colliding_models", String::new(), Ids::default()))
        } else {
            cause.downcast_ref::<std::io::Error>().map(|_| Diagnostic::new("io", String::new(), Ids::default()))
        }
    });
    let mut diagnostic = known.unwrap_or_else(|| Diagnostic::new("failed", String::new(), Ids::default()));
    diagnostic.message = format!("{error:#}");
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn the_code_comes_from_the_cause_and_the_message_from_the_chain() {
        let error = Err::<(), _>(EngineError::NotInitialized { store: "redb:/x".into() }).context("cannot upgrade").unwrap_err();
        let diagnostic = diagnose(&error);
        assert_eq!((diagnostic.code, diagnostic.ids.store.as_deref()), ("not_initialized", Some("redb:/x")));
        assert!(diagnostic.message.starts_with("cannot upgrade: redb:/x holds no df-schema state"), "{}", diagnostic.message);
    }

    #[test]
    fn an_error_of_no_known_kind_is_failed() {
        assert_eq!(diagnose(&anyhow::anyhow!("something")).code, "failed");
        let io = anyhow::Error::new(std::io::Error::other("disk full")).context("cannot write x.jsonl");
        assert_eq!(diagnose(&io).code, "io");
    }
}
