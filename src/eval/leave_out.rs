//! The out-of-scope check without new data (DESIGN.md, "Scoring"): each bot is left out in
//! turn, its questions must then go to no bot, and the report gives the out-of-scope recall
//! at the threshold that keeps in-scope routing accuracy within a tolerance of no threshold.
//!
//! One evaluation serves every run. A bot's confidences come from its own index, built from
//! its own files only (no statistic is shared across bots), so asking "the rest" a question
//! is the same as asking every bot and setting the left-out one's answer aside:
//! [`without`] does that on the outcomes' two best bots, which is enough to know the best of
//! the rest. `tests/leave_out.rs` pins the equivalence against a workspace copy with the bot
//! really removed; a scoring change that shares statistics across bots must rebuild instead.
//!
//! The master's bot router ([`crate::index::router`]; `eval` routes through it unless
//! `--no-router`) is such a change: it
//! is trained on every bot it routes between, so [`leave_one_out_routed`] trains one per run
//! without the bot left out ([`routed_run`]; `tests/router.rs` pins that equivalence too).

use serde::Serialize;

use super::labels::Labelled;
use super::metrics::Figures;
use super::run::{Guess, Outcome, outcome};
use super::sweep::STEPS;
use crate::index::BotRouter;
use crate::parallel;
use crate::workspace::Workspace;

/// How far in-scope routing accuracy may fall below its no-threshold value (DESIGN.md:
/// "within 2 points").
pub const TOLERANCE: f64 = 0.02;

/// One bot left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeftOut {
    /// The bot left out.
    pub bot: String,
    /// Its questions, now out of scope.
    pub out_of_scope: usize,
    /// The other bots' questions.
    pub in_scope: usize,
    /// The run's own threshold: the highest that keeps in-scope accuracy within
    /// [`TOLERANCE`] of no threshold.
    pub threshold: f64,
    /// In-scope routing accuracy with no threshold.
    pub accuracy_without_threshold: f64,
    /// In-scope routing accuracy at `threshold`.
    pub accuracy: f64,
    /// Share of the left-out bot's questions that no bot takes at `threshold`.
    pub oos_recall: f64,
    /// The same at the overall threshold, so runs compare at one setting.
    pub oos_recall_at_overall: f64,
}

/// Every bot left out in turn, and all runs pooled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaveOutReport {
    /// The tolerance used (accuracy points, as a share).
    pub tolerance: f64,
    /// Whether each run routed through a bot router trained without the bot left out
    /// ([`leave_one_out_routed`]).
    pub routed: bool,
    /// One run per bot that has questions, in the bots' order.
    pub runs: Vec<LeftOut>,
    /// All runs pooled: one threshold for every run, chosen the same way on the pooled
    /// in-scope questions, and the pooled out-of-scope recall there.
    pub overall: Pooled,
}

/// The pooled figures of [`LeaveOutReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pooled {
    /// The threshold.
    pub threshold: f64,
    /// Pooled in-scope routing accuracy with no threshold.
    pub accuracy_without_threshold: f64,
    /// Pooled in-scope routing accuracy at the threshold.
    pub accuracy: f64,
    /// Pooled out-of-scope recall at the threshold.
    pub oos_recall: f64,
    /// Mean of the runs' out-of-scope recalls at their own thresholds.
    pub mean_oos_recall: f64,
}

/// The outcomes as if `bot` were not in the workspace: its questions are out of scope and
/// its guesses are set aside.
pub fn without(outcomes: &[Outcome], bot: &str) -> Vec<Outcome> {
    outcomes
        .iter()
        .map(|outcome| {
            let mut outcome = outcome.clone();
            if outcome.question.bot.as_deref() == Some(bot) {
                outcome.question.bot = None;
                outcome.question.qna = None;
            }
            outcome.top.retain(|guess| guess.bot != bot);
            outcome
        })
        .collect()
}

/// Leaves each of `bots` out in turn (those with no questions are skipped) and reports
/// out-of-scope recall at the threshold that keeps in-scope accuracy within `tolerance` of
/// no threshold, per run and pooled.
pub fn leave_one_out(outcomes: &[Outcome], bots: &[String], tolerance: f64) -> LeaveOutReport {
    let questions: Vec<&Labelled> = outcomes.iter().map(|outcome| &outcome.question).collect();
    report(&with_questions(&questions, bots), tolerance, |bot| {
        without(outcomes, bot)
    })
}

/// [`leave_one_out`] with the master routing through a [`BotRouter`]: a router depends on
/// every bot it was trained on, so each run trains its own without the bot left out (as a
/// workspace without that bot would) and weighs the rest's confidences with it. `guesses`
/// are every bot's for each of `questions` ([`super::run::every_guess`]). The runs share
/// the cores.
pub fn leave_one_out_routed(
    workspace: &Workspace,
    questions: &[Labelled],
    guesses: &[Vec<Guess>],
    bots: &[String],
    tolerance: f64,
) -> LeaveOutReport {
    let labelled: Vec<&Labelled> = questions.iter().collect();
    let mut report = report(&with_questions(&labelled, bots), tolerance, |left_out| {
        routed_run(workspace, questions, guesses, bots, left_out)
    });
    report.routed = true;
    report
}

/// One run of [`leave_one_out_routed`]: the outcomes with `left_out` out of the workspace
/// (its questions out of scope, its guesses set aside) and the rest's confidences weighed
/// by a router trained without it (none when the rest get none).
pub fn routed_run(
    workspace: &Workspace,
    questions: &[Labelled],
    guesses: &[Vec<Guess>],
    bots: &[String],
    left_out: &str,
) -> Vec<Outcome> {
    let rest: Vec<String> = bots.iter().filter(|b| *b != left_out).cloned().collect();
    let router = BotRouter::train(workspace, &rest).ok();
    let outcomes: Vec<Outcome> = questions
        .iter()
        .zip(guesses)
        .map(|(question, guesses)| {
            let others: Vec<Guess> = guesses
                .iter()
                .filter(|guess| guess.bot != left_out)
                .cloned()
                .collect();
            outcome(question, &others, router.as_ref())
        })
        .collect();
    without(&outcomes, left_out)
}

/// The bots of `bots` that some question is for (only they make a run).
fn with_questions(questions: &[&Labelled], bots: &[String]) -> Vec<String> {
    bots.iter()
        .filter(|bot| {
            questions
                .iter()
                .any(|question| question.bot.as_deref() == Some(bot.as_str()))
        })
        .cloned()
        .collect()
}

/// The report of one run per bot of `bots`, `run(bot)` giving the outcomes with that bot
/// left out.
fn report(
    bots: &[String],
    tolerance: f64,
    run: impl Fn(&str) -> Vec<Outcome> + Sync,
) -> LeaveOutReport {
    let runs: Vec<(String, Vec<Figures>)> = parallel::map(bots.to_vec(), |bot| {
        let rest = run(&bot);
        let sweep = (0..=STEPS)
            .map(|step| Figures::at(&rest, f64::from(step) / f64::from(STEPS)))
            .collect();
        (bot, sweep)
    });
    let pooled: Vec<Pool> = (0..=STEPS as usize)
        .map(|step| {
            runs.iter()
                .fold(Pool::default(), |pool, (_, sweep)| pool.add(&sweep[step]))
        })
        .collect();
    let overall_step = highest_within(&pooled, tolerance, Pool::accuracy);
    let mut report_runs = Vec::with_capacity(runs.len());
    let mut recall_sum = 0.0;
    for (bot, sweep) in &runs {
        let accuracy = |figures: &Figures| figures.routing_accuracy.unwrap_or(0.0);
        let step = highest_within(sweep, tolerance, accuracy);
        let recall = |figures: &Figures| figures.oos_recall.unwrap_or(0.0);
        recall_sum += recall(&sweep[step]);
        report_runs.push(LeftOut {
            bot: bot.clone(),
            out_of_scope: sweep[0].counts.out_of_scope,
            in_scope: sweep[0].counts.in_scope,
            threshold: sweep[step].threshold,
            accuracy_without_threshold: accuracy(&sweep[0]),
            accuracy: accuracy(&sweep[step]),
            oos_recall: recall(&sweep[step]),
            oos_recall_at_overall: recall(&sweep[overall_step]),
        });
    }
    let pool = &pooled[overall_step];
    LeaveOutReport {
        tolerance,
        routed: false,
        overall: Pooled {
            threshold: f64::from(overall_step as u32) / f64::from(STEPS),
            accuracy_without_threshold: pooled[0].accuracy(),
            accuracy: pool.accuracy(),
            oos_recall: pool.oos_recall(),
            mean_oos_recall: if runs.is_empty() {
                0.0
            } else {
                recall_sum / runs.len() as f64
            },
        },
        runs: report_runs,
    }
}

/// The highest step whose accuracy stays within `tolerance` of step 0's. Accuracy never rises
/// with the threshold (a higher one only leaves more questions unanswered), so this is also
/// the step with the best out-of-scope recall among those allowed.
fn highest_within<T>(sweep: &[T], tolerance: f64, accuracy: impl Fn(&T) -> f64) -> usize {
    let Some(first) = sweep.first() else {
        return 0;
    };
    // A hair of slack so that "exactly 2 points" is within, whatever the float rounding.
    let floor = accuracy(first) - tolerance - 1e-12;
    (0..sweep.len())
        .rev()
        .find(|&step| accuracy(&sweep[step]) >= floor)
        .unwrap_or(0)
}

/// Counts pooled over runs at one threshold.
#[derive(Debug, Clone, Copy, Default)]
struct Pool {
    in_scope: usize,
    right_bot: usize,
    out_of_scope: usize,
    oos_unanswered: usize,
}

impl Pool {
    fn add(self, figures: &Figures) -> Pool {
        Pool {
            in_scope: self.in_scope + figures.counts.in_scope,
            right_bot: self.right_bot + figures.counts.right_bot,
            out_of_scope: self.out_of_scope + figures.counts.out_of_scope,
            oos_unanswered: self.oos_unanswered + figures.counts.oos_unanswered,
        }
    }

    fn accuracy(&self) -> f64 {
        ratio(self.right_bot, self.in_scope)
    }

    fn oos_recall(&self) -> f64 {
        ratio(self.oos_unanswered, self.out_of_scope)
    }
}

fn ratio(count: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        count as f64 / of as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Guess, Labelled};

    fn outcome(bot: &str, top: &[(&str, f64)]) -> Outcome {
        Outcome {
            question: Labelled {
                line: 1,
                text: "q".to_string(),
                bot: Some(bot.to_string()),
                qna: None,
            },
            top: top
                .iter()
                .map(|(bot, confidence)| Guess {
                    bot: bot.to_string(),
                    entry: "e".to_string(),
                    confidence: *confidence,
                })
                .collect(),
        }
    }

    #[test]
    fn a_left_out_bots_questions_go_to_the_next_best_bot_or_none() {
        let outcomes = vec![outcome("a", &[("a", 0.9), ("b", 0.3)])];
        let rest = without(&outcomes, "a");
        assert_eq!(rest[0].question.bot, None);
        assert_eq!(rest[0].top.len(), 1);
        assert_eq!(rest[0].routed(0.5), None);
        assert!(rest[0].routed(0.3).is_some());
    }

    #[test]
    fn the_threshold_is_the_highest_that_keeps_accuracy_within_the_tolerance() {
        // b's questions: one confident, one at 0.4. a's question, with a out, gets b at 0.35.
        let outcomes = vec![
            outcome("a", &[("a", 0.9), ("b", 0.35)]),
            outcome("b", &[("b", 0.8)]),
            outcome("b", &[("b", 0.4)]),
        ];
        let bots = vec!["a".to_string(), "b".to_string()];
        let report = leave_one_out(&outcomes, &bots, 0.0);
        let run = &report.runs[0];
        assert_eq!(run.bot, "a");
        assert_eq!((run.in_scope, run.out_of_scope), (2, 1));
        // Up to 0.40 both of b's questions stay routed; above, one is lost.
        assert!((run.threshold - 0.40).abs() < 1e-9, "{run:?}");
        assert_eq!(run.oos_recall, 1.0);
        assert_eq!(run.accuracy, 1.0);
    }
}
