// Rule 7: a 128-bit integer is stored as a string of its digits, and so is its default;
// a tuple's default is an array of exactly its members.
use df_schema::df_model;

#[df_model(version = 1, lock = "wide-int-default-not-digits.lock")]
pub struct Meter {
    pub id: String,
    #[df(default = 5)]
    pub total: u128,
    #[df(default = "-1")]
    pub serial: Option<u128>,
    #[df(default = [])]
    pub uplink: (String, u16),
}

fn main() {}
