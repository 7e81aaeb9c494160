//! A server's memory from `INFO memory`, so that an upgrade can refuse to write more than
//! fits before a server evicts keys or refuses writes.

use crate::store::Memory;

/// The memory of `node` that `info` (its reply to `INFO memory`) tells; `None` where the
/// reply lacks it.
pub fn parse(node: &str, info: &str) -> Option<Memory> {
    let field = |name: &str| info.lines().find_map(|line| line.trim().strip_prefix(name)?.strip_prefix(':').map(str::trim));
    let limit: u64 = field("maxmemory")?.parse().ok()?;
    Some(Memory {
        node: node.to_owned(),
        used: field("used_memory")?.parse().ok()?,
        limit: (limit > 0).then_some(limit),
        policy: field("maxmemory_policy").unwrap_or("noeviction").to_owned(),
        setting: "maxmemory",
        remedy: format!("CONFIG SET maxmemory on {node}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_limit_the_use_and_the_policy() {
        let info = "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nmaxmemory:4194304\r\nmaxmemory_human:4.00M\r\nmaxmemory_policy:allkeys-lru\r\n";
        assert_eq!(parse("h:1", info), Some(Memory {
                node: "h:1".into(),
                used: 1_048_576,
                limit: Some(4_194_304),
                policy: "allkeys-lru".into(),
                setting: "maxmemory",
                remedy: "CONFIG SET maxmemory on h:1".into()
            }));
        let unlimited = parse("h:1", "used_memory:10\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n").unwrap();
        assert_eq!(unlimited.limit, None, "no limit");
        assert_eq!(parse("h:1", "garbage"), None);
    }
}
