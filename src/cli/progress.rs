//! Indexing a workspace with its progress on stderr: a bar over the bots, shown only when
//! stderr is a terminal and indexing has run longer than [`SHOW_AFTER`] (a small workspace
//! indexes in a blink and prints nothing), then the bot router's training where it has to be
//! trained (seconds on an NLU-style workspace, with no bot to count meanwhile: the bar's
//! spinner keeps turning).

use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use interbot::{Engine, IndexCache, IndexProgress, IndexStage, Workspace};

/// How long indexing runs before the bar appears.
pub const SHOW_AFTER: Duration = Duration::from_millis(500);
/// How often the shown bar is redrawn (its spinner turns) when nothing is reported.
const TICK: Duration = Duration::from_millis(120);

/// Indexes every bot of `workspace` through `cache` ([`Engine::with_cache`]), showing how
/// far it has come.
pub fn index(workspace: Workspace, cache: Option<IndexCache>) -> Engine {
    let bar = ProgressBar::hidden();
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} indexing {bar:30} {pos}/{len} bots {msg}")
    {
        bar.set_style(style);
    }
    let terminal = std::io::stderr().is_terminal();
    let (finished, wait) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        // Shows the bar once indexing has run for SHOW_AFTER, whatever it is doing then
        // (progress reports stop while the router trains).
        let timer = terminal.then(|| {
            let bar = bar.clone();
            scope.spawn(move || {
                if let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(SHOW_AFTER) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(TICK);
                }
            })
        });
        let engine = Engine::with_cache(workspace, cache, &|step: IndexProgress| {
            bar.set_length(step.total as u64);
            bar.set_position(step.done as u64);
            let message = match step.stage {
                IndexStage::Bots => interbot::text::sanitize(&step.bot_id),
                IndexStage::TrainingRouter => "training the bot router".to_string(),
            };
            bar.set_message(message);
        });
        drop(finished);
        if let Some(timer) = timer {
            // The timer ends at once when indexing ended first; it only ever draws.
            let _ = timer.join();
        }
        bar.finish_and_clear();
        engine
    })
}
