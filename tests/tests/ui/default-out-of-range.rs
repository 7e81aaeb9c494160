// Rule 7: an integer default must fit the field's Rust type, not only be an integer.
use df_schema::df_model;

#[df_model(version = 1, lock = "default-out-of-range.lock")]
pub struct Port {
    pub id: String,
    #[df(default = 300)]
    pub priority: u8,
    #[df(default = -1)]
    pub weight: Option<u32>,
}

fn main() {}
