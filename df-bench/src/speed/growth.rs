//! How the upgrade's cost grows with the data: per store, time and peak memory per object
//! at each size, and the exponent of each against the size before (1.0: growing as the
//! data does, so that the cost per object stays flat; more: faster than the data).

use super::{Measurement, StoreKind};
use std::fmt::Write;

/// The growth table, for every store measured at more than one size; empty otherwise.
pub fn markdown(measurements: &[Measurement]) -> String {
    let mut out = String::new();
    let mut stores: Vec<StoreKind> = Vec::new();
    for m in measurements {
        if !stores.contains(&m.store) {
            stores.push(m.store);
        }
    }
    for store in stores {
        let mut sizes: Vec<&Measurement> = measurements.iter().filter(|m| m.store == store).collect();
        if sizes.len() < 2 {
            continue;
        }
        sizes.sort_by_key(|m| m.objects);
        if out.is_empty() {
            out.push_str("\nGrowth: the upgrade's time and peak memory per object, and each one's exponent against the size before (1.00: flat per object):\n\n| store | objects | µs per object | exponent | peak RSS bytes per object | exponent |\n|---|---:|---:|---:|---:|---:|\n");
        }
        let mut before: Option<&Measurement> = None;
        for m in sizes {
            let n = m.objects as f64;
            let (time, memory) = (m.upgrade.total, m.upgrade.peak_rss as f64);
            let (time_exp, memory_exp) = match before {
                Some(b) => {
                    let then = b.objects as f64;
                    (format!("{:.2}", exponent(time, b.upgrade.total, n, then)), format!("{:.2}", exponent(memory, b.upgrade.peak_rss as f64, n, then)))
                }
                None => (String::new(), String::new()),
            };
            let name = format!("{store:?}").to_lowercase();
            let _ = writeln!(out, "| {name} | {} | {:.1} | {time_exp} | {:.0} | {memory_exp} |", m.objects, time / n * 1e6, memory / n);
            before = Some(m);
        }
    }
    out
}

/// The exponent `e` of a cost that went from `then` at `n_then` objects to `now` at `n`:
/// `now / then = (n / n_then)^e`.
fn exponent(now: f64, then: f64, n: f64, n_then: f64) -> f64 {
    (now / then).ln() / (n / n_then).ln()
}

#[cfg(test)]
mod tests {
    use super::exponent;

    #[test]
    fn a_cost_that_grows_as_the_data_has_exponent_one() {
        assert!((exponent(20.0, 2.0, 1_000_000.0, 100_000.0) - 1.0).abs() < 1e-9);
        assert!((exponent(2.0, 2.0, 1_000_000.0, 100_000.0)).abs() < 1e-9, "a fixed cost");
        assert!((exponent(200.0, 2.0, 1_000_000.0, 100_000.0) - 2.0).abs() < 1e-9, "quadratic");
    }
}
