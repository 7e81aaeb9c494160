//! Wall-clock and CPU time of a child process.
//!
//! Wall-clock time is what the requirement is about, but on a shared machine it also
//! counts the time the build waited for other work. The CPU time the build's processes
//! (cargo and rustc) used is far less sensitive to that, so it is reported beside it.

use std::time::{Duration, Instant};

/// How long a build took.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub wall: Duration,
    /// User and system time of the waited-for child processes and their descendants.
    pub cpu: Duration,
}

/// Runs `child` (which must wait for the processes it starts) and times it.
pub fn time<T>(child: impl FnOnce() -> T) -> (T, Timing) {
    let (cpu_before, start) = (children_cpu(), Instant::now());
    let result = child();
    let wall = start.elapsed();
    (result, Timing { wall, cpu: children_cpu().saturating_sub(cpu_before) })
}

/// `cutime + cstime` of this process: the CPU time of every child waited for so far,
/// which includes the children those children waited for. Zero where there is no `/proc`.
fn children_cpu() -> Duration {
    children_cpu_of(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default())
}

/// `cutime + cstime` of a `/proc/<pid>/stat` line.
fn children_cpu_of(stat: &str) -> Duration {
    // In clock ticks of USER_HZ, which Linux fixes at 100 for user space.
    const TICKS_PER_SECOND: u64 = 100;
    // The fields after the command name (which may contain spaces and parentheses) start
    // with field 3, `state`; `cutime` and `cstime` are fields 16 and 17.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks: u64 = [13, 14].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::children_cpu_of;
    use std::time::Duration;

    #[test]
    fn reads_cutime_and_cstime_after_the_command_name() {
        let stat = "4242 (df (bench) x) S 1 4242 4242 0 -1 4194304 900 8100 0 3 12 4 1234 56 20 0 1 0 77 0 0";
        assert_eq!(children_cpu_of(stat), Duration::from_millis(12_900));
        assert_eq!(children_cpu_of(""), Duration::ZERO);
    }
}
