// Rule 7: a macro cannot see through a plain type alias; the error says how to declare it.
use df_schema::df_model;

pub type Port = u16;

#[df_model(version = 1, lock = "alias-not-declared.lock")]
pub struct Listener {
    pub id: String,
    pub port: Port,
}

fn main() {}
