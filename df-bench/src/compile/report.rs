//! The Markdown section for `BENCHMARKS.md` and the raw numbers for `--json`.

use super::measure::Samples;
use super::timing::Timing;
use df_testkit::machine;
use serde_json::json;
use std::time::Duration;

/// What was measured on what, besides the times.
pub struct Setup {
    pub models: usize,
    pub runs: usize,
    pub plain_lines: usize,
    pub modelled_lines: usize,
    pub lock_lines: usize,
}

pub fn markdown(setup: &Setup, samples: &[Samples]) -> String {
    let mut out = format!("### Compile time: {} `#[df_model]` models against plain serde derives\n\n", setup.models);
    out.push_str(&machine::header(&machine::command_line()));
    out.push_str(&format!(
        "\nThe same {} generated structs (5 to 15 fields, {} embedded structs), once with \
         `#[derive(Serialize, Deserialize)]` (`plain`: {} lines) and once with `#[df_model]` and \
         `#[df_embedded]` (`modelled`: {} lines and a {}-line `df-schema.lock`, recorded once \
         beforehand with `DF_SCHEMA_BLESS=1 cargo build`). Each is built on its own, dev profile, its \
         dependencies already built; {} runs per crate, alternating which crate goes first. Times are \
         wall-clock time of `cargo` (median, min in brackets) and the CPU time (user and system) of \
         cargo and rustc (median). Other work on the machine makes single runs noisy: compare the \
         medians. CPU time leaves out the time a build waited for other work, but sharing the cores \
         still slows it.\n\n",
        setup.models, super::generate::EMBEDDED_STRUCTS, setup.plain_lines, setup.modelled_lines, setup.lock_lines, setup.runs
    ));
    out.push_str(
        "| build | plain: median (min) | `#[df_model]`: median (min) | ratio of medians | plain CPU | `#[df_model]` CPU | CPU ratio |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for s in samples {
        let [plain, modelled] = [&s.plain, &s.modelled].map(|t| t.iter().map(|t| t.wall).collect::<Vec<_>>());
        let [plain_cpu, modelled_cpu] = [&s.plain, &s.modelled].map(|t| median(&t.iter().map(|t| t.cpu).collect::<Vec<_>>()));
        out.push_str(&format!(
            "| {} | {} ({}) | {} ({}) | {:.2}× | {} | {} | {:.2}× |\n",
            s.measurement.label(),
            seconds(median(&plain)),
            seconds(min(&plain)),
            seconds(median(&modelled)),
            seconds(min(&modelled)),
            ratio(median(&modelled), median(&plain)),
            seconds(plain_cpu),
            seconds(modelled_cpu),
            ratio(modelled_cpu, plain_cpu),
        ));
    }
    out
}

pub fn json(setup: &Setup, samples: &[Samples]) -> serde_json::Value {
    let secs = |times: &[Timing], of: fn(&Timing) -> Duration| times.iter().map(|t| of(t).as_secs_f64()).collect::<Vec<_>>();
    let measurements: serde_json::Map<String, serde_json::Value> = samples
        .iter()
        .map(|s| {
            let value = json!({
                "plain_wall_seconds": secs(&s.plain, |t| t.wall),
                "modelled_wall_seconds": secs(&s.modelled, |t| t.wall),
                "plain_cpu_seconds": secs(&s.plain, |t| t.cpu),
                "modelled_cpu_seconds": secs(&s.modelled, |t| t.cpu),
            });
            (s.measurement.key().to_owned(), value)
        })
        .collect();
    json!({
        "command": machine::command_line(),
        "models": setup.models,
        "runs": setup.runs,
        "lines": {"plain": setup.plain_lines, "modelled": setup.modelled_lines, "schema_lock": setup.lock_lines},
        "measurements": measurements,
    })
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn seconds(time: Duration) -> String {
    format!("{:.2} s", time.as_secs_f64())
}

/// The median; of an even count, the mean of the middle two.
fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

fn min(times: &[Duration]) -> Duration {
    times.iter().copied().min().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::median;
    use std::time::Duration;

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = |v: &[u64]| v.iter().map(|&m| Duration::from_millis(m)).collect::<Vec<_>>();
        assert_eq!(median(&ms(&[30, 10, 20])), Duration::from_millis(20));
        assert_eq!(median(&ms(&[40, 10, 20, 30])), Duration::from_millis(25));
    }
}
