//! What each entry of an untrained bot means, for the meaning factor of its confidences
//! ("Meaning, for untrained bots" in [`super::model`]).
//!
//! An entry's meaning is the unit-length sum of its variants' meanings, each the
//! unit-length sum of the variant's content words' vectors ([`Analysis::meaning`]). It is
//! worked out the first time a search meets the entry and kept: a question meets a few
//! dozen entries of a bot, so a start-up computes none (nothing is written to the index
//! cache, and building costs nothing more) and a session only those its questions reach,
//! 400 bytes each.

use std::sync::OnceLock;

use super::analysis::Analysis;
use super::entries::IndexedEntries;

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
    use crate::workspace::QnaEntry;

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
        let entries = IndexedEntries::new(&qna, "en");
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
