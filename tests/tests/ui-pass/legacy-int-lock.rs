// A lock written before integer widths were recorded says `int`: it is accepted as it is,
// and the next bless records the widths. Its fingerprints are the same either way.
use df_schema::{df_embedded, df_model, Model};

#[df_embedded(lock = "legacy-int-lock.lock")]
pub struct Limits {
    pub max_ports: u16,
}

#[df_model(version = 1, lock = "legacy-int-lock.lock")]
pub struct Switch {
    pub id: String,
    pub ports: Vec<u32>,
    pub limits: Limits,
    pub mtu: Option<i64>,
}

fn main() {
    let (_, v1) = Switch::history().latest().unwrap();
    assert_eq!(v1.fingerprint, v1.schema.fingerprint(), "the width-free fingerprint matches");
}
