//! An upgrade's pre-upgrade image: every live key it read (data, counters, log and state)
//! with its exact bytes. Rollback restores it.
//!
//! Why an image rather than a backup copy of each key the commit overwrites: those copies
//! had to be made inside the commit, by the store, since only there was the old value at
//! hand (on Redis, a `COPY` per key inside the `EXEC`, most of its time, while the server
//! answers nobody). The image is written before the migrations run, from the
//! bytes the runner has just read, in chunks of about a megabyte: a few hundred writes
//! where the copies were a million, and nothing of it inside the commit.
//!
//! Its chunks' keys carry the runner's commit tag (see `crate::layout::image_key`). An
//! image is part of the database's state only once a commit's manifest names it; until
//! then it is garbage, which the runner deletes if its upgrade fails and the next run
//! deletes if the runner died (see `crate::commit::recover`). A runner that lost its lease
//! while writing one cannot touch the image of the runner that took over: their tags
//! differ.
//!
//! A chunk is `df-image 3\n`, the 4-byte little-endian length of its body, the body
//! compressed as one LZ4 block, then the SHA-256 of the chunk's own key and every byte
//! before the digest. The body is entries, each a key and a value, each as a 4-byte
//! little-endian length and the bytes. The digest is what tells a flipped byte, in a key as
//! much as in a value, from the image that was written, and a chunk stored under another
//! chunk's key from its own; it covers the compressed bytes, so that a damaged chunk is
//! refused before it is decompressed. Compression matters because every upgrade writes an
//! image as large as the database (JSON shrinks about fourfold), and on etcd every byte of
//! it goes through the raft log. Chunks of the earlier formats, which older runners wrote,
//! are still read: `df-image 2\n` (the body uncompressed, then the digest) and
//! `df-image 1\n` (the body alone).

use crate::error::EngineError;
use crate::layout;
use crate::records::ImageRef;
use crate::snapshot::Snapshot;
use crate::store::{Op, Store};
use sha2::{Digest, Sha256};

const HEADER: &[u8] = b"df-image 3\n";
/// The header of chunks whose body is not compressed.
const HEADER_V2: &[u8] = b"df-image 2\n";
/// The header of chunks without a digest.
const HEADER_V1: &[u8] = b"df-image 1\n";
/// An LZ4 block expands its input at most this many times (a run of one byte).
const MAX_EXPANSION: usize = 255;
/// The digest's length, at the chunk's end.
const DIGEST_BYTES: usize = 32;
/// A chunk ends with the entry that takes it past this size.
const CHUNK_BYTES: usize = 1 << 20;
/// What to do when an image cannot be read back, for its errors.
const DAMAGED: &str = "without its whole image the last upgrade cannot be rolled back exactly: \
                       restore an export taken before it (empty the database, then `df-runner import FILE`)";
/// Chunks per store call: few round trips (a few hundred at a million objects), and
/// little in flight (the chunks, and the client's copy of them as one pipeline).
const CHUNKS_PER_CALL: usize = 4;

/// Writes the image of `snapshot`, whose objects must be as read, tagged `tag`, stopping
/// with [`EngineError::Stopped`] once `stopped` says so and telling `progress` how many
/// entries it has written now and then. On an error, deletes what it wrote (if the store
/// lets it) before returning it.
pub fn write(store: &mut dyn Store, snapshot: &Snapshot, tag: &str, stopped: &dyn Fn() -> bool, progress: &mut dyn FnMut(usize)) -> Result<ImageRef, EngineError> {
    let mut chunks = Chunks { image: ImageRef { tag: tag.to_owned(), ..ImageRef::default() }, chunk: Vec::new(), sealed: Vec::new() };
    let written = (|| {
        for (index, (parts, value)) in snapshot.live().enumerate() {
            // Often enough to stop within a moment, seldom enough to cost nothing.
            if index % 4096 == 0 {
                if stopped() {
                    return Err(EngineError::Stopped { store: store.describe() });
                }
                progress(index);
            }
            chunks.push(store, &parts, value)?;
        }
        chunks.seal(store, true)?;
        progress(chunks.image.entries);
        Ok(())
    })();
    match written {
        Ok(()) => Ok(chunks.image),
        Err(error) => {
            // Best effort: what is left is garbage that the next run deletes.
            let _ = discard(store, &chunks.image);
            Err(error)
        }
    }
}

/// The chunks being filled and written.
struct Chunks {
    /// What is written so far.
    image: ImageRef,
    chunk: Vec<u8>,
    /// Full chunks not written yet.
    sealed: Vec<Op>,
}

impl Chunks {
    /// Appends one entry, its key given as the parts that join to it.
    fn push(&mut self, store: &mut dyn Store, key: &[&str], value: &[u8]) -> Result<(), EngineError> {
        if self.chunk.is_empty() {
            self.chunk.reserve(CHUNK_BYTES + value.len() + 64);
        }
        let key_length: usize = key.iter().map(|part| part.len()).sum();
        let too_long = |what: &str| EngineError::BadValue {
            store: store.describe(),
            key: key.concat(),
            what: "a key and value of at most 4 GiB each",
            reason: format!("its {what} is longer"),
        };
        let key_length = u32::try_from(key_length).map_err(|_| too_long("key"))?;
        let value_length = u32::try_from(value.len()).map_err(|_| too_long("value"))?;
        self.chunk.extend_from_slice(&key_length.to_le_bytes());
        for part in key {
            self.chunk.extend_from_slice(part.as_bytes());
        }
        self.chunk.extend_from_slice(&value_length.to_le_bytes());
        self.chunk.extend_from_slice(value);
        self.image.entries += 1;
        if self.chunk.len() >= CHUNK_BYTES {
            self.seal(store, false)?;
        }
        Ok(())
    }

    /// Closes the chunk being filled; writes the sealed chunks when there are enough of
    /// them, or at the `end`.
    fn seal(&mut self, store: &mut dyn Store, end: bool) -> Result<(), EngineError> {
        if !self.chunk.is_empty() {
            let key = layout::image_key(&self.image.tag, self.image.chunks + self.sealed.len());
            let chunk = seal_chunk(&key, &std::mem::take(&mut self.chunk));
            self.image.bytes += chunk.len() as u64;
            self.sealed.push(Op::Set(key, chunk));
        }
        if self.sealed.len() >= CHUNKS_PER_CALL || (end && !self.sealed.is_empty()) {
            // Counted before writing: a write that fails part-way may have stored any of them.
            self.image.chunks += self.sealed.len();
            store.write(&self.sealed)?;
            self.sealed.clear();
        }
        Ok(())
    }
}

/// The keys of an image's chunks.
pub fn keys(image: &ImageRef) -> impl Iterator<Item = String> + '_ {
    (0..image.chunks).map(|chunk| layout::image_key(&image.tag, chunk))
}

/// Deletes an image that no commit names.
pub fn discard(store: &mut dyn Store, image: &ImageRef) -> Result<(), EngineError> {
    Ok(store.write(&keys(image).map(Op::Delete).collect::<Vec<_>>())?)
}

/// Reads an image back, sorted by key. Refuses, naming the chunk, a chunk that is missing
/// or malformed, and an image that holds other than its manifest's number of entries or
/// holds a key twice.
pub fn read(store: &mut dyn Store, image: &ImageRef) -> Result<Vec<(String, Vec<u8>)>, EngineError> {
    let keys: Vec<String> = keys(image).collect();
    let describe = store.describe();
    let bad = |key: &str, reason: String| EngineError::BadValue {
        store: describe.clone(),
        key: key.to_owned(),
        what: "a chunk of the pre-upgrade image",
        reason: format!("{reason}; {DAMAGED}"),
    };
    // The count comes from a stored record: a reservation, not a promise.
    let mut entries = Vec::with_capacity(image.entries.min(1 << 16));
    for group in keys.chunks(CHUNKS_PER_CALL) {
        for (key, value) in group.iter().zip(store.get_many(group)?) {
            let value = value.ok_or_else(|| bad(key, "it is missing".to_owned()))?;
            decode(key, &value, &mut entries).map_err(|reason| bad(key, reason))?;
        }
    }
    let first = keys.first().map_or_else(|| layout::image_key(&image.tag, 0), Clone::clone);
    if entries.len() != image.entries {
        return Err(bad(&first, format!("the image holds {} entries where its manifest says {}", entries.len(), image.entries)));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(bad(&first, format!("the image holds key {} twice", pair[0].0)));
    }
    Ok(entries)
}

/// The entries of the image chunk stored as `chunk` under `key`, in their order, or why
/// it is not a whole chunk of that key: for tools that inspect images, and for comparing
/// two runs' images, whose chunks differ in their keys and digests alone.
pub fn chunk_entries(key: &str, chunk: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut entries = Vec::new();
    decode(key, chunk, &mut entries)?;
    Ok(entries)
}

/// The chunk stored under `key` that holds `body` (entries as [`Chunks::push`] lays them
/// out, at most 4 GiB): header, length, compressed body, digest.
fn seal_chunk(key: &str, body: &[u8]) -> Vec<u8> {
    let length = u32::try_from(body.len()).expect("a chunk is sealed once it passes a megabyte, and each entry is at most 8 GiB");
    let compressed = lz4_flex::block::compress(body);
    let mut chunk = Vec::with_capacity(HEADER.len() + 4 + compressed.len() + DIGEST_BYTES);
    chunk.extend_from_slice(HEADER);
    chunk.extend_from_slice(&length.to_le_bytes());
    chunk.extend_from_slice(&compressed);
    let digest = digest(key, &chunk);
    chunk.extend_from_slice(&digest);
    chunk
}

/// The digest that ends the chunk stored under `key` whose other bytes are `chunk`.
fn digest(key: &str, chunk: &[u8]) -> [u8; DIGEST_BYTES] {
    let mut hasher = Sha256::new();
    // The key's length first, so that no key and chunk hash like another pair.
    hasher.update((key.len() as u64).to_le_bytes());
    hasher.update(key.as_bytes());
    hasher.update(chunk);
    hasher.finalize().into()
}

/// Appends the entries of the chunk stored under `key`, or says what is wrong with it.
fn decode(key: &str, chunk: &[u8], entries: &mut Vec<(String, Vec<u8>)>) -> Result<(), String> {
    if let Some(body) = chunk.strip_prefix(HEADER_V1) {
        return decode_entries(body, entries);
    }
    let Some(header) = [HEADER, HEADER_V2].into_iter().find(|header| chunk.starts_with(header)) else {
        return Err("it does not start with the image header".to_owned());
    };
    if chunk.len() < header.len() + DIGEST_BYTES {
        return Err("it ends before its digest".to_owned());
    }
    let (written, stored) = chunk.split_at(chunk.len() - DIGEST_BYTES);
    if digest(key, written) != stored {
        return Err("its digest does not match its bytes: it changed since it was written, or it is another chunk's".to_owned());
    }
    let body = &written[header.len()..];
    if header == HEADER_V2 {
        return decode_entries(body, entries);
    }
    let (length, compressed) = body.split_at_checked(4).ok_or_else(|| "it ends inside the length of its body".to_owned())?;
    let length = u32::from_le_bytes(length.try_into().expect("four bytes")) as usize;
    // Checked before anything is allocated for it: the length is stored data.
    if length > compressed.len().saturating_mul(MAX_EXPANSION) {
        return Err(format!("its body of {length} bytes cannot come from {} compressed bytes", compressed.len()));
    }
    let body = lz4_flex::block::decompress(compressed, length).map_err(|e| format!("its body does not decompress: {e}"))?;
    if body.len() != length {
        return Err(format!("its body decompresses to {} bytes where its length says {length}", body.len()));
    }
    decode_entries(&body, entries)
}

/// Appends the entries of a chunk's body, or says what is wrong with it.
fn decode_entries(mut rest: &[u8], entries: &mut Vec<(String, Vec<u8>)>) -> Result<(), String> {
    while !rest.is_empty() {
        let key = take(&mut rest, "key")?;
        let key = String::from_utf8(key.to_vec()).map_err(|_| "a key in it is not UTF-8".to_owned())?;
        let value = take(&mut rest, "value")?.to_vec();
        entries.push((key, value));
    }
    Ok(())
}

/// The next length-prefixed field of `rest`, moving past it.
fn take<'a>(rest: &mut &'a [u8], what: &str) -> Result<&'a [u8], String> {
    let cut = |bytes: &'a [u8], n: usize| (bytes.len() >= n).then(|| bytes.split_at(n));
    let (length, after) = cut(rest, 4).ok_or_else(|| format!("it ends inside the length of a {what}"))?;
    let length = u32::from_le_bytes(length.try_into().expect("four bytes")) as usize;
    let (field, after) = cut(after, length).ok_or_else(|| format!("it ends inside a {what}"))?;
    *rest = after;
    Ok(field)
}

/// The writes that turn the live keys `current` (sorted, with their values) back into the
/// image's `entries` (sorted): set what differs or is missing, delete what the image lacks.
pub fn restore_ops(entries: Vec<(String, Vec<u8>)>, current: &[(String, &[u8])]) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut now = current.iter().peekable();
    for (key, value) in entries {
        while let Some((gone, _)) = now.next_if(|(k, _)| *k < key) {
            ops.push(Op::Delete(gone.clone()));
        }
        match now.next_if(|(k, _)| *k == key) {
            Some((_, same)) if *same == value.as_slice() => {}
            _ => ops.push(Op::Set(key, value)),
        }
    }
    ops.extend(now.map(|(gone, _)| Op::Delete(gone.clone())));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Key;
    use crate::store::MemoryStore;

    fn snapshot_of(store: &MemoryStore) -> Snapshot {
        Snapshot::read(&mut store.clone(), |_| {}).unwrap()
    }

    fn seeded(objects: usize) -> MemoryStore {
        let store = MemoryStore::new();
        for n in 0..objects {
            // Values of about 1 KiB, so that a few thousand fill several chunks.
            store.insert(&Key::object("lport", &format!("t{}", n % 3), &format!("p{n}")).encode(), format!(r#"{{"id":"p{n}","pad":"{}"}}"#, "x".repeat(1000)));
        }
        store.insert(&Key::counter("lport").encode(), "7");
        store.insert("{df_schema.}state", r#"{"models":{},"applied":{}}"#);
        store
    }

    #[test]
    fn an_image_reads_back_as_every_live_key_with_its_bytes() {
        let store = seeded(3000);
        let expected: Vec<(String, Vec<u8>)> = store.dump().into_iter().collect();
        let image = write(&mut store.clone(), &snapshot_of(&store), "c0ffee", &|| false, &mut |_| {}).unwrap();
        assert_eq!(image.entries, 3002);
        assert!(image.chunks > 2, "{image:?}");
        assert!(keys(&image).all(|key| store.dump()[&key].starts_with(HEADER)));
        assert_eq!(read(&mut store.clone(), &image).unwrap(), expected);
        discard(&mut store.clone(), &image).unwrap();
        assert_eq!(store.dump().into_iter().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn a_stop_ends_the_write_and_leaves_no_chunk() {
        let store = seeded(10_000);
        let before = store.dump();
        let written = std::cell::Cell::new(0);
        // Stops at the second look, once some chunks are written.
        let stopped = || {
            written.set(written.get() + 1);
            written.get() > 1
        };
        let error = write(&mut store.clone(), &snapshot_of(&store), "c0ffee", &stopped, &mut |_| {}).unwrap_err();
        assert!(matches!(error, EngineError::Stopped { .. }), "{error}");
        assert_eq!(store.dump(), before, "the stopped write left chunks");
    }

    #[test]
    fn a_damaged_image_is_refused_naming_the_chunk() {
        let store = seeded(3000);
        let image = write(&mut store.clone(), &snapshot_of(&store), "c0ffee", &|| false, &mut |_| {}).unwrap();
        let second = layout::image_key("c0ffee", 1);
        // The reason, which must end saying what to do instead.
        let refused = |store: &MemoryStore, image: &ImageRef| match read(&mut store.clone(), image).unwrap_err() {
            EngineError::BadValue { key, reason, .. } => match reason.strip_suffix(&format!("; {DAMAGED}")) {
                Some(reason) => (key, reason.to_owned()),
                None => panic!("{reason}"),
            },
            other => panic!("{other:?}"),
        };
        let chunk = store.dump()[&second].clone();
        let changed = "its digest does not match its bytes: it changed since it was written, or it is another chunk's";
        store.insert(&second, &chunk[..chunk.len() - 1]);
        assert_eq!(refused(&store, &image), (second.clone(), changed.to_owned()));
        store.insert(&second, store.dump()[&layout::image_key("c0ffee", 0)].clone());
        assert_eq!(refused(&store, &image), (second.clone(), changed.to_owned()));
        store.insert(&second, HEADER);
        assert_eq!(refused(&store, &image), (second.clone(), "it ends before its digest".to_owned()));
        // A chunk of the first format has no digest; its framing is still checked.
        store.insert(&second, &b"df-image 1\n\x05\x00"[..]);
        assert_eq!(refused(&store, &image), (second.clone(), "it ends inside the length of a key".to_owned()));
        store.insert(&second, &b"df-image 1\n\x01\x00\x00\x00k\x05\x00\x00\x00v"[..]);
        assert_eq!(refused(&store, &image), (second.clone(), "it ends inside a value".to_owned()));
        store.insert(&second, "something else");
        assert_eq!(refused(&store, &image), (second.clone(), "it does not start with the image header".to_owned()));
        store.insert(&second, chunk);
        let more = ImageRef { entries: image.entries + 1, ..image.clone() };
        assert_eq!(refused(&store, &more).1, format!("the image holds {} entries where its manifest says {}", image.entries, image.entries + 1));
        let longer = ImageRef { chunks: image.chunks + 1, ..image.clone() };
        assert_eq!(refused(&store, &longer), (layout::image_key("c0ffee", image.chunks), "it is missing".to_owned()));
    }

    #[test]
    fn restoring_sets_what_differs_and_deletes_what_the_image_lacks() {
        let entries = vec![("a".to_owned(), b"1".to_vec()), ("c".to_owned(), b"3".to_vec()), ("d".to_owned(), b"4".to_vec())];
        let current: Vec<(String, &[u8])> = vec![("b".into(), b"2"), ("c".into(), b"3"), ("d".into(), b"5"), ("e".into(), b"6")];
        assert_eq!(
            restore_ops(entries, &current),
            [Op::Set("a".into(), b"1".to_vec()), Op::Delete("b".into()), Op::Set("d".into(), b"4".to_vec()), Op::Delete("e".into())]
        );
        assert_eq!(restore_ops(Vec::new(), &[]), []);
    }

    #[test]
    fn a_chunk_of_the_second_format_is_read_uncompressed() {
        let written = [HEADER_V2, b"\x01\x00\x00\x00k\x02\x00\x00\x00v2"].concat();
        let chunk = [written.as_slice(), &digest("the key", &written)].concat();
        let mut entries = Vec::new();
        decode("the key", &chunk, &mut entries).unwrap();
        assert_eq!(entries, [("k".to_owned(), b"v2".to_vec())]);
        assert!(decode("another key", &chunk, &mut Vec::new()).is_err());
    }

    #[test]
    fn a_chunk_whose_length_its_compressed_bytes_cannot_hold_is_refused_before_allocating() {
        let written = [HEADER, &u32::MAX.to_le_bytes(), b"\x10x"].concat();
        let chunk = [written.as_slice(), &digest("k", &written)].concat();
        assert_eq!(decode("k", &chunk, &mut Vec::new()).unwrap_err(), "its body of 4294967295 bytes cannot come from 2 compressed bytes");
    }

    #[test]
    fn a_chunk_of_the_first_format_is_read_without_a_digest() {
        let chunk = [HEADER_V1, b"\x01\x00\x00\x00k\x02\x00\x00\x00v1"].concat();
        let mut entries = Vec::new();
        decode("any key", &chunk, &mut entries).unwrap();
        assert_eq!(entries, [("k".to_owned(), b"v1".to_vec())]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        /// Whatever a stored chunk holds, decoding it refuses or gives the entries that
        /// encode back to exactly those bytes.
        #[test]
        fn any_chunk_decodes_exactly_or_is_refused(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..96)) {
            let chunk = [HEADER_V1, &body].concat();
            let mut entries = Vec::new();
            if decode("any key", &chunk, &mut entries).is_ok() {
                let mut again = HEADER_V1.to_vec();
                for (key, value) in &entries {
                    for field in [key.as_bytes(), value] {
                        again.extend_from_slice(&u32::try_from(field.len()).unwrap().to_le_bytes());
                        again.extend_from_slice(field);
                    }
                }
                proptest::prop_assert_eq!(again, chunk);
            }
        }

        /// Whatever compressed bytes a chunk holds under a digest that matches them (as a
        /// writer with a bug, or a forger, would store them), decoding refuses them or
        /// gives entries; it never panics.
        #[test]
        fn any_compressed_body_decodes_or_is_refused(length in 0u32..4096, compressed in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..96)) {
            let written = [HEADER, &length.to_le_bytes(), &compressed].concat();
            let chunk = [written.as_slice(), &digest("k", &written)].concat();
            let _ = decode("k", &chunk, &mut Vec::new());
        }

        /// Any body sealed as a chunk decodes back to exactly its entries.
        #[test]
        fn a_sealed_body_decodes_to_its_entries(entries in proptest::collection::vec((".{0,12}", proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)), 0..24)) {
            let mut body = Vec::new();
            for (key, value) in &entries {
                for field in [key.as_bytes(), value] {
                    body.extend_from_slice(&u32::try_from(field.len()).unwrap().to_le_bytes());
                    body.extend_from_slice(field);
                }
            }
            let mut decoded = Vec::new();
            decode("k", &seal_chunk("k", &body), &mut decoded).unwrap();
            proptest::prop_assert_eq!(decoded, entries);
        }

        /// A written image cut short anywhere is refused.
        #[test]
        fn an_image_cut_short_anywhere_is_refused(cut in 0usize..4000) {
            let store = seeded(3);
            let image = write(&mut store.clone(), &snapshot_of(&store), "c0ffee", &|| false, &mut |_| {}).unwrap();
            let key = layout::image_key("c0ffee", 0);
            let chunk = store.dump()[&key].clone();
            let cut = cut % chunk.len();
            store.insert(&key, &chunk[..cut]);
            proptest::prop_assert!(read(&mut store.clone(), &image).is_err(), "an image cut at byte {} was read", cut);
        }

        /// A written image with any one byte changed is refused.
        #[test]
        fn an_image_with_a_byte_changed_anywhere_is_refused(at in 0usize..4000, flip in 1u8..=255) {
            let store = seeded(3);
            let image = write(&mut store.clone(), &snapshot_of(&store), "c0ffee", &|| false, &mut |_| {}).unwrap();
            let key = layout::image_key("c0ffee", 0);
            let mut chunk = store.dump()[&key].clone();
            let at = at % chunk.len();
            chunk[at] ^= flip;
            store.insert(&key, chunk);
            proptest::prop_assert!(read(&mut store.clone(), &image).is_err(), "an image with byte {} changed was read", at);
        }
    }
}
