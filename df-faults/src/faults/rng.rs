//! The campaign's random kill moments, from the fixtures' splitmix64, which gives the same
//! sequence for the same seed on every platform and Rust version, so that a printed seed
//! names a campaign's choices.

use std::time::Duration;

pub use dragonflow_fixtures::SplitMix64;

/// Uniform in `[0, max]`.
pub fn duration_up_to(rng: &mut SplitMix64, max: Duration) -> Duration {
    max.mul_f64(rng.unit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_moments_within_the_bound() {
        let max = Duration::from_secs(3);
        let draw = |seed| {
            let mut rng = SplitMix64::new(seed);
            (0..100).map(|_| duration_up_to(&mut rng, max)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        assert!(draw(7).iter().all(|d| *d <= max));
        // The reference value of splitmix64 for seed 0 (as in the paper's code).
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }
}
