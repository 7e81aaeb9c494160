//! Progress on stderr while a command reads, migrates, checks, writes its image and
//! commits: one bar, named for what is being done, with a count and a rate, and a total
//! and an estimate of the time left where the total is known (indicatif hides it when
//! stderr is not a terminal; the logs say the same there).

use df_migrations::{Event, Phase};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// While the total is unknown: how many so far, and how fast.
const COUNTING: &str = "{spinner} {prefix:<28} {human_pos:>9} {msg} ({per_sec}, {elapsed})";
/// With a total: how far along, how fast, and how long yet.
const BAR: &str = "{spinner} {prefix:<28} [{bar:30}] {human_pos:>9}/{human_len} {msg} ({per_sec}, {eta} left)";

pub struct Progress {
    bar: Option<ProgressBar>,
    verbose: bool,
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("a valid template").progress_chars("=> ")
}

impl Progress {
    pub fn new(quiet: bool, verbose: bool) -> Progress {
        let bar = (!quiet).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(style(COUNTING));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar, verbose }
    }

    /// Starts counting `what` under the name `phase`, up to `total` if known.
    fn begin(bar: &ProgressBar, phase: &str, what: &str, total: Option<usize>) {
        bar.set_prefix(phase.to_owned());
        bar.set_message(what.to_owned());
        bar.set_position(0);
        bar.reset_eta();
        match total {
            Some(total) => {
                bar.set_length(total as u64);
                bar.set_style(style(BAR));
            }
            None => {
                bar.unset_length();
                bar.set_style(style(COUNTING));
            }
        }
    }

    pub fn event(&mut self, event: Event) {
        let Some(bar) = &self.bar else { return };
        match event {
            Event::Phase(phase) => {
                let (name, what) = match phase {
                    Phase::Read => ("reading the database", "keys"),
                    Phase::Migrate => ("migrating in memory", "steps"),
                    Phase::Validate => ("checking every object", "objects"),
                    Phase::Commit => ("committing", "keys"),
                };
                Self::begin(bar, name, what, None);
            }
            Event::Read(n) => bar.set_position(n as u64),
            Event::Validated { done, total } => {
                if bar.length() != Some(total as u64) {
                    Self::begin(bar, "checking every object", "objects", Some(total));
                }
                bar.set_position(done as u64);
            }
            Event::Imaged { done, total } => {
                if bar.length() != Some(total as u64) {
                    Self::begin(bar, "writing the rollback image", "keys", Some(total));
                }
                bar.set_position(done as u64);
            }
            Event::Step(step) => {
                if self.verbose {
                    bar.println(format!("  step {} ({})", step.id, step.description));
                }
                bar.inc(1);
                bar.set_message(format!("steps, now {}", step.id));
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_is_named_and_known_totals_give_a_bar() {
        let bar = ProgressBar::hidden();
        let mut progress = Progress { bar: Some(bar.clone()), verbose: false };
        progress.event(Event::Phase(Phase::Read));
        progress.event(Event::Read(1200));
        assert_eq!((bar.prefix(), bar.position(), bar.length()), ("reading the database".to_owned(), 1200, None));
        progress.event(Event::Imaged { done: 4096, total: 10_000 });
        assert_eq!((bar.prefix(), bar.position(), bar.length()), ("writing the rollback image".to_owned(), 4096, Some(10_000)));
        progress.event(Event::Phase(Phase::Validate));
        progress.event(Event::Validated { done: 500, total: 900 });
        assert_eq!((bar.prefix(), bar.position(), bar.length()), ("checking every object".to_owned(), 500, Some(900)));
        progress.event(Event::Phase(Phase::Commit));
        assert_eq!((bar.prefix(), bar.length()), ("committing".to_owned(), None));
    }
}
