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

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;

use super::analysis::push_bigram_key;
use crate::cache_files::FileBytes;
use crate::codec::{Reader, Writer};
use crate::interner::Interner;

/// BM25's term-frequency saturation and length normalisation (tantivy's and Lucene's values).
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Numbers of a [`VariantQuestions`]: held in memory when the variants were just collected,
/// read in place from the cache file's bytes when they were opened from the cache (copied
/// out, the postings of 10 bots of 10,000 entries were 17 MB of newly allocated memory and a
/// quarter of the page faults of a cached start).
#[derive(Debug, Clone)]
enum Numbers {
    Held(Vec<u32>),
    /// `len` little-endian `u32`s from byte `start` of `bytes`.
    InPlace {
        bytes: Arc<FileBytes>,
        start: usize,
        len: usize,
    },
}

/// The little-endian `u32`s of `bytes`, one after another.
fn le_u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .as_chunks::<4>()
        .0
        .iter()
        .map(|b| u32::from_le_bytes(*b))
}

impl Numbers {
    fn len(&self) -> usize {
        match self {
            Numbers::Held(numbers) => numbers.len(),
            Numbers::InPlace { len, .. } => *len,
        }
    }

    /// Number `i` (0 past the end: the bytes were checked when opened, so it never is).
    fn get(&self, i: usize) -> u32 {
        match self {
            Numbers::Held(numbers) => numbers.get(i).copied().unwrap_or(0),
            Numbers::InPlace { bytes, start, len } if i < *len => {
                let at = start + 4 * i;
                bytes
                    .get(at..at + 4)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, u32::from_le_bytes)
            }
            Numbers::InPlace { .. } => 0,
        }
    }

    /// The bytes of numbers read in place (none for numbers held).
    fn in_place_bytes(&self) -> &[u8] {
        match self {
            Numbers::Held(_) => &[],
            Numbers::InPlace { bytes, start, len } => {
                bytes.get(*start..start + 4 * len).unwrap_or_default()
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let held: &[u32] = match self {
            Numbers::Held(numbers) => numbers,
            Numbers::InPlace { .. } => &[],
        };
        held.iter().copied().chain(le_u32s(self.in_place_bytes()))
    }

    /// `len` numbers read by `input`, a reader over the whole of `bytes`: in place when
    /// `bytes` are mapped, copied when they were read (a small file: kept whole for its
    /// numbers, its other parts decoded already would be held twice, 2.3 MB more at the
    /// start of HWU64's 18 bots).
    fn in_place(input: &mut Reader<'_>, bytes: &Arc<FileBytes>, len: usize) -> Option<Numbers> {
        let start = bytes.len().checked_sub(input.remaining())?;
        let raw = input.raw(len.checked_mul(4)?)?;
        Some(match **bytes {
            FileBytes::Mapped(_) => Numbers::InPlace {
                bytes: Arc::clone(bytes),
                start,
                len,
            },
            FileBytes::Read(_) => Numbers::Held(le_u32s(raw).collect()),
        })
    }

    /// Whether the first of each pair of numbers is below `limit` (the postings' word ids):
    /// one pass over the bytes, which the pairs' iterator made three times slower.
    fn ids_below(&self, limit: usize) -> bool {
        let below = |id: u32| (id as usize) < limit;
        match self {
            Numbers::Held(numbers) => numbers.iter().step_by(2).all(|&id| below(id)),
            Numbers::InPlace { .. } => {
                let pairs = self.in_place_bytes().as_chunks::<8>().0;
                pairs.len() * 2 == self.len()
                    && pairs
                        .iter()
                        .all(|pair| below(u32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]])))
            }
        }
    }
}

impl PartialEq for Numbers {
    fn eq(&self, other: &Numbers) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Every variant of a bot language's entries, by entry ord, searchable for the closest one.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct VariantQuestions {
    /// Each analyzed word's id.
    words: Interner,
    /// How many variants hold each word, by id.
    doc_freq: Numbers,
    /// Each variant's distinct words as (id, count) pairs one after the other, in
    /// first-seen order, all variants one after another.
    postings: Numbers,
    /// Where each variant's words start in `postings` (in pairs); one more than there are
    /// variants.
    variant_starts: Numbers,
    /// Each variant's length (its number of words) as tantivy's field-norm id.
    norms: Vec<u8>,
    /// Each entry's first variant; one more than there are entries.
    entry_starts: Numbers,
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
#[derive(Debug)]
pub(super) struct VariantsBuilder {
    words: Interner,
    doc_freq: Vec<u32>,
    postings: Vec<u32>,
    variant_starts: Vec<u32>,
    norms: Vec<u8>,
    entry_starts: Vec<u32>,
    total_words: u64,
}

impl Default for VariantsBuilder {
    fn default() -> Self {
        VariantsBuilder {
            words: Interner::default(),
            doc_freq: Vec::new(),
            postings: Vec::new(),
            variant_starts: vec![0],
            norms: Vec::new(),
            entry_starts: vec![0],
            total_words: 0,
        }
    }
}

impl Default for VariantQuestions {
    fn default() -> Self {
        VariantsBuilder::default().finish()
    }
}

impl VariantsBuilder {
    /// Adds the next variant of the current entry, as its analyzed words; `ids` is set to
    /// their ids in the bot's table of words, in order (what bigram keys are made of).
    pub fn add_variant(&mut self, words: &[impl AsRef<str>], ids: &mut Vec<u32>) {
        let start = self.postings.len();
        ids.clear();
        for word in words {
            let word = word.as_ref();
            let Some(id) = self.words.intern(word) else {
                continue;
            };
            if id as usize == self.doc_freq.len() {
                self.doc_freq.push(0);
            }
            ids.push(id);
            let held = self.postings[start..].as_chunks_mut::<2>().0;
            match held.iter_mut().find(|[seen, _]| *seen == id) {
                Some([_, count]) => *count += 1,
                None => {
                    self.postings.extend([id, 1]);
                    self.doc_freq[id as usize] += 1;
                }
            }
        }
        self.variant_starts.push((self.postings.len() / 2) as u32);
        let length = u32::try_from(words.len()).unwrap_or(u32::MAX);
        self.norms.push(FieldNormReader::fieldnorm_to_id(length));
        self.total_words += words.len() as u64;
    }

    /// Ends the current entry: the variants added since the last call are its.
    pub fn end_entry(&mut self) {
        self.entry_starts.push(self.norms.len() as u32);
    }

    pub fn finish(self) -> VariantQuestions {
        VariantQuestions {
            length_norms: length_norms(average_length(self.total_words, self.norms.len())),
            words: self.words,
            doc_freq: Numbers::Held(self.doc_freq),
            postings: Numbers::Held(self.postings),
            variant_starts: Numbers::Held(self.variant_starts),
            norms: self.norms,
            entry_starts: Numbers::Held(self.entry_starts),
            total_words: self.total_words,
        }
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
        self.entry_starts.len().saturating_sub(1)
    }

    /// The position of entry `ord`'s variant that scores best (BM25, k1 = 1.2, b = 0.75) for
    /// the query words (0 when none matches); ties go to the first. Costs the entry's
    /// variants, not the bot's.
    pub fn closest<'a>(&self, ord: usize, words: impl Iterator<Item = &'a str>) -> usize {
        if ord + 1 >= self.entry_starts.len() {
            return 0;
        }
        let variants = self.entry_starts.get(ord) as usize..self.entry_starts.get(ord + 1) as usize;
        let count = self.len() as u64;
        let mut scores = vec![0.0f32; variants.len()];
        for word in words {
            let Some(id) = self.words.get(word) else {
                continue;
            };
            let doc_freq = u64::from(self.doc_freq.get(id as usize)).min(count);
            let weight = idf(doc_freq, count) * (1.0 + K1);
            for (score, variant) in scores.iter_mut().zip(variants.clone()) {
                let held = self.variant_starts.get(variant) as usize
                    ..self.variant_starts.get(variant + 1) as usize;
                let tf = held
                    .map(|pair| (self.postings.get(2 * pair), self.postings.get(2 * pair + 1)))
                    .find(|&(held, _)| held == id);
                if let (Some((_, tf)), Some(&norm)) = (tf, self.norms.get(variant)) {
                    *score += bm25(weight, tf, self.length_norms[usize::from(norm)]);
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
        let numbers = |out: &mut Writer, numbers: &Numbers| numbers.iter().for_each(|n| out.u32(n));
        self.words.encode(out);
        out.u64(self.doc_freq.len() as u64);
        numbers(out, &self.doc_freq);
        out.u64((self.postings.len() / 2) as u64);
        numbers(out, &self.postings);
        out.u64(self.variant_starts.len() as u64);
        numbers(out, &self.variant_starts);
        out.bytes(&self.norms);
        out.u64(self.entry_starts.len() as u64);
        numbers(out, &self.entry_starts);
        out.u64(self.total_words);
    }

    /// Variants [`VariantQuestions::encode`] wrote, read by `input` from `bytes` (it reads
    /// the whole of them): their numbers are read in place, not copied. `None` unless every
    /// part is there and consistent (every id, offset and count in range), so a damaged
    /// cache never yields variants that could index out of bounds.
    pub fn decode(input: &mut Reader<'_>, bytes: &Arc<FileBytes>) -> Option<VariantQuestions> {
        let numbers = |input: &mut Reader<'_>, unit: usize| {
            let count = usize::try_from(input.u64()?).ok()?;
            Numbers::in_place(input, bytes, count.checked_mul(unit)?)
        };
        let words = Interner::decode(input)?;
        let word_count = words.len();
        let doc_freq = numbers(input, 1)?;
        let postings = numbers(input, 2)?;
        let variant_starts = numbers(input, 1)?;
        let norms = input.bytes()?.to_vec();
        let entry_starts = numbers(input, 1)?;
        let total_words = input.u64()?;
        let ascending = |starts: &Numbers, last: usize| {
            let mut previous = None;
            starts.get(0) == 0
                && starts.iter().all(|start| {
                    let ok = previous.is_none_or(|p| p <= start);
                    previous = Some(start);
                    ok
                })
                && previous.map(|s| s as usize) == Some(last)
        };
        let consistent = doc_freq.len() == word_count
            && postings.ids_below(word_count)
            && variant_starts.len() == norms.len() + 1
            && ascending(&variant_starts, postings.len() / 2)
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
        let decode = |bytes: &[u8]| {
            let bytes = Arc::new(FileBytes::Read(bytes.to_vec()));
            VariantQuestions::decode(&mut Reader::new(&bytes), &bytes)
        };
        let decoded = decode(&bytes);
        assert_eq!(decoded.as_ref(), Some(&variants));
        let question =
            |variants: &VariantQuestions, ord, text: &str| variants.closest(ord, text.split(' '));
        for (ord, text) in [(0, "password"), (0, "locked"), (1, "paper"), (1, "printer")] {
            let decoded = decoded.as_ref().unwrap();
            assert_eq!(question(decoded, ord, text), question(&variants, ord, text));
        }
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_none());
        }
        // Mapped (a file large enough), the numbers are read in place, with the same results.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("variants");
        let mut padded = bytes.clone();
        padded.resize(1 << 20, 0);
        std::fs::write(&file, &padded).unwrap();
        let mapped = Arc::new(FileBytes::of(&file, 1 << 21).unwrap());
        assert!(matches!(*mapped, FileBytes::Mapped(_)));
        let in_place = VariantQuestions::decode(&mut Reader::new(&mapped), &mapped).unwrap();
        assert!(matches!(in_place.postings, Numbers::InPlace { .. }));
        assert_eq!(&in_place, &variants);
        for (ord, text) in [(0, "password"), (0, "locked"), (1, "paper"), (1, "printer")] {
            assert_eq!(
                question(&in_place, ord, text),
                question(&variants, ord, text)
            );
        }
        // A word id out of range.
        let mut damaged = variants.clone();
        let mut postings: Vec<u32> = damaged.postings.iter().collect();
        postings[0] = 99;
        damaged.postings = Numbers::Held(postings);
        let mut out = Writer::default();
        damaged.encode(&mut out);
        assert!(decode(&out.into_bytes()).is_none());
    }
}
