//! Bad data in a baselined database, written behind df-schema's back as a buggy
//! controller or an operator's hand edit would, then `runner upgrade`.

use super::{refused, Case, Prepared};
use crate::faults::report::Row;
use df_migrations::records::{state_key, AppliedState, EngineState};
use df_testkit::states::Dump;
use serde_json::Value;

type Writes = Vec<(String, Vec<u8>)>;

struct DataCase {
    name: &'static str,
    /// Starts from the database upgraded to 3.0 instead of the baselined 2.0 one.
    at_30: bool,
    /// The bad writes, given the state they go into.
    bad: fn(&Dump) -> anyhow::Result<Writes>,
    /// What the error must say.
    expect: &'static [&'static str],
}

const CASES: &[DataCase] = &[
    DataCase { name: "a value that is not JSON", at_30: false, bad: |_| Ok(one("{chassis.}bad", "not json")), expect: &["{chassis.}bad", "does not hold JSON"] },
    DataCase {
        name: "JSON that is not an object",
        at_30: false,
        bad: |_| Ok(one("{chassis.}bad", "[1, 2]")),
        expect: &["{chassis.}bad", "does not hold a JSON object"],
    },
    DataCase {
        name: "a lone surrogate escape in a string (`\\ud800`)",
        at_30: false,
        bad: |_| Ok(one("{chassis.}lone", r#"{"id":"lone","ip":"\ud800"}"#)),
        expect: &["{chassis.}lone", "does not hold JSON"],
    },
    DataCase {
        name: "a number past f64 (`1e400`)",
        at_30: false,
        bad: |_| Ok(one("{chassis.}big", r#"{"id":"big","ip":1e400}"#)),
        expect: &["{chassis.}big", "does not hold JSON"],
    },
    DataCase {
        name: "nesting 10,000 deep",
        at_30: false,
        bad: |_| Ok(one("{chassis.}deep", &format!(r#"{{"id":"deep","x":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000)))),
        expect: &["{chassis.}deep", "does not hold JSON"],
    },
    DataCase {
        name: "a negative counter",
        at_30: false,
        bad: |_| Ok(one("{unique_key.}lport", "-5")),
        expect: &["{unique_key.}lport", "not a non-negative decimal integer"],
    },
    DataCase { name: "an owned key that does not parse", at_30: false, bad: |_| Ok(one("{session:42", "x")), expect: &["{session:42", "not in its key layout's form"] },
    DataCase {
        name: "an object a migration cannot handle (a rule with protocol `dns`)",
        at_30: false,
        bad: unknown_protocol,
        expect: &["secgroup-v3-protocol-numbers", "object `sg-web`", "rule rule-dns"],
    },
    DataCase {
        name: "an object that fails head validation after migrating (a chassis `ip` that is a number)",
        at_30: false,
        bad: |_| Ok(one("{chassis.}bad-ip", r#"{"id":"bad-ip","ip":42,"external_host_ip":null,"tunnel_type":"vxlan"}"#)),
        expect: &["do not decode as their head model", "Chassis", "{chassis.}bad-ip"],
    },
    DataCase {
        name: "a counter at i64::MAX that a migration allocates past (`{unique_key.}lswitch`)",
        at_30: false,
        bad: |_| Ok(one("{unique_key.}lswitch", &i64::MAX.to_string())),
        expect: &["lswitch-v2-unique-key"],
    },
    DataCase {
        name: "a database newer than the build (LogicalPort at v6)",
        at_30: false,
        bad: |start| edit_state(start, |state| state.models.get_mut("LogicalPort").map(|m| m.version = 6).is_some()),
        expect: &["LogicalPort at v6", "newer than this build"],
    },
    DataCase {
        name: "a database newer than the build (an applied migration it does not know)",
        at_30: false,
        bad: |start| edit_state(start, |state| state.applied.insert("lport-v6-from-the-future".into(), AppliedState::default()).is_none()),
        expect: &["lport-v6-from-the-future", "newer than this build"],
    },
    DataCase {
        name: "an applied migration whose checksum changed",
        at_30: true,
        bad: |start| {
            edit_state(start, |state| state.applied.get_mut("lport-v2-unique-key").map(|a| a.checksum = Some("0123456789abcdef".into())).is_some())
        },
        expect: &["lport-v2-unique-key", "changed after it was applied"],
    },
];

pub fn rows(dbs: &[anyhow::Result<Prepared>]) -> Vec<Row> {
    CASES
        .iter()
        .map(|case| {
            Case::new(case.name).on_each(dbs, |prepared| {
                let start = if case.at_30 { &prepared.at_30 } else { &prepared.base };
                prepared.db.load(start)?;
                for (key, value) in (case.bad)(start)? {
                    prepared.db.set(&key, &value)?;
                }
                let before = prepared.db.dump()?;
                refused(&prepared.db, &before, &["upgrade"], case.expect)
            })
        })
        .collect()
}

fn one(key: &str, value: &str) -> Writes {
    vec![(key.to_owned(), value.as_bytes().to_vec())]
}

/// Security group `sg-web`'s second rule with a protocol no migration can map.
fn unknown_protocol(start: &Dump) -> anyhow::Result<Writes> {
    let key = "{secgroup.tenant-a}sg-web";
    let mut group: Value = serde_json::from_slice(start.get(key).ok_or_else(|| anyhow::anyhow!("the fixture has no {key}"))?)?;
    group["rules"][1]["protocol"] = "dns".into();
    Ok(one(key, &group.to_string()))
}

/// The state record changed by `edit`, which says whether it found what it edits.
fn edit_state(start: &Dump, edit: fn(&mut EngineState) -> bool) -> anyhow::Result<Writes> {
    let key = state_key().encode();
    let mut state: EngineState = serde_json::from_slice(start.get(&key).ok_or_else(|| anyhow::anyhow!("no {key}"))?)?;
    anyhow::ensure!(edit(&mut state), "{key} lacks what the case edits");
    Ok(vec![(key, serde_json::to_vec(&state)?)])
}
