// Rule 2: a new model whose lock does not exist yet must be recorded with bless.
use df_schema::df_model;

#[df_model(version = 1, table = "secgroup", lock = "new-model-not-recorded.lock")]
pub struct SecurityGroup {
    pub id: String,
    pub topic: String,
    pub name: String,
}

fn main() {}
