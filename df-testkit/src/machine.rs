//! What a measurement ran on, for the header of every report: numbers from shared
//! machines mean little without the machine, the date and the exact command.

use std::process::Command;

/// The machine, the toolchain, Redis and the date, as Markdown lines.
pub fn header(command: &str) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| info.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| info.lines().find(|l| l.starts_with("MemTotal:")).map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0)))
        .map_or_else(|| "unknown".into(), |kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0));
    let kernel = output("uname", &["-r"]);
    let rustc = output("rustc", &["--version"]);
    let redis = output("redis-server", &["--version"]);
    let redis = redis.split_whitespace().find(|w| w.starts_with("v=")).map_or(redis.clone(), |v| format!("Redis {}", &v[2..]));
    format!(
        "- Machine: {cpu}, {cores} cores, {memory} RAM, Linux {kernel}\n- Toolchain: {rustc}; {redis}\n- Date: {}\n- Command: `{command}`\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    )
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("{program}: not found"))
}

/// This process's peak resident memory so far (`VmHWM`), in bytes.
pub fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<u64>().ok()))
        .map_or(0, |kib| kib * 1024)
}

/// The command line this process was started with, as the `cargo run` of its package
/// (`df-bench`, `df-faults`), for a report's header.
pub fn command_line() -> String {
    let mut args = std::env::args();
    let program = args.next().map(|path| std::path::Path::new(&path).file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or(path));
    let args: Vec<String> = args.collect();
    format!("cargo run --release -p {} -- {}", program.unwrap_or_default(), args.join(" "))
}
