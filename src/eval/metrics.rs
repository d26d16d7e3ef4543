//! The figures of one evaluation at one threshold: overall rates, per-bot precision/recall/F1,
//! the confusion matrix, and the confidence distributions of right and wrong routings.
//!
//! Definitions (a question is *routed* to its best bot when that bot's confidence reaches
//! the threshold, else to none; *in scope* means labelled with a bot):
//!
//! - **routing accuracy**: in-scope questions routed to their labelled bot / in-scope
//!   questions;
//! - **entry accuracy**: questions labelled with an entry routed to that bot *and* entry /
//!   questions labelled with an entry;
//! - **coverage**: in-scope questions routed to some bot / in-scope questions;
//! - **precision**: questions routed to their labelled bot / questions routed to any bot
//!   (out-of-scope questions that were answered count against it);
//! - **out-of-scope recall**: out-of-scope questions routed to none / out-of-scope questions;
//! - **out-of-scope precision**: out-of-scope questions routed to none / questions routed to
//!   none;
//! - **balanced accuracy**: the mean of routing accuracy and out-of-scope recall.
//!
//! A rate whose denominator is zero is undefined (`None`), never 0.

use serde::{Deserialize, Serialize};

use super::run::Outcome;

/// The label of the "no bot" row and column of the confusion matrix.
pub const NONE: &str = "none";

/// `count / of`, undefined when `of` is 0.
pub fn rate(count: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| count as f64 / of as f64)
}

/// The overall figures at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// The threshold.
    pub threshold: f64,
    /// In-scope questions routed to their labelled bot / in-scope questions.
    pub routing_accuracy: Option<f64>,
    /// Entry-labelled questions routed to their bot and entry / entry-labelled questions.
    pub entry_accuracy: Option<f64>,
    /// In-scope questions routed to some bot / in-scope questions.
    pub coverage: Option<f64>,
    /// Questions routed to their labelled bot / questions routed to any bot.
    pub precision: Option<f64>,
    /// Out-of-scope questions routed to none / out-of-scope questions.
    pub oos_recall: Option<f64>,
    /// Out-of-scope questions routed to none / questions routed to none.
    pub oos_precision: Option<f64>,
    /// Mean of routing accuracy and out-of-scope recall (undefined if either is).
    pub balanced_accuracy: Option<f64>,
    /// The counts the rates are made of.
    pub counts: Counts,
}

/// The counts behind [`Figures`]' rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Questions labelled with a bot.
    pub in_scope: usize,
    /// Of those, routed to it.
    pub right_bot: usize,
    /// Questions labelled with an entry.
    pub with_entry: usize,
    /// Of those, routed to that bot and entry.
    pub right_entry: usize,
    /// In-scope questions routed to some bot.
    pub covered: usize,
    /// Questions (in scope or not) routed to some bot.
    pub answered: usize,
    /// Questions labelled `null`.
    pub out_of_scope: usize,
    /// Of those, routed to none.
    pub oos_unanswered: usize,
    /// Questions routed to none.
    pub unanswered: usize,
}

impl Figures {
    /// The figures of `outcomes` at `threshold`.
    pub fn at(outcomes: &[Outcome], threshold: f64) -> Figures {
        let mut c = Counts::default();
        for outcome in outcomes {
            let routed = outcome.routed(threshold).is_some();
            c.answered += usize::from(routed);
            c.unanswered += usize::from(!routed);
            if outcome.question.in_scope() {
                c.in_scope += 1;
                c.covered += usize::from(routed);
                c.right_bot += usize::from(outcome.right_bot(threshold));
                if outcome.question.qna.is_some() {
                    c.with_entry += 1;
                    c.right_entry += usize::from(outcome.right_entry(threshold));
                }
            } else {
                c.out_of_scope += 1;
                c.oos_unanswered += usize::from(!routed);
            }
        }
        let routing_accuracy = rate(c.right_bot, c.in_scope);
        let oos_recall = rate(c.oos_unanswered, c.out_of_scope);
        Figures {
            threshold,
            routing_accuracy,
            entry_accuracy: rate(c.right_entry, c.with_entry),
            coverage: rate(c.covered, c.in_scope),
            precision: rate(c.right_bot, c.answered),
            oos_recall,
            oos_precision: rate(c.oos_unanswered, c.unanswered),
            balanced_accuracy: routing_accuracy
                .zip(oos_recall)
                .map(|(accuracy, recall)| (accuracy + recall) / 2.0),
            counts: c,
        }
    }

    /// Every figure by its JSON name, in a fixed order (for comparisons).
    pub fn named(&self) -> [(&'static str, Option<f64>); 7] {
        [
            ("routing_accuracy", self.routing_accuracy),
            ("entry_accuracy", self.entry_accuracy),
            ("coverage", self.coverage),
            ("precision", self.precision),
            ("oos_recall", self.oos_recall),
            ("oos_precision", self.oos_precision),
            ("balanced_accuracy", self.balanced_accuracy),
        ]
    }
}

/// One bot's routing figures at a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotFigures {
    /// The bot.
    pub bot: String,
    /// Questions labelled with this bot.
    pub support: usize,
    /// Questions routed to this bot.
    pub routed: usize,
    /// Questions labelled with this bot and routed to it.
    pub right: usize,
    /// `right / routed`.
    pub precision: Option<f64>,
    /// `right / support`.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: Option<f64>,
}

/// Per-bot figures for `bots` (in that order) at `threshold`.
pub fn per_bot(outcomes: &[Outcome], bots: &[String], threshold: f64) -> Vec<BotFigures> {
    bots.iter()
        .map(|bot| {
            let support = outcomes
                .iter()
                .filter(|o| o.question.bot.as_ref() == Some(bot))
                .count();
            let routed = outcomes
                .iter()
                .filter(|o| o.routed(threshold).is_some_and(|g| &g.bot == bot))
                .count();
            let right = outcomes
                .iter()
                .filter(|o| o.question.bot.as_ref() == Some(bot) && o.right_bot(threshold))
                .count();
            let precision = rate(right, routed);
            let recall = rate(right, support);
            let f1 = precision.zip(recall).map(|(p, r)| {
                if p + r == 0.0 {
                    0.0
                } else {
                    2.0 * p * r / (p + r)
                }
            });
            BotFigures {
                bot: bot.clone(),
                support,
                routed,
                right,
                precision,
                recall,
                f1,
            }
        })
        .collect()
}

/// Counts of (labelled bot, routed bot) pairs over the bots plus [`NONE`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Row and column labels: the bots, then `none`.
    pub labels: Vec<String>,
    /// `counts[label][routed]`: questions labelled with row `label` routed to column
    /// `routed`.
    pub counts: Vec<Vec<usize>>,
}

/// The confusion matrix of `outcomes` over `bots` plus none, at `threshold`.
pub fn confusion(outcomes: &[Outcome], bots: &[String], threshold: f64) -> Confusion {
    let mut labels = bots.to_vec();
    labels.push(NONE.to_string());
    let position = |bot: Option<&String>| match bot {
        Some(bot) => bots.iter().position(|b| b == bot).unwrap_or(bots.len()),
        None => bots.len(),
    };
    let mut counts = vec![vec![0; labels.len()]; labels.len()];
    for outcome in outcomes {
        let row = position(outcome.question.bot.as_ref());
        let column = position(outcome.routed(threshold).map(|g| &g.bot));
        counts[row][column] += 1;
    }
    Confusion { labels, counts }
}

/// Bins of [`Distribution::histogram`]: [0, 0.1), [0.1, 0.2) … [0.9, 1.0].
pub const BINS: usize = 10;

/// How the best confidences of one group of questions spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Questions in the group.
    pub count: usize,
    /// Lowest confidence.
    pub min: Option<f64>,
    /// Median confidence (the mean of the middle two for an even count).
    pub median: Option<f64>,
    /// Mean confidence.
    pub mean: Option<f64>,
    /// Highest confidence.
    pub max: Option<f64>,
    /// Questions per tenth of [0, 1]; 1.0 falls in the last bin.
    pub histogram: [usize; BINS],
}

impl Distribution {
    /// The distribution of `values`.
    pub fn of(mut values: Vec<f64>) -> Distribution {
        values.sort_by(f64::total_cmp);
        let mut histogram = [0; BINS];
        for value in &values {
            let bin = ((value.clamp(0.0, 1.0) * BINS as f64) as usize).min(BINS - 1);
            histogram[bin] += 1;
        }
        let count = values.len();
        let median = (count > 0).then(|| {
            if count % 2 == 1 {
                values[count / 2]
            } else {
                (values[count / 2 - 1] + values[count / 2]) / 2.0
            }
        });
        Distribution {
            count,
            min: values.first().copied(),
            median,
            mean: (count > 0).then(|| values.iter().sum::<f64>() / count as f64),
            max: values.last().copied(),
            histogram,
        }
    }
}

/// The best confidence of right and wrong routings, before any threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distributions {
    /// In-scope questions whose best bot is the labelled one.
    pub right_bot: Distribution,
    /// In-scope questions whose best bot is another (or none matched).
    pub wrong_bot: Distribution,
    /// Out-of-scope questions (any answer would be wrong).
    pub out_of_scope: Distribution,
}

/// The confidence distributions of `outcomes`: what a threshold would keep or drop.
pub fn distributions(outcomes: &[Outcome]) -> Distributions {
    let pick = |keep: &dyn Fn(&Outcome) -> bool| {
        Distribution::of(
            outcomes
                .iter()
                .filter(|o| keep(o))
                .map(Outcome::confidence)
                .collect(),
        )
    };
    Distributions {
        right_bot: pick(&|o| o.question.in_scope() && o.right_bot(0.0)),
        wrong_bot: pick(&|o| o.question.in_scope() && !o.right_bot(0.0)),
        out_of_scope: pick(&|o| !o.question.in_scope()),
    }
}
