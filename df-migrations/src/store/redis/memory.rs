//! A server's memory from `INFO memory`, so that an upgrade can refuse to write more than
//! fits before a server evicts keys or refuses writes.

use crate::store::Memory;

/// The memory `info` (the reply of `INFO memory`) tells, if the server has a limit.
pub fn parse(info: &str) -> Option<Memory> {
    let field = |name: &str| info.lines().find_map(|line| line.trim().strip_prefix(name)?.strip_prefix(':').map(str::trim));
    let limit: u64 = field("maxmemory")?.parse().ok()?;
    if limit == 0 {
        return None;
    }
    Some(Memory { used: field("used_memory")?.parse().ok()?, limit, policy: field("maxmemory_policy").unwrap_or("noeviction").to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_limit_the_use_and_the_policy() {
        let info = "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nmaxmemory:4194304\r\nmaxmemory_human:4.00M\r\nmaxmemory_policy:allkeys-lru\r\n";
        assert_eq!(parse(info), Some(Memory { used: 1_048_576, limit: 4_194_304, policy: "allkeys-lru".into() }));
        assert_eq!(parse("used_memory:10\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n"), None, "no limit");
        assert_eq!(parse("garbage"), None);
    }
}
