//! Why an entry scores what it scores: the raw score and the confidence of one entry for one
//! question, broken down term by term with the scoring model ([`super::model`]) itself, so
//! the contributions add up to the raw score the search and the trace report.

use serde::Serialize;

use super::BotIndex;
use super::model::{
    BIGRAMS, MU, Question, classifier_adjustment, confidence, meaning_factor, term_score,
};
use crate::error::Error;

/// What one distinct question term (word or bigram) adds to an entry's raw score.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TermExplanation {
    /// The analyzed term: a stemmed, lower-cased word, or two joined by `_` for a bigram.
    pub term: String,
    /// Whether it is a word bigram.
    pub bigram: bool,
    /// `c(t)`: how often the question holds it.
    pub count: u32,
    /// `w(t)`: its weight per occurrence (0.5 for a function word, `BIGRAM_BOOST` times the
    /// heavier word's weight for a bigram).
    pub weight: f32,
    /// `tf(t, e)`: how often the entry's variants hold it.
    pub tf: u32,
    /// Whether the entry holds it (`tf > 0`).
    pub matched: bool,
    /// `P(t | e)`, the entry's smoothed probability of the term.
    pub p_entry: f32,
    /// `P_bot(t)`, the bot's probability of the term (with the floor share).
    pub p_bot: f32,
    /// `w(t) · c(t) · max(0, ln(P(t|e) / EPS))`: what it adds to the raw score.
    pub contribution: f32,
    /// `w(t) · c(t) · ln(1 / EPS)`: what it adds to the ideal.
    pub ideal: f32,
}

/// One word of the question as written, and what the entry makes of it (so a view can mark
/// the words that matched in the question itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainedWord {
    /// The word as the user wrote it (split on whitespace).
    pub text: String,
    /// Its analyzed term (`None` for punctuation and the like, which count for nothing).
    pub term: Option<String>,
    /// Whether the entry holds that term.
    pub matched: bool,
}

/// The entry classifier's part in a trained bot's raw score.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassifierExplanation {
    /// The classifier's probability of this entry.
    pub probability: f32,
    /// Its probability of its favourite entry (among the allowed ones).
    pub most_probable: f32,
    /// What it takes off the raw score: `0.5 · ideal · (mostProbable − probability)`.
    pub adjustment: f32,
}

/// The breakdown of one entry's raw score and confidence for one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The entry explained.
    pub entry_id: String,
    /// Every distinct term of the question, words first, then bigrams.
    pub terms: Vec<TermExplanation>,
    /// The question's words as written, each with its term and whether the entry holds it.
    pub words: Vec<ExplainedWord>,
    /// The language model's score: the sum of the terms' contributions.
    pub language_model: f32,
    /// The classifier's adjustment, for a trained bot.
    pub classifier: Option<ClassifierExplanation>,
    /// For an untrained bot whose entries hold few variants: the cosine of the entry's
    /// meaning with the question's (see "Meaning, for untrained bots" in
    /// [`super::model`]); absent for other bots, or when the question or the entry has no
    /// word with a vector.
    pub meaning: Option<f32>,
    /// The raw score: `languageModel − classifier.adjustment` for a trained bot,
    /// `languageModel × max(0, meaning)` for one weighed by meaning, else `languageModel`.
    pub raw: f32,
    /// The question's ideal score: the sum of the terms' `ideal`.
    pub ideal: f32,
    /// `min(1, raw / ideal)`.
    pub confidence: f32,
}

impl Explanation {
    /// The terms that count most for the entry, largest contribution first.
    pub fn strongest_terms(&self) -> Vec<&TermExplanation> {
        let mut terms: Vec<&TermExplanation> = self.terms.iter().collect();
        terms.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
        terms
    }
}

impl BotIndex {
    /// Explains the raw score and confidence of entry `entry_id` for `question`, as
    /// [`BotIndex::top`] computes them among entries in `contexts`. `None` when the entry is
    /// not indexed (unknown or disabled) or the question has no term.
    pub fn explain(
        &self,
        question: &str,
        contexts: &[String],
        entry_id: &str,
    ) -> Result<Option<Explanation>, Error> {
        self.explain_inner(question, contexts, entry_id)
            .map_err(|source| self.error(source))
    }

    fn explain_inner(
        &self,
        text: &str,
        contexts: &[String],
        entry_id: &str,
    ) -> tantivy::Result<Option<Explanation>> {
        let Some(ord) = self.entries.ord_of(entry_id) else {
            return Ok(None);
        };
        let question = Question::new(&self.analysis, text);
        if question.tokens.is_empty() {
            return Ok(None);
        }
        let query_terms = self.query_terms(&question)?;
        let mut terms = Vec::with_capacity(question.terms.len());
        for (weighed, term) in question.terms.iter().zip(&query_terms) {
            let (tf, log_len) = self.search.term_in_entry(term, ord)?;
            let (contribution, p_entry) = term_score(term.log_prior, term.weight, tf, log_len);
            terms.push(TermExplanation {
                term: weighed.text.clone(),
                bigram: weighed.field == BIGRAMS,
                count: weighed.count,
                weight: weighed.unit_weight,
                tf,
                matched: tf > 0,
                p_entry,
                p_bot: term.log_prior.exp() / MU,
                contribution,
                ideal: super::model::ideal_of(std::iter::once(weighed.weight)),
            });
        }
        let words = text
            .split_whitespace()
            .map(|word| {
                let term = self.analysis.tokens(word).into_iter().next();
                let matched = term.as_ref().is_some_and(|term| {
                    terms
                        .iter()
                        .any(|t| !t.bigram && t.matched && &t.term == term)
                });
                ExplainedWord {
                    text: word.to_string(),
                    term,
                    matched,
                }
            })
            .collect();
        let language_model: f32 = terms.iter().map(|t| t.contribution).sum();
        let ideal = question.ideal();
        let classifier = self.classifier.as_ref().map(|classifier| {
            let (probabilities, most_probable) =
                self.classifier_probabilities(classifier, &question, text, contexts);
            let probability = probabilities.get(ord).copied().unwrap_or(0.0);
            ClassifierExplanation {
                probability,
                most_probable,
                adjustment: classifier_adjustment(ideal, most_probable, probability),
            }
        });
        let meaning = self
            .weighing_meanings(&question)
            .and_then(|(meanings, meaning)| {
                meanings.cosine(ord, &self.entries, &self.analysis, meaning)
            });
        let raw = match (&classifier, meaning) {
            (Some(classifier), _) => language_model - classifier.adjustment,
            (None, Some(cosine)) => language_model * meaning_factor(cosine),
            (None, None) => language_model,
        };
        Ok(Some(Explanation {
            entry_id: entry_id.to_string(),
            terms,
            words,
            language_model,
            classifier,
            meaning,
            raw,
            ideal,
            confidence: confidence(raw, ideal),
        }))
    }
}
