//! Whether the servers can hold what an upgrade writes, asked before it reads anything:
//! reading fills a server's output buffers, and then it writes about the data twice over
//! (the new values, beside the old ones when staged, and the rollback image), and a
//! server at its limit evicts keys or refuses writes part-way.

use crate::error::EngineError;
use crate::store::{Memory, Store};

/// Refuses an upgrade that a server of the store, at its memory limit, cannot hold.
pub(super) fn check(store: &mut dyn Store) -> Result<(), EngineError> {
    let servers = store.memory()?;
    let Some((memory, limit, needed)) = short(&servers) else { return Ok(()) };
    tracing::warn!(node = %memory.node, used = memory.used, limit, needed, policy = %memory.policy, "not enough memory for the upgrade");
    Err(EngineError::NoRoom {
        store: store.describe(),
        node: memory.node.as_str().into(),
        used: memory.used,
        limit,
        needed,
        policy: memory.policy.as_str().into(),
        setting: memory.setting,
        remedy: memory.remedy.as_str().into(),
    })
}

/// The first server with a limit that what the upgrade writes there would pass, with its
/// limit and about what it would be written.
///
/// What a server holds is taken to be data, which errs on the safe side in a database
/// shared with other software. A server receives the new values of the keys it holds
/// (beside the old ones while staged), and its part of the image, whose chunks are spread
/// over the servers by their keys' hash slots: taken as twice its fair part, for the
/// unevenness of hashing few chunks, and at most the whole image.
fn short(servers: &[Memory]) -> Option<(&Memory, u64, u64)> {
    let data: u64 = servers.iter().map(|server| server.used).sum();
    let count = u64::try_from(servers.len()).unwrap_or(u64::MAX).max(1);
    let image_part = data.min(data.saturating_mul(2) / count);
    servers.iter().find_map(|server| {
        let limit = server.limit?;
        let needed = server.used.saturating_add(image_part);
        (server.used.saturating_add(needed) > limit).then_some((server, limit, needed))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(node: &str, used: u64, limit: Option<u64>) -> Memory {
        Memory { node: node.to_owned(), used, limit, policy: "allkeys-lru".to_owned(), setting: "maxmemory", remedy: String::new() }
    }

    #[test]
    fn a_single_server_needs_room_for_twice_its_data() {
        assert_eq!(short(&[server("a", 100, Some(300))]), None);
        let tight = [server("a", 100, Some(299))];
        assert_eq!(short(&tight), Some((&tight[0], 299, 200)));
        assert_eq!(short(&[server("a", 100, None)]), None, "no limit");
        assert_eq!(short(&[]), None);
    }

    #[test]
    fn a_cluster_node_needs_room_for_its_values_and_its_part_of_the_image() {
        // 300 bytes over three masters: each receives its 100 and up to 200 of the image.
        let even = [server("a", 100, Some(400)), server("b", 100, Some(400)), server("c", 100, Some(400))];
        assert_eq!(short(&even), None);
        let one_tight = [server("a", 100, Some(400)), server("b", 100, Some(399)), server("c", 100, None)];
        assert_eq!(short(&one_tight), Some((&one_tight[1], 399, 300)));
        // A node holding little still receives its part of the image.
        let skewed = [server("a", 10, Some(150)), server("b", 290, None)];
        assert_eq!(short(&skewed), Some((&skewed[0], 150, 310)));
    }
}
