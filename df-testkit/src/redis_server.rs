//! Private Redis servers for tests: each on a free loopback port, in its own temporary
//! directory, killed when dropped. Never the shared instance on 6379. Without persistence,
//! unless started with [`RedisServer::start_persistent`]: then it keeps an append-only
//! file, and [`RedisServer::kill`] and [`RedisServer::restart`] crash it and bring it back
//! on the same port and directory, loading that file.
//!
//! If `redis-server` is not on PATH, `start` prints a loud skip message and returns `None`,
//! unless the environment variable `CI` is set, in which case it panics.

use crate::states::Dump;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SERVER: &str = "redis-server";
/// How long a server may take to answer PING, and a cluster to reach `cluster_state:ok`.
const STARTUP: Duration = Duration::from_secs(30);

/// Whether tests can start servers; see the module documentation.
pub fn redis_available() -> bool {
    crate::servers::available(SERVER, "the Redis store", "Redis (e.g. `apt-get install redis-server`)")
}

/// One private `redis-server`.
pub struct RedisServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    /// The arguments beyond port, directory and log, to restart it the same way.
    extra: Vec<String>,
}

impl RedisServer {
    /// A standalone server, or `None` if Redis is not installed (see the module docs).
    pub fn start() -> Option<RedisServer> {
        redis_available().then(|| RedisServer::spawn(&[]))
    }

    /// A standalone server that logs every write to its append-only file, fsynced as
    /// `appendfsync` says (`always`, `everysec` or `no`), and that can be killed and
    /// restarted; `None` if Redis is not installed (see the module docs).
    pub fn start_persistent(appendfsync: &str) -> Option<RedisServer> {
        redis_available().then(|| RedisServer::spawn(&["--appendonly", "yes", "--appendfsync", appendfsync]))
    }

    /// A server with `extra` arguments; panics (with its log) if it does not come up.
    fn spawn(extra: &[&str]) -> RedisServer {
        let extra: Vec<String> = extra.iter().map(|a| (*a).to_owned()).collect();
        let mut last_log = String::new();
        // A port found free may be taken before the server binds it: try a few.
        for _ in 0..5 {
            let port = free_port();
            let dir = tempfile::Builder::new().prefix("df-redis-test-").tempdir().expect("a temporary directory");
            let child = launch(port, dir.path(), &extra);
            let mut server = RedisServer { child, port, dir, extra: extra.clone() };
            if server.wait_ready() {
                return server;
            }
            last_log = server.log();
        }
        panic!("{SERVER} did not start; its last log:\n{last_log}");
    }

    /// Kills the server with SIGKILL: it writes nothing more. What it had written to its
    /// append-only file survives, synced or not (the kernel keeps it): Redis writes a
    /// command there before it replies, so every acknowledged write survives the kill.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again after [`RedisServer::kill`], on the same port and
    /// directory with the same arguments, so that it loads its append-only file. Panics
    /// (with its log) if it does not come up, e.g. because the port was taken meanwhile.
    pub fn restart(&mut self) {
        self.kill();
        self.child = launch(self.port, self.dir.path(), &self.extra);
        assert!(!(!self.wait_ready() || !self.wait_loaded()), "{SERVER} did not restart on port {}; its log:\n{}", self.port, self.log());
    }

    /// Whether the server finished loading its append-only file (until then it answers
    /// every command but a few with `LOADING`).
    fn wait_loaded(&self) -> bool {
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            if self.connection_or_error().and_then(|mut c| redis::cmd("PING").query::<()>(&mut c)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if self.answers() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Whether the server on our port answers and is our child (not another test's
    /// server that took the port first).
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_millis(200)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut reply = Vec::new();
        let mut chunk = [0u8; 4096];
        if stream.write_all(b"INFO server\r\n").is_err() {
            return false;
        }
        // `$<length>\r\n<text>\r\n`; the text has a `process_id:<pid>` line.
        while let Ok(n @ 1..) = stream.read(&mut chunk) {
            reply.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&reply);
            let pid = text.split_once("process_id:").and_then(|(_, rest)| rest.split_once("\r\n"));
            if let Some((pid, _)) = pid {
                return pid == self.child.id().to_string();
            }
        }
        false
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `redis://127.0.0.1:port/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// A plain connection, for a test to look behind the store.
    pub fn connection(&self) -> redis::Connection {
        self.connection_or_error().unwrap_or_else(|e| panic!("{}: {e}", self.address()))
    }

    /// Runs a command, panicking on error.
    pub fn command<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> T {
        cmd.query(&mut self.connection()).unwrap_or_else(|e| panic!("{}: {e}", self.address()))
    }

    /// The number of keys this server holds.
    pub fn key_count(&self) -> usize {
        self.command(&redis::cmd("DBSIZE"))
    }

    /// Stops the server (SIGSTOP) without closing its connections: it accepts nothing
    /// and answers nothing until [`RedisServer::resume`] (dropping it kills it anyway).
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a server stopped by [`RedisServer::pause`] run again (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").arg(signal).arg(self.child.id().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill {signal} {}", self.child.id());
    }

    /// The server's log so far, for a failure message; if it cannot be read, a line
    /// saying why.
    pub fn log(&self) -> String {
        read_log(&self.dir.path().join("redis.log"))
    }

    /// Every key and value of database 0, read with `SCAN` and pipelined `GET`s: what the
    /// server holds, seen without the stores under test (the lease key included).
    pub fn dump(&self) -> redis::RedisResult<Dump> {
        let mut connection = self.connection_or_error()?;
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut cursor = 0u64;
        loop {
            let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN").arg(cursor).arg("COUNT").arg(1000).query(&mut connection)?;
            keys.extend(batch);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        // SCAN may return a key more than once.
        keys.sort();
        keys.dedup();
        let mut all = Dump::new();
        for chunk in keys.chunks(1000) {
            let mut pipe = redis::pipe();
            for key in chunk {
                pipe.cmd("GET").arg(key);
            }
            let values: Vec<Option<Vec<u8>>> = pipe.query(&mut connection)?;
            for (key, value) in chunk.iter().zip(values) {
                // A key that expired between SCAN and GET (the lease) is simply gone.
                if let Some(value) = value {
                    all.insert(String::from_utf8_lossy(key).into_owned(), value);
                }
            }
        }
        Ok(all)
    }

    /// Replaces everything the server holds by `entries`, with pipelined `SET`s.
    pub fn load<'a>(&self, entries: impl IntoIterator<Item = (&'a String, &'a Vec<u8>)>) -> redis::RedisResult<()> {
        let mut connection = self.connection_or_error()?;
        redis::cmd("FLUSHALL").query::<()>(&mut connection)?;
        let mut pipe = redis::pipe();
        let mut queued = 0;
        for (key, value) in entries {
            pipe.cmd("SET").arg(key).arg(value).ignore();
            queued += 1;
            if queued == 1000 {
                pipe.query::<()>(&mut connection)?;
                (pipe, queued) = (redis::pipe(), 0);
            }
        }
        // An empty pipeline is an error to the client.
        if queued > 0 {
            pipe.query::<()>(&mut connection)?;
        }
        Ok(())
    }

    /// A plain connection, or the error (for a caller that expects the server may be down).
    pub fn connection_or_error(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url())?.get_connection_with_timeout(Duration::from_secs(5))
    }
}

/// Whether a client of the server is queueing a transaction: `CLIENT LIST` shows how many
/// commands each has queued as `multi=N` (-1 outside a transaction). Tests pause or kill
/// a runner at that moment.
pub fn queueing(connection: &mut redis::Connection) -> redis::RedisResult<bool> {
    let clients: String = redis::cmd("CLIENT").arg("LIST").query(connection)?;
    Ok(clients.split_whitespace().filter_map(|field| field.strip_prefix("multi=")).any(|n| n.parse::<i64>().is_ok_and(|n| n > 0)))
}

/// Starts `redis-server` on `port` in `dir` (its working directory, log and persistence).
fn launch(port: u16, dir: &Path, extra: &[String]) -> Child {
    Command::new(SERVER)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--protected-mode", "no"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(dir.join("redis.log"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {SERVER}: {e}"))
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private Redis Cluster of masters without replicas, its slots split evenly.
pub struct RedisCluster {
    servers: Vec<RedisServer>,
}

impl RedisCluster {
    /// `masters` servers joined into a cluster that reports `cluster_state:ok`, or `None`
    /// if Redis is not installed (see the module docs).
    pub fn start(masters: usize) -> Option<RedisCluster> {
        const SLOTS: usize = 16384;
        if !redis_available() {
            return None;
        }
        let args = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"];
        let servers: Vec<RedisServer> = (0..masters).map(|_| RedisServer::spawn(&args)).collect();
        let cluster = RedisCluster { servers };
        for (i, server) in cluster.servers.iter().enumerate() {
            let _: () = server.command(redis::cmd("CLUSTER").arg("SET-CONFIG-EPOCH").arg(i + 1));
            let slots: Vec<usize> = (i * SLOTS / masters..(i + 1) * SLOTS / masters).collect();
            let _: () = server.command(redis::cmd("CLUSTER").arg("ADDSLOTS").arg(slots));
        }
        for server in &cluster.servers[1..] {
            let _: () = cluster.servers[0].command(redis::cmd("CLUSTER").arg("MEET").arg("127.0.0.1").arg(server.port()));
        }
        cluster.wait_ok();
        Some(cluster)
    }

    fn wait_ok(&self) {
        let deadline = Instant::now() + STARTUP;
        let expected = [
            "cluster_state:ok".to_owned(),
            "cluster_slots_assigned:16384".to_owned(),
            format!("cluster_known_nodes:{}", self.servers.len()),
        ];
        loop {
            let infos: Vec<String> = self.servers.iter().map(|s| s.command(redis::cmd("CLUSTER").arg("INFO"))).collect();
            if infos.iter().all(|info| expected.iter().all(|line| info.lines().any(|l| l.trim() == line))) {
                return;
            }
            if Instant::now() > deadline {
                let logs: Vec<String> = self.servers.iter().map(|s| format!("--- {}\n{}", s.address(), s.log())).collect();
                panic!("the cluster did not reach cluster_state:ok:\n{}\n{}", infos.join("\n"), logs.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `127.0.0.1:port` of every master.
    pub fn nodes(&self) -> Vec<String> {
        self.servers.iter().map(RedisServer::address).collect()
    }

    /// Every master, in the order of their slots.
    pub fn servers(&self) -> &[RedisServer] {
        &self.servers
    }
}

/// A port free on 127.0.0.1 whose cluster bus port (+10000) is free too.
pub fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos()) ^ std::process::id();
    for _ in 0..1000 {
        let n = u32::from(NEXT.fetch_add(1, Ordering::Relaxed));
        let port = 20000 + ((seed.wrapping_add(n.wrapping_mul(7919))) % 30000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() && TcpListener::bind(("127.0.0.1", port + 10000)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair on 127.0.0.1");
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log: {e})"))
}
