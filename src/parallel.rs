//! Work over many items on every core, results in the items' order: loading a workspace's
//! bots and their QnA files, evaluating a labelled set and searching for overlaps all do it.
//!
//! The calling thread works too, beside one started thread per other core: one thread fewer
//! to start, and with malloc's arenas capped at the number of cores (`main.rs`), threads
//! started anew for each batch of work otherwise came to share an arena and wait on its lock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// `work` over each chunk of at most `chunk` items, on every core, chunks taken in turn from
/// a shared counter; the results come back in `items`' order. With one chunk, or one core,
/// it all runs on this thread.
pub(crate) fn in_chunks<T: Sync, R: Send>(
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
    let mut chunks: Vec<(usize, Vec<R>)> = std::thread::scope(|scope| {
        let started: Vec<_> = (1..workers).map(|_| scope.spawn(run)).collect();
        let mut chunks = run();
        for handle in started {
            match handle.join() {
                Ok(theirs) => chunks.extend(theirs),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        chunks
    });
    chunks.sort_by_key(|(start, _)| *start);
    chunks
        .into_iter()
        .flat_map(|(_, results)| results)
        .collect()
}

/// `work` over each of `items` on every core, one item at a time from a shared counter, for
/// what it does (results, if any, kept by `work` itself).
pub(crate) fn each<T: Sync>(items: &[T], work: impl Fn(&T) + Sync) {
    in_chunks(items, 1, |mine| {
        mine.iter().for_each(&work);
        Vec::<()>::new()
    });
}

/// `work` over each of `items`, taken by value, on every core; the results come back in
/// `items`' order.
pub(crate) fn map<T: Send, R: Send>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    // Each slot is taken by exactly one worker, so its lock is never waited on.
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|i| Mutex::new(Some(i))).collect();
    in_chunks(&slots, 1, |mine| {
        mine.iter()
            .filter_map(|slot| slot.lock().unwrap_or_else(PoisonError::into_inner).take())
            .map(&work)
            .collect()
    })
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
        let names: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        assert_eq!(
            map(names.clone(), |name| name + "!"),
            names.iter().map(|n| format!("{n}!")).collect::<Vec<_>>()
        );
        assert!(map(Vec::<String>::new(), |name| name).is_empty());
        let seen: Vec<std::sync::atomic::AtomicBool> = (0..100)
            .map(|_| std::sync::atomic::AtomicBool::new(false))
            .collect();
        each(&items[..100], |&i| seen[i].store(true, Ordering::Relaxed));
        assert!(seen.iter().all(|s| s.load(Ordering::Relaxed)));
    }
}
