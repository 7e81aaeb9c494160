//! The audit trail's policy, in pure functions tested without a store: which images an
//! upgrade keeps and which it prunes, and which upgrades a rollback undoes (see
//! [`Run`](crate::records::Run)).

use crate::records::{self, Action, RolledBack, Run};
use crate::snapshot::Original;
use crate::store::Op;
use std::collections::BTreeSet;

/// How many upgrades keep their images by default: the last two, so that the last
/// upgrade can be rolled back and then the one before it, at the cost of two copies of
/// the data.
pub const DEFAULT_KEPT_IMAGES: usize = 2;

/// The upgrades a rollback can undo, newest first: those not rolled back.
fn undoable(runs: &[Run]) -> impl Iterator<Item = &Run> {
    runs.iter().rev().filter(|run| run.action == Action::Upgrade && run.rolled_back.is_none())
}

/// The runs among `runs` whose images go when only the newest `keep` upgrades' images are
/// kept, each as it is recorded afterwards (without its image).
pub fn pruned(runs: &[Run], keep: usize) -> Vec<Run> {
    undoable(runs)
        .filter(|run| run.image.is_some())
        .skip(keep)
        .map(|run| Run { image: None, ..run.clone() })
        .collect()
}

/// The writes that record `changed` runs (new ones and updated ones) over the runs of
/// `original`, and delete every image chunk that no run keeps afterwards (pruned images,
/// and images that no commit named) and a record from before runs existed.
pub fn record(original: &Original, changed: &[Run]) -> Vec<Op> {
    let changed_seqs: BTreeSet<u64> = changed.iter().map(|run| run.seq).collect();
    let after = original.runs.iter().filter(|run| !changed_seqs.contains(&run.seq)).chain(changed);
    let kept: BTreeSet<&str> = after.clone().filter_map(|run| run.image.as_ref()).map(|image| image.tag.as_str()).collect();
    let mut ops: Vec<Op> = original.images.iter().filter(|(_, tag)| !kept.contains(tag.as_str())).map(|(key, _)| Op::Delete(key.clone())).collect();
    if original.legacy_backup {
        // The run read from the old record becomes a run record of its own.
        ops.push(Op::Delete(records::backup_key().encode()));
        ops.extend(after.filter(|run| run.seq == 0 && !changed_seqs.contains(&0)).map(Run::op));
    }
    ops.extend(changed.iter().map(Run::op));
    ops
}

/// Why a rollback cannot go back to where it was asked to.
#[derive(Debug, Clone, PartialEq)]
pub enum Unreachable<'r> {
    /// No upgrade is left to roll back (none ran, or all were rolled back).
    NothingToUndo,
    /// The database is at the release asked for, or older.
    AlreadyThere,
    /// One upgrade applied steps of the release asked for and of later ones: its image is
    /// the state before all of them.
    Straddles {
        /// The upgrade.
        run: &'r Run,
    },
    /// An upgrade that must be undone no longer has its image.
    Pruned {
        /// The upgrade.
        run: &'r Run,
    },
}

/// The upgrades to undo, newest first, to go back to the state before the last upgrade
/// (`to` is `None`) or to release `to`: every upgrade since the last one that applied no
/// step of a later release (`after(release, to)` says whether a release is later). The
/// oldest one's image is the state restored; each must still have its image.
pub fn to_undo<'r>(runs: &'r [Run], to: Option<&str>, after: impl Fn(&str, &str) -> bool) -> Result<Vec<&'r Run>, Unreachable<'r>> {
    let mut undo = Vec::new();
    for run in undoable(runs) {
        let Some(to) = to else {
            undo.push(run);
            break;
        };
        let later = run.releases.iter().filter(|release| after(release, to)).count();
        if later == 0 && !run.releases.is_empty() {
            break;
        }
        if later < run.releases.len() {
            return Err(Unreachable::Straddles { run });
        }
        undo.push(run);
    }
    if undo.is_empty() {
        return Err(if to.is_some() && undoable(runs).next().is_some() { Unreachable::AlreadyThere } else { Unreachable::NothingToUndo });
    }
    match undo.iter().find(|run| run.image.is_none()) {
        Some(run) => Err(Unreachable::Pruned { run }),
        None => Ok(undo),
    }
}

/// `undone` as recorded once rollback `by` (started `at`) undid them, images deleted.
pub fn rolled_back(undone: &[&Run], by: u64, at: &str) -> Vec<Run> {
    undone.iter().map(|run| Run { image: None, rolled_back: Some(RolledBack { by, at: at.to_owned() }), ..(*run).clone() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::ImageRef;

    fn upgrade(seq: u64, releases: &[&str]) -> Run {
        let image = ImageRef { tag: format!("t{seq}"), chunks: 1, entries: 1, bytes: 10 };
        Run { seq, action: Action::Upgrade, releases: releases.iter().map(|r| (*r).to_owned()).collect(), image: Some(image), ..Run::default() }
    }

    fn later(a: &str, b: &str) -> bool {
        a > b
    }

    fn seqs(runs: &[&Run]) -> Vec<u64> {
        runs.iter().map(|run| run.seq).collect()
    }

    #[test]
    fn the_newest_upgrades_keep_their_images() {
        let runs = [upgrade(1, &["3.0"]), upgrade(2, &["4.0"]), Run { seq: 3, action: Action::Baseline, ..Run::default() }, upgrade(4, &["5.0"])];
        let pruned = pruned(&runs, 2);
        assert_eq!(pruned.iter().map(|r| (r.seq, r.image.is_none())).collect::<Vec<_>>(), [(1, true)]);
        assert!(super::pruned(&runs, 3).is_empty());
        assert_eq!(super::pruned(&runs, 0).len(), 3);
    }

    #[test]
    fn a_rolled_back_upgrade_neither_counts_nor_is_undone_again() {
        let mut runs = vec![upgrade(1, &["3.0"]), upgrade(2, &["4.0"])];
        runs[1].rolled_back = Some(RolledBack { by: 3, at: String::new() });
        runs[1].image = None;
        runs.push(Run { seq: 3, action: Action::Rollback, undid: vec![2], ..Run::default() });
        assert_eq!(seqs(&to_undo(&runs, None, later).unwrap()), [1]);
        assert!(pruned(&runs, 1).is_empty());
    }

    #[test]
    fn a_rollback_to_a_release_undoes_every_upgrade_after_it() {
        let runs = [upgrade(1, &["3.0"]), upgrade(2, &["4.0"]), upgrade(3, &["5.0"])];
        assert_eq!(seqs(&to_undo(&runs, Some("3.0"), later).unwrap()), [3, 2]);
        assert_eq!(seqs(&to_undo(&runs, Some("2.0"), later).unwrap()), [3, 2, 1]);
        assert_eq!(seqs(&to_undo(&runs, None, later).unwrap()), [3]);
        assert_eq!(to_undo(&runs, Some("5.0"), later), Err(Unreachable::AlreadyThere));
        assert_eq!(to_undo(&[], Some("5.0"), later), Err(Unreachable::NothingToUndo));
    }

    #[test]
    fn an_acceptance_only_upgrade_is_undone_on_the_way() {
        let runs = [upgrade(1, &["3.0"]), upgrade(2, &[]), upgrade(3, &["4.0"])];
        assert_eq!(seqs(&to_undo(&runs, Some("3.0"), later).unwrap()), [3, 2]);
    }

    #[test]
    fn an_upgrade_across_the_release_or_without_its_image_is_refused() {
        let runs = [upgrade(1, &["3.0", "4.0", "5.0"])];
        assert_eq!(to_undo(&runs, Some("4.0"), later), Err(Unreachable::Straddles { run: &runs[0] }));
        let mut runs = vec![upgrade(1, &["3.0"]), upgrade(2, &["4.0"])];
        runs[0].image = None;
        assert_eq!(to_undo(&runs, Some("2.0"), later), Err(Unreachable::Pruned { run: &runs[0] }));
        assert_eq!(seqs(&to_undo(&runs, Some("3.0"), later).unwrap()), [2], "the image of an upgrade that stays is not needed");
    }

    #[test]
    fn recording_deletes_images_no_run_keeps_and_the_old_record() {
        let mut original = Original { runs: vec![upgrade(1, &["3.0"]), upgrade(2, &["4.0"])], legacy_backup: true, ..Original::default() };
        original.runs[0].seq = 0;
        for (key, tag) in [("i0", "t1"), ("i1", "t2"), ("garbage", "tx")] {
            original.images.insert(key.to_owned(), tag.to_owned());
        }
        let new = upgrade(3, &["5.0"]);
        let mut changed = pruned(&[original.runs.clone(), vec![new.clone()]].concat(), 2);
        changed.push(new);
        let ops = record(&original, &changed);
        let deleted: Vec<&str> = ops.iter().filter_map(|op| if let Op::Delete(key) = op { Some(key.as_str()) } else { None }).collect();
        assert_eq!(deleted, ["garbage", "i0", &records::backup_key().encode()]);
        let set: Vec<String> = ops.iter().filter_map(|op| if let Op::Set(key, _) = op { Some(key.clone()) } else { None }).collect();
        assert_eq!(set, [records::run_key(0).encode(), records::run_key(3).encode()]);
    }
}
