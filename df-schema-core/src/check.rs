//! The version rules, as one pure function from (what the code declares, what the lock
//! records) to a verdict. The `#[df_model]` macro turns the verdict into compile errors
//! and generated checks; keeping the rules here lets them be tested without a compiler.

use crate::diff::{diff, Change, Step};
use crate::lock::{ModelHistory, VersionRecord};
use crate::schema::VersionSchema;
use std::fmt;

/// What a `#[df_model]` struct declares.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelDecl {
    /// The struct's name, which names the model in the lock and in messages.
    pub name: String,
    /// The declared `version`.
    pub version: u32,
    /// The table `renamed_from` names, if the struct has one.
    pub renamed_from: Option<String>,
    /// The table, release label and fields of the declared version.
    pub schema: VersionSchema,
    /// The lock file as the developer names it, for messages.
    pub lock: String,
}

/// Whether the build may record into the lock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mode {
    /// `DF_SCHEMA_BLESS` was set: record new models and new versions.
    pub bless: bool,
    /// `DF_SCHEMA_BLESS=rewrite`: also re-record a model's latest version. Separate,
    /// because re-recording a deployed version would strand the objects stored in its
    /// old shape, and because a plain bless after changing an embedded struct must make
    /// the models that embed it fail loudly rather than be re-recorded silently.
    pub rewrite: bool,
    /// `CI` was set: the lock is never written, whatever the rest says.
    pub ci: bool,
}

impl Mode {
    /// Reads the environment: `DF_SCHEMA_BLESS=1` records new models and versions,
    /// `DF_SCHEMA_BLESS=rewrite` also re-records latest versions; `CI` forbids writing.
    /// Empty, `0` and `false` count as unset.
    pub fn from_env() -> Mode {
        let value = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty() && v != "0" && v != "false");
        let bless = value("DF_SCHEMA_BLESS");
        Mode { rewrite: bless.as_deref() == Some("rewrite"), bless: bless.is_some(), ci: value("CI").is_some() }
    }

    /// Whether the build may write the lock: blessing, and not in CI.
    pub fn may_write(self) -> bool {
        self.bless && !self.ci
    }

    /// Whether the build may re-record a model's latest version: `rewrite`, and not in CI.
    pub fn may_rewrite(self) -> bool {
        self.rewrite && !self.ci
    }
}

/// The outcome of checking one model against the lock.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The rules the declaration breaks; empty if it passes.
    pub errors: Vec<RuleError>,
    /// The model's history with the declared version in it: what the model reports at
    /// run time and, when `record` is set, what is written to the lock.
    pub history: ModelHistory,
    /// The lock must be written with `history` (bless mode only).
    pub record: bool,
    /// Every step of the history, oldest first; empty when there are errors.
    pub steps: Vec<Step>,
}

/// A broken rule. Its `Display` is the whole message a developer sees: what changed, why
/// it matters, and what to do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RuleError {
    /// Rule 1: the declared version is recorded with another schema.
    Changed {
        /// The model's name.
        model: String,
        /// The declared version.
        version: u32,
        /// How the declaration differs from what the lock records for that version.
        changes: Vec<Change>,
        /// `CI` was set, so blessing is ignored; the message says so.
        ci: bool,
    },
    /// Rule 2: the declared version (or the whole model) is not in the lock yet.
    NotRecorded {
        /// The model's name.
        model: String,
        /// The declared version.
        version: u32,
        /// The lock does not know the model at all.
        new_model: bool,
        /// The changes since the latest recorded version; empty for a new model.
        changes: Vec<Change>,
        /// The lock file, as the developer names it.
        lock: String,
        /// `CI` was set, so blessing is ignored; the message says so.
        ci: bool,
    },
    /// Rule 3: a version number was skipped.
    Skipped {
        /// The model's name.
        model: String,
        /// The declared version.
        version: u32,
        /// The latest recorded version.
        latest: u32,
    },
    /// Rule 3: the version went below the latest recorded one.
    Backwards {
        /// The model's name.
        model: String,
        /// The declared version.
        version: u32,
        /// The latest recorded version.
        latest: u32,
    },
    /// Rule 3: a model that the lock does not know must start at version 1.
    NewModelNotAtOne {
        /// The model's name.
        model: String,
        /// The declared version.
        version: u32,
    },
    /// Rule 6: the table changed without `renamed_from` naming the old one.
    TableRenamedImplicitly {
        /// The model's name.
        model: String,
        /// The version that changed the table: the one after the latest recorded below
        /// the declared version.
        version: u32,
        /// The table of the version before it.
        from: String,
        /// The declared table.
        to: String,
    },
    /// Rule 6: `renamed_from` does not name the previous version's table (nor, when the
    /// table did not change in this version, any earlier one).
    WrongRenamedFrom {
        /// The model's name.
        model: String,
        /// The version `renamed_from` is checked for: the one after the latest recorded
        /// below the declared version.
        version: u32,
        /// The table `renamed_from` names.
        renamed_from: String,
        /// The table of the version before it.
        previous: String,
        /// Whether the declared table differs from `previous`. If it does not,
        /// `renamed_from` names a table no recorded version used.
        table_changed: bool,
    },
    /// Rule 6: `renamed_from` on a model's first version, which has no table to rename.
    RenamedFromFirstVersion {
        /// The model's name.
        model: String,
        /// The table `renamed_from` names.
        renamed_from: String,
    },
}

const BLESS: &str = "DF_SCHEMA_BLESS=1 cargo build";
const REWRITE: &str = "DF_SCHEMA_BLESS=rewrite cargo build";

fn ci_note(ci: bool) -> &'static str {
    if ci {
        " (DF_SCHEMA_BLESS is ignored while CI is set: record the lock on a workstation and commit it)"
    } else {
        ""
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::Changed { model, version, changes, ci } => {
                let list = changes.iter().map(|c| format!("\n  - {c}")).collect::<String>();
                write!(
                    f,
                    "{model} changed but its version did not: it differs from the recorded v{version}:{list}\n\
                     Objects already stored as v{version} would no longer match it. \
                     Bump to `version = {next}` so that the change becomes a migration step, \
                     or, if v{version} was never deployed, re-record it with `{REWRITE}`{note}",
                    next = version + 1,
                    note = ci_note(*ci),
                )
            }
            RuleError::NotRecorded { model, version, new_model, changes, lock, ci } => {
                let what = if *new_model {
                    format!("{model} is a new model: it is not in the schema lock yet")
                } else {
                    let step = Step { model: model.clone(), from: version - 1, to: *version, changes: changes.clone() };
                    let kind = if step.is_automatic() {
                        "the framework migrates this step by itself"
                    } else {
                        "this step will need a #[migration], since only fields added with a default, variants added to an enum, widened integers and table renames migrate by themselves"
                    };
                    format!("{model} v{version} is not in the schema lock yet. Since v{}: {}; {kind}", version - 1, step.summary())
                };
                write!(
                    f,
                    "{what}. The lock is the record of every deployed shape, so new versions are \
                     recorded on purpose: run `{BLESS}` and commit {lock}{}",
                    ci_note(*ci)
                )
            }
            RuleError::Skipped { model, version, latest } => write!(
                f,
                "{model} jumps from the recorded v{latest} to v{version}: versions go up one at a \
                 time, so that every step has its migration. Use `version = {}`",
                latest + 1
            ),
            RuleError::Backwards { model, version, latest } => write!(
                f,
                "{model} is declared as v{version}, but the lock already records v{latest}: a \
                 version never goes back, since databases may already be at v{latest}. Use \
                 `version = {latest}` (or `version = {}` for a new change)",
                latest + 1
            ),
            RuleError::NewModelNotAtOne { model, version } => write!(
                f,
                "{model} is not in the schema lock, so it is a new model, which starts at \
                 `version = 1` (declared: {version}). If it is another model renamed, declare it \
                 at `version = 1` in the old model's table (`table = \"…\"`) and remove the old \
                 one with `#[migration(removes = \"OldName\")]`: its objects stay, as this model's"
            ),
            RuleError::TableRenamedImplicitly { model, version, from, to } => write!(
                f,
                "{model} v{version} stores in table `{to}`, but v{prev} stored in `{from}`: a table \
                 rename moves every object, so say so with `renamed_from = \"{from}\"` (the framework \
                 then moves them by itself, unless a #[migration] for v{version} does)",
                prev = version - 1
            ),
            RuleError::WrongRenamedFrom { model, version, renamed_from, previous, table_changed: true } => write!(
                f,
                "{model} says `renamed_from = \"{renamed_from}\"`, but v{prev} stored in `{previous}`: \
                 `renamed_from` names the table of the previous version; did you mean \
                 `renamed_from = \"{previous}\"`?",
                prev = version - 1
            ),
            RuleError::RenamedFromFirstVersion { model, renamed_from } => write!(
                f,
                "{model} says `renamed_from = \"{renamed_from}\"`, but this is its first version, so it has \
                 no earlier table to rename and nothing would move: remove `renamed_from`. To keep the \
                 objects of another model stored in `{renamed_from}`, bump that model instead, or move \
                 them in its removal migration (`#[migration(removes = \"…\")]`, `nb.move_table`)"
            ),
            RuleError::WrongRenamedFrom { model, renamed_from, previous, table_changed: false, .. } => write!(
                f,
                "{model} says `renamed_from = \"{renamed_from}\"`, but no recorded version of it stored in \
                 that table, and its table did not change (`{previous}`): remove `renamed_from`"
            ),
        }
    }
}

/// Checks a declared model against its recorded history (`None` when the lock does not
/// know the model).
pub fn check_model(decl: &ModelDecl, recorded: Option<&ModelHistory>, mode: Mode) -> Verdict {
    let mut history = recorded.cloned().unwrap_or_default();
    let name = decl.name.clone();
    let version = decl.version;
    let mut errors = Vec::new();
    let current = VersionRecord::new(decl.schema.clone());
    let not_recorded = |new_model, changes| RuleError::NotRecorded {
        model: name.clone(),
        version,
        new_model,
        changes,
        lock: decl.lock.clone(),
        ci: mode.ci,
    };

    // Whether the declared version may be (re-)recorded, if nothing else is wrong.
    let recordable = match history.latest().map(|(v, r)| (v, r.clone())) {
        None if version != 1 => {
            errors.push(RuleError::NewModelNotAtOne { model: name.clone(), version });
            false
        }
        None if mode.may_write() => true,
        None => {
            errors.push(not_recorded(true, Vec::new()));
            false
        }
        Some((latest, _)) if version > latest + 1 => {
            errors.push(RuleError::Skipped { model: name.clone(), version, latest });
            false
        }
        Some((latest, _)) if version < latest => {
            errors.push(RuleError::Backwards { model: name.clone(), version, latest });
            false
        }
        Some((latest, _)) if version == latest + 1 && mode.may_write() => true,
        Some((latest, previous)) if version == latest + 1 => {
            errors.push(not_recorded(false, diff(&previous.schema, &current.schema, false)));
            false
        }
        Some((_, recorded)) if recorded == current => false,
        // A lock written before widths were recorded: accepted, and completed by a bless.
        Some((_, recorded)) if current.schema.fills_widths_of(&recorded.schema) => mode.may_write(),
        Some(_) if mode.may_rewrite() => true,
        Some((_, recorded)) => {
            let changes = diff(&recorded.schema, &current.schema, true);
            errors.push(RuleError::Changed { model: name.clone(), version, changes, ci: mode.ci });
            false
        }
    };
    // Checked whatever else is wrong, and before anything is recorded.
    if let Some(error) = check_rename(decl, &history) {
        // Recording waits for the rename to be right: one mistake, one error.
        errors.retain(|e| !matches!(e, RuleError::NotRecorded { .. }));
        errors.push(error);
    }
    let record = recordable && errors.is_empty();
    if record {
        history.versions.insert(version, current);
    }
    let steps = if errors.is_empty() && history.versions.contains_key(&version) {
        steps_of(&name, &history, version)
    } else {
        Vec::new()
    };
    Verdict { errors, history, record, steps }
}

/// Checks `renamed_from` against the recorded versions before the declared one.
fn check_rename(decl: &ModelDecl, recorded: &ModelHistory) -> Option<RuleError> {
    let Some((&prev_version, prev)) = recorded.versions.range(..decl.version).next_back() else {
        return decl.renamed_from.as_ref().map(|renamed_from| RuleError::RenamedFromFirstVersion { model: decl.name.clone(), renamed_from: renamed_from.clone() });
    };
    let previous = &prev.schema.table;
    let table_changed = previous != &decl.schema.table;
    let used_before = |table: &String| recorded.versions.range(..decl.version).any(|(_, r)| &r.schema.table == table);
    let wrong = |renamed_from: &String| RuleError::WrongRenamedFrom {
        model: decl.name.clone(),
        version: prev_version + 1,
        renamed_from: renamed_from.clone(),
        previous: previous.clone(),
        table_changed,
    };
    match &decl.renamed_from {
        None if table_changed => Some(RuleError::TableRenamedImplicitly {
            model: decl.name.clone(),
            version: prev_version + 1,
            from: previous.clone(),
            to: decl.schema.table.clone(),
        }),
        Some(renamed_from) if table_changed && renamed_from != previous => Some(wrong(renamed_from)),
        // An earlier rename stays declared as long as the developer likes.
        Some(renamed_from) if !table_changed && !used_before(renamed_from) => Some(wrong(renamed_from)),
        _ => None,
    }
}

/// The steps `1→2`, …, `(up_to-1)→up_to` of a recorded history.
pub fn steps_of(model: &str, history: &ModelHistory, up_to: u32) -> Vec<Step> {
    let versions: Vec<(&u32, &VersionRecord)> = history.versions.range(..=up_to).collect();
    versions
        .windows(2)
        .map(|pair| Step {
            model: model.to_owned(),
            from: *pair[0].0,
            to: *pair[1].0,
            changes: diff(&pair[0].1.schema, &pair[1].1.schema, false),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Field;
    use crate::test_support::field;
    use serde_json::json;

    fn decl(version: u32, table: &str, fields: Vec<Field>) -> ModelDecl {
        ModelDecl {
            name: "Port".into(),
            version,
            renamed_from: None,
            schema: VersionSchema::new(table.into(), None, fields),
            lock: "df-schema.lock".into(),
        }
    }

    fn v1() -> ModelDecl {
        decl(1, "port", vec![field("id", "str", None), field("ofport", "int", None)])
    }

    const BLESS: Mode = Mode { bless: true, rewrite: false, ci: false };
    const REWRITE: Mode = Mode { bless: true, rewrite: true, ci: false };
    const PLAIN: Mode = Mode { bless: false, rewrite: false, ci: false };

    fn recorded(decls: &[ModelDecl]) -> ModelHistory {
        let mut history = ModelHistory::default();
        for d in decls {
            history.versions.insert(d.version, VersionRecord::new(d.schema.clone()));
        }
        history
    }

    #[test]
    fn a_new_model_needs_bless_and_bless_records_it() {
        let verdict = check_model(&v1(), None, PLAIN);
        assert!(matches!(&verdict.errors[..], [RuleError::NotRecorded { new_model: true, .. }]));
        assert!(!verdict.record);
        let verdict = check_model(&v1(), None, BLESS);
        assert!(verdict.errors.is_empty() && verdict.record);
        assert_eq!(verdict.history, recorded(&[v1()]));
    }

    #[test]
    fn a_new_version_needs_bless_and_previews_its_step() {
        let v2 = decl(2, "port", vec![field("id", "str", None), field("mtu", "int", Some(json!(1500)))]);
        let verdict = check_model(&v2, Some(&recorded(&[v1()])), PLAIN);
        let message = verdict.errors[0].to_string();
        assert!(message.starts_with("Port v2 is not in the schema lock yet. Since v1: "), "{message}");
        assert!(message.contains("field `mtu` added (int, default 1500); field `ofport` removed (was int)"), "{message}");
        assert!(message.contains("this step will need a #[migration]"), "{message}");
        let auto = decl(2, "port", vec![field("id", "str", None), field("ofport", "int", None), field("mtu", "int", Some(json!(1500)))]);
        let message = check_model(&auto, Some(&recorded(&[v1()])), PLAIN).errors[0].to_string();
        assert!(message.contains("the framework migrates this step by itself"), "{message}");
    }

    #[test]
    fn ci_never_records() {
        let verdict = check_model(&v1(), None, Mode { bless: true, rewrite: true, ci: true });
        assert!(!verdict.record);
        assert!(verdict.errors[0].to_string().contains("ignored while CI is set"));
    }

    #[test]
    fn unchanged_model_passes_without_writing() {
        let verdict = check_model(&v1(), Some(&recorded(&[v1()])), PLAIN);
        assert!(verdict.errors.is_empty() && !verdict.record);
        assert!(verdict.steps.is_empty());
    }

    #[test]
    fn same_version_other_fields_names_the_change_and_the_fix() {
        let mut changed = v1();
        changed.schema = VersionSchema::new("port".into(), None, vec![field("id", "str", None), field("port_num", "int", None)]);
        let verdict = check_model(&changed, Some(&recorded(&[v1()])), PLAIN);
        let message = verdict.errors[0].to_string();
        assert!(message.contains("field `ofport` removed"), "{message}");
        assert!(message.contains("field `port_num` added (int) without a default"), "{message}");
        assert!(message.contains("`version = 2`"), "{message}");
        assert!(message.contains("DF_SCHEMA_BLESS=rewrite cargo build"), "{message}");
        // A plain bless records new versions only; the latest version is re-recorded
        // only when asked for explicitly.
        let verdict = check_model(&changed, Some(&recorded(&[v1()])), BLESS);
        assert!(matches!(&verdict.errors[..], [RuleError::Changed { .. }]) && !verdict.record);
        let verdict = check_model(&changed, Some(&recorded(&[v1()])), REWRITE);
        assert!(verdict.errors.is_empty() && verdict.record);
    }

    #[test]
    fn bless_never_rewrites_an_older_version() {
        let v2 = decl(2, "port", vec![field("id", "str", None)]);
        let mut old = v1();
        old.schema.fields.push(field("zzz", "int", None));
        let verdict = check_model(&old, Some(&recorded(&[v1(), v2])), REWRITE);
        assert!(matches!(&verdict.errors[..], [RuleError::Backwards { version: 1, latest: 2, .. }]));
        assert!(!verdict.record);
    }

    #[test]
    fn versions_go_up_one_at_a_time() {
        let v3 = decl(3, "port", vec![field("id", "str", None)]);
        let verdict = check_model(&v3, Some(&recorded(&[v1()])), BLESS);
        assert_eq!(verdict.errors, [RuleError::Skipped { model: "Port".into(), version: 3, latest: 1 }]);
        let verdict = check_model(&v3, None, BLESS);
        assert_eq!(verdict.errors, [RuleError::NewModelNotAtOne { model: "Port".into(), version: 3 }]);
    }

    #[test]
    fn steps_cover_the_whole_history_and_classify_it() {
        let v2 = decl(2, "port", vec![field("id", "str", None), field("ofport", "int", None), field("mtu", "int", Some(json!(1500)))]);
        let v3 = decl(3, "port", vec![field("id", "str", None), field("mtu", "int", Some(json!(1500)))]);
        let verdict = check_model(&v3, Some(&recorded(&[v1(), v2])), BLESS);
        assert!(verdict.errors.is_empty(), "{:?}", verdict.errors);
        let kinds: Vec<(u32, bool)> = verdict.steps.iter().map(|s| (s.to, s.is_automatic())).collect();
        assert_eq!(kinds, [(2, true), (3, false)]);
    }

    #[test]
    fn a_table_rename_needs_renamed_from_naming_the_old_table() {
        let mut v2 = decl(2, "switch_port", v1().schema.fields);
        let verdict = check_model(&v2, Some(&recorded(&[v1()])), BLESS);
        let message = verdict.errors[0].to_string();
        assert!(message.contains("renamed_from = \"port\""), "{message}");
        v2.renamed_from = Some("port".into());
        let verdict = check_model(&v2, Some(&recorded(&[v1()])), BLESS);
        assert!(verdict.errors.is_empty());
        assert_eq!(verdict.steps[0].summary(), "table renamed from `port` to `switch_port`");
        assert!(verdict.steps[0].is_automatic(), "renamed_from alone moves the objects");
        // A typo names the right table.
        v2.renamed_from = Some("prot".into());
        let verdict = check_model(&v2, Some(&recorded(&[v1()])), BLESS);
        assert!(!verdict.record, "a broken rename is never recorded");
        let message = verdict.errors[0].to_string();
        assert!(message.contains("did you mean `renamed_from = \"port\"`?"), "{message}");
        // Without a table change, `renamed_from` must name a table used before.
        let mut same_table = decl(2, "port", v1().schema.fields);
        same_table.renamed_from = Some("ovs".into());
        let verdict = check_model(&same_table, Some(&recorded(&[v1()])), BLESS);
        assert!(verdict.errors[0].to_string().ends_with("remove `renamed_from`"));
        // Once recorded, the rename may stay declared in later versions.
        let mut v2 = decl(2, "switch_port", v1().schema.fields);
        v2.renamed_from = Some("port".into());
        let mut v3 = decl(3, "switch_port", vec![field("id", "str", None)]);
        v3.renamed_from = Some("port".into());
        let verdict = check_model(&v3, Some(&recorded(&[v1(), v2])), BLESS);
        assert!(verdict.errors.is_empty(), "{:?}", verdict.errors);
    }

    #[test]
    fn renamed_from_on_a_first_version_is_refused() {
        let mut new = decl(1, "host", vec![field("id", "str", None)]);
        new.renamed_from = Some("chassis".into());
        let verdict = check_model(&new, None, PLAIN);
        assert!(matches!(&verdict.errors[..], [RuleError::RenamedFromFirstVersion { .. }]), "{:?}", verdict.errors);
        assert!(!check_model(&new, None, BLESS).record);
    }

    #[test]
    fn the_rename_is_checked_even_when_the_version_is_not_recorded_yet() {
        let v2 = decl(2, "switch_port", v1().schema.fields);
        let verdict = check_model(&v2, Some(&recorded(&[v1()])), PLAIN);
        // Recording waits for the rename to be right, so only the rename is reported.
        assert!(matches!(&verdict.errors[..], [RuleError::TableRenamedImplicitly { .. }]), "{:?}", verdict.errors);
    }
}
