// A new model (with embedded structs) needs nothing but its first recording; it is
// registered and (de)serializes to exactly the recorded JSON.
use df_schema::{df_embedded, df_model, Model};

#[df_embedded(lock = "new-model.lock")]
#[derive(Debug, Clone, PartialEq)]
pub struct HostRoute {
    pub destination: String,
    pub nexthop: String,
}

#[df_model(version = 1, table = "lsubnet", release = "5.0", lock = "new-model.lock")]
#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    pub id: String,
    pub topic: String,
    pub name: Option<String>,
    pub version: i64,
    pub cidr: String,
    pub gateway_ip: Option<String>,
    pub dns_nameservers: Vec<String>,
    pub host_routes: Vec<HostRoute>,
    pub lswitch: String,
}

fn main() {
    let registered = df_schema::registry::models();
    let [entry] = registered.as_slice() else { panic!("one model is registered") };
    assert_eq!((entry.name, entry.table, entry.version, entry.has_topic), ("Subnet", "lsubnet", 1, true));
    assert_eq!(entry.fingerprint, Subnet::FINGERPRINT);
    let recorded = &Subnet::history().versions[&1];
    assert_eq!(recorded.fingerprint, Subnet::FINGERPRINT);
    assert_eq!(recorded.schema.field("host_routes").unwrap().ty.to_string(), "[{destination: str, nexthop: str}]");

    let json = serde_json::json!({
        "id": "s1", "topic": "t", "name": null, "version": 1, "cidr": "10.0.0.0/24",
        "gateway_ip": "10.0.0.1", "dns_nameservers": [], "lswitch": "ls1",
        "host_routes": [{"destination": "0.0.0.0/0", "nexthop": "10.0.0.254"}]
    });
    assert_eq!((entry.decode)(json.to_string().as_bytes()), Ok(()));
    let subnet: Subnet = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(serde_json::to_value(&subnet).unwrap(), json);
    assert_eq!(subnet.id(), "s1");
    assert_eq!(subnet.topic(), "t");
    let bad = serde_json::json!({"id": "s1", "topic": "t", "cidr": 5});
    assert!((entry.decode)(bad.to_string().as_bytes()).unwrap_err().contains("invalid type"));
}
