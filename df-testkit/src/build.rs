//! Builds with one migration replaced: how tests and the fault campaign run the engine over
//! a migration that fails, panics or misdeclares its tables, with everything else as
//! linked.

use df_migrations::Build;
use df_schema::registry::MigrationEntry;

/// `build` with migration `id` replaced by what `replace` makes of it; `None` if the build
/// lacks `id`. The replacement is leaked: the engine holds registry entries as `'static`,
/// as the program's own live as long as it does.
pub fn with_migration(mut build: Build, id: &str, replace: impl FnOnce(&MigrationEntry) -> MigrationEntry) -> Option<Build> {
    let index = build.migrations.iter().position(|m| m.id == id)?;
    build.migrations[index] = Box::leak(Box::new(replace(build.migrations[index])));
    Some(build)
}
