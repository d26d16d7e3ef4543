//! Running effects: asking the engine, off the UI task. The event loop and the tests use the
//! same [`execute`], so what tests check is what the app does.

use tokio::sync::mpsc::UnboundedSender;

use crate::Engine;

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
