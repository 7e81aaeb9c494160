//! Reservations, removed in 3.0: the desk now takes holds by phone, so the model and its
//! struct are gone. The lock still records `Reservation` (1.0), and the removal migration
//! below is what deployed databases run to drop its table.

use df_schema::{migration, MigrationError, NbApi};

/// 3.0: drops every reservation (table `reservation`).
#[migration(
    removes = "Reservation",
    release = "3.0",
    proposed_at = "2021-03-04 09:00:00",
    description = "reservations are no longer kept",
    id = "reservation-removed"
)]
fn reservation_removed(nb: &mut NbApi) -> Result<(), MigrationError> {
    nb.drop_table("reservation");
    Ok(())
}
