//! Candidate search with exact pruning: the `limit` best entries of a bot for a question's
//! weighed terms, reading the entries index's postings as little as the answer allows.
//!
//! A term's `P_bot` and pruning bound need its whole postings list (`cf`, largest `tf`,
//! shortest entry holding it): they are computed the first time a question uses the term and
//! kept with the term's place in the postings (a list of at most [`KEPT_POSTINGS`] is kept
//! decoded instead), in a table of the terms questions used (computing them all at build
//! time made building a 10,000-entry bot 45% dearer), so a term met before costs a hash
//! lookup: no walk of the term dictionary, and no postings read for a short list.
//! Candidates are the entries holding a query term; terms are taken in order of the most
//! evidence they can add, each term's postings are read only then, and once no entry not yet
//! met could reach the k-th best score, later (common) terms only add to existing candidates
//! (exact pruning, see [`EntrySearch::scores`]); a postings list much longer than the
//! candidates is then sought to each candidate instead of read whole. An entry's floor (what
//! the terms it lacks add) is computed once per distinct entry length, and the search keeps
//! the candidate set of a finished search for the next one, so a question allocates nothing
//! per entry. The scores themselves come from [`super::model`].

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use foldhash::{HashMap, HashMapExt};
use tantivy::postings::{BlockSegmentPostings, TermInfo};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, InvertedIndexReader, SegmentReader};

use super::candidates::{CANDIDATE, Candidates, UNSEEN};
use super::model::{Absent, BIGRAMS, Evidence, WORDS, WeightedTerm, log_prior};

/// How many candidate sets a bot keeps for reuse between searches.
const SPARE_CANDIDATES: usize = 4;
/// Once no entry is admitted, a term's postings are sought to each candidate rather than read
/// whole when they are this many times longer than the candidates.
const SEEK_RATIO: usize = 8;
/// Entry ord of a document that holds no entry.
const NO_ENTRY: u32 = u32::MAX;
/// The longest postings list a field keeps decoded with the term (a doc and its `tf`, 8
/// bytes each): reading a term's postings from the index cost about a thousand
/// instructions, most of a demo turn's search, however short the list.
const KEPT_POSTINGS: u32 = 16;

/// How many terms a field of a bot remembers (about 100 bytes each); terms met after that
/// are looked up in the dictionary every time, so questions of made-up words cannot make
/// the table grow without end.
#[cfg(not(test))]
const KNOWN_TERMS: usize = 16 * 1024;
/// The unit tests' searches (checked against brute-force scoring) run mostly with a full
/// table, the integration tests' with room in it.
#[cfg(test)]
const KNOWN_TERMS: usize = 8;

/// One distinct query term (word or bigram) of a question, ready to search.
pub(super) struct QueryTerm {
    /// [`WORDS`] or [`BIGRAMS`].
    pub field: usize,
    /// `w(t) · c(t)`.
    pub weight: f32,
    /// `ln(MU · P_bot(t))`.
    pub log_prior: f32,
    /// The term's postings, if the bot has the term; stored ones are read only when
    /// [`EntrySearch::scores`] reaches the term.
    postings: Option<TermPostings>,
    /// At least the most this term adds to any entry holding it (see [`EntrySearch::scores`]).
    bound: f32,
}

/// What a question needs to know of a term before reading its postings, computed from the
/// term's postings the first time a question uses the term, then kept (see [`FieldPostings::known`]).
#[derive(Debug, Clone, Copy)]
struct TermStats {
    /// `ln(MU · P_bot(t))`.
    log_prior: f32,
    /// At least the most the term adds to any entry holding it, per unit of query weight:
    /// its evidence for the largest `tf` and the shortest entry among the entries holding it
    /// (the evidence grows with `tf` and shrinks with the entry's length).
    unit_bound: f32,
}

impl TermStats {
    /// The statistics of a term from its postings. `field` is the index of `doc_log_lens`.
    fn read(
        postings: &mut Reading<'_>,
        field: usize,
        doc_entries: &[u32],
        doc_log_lens: &[[f32; 2]],
        total: f32,
    ) -> TermStats {
        let mut collection_freq = 0u64;
        // Largest tf and smallest `ln(|e| + MU)` among the entries holding the term.
        let mut held: Option<(u32, f32)> = None;
        postings.for_each(|doc, tf| {
            collection_freq += u64::from(tf);
            if doc_entries
                .get(doc as usize)
                .is_some_and(|&o| o != NO_ENTRY)
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
}

/// What a field knows of a term some question used: its postings, and their statistics.
#[derive(Debug, Clone)]
struct KnownTerm {
    postings: TermPostings,
    stats: TermStats,
}

/// A term's postings as a field keeps them: decoded when short, else where they are.
#[derive(Debug, Clone)]
enum TermPostings {
    /// The docs in order, then each one's `tf`: at most [`KEPT_POSTINGS`] of each.
    Kept(Arc<[u32]>),
    /// Where they are in the index.
    Stored(TermInfo),
}

/// The docs and the `tf`s of kept postings ([`TermPostings::Kept`]).
fn kept_halves(kept: &[u32]) -> (&[DocId], &[u32]) {
    kept.split_at(kept.len() / 2)
}

/// A term's postings being read by one search: `(doc, tf)` by doc, walked through once
/// ([`Reading::for_each`]) or sought in increasing doc order ([`Reading::tf_of`]).
#[allow(
    clippy::large_enum_variant,
    reason = "one lives on the stack while a term is read; boxing the stored postings (their block buffers) would allocate per term"
)]
enum Reading<'a> {
    /// Kept postings ([`TermPostings::Kept`]), and how many docs the seeks have passed.
    Kept(&'a [u32], usize),
    Stored(BlockSegmentPostings),
}

impl Reading<'_> {
    /// How many documents hold the term.
    fn doc_freq(&self) -> usize {
        match self {
            Reading::Kept(kept, _) => kept.len() / 2,
            Reading::Stored(postings) => postings.doc_freq() as usize,
        }
    }

    /// Calls `f(doc, tf)` for each posting, in doc order: kept postings as one block, stored
    /// ones block by block, through one loop (with a loop for each kind, `f` was no longer
    /// inlined, and a search of 10 x 10k took a tenth more instructions).
    fn for_each(&mut self, mut f: impl FnMut(DocId, u32)) {
        loop {
            let (docs, tfs) = match self {
                Reading::Kept(kept, _) => kept_halves(kept),
                Reading::Stored(postings) => (postings.docs(), postings.freqs()),
            };
            if docs.is_empty() {
                return;
            }
            for (&doc, &tf) in docs.iter().zip(tfs) {
                f(doc, tf);
            }
            match self {
                Reading::Kept(..) => return,
                Reading::Stored(postings) => postings.advance(),
            }
        }
    }

    /// The term's `tf` in `doc`, if it holds it; `doc` must not be below the last one sought.
    fn tf_of(&mut self, doc: DocId) -> Option<u32> {
        match self {
            Reading::Kept(kept, passed) => {
                let (docs, tfs) = kept_halves(kept);
                let rest = docs.get(*passed..).unwrap_or_default();
                *passed += rest.partition_point(|&d| d < doc);
                docs.get(*passed)
                    .filter(|&&d| d == doc)
                    .and_then(|_| tfs.get(*passed).copied())
            }
            Reading::Stored(postings) => {
                let i = postings.seek(doc);
                (postings.doc(i) == doc).then(|| postings.freq(i))
            }
        }
    }
}

/// One field of the entries index, searchable: its postings and its terms' statistics.
struct FieldPostings {
    /// [`WORDS`] or [`BIGRAMS`].
    field: usize,
    inverted: Arc<InvertedIndexReader>,
    /// The terms questions used, by their bytes (`None`: the bot does not have it), at most
    /// [`KNOWN_TERMS`]. A lookup here replaced two walks of the dictionary's FST per term
    /// and bot, a sixth of a demo turn. Two searches meeting a new term at once both compute
    /// it and store the same value.
    known: RwLock<HashMap<Box<[u8]>, Option<KnownTerm>>>,
    /// Total tokens of the field over the bot.
    total: f32,
}

impl FieldPostings {
    /// Field `field` of `segment` (none when the bot has no entry).
    fn new(
        segment: Option<&SegmentReader>,
        (tantivy_field, field): (Field, usize),
        total: f32,
    ) -> tantivy::Result<FieldPostings> {
        let inverted = match segment {
            Some(segment) => segment.inverted_index(tantivy_field)?,
            None => Arc::new(InvertedIndexReader::empty(IndexRecordOption::WithFreqs)),
        };
        Ok(FieldPostings {
            field,
            inverted,
            known: RwLock::new(HashMap::new()),
            total,
        })
    }

    /// The query term `text` in this field, weighing `weight`, remembered by its text: its
    /// key in the index (`dictionary_key`: a bigram's differs from its text) is made only
    /// the first time. `doc_entries` and `doc_log_lens` are the index's, for a term whose
    /// statistics are not known yet.
    fn query_term(
        &self,
        text: &[u8],
        dictionary_key: impl FnOnce(&mut String),
        weight: f32,
        doc_entries: &[u32],
        doc_log_lens: &[[f32; 2]],
    ) -> tantivy::Result<QueryTerm> {
        let remembered = self
            .known
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(text)
            .cloned();
        let known = match remembered {
            Some(known) => known,
            None => {
                let mut key = String::new();
                dictionary_key(&mut key);
                let known = self.look_up(key.as_bytes(), doc_entries, doc_log_lens)?;
                let mut table = self.known.write().unwrap_or_else(PoisonError::into_inner);
                if table.len() < KNOWN_TERMS {
                    table.insert(text.into(), known.clone());
                }
                known
            }
        };
        Ok(match known {
            Some(KnownTerm { postings, stats }) => QueryTerm {
                field: self.field,
                weight,
                log_prior: stats.log_prior,
                postings: Some(postings),
                bound: weight * stats.unit_bound,
            },
            None => QueryTerm {
                field: self.field,
                weight,
                log_prior: log_prior(0, self.total),
                postings: None,
                bound: 0.0,
            },
        })
    }

    /// The term `key` of this field from the dictionary and its postings (`None`: absent).
    fn look_up(
        &self,
        key: &[u8],
        doc_entries: &[u32],
        doc_log_lens: &[[f32; 2]],
    ) -> tantivy::Result<Option<KnownTerm>> {
        let Some(info) = self.inverted.terms().get(key)? else {
            return Ok(None);
        };
        let mut stored = Reading::Stored(self.stored(&info)?);
        let postings = if info.doc_freq <= KEPT_POSTINGS {
            let (mut docs, mut tfs) = (Vec::new(), Vec::new());
            stored.for_each(|doc, tf| {
                docs.push(doc);
                tfs.push(tf);
            });
            docs.append(&mut tfs);
            TermPostings::Kept(docs.into())
        } else {
            TermPostings::Stored(info)
        };
        let mut reading = match &postings {
            TermPostings::Kept(kept) => Reading::Kept(kept, 0),
            TermPostings::Stored(_) => stored,
        };
        let stats = TermStats::read(
            &mut reading,
            self.field,
            doc_entries,
            doc_log_lens,
            self.total,
        );
        Ok(Some(KnownTerm { postings, stats }))
    }

    /// `postings` of a term of this field, ready to read.
    fn reading<'p>(&self, postings: &'p TermPostings) -> tantivy::Result<Reading<'p>> {
        Ok(match postings {
            TermPostings::Kept(kept) => Reading::Kept(kept, 0),
            TermPostings::Stored(info) => Reading::Stored(self.stored(info)?),
        })
    }

    /// The stored postings of a term of this field, `(doc, tf)` by doc.
    fn stored(&self, info: &TermInfo) -> tantivy::Result<BlockSegmentPostings> {
        Ok(self
            .inverted
            .read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?)
    }
}

/// Adds a term's evidence (`term_evidence(doc, tf)`) to the candidates in its postings, read
/// whole.
fn add_scanned(
    found: &mut Candidates,
    postings: &mut Reading<'_>,
    term_evidence: impl Fn(usize, u32) -> f32,
) {
    postings.for_each(|doc, tf| {
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
    postings: &mut Reading<'_>,
    term_evidence: impl Fn(usize, u32) -> f32,
) {
    found.sort_by_doc();
    for k in 0..found.docs.len() {
        let doc = found.docs[k];
        if let Some(tf) = postings.tf_of(doc as DocId) {
            found.add(doc, term_evidence(doc, tf));
        }
    }
}

/// What every query term adds to an entry lacking it, by length class of the entries
/// ([`EntrySearch::length_classes`]): a lower bound of an entry's score. Each class is
/// computed once a search, when an entry of it is first met.
struct Floors<'a> {
    absent: [Absent; 2],
    /// `ln(|e| + MU)` of each class, for words and for bigrams.
    classes: &'a [[f32; 2]],
    /// Each class's floor, NaN until computed.
    cache: Vec<f32>,
}

impl Floors<'_> {
    fn new<'a>(terms: &[QueryTerm], classes: &'a [[f32; 2]]) -> Floors<'a> {
        let absent = |field: usize| {
            Absent::new(
                terms
                    .iter()
                    .filter(|t| t.field == field)
                    .map(|t| (t.log_prior, t.weight)),
            )
        };
        Floors {
            absent: [absent(WORDS), absent(BIGRAMS)],
            classes,
            cache: vec![f32::NAN; classes.len()],
        }
    }

    /// The floor of entries of `ln(|e| + MU)` = `[words, pairs]`.
    fn at(&self, [words, pairs]: [f32; 2]) -> f32 {
        self.absent[WORDS].sum(words) + self.absent[BIGRAMS].sum(pairs)
    }

    /// The floor of the entries of length class `class`.
    fn of_class(&mut self, class: usize) -> f32 {
        if self.cache[class].is_nan() {
            self.cache[class] = self.at(self.classes[class]);
        }
        self.cache[class]
    }
}

/// The entries index of one bot, searchable: the postings of its words and bigrams, and
/// what each document's entry is and how long.
pub(super) struct EntrySearch {
    /// The entries index's words and bigrams.
    fields: [FieldPostings; 2],
    /// Entry ord of each document of the entries index ([`NO_ENTRY`]: none).
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
}

impl EntrySearch {
    /// The search over `segment` (none when the bot has no entry), whose documents hold the
    /// entry ord in the fast field `entry`, its words in `fields[WORDS]` and its bigrams in
    /// `fields[BIGRAMS]`. `totals` are the bot's token counts per field, `log_lens` each
    /// entry's `ln(|e| + MU)` per field, by entry ord.
    pub fn new(
        segment: Option<&SegmentReader>,
        fields: [Field; 2],
        totals: [f32; 2],
        log_lens: &[[f32; 2]],
    ) -> tantivy::Result<EntrySearch> {
        let doc_entries: Vec<u32> = match segment {
            Some(segment) => {
                let column = segment.fast_fields().u64("entry")?;
                (0..segment.max_doc())
                    .map(|doc| column.first(doc).map_or(NO_ENTRY, |v| v as u32))
                    .collect()
            }
            None => Vec::new(),
        };
        let doc_log_lens: Vec<[f32; 2]> = doc_entries
            .iter()
            .map(|&ord| log_lens.get(ord as usize).copied().unwrap_or([0.0; 2]))
            .collect();
        let (length_classes, doc_length_classes) = classify(&doc_log_lens);
        let min_log_lens = [WORDS, BIGRAMS].map(|field| {
            log_lens
                .iter()
                .map(|l: &[f32; 2]| l[field])
                .fold(f32::INFINITY, f32::min)
        });
        Ok(EntrySearch {
            fields: [
                FieldPostings::new(segment, (fields[WORDS], WORDS), totals[WORDS])?,
                FieldPostings::new(segment, (fields[BIGRAMS], BIGRAMS), totals[BIGRAMS])?,
            ],
            doc_entries,
            doc_log_lens,
            length_classes,
            doc_length_classes,
            spare_candidates: Mutex::new(Vec::new()),
            min_log_lens,
        })
    }

    /// The question's terms, ready to search, in the same order. A term met for the first
    /// time is looked up in the index by the key `dictionary_key` writes for it (a word's
    /// text, a bigram's key); after, by its text alone.
    pub fn query_terms(
        &self,
        terms: &[WeightedTerm],
        dictionary_key: impl Fn(&WeightedTerm, &mut String),
    ) -> tantivy::Result<Vec<QueryTerm>> {
        terms
            .iter()
            .map(|term| {
                self.fields[term.field].query_term(
                    term.text.as_bytes(),
                    |key| dictionary_key(term, key),
                    term.weight,
                    &self.doc_entries,
                    &self.doc_log_lens,
                )
            })
            .collect()
    }

    /// How often `term` occurs in entry `ord`'s variants, and the entry's `ln(|e| + MU)` in
    /// the term's field.
    pub fn term_in_entry(&self, term: &QueryTerm, ord: usize) -> tantivy::Result<(u32, f32)> {
        let Some(doc) = self.doc_entries.iter().position(|&o| o as usize == ord) else {
            return Ok((0, 0.0));
        };
        let log_len = self.doc_log_lens[doc][term.field];
        let Some(postings) = &term.postings else {
            return Ok((0, log_len));
        };
        let mut postings = self.fields[term.field].reading(postings)?;
        Ok((postings.tf_of(doc as DocId).unwrap_or(0), log_len))
    }

    /// `(entry ord, raw score)` of the `limit` best entries with a positive score, best first,
    /// among the candidates: entries for which `allowed(ord)` holds, holding at least one
    /// query term.
    ///
    /// Terms are taken by the most evidence they add to any entry (`QueryTerm::bound`, largest
    /// first: the rarest words), and a term's postings are read when it is taken. Once no entry
    /// met so far only by later terms could reach the `limit`-th best score among the
    /// candidates (`sum of the later bounds + most absent evidence < that score`), later terms
    /// only add to existing candidates, so a common word does not make every entry a
    /// candidate. The pruning is exact: it never changes the top `limit`.
    pub fn scores(
        &self,
        terms: &[QueryTerm],
        allowed: impl Fn(usize) -> bool,
        limit: usize,
    ) -> tantivy::Result<Vec<(usize, f32)>> {
        self.scores_in(terms, allowed, limit, |_| 1.0, 1.0)
    }

    /// [`EntrySearch::scores`] with each entry's raw score multiplied by its weight
    /// (`weights`, by entry ord, each in [0, 1]; an entry without one weighs 1): its floor
    /// and every term's evidence are weighed as they are added, and an entry not met yet is
    /// bounded by the largest weight times what it could score, so the pruning stays exact.
    pub fn weighed_scores(
        &self,
        terms: &[QueryTerm],
        allowed: impl Fn(usize) -> bool,
        limit: usize,
        weights: &[f32],
    ) -> tantivy::Result<Vec<(usize, f32)>> {
        let weight_of = |doc: usize| {
            self.doc_entries
                .get(doc)
                .and_then(|&ord| weights.get(ord as usize))
                .copied()
                .unwrap_or(1.0)
        };
        let most_weight = weights.iter().copied().fold(0.0f32, f32::max);
        self.scores_in(terms, allowed, limit, weight_of, most_weight)
    }

    /// The search itself, each document's score weighed by `weight_of(doc)` (at most
    /// `most_weight`); a function, not data, so that unweighed searches compile with no
    /// weighing at all.
    fn scores_in(
        &self,
        terms: &[QueryTerm],
        allowed: impl Fn(usize) -> bool,
        limit: usize,
        weight_of: impl Fn(usize) -> f32,
        most_weight: f32,
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
            let unseen_at_most = (later_bounds + most_absent) * most_weight + 1e-3;
            if admitting && found.docs.len() >= limit && unseen_at_most < found.best {
                admitting = unseen_at_most >= found.kth_best(limit);
            }
            later_bounds -= bound;
            let term = &terms[index];
            let Some(postings) = &term.postings else {
                continue;
            };
            let evidence = Evidence::new(term.log_prior, term.weight);
            let term_evidence = |doc: usize, tf: u32| {
                evidence.of(tf, self.doc_log_lens[doc][term.field]) * weight_of(doc)
            };
            let mut postings = self.fields[term.field].reading(postings)?;
            if admitting {
                self.admit_and_add(
                    &mut found,
                    &mut postings,
                    term_evidence,
                    (&mut floors, &weight_of),
                    &allowed,
                );
            } else if found.docs.len() * SEEK_RATIO < postings.doc_freq() {
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
    /// making each one met for the first time a candidate (scored from its floor, times
    /// `weight_of(doc)`) or excluded.
    fn admit_and_add(
        &self,
        found: &mut Candidates,
        postings: &mut Reading<'_>,
        term_evidence: impl Fn(usize, u32) -> f32,
        (floors, weight_of): (&mut Floors, &impl Fn(usize) -> f32),
        allowed: &impl Fn(usize) -> bool,
    ) {
        postings.for_each(|doc, tf| {
            let doc = doc as usize;
            if found.state[doc] == UNSEEN {
                if self.doc_allowed(doc, allowed) {
                    let class = self.doc_length_classes[doc] as usize;
                    found.admit(doc, floors.of_class(class) * weight_of(doc));
                } else {
                    found.exclude(doc);
                }
            }
            if found.state[doc] == CANDIDATE {
                found.add(doc, term_evidence(doc, tf));
            }
        });
    }

    /// Whether document `doc` holds an allowed entry.
    fn doc_allowed(&self, doc: usize, allowed: &impl Fn(usize) -> bool) -> bool {
        match self.doc_entries.get(doc) {
            Some(&ord) if ord != NO_ENTRY => allowed(ord as usize),
            _ => false,
        }
    }
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

/// The `limit` best `(entry ord, raw score)` with a positive score, best first (equal scores:
/// lower ord first).
pub(super) fn best_first(
    scored: impl Iterator<Item = (usize, f32)>,
    limit: usize,
) -> Vec<(usize, f32)> {
    let order = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    let mut hits: Vec<(usize, f32)> = scored.filter(|(_, raw)| *raw > 0.0).collect();
    if hits.len() > limit {
        hits.select_nth_unstable_by(limit - 1, order);
        hits.truncate(limit);
    }
    hits.sort_by(order);
    hits
}
