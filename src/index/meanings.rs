//! Bots weighed by meaning ("Meaning, for untrained bots" in [`super::model`]): what each
//! entry means, and the search that weighs each candidate by it.
//!
//! An entry's meaning is the unit-length sum of its variants' meanings, each the
//! unit-length sum of the variant's content words' vectors ([`Analysis::meaning`]). It is
//! worked out the first time a search needs it and kept, 400 bytes an entry: nothing is
//! written to the index cache and building costs nothing more. A bot of up to
//! [`MEANING_EVERY_ENTRY`] entries weighs every entry's evidence as its search adds it, so
//! its first question works out every entry's meaning (about 0.7 ms for the demo's three
//! bots); a larger bot weighs, and so works out, only the candidates that could pass.

use std::sync::OnceLock;

use super::analysis::Analysis;
use super::entries::IndexedEntries;
use super::model::{Question, meaning_factor};
use super::search::QueryTerm;
use super::{BotIndex, Scored};

/// A bot weighed by meaning with at most this many entries weighs every entry's evidence
/// as its search adds it (see `BotIndex::ranked_by_meaning`).
const MEANING_EVERY_ENTRY: usize = 1_000;
/// How many candidates a larger bot's search with the meaning factor takes at first, for
/// each hit asked for, and at least.
const MEANING_CANDIDATES_PER_HIT: usize = 8;
/// See [`MEANING_CANDIDATES_PER_HIT`].
const MEANING_CANDIDATES_AT_LEAST: usize = 64;

/// An entry's meaning once worked out: `None` when none of its words has a vector.
type Slot = OnceLock<Option<Box<[f32]>>>;

/// See the module documentation: one slot per entry ord, filled on first use.
#[derive(Debug)]
pub(super) struct EntryMeanings {
    slots: Box<[Slot]>,
}

impl EntryMeanings {
    /// Empty slots for `entries` entries.
    pub fn new(entries: usize) -> EntryMeanings {
        EntryMeanings {
            slots: (0..entries).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The cosine of entry `ord`'s meaning with `question` (a unit-length meaning);
    /// `None` when no variant of the entry has a word with a vector (or `ord` is unknown).
    pub fn cosine(
        &self,
        ord: usize,
        entries: &IndexedEntries,
        analysis: &Analysis,
        question: &[f32],
    ) -> Option<f32> {
        let meaning = self
            .slots
            .get(ord)?
            .get_or_init(|| entry_meaning(entries.questions(ord), analysis))
            .as_deref()?;
        (meaning.len() == question.len()).then(|| dot(meaning, question))
    }
}

impl BotIndex {
    /// The bot's entry meanings and `question`'s meaning, when the bot is weighed by meaning
    /// and the question has one: what searching and explaining weigh with.
    pub(super) fn weighing_meanings<'a>(
        &'a self,
        question: &'a Question,
    ) -> Option<(&'a EntryMeanings, &'a [f32])> {
        let meanings = self.meanings.as_ref()?;
        Some((meanings, question.meaning(&self.analysis)?))
    }

    /// The `limit` best entries of an untrained bot by their raw scores times their meaning
    /// factors (`meaning` is the question's), as if every candidate were weighed.
    ///
    /// A bot of up to [`MEANING_EVERY_ENTRY`] entries weighs every entry's evidence as the
    /// search adds it (`EntrySearch::weighed_scores`), which keeps the search's
    /// pruning: each entry's factor costs a dot product a question, and every entry's
    /// meaning is worked out by the bot's first question. A larger bot weighs only the
    /// candidates that could still pass: the factor never raises a score, so those are
    /// taken best raw score first, and a candidate whose raw score is below the `limit`-th
    /// best weighed one ends the list; the search takes more of them (four times as many
    /// each round) only while one it left out could still pass.
    pub(super) fn ranked_by_meaning(
        &self,
        terms: &[QueryTerm],
        allowed: &impl Fn(usize) -> bool,
        limit: usize,
        meanings: &EntryMeanings,
        meaning: &[f32],
    ) -> tantivy::Result<Vec<Scored>> {
        let cosine = |ord| meanings.cosine(ord, &self.entries, &self.analysis, meaning);
        let factor = |cosine: Option<f32>| cosine.map_or(1.0, meaning_factor);
        if self.entries.len() <= MEANING_EVERY_ENTRY {
            let cosines: Vec<Option<f32>> = (0..self.entries.len()).map(cosine).collect();
            let weights: Vec<f32> = cosines.iter().map(|&c| factor(c)).collect();
            let scored = self
                .search
                .weighed_scores(terms, allowed, limit, &weights)?;
            return Ok(scored
                .into_iter()
                .map(|(ord, raw)| Scored::untrained(ord, raw, cosines.get(ord).copied().flatten()))
                .collect());
        }
        let mut taken = limit
            .saturating_mul(MEANING_CANDIDATES_PER_HIT)
            .max(MEANING_CANDIDATES_AT_LEAST);
        loop {
            // Best raw score first.
            let candidates = self.search.scores(terms, allowed, taken)?;
            let mut weighed: Vec<Scored> = Vec::with_capacity(limit.min(candidates.len()));
            let mut passable = KthBest::new(limit);
            let mut ended = false;
            for &(ord, raw) in &candidates {
                if passable.excludes(raw) {
                    ended = true;
                    break;
                }
                let cosine = cosine(ord);
                let raw = raw * factor(cosine);
                passable.offer(raw);
                weighed.push(Scored::untrained(ord, raw, cosine));
            }
            // Every candidate left out scores at most the lowest one taken.
            let left_out_at_most = candidates.last().map_or(0.0, |&(_, raw)| raw);
            let complete = ended
                || candidates.len() < taken
                || taken >= self.entries.len()
                || passable.excludes(left_out_at_most);
            if complete {
                // As `best_first` orders hits: positive scores, best first, lower ord first.
                weighed.retain(|s| s.raw > 0.0);
                weighed.sort_by(|a, b| b.raw.total_cmp(&a.raw).then(a.ord.cmp(&b.ord)));
                weighed.truncate(limit);
                return Ok(weighed);
            }
            taken = taken.saturating_mul(4);
        }
    }
}

/// The `k`-th best of the scores offered so far, for `BotIndex::ranked_by_meaning` to
/// tell when a raw score can no longer reach the `k` best weighed ones. It keeps the `k`
/// best sorted when `k` is small; for a large `k` (a caller asking for every entry) it
/// keeps nothing and excludes nothing.
struct KthBest {
    k: usize,
    best: Vec<f32>,
}

impl KthBest {
    /// Above this `k`, nothing is kept.
    const MAX_K: usize = 32;

    fn new(k: usize) -> KthBest {
        KthBest {
            k,
            best: Vec::with_capacity(k.min(Self::MAX_K)),
        }
    }

    /// Takes `score` into account.
    fn offer(&mut self, score: f32) {
        if self.k > Self::MAX_K || self.k == 0 {
            return;
        }
        let at = self.best.partition_point(|&b| b >= score);
        if at < self.k {
            self.best.insert(at, score);
            self.best.truncate(self.k);
        }
    }

    /// Whether an entry whose score is at most `bound` cannot be among the `k` best: `k`
    /// scores were offered and the `k`-th is above `bound` (a tie could still pass on its
    /// ord). A score of 0 or less is never a hit.
    fn excludes(&self, bound: f32) -> bool {
        bound <= 0.0 || (self.k > 0 && self.best.len() == self.k && self.best[self.k - 1] > bound)
    }
}

/// The unit-length sum of the meanings of `variants` that have one.
fn entry_meaning<'a>(
    variants: impl Iterator<Item = &'a str>,
    analysis: &Analysis,
) -> Option<Box<[f32]>> {
    let mut sum: Vec<f32> = Vec::new();
    for meaning in variants.filter_map(|variant| analysis.meaning(variant)) {
        if sum.is_empty() {
            sum = meaning;
        } else {
            sum.iter_mut().zip(&meaning).for_each(|(s, m)| *s += m);
        }
    }
    let norm = dot(&sum, &sum).sqrt();
    if !norm.is_normal() {
        return None;
    }
    sum.iter_mut().for_each(|value| *value /= norm);
    Some(sum.into_boxed_slice())
}

/// The dot product of two vectors of one length, over eight interleaved sums (so the
/// compiler can keep them in vector registers).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (a_chunks, a_tail) = a.as_chunks::<8>();
    let (b_chunks, b_tail) = b.as_chunks::<8>();
    let mut lanes = [0.0f32; 8];
    for (x, y) in a_chunks.iter().zip(b_chunks) {
        for lane in 0..8 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    let tail: f32 = a_tail.iter().zip(b_tail).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{EntryView, QnaEntry};

    fn entry(id: &str, questions: &[&str]) -> QnaEntry {
        let questions = questions.iter().map(|q| q.to_string()).collect();
        QnaEntry::new_v11(
            id,
            format!("{id}.json").into(),
            questions,
            vec!["answer".into()],
        )
    }

    #[test]
    fn an_entry_means_what_its_variants_mean_together() {
        let analysis = Analysis::for_language("en");
        let Some(question) = analysis.meaning("I have a fever") else {
            return; // a build without word vectors has nothing to compare
        };
        let qna = [
            entry(
                "sick",
                &["I am sick and cannot come in", "I caught the flu"],
            ),
            entry("wifi", &["The wifi is not working"]),
            entry("none", &["the of and"]),
        ];
        let entries = IndexedEntries::new(qna.iter().map(EntryView::from), "en");
        let meanings = EntryMeanings::new(entries.len());
        let sick = meanings.cosine(0, &entries, &analysis, &question);
        let wifi = meanings.cosine(1, &entries, &analysis, &question);
        let (Some(sick), Some(wifi)) = (sick, wifi) else {
            panic!("both entries have words with vectors: {sick:?} {wifi:?}");
        };
        assert!(sick > wifi, "sick {sick} wifi {wifi}");
        assert!((-1.0..=1.0001).contains(&sick));
        // Function words have no meaning here; an unknown ord has none either.
        assert_eq!(meanings.cosine(2, &entries, &analysis, &question), None);
        assert_eq!(meanings.cosine(9, &entries, &analysis, &question), None);
        // Kept once worked out: asked again, the same bits.
        assert_eq!(
            meanings.cosine(0, &entries, &analysis, &question),
            Some(sick)
        );
    }

    #[test]
    fn the_dot_product_reads_every_number() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let b = vec![1.0f32; 19];
        assert_eq!(dot(&a, &b), (0..19).sum::<i32>() as f32);
        assert_eq!(dot(&[], &[]), 0.0);
    }
}
