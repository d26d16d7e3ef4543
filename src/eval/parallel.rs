//! Work over many items on every core, in chunks taken from a shared counter, results in the
//! items' order: evaluating a labelled set and searching for overlaps both do it.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` over each chunk of at most `chunk` items, on every
/// core; the results come back in `items`' order. With one worker it runs on this thread.
pub(super) fn in_chunks<T: Sync, R: Send>(
    items: &[T],
    chunk: usize,
    work: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let chunk = chunk.max(1);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len().div_ceil(chunk))
        .max(1);
    let next = AtomicUsize::new(0);
    let run = || {
        let mut mine = Vec::new();
        loop {
            let start = next.fetch_add(chunk, Ordering::Relaxed);
            if start >= items.len() {
                break;
            }
            let end = (start + chunk).min(items.len());
            mine.push((start, work(&items[start..end])));
        }
        mine
    };
    let mut chunks: Vec<(usize, Vec<R>)> = if workers == 1 {
        run()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(run)).collect();
            handles
                .into_iter()
                .flat_map(|handle| match handle.join() {
                    Ok(mine) => mine,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };
    chunks.sort_by_key(|(start, _)| *start);
    chunks
        .into_iter()
        .flat_map(|(_, results)| results)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = in_chunks(&items, 7, |chunk| chunk.iter().map(|i| i * 2).collect());
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(in_chunks(&[] as &[usize], 7, |c| c.to_vec()).is_empty());
    }
}
