//! Scenario 7: a server of the control plane left running during an upgrade, writing to
//! ports as it would. Each run starts the writer, then `runner upgrade`, then stops the
//! writer. An upgrade that commits over acknowledged writes fails the run; a refused one
//! must name written keys, and the database must be exactly the old state with every
//! acknowledged write in it (the writer's last value of each key it wrote).

use super::db::{Db, Kind};
use super::report::{Row, Tally};
use super::Plan;
use df_testkit::runner::Finished;
use df_testkit::states::{differing, Dump};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Ports the writer cycles through.
const PORTS: usize = 50;

pub fn run(plan: &Plan) -> Vec<Row> {
    let rounds = plan.pauses.max(5);
    vec![Row::new(format!("a writer left running during the upgrade (Redis, {} objects)", plan.small)).within(|row| {
        let db = Db::redis()?;
        let base = db.seed_baselined(plan.small, plan.seed)?;
        let Kind::Redis(server) = &db.kind else { anyhow::bail!("the writers scenario runs on Redis") };
        let ports: Vec<(String, serde_json::Value)> = base
            .iter()
            .filter(|(key, _)| key.starts_with("{lport."))
            .take(PORTS)
            .map(|(key, value)| Ok((key.clone(), serde_json::from_slice(value)?)))
            .collect::<anyhow::Result<_>>()?;
        let mut tally = Tally::default();
        for run in 1..=rounds {
            row.runs += 1;
            db.load(&base)?;
            let writing = AtomicBool::new(true);
            let started = AtomicBool::new(false);
            let (finished, written) = std::thread::scope(|scope| -> anyhow::Result<(Finished, BTreeMap<String, Vec<u8>>)> {
                let writer = scope.spawn(|| -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
                    let mut connection = server.connection_or_error()?;
                    let mut written = BTreeMap::new();
                    for n in 0usize.. {
                        let (key, port) = &ports[n % ports.len()];
                        let mut port = port.clone();
                        port["name"] = format!("renamed by the writer, write {n}").into();
                        let value = serde_json::to_vec(&port)?;
                        redis::cmd("SET").arg(key).arg(&value).query::<()>(&mut connection)?;
                        written.insert(key.clone(), value);
                        started.store(true, Ordering::SeqCst);
                        if !writing.load(Ordering::SeqCst) {
                            break;
                        }
                    }
                    Ok(written)
                });
                while !started.load(Ordering::SeqCst) && !writer.is_finished() {
                    std::thread::yield_now();
                }
                let finished = db.runner().run(&["upgrade"]);
                writing.store(false, Ordering::SeqCst);
                let written = writer.join().map_err(|_| anyhow::anyhow!("the writer panicked"))??;
                Ok((finished?, written))
            })?;
            let mut expected: Dump = base.clone();
            expected.extend(written);
            let after = db.dump()?;
            let error = finished.error();
            if finished.success {
                row.fail(run, "the upgrade committed while a writer wrote");
            } else if !error.contains("written by another client") || !ports.iter().any(|(key, _)| error.contains(key.as_str())) {
                row.fail(run, format!("refused, but not for the writer's keys: {}", error.trim()));
            } else if after != expected {
                row.fail(run, format!("refused, but the data is not the old state with every write: {:?}", differing(&after, &expected)));
            } else {
                tally.add("refused naming written ports, the old state and every acknowledged write kept");
            }
        }
        row.outcomes = tally.to_string();
        Ok(())
    })]
}
