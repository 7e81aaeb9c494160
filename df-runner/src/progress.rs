//! Progress on stderr while an upgrade reads, migrates, validates and commits: a spinner
//! per phase with counts (indicatif hides it when stderr is not a terminal).

use df_migrations::{Event, Phase};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

pub struct Progress {
    bar: Option<ProgressBar>,
    verbose: bool,
}

impl Progress {
    pub fn new(quiet: bool, verbose: bool) -> Progress {
        let bar = (!quiet).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(ProgressStyle::with_template("{spinner} {prefix:>9} {msg} ({elapsed})").expect("a valid template"));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar, verbose }
    }

    pub fn event(&mut self, event: Event) {
        let Some(bar) = &self.bar else { return };
        match event {
            Event::Phase(phase) => {
                let name = match phase {
                    Phase::Read => "reading",
                    Phase::Migrate => "migrating",
                    Phase::Validate => "checking",
                    Phase::Commit => "committing",
                };
                bar.set_prefix(name);
                bar.set_message("");
            }
            Event::Read(n) if n % 1000 == 0 => bar.set_message(format!("{n} keys")),
            Event::Validated(n) if n % 1000 == 0 => bar.set_message(format!("{n} objects")),
            Event::Step(step) => {
                if self.verbose {
                    bar.println(format!("  step {} ({})", step.id, step.description));
                }
                bar.set_message(step.id.clone());
            }
            _ => {}
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
