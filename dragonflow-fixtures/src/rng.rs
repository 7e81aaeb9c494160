//! The deterministic random numbers behind every generated input of the workspace (the
//! deployments here, the benchmarks' models, the fault campaign's kill moments), so that a
//! printed seed names each of them.

/// splitmix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014; the generator that seeds xoshiro): a 64-bit state advanced by the golden
/// ratio and mixed. Not for cryptography; plenty for test data, and stable across
/// platforms and Rust versions, unlike `std`'s hashers. Public for the other generated
/// inputs of the workspace (the benchmarks' models, the fault campaign's kill moments),
/// so that a printed seed names them too.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// The generator whose sequence `seed` fixes.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next number of the sequence, uniform over all of `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0; the modulo bias is negligible for test data).
    pub fn below(&mut self, n: usize) -> usize {
        // `usize` is at most 64 bits wide, so both conversions are exact.
        (self.next_u64() % n as u64).try_into().unwrap_or(usize::MAX)
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = usize::try_from(hi - lo + 1).expect("lo <= hi");
        lo + i64::try_from(self.below(span)).expect("below a span of i64s")
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64) / ((1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A random (version 4) UUID, as Neutron gives its objects.
    pub(crate) fn uuid(&mut self) -> String {
        let a = (self.next_u64() & !0xF000) | 0x4000;
        let b = (self.next_u64() & !(0xC000 << 48)) | (0x8000 << 48);
        format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF, b >> 48, b & 0xFFFF_FFFF_FFFF)
    }

    /// A Keystone project id: 32 hex digits. Dragonflow's topic is the port's project.
    pub(crate) fn project_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}
