// Rule 1: an integer's width is part of the recorded shape: widening it is still a change
// that needs a new version, even though that step is automatic.
use df_schema::df_model;

#[df_model(version = 1, lock = "int-width-changed-without-bump.lock")]
pub struct Listener {
    pub id: String,
    pub port: u32,
}

fn main() {}
