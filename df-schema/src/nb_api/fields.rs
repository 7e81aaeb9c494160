//! Field helpers, the operations most migrations are made of: over a whole table (methods
//! of [`NbApi`]), and on one object, for per-object migrations (functions).

use super::{EngineNb, NbApi, Object};
use crate::MigrationError;
use serde_json::Value;
use std::convert::Infallible;

/// Renames the member `from` of one object to `to`, keeping the value; nothing when it is
/// absent. Refuses, saying why, when the object already has both.
pub fn rename_member(object: &mut Object, from: &str, to: &str) -> Result<(), String> {
    if object.contains_key(to) && object.contains_key(from) {
        return Err(format!("cannot rename `{from}` to `{to}`: both are present"));
    }
    if let Some(value) = object.remove(from) {
        object.insert(to.to_owned(), value);
    }
    Ok(())
}

/// Sets each member of `defaults` that `object` lacks: what an automatic step does to
/// every object, here and in the engine's fused passes.
pub fn fill_missing(object: &mut Object, defaults: &[(&str, &Value)]) {
    for (name, value) in defaults {
        object.entry(*name).or_insert_with(|| (*value).clone());
    }
}

impl NbApi {
    /// Renames a member in every object that has it (the value is kept). Refuses, naming
    /// the object, if an object already has a member called `to`.
    pub fn rename_field(&mut self, table: &str, from: &str, to: &str) -> Result<(), MigrationError> {
        self.update_each_par(table, |id, object| rename_member(object, from, to).map_err(|message| MigrationError::object(table, id, message)))
    }

    /// Removes a member from every object.
    pub fn remove_field(&mut self, table: &str, name: &str) {
        let Ok(()) = self.update_each_par(table, |_, object| {
            object.remove(name);
            Ok::<(), Infallible>(())
        });
    }

    /// Sets a member to `value` in every object, replacing what was there.
    pub fn set_field(&mut self, table: &str, name: &str, value: &Value) {
        let Ok(()) = self.update_each_par(table, |_, object| {
            object.insert(name.to_owned(), value.clone());
            Ok::<(), Infallible>(())
        });
    }

    /// Sets a member to `value` in every object that lacks it: how an added field's
    /// recorded default reaches stored objects.
    pub fn fill_default(&mut self, table: &str, name: &str, value: &Value) {
        self.fill_defaults(table, &[(name, value)]);
    }

    /// [`NbApi::fill_default`] for several members in one pass over the table (each pass
    /// parses and rewrites every object).
    pub fn fill_defaults(&mut self, table: &str, defaults: &[(&str, &Value)]) {
        let Ok(()) = self.update_each_par(table, |_, object| {
            fill_missing(object, defaults);
            Ok::<(), Infallible>(())
        });
    }

    /// Replaces a member of every object with what `f` makes of it: `f` gets the object's
    /// id and the current value (`None` when absent) and returns the new value (`None`
    /// removes the member), or a reason that names the bad data, which is reported with
    /// the table and the object's id.
    pub fn map_field(
        &mut self,
        table: &str,
        name: &str,
        mut f: impl FnMut(&str, Option<Value>) -> Result<Option<Value>, String>,
    ) -> Result<(), MigrationError> {
        self.update_each(table, |id, object: &mut Object| {
            let new = f(id, object.remove(name)).map_err(|message| MigrationError::object(table, id, message))?;
            if let Some(new) = new {
                object.insert(name.to_owned(), new);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::nb_api::tests::obj;
    use crate::NbApi;
    use serde_json::{json, Value};

    fn ports() -> NbApi {
        let mut nb = NbApi::new();
        nb.put("lport", obj(json!({"id": "p1", "topic": "t", "tunnel_key": 5}))).unwrap();
        nb.put("lport", obj(json!({"id": "p2", "topic": "t"}))).unwrap();
        nb
    }

    #[test]
    fn rename_keeps_values_and_leaves_absent_members_absent() {
        let mut nb = ports();
        nb.rename_field("lport", "tunnel_key", "unique_key").unwrap();
        assert_eq!(nb.get("lport", "p1").unwrap(), &obj(json!({"id": "p1", "topic": "t", "unique_key": 5})));
        assert!(!nb.get("lport", "p2").unwrap().contains_key("unique_key"));
    }

    #[test]
    fn rename_refuses_to_overwrite() {
        let mut nb = ports();
        nb.put("lport", obj(json!({"id": "p3", "tunnel_key": 1, "unique_key": 2}))).unwrap();
        let err = nb.rename_field("lport", "tunnel_key", "unique_key").unwrap_err();
        assert_eq!(err.to_string(), "table `lport`, object `p3`: cannot rename `tunnel_key` to `unique_key`: both are present");
    }

    #[test]
    fn set_fill_and_remove() {
        let mut nb = ports();
        nb.fill_default("lport", "tunnel_key", &json!(0));
        assert_eq!(nb.get("lport", "p1").unwrap()["tunnel_key"], 5, "fill keeps existing values");
        assert_eq!(nb.get("lport", "p2").unwrap()["tunnel_key"], 0);
        nb.set_field("lport", "enabled", &json!(true));
        assert_eq!(nb.get("lport", "p2").unwrap()["enabled"], true);
        nb.remove_field("lport", "tunnel_key");
        assert!(nb.iter("lport").all(|(_, s)| !s.object().contains_key("tunnel_key")));
    }

    #[test]
    fn map_field_reports_bad_data_with_table_and_id() {
        let mut nb = ports();
        nb.map_field("lport", "tunnel_type", |_, v| Ok(Some(json!(v.into_iter().collect::<Vec<Value>>())))).unwrap();
        assert_eq!(nb.get("lport", "p1").unwrap()["tunnel_type"], json!([]));
        let err = nb
            .map_field("lport", "tunnel_key", |_, v| match v {
                Some(Value::Number(n)) => Ok(Some(Value::Number(n))),
                other => Err(format!("`tunnel_key` is {other:?}, not a number")),
            })
            .unwrap_err();
        assert_eq!(err.to_string(), "table `lport`, object `p2`: `tunnel_key` is None, not a number");
    }
}
