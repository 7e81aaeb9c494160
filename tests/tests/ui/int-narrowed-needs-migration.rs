// Rule 5: an integer narrowed (u32 -> u16) or its sign changed (u16 -> i16) is a step
// that stored objects may not survive: it needs a hand-written migration.
use df_schema::df_model;

#[df_model(version = 2, lock = "int-narrowed-needs-migration.lock")]
pub struct Listener {
    pub id: String,
    pub port: u16,
    pub weight: i16,
}

fn main() {}
