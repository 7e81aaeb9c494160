// Rule 7: #[serde] is not allowed on a model or its fields (the JSON shape is the recorded one).
use df_schema::df_model;

#[df_model(version = 1, table = "lport", lock = "serde-attribute.lock")]
#[serde(rename_all = "camelCase")]
pub struct LogicalPort {
    pub id: String,
    pub topic: String,
    #[serde(rename = "lswitch")]
    pub logical_switch: String,
}

fn main() {}
