//! `BotIndex`: one bot's QnA in tantivy, answering "which entry best matches this question,
//! with what raw score and what confidence?".
//!
//! # Documents
//! Two in-RAM tantivy indexes per bot:
//! - **entries**: one document per enabled entry, holding all its question variants (`text`)
//!   and their word bigrams (`bigrams`). Ranking reads this index's postings, so evidence for
//!   an entry adds up across its variants instead of resting on the single closest variant
//!   (DESIGN.md, "Scoring").
//! - **variants**: one document per question variant, carrying its entry; after ranking, it
//!   names the variant closest to the question (plain BM25), which the trace shows.
//!
//! Both use the same analyzer: words (`SimpleTokenizer`), lower-cased, ASCII-folded, stemmed in
//! the bot's language (English by default).
//!
//! # Queries
//! A question is never parsed as a query language: it is run through the analyzer, and its
//! tokens and word bigrams are looked up as plain terms, so `"`, `:`, `(`, `^`, `-`, `*`, `+`,
//! emoji or an empty string are plain text. The candidates are the entries (in the allowed
//! contexts) whose postings hold at least one query word; the work per question is
//! proportional to those postings, never to the number of entries.
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
//! bigrams have their own `tf`, `cf` and lengths. `w(t)` is `FUNCTION_WORD_WEIGHT` (0.5) for
//! English function words ("what", "is", "my" …) and 1 otherwise; a bigram weighs as its
//! heavier word. `MU = 20`, `GAMMA = 0.1`, `EPS = 1e-6`, `BIGRAM_BOOST = 0.5`.
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
//! # Trained bots
//! A bot whose entries hold many variants each (at least `CLASSIFIER_MIN_VARIANTS` on
//! average, at most `CLASSIFIER_MAX_ENTRIES` entries: an NLU-style bot) also gets an
//! [`EntryClassifier`] trained on its variants, which learns the words that tell its entries
//! apart. With `p(e)` its probability for entry `e` and `p_max` the most probable entry's,
//!
//! ```text
//! raw'(e) = raw(e) − CLASSIFIER_WEIGHT · ideal · (p_max − p(e))          CLASSIFIER_WEIGHT = 0.5
//! ```
//!
//! and the confidence is `min(1, raw'(e) / ideal)` as before. The classifier's favourite
//! keeps its score and the others lose up to half the ideal, so the order of the bot's entries
//! follows both models while the bot's best score never rises: confidences stay comparable
//! with untrained bots'. On HWU64 fold 1 this routes 88.4 % of test questions to the right
//! entry instead of 85.9 % (README, "Scoring"). Such bots score every candidate (no pruning).
//!
//! # Speed
//! Each index is merged into one segment, so a term is looked up once. A term's `P_bot` and
//! pruning bound need its whole postings list (`cf`, largest `tf`, shortest entry holding it):
//! they are computed the first time a question uses the term and kept by term ordinal (8 bytes
//! a term; computing them all at build time made building a 10,000-entry bot 45% dearer), so
//! weighing a question's terms then reads no postings. Candidates are the entries holding a
//! query term; terms are taken in order of the most evidence they can add, each term's
//! postings are read only then, and once no entry not yet met could reach the k-th best
//! score, later (common) terms only add to existing candidates (exact pruning, see
//! `BotIndex::scores`); a postings list much longer than the candidates is then sought to
//! each candidate instead of read whole. An entry's floor (what the terms it lacks add) is
//! computed once per distinct entry length, and a bot keeps the candidate set of a finished
//! search for the next one, so a question allocates nothing per entry.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tantivy::fieldnorm::FieldNormReader;
use tantivy::indexer::{IndexWriterOptions, NoMergePolicy};
use tantivy::postings::{BlockSegmentPostings, Postings, TermInfo};
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, WhitespaceTokenizer,
};
use tantivy::{
    DocId, DocSet, Index, IndexReader, IndexWriter, InvertedIndexReader, ReloadPolicy, Searcher,
    SegmentReader, TantivyDocument, TantivyError,
};

use crate::classifier::{self, EntryClassifier, Sample};
use crate::error::Error;
use crate::workspace::Bot;

/// Weight of a word bigram's evidence relative to a word's.
pub const BIGRAM_BOOST: f32 = 0.5;
/// Dirichlet prior of an entry's language model towards the bot's.
const MU: f32 = 20.0;
/// Share of the bot's language model given to the floor probability.
const GAMMA: f32 = 0.1;
/// Weight of a function word ("what", "is", "my" …) relative to other words. Measured: 1.0
/// let a two-entry bot answer "Where is the cafeteria" with 0.51 from "where is the" alone;
/// 0.5 brings that to 0.40 for 0.6 points of HWU64 entry accuracy (see README, "Scoring").
const FUNCTION_WORD_WEIGHT: f32 = 0.5;
/// Floor probability: a token less likely than this in an entry is no evidence for it.
const EPS: f32 = 1e-6;
/// Weight of the entry classifier's opinion, as a share of the question's ideal score (see
/// "Trained bots" in the module documentation).
const CLASSIFIER_WEIGHT: f32 = 0.5;
/// A bot gets an entry classifier when its entries hold at least this many variants on
/// average. Measured on HWU64 fold 1 with each entry cut to its first 5, 10, 20 and 40
/// training questions (`tools/hwu64-derive.py cut N`), the classifier adds 1.2, 1.8, 3.6 and
/// 3.5 points of right-entry routing; with fewer variants (the demo's 2–5) it is unmeasured,
/// so those bots go without.
const CLASSIFIER_MIN_VARIANTS: usize = 5;
/// … and at most this many entries (a classifier's size and training time grow with them;
/// `classifier::MAX_PARAMETERS` bounds them too).
const CLASSIFIER_MAX_ENTRIES: usize = 500;

const ANALYZER: &str = "interbot_words";
const PRETOKENIZED: &str = "interbot_pretokenized";
/// Indexing memory per writer (tantivy's minimum); a larger bot is written as several
/// segments, which `commit_as_one_segment` merges.
const WRITER_MEMORY: usize = 15_000_000;
/// How many candidate sets a bot keeps for reuse between searches.
const SPARE_CANDIDATES: usize = 4;
/// Once no entry is admitted, a term's postings are sought to each candidate rather than read
/// whole when they are this many times longer than the candidates.
const SEEK_RATIO: usize = 8;

/// One match of a question against a bot's QnA.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Position of the entry in [`Bot::qna`].
    pub entry: usize,
    /// The entry id.
    pub entry_id: String,
    /// The entry's question variant closest to the question asked.
    pub question: String,
    /// Raw score: the question's log-likelihood ratio under the entry (see the module
    /// documentation); comparable across bots for one question, not across questions.
    pub score: f32,
    /// Confidence in [0, 1] (see the module documentation).
    pub confidence: f32,
    /// For a trained bot, its entry classifier's probability for this entry (the raw score
    /// already includes its effect; see "Trained bots" in the module documentation).
    pub classifier: Option<f32>,
}

/// The per-entry facts a search needs, copied from the workspace at build time.
#[derive(Debug, Clone)]
struct IndexedEntry {
    qna_pos: usize,
    id: String,
    questions: Vec<String>,
    contexts: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct EntryFields {
    text: Field,
    bigrams: Field,
}

#[derive(Debug, Clone, Copy)]
struct VariantFields {
    entry: Field,
    variant: Field,
    question: Field,
}

/// The variants index, searchable: which of an entry's question variants is closest to a
/// question.
struct VariantQuestions {
    /// The question field of the index's only segment.
    inverted: Arc<InvertedIndexReader>,
    fieldnorms: FieldNormReader,
    /// `(doc, variant position)` of each entry's variant documents, in doc order.
    docs: Vec<Vec<(DocId, u32)>>,
    /// Number of variant documents and their average length (BM25 statistics).
    stats: (u64, f32),
}

impl VariantQuestions {
    /// The variants of `entries` entries, from the searcher of their merged index.
    fn new(
        searcher: &Searcher,
        fields: VariantFields,
        entries: usize,
    ) -> tantivy::Result<VariantQuestions> {
        let mut docs = vec![Vec::new(); entries];
        let (inverted, fieldnorms) = match only_segment(searcher)? {
            Some(segment) => {
                let entry_column = segment.fast_fields().u64("entry")?;
                let variant_column = segment.fast_fields().u64("variant")?;
                for doc in 0..segment.max_doc() {
                    let (Some(ord), Some(variant)) =
                        (entry_column.first(doc), variant_column.first(doc))
                    else {
                        continue;
                    };
                    if let Some(docs) = docs.get_mut(ord as usize) {
                        docs.push((doc, variant as u32));
                    }
                }
                (
                    segment.inverted_index(fields.question)?,
                    segment.get_fieldnorms_reader(fields.question)?,
                )
            }
            None => (
                Arc::new(InvertedIndexReader::empty(IndexRecordOption::WithFreqs)),
                FieldNormReader::constant(0, 1),
            ),
        };
        let count = searcher.total_num_docs()?;
        let tokens = searcher.total_num_tokens(fields.question)?;
        Ok(VariantQuestions {
            inverted,
            fieldnorms,
            docs,
            stats: (count, (tokens as f32 / count.max(1) as f32).max(1.0)),
        })
    }

    /// The position of entry `ord`'s variant that scores best (BM25, k1 = 1.2, b = 0.75) for
    /// the query words (0 when none matches). Only that entry's variant documents are read
    /// (each word's postings are sought to them), so this costs the entry's variants, not the
    /// bot's.
    fn closest(&self, ord: usize, words: &[(String, u32)]) -> tantivy::Result<usize> {
        let docs = self.docs.get(ord).map_or(&[][..], Vec::as_slice);
        let (count, average_length) = self.stats;
        let mut scores = vec![0.0f32; docs.len()];
        for (word, _) in words {
            // A text field's dictionary is keyed by the token's bytes.
            let Some(info) = self.inverted.terms().get(word.as_bytes())? else {
                continue;
            };
            let mut postings = self
                .inverted
                .read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
            let mut weight = None;
            for (i, &(doc, _)) in docs.iter().enumerate() {
                if postings.doc() <= doc && postings.seek(doc) == doc {
                    let weight = weight.get_or_insert_with(|| {
                        let doc_freq = u64::from(info.doc_freq).min(count);
                        Bm25Weight::for_one_term_without_explain(doc_freq, count, average_length)
                    });
                    scores[i] +=
                        weight.score(self.fieldnorms.fieldnorm_id(doc), postings.term_freq());
                }
            }
        }
        let mut best: Option<(usize, f32)> = None;
        for (i, score) in scores.iter().enumerate() {
            if *score > 0.0 && best.is_none_or(|(_, b)| *score > b) {
                best = Some((i, *score));
            }
        }
        Ok(best.map_or(0, |(i, _)| docs[i].1 as usize))
    }
}

/// One distinct query term (word or bigram) of a question.
struct QueryTerm {
    /// Which field: 0 words, 1 bigrams.
    field: usize,
    /// Count in the question, times the field's weight.
    weight: f32,
    /// `ln(MU · P_bot(t))`.
    log_prior: f32,
    /// Where the term's postings are, if the bot has the term; they are read only when
    /// [`BotIndex::scores`] reaches the term.
    postings: Option<TermInfo>,
    /// At least the most this term adds to any entry holding it (see [`BotIndex::scores`]).
    bound: f32,
}

/// What a question needs to know of a term before reading its postings, computed from the
/// term's postings the first time a question uses the term, then kept (8 bytes a term).
#[derive(Debug, Clone, Copy)]
struct TermStats {
    /// `ln(MU · P_bot(t))`.
    log_prior: f32,
    /// At least the most the term adds to any entry holding it, per unit of query weight:
    /// its evidence for the largest `tf` and the shortest entry among the entries holding it
    /// (the evidence grows with `tf` and shrinks with the entry's length).
    unit_bound: f32,
}

/// A [`TermStats`] slot not computed yet: `log_prior` is finite, so never all ones.
const UNKNOWN_STATS: u64 = u64::MAX;

impl TermStats {
    /// The statistics of a term from its postings. `field` is `0` (words) or `1` (bigrams), the
    /// index of `doc_log_lens`; documents whose entry is `u32::MAX` hold no entry.
    fn read(
        postings: &mut BlockSegmentPostings,
        field: usize,
        doc_entries: &[u32],
        doc_log_lens: &[[f32; 2]],
        total: f32,
    ) -> TermStats {
        let mut collection_freq = 0u64;
        // Largest tf and smallest `ln(|e| + MU)` among the entries holding the term.
        let mut held: Option<(u32, f32)> = None;
        for_each_posting(postings, |doc, tf| {
            collection_freq += u64::from(tf);
            if doc_entries
                .get(doc as usize)
                .is_some_and(|&o| o != u32::MAX)
            {
                let log_len = doc_log_lens[doc as usize][field];
                let (max_tf, min_log_len) = held.unwrap_or((0, f32::INFINITY));
                held = Some((max_tf.max(tf), min_log_len.min(log_len)));
            }
        });
        let log_prior = log_prior(collection_freq, total);
        let unit_bound = held.map_or(0.0, |(max_tf, min_log_len)| {
            Evidence::new(log_prior, 1.0).of(max_tf, min_log_len)
        });
        TermStats {
            log_prior,
            unit_bound,
        }
    }

    fn pack(self) -> u64 {
        (u64::from(self.log_prior.to_bits()) << 32) | u64::from(self.unit_bound.to_bits())
    }

    /// The statistics packed in `bits`, `None` for [`UNKNOWN_STATS`].
    fn unpack(bits: u64) -> Option<TermStats> {
        (bits != UNKNOWN_STATS).then(|| TermStats {
            log_prior: f32::from_bits((bits >> 32) as u32),
            unit_bound: f32::from_bits(bits as u32),
        })
    }
}

/// `ln(MU · P_bot(t))` for a term seen `collection_freq` times in a field of `total` tokens.
fn log_prior(collection_freq: u64, total: f32) -> f32 {
    let total = total.max(1.0);
    let p_bot = (1.0 - GAMMA) * (collection_freq as f32 / total).min(1.0) + GAMMA * EPS;
    (MU * p_bot).ln()
}

/// One field of the entries index, searchable: its postings and its terms' statistics.
struct FieldPostings {
    /// `0` (words) or `1` (bigrams).
    field: usize,
    inverted: Arc<InvertedIndexReader>,
    /// Packed [`TermStats`] of each term of the field, by term ordinal ([`UNKNOWN_STATS`] until
    /// a question uses the term). Atomic, so concurrent searches fill it without a lock (two
    /// searches computing one term store the same value).
    stats: Vec<AtomicU64>,
    /// Total tokens of the field over the bot.
    total: f32,
}

impl FieldPostings {
    /// Field `field` (`0` words, `1` bigrams) of `segment` (none when the bot has no entry).
    fn new(
        segment: Option<&SegmentReader>,
        (tantivy_field, field): (Field, usize),
        total: f32,
    ) -> tantivy::Result<FieldPostings> {
        let inverted = match segment {
            Some(segment) => segment.inverted_index(tantivy_field)?,
            None => Arc::new(InvertedIndexReader::empty(IndexRecordOption::WithFreqs)),
        };
        let stats = (0..inverted.terms().num_terms())
            .map(|_| AtomicU64::new(UNKNOWN_STATS))
            .collect();
        Ok(FieldPostings {
            field,
            inverted,
            stats,
            total,
        })
    }

    /// The query term for `text` in this field, weighing `weight`. `doc_entries` and
    /// `doc_log_lens` are the index's, for a term whose statistics are not known yet.
    fn query_term(
        &self,
        text: &str,
        weight: f32,
        doc_entries: &[u32],
        doc_log_lens: &[[f32; 2]],
    ) -> tantivy::Result<QueryTerm> {
        let terms = self.inverted.terms();
        // A text field's dictionary is keyed by the token's bytes.
        let key = text.as_bytes();
        let slot = terms
            .term_ord(key)?
            .and_then(|ord| self.stats.get(usize::try_from(ord).ok()?));
        let info = match slot {
            Some(_) => terms.get(key)?,
            None => None,
        };
        let (Some(slot), Some(info)) = (slot, info) else {
            return Ok(QueryTerm {
                field: self.field,
                weight,
                log_prior: log_prior(0, self.total),
                postings: None,
                bound: 0.0,
            });
        };
        let stats = match TermStats::unpack(slot.load(Ordering::Relaxed)) {
            Some(stats) => stats,
            None => {
                let mut postings = self.postings(&info)?;
                let stats = TermStats::read(
                    &mut postings,
                    self.field,
                    doc_entries,
                    doc_log_lens,
                    self.total,
                );
                slot.store(stats.pack(), Ordering::Relaxed);
                stats
            }
        };
        Ok(QueryTerm {
            field: self.field,
            weight,
            log_prior: stats.log_prior,
            postings: Some(info),
            bound: weight * stats.unit_bound,
        })
    }

    /// The postings of a term of this field, `(doc, tf)` by doc.
    fn postings(&self, info: &TermInfo) -> tantivy::Result<BlockSegmentPostings> {
        Ok(self
            .inverted
            .read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?)
    }
}

/// Adds a term's evidence (`term_evidence(doc, tf)`) to the candidates in its postings, read
/// whole.
fn add_scanned(
    found: &mut Candidates,
    postings: &mut BlockSegmentPostings,
    term_evidence: impl Fn(usize, u32) -> f32,
) {
    for_each_posting(postings, |doc, tf| {
        let doc = doc as usize;
        if found.state[doc] == CANDIDATE {
            found.add(doc, term_evidence(doc, tf));
        }
    });
}

/// Adds a term's evidence (`term_evidence(doc, tf)`) to the candidates in its postings, sought
/// to each candidate in doc order: for few candidates and long postings.
fn add_sought(
    found: &mut Candidates,
    postings: &mut BlockSegmentPostings,
    term_evidence: impl Fn(usize, u32) -> f32,
) {
    found.sort_by_doc();
    for k in 0..found.docs.len() {
        let doc = found.docs[k];
        let i = postings.seek(doc as DocId);
        if postings.doc(i) == doc as DocId {
            found.add(doc, term_evidence(doc, postings.freq(i)));
        }
    }
}

/// Calls `f(doc, tf)` for each posting, block by block.
fn for_each_posting(postings: &mut BlockSegmentPostings, mut f: impl FnMut(DocId, u32)) {
    loop {
        let docs = postings.docs();
        if docs.is_empty() {
            return;
        }
        for (i, &doc) in docs.iter().enumerate() {
            f(doc, postings.freq(i));
        }
        postings.advance();
    }
}

/// `Σ_t weight · max(0, ln(MU · P_bot(t) / EPS) − ln(|e| + MU))` over one field's query
/// terms, for any entry length in O(log #terms): the evidence of the terms an entry lacks.
struct Absent {
    /// `ln(MU · P_bot(t) / EPS)`, largest first.
    levels: Vec<f32>,
    /// Prefix sums of `weight` and of `weight · level`, in the same order.
    weights: Vec<f32>,
    weighted: Vec<f32>,
}

impl Absent {
    fn new(terms: &[QueryTerm], field: usize, log_eps: f32) -> Absent {
        let mut pairs: Vec<(f32, f32)> = terms
            .iter()
            .filter(|t| t.field == field)
            .map(|t| (t.log_prior - log_eps, t.weight))
            .collect();
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (mut weights, mut weighted) = (vec![0.0], vec![0.0]);
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

    fn sum(&self, log_len: f32) -> f32 {
        let above = self.levels.partition_point(|&level| level > log_len);
        self.weighted[above] - log_len * self.weights[above]
    }
}

/// What every query term adds to an entry lacking it, by length class of the entries
/// ([`BotIndex::length_classes`]): a lower bound of an entry's score. Each class is computed
/// once a search, when an entry of it is first met.
struct Floors<'a> {
    absent: [Absent; 2],
    /// `ln(|e| + MU)` of each class, for words and for bigrams.
    classes: &'a [[f32; 2]],
    /// Each class's floor, NaN until computed.
    cache: Vec<f32>,
}

impl Floors<'_> {
    fn new<'a>(terms: &[QueryTerm], classes: &'a [[f32; 2]]) -> Floors<'a> {
        let log_eps = EPS.ln();
        Floors {
            absent: [0, 1].map(|field| Absent::new(terms, field, log_eps)),
            classes,
            cache: vec![f32::NAN; classes.len()],
        }
    }

    /// The floor of entries of `ln(|e| + MU)` = `[words, pairs]`.
    fn at(&self, [words, pairs]: [f32; 2]) -> f32 {
        self.absent[0].sum(words) + self.absent[1].sum(pairs)
    }

    /// The floor of the entries of length class `class`.
    fn of_class(&mut self, class: usize) -> f32 {
        if self.cache[class].is_nan() {
            self.cache[class] = self.at(self.classes[class]);
        }
        self.cache[class]
    }
}

/// What one query term adds to an entry holding it `tf` times, beyond what it adds to an
/// entry lacking it: `weight · (max(0, ln(P(t|e)/EPS)) − max(0, ln(P_absent(t|e)/EPS)))`.
struct Evidence {
    weight: f32,
    prior: f32,
    absent_level: f32,
    /// `ln(tf + MU·P_bot) − ln EPS` for small `tf`.
    small: [f32; 8],
}

impl Evidence {
    fn new(log_prior: f32, weight: f32) -> Evidence {
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
    fn of(&self, tf: u32, log_len: f32) -> f32 {
        let present = match self.small.get(tf as usize) {
            Some(&value) => value,
            None => (tf as f32 + self.prior).ln() - EPS.ln(),
        };
        self.weight * ((present - log_len).max(0.0) - (self.absent_level - log_len).max(0.0))
    }
}

/// A document not met yet in a search, a candidate, or out of the allowed contexts.
const UNSEEN: u8 = 0;
const CANDIDATE: u8 = 1;
const EXCLUDED: u8 = 2;

/// The candidates of one search, by document of the entries index. Kept between searches
/// (see [`BotIndex::spare_candidates`]), so a search costs what it touches, not the number of
/// entries.
struct Candidates {
    /// Each candidate's score so far: its floor plus the evidence of the terms processed so
    /// far, a lower bound of its final score. Meaningless for other documents.
    score: Vec<f32>,
    /// `UNSEEN`, `CANDIDATE` or `EXCLUDED`, by document.
    state: Vec<u8>,
    /// The candidates, in the order they were met until `sort_by_doc`.
    docs: Vec<usize>,
    /// Whether `docs` is sorted.
    sorted: bool,
    /// The documents met out of the allowed contexts.
    excluded: Vec<usize>,
    /// The best score so far.
    best: f32,
}

impl Candidates {
    /// No candidate among `documents` documents.
    fn new(documents: usize) -> Candidates {
        Candidates {
            score: vec![0.0; documents],
            state: vec![UNSEEN; documents],
            docs: Vec::new(),
            sorted: false,
            excluded: Vec::new(),
            best: f32::NEG_INFINITY,
        }
    }

    /// Back to no candidate, in time proportional to the documents met.
    fn clear(&mut self) {
        for doc in self.docs.drain(..).chain(self.excluded.drain(..)) {
            self.state[doc] = UNSEEN;
        }
        self.best = f32::NEG_INFINITY;
        self.sorted = false;
    }

    /// Makes `doc` a candidate scoring `floor` so far.
    fn admit(&mut self, doc: usize, floor: f32) {
        self.state[doc] = CANDIDATE;
        self.docs.push(doc);
        self.score[doc] = floor;
    }

    /// The entry ord (`doc_entries`) and score of the best candidate if its score is positive
    /// (equal scores: the lowest ord), as [`best_first`] with a limit of 1 would pick it.
    fn best_one(&self, doc_entries: &[u32]) -> Option<(usize, f32)> {
        // `best` is the best current score: scores only grow and `add` tracks each new one.
        if self.best <= 0.0 {
            return None;
        }
        let ord = self
            .docs
            .iter()
            .filter(|&&doc| self.score[doc] == self.best)
            .map(|&doc| doc_entries[doc] as usize)
            .min()?;
        Some((ord, self.best))
    }

    /// Sorts the candidates by document (once: candidates are only sorted after the last is
    /// admitted).
    fn sort_by_doc(&mut self) {
        if !self.sorted {
            self.docs.sort_unstable();
            self.sorted = true;
        }
    }

    /// Marks `doc` as out of the allowed contexts.
    fn exclude(&mut self, doc: usize) {
        self.state[doc] = EXCLUDED;
        self.excluded.push(doc);
    }

    /// Adds `evidence` to candidate `doc`.
    fn add(&mut self, doc: usize, evidence: f32) {
        self.score[doc] += evidence;
        self.best = self.best.max(self.score[doc]);
    }

    /// The `limit`-th best score so far (`limit` ≥ 1, at most the number of candidates).
    fn kth_best(&self, limit: usize) -> f32 {
        if limit == 1 {
            // Scores only grow and each candidate is scored as it is admitted, so the best
            // score seen is the best current one.
            return self.best;
        }
        let mut scores: Vec<f32> = self.docs.iter().map(|&doc| self.score[doc]).collect();
        let (_, kth, _) = scores.select_nth_unstable_by(limit - 1, |a, b| b.total_cmp(a));
        *kth
    }
}

/// A bot's QnA, searchable.
pub struct BotIndex {
    bot_id: String,
    entries: Vec<IndexedEntry>,
    analyzer: TextAnalyzer,
    /// Function words of the bot's language, analyzed: they weigh `FUNCTION_WORD_WEIGHT`.
    function_words: HashSet<String>,
    /// The entries index's words (0) and bigrams (1).
    fields: [FieldPostings; 2],
    /// Entry ord of each document of the entries index (`u32::MAX`: none).
    doc_entries: Vec<u32>,
    /// `ln(|e| + MU)` of each document's entry, for words and for bigrams.
    doc_log_lens: Vec<[f32; 2]>,
    /// The distinct values of `doc_log_lens` (entries of one class have the same floor).
    length_classes: Vec<[f32; 2]>,
    /// Each document's index in `length_classes`.
    doc_length_classes: Vec<u32>,
    /// Candidate sets of finished searches, reused so a search allocates nothing per entry.
    spare_candidates: Mutex<Vec<Candidates>>,
    /// Smallest `ln(|e| + MU)` over the entries, for words and for bigrams (pruning bounds).
    min_log_lens: [f32; 2],
    variants: VariantQuestions,
    /// Whether some entry lies outside the `global` context (then searches filter by context).
    has_other_contexts: bool,
    /// For bots with many variants per entry: which entry a question belongs to, learnt from
    /// the variants.
    classifier: Option<EntryClassifier>,
}

impl std::fmt::Debug for BotIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotIndex")
            .field("bot_id", &self.bot_id)
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// The analyzer for a bot language code (`en`, `fr`, …); English where tantivy has no
/// stemmer for it.
pub fn analyzer_for(language: &str) -> TextAnalyzer {
    let stemmer_language = match language.get(..2).unwrap_or("en") {
        "ar" => Language::Arabic,
        "da" => Language::Danish,
        "nl" => Language::Dutch,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "de" => Language::German,
        "el" => Language::Greek,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "no" | "nb" | "nn" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "es" => Language::Spanish,
        "sv" => Language::Swedish,
        "ta" => Language::Tamil,
        "tr" => Language::Turkish,
        _ => Language::English,
    };
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(stemmer_language))
        .build()
}

/// English function words common in questions, written for interbot: pronouns,
/// determiners, auxiliaries, prepositions and question words.
const ENGLISH_FUNCTION_WORDS: &str = "a an the this that these those there here i me my mine we us \
    our you your he she it its they them their what which who whom whose when where why how \
    is are was were be been being am do does did done have has had can could would should will \
    shall may might must to of in on at by for from with about into over under and or but if \
    so not no any some all please just get got there's it's i'm i'd don't can't";

/// The analyzed function words for a bot language (none outside English).
fn function_words(analyzer: &mut TextAnalyzer, language: &str) -> HashSet<String> {
    if !language.starts_with("en") {
        return HashSet::new();
    }
    ENGLISH_FUNCTION_WORDS
        .split_whitespace()
        .flat_map(|word| tokens(analyzer, word))
        .collect()
}

/// The analyzed tokens of `text`, in order.
fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Word bigrams of a token sequence, as single tokens `a_b`.
fn bigrams(tokens: &[String]) -> Vec<String> {
    tokens
        .windows(2)
        .map(|w| format!("{}_{}", w[0], w[1]))
        .collect()
}

fn text_options(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

fn new_index(schema: Schema, analyzer: &TextAnalyzer) -> Index {
    let index = Index::create_in_ram(schema);
    index.tokenizers().register(ANALYZER, analyzer.clone());
    index.tokenizers().register(
        PRETOKENIZED,
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
    );
    index
}

/// A writer with as few threads as tantivy allows and no background merges (building an
/// index is short; each thread tantivy spawns costs start-up time).
fn new_writer(index: &Index) -> tantivy::Result<IndexWriter> {
    let options = IndexWriterOptions::builder()
        .memory_budget_per_thread(WRITER_MEMORY)
        .num_worker_threads(1)
        .num_merge_threads(1)
        .build();
    let writer = index.writer_with_options(options)?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    Ok(writer)
}

/// Commits and merges everything into one segment, so a search looks each term up once and
/// reads one postings list (the index never changes after it is built).
fn commit_as_one_segment(mut writer: IndexWriter, index: &Index) -> tantivy::Result<()> {
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    drop(writer);
    Ok(())
}

/// The distinct values of `values`, in first-seen order, and the index of each value in them.
fn classify(values: &[[f32; 2]]) -> (Vec<[f32; 2]>, Vec<u32>) {
    let mut classes = Vec::new();
    let mut positions: HashMap<[u32; 2], u32> = HashMap::new();
    let indexes = values
        .iter()
        .map(|value| {
            *positions.entry(value.map(f32::to_bits)).or_insert_with(|| {
                classes.push(*value);
                (classes.len() - 1) as u32
            })
        })
        .collect();
    (classes, indexes)
}

/// The only segment of an index merged by [`commit_as_one_segment`], `None` when it is empty.
fn only_segment(searcher: &Searcher) -> tantivy::Result<Option<&SegmentReader>> {
    match searcher.segment_readers() {
        [] => Ok(None),
        [segment] => Ok(Some(segment)),
        more => Err(TantivyError::InternalError(format!(
            "{} segments after merging into one",
            more.len()
        ))),
    }
}

fn manual_reader(index: &Index) -> tantivy::Result<IndexReader> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
}

impl BotIndex {
    /// Indexes every enabled entry of `bot`.
    pub fn build(bot: &Bot) -> Result<BotIndex, Error> {
        Self::build_inner(bot).map_err(|source| Error::Index {
            bot: bot.id.clone(),
            source,
        })
    }

    fn build_inner(bot: &Bot) -> tantivy::Result<BotIndex> {
        let mut analyzer = analyzer_for(&bot.config.default_language);

        let mut schema = Schema::builder();
        let entry_field = schema.add_u64_field("entry", INDEXED | FAST | STORED);
        let entry_fields = EntryFields {
            text: schema.add_text_field("text", text_options(ANALYZER)),
            bigrams: schema.add_text_field("bigrams", text_options(PRETOKENIZED)),
        };
        let entry_index = new_index(schema.build(), &analyzer);

        let mut schema = Schema::builder();
        let variant_fields = VariantFields {
            entry: schema.add_u64_field("entry", INDEXED | FAST | STORED),
            variant: schema.add_u64_field("variant", FAST | STORED),
            question: schema.add_text_field("question", text_options(ANALYZER)),
        };
        let variant_index = new_index(schema.build(), &analyzer);

        let entry_writer = new_writer(&entry_index)?;
        let variant_writer = new_writer(&variant_index)?;
        let mut entries = Vec::new();
        let mut samples = Vec::new();
        let mut totals = [0.0f32; 2];
        let mut log_lens = Vec::new();
        for (qna_pos, qna) in bot.qna.iter().enumerate().filter(|(_, e)| e.enabled) {
            let ord = entries.len() as u64;
            let mut doc = TantivyDocument::default();
            doc.add_u64(entry_field, ord);
            let mut lengths = [0usize; 2];
            let mut entry_bigrams = Vec::new();
            for (variant, question) in qna.questions.iter().enumerate() {
                let words = tokens(&mut analyzer, question);
                samples.push(Sample {
                    features: classifier::features(&words, question),
                    class: ord as usize,
                });
                let pairs = bigrams(&words);
                lengths[0] += words.len();
                lengths[1] += pairs.len();
                doc.add_text(entry_fields.text, question);
                entry_bigrams.extend(pairs);
                let mut variant_doc = TantivyDocument::default();
                variant_doc.add_u64(variant_fields.entry, ord);
                variant_doc.add_u64(variant_fields.variant, variant as u64);
                variant_doc.add_text(variant_fields.question, question);
                variant_writer.add_document(variant_doc)?;
            }
            doc.add_text(entry_fields.bigrams, entry_bigrams.join(" "));
            entry_writer.add_document(doc)?;
            totals[0] += lengths[0] as f32;
            totals[1] += lengths[1] as f32;
            entries.push(IndexedEntry {
                qna_pos,
                id: qna.id.clone(),
                questions: qna.questions.clone(),
                contexts: qna.contexts.clone(),
            });
            log_lens.push(lengths.map(|l| (l as f32 + MU).ln()));
        }
        commit_as_one_segment(entry_writer, &entry_index)?;
        commit_as_one_segment(variant_writer, &variant_index)?;
        let entry_reader = manual_reader(&entry_index)?;
        let variant_reader = manual_reader(&variant_index)?;
        entry_reader.reload()?;
        variant_reader.reload()?;
        let searcher = entry_reader.searcher();
        let segment = only_segment(&searcher)?;
        let doc_entries = match segment {
            Some(segment) => {
                let column = segment.fast_fields().u64("entry")?;
                (0..segment.max_doc())
                    .map(|doc| column.first(doc).map_or(u32::MAX, |v| v as u32))
                    .collect()
            }
            None => Vec::new(),
        };
        let doc_log_lens: Vec<[f32; 2]> = doc_entries
            .iter()
            .map(|&ord| log_lens.get(ord as usize).copied().unwrap_or([0.0; 2]))
            .collect();
        let (length_classes, doc_length_classes) = classify(&doc_log_lens);
        let fields = [
            FieldPostings::new(segment, (entry_fields.text, 0), totals[0])?,
            FieldPostings::new(segment, (entry_fields.bigrams, 1), totals[1])?,
        ];
        let variants =
            VariantQuestions::new(&variant_reader.searcher(), variant_fields, entries.len())?;
        let has_other_contexts = entries
            .iter()
            .any(|e| e.contexts.iter().any(|c| c != "global"));
        let min_log_lens = [0, 1].map(|field| {
            log_lens
                .iter()
                .map(|l: &[f32; 2]| l[field])
                .fold(f32::INFINITY, f32::min)
        });
        let function_words = function_words(&mut analyzer, &bot.config.default_language);
        let classifier = (entries.len() <= CLASSIFIER_MAX_ENTRIES
            && samples.len() >= CLASSIFIER_MIN_VARIANTS * entries.len()
            && EntryClassifier::affordable(&samples, entries.len()))
        .then(|| EntryClassifier::train(&samples, entries.len()))
        .flatten();
        Ok(BotIndex {
            bot_id: bot.id.clone(),
            entries,
            analyzer,
            function_words,
            fields,
            doc_entries,
            doc_log_lens,
            length_classes,
            doc_length_classes,
            spare_candidates: Mutex::new(Vec::new()),
            min_log_lens,
            variants,
            has_other_contexts,
            classifier,
        })
    }

    /// How much a question word counts: function words ("what", "is", "my" …) carry little
    /// evidence about which entry is meant, whatever their frequency in a small bot.
    fn word_weight(&self, word: &str) -> f32 {
        if self.function_words.contains(word) {
            FUNCTION_WORD_WEIGHT
        } else {
            1.0
        }
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
        self.top_inner(question, contexts, limit)
            .map_err(|source| Error::Index {
                bot: self.bot_id.clone(),
                source,
            })
    }

    fn top_inner(
        &self,
        question: &str,
        contexts: &[String],
        limit: usize,
    ) -> tantivy::Result<Vec<Hit>> {
        if self.entries.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let query_tokens = tokens(&mut self.analyzer.clone(), question);
        if query_tokens.is_empty() {
            return Ok(Vec::new());
        }
        let words = counted(query_tokens.iter().cloned());
        let pairs = counted(bigrams(&query_tokens));
        let mut terms = Vec::with_capacity(words.len() + pairs.len());
        for (word, count) in &words {
            let weight = self.word_weight(word) * *count as f32;
            terms.push(self.query_term(0, word, weight)?);
        }
        for (pair, count) in &pairs {
            let (first, second) = pair.split_once('_').unwrap_or((pair, pair));
            let weight = self.word_weight(first).max(self.word_weight(second));
            let weight = BIGRAM_BOOST * weight * *count as f32;
            terms.push(self.query_term(1, pair, weight)?);
        }
        let ideal = (1.0 / EPS).ln() * terms.iter().map(|t| t.weight).sum::<f32>();
        // The classifier re-weighs every candidate, so none may be pruned.
        let keep = if self.classifier.is_some() {
            self.entries.len()
        } else {
            limit
        };
        let mut scored = self.scores(&terms, contexts, keep)?;
        let probabilities = self.classifier.as_ref().map(|classifier| {
            let features = classifier::features(&query_tokens, question);
            self.weigh_by_classifier(classifier, &features, contexts, ideal, &mut scored)
        });
        if probabilities.is_some() {
            // Re-weighed scores: keep the positive ones, best first, as `scores` does.
            scored = best_first(scored.into_iter(), limit);
        }
        scored
            .into_iter()
            .map(|(ord, raw)| {
                let entry = &self.entries[ord];
                Ok(Hit {
                    entry: entry.qna_pos,
                    entry_id: entry.id.clone(),
                    question: self.closest_variant(ord, &words)?,
                    score: raw,
                    confidence: confidence(raw, ideal),
                    classifier: probabilities.as_ref().and_then(|p| p.get(ord).copied()),
                })
            })
            .collect()
    }

    /// The query term for `text` in field `field` (`0` words, `1` bigrams).
    fn query_term(&self, field: usize, text: &str, weight: f32) -> tantivy::Result<QueryTerm> {
        self.fields[field].query_term(text, weight, &self.doc_entries, &self.doc_log_lens)
    }

    /// `(entry ord, raw score)` of the `limit` best entries with a positive score, best first,
    /// among the candidates: entries in `contexts` holding at least one query term.
    ///
    /// Terms are taken by the most evidence they add to any entry (`QueryTerm::bound`, largest
    /// first: the rarest words), and a term's postings are read when it is taken. Once no entry
    /// met so far only by later terms could reach the `limit`-th best score among the
    /// candidates (`sum of the later bounds + most absent evidence < that score`), later terms
    /// only add to existing candidates, so a common word does not make every entry a
    /// candidate. The pruning is exact: it never changes the top `limit`.
    fn scores(
        &self,
        terms: &[QueryTerm],
        contexts: &[String],
        limit: usize,
    ) -> tantivy::Result<Vec<(usize, f32)>> {
        let mut floors = Floors::new(terms, &self.length_classes);
        // The floor is largest for the shortest entries.
        let most_absent = floors.at(self.min_log_lens);
        let mut order: Vec<(usize, f32)> = terms
            .iter()
            .enumerate()
            .map(|(i, term)| (i, term.bound))
            .collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut later_bounds: f32 = order.iter().map(|(_, bound)| bound).sum();
        let mut found = self.take_candidates();
        let mut admitting = true;
        for (index, bound) in order {
            // An unseen entry scores at most `later_bounds + most_absent`; the margin keeps f32
            // rounding in the running sum from ever pruning a winner. The k-th best lower bound
            // is only computed when the best one (cheap to track) already passes the test.
            let unseen_at_most = later_bounds + most_absent + 1e-3;
            if admitting && found.docs.len() >= limit && unseen_at_most < found.best {
                admitting = unseen_at_most >= found.kth_best(limit);
            }
            later_bounds -= bound;
            let term = &terms[index];
            let Some(info) = &term.postings else {
                continue;
            };
            let evidence = Evidence::new(term.log_prior, term.weight);
            let term_evidence =
                |doc: usize, tf: u32| evidence.of(tf, self.doc_log_lens[doc][term.field]);
            let mut postings = self.fields[term.field].postings(info)?;
            if admitting {
                self.admit_and_add(
                    &mut found,
                    &mut postings,
                    term_evidence,
                    &mut floors,
                    contexts,
                );
            } else if found.docs.len() * SEEK_RATIO < info.doc_freq as usize {
                add_sought(&mut found, &mut postings, term_evidence);
            } else {
                add_scanned(&mut found, &mut postings, term_evidence);
            }
        }
        let best = if limit == 1 {
            found.best_one(&self.doc_entries).into_iter().collect()
        } else {
            let scored = found
                .docs
                .iter()
                .map(|&doc| (self.doc_entries[doc] as usize, found.score[doc]));
            best_first(scored, limit)
        };
        self.give_back(found);
        Ok(best)
    }

    /// Empty candidates for a search, spare ones if a search left some.
    fn take_candidates(&self) -> Candidates {
        self.spare_candidates
            .lock()
            .ok()
            .and_then(|mut spare| spare.pop())
            .unwrap_or_else(|| Candidates::new(self.doc_entries.len()))
    }

    /// Keeps the candidates of a finished search for the next one (at most
    /// `SPARE_CANDIDATES` sets: as many as searches of one bot usually run at once).
    fn give_back(&self, mut found: Candidates) {
        found.clear();
        if let Ok(mut spare) = self.spare_candidates.lock()
            && spare.len() < SPARE_CANDIDATES
        {
            spare.push(found);
        }
    }

    /// Adds a term's evidence (`term_evidence(doc, tf)`) to the documents in its postings,
    /// making each one met for the first time a candidate (scored from its floor) or excluded.
    fn admit_and_add(
        &self,
        found: &mut Candidates,
        postings: &mut BlockSegmentPostings,
        term_evidence: impl Fn(usize, u32) -> f32,
        floors: &mut Floors,
        contexts: &[String],
    ) {
        for_each_posting(postings, |doc, tf| {
            let doc = doc as usize;
            if found.state[doc] == UNSEEN {
                if self.doc_allowed(doc, contexts) {
                    let class = self.doc_length_classes[doc] as usize;
                    found.admit(doc, floors.of_class(class));
                } else {
                    found.exclude(doc);
                }
            }
            if found.state[doc] == CANDIDATE {
                found.add(doc, term_evidence(doc, tf));
            }
        });
    }

    /// Whether document `doc` holds an entry in `contexts`.
    fn doc_allowed(&self, doc: usize, contexts: &[String]) -> bool {
        match self.doc_entries.get(doc) {
            Some(&ord) if ord != u32::MAX => self.allowed(ord as usize, contexts),
            _ => false,
        }
    }

    /// Lowers each candidate's raw score by `CLASSIFIER_WEIGHT · ideal` times the gap between
    /// its classifier probability and the most probable entry's (among those in `contexts`):
    /// the classifier's favourite keeps its score, so a bot's best score never rises and
    /// stays comparable with other bots', while the order of its entries follows both.
    /// Returns the classifier's probability of every entry.
    fn weigh_by_classifier(
        &self,
        classifier: &EntryClassifier,
        features: &[String],
        contexts: &[String],
        ideal: f32,
        scored: &mut [(usize, f32)],
    ) -> Vec<f32> {
        let probabilities = classifier.probabilities(features);
        let most_probable = (0..self.entries.len())
            .filter(|&ord| self.allowed(ord, contexts))
            .filter_map(|ord| probabilities.get(ord).copied())
            .fold(0.0f32, f32::max);
        for (ord, raw) in scored.iter_mut() {
            let probability = probabilities.get(*ord).copied().unwrap_or(0.0);
            *raw -= CLASSIFIER_WEIGHT * ideal * (most_probable - probability);
        }
        probabilities
    }

    fn allowed(&self, ord: usize, contexts: &[String]) -> bool {
        !self.has_other_contexts
            || self.entries[ord]
                .contexts
                .iter()
                .any(|c| contexts.contains(c))
    }

    /// The question variant of entry `ord` closest to the query words (see
    /// [`VariantQuestions::closest`]).
    fn closest_variant(&self, ord: usize, words: &[(String, u32)]) -> tantivy::Result<String> {
        let entry = &self.entries[ord];
        let variant = self.variants.closest(ord, words)?;
        Ok(entry
            .questions
            .get(variant)
            .or_else(|| entry.questions.first())
            .cloned()
            .unwrap_or_default())
    }
}

/// The `limit` best `(entry ord, raw score)` with a positive score, best first (equal scores:
/// lower ord first).
fn best_first(scored: impl Iterator<Item = (usize, f32)>, limit: usize) -> Vec<(usize, f32)> {
    let order = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    let mut hits: Vec<(usize, f32)> = scored.filter(|(_, raw)| *raw > 0.0).collect();
    if hits.len() > limit {
        hits.select_nth_unstable_by(limit - 1, order);
        hits.truncate(limit);
    }
    hits.sort_by(order);
    hits
}

/// Distinct items with their counts, in first-seen order.
fn counted(items: impl IntoIterator<Item = String>) -> Vec<(String, u32)> {
    let mut order: Vec<(String, u32)> = Vec::new();
    let mut positions: HashMap<String, usize> = HashMap::new();
    for item in items {
        match positions.get(&item) {
            Some(&i) => order[i].1 += 1,
            None => {
                positions.insert(item.clone(), order.len());
                order.push((item, 1));
            }
        }
    }
    order
}

/// `min(1, raw / ideal)`, 0 when there is no ideal.
fn confidence(raw: f32, ideal: f32) -> f32 {
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
    fn tokens_are_stemmed_and_lowercased() {
        let mut analyzer = analyzer_for("en");
        assert_eq!(
            tokens(&mut analyzer, "Resetting PASSWORDS?!"),
            ["reset", "password"]
        );
        assert!(tokens(&mut analyzer, "?! \"\" :( ^ - * +").is_empty());
    }

    #[test]
    fn counted_keeps_first_seen_order() {
        let items = ["b", "a", "b"].map(String::from);
        assert_eq!(counted(items), [("b".to_string(), 2), ("a".to_string(), 1)]);
    }

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

    /// A deterministic bot whose words follow a Zipf-like law over a small vocabulary (the
    /// commonest words, some of them function words, are in most entries), with every 7th
    /// entry disabled and every 5th in another context: searches on it take every path of
    /// `BotIndex::scores` (admitting, pruned, postings scanned or sought).
    fn zipf_bot(entries: usize) -> (crate::workspace::Bot, Vec<String>) {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
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
        questions.extend((0..50).map(|i| format!("{} the my {}", sentence(1), words[4 + i])));
        let bot = crate::workspace::Bot {
            id: "zipf".into(),
            dir: "zipf".into(),
            config: crate::workspace::BotConfig {
                name: "zipf".into(),
                description: None,
                default_language: "en".into(),
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
            let mut analyzer = index.analyzer.clone();
            let mut bot: [(HashMap<String, u32>, usize); 2] = Default::default();
            let entries = index
                .entries
                .iter()
                .map(|entry| {
                    let mut fields: [(HashMap<String, u32>, usize); 2] = Default::default();
                    for question in &entry.questions {
                        let words = tokens(&mut analyzer, question);
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
            let query = tokens(&mut index.analyzer.clone(), question);
            let query_terms = [counted(query.iter().cloned()), counted(bigrams(&query))];
            let weight = |field: usize, term: &str| -> f64 {
                let word = |w: &str| f64::from(index.word_weight(w));
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
                        .iter()
                        .position(|e| e.id == hit.entry_id)
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

    #[test]
    fn confidence_is_clamped() {
        assert_eq!(confidence(5.0, 2.0), 1.0);
        assert_eq!(confidence(1.0, 0.0), 0.0);
        assert_eq!(confidence(f32::NAN, 1.0), 0.0);
        assert!((confidence(1.0, 4.0) - 0.25).abs() < 1e-6);
    }
}
