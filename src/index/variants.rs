//! Which of an entry's question variants is closest to a question: the variants index (one
//! tantivy document per variant, plain BM25), read after ranking so the trace can name the
//! variant a question resembles. It never decides the ranking.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::Bm25Weight;
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
    /// Number of variant documents and their average length (BM25 statistics).
    stats: (u64, f32),
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
    pub fn closest<'a>(
        &self,
        ord: usize,
        words: impl Iterator<Item = &'a str>,
    ) -> tantivy::Result<usize> {
        let docs = self.docs.get(ord).map_or(&[][..], Vec::as_slice);
        let (count, average_length) = self.stats;
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
