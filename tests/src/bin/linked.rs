//! A runner-like program that names its model crate once, as the df-schema docs say,
//! and prints what the registry holds.

use link_models as _;

fn main() {
    for model in df_schema::registry::models() {
        println!("model {} v{}", model.name, model.version);
    }
    for migration in df_schema::registry::migrations() {
        println!("migration {}", migration.id);
    }
}
