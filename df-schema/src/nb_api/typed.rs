//! Typed access for models already at their head version, e.g. when a migration creates
//! objects of a new model.

use super::NbApi;
use crate::{MigrationError, Model};
use serde_json::Value;

impl NbApi {
    /// Decodes one object of `M`'s table as `M`.
    pub fn get_model<M: Model>(&self, id: &str) -> Result<Option<M>, MigrationError> {
        let Some(object) = self.get(M::TABLE, id) else { return Ok(None) };
        decode::<M>(id, object).map(Some)
    }

    /// Decodes every object of `M`'s table, in id order.
    pub fn models<M: Model>(&self) -> Result<Vec<M>, MigrationError> {
        self.iter(M::TABLE).map(|(id, stored)| decode::<M>(id, stored.object())).collect()
    }

    /// Stores a model object in its table, under its id and topic.
    pub fn put_model<M: Model>(&mut self, model: &M) -> Result<(), MigrationError> {
        let value = serde_json::to_value(model)
            .map_err(|e| MigrationError::object(M::TABLE, model.id(), format!("cannot encode as JSON: {e}")))?;
        let Value::Object(object) = value else {
            return Err(MigrationError::object(M::TABLE, model.id(), "a model must encode as a JSON object"));
        };
        let topic = model.topic().to_owned();
        self.put_in_topic(M::TABLE, &topic, object)
    }
}

fn decode<M: Model>(id: &str, object: &super::Object) -> Result<M, MigrationError> {
    // Through `Deserializer for &Map`, without copying the object into a `Value`.
    M::deserialize(object).map_err(|e| MigrationError::Decode {
        model: M::NAME,
        version: M::VERSION,
        table: M::TABLE.to_owned(),
        id: id.to_owned(),
        reason: e.to_string(),
    })
}
