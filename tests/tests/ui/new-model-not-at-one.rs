// Rule 3: a model the lock does not know starts at version 1.
use df_schema::df_model;

#[df_model(version = 3, table = "secgroup", lock = "new-model-not-at-one.lock")]
pub struct SecurityGroup {
    pub id: String,
    pub topic: String,
    pub name: String,
}

fn main() {}
