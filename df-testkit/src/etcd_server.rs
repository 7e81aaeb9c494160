//! Private etcd members for tests: each a one-member cluster on free loopback ports (the
//! client's, and the peers' 10000 above it), in its own temporary directory, killed when
//! dropped. Its heartbeat is fast, so that leases as short as the tests' are honored.
//!
//! If `etcd` is not on PATH, `start` prints a loud skip message and returns `None`, unless
//! the environment variable `CI` is set, in which case it panics.

use crate::redis_server::free_port;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = "etcd";
/// How long a member may take to report itself healthy.
const STARTUP: Duration = Duration::from_secs(30);

/// Whether tests can start etcd; see the module documentation.
pub fn etcd_available() -> bool {
    crate::servers::available(SERVER, "the etcd store", "etcd (e.g. `apt-get install etcd-server`)")
}

/// One private etcd member.
pub struct EtcdServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl EtcdServer {
    /// A one-member cluster with etcd's defaults and `extra` flags
    /// (`--max-txn-ops=1024`, …), or `None` if etcd is not installed.
    pub fn start(extra: &[&str]) -> Option<EtcdServer> {
        etcd_available().then(|| EtcdServer::spawn(extra))
    }

    fn spawn(extra: &[&str]) -> EtcdServer {
        for _ in 0..5 {
            let port = free_port();
            let mut server = EtcdServer::member("member", port, &format!("member=http://127.0.0.1:{}", port + 10000), extra);
            if server.wait_healthy() {
                return server;
            }
            // Another process took a port first; try others.
            let _ = server.child.kill();
        }
        panic!("etcd did not start on a free port");
    }

    /// Starts member `name` on `port` (its peers' port 10000 above) of the cluster
    /// `initial` (`name=peer-url,…`), without waiting for it.
    fn member(name: &str, port: u16, initial: &str, extra: &[&str]) -> EtcdServer {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let client = format!("http://127.0.0.1:{port}");
        let peer = format!("http://127.0.0.1:{}", port + 10000);
        let log = std::fs::File::create(dir.path().join("etcd.log")).expect("a log file");
        let child = Command::new(SERVER)
            .args(["--name", name, "--data-dir"])
            .arg(dir.path().join("data"))
            .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer, "--initial-advertise-peer-urls", &peer])
            // One token per cluster, so that members of two tests' clusters never join.
            .args(["--initial-cluster", initial, "--initial-cluster-token", &format!("df-{:x}", initial_token(initial)), "--log-level", "error"])
            // etcd's shortest lease is 1.5 election timeouts (1.5 s by default); a fast
            // heartbeat lets the tests' leases of a second or two be what they ask.
            .args(["--heartbeat-interval", "10", "--election-timeout", "100"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("etcd starts");
        EtcdServer { child, port, dir }
    }

    /// Kills the member (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_healthy(&mut self) -> bool {
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if self.healthy() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Whether the member answers `/health` with health true.
    fn healthy(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_millis(200)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        if stream.write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
            return false;
        }
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        reply.contains("\"health\":\"true\"")
    }

    /// `127.0.0.1:port` of its clients' endpoint.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The store URL of this member, with `query` (`prefix=…`, …) if not empty.
    pub fn url(&self, query: &str) -> String {
        if query.is_empty() {
            format!("etcd://{}", self.address())
        } else {
            format!("etcd://{}?{query}", self.address())
        }
    }

    /// POSTs `body` to the gateway's `path` (`/v3/kv/range`, …) and returns the reply.
    pub fn post(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let body = body.to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("the member answers");
        write!(stream, "POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).expect("a request");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("a reply");
        let (_, json) = reply.split_once("\r\n\r\n").expect("an HTTP reply");
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{path}: {e}: {json}"))
    }

    /// Every key, sorted, with its value.
    pub fn dump(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        let reply = self.post("/v3/kv/range", &serde_json::json!({ "key": BASE64.encode(b"\0"), "range_end": BASE64.encode(b"\0") }));
        let field = |kv: &serde_json::Value, name: &str| BASE64.decode(kv[name].as_str().unwrap_or_default()).expect("base64");
        reply["kvs"].as_array().map_or(&[][..], Vec::as_slice).iter().map(|kv| (String::from_utf8_lossy(&field(kv, "key")).into_owned(), field(kv, "value"))).collect()
    }

    /// How many keys it holds.
    pub fn count(&self) -> usize {
        let reply = self.post("/v3/kv/range", &serde_json::json!({ "key": BASE64.encode(b"\0"), "range_end": BASE64.encode(b"\0"), "count_only": true }));
        reply["count"].as_str().and_then(|count| count.parse().ok()).unwrap_or(0)
    }

    /// The value of `key`, if it exists.
    pub fn value(&self, key: &str) -> Option<Vec<u8>> {
        let reply = self.post("/v3/kv/range", &serde_json::json!({ "key": BASE64.encode(key) }));
        let value = reply["kvs"].as_array()?.first()?["value"].as_str().unwrap_or_default().to_owned();
        Some(BASE64.decode(value).expect("etcd sends values in base64"))
    }

    /// Deletes `key`.
    pub fn delete(&self, key: &str) {
        self.post("/v3/kv/deleterange", &serde_json::json!({ "key": BASE64.encode(key) }));
    }

    /// Deletes every key.
    pub fn clear(&self) {
        self.post("/v3/kv/deleterange", &serde_json::json!({ "key": BASE64.encode(b"\0"), "range_end": BASE64.encode(b"\0") }));
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default()
    }
}

/// A token naming the cluster whose members are `initial`.
fn initial_token(initial: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    initial.hash(&mut hasher);
    hasher.finish()
}

/// A private cluster of etcd members on loopback.
pub struct EtcdCluster {
    members: Vec<EtcdServer>,
}

impl EtcdCluster {
    /// `count` members that report themselves healthy, or `None` if etcd is not installed.
    pub fn start(count: usize) -> Option<EtcdCluster> {
        if !etcd_available() {
            return None;
        }
        let ports: Vec<u16> = (0..count).map(|_| free_port()).collect();
        let initial: Vec<String> = ports.iter().enumerate().map(|(i, port)| format!("m{i}=http://127.0.0.1:{}", port + 10000)).collect();
        let initial = initial.join(",");
        let mut members: Vec<EtcdServer> = ports.iter().enumerate().map(|(i, &port)| EtcdServer::member(&format!("m{i}"), port, &initial, &[])).collect();
        for member in &mut members {
            assert!(member.wait_healthy(), "an etcd member did not become healthy:\n{}", member.log());
        }
        Some(EtcdCluster { members })
    }

    /// `127.0.0.1:port` of every member's clients' endpoint.
    pub fn addresses(&self) -> Vec<String> {
        self.members.iter().map(EtcdServer::address).collect()
    }

    /// The members, in the order of [`EtcdCluster::addresses`].
    pub fn members(&mut self) -> &mut [EtcdServer] {
        &mut self.members
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
