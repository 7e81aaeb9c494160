//! What the engine needs of [`NbApi`] and [`Stored`] beyond the verbs migrations use:
//! loading a database read from a store, running a pass on every core, flushing parses,
//! taking the tables out to write them. Migration authors never need these, so they are
//! traits reached through `df_schema::__private`, sealed so that nothing else implements
//! them, and the documented API stays the authors' alone.

use super::check::{self, BadObject};
use super::{NbApi, Object, Stored, UPDATE_CHUNK};
use std::collections::{BTreeMap, BTreeSet};

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::NbApi {}
    impl Sealed for super::Stored {}
}

/// The engine's side of [`NbApi`].
pub trait EngineNb: sealed::Sealed {
    /// Inserts a stored object as it is, under `id`.
    fn insert(&mut self, table: &str, id: &str, stored: Stored);

    /// Inserts many objects of a table at once: how a store loads a table, far faster
    /// than one [`EngineNb::insert`] at a time. An object replaces one with its id
    /// already in the table; `objects` holding an id twice keeps one of the two.
    fn load_table(&mut self, table: &str, objects: Vec<(String, Stored)>);

    /// [`NbApi::update_each`] for an `f` that needs nothing but the object: the parsing,
    /// `f` and the writing back of each object all run on every core. The error returned
    /// is that of the first failing object in id order within its share of the table.
    ///
    /// Per-object migrations and recorded defaults run this way, several steps in one
    /// pass, which is why the error type is the caller's.
    fn update_each_par<E: Send>(&mut self, table: &str, f: impl Fn(&str, &mut Object) -> Result<(), E> + Sync) -> Result<(), E>;

    /// Writes every change back to JSON and drops every parsed object: the engine calls
    /// this after each step, so that parses cached by reads do not pile up.
    fn flush(&mut self);

    /// Takes the tables out, e.g. to write them to a store without copying the objects.
    fn into_tables(self) -> BTreeMap<String, BTreeMap<String, Stored>>;

    /// The table and id of the object a migration was working on through
    /// [`NbApi::update_each`] when it stopped, if it stopped there.
    /// ([`EngineNb::update_each_par`] runs on several objects at once; its callers name
    /// the object in their error.)
    fn position(&self) -> Option<(&str, &str)>;

    /// Runs `f` on `tables` alone (their objects and counters), moved into a database of
    /// their own which refuses every other table, and puts them back after, as `f` left
    /// them, even if it panics. This is how a migration that declared its tables
    /// (`#[migration(tables = […])]`) runs: it provably leaves the rest alone, so the
    /// engine may run other tables' steps before it.
    fn within<T>(&mut self, tables: &[&str], f: impl FnOnce(&mut NbApi) -> T) -> T;
}

impl EngineNb for NbApi {
    fn insert(&mut self, table: &str, id: &str, stored: Stored) {
        self.check(table);
        self.tables.entry(table.to_owned()).or_default().insert(id.to_owned(), stored);
    }

    fn load_table(&mut self, table: &str, objects: Vec<(String, Stored)>) {
        self.check(table);
        match self.tables.get_mut(table) {
            Some(existing) => existing.extend(objects),
            // Built in one pass from the sorted list.
            None => drop(self.tables.insert(table.to_owned(), objects.into_iter().collect())),
        }
    }

    fn update_each_par<E: Send>(&mut self, table: &str, f: impl Fn(&str, &mut Object) -> Result<(), E> + Sync) -> Result<(), E> {
        self.check(table);
        let mut objects: Vec<(&String, &mut Stored)> = self.tables.get_mut(table).into_iter().flatten().collect();
        for chunk in objects.chunks_mut(UPDATE_CHUNK) {
            crate::__private::parallel::try_for_each_mut(chunk, |(id, stored)| {
                let result = f(id, stored.object_mut());
                stored.flush();
                result
            })?;
        }
        Ok(())
    }

    fn flush(&mut self) {
        self.tables.values_mut().flat_map(BTreeMap::values_mut).for_each(Stored::flush);
    }

    fn into_tables(self) -> BTreeMap<String, BTreeMap<String, Stored>> {
        self.tables
    }

    fn position(&self) -> Option<(&str, &str)> {
        self.position.as_ref().map(|(t, id)| (t.as_str(), id.as_str()))
    }

    fn within<T>(&mut self, tables: &[&str], f: impl FnOnce(&mut NbApi) -> T) -> T {
        /// Puts the part back when dropped, unwinding included.
        struct Part<'a> {
            whole: &'a mut NbApi,
            part: NbApi,
        }
        impl Drop for Part<'_> {
            fn drop(&mut self) {
                let part = std::mem::take(&mut self.part);
                self.whole.tables.extend(part.tables);
                self.whole.counters.extend(part.counters);
                self.whole.position = part.position;
            }
        }
        let scope: BTreeSet<String> = tables.iter().map(|t| (*t).to_owned()).collect();
        let mut part = NbApi { scope: Some(scope), ..NbApi::default() };
        for &table in tables {
            if let Some(objects) = self.tables.remove(table) {
                part.tables.insert(table.to_owned(), objects);
            }
            if let Some(counter) = self.counters.remove(table) {
                part.counters.insert(table.to_owned(), counter);
            }
        }
        let mut guard = Part { whole: self, part };
        f(&mut guard.part)
    }
}

/// The engine's side of [`Stored`].
pub trait EngineStored: sealed::Sealed + Sized {
    /// An object as read from a store under `id`, once its bytes are checked to be one
    /// JSON object with that `id` (without parsing it into a map: the object stays as its
    /// bytes until a migration works on it).
    fn from_store(topic: impl Into<String>, id: &str, bytes: Vec<u8>) -> Result<Self, BadObject>;

    /// Whether the object differs from what was read from the store (after a flush; an
    /// object made in memory always does).
    fn changed(&self) -> bool;

    /// The object's JSON bytes, if it has no unflushed change.
    fn flushed_bytes(&self) -> Option<&[u8]>;

    /// The JSON bytes, flushing first, without copying them.
    fn into_bytes(self) -> Vec<u8>;
}

impl EngineStored for Stored {
    fn from_store(topic: impl Into<String>, id: &str, bytes: Vec<u8>) -> Result<Stored, BadObject> {
        check::object(id, &bytes)?;
        Ok(Stored::read(topic.into(), bytes))
    }

    fn changed(&self) -> bool {
        self.changed || self.dirty
    }

    fn flushed_bytes(&self) -> Option<&[u8]> {
        if self.dirty {
            None
        } else {
            self.bytes.as_deref()
        }
    }

    fn into_bytes(mut self) -> Vec<u8> {
        self.flush();
        self.bytes.take().expect("a flushed object has bytes").into_vec()
    }
}
