//! Overlaps: entries of different bots that fight over the same questions, and questions
//! written twice within one bot, found before a user meets them.
//!
//! Every question variant of every enabled entry is asked of every other sub-bot, through the
//! same scoring delegation uses ([`crate::BotIndex::best`]). A variant *crosses* to another
//! bot when that bot's best confidence for it reaches `minConfidence`, or comes within
//! `margin` of the variant's own bot's best confidence. Crossings are grouped by the pair of
//! entries (the variant's and the other bot's best), in both directions; a pair's
//! *ambiguity* is its worst crossing's other-bot confidence minus own-bot confidence
//! (positive: the other bot wins), and pairs are listed most ambiguous first.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::parallel::in_chunks;
use crate::session::Engine;
use crate::workspace::{Bot, MASTER_ID};

/// How close counts as an overlap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OverlapOptions {
    /// A crossing whose other-bot confidence reaches this is an overlap.
    pub min_confidence: f64,
    /// A crossing whose other-bot confidence is within this of the own bot's is one too.
    pub margin: f64,
}

/// One variant of one entry that another bot would take (or nearly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// The bot the variant belongs to.
    pub bot: String,
    /// Its entry.
    pub entry: String,
    /// The variant.
    pub question: String,
    /// The own bot's best confidence for the variant.
    pub own_confidence: f64,
    /// The other bot.
    pub other_bot: String,
    /// The other bot's best entry for it.
    pub other_entry: String,
    /// That entry's variant closest to the question.
    pub other_question: String,
    /// The other bot's confidence.
    pub other_confidence: f64,
}

impl Crossing {
    /// Other-bot confidence minus own-bot confidence: above 0 the other bot wins.
    pub fn ambiguity(&self) -> f64 {
        self.other_confidence - self.own_confidence
    }
}

/// Two entries of different bots that take each other's questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overlap {
    /// The first entry's bot (the pair is ordered by bot, then entry).
    pub bot_a: String,
    /// The first entry.
    pub entry_a: String,
    /// The second entry's bot.
    pub bot_b: String,
    /// The second entry.
    pub entry_b: String,
    /// The worst crossing of a variant of `entry_a` into `bot_b`, if any.
    pub a_to_b: Option<Crossing>,
    /// The worst crossing of a variant of `entry_b` into `bot_a`, if any.
    pub b_to_a: Option<Crossing>,
    /// How many variants cross, both directions together.
    pub crossings: usize,
    /// The worst crossing's ambiguity.
    pub ambiguity: f64,
    /// Content words the worst crossing's two questions share (lower-cased).
    pub shared_words: Vec<String>,
}

impl Overlap {
    /// Whether variants cross in both directions.
    pub fn mutual(&self) -> bool {
        self.a_to_b.is_some() && self.b_to_a.is_some()
    }

    /// The worst crossing.
    pub fn worst(&self) -> Option<&Crossing> {
        match (&self.a_to_b, &self.b_to_a) {
            (Some(a), Some(b)) if b.ambiguity() > a.ambiguity() => Some(b),
            (Some(a), _) => Some(a),
            (None, b) => b.as_ref(),
        }
    }
}

/// A question that appears more than once in one bot (after folding case, spaces and
/// punctuation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duplicate {
    /// The bot.
    pub bot: String,
    /// The question as first written.
    pub question: String,
    /// The entries holding it, once per occurrence (an entry twice: a repeated variant).
    pub entries: Vec<String>,
}

/// Everything [`find`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverlapReport {
    /// The options used.
    pub options: OverlapOptions,
    /// Question variants asked of other bots.
    pub variants_checked: usize,
    /// Pairs of entries, most ambiguous first.
    pub overlaps: Vec<Overlap>,
    /// Repeated questions within a bot, by bot.
    pub duplicates: Vec<Duplicate>,
}

/// Finds overlapping entries between the sub-bots of `engine` and duplicate questions within
/// each, spreading the work over every core.
pub fn find(engine: &Engine, options: OverlapOptions) -> OverlapReport {
    let contexts = &engine.workspace().settings.included_contexts;
    let bots: Vec<&Bot> = engine
        .workspace()
        .bots
        .iter()
        .filter(|bot| bot.id != MASTER_ID && engine.index(&bot.id).is_some())
        .collect();
    let variants: Vec<(&Bot, &str, &str)> = bots
        .iter()
        .flat_map(|bot| {
            bot.qna
                .iter()
                .filter(|entry| {
                    entry.enabled && entry.contexts.iter().any(|c| contexts.contains(c))
                })
                .flat_map(move |entry| {
                    entry
                        .questions
                        .iter()
                        .map(move |q| (*bot, entry.id.as_str(), q.as_str()))
                })
        })
        .collect();
    let crossings = in_chunks(&variants, OVERLAP_CHUNK, |chunk| {
        chunk
            .iter()
            .flat_map(|(bot, entry, question)| {
                crossings_of(engine, &bots, bot, entry, question, options)
            })
            .collect()
    });
    OverlapReport {
        options,
        variants_checked: variants.len(),
        overlaps: group(crossings),
        duplicates: bots.iter().flat_map(|bot| duplicates(bot)).collect(),
    }
}

/// Variants handed to a worker at a time.
const OVERLAP_CHUNK: usize = 32;

/// The crossings of one variant into every other bot.
fn crossings_of(
    engine: &Engine,
    bots: &[&Bot],
    own: &Bot,
    entry: &str,
    question: &str,
    options: OverlapOptions,
) -> Vec<Crossing> {
    let contexts = &engine.workspace().settings.included_contexts;
    let best = |bot: &Bot| {
        engine
            .index(&bot.id)
            .and_then(|index| index.best(question, contexts).ok().flatten())
    };
    let own_confidence = best(own).map_or(0.0, |hit| f64::from(hit.confidence));
    bots.iter()
        .filter(|other| other.id != own.id)
        .filter_map(|other| {
            let hit = best(other)?;
            let other_confidence = f64::from(hit.confidence);
            let crosses = other_confidence >= options.min_confidence
                || other_confidence >= own_confidence - options.margin;
            (crosses && other_confidence > 0.0).then(|| Crossing {
                bot: own.id.clone(),
                entry: entry.to_string(),
                question: question.to_string(),
                own_confidence,
                other_bot: other.id.clone(),
                other_entry: hit.entry_id,
                other_question: hit.question,
                other_confidence,
            })
        })
        .collect()
}

/// Groups crossings by unordered entry pair, keeping each direction's worst.
fn group(crossings: Vec<Crossing>) -> Vec<Overlap> {
    let mut pairs: BTreeMap<(String, String, String, String), Overlap> = BTreeMap::new();
    for crossing in crossings {
        let forward = (crossing.bot.as_str(), crossing.entry.as_str())
            <= (crossing.other_bot.as_str(), crossing.other_entry.as_str());
        let key = if forward {
            (
                crossing.bot.clone(),
                crossing.entry.clone(),
                crossing.other_bot.clone(),
                crossing.other_entry.clone(),
            )
        } else {
            (
                crossing.other_bot.clone(),
                crossing.other_entry.clone(),
                crossing.bot.clone(),
                crossing.entry.clone(),
            )
        };
        let overlap = pairs.entry(key.clone()).or_insert_with(|| Overlap {
            bot_a: key.0,
            entry_a: key.1,
            bot_b: key.2,
            entry_b: key.3,
            a_to_b: None,
            b_to_a: None,
            crossings: 0,
            ambiguity: f64::NEG_INFINITY,
            shared_words: Vec::new(),
        });
        overlap.crossings += 1;
        let slot = if forward {
            &mut overlap.a_to_b
        } else {
            &mut overlap.b_to_a
        };
        if slot
            .as_ref()
            .is_none_or(|worst| crossing.ambiguity() > worst.ambiguity())
        {
            *slot = Some(crossing);
        }
    }
    let mut overlaps: Vec<Overlap> = pairs
        .into_values()
        .map(|mut overlap| {
            if let Some(worst) = overlap.worst().cloned() {
                overlap.ambiguity = worst.ambiguity();
                overlap.shared_words = shared_words(&worst.question, &worst.other_question);
            }
            overlap
        })
        .collect();
    // Most ambiguous first; mutual pairs before one-way ones at equal ambiguity.
    overlaps.sort_by(|a, b| {
        b.ambiguity
            .total_cmp(&a.ambiguity)
            .then(b.mutual().cmp(&a.mutual()))
    });
    overlaps
}

/// Words too common to say why two questions overlap.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "and", "are", "at", "be", "can", "do", "does", "for", "from", "how", "i", "in",
    "is", "it", "me", "my", "of", "on", "or", "please", "the", "to", "what", "when", "where",
    "which", "who", "why", "with", "you", "your", "we", "our", "there", "this", "that", "have",
    "has", "am", "will", "would", "should", "could", "get", "about",
];

/// Lower-cased words of `text`, letters and digits only.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The content words (two letters or more, no function word) two questions share, sorted
/// (for display; scoring is the index's).
pub fn shared_words(a: &str, b: &str) -> Vec<String> {
    let theirs = words(b);
    let mut shared: Vec<String> = words(a)
        .into_iter()
        .filter(|w| w.chars().count() > 1)
        .filter(|w| !FUNCTION_WORDS.contains(&w.as_str()) && theirs.contains(w))
        .collect();
    shared.sort();
    shared.dedup();
    shared
}

/// Questions of `bot` written more than once (case, spacing and punctuation folded).
fn duplicates(bot: &Bot) -> Vec<Duplicate> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut found: Vec<Duplicate> = Vec::new();
    let mut first: HashMap<String, (String, String)> = HashMap::new();
    for entry in bot.qna.iter().filter(|entry| entry.enabled) {
        for question in &entry.questions {
            let folded = words(question).join(" ");
            if folded.is_empty() {
                continue;
            }
            match seen.get(&folded) {
                Some(&at) => found[at].entries.push(entry.id.clone()),
                None => match first.get(&folded) {
                    Some((first_entry, first_question)) => {
                        seen.insert(folded.clone(), found.len());
                        found.push(Duplicate {
                            bot: bot.id.clone(),
                            question: first_question.clone(),
                            entries: vec![first_entry.clone(), entry.id.clone()],
                        });
                    }
                    None => {
                        first.insert(folded, (entry.id.clone(), question.clone()));
                    }
                },
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_words_skip_function_words_and_single_letters() {
        assert_eq!(
            shared_words("What's the VPN password?", "what's my vpn password"),
            ["password", "vpn"]
        );
        assert!(shared_words("how do I", "how do I").is_empty());
    }
}
