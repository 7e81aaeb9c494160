//! Security groups and their rules.
//!
//! | version | release | change |
//! |---|---|---|
//! | 1 | 2.0 | baseline: a rule's `protocol` is a name or a decimal string |
//! | 2 | 3.0 | new `unique_key` from the table's counter: migration `secgroup_v2_unique_key` |
//! | 3 | 4.0 | a rule's `protocol` is its IP protocol number: migration `secgroup_v3_protocol_numbers` |

use df_schema::{df_embedded, df_model, migration, MigrationError, NbApi, Object};
use serde_json::Value;

/// A Neutron security group, stored in its tenant's topic: `{secgroup.<topic>}<id>`.
#[df_model(version = 3, table = "secgroup", release = "4.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    /// Neutron's id of the group, as in its key.
    pub id: String,
    /// The Neutron project (tenant) that owns it, as in its key.
    pub topic: String,
    /// The name given in Neutron, if any.
    pub name: Option<String>,
    /// Neutron's revision of the object (not the schema version).
    pub version: i64,
    /// The datapath's key for the group (conntrack zones, flow metadata).
    pub unique_key: i64,
    /// The group's rules: traffic that any of them lets through passes.
    pub rules: Vec<SecurityGroupRule>,
}

/// One rule of a security group: traffic it lets in (`"ingress"`) or out (`"egress"`).
#[df_embedded]
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroupRule {
    /// Neutron's id of the rule.
    pub id: String,
    /// The Neutron project (tenant) that owns it.
    pub topic: String,
    /// Neutron's revision of the rule (not the schema version).
    pub version: i64,
    /// `"ingress"` or `"egress"`.
    pub direction: String,
    /// `"IPv4"` or `"IPv6"`.
    pub ethertype: String,
    /// The lowest port matched (for ICMP, the type); `None` matches any.
    pub port_range_min: Option<i64>,
    /// The highest port matched (for ICMP, the code); `None` matches any.
    pub port_range_max: Option<i64>,
    /// The IP protocol number (6 is TCP); `None` matches every protocol.
    pub protocol: Option<i64>,
    /// Matches only the traffic from (ingress) or to (egress) the ports of this group, if
    /// set.
    pub remote_group_id: Option<String>,
    /// Matches only the traffic from (ingress) or to (egress) this CIDR, if set.
    pub remote_ip_prefix: Option<String>,
    /// The id of the group the rule belongs to.
    pub security_group_id: String,
}

/// 3.0: security groups get a `unique_key` from the `secgroup` counter, in ascending id
/// order.
#[migration(
    model = SecurityGroup,
    to = 2,
    release = "3.0",
    proposed_at = "2017-07-04 11:00:00",
    description = "secgroup: allocate a unique_key for every security group",
    id = "secgroup-v2-unique-key",
    tables = ["secgroup"]
)]
fn secgroup_v2_unique_key(nb: &mut NbApi) -> Result<(), MigrationError> {
    crate::unique_key::allocate_missing(nb, "secgroup")
}

/// 4.0: a rule's `protocol` is stored as its IP protocol number. 3.0 stored what Neutron
/// was given, a name or the number as a string; anything else cannot be enforced, so the
/// upgrade stops and names the group and the rule to fix.
#[migration(
    model = SecurityGroup,
    to = 3,
    release = "4.0",
    proposed_at = "2018-01-22 10:00:00",
    description = "secgroup: rule protocol names become IP protocol numbers",
    id = "secgroup-v3-protocol-numbers"
)]
fn secgroup_v3_protocol_numbers(id: &str, group: &mut Object) -> Result<(), MigrationError> {
    let Some(Value::Array(rules)) = group.get_mut("rules") else { return Ok(()) };
    for rule in rules.iter_mut().filter_map(Value::as_object_mut) {
        let Some(protocol) = rule.get("protocol") else { continue };
        let number = protocol_number(protocol).map_err(|reason| {
            let rule_id = rule.get("id").and_then(Value::as_str).unwrap_or("without an id");
            MigrationError::object("secgroup", id, format!("rule {rule_id}: {reason}"))
        })?;
        rule.insert("protocol".to_owned(), number);
    }
    Ok(())
}

/// The IP protocol number of a 3.0 rule's protocol: a name Dragonflow knew, a canonical
/// decimal string `"0"`…`"255"`, or `null` (any protocol).
fn protocol_number(protocol: &Value) -> Result<Value, String> {
    let number = match protocol {
        Value::Null => return Ok(Value::Null),
        Value::String(name) => match name.as_str() {
            "icmp" => Some(1),
            "tcp" => Some(6),
            "udp" => Some(17),
            "icmpv6" => Some(58),
            text => text.parse::<u8>().ok().filter(|n| n.to_string() == text),
        },
        _ => None,
    };
    number.map(Value::from).ok_or_else(|| {
        format!("protocol {protocol} is neither icmp, tcp, udp, icmpv6 nor a protocol number \"0\"…\"255\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::{dump, load};
    use serde_json::json;

    /// A whole stored rule of group `group`: the members no step changes, plus `members`.
    fn rule(group: &str, id: &str, members: Value) -> Value {
        let mut rule = json!({
            "id": id, "topic": "tenant-a", "version": 1, "direction": "ingress", "ethertype": "IPv4",
            "port_range_min": null, "port_range_max": null, "remote_group_id": null,
            "remote_ip_prefix": "0.0.0.0/0", "security_group_id": group,
        });
        rule.as_object_mut().unwrap().extend(members.as_object().unwrap().clone());
        rule
    }

    #[test]
    fn unique_keys_continue_the_table_counter_in_byte_order_of_id() {
        let group = |id: &str, topic: &str, members: Value| {
            let mut group = json!({"id": id, "topic": topic, "name": id, "version": 1, "rules": []});
            group.as_object_mut().unwrap().extend(members.as_object().unwrap().clone());
            group
        };
        let mut nb = load(json!({
            "{secgroup.tenant-a}sg-web": group("sg-web", "tenant-a", json!({})),
            "{secgroup.tenant-b}sg-db": group("sg-db", "tenant-b", json!({})),
            "{secgroup.tenant-a}sg-default": group("sg-default", "tenant-a", json!({})),
        }));
        nb.set_counter("secgroup", 4);
        nb.set_counter("lswitch", 100);
        secgroup_v2_unique_key(&mut nb).unwrap();
        assert_eq!(
            dump(&nb, "secgroup"),
            json!({
                "{secgroup.tenant-b}sg-db": group("sg-db", "tenant-b", json!({"unique_key": 5})),
                "{secgroup.tenant-a}sg-default": group("sg-default", "tenant-a", json!({"unique_key": 6})),
                "{secgroup.tenant-a}sg-web": group("sg-web", "tenant-a", json!({"unique_key": 7})),
            })
        );
        assert_eq!((nb.counter("secgroup"), nb.counter("lswitch")), (7, 100));
    }

    #[test]
    fn protocol_names_and_decimal_strings_become_numbers() {
        let protocols = [
            ("r-icmp", json!("icmp"), json!(1)),
            ("r-tcp", json!("tcp"), json!(6)),
            ("r-udp", json!("udp"), json!(17)),
            ("r-icmpv6", json!("icmpv6"), json!(58)),
            ("r-zero", json!("0"), json!(0)),
            ("r-gre", json!("47"), json!(47)),
            ("r-max", json!("255"), json!(255)),
            ("r-any", Value::Null, Value::Null),
        ];
        let rules = |index: usize| -> Vec<Value> {
            protocols.iter().map(|(id, before, after)| {
                let protocol = [before, after][index].clone();
                rule("sg-1", id, json!({"protocol": protocol}))
            }).collect()
        };
        let group = |id: &str, topic: &str, rules: Vec<Value>| {
            json!({"id": id, "topic": topic, "name": null, "version": 4, "unique_key": 1, "rules": rules})
        };
        let mut nb = load(json!({
            "{secgroup.tenant-a}sg-1": group("sg-1", "tenant-a", rules(0)),
            "{secgroup.tenant-b}sg-empty": group("sg-empty", "tenant-b", vec![]),
            // An absent protocol is as good as `null`, and stays absent.
            "{secgroup.tenant-b}sg-absent": group("sg-absent", "tenant-b", vec![rule("sg-absent", "r-absent", json!({}))]),
        }));
        nb.update_each("secgroup", secgroup_v3_protocol_numbers).unwrap();
        assert_eq!(
            dump(&nb, "secgroup"),
            json!({
                "{secgroup.tenant-a}sg-1": group("sg-1", "tenant-a", rules(1)),
                "{secgroup.tenant-b}sg-empty": group("sg-empty", "tenant-b", vec![]),
                "{secgroup.tenant-b}sg-absent": group("sg-absent", "tenant-b", vec![rule("sg-absent", "r-absent", json!({}))]),
            })
        );
        assert_eq!(nb.models::<SecurityGroup>().unwrap()[0].rules[1].protocol, Some(6));
    }

    #[test]
    fn an_unknown_protocol_fails_naming_the_group_and_the_rule() {
        let group = |rules: Vec<Value>| json!({"id": "sg-2", "topic": "t", "name": null, "version": 1, "unique_key": 2, "rules": rules});
        for (protocol, shown) in [
            (json!("sctp"), "\"sctp\""),
            (json!("TCP"), "\"TCP\""),
            (json!("256"), "\"256\""),
            (json!("06"), "\"06\""),
            (json!("+6"), "\"+6\""),
            (json!(""), "\"\""),
            (json!(6), "6"),
        ] {
            let mut nb = load(json!({
                "{secgroup.t}sg-2": group(vec![
                    rule("sg-2", "rule-ok", json!({"protocol": "tcp"})),
                    rule("sg-2", "rule-bad", json!({"protocol": protocol})),
                ]),
            }));
            let error = nb.update_each("secgroup", secgroup_v3_protocol_numbers).unwrap_err();
            let message = format!(
                "rule rule-bad: protocol {shown} is neither icmp, tcp, udp, icmpv6 nor a protocol number \"0\"…\"255\""
            );
            assert_eq!(error, MigrationError::object("secgroup", "sg-2", message));
        }
    }
}
