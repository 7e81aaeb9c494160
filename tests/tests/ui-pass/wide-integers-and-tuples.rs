// u128 and i128 store as strings of their decimal digits, every digit kept through a JSON
// value; a tuple stores as an array of exactly its members; a fixed array as a list.
use df_schema::{df_embedded, df_model, Model};

#[df_embedded(lock = "wide-integers-and-tuples.lock")]
#[derive(Debug, PartialEq)]
pub struct Counter {
    pub packets: u128,
    pub delta: Option<i128>,
}

#[df_model(version = 1, lock = "wide-integers-and-tuples.lock")]
#[derive(Debug, PartialEq)]
pub struct Meter {
    pub id: String,
    pub total: u128,
    #[df(default = "-170141183460469231731687303715884105728")]
    pub offset: i128,
    pub serial: Option<u128>,
    pub counters: Vec<Counter>,
    pub uplink: (String, u16),
    pub mac: [u8; 6],
}

fn main() {
    let meter = Meter {
        id: "m1".into(),
        total: u128::MAX,
        offset: -1,
        serial: None,
        counters: vec![Counter { packets: 1 << 100, delta: Some(i128::MIN) }],
        uplink: ("eth0".into(), 4789),
        mac: [2, 0, 0, 0, 0, 1],
    };
    let json = serde_json::to_value(&meter).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "id": "m1", "total": "340282366920938463463374607431768211455", "offset": "-1", "serial": null,
            "counters": [{"packets": "1267650600228229401496703205376", "delta": "-170141183460469231731687303715884105728"}],
            "uplink": ["eth0", 4789], "mac": [2, 0, 0, 0, 0, 1],
        })
    );
    assert!(Meter::history().versions[&1].schema.object_ty().accepts(&json), "the recorded shape accepts what serde writes");
    assert_eq!(serde_json::from_value::<Meter>(json).unwrap(), meter);
    let defaulted: Meter = serde_json::from_value(serde_json::json!({
        "id": "m2", "total": "0", "counters": [], "uplink": ["eth1", 0], "mac": [0, 0, 0, 0, 0, 0],
    }))
    .unwrap();
    assert_eq!((defaulted.offset, defaulted.serial), (i128::MIN, None));
    for bad in [serde_json::json!(7), serde_json::json!("7.0"), serde_json::json!("+7")] {
        let object = serde_json::json!({"id": "m3", "total": bad, "counters": [], "uplink": ["e", 0], "mac": [0, 0, 0, 0, 0, 0]});
        assert!(serde_json::from_value::<Meter>(object).is_err(), "{bad} is not a stored u128");
    }
}
