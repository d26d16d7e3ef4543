//! The evaluation view: a labelled set of the workspace's `tests/` run off the UI task (the
//! core's `eval`), then its figures, threshold sweep, confusion matrix, confidence histograms
//! and misrouted questions, all at a threshold marker the user moves with the keys (everything
//! is recomputed from the outcomes, no re-run); `w` writes the marker into the master's flow,
//! `r` runs again and compares with the run before (fixed / broken). State only: how actions
//! change it is [`super::eval_update`]; drawing is [`super::ui::eval`], running is the
//! runtime's.

use crate::eval::compare::{self, Comparison, SavedRun};
use crate::eval::metrics::{self, Confusion, Distributions, Figures};
use crate::eval::run::Outcome;
use crate::eval::sweep::Recommendation;

/// One finished run of a labelled set.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalRun {
    /// The file's name in `tests/`.
    pub file: String,
    /// Every question with its two best bots.
    pub outcomes: Vec<Outcome>,
    /// The bots the master asks (the confusion matrix's rows, before `none`).
    pub bots: Vec<String>,
    /// The figures at every threshold 0.00 … 1.00.
    pub sweep: Vec<Figures>,
    /// The threshold the default objective recommends.
    pub recommended: Recommendation,
    /// The master flow's threshold when the run was made.
    pub flow_threshold: f64,
    /// Lines of the file left out (not labelled questions of this workspace).
    pub rejected: usize,
    /// How long the run took, in milliseconds.
    pub millis: u64,
}

/// The view's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EvalPage {
    /// Headline figures and the threshold sweep.
    #[default]
    Overview,
    /// The confusion matrix as a heat-map grid.
    Confusion,
    /// Histograms of the confidences of right and wrong routings.
    Confidences,
    /// The questions routed wrong at the marker.
    Misrouted,
}

impl EvalPage {
    /// Every page, in order.
    pub const ALL: [EvalPage; 4] = [
        EvalPage::Overview,
        EvalPage::Confusion,
        EvalPage::Confidences,
        EvalPage::Misrouted,
    ];

    /// Its name in the page bar.
    pub fn name(self) -> &'static str {
        match self {
            EvalPage::Overview => "Overview",
            EvalPage::Confusion => "Confusion",
            EvalPage::Confidences => "Confidences",
            EvalPage::Misrouted => "Misrouted",
        }
    }
}

/// What the view is doing.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum EvalState {
    /// Listing the labelled sets.
    #[default]
    Listing,
    /// Several sets: the user picks one.
    Picking,
    /// A run is going: questions done of all.
    Running {
        /// The file.
        file: String,
        /// Questions asked so far.
        done: usize,
        /// Questions to ask.
        total: usize,
    },
    /// The last run is shown.
    Shown,
    /// Nothing to show, and why.
    Failed(String),
}

/// The evaluation view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EvalView {
    /// What it is doing.
    pub state: EvalState,
    /// The labelled sets of `tests/`.
    pub files: Vec<String>,
    /// The highlighted set while picking.
    pub picked: usize,
    /// The last run.
    pub run: Option<EvalRun>,
    /// What changed since the run before it (same file), at the marker.
    pub comparison: Option<Comparison>,
    /// The run before the last one (same file), kept to compare at any marker.
    pub previous: Option<EvalRun>,
    /// The threshold marker.
    pub threshold: f64,
    /// The page shown.
    pub page: EvalPage,
    /// The highlighted misrouted question.
    pub selected: usize,
    /// The first misrouted row on screen.
    pub top: usize,
    /// Waiting for yes/no to write the marker into the flow.
    pub confirm_write: bool,
}

impl EvalView {
    /// The figures at the marker.
    pub fn figures(&self) -> Option<Figures> {
        let run = self.run.as_ref()?;
        Some(Figures::at(&run.outcomes, self.threshold))
    }

    /// The confusion matrix at the marker.
    pub fn confusion(&self) -> Option<Confusion> {
        let run = self.run.as_ref()?;
        Some(metrics::confusion(&run.outcomes, &run.bots, self.threshold))
    }

    /// The confidence distributions of the run (they do not depend on the marker).
    pub fn distributions(&self) -> Option<Distributions> {
        Some(metrics::distributions(&self.run.as_ref()?.outcomes))
    }

    /// The questions routed wrong at the marker, in file order.
    pub fn misrouted(&self) -> Vec<&Outcome> {
        let Some(run) = &self.run else {
            return Vec::new();
        };
        run.outcomes
            .iter()
            .filter(|o| !o.right(self.threshold))
            .collect()
    }

    /// Compares the run before with the last one at the marker.
    fn compare(&mut self) {
        self.comparison = match (&self.previous, &self.run) {
            (Some(before), Some(after)) => Some(compare::compare(
                &SavedRun::new(before.outcomes.clone(), self.threshold),
                &SavedRun::new(after.outcomes.clone(), self.threshold),
            )),
            _ => None,
        };
    }

    /// Moves the marker to `threshold` (clamped to [0, 1], on the sweep's steps).
    pub fn set_threshold(&mut self, threshold: f64) {
        self.threshold = (threshold.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        self.selected = self.selected.min(self.misrouted().len().saturating_sub(1));
        self.compare();
    }
}

/// What the runtime reports of evaluation work.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalReport {
    /// The labelled sets of `tests/`, by name.
    Sets(Vec<String>),
    /// Questions asked so far.
    Progress {
        /// Done.
        done: usize,
        /// Of.
        total: usize,
    },
    /// The run finished, or why it could not run.
    Done(Result<Box<EvalRun>, String>),
    /// The threshold was written into the master's flow (a line for the user), or why not.
    Written(Result<String, String>),
}
