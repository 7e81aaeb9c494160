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
    // One pass of `update_each` (which visits in id order) rather than reading every
    // object first: a large table is never held parsed all at once.
    let mut counter = nb.counter(table);
    let mut given = 0;
    nb.update_each(table, |id, object| {
        if object.get("unique_key").is_none_or(Value::is_null) {
            counter = next_key(table, id, counter)?;
            object.insert("unique_key".to_owned(), Value::from(counter));
            given += 1;
        }
        Ok(())
    })?;
    // No key given, no counter written: a store without one keeps having none.
    if given > 0 {
        nb.set_counter(table, counter);
    }
    Ok(())
}

/// The key after `counter`, refusing to wrap around (a counter at `i64::MAX` is bad data,
/// and wrapping would hand out keys that are already taken).
fn next_key(table: &str, id: &str, counter: i64) -> Result<i64, MigrationError> {
    counter.checked_add(1).ok_or_else(|| {
        MigrationError::object(table, id, format!("the unique-key counter `{{unique_key.}}{table}` is at {counter} and cannot give another key; set it to the highest `unique_key` the table uses"))
    })
}
