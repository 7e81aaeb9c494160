//! Splitting work over a slice across the machine's cores, with scoped threads: what the
//! engine does to every object (parse, write back, decode) is independent per object and
//! is most of an upgrade's time, while the migrations themselves run one at a time.

use std::sync::OnceLock;

/// How many parts to split work into: the cores this process may use.
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

/// Runs `f` on [`threads`] consecutive parts of `items` at once; returns the results in
/// the order of the parts. A panic in `f` is re-raised here.
pub fn in_parts<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    if items.len() < 2 || threads() == 1 {
        return vec![f(items)];
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items.chunks(items.len().div_ceil(threads())).map(|part| scope.spawn(move || f(part))).collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

/// Runs `f` on every item, the items split as in [`in_parts`].
pub fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(&mut T) + Sync) {
    let _ = try_for_each_mut(items, |item| {
        f(item);
        Ok::<(), std::convert::Infallible>(())
    });
}

/// [`for_each_mut`] for a fallible `f`: each part stops at its first error, and the error
/// returned is that of the first part that failed, so the earliest failing item of its
/// part. A panic in `f` is re-raised here.
pub fn try_for_each_mut<T: Send, E: Send>(items: &mut [T], f: impl Fn(&mut T) -> Result<(), E> + Sync) -> Result<(), E> {
    if items.len() < 2 || threads() == 1 {
        return items.iter_mut().try_for_each(f);
    }
    let f = &f;
    let size = items.len().div_ceil(threads());
    std::thread::scope(|scope| {
        let workers: Vec<_> = items.chunks_mut(size).map(|part| scope.spawn(move || part.iter_mut().try_for_each(f))).collect();
        let results: Vec<Result<(), E>> = workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect();
        results.into_iter().collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_every_item_once_in_order() {
        let items: Vec<u32> = (0..1001).collect();
        let sums = in_parts(&items, |part| (part[0], part.iter().sum::<u32>()));
        assert_eq!(sums.iter().map(|(_, s)| s).sum::<u32>(), 1001 * 1000 / 2);
        assert!(sums.windows(2).all(|w| w[0].0 < w[1].0), "parts in order: {sums:?}");
        let mut items = items;
        for_each_mut(&mut items, |n| *n *= 2);
        assert!(items.iter().zip(0u32..).all(|(n, i)| *n == 2 * i));
        assert_eq!(in_parts(&[] as &[u8], <[u8]>::len), [0]);
    }

    #[test]
    fn the_error_is_the_earliest_parts_first() {
        let mut items: Vec<u32> = (0..1000).collect();
        let failing = |n: &mut u32| if *n % 300 == 299 { Err(*n) } else { Ok(()) };
        assert_eq!(try_for_each_mut(&mut items, failing), Err(299));
        assert_eq!(try_for_each_mut(&mut items[..10], failing), Ok(()));
    }
}
