//! Which keys of a database a model set owns, declared once by its model crate with
//! [`key_layout!`](crate::key_layout), so that the application, its runner and every tool
//! built over the same crate agree on where objects are stored.
//!
//! Both layouts store an object of `table` in partition `topic` under `{<table>.<topic>}<id>`
//! (the hash tag keeps a table's topic in one Redis Cluster slot, so that commits can be
//! planned per slot), a table's unique-key counter under `{unique_key.}<table>`, the
//! migration log in table `schema_migration` and the engine's records in table
//! `df_schema`. They differ in what comes before:
//!
//! | layout | object key | owns |
//! |---|---|---|
//! | [`KeyLayout::Dragonflow`] | `{lport.tenant1}4f1c` | every key that starts with `{` |
//! | [`KeyLayout::Application`] `"myapp:"` | `myapp:{sensor.}s-1` | every key that starts with `myapp:` |
//!
//! Keys a layout does not own are never read, written, imaged, deleted, counted or
//! exported, so a database can be shared with other software. A key it owns that does not
//! parse is an error that names the key. A model crate that declares no layout gets
//! Dragonflow's, the layout of the databases df-schema was first built for.

/// Where a model set's keys live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyLayout {
    /// `OpenStack` Dragonflow's Redis layout, without a prefix: a real Dragonflow database
    /// is upgraded in place.
    Dragonflow,
    /// An application's layout: Dragonflow's key forms under a namespace prefix, e.g.
    /// `myapp:`. The namespace is non-empty and has none of `{ } * ? [ ] \`.
    Application {
        /// The prefix of every key the model set owns.
        namespace: &'static str,
    },
}

impl KeyLayout {
    /// The prefix the engine adds to every key it writes and strips from every key it
    /// reads: `""` for Dragonflow's layout.
    pub const fn namespace(self) -> &'static str {
        match self {
            KeyLayout::Dragonflow => "",
            KeyLayout::Application { namespace } => namespace,
        }
    }

    /// How the layout is recorded in the database and named in messages:
    /// `dragonflow` or `application:myapp:`.
    pub fn label(self) -> String {
        match self {
            KeyLayout::Dragonflow => "dragonflow".to_owned(),
            KeyLayout::Application { namespace } => format!("application:{namespace}"),
        }
    }

    /// Why `namespace` cannot be an application layout's namespace, if it cannot: what
    /// [`key_layout!`](crate::key_layout) checks at compile time.
    pub const fn namespace_problem(namespace: &str) -> Option<&'static str> {
        let bytes = namespace.as_bytes();
        if bytes.is_empty() {
            return Some("an application layout's namespace is empty: name it, e.g. \"myapp:\"");
        }
        let mut i = 0;
        while i < bytes.len() {
            if matches!(bytes[i], b'{' | b'}' | b'*' | b'?' | b'[' | b']' | b'\\') {
                return Some("an application layout's namespace has one of `{ } * ? [ ] \\`, which Redis reads as a hash tag or a pattern");
            }
            i += 1;
        }
        None
    }
}

/// A model crate's layout declaration, as [`key_layout!`](crate::key_layout) registers it.
#[derive(Debug)]
pub struct LayoutEntry {
    /// The declared layout.
    pub layout: KeyLayout,
    /// The module that declared it; its first segment is the model crate.
    pub module_path: &'static str,
}

inventory::collect!(LayoutEntry);

/// The layouts declared in this program, with the crate that declared each.
pub fn declared() -> Vec<(&'static str, KeyLayout)> {
    let mut declared: Vec<_> =
        inventory::iter::<LayoutEntry>.into_iter().map(|e| (e.module_path.split("::").next().unwrap_or(e.module_path), e.layout)).collect();
    declared.sort_by_key(|(krate, layout)| (*krate, layout.label()));
    declared
}

/// Declares the key layout of this crate's models, once, at the crate root. Without it a
/// model crate gets [`KeyLayout::Dragonflow`].
///
/// ```
/// // An application sharing its database with other software: every key under `myapp:`.
/// df_schema::key_layout!(application, namespace = "myapp:");
///
/// assert!(df_schema::key_layout::declared().contains(&("rust_out", df_schema::KeyLayout::Application { namespace: "myapp:" })));
/// ```
///
/// A namespace Redis would misread is refused at compile time:
///
/// ```compile_fail
/// df_schema::key_layout!(application, namespace = "{myapp}");
/// ```
#[macro_export]
macro_rules! key_layout {
    (dragonflow) => {
        $crate::__private::inventory::submit! {
            $crate::key_layout::LayoutEntry { layout: $crate::KeyLayout::Dragonflow, module_path: ::core::module_path!() }
        }
    };
    (application, namespace = $namespace:literal) => {
        const _: () = match $crate::KeyLayout::namespace_problem($namespace) {
            ::core::option::Option::Some(problem) => ::core::panic!("{}", problem),
            ::core::option::Option::None => (),
        };
        $crate::__private::inventory::submit! {
            $crate::key_layout::LayoutEntry {
                layout: $crate::KeyLayout::Application { namespace: $namespace },
                module_path: ::core::module_path!(),
            }
        }
    };
}
