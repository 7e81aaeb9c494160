// Rule 6: renamed_from on a model's first version has nothing to rename, and is refused rather than ignored.
use df_schema::df_model;

#[df_model(version = 1, table = "host", renamed_from = "chassis", lock = "renamed-from-on-a-new-model.lock")]
pub struct Host {
    pub id: String,
}

fn main() {}
