//! Databases the runner cannot reach and URLs it cannot use: a clear error naming the
//! address or the accepted forms, and nothing created.

use super::{judge, Case};
use crate::faults::report::Row;
use df_testkit::runner::Runner;
use df_testkit::redis_server::free_port;
use std::path::Path;

/// One URL to try: what it stands for in the outcome, and what its error must say.
struct Attempt {
    label: &'static str,
    url: String,
    expect: Vec<String>,
}

pub fn rows() -> Vec<Row> {
    let dir = tempfile::tempdir().ok();
    let missing = dir.as_ref().map(|d| d.path().join("no-such-dir").join("nb.redb")).unwrap_or_default();
    let port = free_port();
    let redb = format!("redb:{}", missing.display());
    let unreachable = vec![
        Attempt { label: "Redis", url: format!("redis://127.0.0.1:{port}/0"), expect: vec![format!("127.0.0.1:{port}"), "cannot open the database".into()] },
        Attempt { label: "redb", url: redb.clone(), expect: vec![redb, "does not exist, and this command does not create one".into()] },
    ];
    let wrong = vec![
        Attempt { label: "postgres://", url: "postgres://db/nb".into(), expect: vec!["unknown scheme `postgres://`".into()] },
        Attempt { label: "redis+cluster://", url: "redis+cluster://".into(), expect: vec!["no cluster nodes".into()] },
    ];
    [("an unreachable database (a closed port; a file in a missing directory)", unreachable), ("a wrong URL (an unknown scheme; a cluster without nodes)", wrong)]
        .into_iter()
        .map(|(name, attempts)| {
            let mut case = Case::new(name);
            for attempt in attempts {
                let expect: Vec<&str> = attempt.expect.iter().map(String::as_str).collect();
                case.check(attempt.label, || {
                    let finished = Runner::new(attempt.url.as_str()).run(&["upgrade"])?;
                    let created = missing.parent().is_some_and(Path::exists);
                    Ok(judge(&finished, &expect).or(created.then(|| "it created the missing directory".to_owned())))
                });
            }
            case.finish()
        })
        .collect()
}
