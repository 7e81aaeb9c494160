// Rule 7: a stored enum is one concrete type.
use df_schema::df_embedded;

#[df_embedded(lock = "enum-generic.lock")]
pub enum Reading<T> {
    Missing,
    Value(T),
}

fn main() {}
