//! Comparing two evaluation runs: which questions a change fixed, broke or moved, and how
//! every figure changed.
//!
//! Questions are matched by their text and labels (not their line), so lines added to or
//! removed from the set between the runs are counted apart rather than shifting every match.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::metrics::Figures;
use super::run::{Guess, Outcome};

/// The format version written in saved runs.
pub const FORMAT: u32 = 1;

/// A run saved with `--save`: its threshold, its figures and every outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    /// [`FORMAT`].
    pub format: u32,
    /// The threshold the run's figures and routings are at.
    pub threshold: f64,
    /// The figures at that threshold.
    pub figures: Figures,
    /// Every question with its two best bots.
    pub outcomes: Vec<Outcome>,
}

impl SavedRun {
    /// A run of `outcomes` at `threshold`.
    pub fn new(outcomes: Vec<Outcome>, threshold: f64) -> SavedRun {
        SavedRun {
            format: FORMAT,
            threshold,
            figures: Figures::at(&outcomes, threshold),
            outcomes,
        }
    }
}

/// Where one question went in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Routing {
    /// The bot and entry it was routed to, or `None`.
    pub routed: Option<Guess>,
    /// Whether that is what its label asks.
    pub right: bool,
}

/// A question routed differently in the two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The question's text.
    pub text: String,
    /// Its labelled bot (`None`: out of scope).
    pub bot: Option<String>,
    /// Its labelled entry.
    pub qna: Option<String>,
    /// Its line in the later run's file.
    pub line: usize,
    /// Before.
    pub before: Routing,
    /// After.
    pub after: Routing,
}

/// One figure in both runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureChange {
    /// Its JSON name (`routing_accuracy` …).
    pub name: String,
    /// Before.
    pub before: Option<f64>,
    /// After.
    pub after: Option<f64>,
    /// `after − before`, when both are defined.
    pub change: Option<f64>,
}

/// What changed between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Wrong before, right now.
    pub fixed: Vec<Change>,
    /// Right before, wrong now.
    pub broken: Vec<Change>,
    /// Wrong in both, but routed elsewhere now.
    pub moved: Vec<Change>,
    /// Questions only in the earlier run.
    pub only_before: usize,
    /// Questions only in the later run.
    pub only_after: usize,
    /// Every figure, before and after.
    pub figures: Vec<FigureChange>,
}

type Key = (String, Option<String>, Option<String>);

fn key(outcome: &Outcome) -> Key {
    let q = &outcome.question;
    (q.text.clone(), q.bot.clone(), q.qna.clone())
}

fn routing(outcome: &Outcome, threshold: f64) -> Routing {
    Routing {
        routed: outcome.routed(threshold).cloned(),
        right: outcome.right(threshold),
    }
}

fn same_place(a: &Routing, b: &Routing) -> bool {
    match (&a.routed, &b.routed) {
        (Some(a), Some(b)) => a.bot == b.bot && a.entry == b.entry,
        (None, None) => true,
        _ => false,
    }
}

/// Compares a saved earlier run with a later one (each at its own threshold).
pub fn compare(before: &SavedRun, after: &SavedRun) -> Comparison {
    let mut earlier: HashMap<Key, Vec<&Outcome>> = HashMap::new();
    for outcome in before.outcomes.iter().rev() {
        earlier.entry(key(outcome)).or_default().push(outcome);
    }
    let mut comparison = Comparison {
        fixed: Vec::new(),
        broken: Vec::new(),
        moved: Vec::new(),
        only_before: 0,
        only_after: 0,
        figures: before
            .figures
            .named()
            .into_iter()
            .zip(after.figures.named())
            .map(|((name, before), (_, after))| FigureChange {
                name: name.to_string(),
                before,
                after,
                change: before.zip(after).map(|(b, a)| a - b),
            })
            .collect(),
    };
    for now in &after.outcomes {
        // Duplicated questions pair up in file order.
        let Some(then) = earlier.get_mut(&key(now)).and_then(Vec::pop) else {
            comparison.only_after += 1;
            continue;
        };
        let change = Change {
            text: now.question.text.clone(),
            bot: now.question.bot.clone(),
            qna: now.question.qna.clone(),
            line: now.question.line,
            before: routing(then, before.threshold),
            after: routing(now, after.threshold),
        };
        match (change.before.right, change.after.right) {
            (false, true) => comparison.fixed.push(change),
            (true, false) => comparison.broken.push(change),
            (false, false) if !same_place(&change.before, &change.after) => {
                comparison.moved.push(change)
            }
            _ => {}
        }
    }
    comparison.only_before = earlier.values().map(Vec::len).sum();
    comparison
}
