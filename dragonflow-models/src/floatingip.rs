//! Floating IPs: public addresses `NATed` to a port's fixed address by a router.
//!
//! | version | release | change |
//! |---|---|---|
//! | 1 | 2.0 | baseline: with `name` and `unique_key` |
//! | 2 | 4.0 | `unique_key` removed: migration `floatingip_v2_no_unique_key` |
//! | 3 | 5.0 | `name` removed: migration `floatingip_v3_no_name` |

use df_schema::{df_model, migration, MigrationError, Object};

/// A floating IP, stored in its tenant's topic: `{floatingip.<topic>}<id>`.
#[df_model(version = 3, table = "floatingip", release = "5.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct FloatingIp {
    /// Neutron's id of the floating IP, as in its key.
    pub id: String,
    /// The Neutron project (tenant) that owns it, as in its key.
    pub topic: String,
    /// Neutron's revision of the object (not the schema version).
    pub version: i64,
    /// The public address.
    pub floating_ip_address: String,
    /// The port's address the floating IP is `NATed` to; `None` while unassociated.
    pub fixed_ip_address: Option<String>,
    /// The id of the associated port.
    pub lport: Option<String>,
    /// The id of the port that holds the floating address on the external network.
    pub floating_lport: Option<String>,
    /// The id of the router that does the NAT.
    pub lrouter: Option<String>,
}

/// 4.0: floating IPs lose their `unique_key`. The `floatingip` counter, if any, stays.
#[migration(
    model = FloatingIp,
    to = 2,
    release = "4.0",
    proposed_at = "2018-01-29 10:00:00",
    description = "floatingip: unique_key removed",
    id = "floatingip-v2-no-unique-key"
)]
fn floatingip_v2_no_unique_key(_id: &str, floatingip: &mut Object) -> Result<(), MigrationError> {
    floatingip.remove("unique_key");
    Ok(())
}

/// 5.0: floating IPs lose their `name`.
#[migration(
    model = FloatingIp,
    to = 3,
    release = "5.0",
    proposed_at = "2019-02-04 10:00:00",
    description = "floatingip: name removed",
    id = "floatingip-v3-no-name"
)]
fn floatingip_v3_no_name(_id: &str, floatingip: &mut Object) -> Result<(), MigrationError> {
    floatingip.remove("name");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::{dump, load};
    use serde_json::{json, Value};

    /// A whole stored floating IP: the members no step changes, plus `members`.
    fn fip(id: &str, topic: &str, members: Value) -> Value {
        let mut fip = json!({
            "id": id, "topic": topic, "version": 1, "floating_ip_address": "203.0.113.10",
            "fixed_ip_address": "10.0.0.5", "lport": "port-vm1", "floating_lport": "port-fip", "lrouter": "router-a",
        });
        fip.as_object_mut().unwrap().extend(members.as_object().unwrap().clone());
        fip
    }

    #[test]
    fn unique_key_then_name_are_removed_and_topics_kept() {
        let mut nb = load(json!({
            "{floatingip.tenant-a}fip-1": fip("fip-1", "tenant-a", json!({"name": "web", "unique_key": 7})),
            "{floatingip.tenant-b}fip-2": fip("fip-2", "tenant-b", json!({"name": null, "unique_key": 8, "fixed_ip_address": null,
                                                                          "lport": null, "lrouter": null})),
        }));
        nb.set_counter("floatingip", 8);
        nb.update_each("floatingip", floatingip_v2_no_unique_key).unwrap();
        assert_eq!(
            dump(&nb, "floatingip"),
            json!({
                "{floatingip.tenant-a}fip-1": fip("fip-1", "tenant-a", json!({"name": "web"})),
                "{floatingip.tenant-b}fip-2": fip("fip-2", "tenant-b", json!({"name": null, "fixed_ip_address": null,
                                                                              "lport": null, "lrouter": null})),
            })
        );
        nb.update_each("floatingip", floatingip_v3_no_name).unwrap();
        assert_eq!(
            dump(&nb, "floatingip"),
            json!({
                "{floatingip.tenant-a}fip-1": fip("fip-1", "tenant-a", json!({})),
                "{floatingip.tenant-b}fip-2": fip("fip-2", "tenant-b", json!({"fixed_ip_address": null, "lport": null, "lrouter": null})),
            })
        );
        assert_eq!(nb.models::<FloatingIp>().unwrap().len(), 2);
    }
}
