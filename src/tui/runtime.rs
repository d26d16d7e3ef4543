//! Running effects: asking the engine and saving the input history, off the UI task. The
//! event loop and the tests use the same [`execute`] and [`save_history`], so what tests
//! check is what the app does.

use std::path::{Path, PathBuf};

use tokio::sync::mpsc::{self, UnboundedSender};

use crate::Engine;
use crate::history::{History, HistoryError};

use super::action::{Answer, Ask};

/// Asks the engine (the same [`Engine::ask`] the CLI uses) and wraps the outcome.
pub async fn execute(engine: &Engine, ask: Ask) -> Answer {
    tracing::debug!(bot = %ask.bot, id = ask.id, "asking");
    let result = engine
        .ask(&ask.bot, &ask.question)
        .await
        .map_err(|e| e.to_string());
    match &result {
        Ok(turn) => tracing::info!(bot = %ask.bot, micros = turn.micros, "answered"),
        Err(error) => tracing::warn!(bot = %ask.bot, %error, "ask failed"),
    }
    Answer {
        tab: ask.tab,
        id: ask.id,
        result,
    }
}

/// Runs [`execute`] on its own task and sends the answer to `done` (also when the task
/// fails, so no turn stays "thinking" forever).
pub fn spawn(engine: &Engine, ask: Ask, done: UnboundedSender<Answer>) {
    let engine = engine.clone();
    tokio::spawn(async move {
        let (tab, id) = (ask.tab, ask.id);
        let job = tokio::spawn(async move { execute(&engine, ask).await });
        let answer = job.await.unwrap_or_else(|e| Answer {
            tab,
            id,
            result: Err(format!("the job failed: {e}")),
        });
        // The receiver is gone only when the app is quitting.
        let _ = done.send(answer);
    });
}

/// Saves `history` at `path` (the core's atomic save), logging the outcome.
pub fn save_history(history: &History, path: &Path) -> Result<(), HistoryError> {
    let result = history.save(path);
    match &result {
        Ok(()) => tracing::debug!(entries = history.entries().len(), "history saved"),
        Err(error) => tracing::warn!(%error, "history not saved"),
    }
    result
}

/// Reads the history at `path` for start-up: an unreadable history is an empty one and a
/// message for the footer.
pub fn load_history(path: &Path) -> (History, Option<String>) {
    match History::load(path) {
        Ok(history) => {
            let note = (history.skipped() > 0).then(|| {
                format!(
                    "{} unreadable line(s) of {} skipped.",
                    history.skipped(),
                    crate::history::FILE
                )
            });
            (history, note)
        }
        Err(error) => {
            tracing::warn!(%error, "history not read");
            (
                History::default(),
                Some(crate::text::sanitize_line(&format!(
                    "History not read: {error}"
                ))),
            )
        }
    }
}

/// Saves the input history off the UI task, one save at a time; when saves queue up only the
/// latest is written. [`HistoryWriter::finish`] waits for the last one.
#[derive(Debug)]
pub struct HistoryWriter {
    queue: Option<UnboundedSender<History>>,
    task: tokio::task::JoinHandle<()>,
}

impl HistoryWriter {
    /// A writer saving to `path` (must run inside a tokio runtime).
    pub fn spawn(path: PathBuf) -> Self {
        let (queue, mut saves) = mpsc::unbounded_channel::<History>();
        let task = tokio::spawn(async move {
            while let Some(mut history) = saves.recv().await {
                while let Ok(newer) = saves.try_recv() {
                    history = newer;
                }
                let path = path.clone();
                let saved =
                    tokio::task::spawn_blocking(move || save_history(&history, &path)).await;
                if let Err(error) = saved {
                    tracing::warn!(%error, "the history save job failed");
                }
            }
        });
        Self {
            queue: Some(queue),
            task,
        }
    }

    /// Queues a save.
    pub fn save(&self, history: History) {
        if let Some(queue) = &self.queue {
            // The writer ends only after `finish`; nothing is lost before.
            let _ = queue.send(history);
        }
    }

    /// Waits until every queued save is written.
    pub async fn finish(mut self) {
        self.queue = None;
        if let Err(error) = (&mut self.task).await {
            tracing::warn!(%error, "the history writer failed");
        }
    }
}
