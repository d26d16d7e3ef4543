//! Evaluation: how well a workspace routes a labelled set, which threshold to use, what a
//! change fixed or broke, and which entries of different bots overlap.
//!
//! - [`labels`]: the labelled-set format (JSONL) and its checks against the workspace;
//! - [`run`]: asking every sub-bot each question, on every core, in order;
//! - [`metrics`]: the figures at one threshold (rates, per bot, confusion, distributions);
//! - [`sweep`]: the figures at every threshold and the one an objective recommends;
//! - [`compare`](mod@compare): saved runs and what changed between two of them;
//! - [`leave_out`]: the out-of-scope check that leaves each bot out in turn;
//! - [`overlaps`]: entries of different bots that take each other's questions, duplicates.
//!
//! Everything is computed from the scores the index gives (the one scoring model); nothing
//! here prints. [`Report`] gathers one evaluation for the CLI (text or JSON).

pub mod compare;
pub mod labels;
pub mod leave_out;
pub mod metrics;
pub mod overlaps;
pub mod record;
pub mod run;
pub mod sweep;

use serde::Serialize;
use thiserror::Error;

pub use compare::{Comparison, SavedRun, compare};
pub use labels::{Labelled, LabelledSet, Rejected};
pub use leave_out::{LeaveOutReport, leave_one_out, leave_one_out_routed};
pub use metrics::{BotFigures, Confusion, Counts, Distributions, Figures};
pub use overlaps::{OverlapOptions, OverlapReport};
pub use run::{Guess, Outcome, evaluate, every_guess, outcome};
pub use sweep::{Objective, Recommendation};

use crate::threshold::InForce;

/// Why a labelled set or an evaluation option was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EvalError {
    /// A line is not a labelled question.
    #[error("line {line}: not a labelled question: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A label names a bot that is not a sub-bot of the workspace.
    #[error("line {line}: no sub-bot `{bot}` in the workspace")]
    UnknownBot {
        /// 1-based line.
        line: usize,
        /// The bot named.
        bot: String,
    },
    /// A label names an entry its bot does not have.
    #[error("line {line}: bot `{bot}` has no QnA entry `{entry}`")]
    UnknownEntry {
        /// 1-based line.
        line: usize,
        /// The bot.
        bot: String,
        /// The entry named.
        entry: String,
    },
    /// A label names a disabled entry (which can never answer).
    #[error("line {line}: QnA entry `{entry}` of bot `{bot}` is disabled")]
    DisabledEntry {
        /// 1-based line.
        line: usize,
        /// The bot.
        bot: String,
        /// The entry named.
        entry: String,
    },
    /// An entry label on an out-of-scope question.
    #[error("line {line}: `qna` is `{entry}` but `bot` is null")]
    EntryWithoutBot {
        /// 1-based line.
        line: usize,
        /// The entry named.
        entry: String,
    },
    /// No usable question.
    #[error("the labelled set has no usable question{}", if *rejected > 0 { format!(" ({rejected} lines rejected)") } else { String::new() })]
    Empty {
        /// Lines rejected by a lenient read.
        rejected: usize,
    },
    /// An objective that is not one of the known forms.
    #[error(
        "unknown objective `{0}` (use balanced, accuracy, precision>=X or oos-recall>=X with X in [0, 1])"
    )]
    Objective(String),
    /// A saved run of another format.
    #[error("saved run has format {found}; this interbot reads format {expected}")]
    Format {
        /// The format found.
        found: u32,
        /// The format read.
        expected: u32,
    },
}

impl EvalError {
    /// What is wrong, without the line (for lenient reads, which list the line apart).
    pub fn reason(&self) -> String {
        let text = self.to_string();
        match text.split_once(": ") {
            Some((head, rest)) if head.starts_with("line ") => rest.to_string(),
            _ => text,
        }
    }
}

/// One evaluation of a labelled set: every figure the CLI shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Questions evaluated (rejected lines excluded).
    pub total: usize,
    /// Of which labelled with a bot.
    pub in_scope: usize,
    /// Of which labelled `null`.
    pub out_of_scope: usize,
    /// Of which labelled with an entry.
    pub with_entry: usize,
    /// The figures at the threshold in force (`threshold`, `routing_accuracy`,
    /// `entry_accuracy`, `coverage`, `precision`, `oos_recall`, `oos_precision`,
    /// `balanced_accuracy`, `counts`).
    #[serde(flatten)]
    pub figures: Figures,
    /// The workspace's own master threshold and where it comes from.
    pub workspace_threshold: InForce,
    /// In-scope questions whose best bot is the labelled one, with no threshold.
    pub ranked_first: Option<f64>,
    /// Entry-labelled questions whose best bot and entry are the labelled ones, no threshold.
    pub entry_ranked_first: Option<f64>,
    /// Per-bot figures at the threshold, in the workspace's bot order.
    pub per_bot: Vec<BotFigures>,
    /// The confusion matrix at the threshold.
    pub confusion: Confusion,
    /// Best-confidence distributions of right and wrong routings.
    pub distributions: Distributions,
    /// The figures at every threshold 0.00 … 1.00.
    pub sweep: Vec<Figures>,
    /// The threshold the objective picks.
    pub recommended: Recommendation,
    /// The figures at the workspace's own threshold (when it differs from `threshold`).
    pub at_workspace_threshold: Figures,
    /// Lines left out of a lenient read.
    pub rejected: Vec<Rejected>,
}

impl Report {
    /// The report of `outcomes` (from [`evaluate`]) at `threshold`, with the workspace's own
    /// threshold beside it and the recommendation for `objective`.
    pub fn new(
        outcomes: &[Outcome],
        bots: &[String],
        threshold: f64,
        workspace_threshold: InForce,
        objective: Objective,
        rejected: Vec<Rejected>,
    ) -> Report {
        let figures = Figures::at(outcomes, threshold);
        let no_threshold = Figures::at(outcomes, 0.0);
        let sweep = sweep::sweep(outcomes);
        let recommended = sweep::recommend(&sweep, objective);
        let in_scope = outcomes.iter().filter(|o| o.question.in_scope()).count();
        Report {
            total: outcomes.len(),
            in_scope,
            out_of_scope: outcomes.len() - in_scope,
            with_entry: outcomes.iter().filter(|o| o.question.qna.is_some()).count(),
            at_workspace_threshold: Figures::at(outcomes, workspace_threshold.value),
            workspace_threshold,
            figures,
            ranked_first: no_threshold.routing_accuracy,
            entry_ranked_first: no_threshold.entry_accuracy,
            per_bot: metrics::per_bot(outcomes, bots, threshold),
            confusion: metrics::confusion(outcomes, bots, threshold),
            distributions: metrics::distributions(outcomes),
            sweep,
            recommended,
            rejected,
        }
    }
}
