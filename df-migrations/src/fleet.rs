//! The fleet gate: application hosts record which model versions they read and write, so
//! that `plan` and `upgrade` refuse a step that a live host could not survive, naming the
//! host, and `status` lists the hosts that are live.
//!
//! A host's record is `{df_schema.}host/<name>`, written by its heartbeat
//! (`Database::heartbeat`) and deleted when it leaves (`Database::leave`). It is
//! bookkeeping: no image holds it, no rollback restores it, and a heartbeat while an
//! upgrade runs is not a write by others. A record is live until its `expires_at`:
//! liveness is a time written into the record rather than a server-side TTL, because
//! the embedded store has none and every store must judge a host the same way.
//!
//! A host at version `v` of a model survives a step of that model to version `to` when
//! code at `v` reads objects at `to` (see `df_schema::core::compat`): for a host behind
//! (`v < to`), old code reads new objects; for one ahead, new code reads old ones. Each
//! pending step is judged against each live host, with what carries the step out. The
//! gate judges what a host reads: a host behind that rewrites an object drops the members
//! its code does not know (see `df_schema::core::compat`).

use crate::layout::{Key, ENGINE_TABLE};
use crate::plan::{Plan, PlannedStep, StepWork};
use chrono::{DateTime, Utc};
use df_schema::core::compat::Compatibility;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The prefix of the ids of host records.
pub const HOST_PREFIX: &str = "host/";

/// `{df_schema.}host/<name>`, the record of host `name`.
pub fn host_key(name: &str) -> Key {
    Key::object(ENGINE_TABLE, "", &format!("{HOST_PREFIX}{name}"))
}

/// The stored prefix of every host record's key.
pub fn host_keys() -> String {
    Key::object(ENGINE_TABLE, "", HOST_PREFIX).encode()
}

/// Whether `key`, as a store names a write by others, is a host record: a heartbeat,
/// which writes no data. Stores name keys in the engine's form, or etcd's in its own.
pub(crate) fn is_host_record(key: &str) -> bool {
    let engine = host_keys();
    key.starts_with(&engine) || key.starts_with(&crate::store::etcd::layout::to_etcd(&engine))
}

/// What a host's heartbeat records: the versions its code reads and writes.
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostRecord {
    /// The host's name, as it registered.
    pub host: String,
    /// The version of each model its code reads and writes, by model name.
    pub models: BTreeMap<String, u32>,
    /// When it last sent a heartbeat (RFC 3339, UTC).
    pub heartbeat_at: String,
    /// When the record stops counting as a live host, unless a heartbeat renews it.
    pub expires_at: String,
}

impl HostRecord {
    /// Whether the host counts as live at `now`. A record whose expiry does not parse
    /// counts as live: a gate must not open on a record it cannot read.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        DateTime::parse_from_rfc3339(&self.expires_at).map_or(true, |at| at > now)
    }
}

/// A step a live host could not survive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// The host.
    pub host: String,
    /// The step's id.
    pub step: String,
    /// The model the step changes.
    pub model: String,
    /// The host's version of it.
    pub version: u32,
    /// The version the step takes it to (0 for a removal).
    pub to: u32,
    /// Why the host cannot read the data during or after the step.
    pub reasons: Vec<String>,
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = if self.to == 0 { "removes it".to_owned() } else { format!("takes it to v{}", self.to) };
        write!(f, "host `{}` runs {} v{}, and step `{}` {target}: {}", self.host, self.model, self.version, self.step, self.reasons.join("; "))
    }
}

/// Every step of `plan` that a host live at `now` could not survive, in plan order.
pub fn blockers(plan: &Plan, hosts: &[HostRecord], now: DateTime<Utc>) -> Vec<Blocker> {
    let live: Vec<&HostRecord> = hosts.iter().filter(|h| h.is_live(now)).collect();
    let mut found = Vec::new();
    for step in &plan.steps {
        for host in &live {
            let Some(&version) = host.models.get(step.model) else { continue };
            let reasons = unsurvivable(step, version);
            if !reasons.is_empty() {
                found.push(Blocker { host: host.host.clone(), step: step.id.clone(), model: step.model.to_owned(), version, to: step.to, reasons });
            }
        }
    }
    found
}

/// Why code at `version` of the step's model cannot read the data the step leaves.
fn unsurvivable(step: &PlannedStep, version: u32) -> Vec<String> {
    let cover = step.cover();
    let model = match step.work {
        // A model the database lacks has no hosts reading it yet.
        StepWork::Create(_) => return Vec::new(),
        StepWork::Removal { .. } => return Compatibility::of_removal(step.model, &cover).old_reads_new,
        StepWork::Defaults(model) | StepWork::Migration { model, .. } => model,
    };
    if version == step.to {
        return Vec::new();
    }
    let versions = &(model.history)().versions;
    let (Some((&from, _)), Some(host), Some(target)) = (versions.range(..step.to).next_back(), versions.get(&version), versions.get(&step.to)) else {
        return vec![format!("the build does not record {} v{version}, so nothing says what that host reads", step.model)];
    };
    if version < step.to {
        Compatibility::of_shapes(&host.schema, &target.schema, (version, step.to)).covered_by(&cover, (from, step.to)).old_reads_new
    } else {
        Compatibility::of_shapes(&target.schema, &host.schema, (step.to, version)).covered_by(&cover, (from, step.to)).new_reads_old
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linked::test_build::{self, test_model};
    use crate::linked::Build;
    use crate::plan::plan;
    use crate::records::{EngineState, ModelState};
    use df_schema::registry::{MigrationFn, MigrationTarget};
    use df_schema::KeyLayout;
    use std::collections::BTreeSet;

    /// A database with `Port` at v1, and a build at v3: v2 adds a field with a default
    /// (automatic, rolling), v3 adds one without, by a per-object migration.
    fn pending() -> Plan {
        let port = test_model!("Port", "port", &[("1.0", &["id"]), ("2.0", &["id", "name=x"]), ("3.0", &["id", "name=x", "peer"])]);
        let peer = test_build::migration("port-peer", MigrationTarget::Step { model: "Port", to: 3 }, "2020-01-01T00:00:00Z", MigrationFn::Each(|_, _| Ok(())), None);
        let mut state = EngineState::default();
        let fingerprint = (port.history)().versions[&1].fingerprint.clone();
        state.models.insert("Port".into(), ModelState { version: 1, fingerprint });
        plan(&state, &Build { models: vec![port], migrations: vec![peer], layout: KeyLayout::Dragonflow }, &BTreeSet::new()).unwrap()
    }

    fn host(name: &str, version: u32, expires_at: &str) -> HostRecord {
        let models = BTreeMap::from([("Port".to_owned(), version), ("Other".to_owned(), 9)]);
        HostRecord { host: name.into(), models, heartbeat_at: "2026-01-01T00:00:00Z".into(), expires_at: expires_at.into() }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn heartbeats_are_told_from_data_in_every_store_s_naming() {
        assert!(is_host_record("{df_schema.}host/web-1") && is_host_record("/df_schema/host/web-1"));
        assert!(!is_host_record("{df_schema.}state") && !is_host_record("/df_schema/state") && !is_host_record("{lport.t}host/x"));
    }

    #[test]
    fn a_host_behind_survives_steps_whose_objects_its_code_reads() {
        let plan = pending();
        assert_eq!(plan.steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["auto/Port/v2", "port-peer"]);
        assert_eq!(blockers(&plan, &[host("old", 1, "2026-06-01T00:00:30Z")], now()), [], "v1 code ignores `name` and `peer`");
    }

    #[test]
    fn a_host_ahead_is_refused_where_its_code_cannot_read_what_a_step_leaves() {
        let found = blockers(&pending(), &[host("new", 3, "2026-06-01T00:00:30Z")], now());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].step.as_str(), found[0].version, found[0].to), ("auto/Port/v2", 3, 2));
        assert_eq!(
            found[0].to_string(),
            "host `new` runs Port v3, and step `auto/Port/v2` takes it to v2: v2 objects lack field `peer`, which v3 requires and has no default for"
        );
    }

    #[test]
    fn lapsed_records_and_unknown_models_open_the_gate_and_unreadable_expiries_close_it() {
        let plan = pending();
        assert!(blockers(&plan, &[host("new", 3, "2026-05-31T23:59:59Z")], now()).is_empty(), "lapsed");
        assert_eq!(blockers(&plan, &[host("new", 3, "soon")], now()).len(), 1, "an expiry that does not parse counts as live");
        let mut elsewhere = host("other", 1, "2026-06-01T00:00:30Z");
        elsewhere.models.remove("Port");
        assert!(blockers(&plan, &[elsewhere], now()).is_empty());
        let found = blockers(&plan, &[host("odd", 7, "2026-06-01T00:00:30Z")], now());
        assert_eq!(found[0].reasons, ["the build does not record Port v7, so nothing says what that host reads"]);
    }

    #[test]
    fn whole_database_steps_stop_every_host_of_their_model() {
        let port = test_model!("Port", "port", &[("1.0", &["id"]), ("2.0", &["id", "name=x"])]);
        let whole = test_build::step("port-fill", "Port", 2, "2020-01-01T00:00:00Z");
        let mut state = EngineState::default();
        state.models.insert("Port".into(), ModelState { version: 1, fingerprint: (port.history)().versions[&1].fingerprint.clone() });
        let plan = plan(&state, &Build { models: vec![port], migrations: vec![whole], layout: KeyLayout::Dragonflow }, &BTreeSet::new()).unwrap();
        let found = blockers(&plan, &[host("old", 1, "2026-06-01T00:00:30Z")], now());
        assert_eq!(found[0].reasons, ["migration `port-fill` takes the whole database and may change any object of any table"]);
    }
}
