//! Asking every sub-bot each labelled question, on every core, keeping the file's order.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use super::labels::Labelled;
use crate::index::BotRouter;
use crate::index::router::routed_confidence;
use crate::parallel::in_chunks;
use crate::session::Engine;

/// One bot's best entry for a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guess {
    /// The sub-bot.
    pub bot: String,
    /// Its best entry.
    pub entry: String,
    /// That entry's confidence in [0, 1] (the same figure delegation compares with
    /// `minConfidence`).
    pub confidence: f64,
}

/// What the bots made of one labelled question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The question and its label.
    pub question: Labelled,
    /// The two most confident bots (each with its best entry), best first; fewer when fewer
    /// bots matched any word. Ties keep the workspace's bot order, as delegation does.
    pub top: Vec<Guess>,
}

impl Outcome {
    /// The best bot's confidence (0 when no bot matched).
    pub fn confidence(&self) -> f64 {
        self.top.first().map_or(0.0, |guess| guess.confidence)
    }

    /// Where the master would route the question at `threshold`: its best bot when that
    /// bot's confidence reaches the threshold, else nowhere.
    pub fn routed(&self, threshold: f64) -> Option<&Guess> {
        self.top
            .first()
            .filter(|guess| guess.confidence >= threshold)
    }

    /// Whether the question went to its labelled bot at `threshold` (false out of scope).
    pub fn right_bot(&self, threshold: f64) -> bool {
        match (self.routed(threshold), &self.question.bot) {
            (Some(guess), Some(bot)) => &guess.bot == bot,
            _ => false,
        }
    }

    /// Whether the question went to its labelled bot and entry (false without an entry
    /// label).
    pub fn right_entry(&self, threshold: f64) -> bool {
        match (self.routed(threshold), &self.question.qna) {
            (Some(guess), Some(qna)) => self.right_bot(threshold) && &guess.entry == qna,
            _ => false,
        }
    }

    /// Whether the routing at `threshold` is what the label asks: the labelled bot (and
    /// entry, where labelled) in scope, no bot out of scope.
    pub fn right(&self, threshold: f64) -> bool {
        if !self.question.in_scope() {
            return self.routed(threshold).is_none();
        }
        if self.question.qna.is_some() {
            self.right_entry(threshold)
        } else {
            self.right_bot(threshold)
        }
    }
}

/// Questions handed to a worker at a time (small enough to balance, large enough that the
/// shared counter is not contended).
const CHUNK: usize = 16;

/// Asks the bots the master asks ([`crate::workspace::Workspace::asked_bots`]) each
/// question (no threshold: the sweep applies them), spread over every core, and routes as
/// the master does (through its bot router when it has one); the outcomes come back in the
/// questions' order. `progress` is called with the number of questions done so far, from
/// the worker threads.
pub fn evaluate(
    engine: &Engine,
    questions: &[Labelled],
    progress: &(dyn Fn(usize) + Sync),
) -> Vec<Outcome> {
    let guesses = every_guess(engine, questions, progress);
    questions
        .iter()
        .zip(&guesses)
        .map(|(question, guesses)| outcome(question, guesses, engine.router()))
        .collect()
}

/// Each asked bot's best entry for each question (bots that match no word left out), in
/// the bots' order: what [`evaluate`] and a routed evaluation ([`outcome`] with a router)
/// make their outcomes of. Spread over every core; in the questions' order.
pub fn every_guess(
    engine: &Engine,
    questions: &[Labelled],
    progress: &(dyn Fn(usize) + Sync),
) -> Vec<Vec<Guess>> {
    let bots = engine.workspace().asked_bots();
    let done = AtomicUsize::new(0);
    in_chunks(questions, CHUNK, |chunk| {
        let guesses: Vec<Vec<Guess>> = chunk
            .iter()
            .map(|question| guesses(engine, &bots, question))
            .collect();
        progress(done.fetch_add(chunk.len(), Ordering::Relaxed) + chunk.len());
        guesses
    })
}

/// One question asked of every bot: each one's best entry, in the bots' order.
fn guesses(engine: &Engine, bots: &[String], question: &Labelled) -> Vec<Guess> {
    let contexts = &engine.workspace().settings.included_contexts;
    bots.iter()
        .filter_map(|bot| {
            let hit = engine.index(bot)?.best(&question.text, contexts).ok()??;
            Some(Guess {
                bot: bot.clone(),
                entry: hit.entry_id,
                confidence: f64::from(hit.confidence),
            })
        })
        .collect()
}

/// The outcome of a question from its bots' guesses (from [`every_guess`]): the two most
/// confident, best first, each confidence first weighed by `router` when there is one (a
/// bot it does not know keeps its own).
pub fn outcome(question: &Labelled, guesses: &[Guess], router: Option<&BotRouter>) -> Outcome {
    let mut guesses = guesses.to_vec();
    if let Some(router) = router {
        let probabilities = router.probabilities(&question.text);
        for guess in &mut guesses {
            if let Some(p) = router.probability_of(&probabilities, &guess.bot) {
                guess.confidence = routed_confidence(guess.confidence, p);
            }
        }
    }
    // Stable: equal confidences keep the bots' order, as `Delegator::delegate` does.
    guesses.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    guesses.truncate(2);
    Outcome {
        question: question.clone(),
        top: guesses,
    }
}
