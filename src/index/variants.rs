//! Which of an entry's question variants is closest to a question, so the trace can name the
//! variant a question resembles. It never decides the ranking.
//!
//! Plain BM25 (k1 = 1.2, b = 0.75) over the variants as documents, computed exactly as tantivy
//! computes it (the same idf, the same length quantized to a field-norm id, the same float
//! operations in the same order; a unit test checks the bits), but from the variants' analyzed
//! words kept in memory: each variant's distinct words and their counts, and each word's
//! number of variants. This was a second tantivy index over the same questions; the words are
//! already analyzed when the entries index is written, so keeping them costs no second
//! analysis, no second index to write or check into the cache, and no dictionary walk per
//! question word at search time.

use tantivy::fieldnorm::FieldNormReader;

use super::analysis::push_bigram_key;
use crate::codec::{Reader, Writer};
use crate::interner::Interner;

/// BM25's term-frequency saturation and length normalisation (tantivy's and Lucene's values).
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Every variant of a bot language's entries, by entry ord, searchable for the closest one.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct VariantQuestions {
    /// Each analyzed word's id.
    words: Interner,
    /// How many variants hold each word, by id.
    doc_freq: Vec<u32>,
    /// Each variant's distinct words (id, count), in first-seen order, all variants one
    /// after another.
    postings: Vec<(u32, u32)>,
    /// Where each variant's words start in `postings`; one more than there are variants.
    variant_starts: Vec<u32>,
    /// Each variant's length (its number of words) as tantivy's field-norm id.
    norms: Vec<u8>,
    /// Each entry's first variant; one more than there are entries.
    entry_starts: Vec<u32>,
    /// Words in all variants (with repeats): with the variant count, BM25's average length.
    total_words: u64,
    /// BM25's length part `K1 · (1 − B + B · length / average)` of each field-norm id: the
    /// table tantivy's `Bm25Weight` builds per term, built once per bot.
    length_norms: Box<[f32; 256]>,
}

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

/// The average length tantivy's BM25 uses: words per variant, at least 1.
fn average_length(total_words: u64, variants: usize) -> f32 {
    (total_words as f32 / variants.max(1) as f32).max(1.0)
}

/// Collects the variants entry by entry while the entries index is written.
#[derive(Debug, Default)]
pub(super) struct VariantsBuilder {
    variants: VariantQuestions,
}

impl Default for VariantQuestions {
    fn default() -> Self {
        VariantQuestions {
            words: Interner::default(),
            doc_freq: Vec::new(),
            postings: Vec::new(),
            variant_starts: vec![0],
            norms: Vec::new(),
            entry_starts: vec![0],
            total_words: 0,
            length_norms: length_norms(1.0),
        }
    }
}

impl VariantsBuilder {
    /// Adds the next variant of the current entry, as its analyzed words; `ids` is set to
    /// their ids in the bot's table of words, in order (what bigram keys are made of).
    pub fn add_variant(&mut self, words: &[impl AsRef<str>], ids: &mut Vec<u32>) {
        let v = &mut self.variants;
        let start = v.postings.len();
        ids.clear();
        for word in words {
            let word = word.as_ref();
            let Some(id) = v.words.intern(word) else {
                continue;
            };
            if id as usize == v.doc_freq.len() {
                v.doc_freq.push(0);
            }
            ids.push(id);
            match v.postings[start..].iter_mut().find(|(seen, _)| *seen == id) {
                Some((_, count)) => *count += 1,
                None => {
                    v.postings.push((id, 1));
                    v.doc_freq[id as usize] += 1;
                }
            }
        }
        v.variant_starts.push(v.postings.len() as u32);
        let length = u32::try_from(words.len()).unwrap_or(u32::MAX);
        v.norms.push(FieldNormReader::fieldnorm_to_id(length));
        v.total_words += words.len() as u64;
    }

    /// Ends the current entry: the variants added since the last call are its.
    pub fn end_entry(&mut self) {
        let variants = self.variants.norms.len() as u32;
        self.variants.entry_starts.push(variants);
    }

    pub fn finish(mut self) -> VariantQuestions {
        let v = &mut self.variants;
        v.length_norms = length_norms(average_length(v.total_words, v.norms.len()));
        self.variants
    }
}

impl VariantQuestions {
    /// Appends the index's key of the bigram `first` `second` (`analysis::push_bigram_key`)
    /// to `out`; nothing when a word is not in any variant (then no entry holds the bigram,
    /// and the empty key is no term's).
    pub fn push_bigram_key(&self, out: &mut String, first: &str, second: &str) {
        if let (Some(first), Some(second)) = (self.words.get(first), self.words.get(second)) {
            push_bigram_key(out, first, second);
        }
    }

    /// Number of variants.
    pub fn len(&self) -> usize {
        self.norms.len()
    }

    /// Number of entries.
    pub fn entries(&self) -> usize {
        self.entry_starts.len() - 1
    }

    /// The position of entry `ord`'s variant that scores best (BM25, k1 = 1.2, b = 0.75) for
    /// the query words (0 when none matches); ties go to the first. Costs the entry's
    /// variants, not the bot's.
    pub fn closest<'a>(&self, ord: usize, words: impl Iterator<Item = &'a str>) -> usize {
        let (Some(&first), Some(&end)) =
            (self.entry_starts.get(ord), self.entry_starts.get(ord + 1))
        else {
            return 0;
        };
        let variants = first as usize..end as usize;
        let count = self.len() as u64;
        let mut scores = vec![0.0f32; variants.len()];
        for word in words {
            let Some(id) = self.words.get(word) else {
                continue;
            };
            let doc_freq = u64::from(self.doc_freq[id as usize]).min(count);
            let weight = idf(doc_freq, count) * (1.0 + K1);
            for (score, variant) in scores.iter_mut().zip(variants.clone()) {
                let held = &self.postings[self.variant_starts[variant] as usize
                    ..self.variant_starts[variant + 1] as usize];
                if let Some(&(_, tf)) = held.iter().find(|(held, _)| *held == id) {
                    let norm = self.length_norms[usize::from(self.norms[variant])];
                    *score += bm25(weight, tf, norm);
                }
            }
        }
        let mut best: Option<(usize, f32)> = None;
        for (i, score) in scores.iter().enumerate() {
            if *score > 0.0 && best.is_none_or(|(_, b)| *score > b) {
                best = Some((i, *score));
            }
        }
        best.map_or(0, |(i, _)| i)
    }

    /// Appends the variants to `out` (for the persistent index cache).
    pub fn encode(&self, out: &mut Writer) {
        self.words.encode(out);
        out.u32s(&self.doc_freq);
        out.u64(self.postings.len() as u64);
        for &(id, count) in &self.postings {
            out.u32(id);
            out.u32(count);
        }
        out.u32s(&self.variant_starts);
        out.bytes(&self.norms);
        out.u32s(&self.entry_starts);
        out.u64(self.total_words);
    }

    /// Variants [`VariantQuestions::encode`] wrote, `None` unless every part is there and
    /// consistent (every id, offset and count in range), so a damaged cache never yields
    /// variants that could index out of bounds.
    pub fn decode(input: &mut Reader<'_>) -> Option<VariantQuestions> {
        let words = Interner::decode(input)?;
        let word_count = words.len();
        let doc_freq = input.u32s()?;
        let posting_count = usize::try_from(input.u64()?).ok()?;
        let postings = input.u32_pairs(posting_count)?;
        let variant_starts = input.u32s()?;
        let norms = input.bytes()?.to_vec();
        let entry_starts = input.u32s()?;
        let total_words = input.u64()?;
        let ascending = |starts: &[u32], last: usize| {
            starts.first() == Some(&0)
                && starts.windows(2).all(|w| w[0] <= w[1])
                && starts.last().map(|&s| s as usize) == Some(last)
        };
        let consistent = doc_freq.len() == word_count
            && postings.iter().all(|&(id, _)| (id as usize) < word_count)
            && variant_starts.len() == norms.len() + 1
            && ascending(&variant_starts, postings.len())
            && ascending(&entry_starts, norms.len());
        consistent.then(|| VariantQuestions {
            words,
            doc_freq,
            postings,
            variant_starts,
            length_norms: length_norms(average_length(total_words, norms.len())),
            norms,
            entry_starts,
            total_words,
        })
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

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    fn two_entries() -> VariantQuestions {
        let mut builder = VariantsBuilder::default();
        for variant in [
            "reset my password",
            "forgot password password",
            "locked out",
        ] {
            builder.add_variant(&words(variant), &mut Vec::new());
        }
        builder.end_entry();
        for variant in ["printer jam", "printer out of paper"] {
            builder.add_variant(&words(variant), &mut Vec::new());
        }
        builder.end_entry();
        builder.finish()
    }

    #[test]
    fn the_closest_variant_is_the_best_bm25_match_of_the_entry() {
        let variants = two_entries();
        assert_eq!((variants.len(), variants.entries()), (5, 2));
        let closest = |ord, question: &str| variants.closest(ord, question.split(' '));
        assert_eq!(closest(0, "password"), 1, "two occurrences beat one");
        assert_eq!(closest(0, "locked"), 2);
        assert_eq!(closest(0, "nothing matches"), 0);
        assert_eq!(closest(1, "paper"), 1);
        assert_eq!(closest(1, "printer"), 0, "a tie goes to the first");
        assert_eq!(closest(7, "printer"), 0, "no such entry");
    }

    #[test]
    fn decoded_variants_are_the_same_and_damage_is_refused() {
        let variants = two_entries();
        let mut out = Writer::default();
        variants.encode(&mut out);
        let bytes = out.into_bytes();
        let decoded = VariantQuestions::decode(&mut Reader::new(&bytes));
        assert_eq!(decoded.as_ref(), Some(&variants));
        for cut in 0..bytes.len() {
            assert!(VariantQuestions::decode(&mut Reader::new(&bytes[..cut])).is_none());
        }
        // A word id out of range.
        let mut damaged = variants.clone();
        damaged.postings[0].0 = 99;
        let mut out = Writer::default();
        damaged.encode(&mut out);
        let damaged = out.into_bytes();
        assert!(VariantQuestions::decode(&mut Reader::new(&damaged)).is_none());
    }
}
