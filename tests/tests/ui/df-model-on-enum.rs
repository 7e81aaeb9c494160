// Rule 7: #[df_model] goes on a struct, not an enum.
use df_schema::df_model;

#[df_model(version = 1, table = "lport_state", lock = "df-model-on-enum.lock")]
pub enum PortState {
    Up,
    Down,
}

fn main() {}
