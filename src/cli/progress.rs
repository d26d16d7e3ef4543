//! Indexing a workspace with its progress on stderr: a bar over the bots, shown only when
//! stderr is a terminal and indexing has run longer than [`SHOW_AFTER`] (a small workspace
//! indexes in a blink and prints nothing).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use interbot::{Engine, IndexCache, IndexProgress, Workspace};

/// How long indexing runs before the bar appears.
pub const SHOW_AFTER: Duration = Duration::from_millis(500);

/// Indexes every bot of `workspace` through `cache` ([`Engine::with_cache`]), showing how
/// far it has come.
pub fn index(workspace: Workspace, cache: Option<IndexCache>) -> Engine {
    let started = Instant::now();
    let bar = ProgressBar::hidden();
    if let Ok(style) = ProgressStyle::with_template("indexing {bar:30} {pos}/{len} bots {msg}") {
        bar.set_style(style);
    }
    let terminal = std::io::stderr().is_terminal();
    let shown = AtomicBool::new(false);
    let engine = Engine::with_cache(workspace, cache, &|step: IndexProgress| {
        bar.set_length(step.total as u64);
        bar.set_position(step.done as u64);
        bar.set_message(interbot::text::sanitize(&step.bot_id));
        if terminal && started.elapsed() >= SHOW_AFTER && !shown.swap(true, Ordering::Relaxed) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    });
    bar.finish_and_clear();
    engine
}
