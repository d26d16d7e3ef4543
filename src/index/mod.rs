//! `BotIndex`: one bot's QnA in tantivy, answering "which entry best matches this question,
//! with what raw score and what confidence?".
//!
//! # Documents
//! One tantivy index per bot language and the variants' words beside it (`build`), in RAM
//! or opened from the persistent cache ([`cache`]):
//! - **entries**: one document per enabled entry, holding all its question variants (`text`)
//!   and their word bigrams (`bigrams`). Ranking reads this index's postings, so evidence for
//!   an entry adds up across its variants instead of resting on the single closest variant
//!   (DESIGN.md, "Scoring").
//! - **variants**: each question variant's analyzed words, by entry; after ranking, BM25 over
//!   them names the variant closest to the question (`variants`), which the trace shows.
//!
//! # The path of a question
//! 1. `analysis`: the bot language's analyzer turns the question into words (lower-cased,
//!    ASCII-folded, stemmed) and word bigrams; it is never parsed as a query language.
//! 2. [`model`]: each distinct term gets its weight `w(t)·c(t)`; the question its ideal. The
//!    scoring formula, its constants and the confidence live there and only there.
//! 3. `search`: the entries holding a query term are scored from their postings with exact
//!    pruning, so the work per question is proportional to those postings, never to the
//!    number of entries.
//! 4. For a trained bot, the entry classifier lowers each candidate's raw score
//!    (`model::classifier_adjustment`); a bot whose entries hold few variants multiplies it
//!    by how close the entry's meaning is to the question's (`model::meaning_factor`, the
//!    entries' meanings from `meanings`); then each hit gets its closest variant and its
//!    confidence.
//!
//! [`explain`] breaks one entry's raw score down term by term with the same model.

mod analysis;
mod build;
pub mod cache;
mod candidates;
mod entries;
pub mod explain;
pub mod finder;
mod meanings;
pub mod model;
pub mod router;
mod search;
mod texts;
mod variants;

pub use analysis::analyzer_for;
pub use build::PROGRESS_EVERY;
pub use cache::IndexCache;
pub use explain::{ExplainedWord, Explanation, TermExplanation};
pub use finder::EntryFinder;
pub use model::BIGRAM_BOOST;
pub use router::{BotRouter, NoRouter};

use analysis::Analysis;
use entries::IndexedEntries;
use meanings::EntryMeanings;
use model::{Question, classifier_adjustment, confidence};
use search::{EntrySearch, best_first};
use variants::VariantQuestions;

use crate::classifier::EntryClassifier;
use crate::error::Error;
use crate::workspace::Bot;

/// One match of a question against a bot's QnA.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Position of the entry in [`Bot::qna`].
    pub entry: usize,
    /// The entry id.
    pub entry_id: String,
    /// The entry's question variant closest to the question asked.
    pub question: String,
    /// Raw score: the question's log-likelihood ratio under the entry (see [`model`]);
    /// comparable across bots for one question, not across questions.
    pub score: f32,
    /// Confidence in [0, 1] (see [`model`]).
    pub confidence: f32,
    /// For a trained bot, its entry classifier's probability for this entry (the raw score
    /// already includes its effect; see "Trained bots" in [`model`]).
    pub classifier: Option<f32>,
    /// For a bot weighed by meaning (untrained, few variants an entry, a language with word
    /// vectors), the cosine of the entry's meaning with the question's (the raw score is
    /// already multiplied by its meaning factor; see "Meaning, for untrained bots" in
    /// [`model`]).
    pub meaning: Option<f32>,
}

/// A bot's QnA in one of its languages, searchable; the index of the bot's default language
/// holds those of its other languages ([`BotIndex::in_language`]).
pub struct BotIndex {
    bot_id: String,
    /// The language indexed: its questions, with its analysis (stemmer).
    language: String,
    /// The indexes of the bot's other languages (none for a single-language bot), each built
    /// from the entries with questions in that language, with that language's analysis.
    other_languages: Vec<BotIndex>,
    /// The enabled entries, by entry ord (the order of the bot's QnA).
    entries: IndexedEntries,
    /// How the bot's language becomes terms.
    analysis: Analysis,
    /// The entries index.
    search: EntrySearch,
    /// The variants' words, for the closest variant.
    variants: VariantQuestions,
    /// Whether some entry lies outside the `global` context (then searches filter by context).
    has_other_contexts: bool,
    /// For bots with many variants per entry: which entry a question belongs to, learnt from
    /// the variants.
    classifier: Option<EntryClassifier>,
    /// For a bot weighed by meaning: its entries' meanings, worked out as searches meet
    /// them.
    meanings: Option<EntryMeanings>,
}

impl std::fmt::Debug for BotIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotIndex")
            .field("bot_id", &self.bot_id)
            .field("language", &self.language)
            .field("entries", &self.entries.len())
            .field("other_languages", &self.other_languages)
            .finish()
    }
}

/// A question analyzed in one bot language: its terms, weighed. Made once per turn and
/// language ([`BotIndex::analyze`]), it serves every bot of that language, so a delegation
/// to several bots stems the question once instead of once per bot.
#[derive(Debug, Clone)]
pub struct AnalyzedQuestion {
    language: String,
    question: Question,
}

impl AnalyzedQuestion {
    /// The bot language code it was analyzed in.
    pub fn language(&self) -> &str {
        &self.language
    }
}

/// A hit before its closest variant is looked up.
#[derive(Debug, Clone, Copy)]
struct Scored {
    /// The entry's ord.
    ord: usize,
    /// Its raw score, with the classifier's adjustment or the meaning factor.
    raw: f32,
    /// The classifier's probability of the entry (a trained bot).
    classifier: Option<f32>,
    /// The cosine of its meaning with the question's (a bot weighed by meaning).
    meaning: Option<f32>,
}

impl Scored {
    /// A hit of an untrained bot: no classifier, and the cosine of its meaning when the bot
    /// is weighed by meaning.
    fn untrained(ord: usize, raw: f32, meaning: Option<f32>) -> Scored {
        Scored {
            ord,
            raw,
            classifier: None,
            meaning,
        }
    }
}

impl BotIndex {
    /// Indexes every enabled entry of `bot`, in each of its languages: the default
    /// language's index, holding one per other language the bot speaks (Botpress trains a
    /// model per language of `languages`).
    pub fn build(bot: &Bot) -> Result<BotIndex, Error> {
        Self::build_with_progress(bot, &|_, _| {})
    }

    /// [`BotIndex::build`], calling `progress(entries written, entries to write)` as it goes
    /// (every thousand entries, and once when all are written), for a bot large enough that
    /// the user should see it move. Only the default language reports progress; a
    /// single-language bot builds exactly one index.
    pub fn build_with_progress(
        bot: &Bot,
        progress: &dyn Fn(usize, usize),
    ) -> Result<BotIndex, Error> {
        Self::build_cached(bot, None, progress)
    }

    /// [`BotIndex::build_with_progress`] through `cache`: each language's index is opened
    /// from it when it holds this exact build, else built and kept there (see
    /// [`cache`]); without a cache, built in RAM.
    pub fn build_cached(
        bot: &Bot,
        cache: Option<&IndexCache>,
        progress: &dyn Fn(usize, usize),
    ) -> Result<BotIndex, Error> {
        let one = |language: &str, progress: &dyn Fn(usize, usize)| {
            let entries = build::indexed_entries(bot, language);
            match cache {
                Some(cache) => cache.index(bot, language, entries, progress),
                None => build::write(&entries, language, build::Target::Ram, progress)
                    .and_then(|written| build::assemble(bot, language, entries, written)),
            }
            .map_err(|source| Error::Index {
                bot: bot.id.clone(),
                source,
            })
        };
        let mut index = one(&bot.config.default_language, progress)?;
        for language in bot.config.languages().skip(1) {
            if index.other_languages.iter().any(|i| i.language == language) {
                continue;
            }
            let other = one(language, &|_, _| {})?;
            index.other_languages.push(other);
        }
        Ok(index)
    }

    /// The index of `language`: this one when it is this index's language or the bot does
    /// not speak it, else the bot's index in that language.
    pub fn in_language(&self, language: &str) -> &BotIndex {
        if language == self.language {
            return self;
        }
        self.other_languages
            .iter()
            .find(|index| index.language == language)
            .unwrap_or(self)
    }

    /// The language this index holds.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// The bot this index belongs to.
    pub fn bot_id(&self) -> &str {
        &self.bot_id
    }

    /// Number of entries indexed (enabled ones).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the bot has an entry classifier (its entries hold many variants each).
    pub fn is_trained(&self) -> bool {
        self.classifier.is_some()
    }

    /// `question` analyzed as this bot analyzes it; reusable with [`BotIndex::top_analyzed`]
    /// for every bot of the same [`BotIndex::language`].
    pub fn analyze(&self, question: &str) -> AnalyzedQuestion {
        AnalyzedQuestion {
            language: self.language().to_string(),
            question: Question::new(&self.analysis, question),
        }
    }

    /// The best entry for `question` among entries in `contexts`, if any word matches.
    pub fn best(&self, question: &str, contexts: &[String]) -> Result<Option<Hit>, Error> {
        Ok(self.top(question, contexts, 1)?.into_iter().next())
    }

    /// The `limit` best entries for `question` among entries in `contexts`, best first.
    pub fn top(
        &self,
        question: &str,
        contexts: &[String],
        limit: usize,
    ) -> Result<Vec<Hit>, Error> {
        self.top_analyzed(&self.analyze(question), question, contexts, limit)
    }

    /// [`BotIndex::top`] for a question already analyzed (`analyzed`, from `text`). An
    /// analysis made in another language is made again in this bot's.
    pub fn top_analyzed(
        &self,
        analyzed: &AnalyzedQuestion,
        text: &str,
        contexts: &[String],
        limit: usize,
    ) -> Result<Vec<Hit>, Error> {
        let own;
        let question = if analyzed.language == self.language() {
            &analyzed.question
        } else {
            own = Question::new(&self.analysis, text);
            &own
        };
        self.top_inner(question, text, contexts, limit)
            .map_err(|source| self.error(source))
    }

    fn error(&self, source: tantivy::TantivyError) -> Error {
        Error::Index {
            bot: self.bot_id.clone(),
            source,
        }
    }

    fn top_inner(
        &self,
        question: &Question,
        text: &str,
        contexts: &[String],
        limit: usize,
    ) -> tantivy::Result<Vec<Hit>> {
        if self.entries.is_empty() || limit == 0 || question.tokens.is_empty() {
            return Ok(Vec::new());
        }
        let ideal = question.ideal();
        self.ranked(question, text, contexts, limit)?
            .into_iter()
            .map(|scored| {
                Ok(Hit {
                    entry: self.entries.qna_pos(scored.ord),
                    entry_id: self.entries.id(scored.ord).to_string(),
                    question: self.closest_variant(scored.ord, question),
                    score: scored.raw,
                    confidence: confidence(scored.raw, ideal),
                    classifier: scored.classifier,
                    meaning: scored.meaning,
                })
            })
            .collect()
    }

    /// The question's terms, ready to search: a word looked up in the index by its text, a
    /// bigram by its key ([`VariantQuestions::push_bigram_key`]; one with a word no variant
    /// holds by an empty key, which no term has). Each field remembers the terms it has
    /// looked up by their text, so a term's key is made only the first time it is asked.
    fn query_terms(&self, question: &Question) -> tantivy::Result<Vec<search::QueryTerm>> {
        self.search.query_terms(&question.terms, |term, key| {
            if term.field == model::BIGRAMS {
                let (first, second) = term.text.split_once('_').unwrap_or_default();
                self.variants.push_bigram_key(key, first, second);
            } else {
                key.push_str(&term.text);
            }
        })
    }

    /// The `limit` best entries for an analyzed question (`text` is what was asked, for the
    /// classifier's character features), best first.
    fn ranked(
        &self,
        question: &Question,
        text: &str,
        contexts: &[String],
        limit: usize,
    ) -> tantivy::Result<Vec<Scored>> {
        let terms = self.query_terms(question)?;
        let allowed = |ord: usize| self.allowed(ord, contexts);
        let Some(classifier) = &self.classifier else {
            if let Some((meanings, meaning)) = self.weighing_meanings(question) {
                return self.ranked_by_meaning(&terms, &allowed, limit, meanings, meaning);
            }
            let scored = self.search.scores(&terms, allowed, limit)?;
            return Ok(scored
                .into_iter()
                .map(|(ord, raw)| Scored::untrained(ord, raw, None))
                .collect());
        };
        // The classifier re-weighs every candidate, so none may be pruned.
        let mut scored = self.search.scores(&terms, allowed, self.entries.len())?;
        let probabilities = self.classifier_probabilities(classifier, question, text, contexts);
        let (probabilities, most_probable) = &probabilities;
        let ideal = question.ideal();
        for (ord, raw) in scored.iter_mut() {
            let probability = probabilities.get(*ord).copied().unwrap_or(0.0);
            *raw -= classifier_adjustment(ideal, *most_probable, probability);
        }
        // Re-weighed scores: keep the positive ones, best first, as `scores` does.
        Ok(best_first(scored.into_iter(), limit)
            .into_iter()
            .map(|(ord, raw)| Scored {
                ord,
                raw,
                classifier: probabilities.get(ord).copied(),
                meaning: None,
            })
            .collect())
    }

    /// The classifier's probability of every entry, and the largest among the entries in
    /// `contexts` (the classifier's favourite keeps its score; see "Trained bots" in
    /// [`model`]).
    fn classifier_probabilities(
        &self,
        classifier: &EntryClassifier,
        question: &Question,
        text: &str,
        contexts: &[String],
    ) -> (Vec<f32>, f32) {
        let probabilities =
            classifier.probabilities(question.classifier_features(&self.analysis, text));
        let most_probable = (0..self.entries.len())
            .filter(|&ord| self.allowed(ord, contexts))
            .filter_map(|ord| probabilities.get(ord).copied())
            .fold(0.0f32, f32::max);
        (probabilities, most_probable)
    }

    /// Whether entry `ord` is in one of `contexts`.
    fn allowed(&self, ord: usize, contexts: &[String]) -> bool {
        !self.has_other_contexts
            || self
                .entries
                .contexts(ord)
                .iter()
                .any(|c| contexts.contains(c))
    }

    /// The question variant of entry `ord` closest to the question's words (see
    /// [`VariantQuestions::closest`]).
    fn closest_variant(&self, ord: usize, question: &Question) -> String {
        let variant = self
            .variants
            .closest(ord, question.words().map(|(word, _)| word));
        self.entries
            .question(ord, variant)
            .or_else(|| self.entries.question(ord, 0))
            .unwrap_or_default()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::analysis::{bigrams, counted};
    use super::model::{EPS, FUNCTION_WORD_WEIGHT, GAMMA, MU};
    use super::*;

    fn demo_index(bot: &str) -> BotIndex {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workspace");
        let workspace = crate::Workspace::load(root).expect("demo workspace");
        BotIndex::build(workspace.bot(bot).expect("demo bot")).expect("index")
    }

    #[test]
    fn confidence_is_monotone_and_low_for_unseen_words() {
        let index = demo_index("sub1");
        let global = ["global".to_string()];
        let hits = index
            .top("how many vacation days do I have left", &global, 5)
            .unwrap();
        assert!(hits.len() > 1);
        for pair in hits.windows(2) {
            assert!(pair[0].score >= pair[1].score);
            assert!(pair[0].confidence >= pair[1].confidence);
        }
        assert!(hits[0].confidence > 0.5 && hits[0].confidence <= 1.0);
        let unseen = index.best("zyxw qwvz plorf", &global).unwrap();
        assert!(unseen.is_none());
        let mostly_unseen = index.best("what is the capital of peru", &global).unwrap();
        assert!(mostly_unseen.is_none_or(|h| h.confidence < 0.5));
        assert!(index.top("", &global, 3).unwrap().is_empty());
    }

    #[test]
    fn one_analysis_serves_every_bot_of_its_language() {
        let global = ["global".to_string()];
        let (sub1, sub2) = (demo_index("sub1"), demo_index("sub2"));
        let question = "My laptop keeps freezing, who can reset my password?";
        let analyzed = sub1.analyze(question);
        assert_eq!(analyzed.language(), sub2.language());
        for index in [&sub1, &sub2] {
            assert_eq!(
                index.top_analyzed(&analyzed, question, &global, 5).unwrap(),
                index.top(question, &global, 5).unwrap()
            );
        }
        // An analysis in another language is made again in the bot's own.
        let mut french = sub1.analyze(question);
        french.language = "fr".to_string();
        french.question = Question::new(&Analysis::for_language("fr"), question);
        assert_eq!(
            sub2.top_analyzed(&french, question, &global, 5).unwrap(),
            sub2.top(question, &global, 5).unwrap()
        );
    }

    /// A deterministic bot whose words follow a Zipf-like law over a small vocabulary (the
    /// commonest words, some of them function words, are in most entries), with every 7th
    /// entry disabled and every 5th in another context: searches on it take every path of
    /// `BotIndex::scores` (admitting, pruned, postings scanned or sought).
    fn zipf_bot(entries: usize) -> (crate::workspace::Bot, Vec<String>) {
        let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "pe", "da"];
        let mut words: Vec<String> = ["the", "what", "my", "is"].map(String::from).to_vec();
        words.extend((0..1500).map(|i| {
            format!(
                "{}{}{}",
                syllables[i % 10],
                syllables[(i / 10) % 10],
                syllables[(i / 100) % 10]
            )
        }));
        zipf_bot_of(entries, words)
    }

    /// A bot like [`zipf_bot`]'s of English words, which have vectors: a bot weighed by
    /// meaning.
    fn english_zipf_bot(entries: usize) -> (crate::workspace::Bot, Vec<String>) {
        let words = "the what my is laptop printer salary holiday password screen office \
            manager payroll badge coffee heating network email meeting leave sick doctor \
            insurance contract desk chair parking train bonus training course computer phone \
            account login broken slow cold hot water kitchen light door window invoice travel \
            expense report vacation day week month team project server backup file folder \
            update install software license camera microphone headset charger cable keyboard \
            mouse monitor budget promotion review feedback interview hire benefits dentist";
        zipf_bot_of(
            entries,
            words.split_whitespace().map(String::from).collect(),
        )
    }

    /// A bot of `entries` entries whose variants draw `words` Zipf-like (the first four are
    /// the commonest), and questions drawn the same way.
    fn zipf_bot_of(entries: usize, words: Vec<String>) -> (crate::workspace::Bot, Vec<String>) {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let mut sentence = |length: usize| {
            (0..length)
                .map(|_| {
                    let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
                    let pick = (words.len() as f64).powf(u) as usize;
                    words[pick.saturating_sub(1).min(words.len() - 1)].as_str()
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let qna = (0..entries)
            .map(|e| {
                let variants = (0..1 + e % 4).map(|v| sentence(3 + (e + v) % 6)).collect();
                let id = format!("e{e}");
                let mut entry = crate::workspace::QnaEntry::new_v11(
                    &id,
                    std::path::PathBuf::from(format!("{id}.json")),
                    variants,
                    vec![format!("answer {e}")],
                );
                entry.enabled = e % 7 != 3;
                if e % 5 == 2 {
                    entry.contexts = vec!["other".to_string()];
                }
                entry
            })
            .collect();
        let mut questions: Vec<String> = (0..150).map(|i| sentence(2 + i % 9)).collect();
        // A rare word with common ones: few candidates, long postings for the common words.
        questions.extend((0..50).map(|i| {
            format!(
                "{} the my {}",
                sentence(1),
                words[4 + i % (words.len() - 4)]
            )
        }));
        let bot = crate::workspace::Bot {
            id: "zipf".into(),
            dir: "zipf".into(),
            config: crate::workspace::BotConfig {
                name: "zipf".into(),
                description: None,
                default_language: "en".into(),
                oneflow: false,
                raw: serde_json::json!({}),
            },
            qna,
            elements: Vec::new(),
            flow: None,
        };
        (bot, questions)
    }

    /// Token counts of every indexed entry, to score entries straight from the formula of the
    /// module documentation, with no index and no pruning.
    struct BruteForce {
        /// Per entry, for words and for bigrams: each token's count and the total.
        entries: Vec<[(HashMap<String, u32>, usize); 2]>,
        /// Count of each token in the whole bot, and the bot's total, for words and bigrams.
        bot: [(HashMap<String, u32>, usize); 2],
    }

    impl BruteForce {
        fn new(index: &BotIndex) -> BruteForce {
            let mut bot: [(HashMap<String, u32>, usize); 2] = Default::default();
            let entries = (0..index.entries.len())
                .map(|ord| {
                    let mut fields: [(HashMap<String, u32>, usize); 2] = Default::default();
                    for question in index.entries.questions(ord) {
                        let words = index.analysis.tokens(question);
                        let pairs = bigrams(&words);
                        for (field, items) in [words, pairs].into_iter().enumerate() {
                            for item in items {
                                *fields[field].0.entry(item.clone()).or_default() += 1;
                                *bot[field].0.entry(item).or_default() += 1;
                                fields[field].1 += 1;
                                bot[field].1 += 1;
                            }
                        }
                    }
                    fields
                })
                .collect();
            BruteForce { entries, bot }
        }

        /// `(entry ord, raw)` of the entries allowed in `contexts` that hold at least one query
        /// word or bigram (the candidates), best first.
        fn scores(
            &self,
            index: &BotIndex,
            question: &str,
            contexts: &[String],
        ) -> Vec<(usize, f32)> {
            let query = index.analysis.tokens(question);
            let query_terms = [counted(query.iter().cloned()), counted(bigrams(&query))];
            let weight = |field: usize, term: &str| -> f64 {
                let word = |w: &str| {
                    if index.analysis.is_function_word(w) {
                        f64::from(FUNCTION_WORD_WEIGHT)
                    } else {
                        1.0
                    }
                };
                if field == 0 {
                    word(term)
                } else {
                    let (first, second) = term.split_once('_').unwrap_or((term, term));
                    f64::from(BIGRAM_BOOST) * word(first).max(word(second))
                }
            };
            let (mu, gamma, eps) = (f64::from(MU), f64::from(GAMMA), f64::from(EPS));
            let mut scores = Vec::new();
            for (ord, fields) in self.entries.iter().enumerate() {
                let holds_one = (0..2).any(|f| {
                    query_terms[f]
                        .iter()
                        .any(|(t, _)| fields[f].0.contains_key(t))
                });
                if !holds_one || !index.allowed(ord, contexts) {
                    continue;
                }
                let mut raw = 0.0f64;
                for field in 0..2 {
                    let (bot_counts, bot_total) = &self.bot[field];
                    let (counts, length) = &fields[field];
                    for (term, times) in &query_terms[field] {
                        let cf = f64::from(bot_counts.get(term).copied().unwrap_or(0));
                        let p_bot = (1.0 - gamma) * (cf / (*bot_total as f64).max(1.0)).min(1.0)
                            + gamma * eps;
                        let tf = f64::from(counts.get(term).copied().unwrap_or(0));
                        let p = (tf + mu * p_bot) / (*length as f64 + mu);
                        raw += weight(field, term) * f64::from(*times) * (p / eps).ln().max(0.0);
                    }
                }
                if raw > 0.0 {
                    scores.push((ord, raw as f32));
                }
            }
            scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            scores
        }
    }

    #[test]
    fn pruned_top_k_matches_brute_force_scoring_of_every_entry() {
        let (bot, questions) = zipf_bot(1200);
        let index = BotIndex::build(&bot).expect("index");
        let brute_force = BruteForce::new(&index);
        // Searches alternate between contexts: one must not see the entries another excluded.
        let global = vec!["global".to_string()];
        let both = vec!["global".to_string(), "other".to_string()];
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-4 * b.abs().max(1.0);
        let mut compared = 0;
        for (i, question) in questions
            .iter()
            .chain(bot.qna.iter().step_by(37).map(|e| &e.questions[0]))
            .enumerate()
        {
            let contexts = if i % 2 == 0 { &global } else { &both };
            let expected = brute_force.scores(&index, question, contexts);
            let by_ord: HashMap<usize, f32> = expected.iter().copied().collect();
            for limit in [1, 3, 10] {
                let hits = index.top(question, contexts, limit).expect("top");
                assert_eq!(
                    hits.len(),
                    expected.len().min(limit),
                    "{question:?}, top {limit}"
                );
                for (rank, hit) in hits.iter().enumerate() {
                    let ord = index
                        .entries
                        .ord_of(&hit.entry_id)
                        .expect("an indexed entry");
                    let brute = by_ord.get(&ord).copied().unwrap_or(f32::NAN);
                    assert!(
                        close(hit.score, brute),
                        "{question:?}, top {limit}: {hit:?} vs {brute}"
                    );
                    assert!(
                        close(hit.score, expected[rank].1),
                        "{question:?}, top {limit}, rank {rank}: {hit:?} vs {:?}",
                        expected[rank]
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 2000, "compared {compared} hits");
    }

    /// A bot weighed by meaning ranks as if every candidate's raw score were multiplied by
    /// its factor (the explanation's `languageModel × max(0, meaning)`), both ways it
    /// searches: weighing every entry's evidence (up to 1,000 entries) and weighing the best
    /// candidates by raw score in rounds (more).
    #[test]
    fn meaning_weighed_top_k_matches_weighing_every_candidate() {
        for entries in [300, 1_100] {
            let (bot, questions) = english_zipf_bot(entries);
            let index = BotIndex::build(&bot).expect("index");
            if index.meanings.is_none() {
                return; // a build without word vectors weighs nothing
            }
            let both = vec!["global".to_string(), "other".to_string()];
            let close = |a: f32, b: f32| (a - b).abs() <= 1e-3 * b.abs().max(1.0);
            let mut weighed = 0;
            for question in questions.iter().step_by(20) {
                let mut expected: Vec<(f32, Option<f32>)> = (0..index.entries.len())
                    .filter_map(|ord| {
                        let id = index.entries.id(ord);
                        index.explain(question, &both, id).expect("explain")
                    })
                    .filter(|e| e.terms.iter().any(|t| t.matched) && e.raw > 0.0)
                    .map(|e| (e.raw, e.meaning))
                    .collect();
                expected.sort_by(|a, b| b.0.total_cmp(&a.0));
                for limit in [1, 3, 10] {
                    let hits = index.top(question, &both, limit).expect("top");
                    assert_eq!(hits.len(), expected.len().min(limit), "{question:?}");
                    for (hit, (raw, _)) in hits.iter().zip(&expected) {
                        assert!(
                            close(hit.score, *raw),
                            "{entries} entries, {question:?}, top {limit}: {hit:?} vs {raw}"
                        );
                        weighed += usize::from(hit.meaning.is_some());
                    }
                }
            }
            assert!(weighed > 50, "{entries} entries: {weighed} hits weighed");
        }
    }

    /// The explanation's contributions add up to the raw score the search reports, and its
    /// confidence is the hit's, for every hit of many questions (the model is evaluated
    /// once per term by `explain` and incrementally, with pruning, by the search).
    #[test]
    fn explanations_add_up_to_the_searched_scores() {
        let (bot, questions) = zipf_bot(600);
        let index = BotIndex::build(&bot).expect("index");
        let both = vec!["global".to_string(), "other".to_string()];
        let mut explained = 0;
        for question in &questions {
            for hit in index.top(question, &both, 5).expect("top") {
                let explanation = index
                    .explain(question, &both, &hit.entry_id)
                    .expect("explain")
                    .expect("an indexed entry");
                let sum: f32 = explanation.terms.iter().map(|t| t.contribution).sum();
                assert!(
                    (sum - hit.score).abs() <= 1e-4,
                    "{question:?}: {sum} vs {}",
                    hit.score
                );
                assert!((explanation.raw - hit.score).abs() <= 1e-4 * hit.score.abs().max(1.0));
                assert!((explanation.confidence - hit.confidence).abs() <= 1e-5);
                assert!(explanation.classifier.is_none());
                let ideal: f32 = explanation.terms.iter().map(|t| t.ideal).sum();
                assert!((ideal - explanation.ideal).abs() <= 1e-4 * ideal.max(1.0));
                for term in &explanation.terms {
                    assert_eq!(term.matched, term.tf > 0);
                    assert!(term.matched || term.contribution <= term.ideal);
                    assert!(term.p_entry > 0.0 && term.p_entry <= 1.0, "{term:?}");
                }
                explained += 1;
            }
        }
        assert!(explained > 500, "explained {explained} hits");
        assert!(
            index
                .explain("the my", &both, "no such entry")
                .expect("explain")
                .is_none()
        );
        assert!(index.explain("", &both, "e0").expect("explain").is_none());
    }
}
