//! The desk program as its users run it: the first start migrates a fresh database, later
//! starts find nothing pending, books are lent with keys drawn from the loans' counter,
//! and without migrating it refuses a database that is not at its schema. On a private
//! Redis, four desks started at once on a fresh database: exactly one migrates.

use df_testkit::redis_server::RedisServer;
use std::process::{Command, Output};

fn desk(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_library-app")).env_remove("LIBRARY_DB").args(["--db", db]).args(args).output().unwrap()
}

fn ok(output: Output) -> (String, String) {
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned());
    assert!(output.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

fn lending(db: &str) {
    let refused = desk(db, &["--no-migrate", "loans"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("is not at this build's schema") && message.contains("Run the migrations first"), "{message}");

    let (_, stderr) = ok(desk(db, &["add-book", "b1", "Frankenstein", "Mary", "Shelley", "9780141439471"]));
    assert!(stderr.starts_with("migrated the database: "), "{stderr}");
    let (_, stderr) = ok(desk(db, &["add-book", "b2", "The Odyssey", "", "Homer", "9780140268867"]));
    assert_eq!(stderr, "", "nothing pending at the second start");
    assert_eq!(ok(desk(db, &["lend", "b1", "m1", "2021-04-01"])).0, "l1\n");
    assert_eq!(ok(desk(db, &["--no-migrate", "lend", "b2", "m2", "2021-04-02"])).0, "l2\n");
    assert_eq!(
        ok(desk(db, &["loans"])).0,
        "l1 b1 (Frankenstein) to m1 until 2021-04-01\nl2 b2 (The Odyssey) to m2 until 2021-04-02\n"
    );
    ok(desk(db, &["return", "l1", "2021-04-03"]));
    ok(desk(db, &["lost", "l2"]));
    assert_eq!(ok(desk(db, &["loans"])).0, "l1 b1 (Frankenstein) to m1 returned 2021-04-03\nl2 b2 (The Odyssey) to m2 lost\n");
    let missing = desk(db, &["lend", "b9", "m1", "2021-04-01"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no book `b9`"));
}

#[test]
fn the_desk_on_redb() {
    let dir = tempfile::tempdir().unwrap();
    lending(&format!("redb:{}", dir.path().join("library.redb").display()));
}

#[test]
fn the_desk_on_redis_and_four_desks_starting_at_once() {
    let Some(server) = RedisServer::start() else { return };
    lending(&server.url());
    let fresh = server.url().replace("/0", "/1");
    let desks: Vec<_> = (0..4)
        .map(|_| Command::new(env!("CARGO_BIN_EXE_library-app")).args(["--db", &fresh, "loans"]).stderr(std::process::Stdio::piped()).spawn().unwrap())
        .collect();
    let said: Vec<String> = desks.into_iter().map(|desk| ok(desk.wait_with_output().unwrap()).1).collect();
    assert_eq!(said.iter().filter(|s| s.starts_with("migrated the database")).count(), 1, "{said:?}");
}
