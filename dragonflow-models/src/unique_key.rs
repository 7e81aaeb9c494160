//! Giving stored objects a `unique_key`, as Dragonflow 3.0 did for logical switches and
//! security groups: the datapath needs a small integer per object, drawn from the
//! table's counter (`{unique_key.}<table>` in the store, an `INCR` counter).

use df_schema::{MigrationError, NbApi};
use serde_json::Value;

/// Gives every object of `table` that has no `unique_key` (absent or `null`) the next
/// key of the table's counter, in ascending byte order of id, so that an upgrade hands
/// out the same keys whatever order the store lists objects in. Objects that already
/// have a key keep it; the counter ends at the last key given.
pub(crate) fn allocate_missing(nb: &mut NbApi, table: &str) -> Result<(), MigrationError> {
    let missing: Vec<String> = nb
        .iter(table)
        .filter(|(_, stored)| stored.object.get("unique_key").is_none_or(Value::is_null))
        .map(|(id, _)| id.to_owned())
        .collect();
    for id in missing {
        let Some(mut object) = nb.get(table, &id).cloned() else { continue };
        let key = nb.allocate_unique_key(table);
        object.insert("unique_key".to_owned(), Value::from(key));
        // `put` keeps the topic the object is stored under.
        nb.put(table, object)?;
    }
    Ok(())
}
