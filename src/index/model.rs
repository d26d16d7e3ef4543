//! The scoring model: how a question's terms are weighed, how much an entry's use of a term
//! is evidence for it, the raw score, the ideal, the confidence and the entry classifier's
//! adjustment. This is the one place the formula lives; search (`super::search`) and
//! explanations ([`super::explain`]) call it and never re-derive it.
//!
//! # Score and confidence
//! Each entry is a smoothed unigram language model (and a bigram one), and the raw score is
//! the question's log-likelihood under it, measured against a fixed floor probability `EPS`
//! that is the same for every bot:
//!
//! ```text
//! P_bot(t)   = (1 − GAMMA) · cf(t) / |bot|  +  GAMMA · EPS
//! P(t | e)   = (tf(t, e) + MU · P_bot(t)) / (|e| + MU)
//! raw(e)     = Σ_t w(t) · c(t) · max(0, ln(P(t | e) / EPS))          over the question's words
//!            + BIGRAM_BOOST · Σ_b w(b) · c(b) · max(0, ln(P(b | e) / EPS))   and word bigrams
//! ideal      = ln(1 / EPS) · (Σ_t w(t) · c(t) + BIGRAM_BOOST · Σ_b w(b) · c(b))
//! confidence = min(1, raw(e) / ideal)
//! ```
//!
//! `tf(t, e)` is the count of `t` in all of the entry's variants, `|e|` their total length,
//! `cf(t)` and `|bot|` the same over the whole bot, `c(t)` the count of `t` in the question;
//! bigrams have their own `tf`, `cf` and lengths. `w(t)` is `FUNCTION_WORD_WEIGHT` (0.3) for
//! function words of the bot's language ("what", "is", "my" …, see `super::analysis`) and 1
//! otherwise; a bigram weighs as its heavier word. `MU = 20`, `GAMMA = 0.1`, `EPS = 1e-6`,
//! `BIGRAM_BOOST = 0.5`.
//!
//! The ideal is the score of a question every token of which had probability 1, so the
//! confidence lies in [0, 1]. It depends on the question only, never on the bot, so it is
//! monotone in the raw score within a bot and the confidences of different bots are
//! log-likelihoods on one scale (routing takes the largest). A word the bot has never seen has
//! probability below `EPS` and adds 0, so a question full of them gets a low confidence; a word
//! frequent in the entry adds up to `ln(1/EPS)`. Measured on HWU64 fold 1 (`interbot eval`),
//! this routes more questions to the right bot than BM25 divided by the question's self-score,
//! whose bot-local idf is degenerate for bots with few entries (README, "Scoring").
//!
//! # How search evaluates it
//! With `level(t) = ln(MU · P_bot(t) / EPS)` and `L(e) = ln(|e| + MU)`, a term an entry lacks
//! adds `w·c·max(0, level(t) − L(e))` (`Absent`), the same for every entry of one length, and
//! a term it holds adds that plus `Evidence::of`. Search starts each candidate at the sum
//! over absent terms (its floor) and adds the evidence of each term whose postings hold it;
//! the sum is `raw(e)` exactly, in any order of terms.
//!
//! # Trained bots
//! A bot whose entries hold many variants each (at least `CLASSIFIER_MIN_VARIANTS` on
//! average, at most `CLASSIFIER_MAX_ENTRIES` entries: an NLU-style bot) also gets an
//! [`EntryClassifier`](crate::classifier::EntryClassifier) trained on its variants, which
//! learns the words that tell its entries apart. With `p(e)` its probability for entry `e` and
//! `p_max` the most probable entry's,
//!
//! ```text
//! raw'(e) = raw(e) − CLASSIFIER_WEIGHT · ideal · (p_max − p(e))          CLASSIFIER_WEIGHT = 0.5
//! ```
//!
//! and the confidence is `min(1, raw'(e) / ideal)` as before (`classifier_adjustment`). The
//! classifier's favourite keeps its score and the others lose up to half the ideal, so the
//! order of the bot's entries follows both models while the bot's best score never rises:
//! confidences stay comparable with untrained bots'. On HWU64 fold 1 this routes 88.4 % of test
//! questions to the right entry instead of 85.9 % (README, "Scoring"). Such bots score every
//! candidate (no pruning). For an English bot the classifier also reads the question's
//! meaning (its content words' GloVe vectors summed, `crate::word_vectors`), so a variant's
//! words speak for words it does not hold ("fever" for "sick").
//!
//! # Meaning, for untrained bots
//! A bot whose entries hold few variants (fewer than `CLASSIFIER_MIN_VARIANTS` on average,
//! so no classifier) has too few words for the language model to know that "fever" speaks
//! for an entry that says "sick", and a question that shares only a common word with an entry
//! ("paper stuck in the copier" and "there is no toilet paper") keeps a middling confidence.
//! Such a bot, in a language with word vectors, weighs each candidate by how close the
//! entry's meaning is to the question's (`wants_meaning_factor`; a bot with many variants
//! an entry holds its synonyms in them, and a trained bot reads the meaning through its
//! classifier):
//!
//! ```text
//! raw'(e) = raw(e) · max(0, cos(m(q), m(e)))
//! ```
//!
//! where `m(q)` is the question's meaning (its content words' vectors summed, unit length)
//! and `m(e)` the entry's (its variants' meanings summed, unit length; `super::meanings`).
//! The confidence is `min(1, raw'(e) / ideal)` as before, so it stays in [0, 1] and never
//! rises; an entry or question with no word that has a vector keeps its score. Every
//! candidate is weighed, and the best after weighing wins (the search weighs each entry's
//! evidence as it adds it, so its pruning stays exact). On the bundled labelled set
//! (`workspace/tests/routing.jsonl`) the recommended threshold goes from 0.31, which answered
//! 86.5 % of the paraphrases, to 0.22, which answers 90.6 %, both answering no unrelated
//! question; right bots 92.7 → 93.8 %, right entries 82.3 → 83.3 %, and the leave-one-out
//! out-of-scope recall 42.5 → 45.7 % (README, "Scoring"). The exponent was chosen with
//! `tools/meaning-probe.py`: 1.5 and 2 answer a point more paraphrases but lower the
//! out-of-scope recall of HWU64 cut to 3 variants an entry further.
//!
//! # Beyond one bot
//! None of this knows the other bots. Delegation weighs each bot's confidence by the master's
//! bot router (`super::router`: `confidence · p(bot | question)`, never higher), a classifier
//! over every bot's entries, where the workspace is NLU-style; with the meanings above, HWU64
//! fold 1 reaches 94.8 % right bots and 90.2 % right entries, and its leave-one-out
//! out-of-scope recall 53.0 % (29.1 % without the router).

use std::sync::OnceLock;

use super::analysis::{Analysis, bigrams, counted};
use crate::classifier::{self, Features};

/// Weight of a word bigram's evidence relative to a word's.
pub const BIGRAM_BOOST: f32 = 0.5;
/// Dirichlet prior of an entry's language model towards the bot's.
pub(super) const MU: f32 = 20.0;
/// Share of the bot's language model given to the floor probability.
pub(super) const GAMMA: f32 = 0.1;
/// Weight of a function word ("what", "is", "my" …) relative to other words. Measured: 1.0
/// let a two-entry bot answer "Where is the cafeteria" with 0.51 from "where is the" alone
/// (0.5: 0.40; 0.3: 0.31). On the leave-one-out out-of-scope check (README, "Scoring"),
/// 0.5 → 0.3 raises HWU64's out-of-scope recall from 25.9 to 29.1 % and the bundled set's
/// from 24.2 to 42.5 %, with HWU64 at 92.8 % right bot and 88.8 % right entry (was 92.5 and
/// 88.4); 0.2, 0.1 and 0 lose right bots (92.4, 92.2, 91.4 %).
pub(super) const FUNCTION_WORD_WEIGHT: f32 = 0.3;
/// Floor probability: a token less likely than this in an entry is no evidence for it.
pub(super) const EPS: f32 = 1e-6;
/// Weight of the entry classifier's opinion, as a share of the question's ideal score (see
/// "Trained bots" in the module documentation).
const CLASSIFIER_WEIGHT: f32 = 0.5;
/// A bot gets an entry classifier when its entries hold at least this many variants on
/// average. Measured on HWU64 fold 1 with each entry cut to its first 5, 10, 20 and 40
/// training questions (`tools/hwu64-derive.py cut N`), the classifier adds 1.2, 1.8, 3.6 and
/// 3.5 points of right-entry routing. With 2 (so the bundled bots, 2–5 variants an entry,
/// get one, meanings included) the bundled set's right entries rise 75.0 → 77.1 % at its
/// recommended threshold but its leave-one-out out-of-scope recall falls 42.5 → 35.5 %, so
/// those bots go without (README, "Scoring").
pub(super) const CLASSIFIER_MIN_VARIANTS: usize = 5;
/// … and at most this many entries (a classifier's size and training time grow with them;
/// `classifier::MAX_PARAMETERS` bounds them too).
const CLASSIFIER_MAX_ENTRIES: usize = 500;

/// Which of an entry's two language models a term belongs to.
pub(super) const WORDS: usize = 0;
/// See [`WORDS`].
pub(super) const BIGRAMS: usize = 1;

/// One distinct term (word or bigram) of a question, weighed.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct WeightedTerm {
    /// [`WORDS`] or [`BIGRAMS`].
    pub field: usize,
    /// The analyzed term (`a_b` for a bigram).
    pub text: String,
    /// `c(t)`: how often the question holds it.
    pub count: u32,
    /// `w(t)`: its weight per occurrence (with `BIGRAM_BOOST` for a bigram).
    pub unit_weight: f32,
    /// `w(t) · c(t)`.
    pub weight: f32,
}

/// A question as the model sees it: its analyzed tokens and its distinct terms, words first
/// (in first-seen order), then bigrams.
#[derive(Debug, Clone)]
pub(super) struct Question {
    /// The analyzed words, in order.
    pub tokens: Vec<String>,
    /// Its distinct words and bigrams, weighed.
    pub terms: Vec<WeightedTerm>,
    /// Its entry classifiers' features, made by the first trained bot that asks
    /// ([`Question::classifier_features`]) and shared by every other bot of the language: on
    /// HWU64 they were made once per trained bot, 15 times a turn, a quarter of a turn.
    classifier_features: OnceLock<Features>,
    /// Its words before stemming, where the language has word vectors (for its meaning).
    words: Vec<String>,
    /// What the question means ([`Question::meaning`]), worked out by the first bot that
    /// asks and shared like the classifier features.
    meaning: OnceLock<Option<Vec<f32>>>,
}

impl Question {
    /// Analyzes and weighs `text` for a bot with `analysis`.
    pub fn new(analysis: &Analysis, text: &str) -> Question {
        let (tokens, words) = analysis.tokens_and_words(text);
        let word_weight = |word: &str| {
            if analysis.is_function_word(word) {
                FUNCTION_WORD_WEIGHT
            } else {
                1.0
            }
        };
        let mut terms = Vec::new();
        for (word, count) in counted(tokens.iter().cloned()) {
            let unit_weight = word_weight(&word);
            terms.push(WeightedTerm {
                field: WORDS,
                weight: unit_weight * count as f32,
                unit_weight,
                text: word,
                count,
            });
        }
        for (pair, count) in counted(bigrams(&tokens)) {
            let (first, second) = pair.split_once('_').unwrap_or((&pair, &pair));
            let unit_weight = BIGRAM_BOOST * word_weight(first).max(word_weight(second));
            terms.push(WeightedTerm {
                field: BIGRAMS,
                weight: unit_weight * count as f32,
                unit_weight,
                text: pair,
                count,
            });
        }
        Question {
            tokens,
            terms,
            classifier_features: OnceLock::new(),
            words,
            meaning: OnceLock::new(),
        }
    }

    /// The distinct words with their counts, in first-seen order.
    pub fn words(&self) -> impl Iterator<Item = (&str, u32)> {
        self.terms
            .iter()
            .filter(|t| t.field == WORDS)
            .map(|t| (t.text.as_str(), t.count))
    }

    /// The entry classifiers' features of this question, `text` being the text it was
    /// analyzed from with `analysis` ([`classifier::features`], with the meaning of `text`).
    pub fn classifier_features(&self, analysis: &Analysis, text: &str) -> &Features {
        self.classifier_features.get_or_init(|| {
            classifier::features(&self.tokens, text, self.meaning(analysis).cloned())
        })
    }

    /// What the question means ([`Analysis::meaning`] of the text it was analyzed from with
    /// `analysis`): `None` in a language without word vectors, or when no content word has
    /// one.
    pub fn meaning(&self, analysis: &Analysis) -> Option<&Vec<f32>> {
        self.meaning
            .get_or_init(|| analysis.meaning_of_words(&self.words))
            .as_ref()
    }

    /// `ideal`: the raw score of a question each of whose terms had probability 1.
    pub fn ideal(&self) -> f32 {
        ideal_of(self.terms.iter().map(|t| t.weight))
    }
}

/// `ln(1/EPS) · Σ w(t)·c(t)` over the weights of a question's terms.
pub(super) fn ideal_of(weights: impl Iterator<Item = f32>) -> f32 {
    (1.0 / EPS).ln() * weights.sum::<f32>()
}

/// `ln(MU · P_bot(t))` for a term seen `collection_freq` times in a field of `total` tokens.
pub(super) fn log_prior(collection_freq: u64, total: f32) -> f32 {
    let total = total.max(1.0);
    let p_bot = (1.0 - GAMMA) * (collection_freq as f32 / total).min(1.0) + GAMMA * EPS;
    (MU * p_bot).ln()
}

/// `ln(|e| + MU)` for an entry of `length` tokens in one field.
pub(super) fn log_length(length: usize) -> f32 {
    (length as f32 + MU).ln()
}

/// What one query term adds to an entry holding it `tf` times, beyond what it adds to an
/// entry lacking it: `weight · (max(0, ln(P(t|e)/EPS)) − max(0, ln(P_absent(t|e)/EPS)))`.
pub(super) struct Evidence {
    weight: f32,
    prior: f32,
    absent_level: f32,
    /// `ln(tf + MU·P_bot) − ln EPS` for small `tf`.
    small: [f32; 8],
}

impl Evidence {
    /// For a term of `ln(MU · P_bot) = log_prior` weighing `weight` in the question.
    pub fn new(log_prior: f32, weight: f32) -> Evidence {
        let log_eps = EPS.ln();
        let prior = log_prior.exp();
        Evidence {
            weight,
            prior,
            absent_level: log_prior - log_eps,
            small: std::array::from_fn(|tf| (tf as f32 + prior).ln() - log_eps),
        }
    }

    /// The evidence for an entry with `ln(|e| + MU) = log_len`; never negative.
    pub fn of(&self, tf: u32, log_len: f32) -> f32 {
        let present = match self.small.get(tf as usize) {
            Some(&value) => value,
            None => (tf as f32 + self.prior).ln() - EPS.ln(),
        };
        self.weight * ((present - log_len).max(0.0) - (self.absent_level - log_len).max(0.0))
    }
}

/// `Σ_t weight · max(0, ln(MU · P_bot(t) / EPS) − ln(|e| + MU))` over one field's query
/// terms, for any entry length in O(log #terms): the evidence of the terms an entry lacks.
pub(super) struct Absent {
    /// `ln(MU · P_bot(t) / EPS)`, largest first.
    levels: Vec<f32>,
    /// Prefix sums of `weight` and of `weight · level`, in the same order.
    weights: Vec<f32>,
    weighted: Vec<f32>,
}

impl Absent {
    /// From `(ln(MU · P_bot(t)), weight)` of one field's query terms.
    pub fn new(terms: impl Iterator<Item = (f32, f32)>) -> Absent {
        let log_eps = EPS.ln();
        let mut pairs: Vec<(f32, f32)> = terms
            .map(|(log_prior, weight)| (log_prior - log_eps, weight))
            .collect();
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        // Sized once: this runs for every field of every bot asked, each turn.
        let mut weights = Vec::with_capacity(pairs.len() + 1);
        let mut weighted = Vec::with_capacity(pairs.len() + 1);
        weights.push(0.0);
        weighted.push(0.0);
        for (level, weight) in &pairs {
            weights.push(weights[weights.len() - 1] + weight);
            weighted.push(weighted[weighted.len() - 1] + weight * level);
        }
        Absent {
            levels: pairs.into_iter().map(|(level, _)| level).collect(),
            weights,
            weighted,
        }
    }

    /// The sum for entries with `ln(|e| + MU) = log_len`.
    pub fn sum(&self, log_len: f32) -> f32 {
        let above = self.levels.partition_point(|&level| level > log_len);
        self.weighted[above] - log_len * self.weights[above]
    }
}

/// `w·c·max(0, ln(P(t|e)/EPS))` for one term, straight from the formula: what a term holding
/// `tf` times in an entry with `ln(|e| + MU) = log_len` adds to its raw score. Also returns
/// `P(t|e)`.
pub(super) fn term_score(log_prior: f32, weight: f32, tf: u32, log_len: f32) -> (f32, f32) {
    let log_p = (tf as f32 + log_prior.exp()).ln() - log_len;
    let contribution = weight * (log_p - EPS.ln()).max(0.0);
    (contribution, log_p.exp())
}

/// How much the classifier lowers an entry's raw score: `CLASSIFIER_WEIGHT · ideal ·
/// (p_max − p(e))`.
pub(super) fn classifier_adjustment(ideal: f32, most_probable: f32, probability: f32) -> f32 {
    CLASSIFIER_WEIGHT * ideal * (most_probable - probability)
}

/// The meaning factor of an untrained bot's entry whose meaning has cosine `cosine` with
/// the question's: `max(0, cosine)`, which its raw score is multiplied by (see "Meaning, for
/// untrained bots" in the module documentation). Never above 1.
pub fn meaning_factor(cosine: f32) -> f32 {
    if cosine.is_nan() {
        return 1.0;
    }
    cosine.clamp(0.0, 1.0)
}

/// Whether an untrained bot with `entries` entries holding `variants` variants in all
/// weighs its entries by their meaning: when they hold few variants each (fewer than
/// `CLASSIFIER_MIN_VARIANTS` on average), too few words for the language model to know
/// their synonyms. (A bot with one entry of many variants has no classifier either, but its
/// variants hold its words.)
pub(super) fn wants_meaning_factor(entries: usize, variants: usize) -> bool {
    variants < CLASSIFIER_MIN_VARIANTS * entries
}

/// Whether a bot with `entries` entries holding `variants` variants in all gets an entry
/// classifier (its cost is checked apart, by `EntryClassifier::affordable`).
pub(super) fn wants_classifier(entries: usize, variants: usize) -> bool {
    entries <= CLASSIFIER_MAX_ENTRIES && variants >= CLASSIFIER_MIN_VARIANTS * entries
}

/// `min(1, raw / ideal)`, 0 when there is no ideal.
pub fn confidence(raw: f32, ideal: f32) -> f32 {
    if ideal > 0.0 && raw.is_finite() {
        (raw / ideal).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_is_clamped() {
        assert_eq!(confidence(5.0, 2.0), 1.0);
        assert_eq!(confidence(1.0, 0.0), 0.0);
        assert_eq!(confidence(f32::NAN, 1.0), 0.0);
        assert!((confidence(1.0, 4.0) - 0.25).abs() < 1e-6);
    }

    #[test]
    fn floor_plus_evidence_is_the_term_score() {
        for (log_prior, weight, tf, length) in [
            (-3.0f32, 1.0f32, 2u32, 7usize),
            (1.5, 0.5, 1, 3),
            (-12.0, 1.0, 9, 40),
            (0.2, 0.25, 0, 12),
        ] {
            let log_len = log_length(length);
            let absent = Absent::new([(log_prior, weight)].into_iter()).sum(log_len);
            let present = Evidence::new(log_prior, weight).of(tf, log_len);
            let (direct, _) = term_score(log_prior, weight, tf, log_len);
            assert!(
                (absent + present - direct).abs() < 1e-4,
                "{log_prior} {weight} {tf} {length}: {} vs {direct}",
                absent + present
            );
        }
    }
}
