//! One program, one model set: the models a program links must not collide with each
//! other or with the engine's own tables. A model set is what one schema lock records (one
//! model crate); a program may link several, as long as their names, tables and release
//! labels stay apart. A name or table used twice would make the engine validate one
//! model's objects as the other's, and a release label shared by two sets would make
//! `--to R` mean two unrelated things.
//!
//! The macro checks what one lock can show (a table another model of the crate uses, a
//! reserved table); the runtime checks the whole program at start-up.

use std::collections::BTreeMap;
use std::fmt;

/// Tables the engine keeps its own records in, whatever the key layout: a model stored
/// there would be overwritten by, or read as, the engine's bookkeeping.
pub const RESERVED_TABLES: [&str; 3] = ["schema_migration", "df_schema", "unique_key"];

/// A model as the program links it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedModel<'a> {
    /// The struct's name.
    pub name: &'a str,
    /// Its head table.
    pub table: &'a str,
    /// The crate that declares it (the first segment of its module path).
    pub krate: &'a str,
    /// The schema lock it was checked against: its model set.
    pub lock: &'a str,
}

/// A release label as one model set uses it (a recorded version's or a migration's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedRelease<'a> {
    /// The label, e.g. `"2.0"`.
    pub release: &'a str,
    /// The crate that uses it.
    pub krate: &'a str,
    /// The schema lock of that crate's models.
    pub lock: &'a str,
}

/// A key layout as one model crate declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedLayout<'a> {
    /// The layout's label, e.g. `application:myapp:`.
    pub label: String,
    /// The crate that declares it.
    pub krate: &'a str,
}

/// A collision in the linked models.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelSetError {
    /// Two linked models have one name.
    SameName {
        /// The name.
        name: String,
        /// `crate (lock)` of each.
        first: String,
        /// `crate (lock)` of the other.
        second: String,
    },
    /// Two linked models are stored in one table.
    SameTable {
        /// The table.
        table: String,
        /// One model, as `Name (crate)`.
        first: String,
        /// The other.
        second: String,
    },
    /// A model is stored in a table the engine reserves.
    ReservedTable {
        /// The model, as `Name (crate)`.
        model: String,
        /// The reserved table.
        table: String,
    },
    /// The linked crates declare more than one key layout (or one crate declares two).
    TwoLayouts {
        /// Each declaration, as `layout (crate)`.
        declared: Vec<String>,
    },
    /// Two model sets use one release label.
    SharedRelease {
        /// The label.
        release: String,
        /// `crate (lock)` of one set.
        first: String,
        /// `crate (lock)` of the other.
        second: String,
    },
}

impl fmt::Display for ModelSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSetError::SameName { name, first, second } => write!(
                f,
                "two linked models are named {name}: one in {first}, one in {second}. The database records models by \
                 name, so one would be migrated and validated as the other: rename one (a model rename is a new model \
                 plus a removal migration), or link only one of the crates"
            ),
            ModelSetError::SameTable { table, first, second } => write!(
                f,
                "two linked models are stored in table `{table}`: {first} and {second}. Every object of a table is \
                 validated as its one model: give one of them another `table = \"…\"`, or link only one of the crates"
            ),
            ModelSetError::ReservedTable { model, table } => write!(
                f,
                "{model} is stored in table `{table}`, which the engine keeps its own records in: choose another \
                 `table = \"…\"` (reserved: {})",
                RESERVED_TABLES.join(", ")
            ),
            ModelSetError::TwoLayouts { declared } => write!(
                f,
                "the linked crates declare {} key layouts ({}): one program reads and writes one layout, so declare \
                 `df_schema::key_layout!(…)` once, in one model crate, or link only one of the crates",
                declared.len(),
                declared.join(", ")
            ),
            ModelSetError::SharedRelease { release, first, second } => write!(
                f,
                "release label `{release}` is used by two model sets, {first} and {second}, so `--to {release}` would \
                 name two unrelated releases: label one set's releases apart (e.g. `myapp-{release}`), or link only \
                 one of the crates"
            ),
        }
    }
}

/// The error for a model declared in a reserved table, if `table` is one: what the macro
/// can see on its own (another model of the same table may be a removed one, which only
/// the linked program knows).
pub fn reserved_table(model: &str, table: &str) -> Option<ModelSetError> {
    RESERVED_TABLES.contains(&table).then(|| ModelSetError::ReservedTable { model: model.into(), table: table.into() })
}

/// Every collision among `models` and the releases their sets use, in a stable order.
pub fn check_model_set(models: &[LinkedModel<'_>], releases: &[LinkedRelease<'_>], layouts: &[LinkedLayout<'_>]) -> Vec<ModelSetError> {
    let place = |krate: &str, lock: &str| format!("crate `{krate}` ({lock})");
    let model = |m: &LinkedModel<'_>| format!("{} (crate `{}`)", m.name, m.krate);
    let mut errors = Vec::new();
    let mut names: BTreeMap<&str, &LinkedModel<'_>> = BTreeMap::new();
    let mut tables: BTreeMap<&str, &LinkedModel<'_>> = BTreeMap::new();
    for linked in models {
        if let Some(first) = names.insert(linked.name, linked) {
            errors.push(ModelSetError::SameName {
                name: linked.name.into(),
                first: place(first.krate, first.lock),
                second: place(linked.krate, linked.lock),
            });
        }
        if let Some(error) = reserved_table(&model(linked), linked.table) {
            errors.push(error);
        } else if let Some(first) = tables.insert(linked.table, linked) {
            errors.push(ModelSetError::SameTable { table: linked.table.into(), first: model(first), second: model(linked) });
        }
    }
    if layouts.len() > 1 {
        errors.push(ModelSetError::TwoLayouts { declared: layouts.iter().map(|l| format!("{} (crate `{}`)", l.label, l.krate)).collect() });
    }
    let mut owners: BTreeMap<&str, &LinkedRelease<'_>> = BTreeMap::new();
    let mut reported: Vec<(&str, &str)> = Vec::new();
    for linked in releases {
        match owners.get(linked.release) {
            None => {
                owners.insert(linked.release, linked);
            }
            Some(first) if first.lock != linked.lock && !reported.contains(&(linked.release, linked.lock)) => {
                reported.push((linked.release, linked.lock));
                errors.push(ModelSetError::SharedRelease {
                    release: linked.release.into(),
                    first: place(first.krate, first.lock),
                    second: place(linked.krate, linked.lock),
                });
            }
            Some(_) => {}
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model<'a>(name: &'a str, table: &'a str, krate: &'a str) -> LinkedModel<'a> {
        LinkedModel { name, table, krate, lock: krate }
    }

    fn release<'a>(release: &'a str, krate: &'a str) -> LinkedRelease<'a> {
        LinkedRelease { release, krate, lock: krate }
    }

    #[test]
    fn apart_sets_pass() {
        let models = [model("Chassis", "chassis", "df"), model("Sensor", "sensor", "app")];
        let releases = [release("2.0", "df"), release("2.0", "df"), release("app-1", "app")];
        assert_eq!(check_model_set(&models, &releases, &[]), []);
    }

    #[test]
    fn a_name_or_table_used_twice_names_both_models() {
        let models = [model("Publisher", "publisher", "df"), model("Publisher", "publisher", "app"), model("Feed", "publisher", "news")];
        let errors = check_model_set(&models, &[], &[]);
        assert_eq!(
            errors,
            [
                ModelSetError::SameName { name: "Publisher".into(), first: "crate `df` (df)".into(), second: "crate `app` (app)".into() },
                ModelSetError::SameTable {
                    table: "publisher".into(),
                    first: "Publisher (crate `df`)".into(),
                    second: "Publisher (crate `app`)".into()
                },
                ModelSetError::SameTable {
                    table: "publisher".into(),
                    first: "Publisher (crate `app`)".into(),
                    second: "Feed (crate `news`)".into()
                },
            ]
        );
        assert!(errors[1].to_string().contains("give one of them another `table = \"…\"`"), "{}", errors[1]);
    }

    #[test]
    fn reserved_tables_are_refused() {
        let errors = check_model_set(&[model("Log", "schema_migration", "app")], &[], &[]);
        assert_eq!(errors, [ModelSetError::ReservedTable { model: "Log (crate `app`)".into(), table: "schema_migration".into() }]);
        assert!(errors[0].to_string().contains("reserved: schema_migration, df_schema, unique_key"), "{}", errors[0]);
    }

    #[test]
    fn one_layout_per_program() {
        let one = [LinkedLayout { label: "application:iot:".into(), krate: "iot" }];
        assert_eq!(check_model_set(&[], &[], &one), []);
        let two = [one[0].clone(), LinkedLayout { label: "dragonflow".into(), krate: "df" }];
        let errors = check_model_set(&[], &[], &two);
        assert_eq!(errors, [ModelSetError::TwoLayouts { declared: vec!["application:iot: (crate `iot`)".into(), "dragonflow (crate `df`)".into()] }]);
        assert!(errors[0].to_string().starts_with("the linked crates declare 2 key layouts"), "{}", errors[0]);
    }

    #[test]
    fn a_release_label_of_two_sets_is_reported_once_per_set() {
        let releases = [release("2.0", "df"), release("2.0", "app"), release("2.0", "app"), release("3.0", "app")];
        let errors = check_model_set(&[], &releases, &[]);
        assert_eq!(
            errors,
            [ModelSetError::SharedRelease { release: "2.0".into(), first: "crate `df` (df)".into(), second: "crate `app` (app)".into() }]
        );
        assert!(errors[0].to_string().contains("`--to 2.0` would name two unrelated releases"), "{}", errors[0]);
    }
}
