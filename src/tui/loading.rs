//! The start-up screen's state: which workspace is being indexed and how far it has come.
//! Indexing runs on blocking threads; the UI shows this until the engine is ready (drawn by
//! [`super::ui::loading`], driven by [`super::event_loop::wait_for_engine`]).

use crate::IndexProgress;

/// What the start-up screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loading {
    /// The workspace folder, as given.
    pub workspace: String,
    /// Bots indexed so far.
    pub done: usize,
    /// Bots to index.
    pub total: usize,
    /// The bot indexed last.
    pub last: Option<String>,
}

impl Loading {
    /// Nothing indexed yet of `total` bots in `workspace`.
    pub fn new(workspace: impl Into<String>, total: usize) -> Self {
        Self {
            workspace: workspace.into(),
            done: 0,
            total,
            last: None,
        }
    }

    /// Takes one progress report (they may arrive out of order from several threads).
    pub fn on_progress(&mut self, progress: IndexProgress) {
        self.done = self.done.max(progress.done).min(self.total);
        self.last = Some(progress.bot_id);
    }

    /// The share indexed, in [0, 1].
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.done as f64 / self.total as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_moves_forward_and_stays_in_range() {
        let mut loading = Loading::new("workspace", 3);
        let report = |done: usize, bot: &str| IndexProgress {
            done,
            total: 3,
            bot_id: bot.into(),
        };
        loading.on_progress(report(2, "sub1"));
        loading.on_progress(report(1, "master"));
        assert_eq!(loading.done, 2);
        assert_eq!(loading.last.as_deref(), Some("master"));
        loading.on_progress(report(9, "sub2"));
        assert_eq!(loading.done, 3);
        assert!((loading.ratio() - 1.0).abs() < f64::EPSILON);
        assert!((Loading::new("w", 0).ratio() - 1.0).abs() < f64::EPSILON);
    }
}
