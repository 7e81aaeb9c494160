// Rule 3: a version never goes back (recorded v1 and v2, declared v1).
use df_schema::df_model;

#[df_model(version = 1, table = "chassis", lock = "version-backwards.lock")]
pub struct Chassis {
    pub id: String,
    pub ip: String,
}

fn main() {}
