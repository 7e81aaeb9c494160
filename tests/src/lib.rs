//! Workspace-level tests of df-schema; the tests live in `tests/`. This library is empty:
//! the package exists so that the tests can depend on the published surface of
//! `df-schema` the way a user's crate does.
