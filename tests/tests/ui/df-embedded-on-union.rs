// Rule 7: #[df_embedded] goes on a struct with named fields or an enum.
use df_schema::df_embedded;

#[df_embedded]
pub union Bits {
    pub word: u32,
    pub bytes: [u8; 4],
}

fn main() {}
