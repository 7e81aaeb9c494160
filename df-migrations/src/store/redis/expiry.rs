//! Keys with a time to live: an upgrade rewrites the keys it changes without one and a
//! rollback restores bytes, not expiries, so the engine refuses a database whose owned keys
//! expire (see `Store::expiring`). `INFO keyspace` counts a database's expiring keys, so
//! that the common case, none but the lease, costs one command instead of a scan.

/// How many keys of database `db` have a time to live, from `info` (the reply of
/// `INFO keyspace`: `db0:keys=10,expires=1,avg_ttl=0`); 0 for a database it does not list
/// (an empty one).
pub fn expiring_keys(info: &str, db: i64) -> Option<u64> {
    let prefix = format!("db{db}:");
    let Some(fields) = info.lines().find_map(|line| line.trim().strip_prefix(prefix.as_str())) else {
        return info.contains("# Keyspace").then_some(0);
    };
    fields.split(',').find_map(|field| field.strip_prefix("expires="))?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_expiring_keys_of_one_database() {
        let info = "# Keyspace\r\ndb0:keys=10,expires=1,avg_ttl=0\r\ndb3:keys=5,expires=4,avg_ttl=100\r\n";
        assert_eq!(expiring_keys(info, 0), Some(1));
        assert_eq!(expiring_keys(info, 3), Some(4));
        assert_eq!(expiring_keys(info, 1), Some(0), "an empty database is not listed");
        assert_eq!(expiring_keys("garbage", 0), None);
    }
}
