//! Which of an entry's question variants is closest to a question: the variants index (one
//! tantivy document per variant, plain BM25), read after ranking so the trace can name the
//! variant a question resembles. It never decides the ranking.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, InvertedIndexReader, SegmentReader};

use tantivy::postings::Postings;

/// The variants index, searchable.
pub(super) struct VariantQuestions {
    /// The question field of the index's only segment.
    inverted: Arc<InvertedIndexReader>,
    fieldnorms: FieldNormReader,
    /// `(doc, variant position)` of each entry's variant documents, in doc order.
    docs: Vec<Vec<(DocId, u32)>>,
    /// Number of variant documents (BM25's `N`; their average length is in `length_norms`).
    count: u64,
    /// BM25's length part `K1 · (1 − B + B · length / average)` of each field-norm id: the
    /// table tantivy's `Bm25Weight` builds per term, built once per bot instead of once per
    /// word of every question.
    length_norms: Box<[f32; 256]>,
}

/// BM25's term-frequency saturation and length normalisation (tantivy's and Lucene's values).
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// BM25's length part of each field-norm id, for documents of `average_length` tokens on
/// average, as tantivy computes it.
fn length_norms(average_length: f32) -> Box<[f32; 256]> {
    let mut norms = Box::new([0.0f32; 256]);
    for (id, norm) in norms.iter_mut().enumerate() {
        let length = FieldNormReader::id_to_fieldnorm(id as u8) as f32;
        *norm = K1 * (1.0 - B + B * length / average_length);
    }
    norms
}

/// BM25 of a term of weight `idf · (1 + K1)` holding `tf` times in a document whose length
/// part is `norm`, as tantivy computes it.
fn bm25(weight: f32, tf: u32, norm: f32) -> f32 {
    let tf = tf as f32;
    weight * (tf / (tf + norm))
}

/// BM25's idf, `ln(1 + (N − n + 0.5) / (n + 0.5))`, as tantivy computes it.
fn idf(doc_freq: u64, doc_count: u64) -> f32 {
    let x = (doc_count.saturating_sub(doc_freq) as f32 + 0.5) / (doc_freq as f32 + 0.5);
    (1.0 + x).ln()
}

impl VariantQuestions {
    /// The variants of `entries` entries in the only segment of their index (none when the
    /// bot has no entry), whose documents hold the entry ord and variant position in the fast
    /// fields `entry` and `variant` and the text in `question`. `(count, tokens)`: the number
    /// of variant documents and of tokens in their questions.
    pub fn new(
        segment: Option<&SegmentReader>,
        question: Field,
        entries: usize,
        (count, tokens): (u64, u64),
    ) -> tantivy::Result<VariantQuestions> {
        let mut docs = vec![Vec::new(); entries];
        let (inverted, fieldnorms) = match segment {
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
                    segment.inverted_index(question)?,
                    segment.get_fieldnorms_reader(question)?,
                )
            }
            None => (
                Arc::new(InvertedIndexReader::empty(IndexRecordOption::WithFreqs)),
                FieldNormReader::constant(0, 1),
            ),
        };
        let average_length = (tokens as f32 / count.max(1) as f32).max(1.0);
        Ok(VariantQuestions {
            inverted,
            fieldnorms,
            docs,
            count,
            length_norms: length_norms(average_length),
        })
    }

    /// The position of entry `ord`'s variant that scores best (BM25, k1 = 1.2, b = 0.75) for
    /// the query words (0 when none matches). Only that entry's variant documents are read
    /// (each word's postings are sought to them), so this costs the entry's variants, not the
    /// bot's.
    pub fn closest<'a>(
        &self,
        ord: usize,
        words: impl Iterator<Item = &'a str>,
    ) -> tantivy::Result<usize> {
        let docs = self.docs.get(ord).map_or(&[][..], Vec::as_slice);
        let count = self.count;
        let mut scores = vec![0.0f32; docs.len()];
        for word in words {
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
                    let weight = *weight.get_or_insert_with(|| {
                        idf(u64::from(info.doc_freq).min(count), count) * (1.0 + K1)
                    });
                    let norm = self.length_norms[usize::from(self.fieldnorms.fieldnorm_id(doc))];
                    scores[i] += bm25(weight, postings.term_freq(), norm);
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

#[cfg(test)]
mod tests {
    use tantivy::query::Bm25Weight;

    use super::*;

    #[test]
    fn variant_scores_are_tantivys_bm25_bit_for_bit() {
        for (doc_freq, count, average) in [(1u64, 2u64, 1.0f32), (3, 40, 6.5), (120, 9960, 7.25)] {
            let norms = length_norms(average);
            let weight = idf(doc_freq, count) * (1.0 + K1);
            let theirs = Bm25Weight::for_one_term_without_explain(doc_freq, count, average);
            for id in [0u8, 1, 5, 17, 40, 255] {
                for tf in [1u32, 2, 7] {
                    let ours = bm25(weight, tf, norms[usize::from(id)]);
                    assert_eq!(ours.to_bits(), theirs.score(id, tf).to_bits());
                }
            }
        }
    }
}
