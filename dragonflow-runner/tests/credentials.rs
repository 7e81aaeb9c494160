//! A password in a database URL never reaches the output: every error path that prints a
//! URL (an unreachable server, a URL that does not parse, an unknown scheme, a cluster none
//! of whose nodes answers), in text and under `--format json`, and `--help` with the URL in
//! `DF_DB_URL`.

use assert_cmd::Command;
use df_testkit::redis_server::free_port;

const SECRET: &str = "hunter2-s3cret";

fn output(url: &str, args: &[&str]) -> String {
    let assert = Command::cargo_bin("dragonflow-runner").unwrap().env_remove("DF_DB_URL").args(["--db", url]).args(args).assert();
    let output = assert.get_output();
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn no_error_shows_the_password_of_a_url() {
    let port = free_port();
    let urls = [
        (format!("redis://admin:{SECRET}@127.0.0.1:{port}/0"), format!("127.0.0.1:{port}")),
        (format!("redis://:{SECRET}@127.0.0.1:{port}/3"), format!("127.0.0.1:{port}")),
        (format!("rediss://admin:{SECRET}@127.0.0.1:{port}/0"), format!("127.0.0.1:{port}")),
        (format!("redis://admin:{SECRET}@127.0.0.1:notaport/0"), "not a Redis URL".to_owned()),
        (format!("redis+cluster://admin:{SECRET}@127.0.0.1:{port},:{SECRET}@127.0.0.1:{}", free_port()), "no usable node".to_owned()),
        (format!("postgres://admin:{SECRET}@db.example/nb"), "unknown scheme `postgres://`".to_owned()),
        (format!("etcd://admin:{SECRET}@127.0.0.1:{port}"), format!("etcd://127.0.0.1:{port}: ")),
        (format!("etcd://admin:{SECRET}@127.0.0.1:{port}?depth=1"), "unknown etcd option".to_owned()),
    ];
    for (url, expected) in &urls {
        for args in [&["status"][..], &["upgrade"], &["--format", "json", "plan"], &["lease"], &["init"]] {
            let printed = output(url, args);
            assert!(printed.contains(expected.as_str()), "{url} {args:?}: {printed}");
            assert!(!printed.contains(SECRET), "{url} {args:?} printed the password: {printed}");
        }
    }
}

#[test]
fn help_does_not_show_the_url_from_the_environment() {
    let url = format!("redis://admin:{SECRET}@10.0.0.1:6379/0");
    let assert = Command::cargo_bin("dragonflow-runner").unwrap().env("DF_DB_URL", &url).arg("--help").assert().success();
    let help = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(help.contains("DF_DB_URL"), "{help}");
    assert!(!help.contains(SECRET), "{help}");
}
