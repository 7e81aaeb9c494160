//! The speed report: one Markdown table of times and ratios, and the targets
//! checked against them (met or missed, never hidden).

use super::{Measurement, StoreKind};
use std::fmt::Write;

const MB: f64 = 1_000_000.0;

/// The target upgrade/floor ratio of each store (issue 18 for Redis and redb, issue 17
/// for etcd).
fn ratio_target(store: StoreKind) -> f64 {
    match store {
        StoreKind::Redis => 1.5,
        StoreKind::Redb => 1.2,
        StoreKind::Etcd => 2.0,
    }
}

/// Peak resident memory of the upgrade, at most this many times the dataset's bytes.
const MEMORY_TARGET: f64 = 2.0;
/// `status`, as a process, in seconds.
const STATUS_TARGET: f64 = 1.0;
/// An upgrade with nothing pending (a process) and the start-up call (in process), in
/// seconds.
const CURRENT_TARGET: f64 = 0.05;
/// How many times faster than the Python peer the upgrade is to be.
const PEER_TARGET: f64 = 8.0;

pub fn markdown(measurements: &[Measurement]) -> String {
    let mut out = df_testkit::machine::header(&df_testkit::machine::command_line());
    out.push_str(
        "\n| store | objects | dataset MB | floor s (read + write) | baseline s | upgrade s: read / migrate / validate / commit = total | upgrade ÷ floor | objects/s | peak RSS MB (÷ dataset) | floor RSS MB | status ms before / after | nothing pending ms: upgrade / start-up |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut verdicts = String::new();
    let mut peers = String::new();
    for m in measurements {
        let u = &m.upgrade;
        let f = &m.floor.floor;
        let ratio = u.total / f.total();
        let memory = u.peak_rss as f64 / m.raw_bytes as f64;
        let store = format!("{:?}", m.store).to_lowercase();
        let _ = writeln!(
            out,
            "| {store} | {} | {:.1} | {:.2} ({:.2} + {:.2}) | {:.2} | {:.2} / {:.2} / {:.2} / {:.2} = {:.2} | {ratio:.2}× | {:.0} | {:.0} ({memory:.2}×) | {:.0} | {:.0} / {:.0} | {:.0} / {:.1} |",
            m.objects,
            m.raw_bytes as f64 / MB,
            f.total(),
            f.read,
            f.write,
            m.baseline,
            u.read,
            u.migrate,
            u.validate,
            u.commit,
            u.total,
            u.objects as f64 / u.total,
            u.peak_rss as f64 / MB,
            m.floor.peak_rss as f64 / MB,
            m.status_before * 1000.0,
            m.status_after * 1000.0,
            m.upgrade_current * 1000.0,
            m.startup * 1000.0,
        );
        let checks = [
            (format!("upgrade ≤ {}× floor", ratio_target(m.store)), ratio <= ratio_target(m.store)),
            (format!("peak memory ≤ {MEMORY_TARGET}× dataset"), memory <= MEMORY_TARGET),
            (format!("status < {STATUS_TARGET} s"), m.status_before.max(m.status_after) < STATUS_TARGET),
            (format!("nothing pending < {} ms", CURRENT_TARGET * 1000.0), m.upgrade_current.max(m.startup) < CURRENT_TARGET),
        ];
        let peer = m.python.as_ref().map(|peer| {
            let _ = writeln!(peers, "| {} | {:.2} | {:.2} | {:.1}× |", m.objects, peer.seconds, u.total, peer.seconds / u.total);
            (format!("≥ {PEER_TARGET}× faster than the Python peer"), peer.seconds / u.total >= PEER_TARGET)
        });
        let checks: Vec<(String, bool)> = checks.into_iter().chain(peer).collect();
        let line: Vec<String> = checks.iter().map(|(what, met)| format!("{what}: {}", if *met { "met" } else { "MISSED" })).collect();
        let _ = writeln!(verdicts, "- {store}, {} objects: {}", m.objects, line.join("; "));
    }
    if !peers.is_empty() {
        out.push_str("\nThe Python peer on Redis (`df-bench/python/peer.py`: redis-py, the same upgrade, checked to leave the same objects):\n\n| objects | peer s | upgrade s | peer ÷ upgrade |\n|---:|---:|---:|---:|\n");
        out.push_str(&peers);
    }
    out.push_str("\nTargets:\n");
    out.push_str(&verdicts);
    out
}
