//! The generated models: N structs that look like a north-bound database's models (string
//! ids and references, integers, flags, optional members, lists, maps, a few embedded
//! structs; 5 to 15 fields each), drawn deterministically from a seed and written out
//! twice: once with plain serde derives, once as a df-schema user writes them.
//!
//! Both crates declare exactly the same structs and the same JSON contract (unknown
//! members refused, the same defaults), so that the difference in build time is what
//! `#[df_model]` costs and nothing else.

use dragonflow_fixtures::SplitMix64;
use std::fmt::Write as _;

/// How many `#[df_embedded]` structs the crates declare.
pub const EMBEDDED_STRUCTS: usize = EMBEDDED.len();

/// The structs every model may embed, as `(name, fields)`: real Dragonflow shapes.
const EMBEDDED: &[(&str, &[(&str, &str)])] = &[
    ("HostRoute", &[("destination", "String"), ("nexthop", "String")]),
    ("AddressPair", &[("ip_address", "String"), ("mac_address", "String")]),
    ("PortBinding", &[("r#type", "String"), ("chassis", "Option<String>"), ("vtep_address", "Option<String>")]),
    ("DhcpParams", &[("opts", "BTreeMap<String, String>"), ("siaddr", "Option<String>")]),
    ("QosRule", &[("direction", "String"), ("max_kbps", "i64"), ("max_burst_kbps", "Option<i64>")]),
];

/// A field a model may have besides `id` and `topic`. `{E}` in the type stands for one of
/// the embedded structs, chosen per model.
struct Template {
    name: &'static str,
    ty: &'static str,
    /// The default, as `(df-schema literal, the plain crate's default function)`.
    default: Option<(&'static str, &'static str)>,
}

const fn field(name: &'static str, ty: &'static str) -> Template {
    Template { name, ty, default: None }
}

const fn defaulted(name: &'static str, ty: &'static str, literal: &'static str, function: &'static str) -> Template {
    Template { name, ty, default: Some((literal, function)) }
}

const TEMPLATES: &[Template] = &[
    field("name", "Option<String>"),
    field("version", "i64"),
    field("unique_key", "i64"),
    field("enabled", "bool"),
    field("ips", "Vec<String>"),
    field("macs", "Vec<String>"),
    field("description", "Option<String>"),
    field("mtu", "Option<u32>"),
    field("labels", "BTreeMap<String, String>"),
    field("counters", "BTreeMap<String, i64>"),
    field("lswitch", "String"),
    field("chassis", "Option<String>"),
    field("security_groups", "Vec<String>"),
    field("gateway_ip", "Option<String>"),
    field("port_range", "Vec<u16>"),
    field("weight", "f64"),
    field("binding", "Option<{E}>"),
    field("routes", "Vec<{E}>"),
    field("params", "{E}"),
    defaulted("admin_state", "String", "\"up\"", "default_admin_state"),
    defaulted("priority", "i64", "100", "default_priority"),
    defaulted("shared", "bool", "false", "default_shared"),
];

/// The plain crate's default functions, one per defaulted template.
const DEFAULT_FUNCTIONS: &str = "\
fn default_admin_state() -> String {
    \"up\".to_owned()
}

fn default_priority() -> i64 {
    100
}

fn default_shared() -> bool {
    false
}
";

const NAME_PREFIXES: &[&str] = &["Logical", "Remote", "Security", "Floating", "Virtual", "Provider", "Tenant", "Qos"];
const NAME_NOUNS: &[&str] = &["Port", "Switch", "Router", "Rule", "Group", "Subnet", "Network", "Policy", "Chassis", "Publisher"];

/// Which of the two crates a source is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// `#[derive(serde::Serialize, serde::Deserialize)]`.
    Plain,
    /// `#[df_model(…)]` and `#[df_embedded]`, which add the serde derives themselves.
    Modelled,
}

/// One generated model.
#[derive(Clone, Debug, PartialEq)]
struct Model {
    name: String,
    table: String,
    /// Indexes into `TEMPLATES`, in declaration order.
    fields: Vec<usize>,
    has_topic: bool,
    /// The embedded struct that `{E}` stands for in this model.
    embedded: &'static str,
}

/// The generated models, ready to be written out in either flavour.
#[derive(Clone, Debug, PartialEq)]
pub struct Models {
    models: Vec<Model>,
}

impl Models {
    /// `count` models drawn from `seed`: the same seed always gives the same models.
    pub fn generate(seed: u64, count: usize) -> Models {
        let mut rng = SplitMix64::new(seed);
        let models = (0..count)
            .map(|i| {
                let prefix = NAME_PREFIXES[rng.below(NAME_PREFIXES.len())];
                let noun = NAME_NOUNS[rng.below(NAME_NOUNS.len())];
                let has_topic = rng.below(5) != 0;
                // 5 to 15 fields in all, `id` and `topic` included.
                let total = 5 + rng.below(11);
                let mut pool: Vec<usize> = (0..TEMPLATES.len()).collect();
                let fields = (0..total - 1 - usize::from(has_topic)).map(|_| pool.swap_remove(rng.below(pool.len()))).collect();
                Model {
                    name: format!("{prefix}{noun}{i:03}"),
                    table: format!("{}_{}_{i:03}", prefix.to_lowercase(), noun.to_lowercase()),
                    fields,
                    has_topic,
                    embedded: EMBEDDED[rng.below(EMBEDDED.len())].0,
                }
            })
            .collect();
        Models { models }
    }

    /// The crate's `src/lib.rs`.
    pub fn source(&self, flavour: Flavour) -> String {
        let mut out = String::from("//! Generated by `df-bench compile`; do not edit.\n\n");
        match flavour {
            Flavour::Plain => out.push_str("use std::collections::BTreeMap;\n\n"),
            Flavour::Modelled => out.push_str("use df_schema::{df_embedded, df_model};\nuse std::collections::BTreeMap;\n\n"),
        }
        // Embedded structs first: a model reads their shape from the lock, which a
        // recording build writes in declaration order.
        for (name, fields) in EMBEDDED {
            match flavour {
                Flavour::Plain => out.push_str(PLAIN_DERIVES),
                Flavour::Modelled => out.push_str("#[df_embedded]\n#[derive(Debug, Clone, PartialEq)]\n"),
            }
            let _ = writeln!(out, "pub struct {name} {{");
            for (field, ty) in *fields {
                let _ = writeln!(out, "    pub {field}: {ty},");
            }
            out.push_str("}\n\n");
        }
        for model in &self.models {
            write_model(&mut out, model, flavour);
        }
        match flavour {
            Flavour::Plain => out.push_str(DEFAULT_FUNCTIONS),
            Flavour::Modelled => out.push_str("df_schema::check_schema_lock!();\n"),
        }
        out
    }
}

const PLAIN_DERIVES: &str = "#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]\n";

fn write_model(out: &mut String, model: &Model, flavour: Flavour) {
    let _ = writeln!(out, "/// The `{}` table.", model.table);
    match flavour {
        Flavour::Plain => out.push_str(PLAIN_DERIVES),
        Flavour::Modelled => {
            let _ = writeln!(out, "#[df_model(version = 1, table = \"{}\", release = \"1.0\")]", model.table);
            out.push_str("#[derive(Debug, Clone, PartialEq)]\n");
        }
    }
    let _ = writeln!(out, "pub struct {} {{", model.name);
    out.push_str("    pub id: String,\n");
    if model.has_topic {
        out.push_str("    pub topic: String,\n");
    }
    for template in model.fields.iter().map(|&i| &TEMPLATES[i]) {
        match (template.default, flavour) {
            (Some((literal, _)), Flavour::Modelled) => {
                let _ = writeln!(out, "    #[df(default = {literal})]");
            }
            (Some((_, function)), Flavour::Plain) => {
                let _ = writeln!(out, "    #[serde(default = \"{function}\")]");
            }
            (None, _) => {}
        }
        let _ = writeln!(out, "    pub {}: {},", template.name, template.ty.replace("{E}", model.embedded));
    }
    out.push_str("}\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The declarations without attributes: what both crates must agree on.
    fn declarations(source: &str) -> Vec<&str> {
        source.lines().map(str::trim).filter(|l| l.starts_with("pub ")).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_models() {
        let a = Models::generate(7, 50);
        assert_eq!(a, Models::generate(7, 50));
        assert_eq!(a.source(Flavour::Modelled), Models::generate(7, 50).source(Flavour::Modelled));
        assert_ne!(a, Models::generate(8, 50));
    }

    #[test]
    fn both_flavours_declare_the_same_structs() {
        let models = Models::generate(1, 200);
        let plain = models.source(Flavour::Plain);
        let modelled = models.source(Flavour::Modelled);
        assert_eq!(declarations(&plain), declarations(&modelled));
        assert_eq!(plain.matches("#[serde(default").count(), modelled.matches("#[df(default").count());
        assert_eq!(modelled.matches("#[df_model(").count(), 200);
    }

    #[test]
    fn models_have_5_to_15_distinct_fields_and_an_id() {
        let models = Models::generate(3, 300);
        for model in &models.models {
            let total = model.fields.len() + 1 + usize::from(model.has_topic);
            assert!((5..=15).contains(&total), "{} has {total} fields", model.name);
            let mut names: Vec<&str> = model.fields.iter().map(|&i| TEMPLATES[i].name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), model.fields.len(), "{} repeats a field", model.name);
        }
        let mut names: Vec<&str> = models.models.iter().map(|m| m.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 300, "model names are unique");
    }
}
