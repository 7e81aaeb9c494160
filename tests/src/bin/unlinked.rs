//! The same program without naming the model crate: it depends on the crate, but the
//! crate is not linked, so its registrations are absent.

fn main() {
    println!("{} models", df_schema::registry::models().len());
}
