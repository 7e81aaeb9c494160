//! `OpenStack` Dragonflow's north-bound (NB) database models, with the schema changes that
//! Dragonflow really made between its releases 2.0 and 5.0, written with df-schema. This
//! is the crate to copy when you write your own model crate.
//!
//! # What is where
//!
//! One module per table family. Each holds its models at their head version (release
//! 5.0) with the `#[df_embedded]` structs they contain, then the hand-written migrations
//! of its history, oldest first, then their unit tests. Each module's documentation
//! starts with its version history.
//!
//! | module | models (tables) |
//! |---|---|
//! | [`chassis`] | [`Chassis`] (`chassis`) |
//! | [`publisher`] | [`Publisher`] (`publisher`) |
//! | [`lswitch`] | [`LogicalSwitch`] (`lswitch`), [`Subnet`] (`lsubnet`, new in 5.0) |
//! | [`lport`] | [`LogicalPort`] (`lport`) |
//! | [`lrouter`] | [`LogicalRouter`] (`lrouter`) |
//! | [`floatingip`] | [`FloatingIp`] (`floatingip`) |
//! | [`secgroup`] | [`SecurityGroup`] (`secgroup`) |
//! | [`switch_port`] | [`SwitchPort`] (`switch_port`; `ovs_port` before 4.0) |
//! | [`migration`] | [`LiveMigration`] (`migration`, new in 4.0) |
//!
//! [`host_route`] holds [`HostRoute`], which subnets and routers share; `unique_key`
//! holds the key allocation that two 3.0 migrations share.
//!
//! `df-schema.lock`, beside `Cargo.toml`, records every version of every model from the
//! 2.0 baseline on, each with the release that introduced it. It was built the way a
//! project builds it over the years: the models were written in their 2.0 shapes and
//! recorded with `DF_SCHEMA_BLESS=1 cargo build`; then each release's changes were made
//! (version bumped, `release` set), recorded the same way, one version at a time, and the
//! build then asked for the migrations that the lock shows are needed.
//!
//! # History
//!
//! | release | step | kind |
//! |---|---|---|
//! | 3.0 | `LogicalPort` v2: `tunnel_key` renamed `unique_key` | migration |
//! | 3.0 | `Chassis` v2: `tunnel_type` becomes `tunnel_types` | migration |
//! | 3.0 | `LogicalSwitch` v2: new `unique_key` | migration |
//! | 3.0 | `SecurityGroup` v2: new `unique_key` | migration |
//! | 4.0 | `LogicalPort` v3: `chassis` + `remote_vtep` become `binding` | migration |
//! | 4.0 | `LogicalPort` v4: `extra_dhcp_options` becomes `dhcp_params` | migration |
//! | 4.0 | `SecurityGroup` v3: rule protocols become numbers | migration |
//! | 4.0 | `FloatingIp` v2: `unique_key` removed | migration |
//! | 4.0 | `SwitchPort` v2: table `ovs_port` renamed `switch_port`, members renamed | migration |
//! | 4.0 | `LiveMigration` v1: new model | automatic |
//! | 5.0 | `LogicalSwitch` v3: subnets move out into `lsubnet` | migration |
//! | 5.0 | `Subnet` v1: new model | automatic |
//! | 5.0 | `FloatingIp` v3: `name` removed | migration |
//! | 5.0 | `SwitchPort` v3: `peer_bridge` removed | migration |
//! | 5.0 | `LogicalPort` v5: new `binding_vnic_type`, default `"normal"` | automatic |
//! | 5.0 | `LogicalSwitch` v4: new `qos_policy`, default `null` | automatic |
//!
//! # How the migrations are written
//!
//! - A migration works on the stored data in its *old* shape: `serde_json` objects in an
//!   [`NbApi`](df_schema::NbApi), before the new version's defaults exist. So it expects
//!   absent members as well as `null` ones, and it never decodes the old data as a model
//!   struct (the struct is the head version).
//! - Tables are named by string literal, not by `Model::TABLE`: a migration describes the
//!   data as it was stored at its version, and `TABLE` is the head's table.
//! - Each has an explicit `id`, the key of the migration log in deployed databases; the
//!   default id is the function's module path, which would change if the code moved.
//! - `proposed_at` orders the migrations: within a release, in the order the changes
//!   were made; across releases, chronologically.
//! - Every object keeps its topic (its partition, part of its key): `update_each`, `put`
//!   and `move_table` keep it, and objects of a new table are stored with `put_in_topic`.
//! - Data a migration cannot handle fails it with [`MigrationError::object`](df_schema::MigrationError::object),
//!   naming the table and the object (and what inside it), so that an operator can find
//!   and fix it; the engine then writes nothing.
//!
//! # Linking
//!
//! Models and migrations register themselves, and only crates a program names are
//! linked: a program that upgrades Dragonflow databases names this crate once, e.g.
//! `use dragonflow_models as _;`.

pub mod chassis;
pub mod floatingip;
pub mod host_route;
pub mod lport;
pub mod lrouter;
pub mod lswitch;
pub mod migration;
pub mod publisher;
pub mod secgroup;
pub mod switch_port;
mod unique_key;

#[cfg(test)]
mod test_db;

pub use chassis::Chassis;
pub use floatingip::FloatingIp;
pub use host_route::HostRoute;
pub use lport::{AllowedAddressPair, DhcpParams, LogicalPort, PortBinding};
pub use lrouter::{LogicalRouter, RouterPort};
pub use lswitch::{LogicalSwitch, Subnet};
pub use migration::LiveMigration;
pub use publisher::Publisher;
pub use secgroup::{SecurityGroup, SecurityGroupRule};
pub use switch_port::SwitchPort;

// Dragonflow's own key layout, so that a real Dragonflow database is upgraded in place
// (see `df_schema::key_layout`).
df_schema::key_layout!(dragonflow);

df_schema::check_schema_lock!();
