//! The start-up screen's state: which workspace is being indexed and how far it has come.
//! Indexing runs on blocking threads; the UI shows this until the engine is ready (drawn by
//! [`super::ui::loading`], driven by [`super::event_loop::wait_for_engine`]).

use crate::{IndexProgress, IndexStage};

/// One step of start-up, reported from the blocking thread that loads the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartUpStep {
    /// The workspace's files are read: this many bots are to be indexed.
    Read {
        /// Bots to index.
        bots: usize,
    },
    /// One more bot is indexed.
    Indexed(IndexProgress),
}

/// What the start-up screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loading {
    /// The workspace folder, as given.
    pub workspace: String,
    /// Whether the workspace's files are read (indexing has begun).
    pub read: bool,
    /// Bots indexed so far.
    pub done: usize,
    /// Bots to index.
    pub total: usize,
    /// The bot indexed last.
    pub last: Option<String>,
    /// Whether every bot is indexed and the master's bot router is being trained.
    pub training_router: bool,
}

impl Loading {
    /// Nothing indexed yet of `total` bots in `workspace`.
    pub fn new(workspace: impl Into<String>, total: usize) -> Self {
        Self {
            workspace: workspace.into(),
            read: true,
            done: 0,
            total,
            last: None,
            training_router: false,
        }
    }

    /// Nothing read yet of `workspace` (its files are being read).
    pub fn reading(workspace: impl Into<String>) -> Self {
        Self {
            read: false,
            ..Self::new(workspace, 0)
        }
    }

    /// Takes one start-up step.
    pub fn on_step(&mut self, step: StartUpStep) {
        match step {
            StartUpStep::Read { bots } => {
                self.read = true;
                self.total = bots;
            }
            StartUpStep::Indexed(progress) => self.on_progress(progress),
        }
    }

    /// Takes one progress report (they may arrive out of order from several threads).
    pub fn on_progress(&mut self, progress: IndexProgress) {
        self.done = self.done.max(progress.done).min(self.total);
        match progress.stage {
            IndexStage::Bots => self.last = Some(progress.bot_id),
            IndexStage::TrainingRouter => self.training_router = true,
        }
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
            stage: IndexStage::Bots,
        };
        loading.on_progress(report(2, "sub1"));
        loading.on_progress(report(1, "master"));
        assert_eq!(loading.done, 2);
        assert_eq!(loading.last.as_deref(), Some("master"));
        loading.on_progress(report(9, "sub2"));
        assert_eq!(loading.done, 3);
        assert!(!loading.training_router);
        loading.on_progress(IndexProgress {
            stage: IndexStage::TrainingRouter,
            ..report(3, "")
        });
        assert!(loading.training_router);
        assert_eq!(
            loading.last.as_deref(),
            Some("sub2"),
            "the last bot stays named"
        );
        assert!((loading.ratio() - 1.0).abs() < f64::EPSILON);
        assert!((Loading::new("w", 0).ratio() - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn reading_comes_before_indexing() {
        let mut loading = Loading::reading("workspace");
        assert!(!loading.read);
        loading.on_step(StartUpStep::Read { bots: 2 });
        assert!(loading.read);
        assert_eq!((loading.done, loading.total), (0, 2));
        loading.on_step(StartUpStep::Indexed(IndexProgress {
            done: 1,
            total: 2,
            bot_id: "sub1".into(),
            stage: IndexStage::Bots,
        }));
        assert_eq!(loading.done, 1);
    }
}
