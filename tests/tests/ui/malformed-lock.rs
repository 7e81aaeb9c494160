// Rule 7: a lock whose fingerprint was edited by hand is refused, with how to restore it.
use df_schema::df_model;

#[df_model(version = 1, table = "chassis", lock = "malformed-lock.lock")]
pub struct Chassis {
    pub id: String,
    pub ip: String,
}

fn main() {}
