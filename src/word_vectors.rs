//! `WordVectors`: what English words mean, as 100 numbers each, so that a question can be
//! like a QnA variant that shares none of its words ("I have a fever" and "I am sick").
//!
//! The vectors are GloVe's (Stanford; 6 billion tokens of Wikipedia and Gigaword, 100
//! dimensions; Public Domain Dedication and License): the 50,000 commonest words made of
//! ASCII letters and digits, each quantized to signed bytes with a scale of its own, built
//! into the binary from `data/word-vectors-en.bin` (`tools/word-vectors.py` writes it and
//! says where it comes from). Reading them costs nothing at start: the file's header and
//! sizes are checked once and its parts are borrowed where they lie.
//!
//! What the classifiers make of them is [`WordVectors::meaning`]: the sum of a text's
//! known words' vectors, scaled to unit length (README, "Scoring").

use std::sync::OnceLock;

use crate::codec::Reader;

/// The English vectors, built in (see the module documentation).
static ENGLISH: &[u8] = include_bytes!("../data/word-vectors-en.bin");

/// The format's first bytes and version (`tools/word-vectors.py`).
const MAGIC: &[u8; 4] = b"IBWV";
const VERSION: u32 = 2;
/// Length of the digest of the file's content that follows the version.
const DIGEST_LEN: usize = 32;

/// Word vectors read in place from a file `tools/word-vectors.py` wrote.
#[derive(Debug)]
pub struct WordVectors {
    /// The SHA-256 of the file after its digest, as the tool wrote it: which vectors these
    /// are.
    digest: &'static [u8],
    /// One `f32` per word: a component is `scale · byte`.
    scales: &'static [u8],
    /// `count + 1` `u32`s: where each word starts in `words` (and where the last ends).
    offsets: &'static [u8],
    /// The words' bytes, words sorted by their bytes.
    words: &'static [u8],
    /// `dimensions` `i8`s per word.
    vectors: &'static [u8],
    count: usize,
    dimensions: usize,
    /// For each byte `b`, the index of the first word whose first byte is `b` or more (and
    /// `count` at the end): a lookup searches only the words that start as its word does.
    starts: Box<[u32; 257]>,
}

impl WordVectors {
    /// The English vectors built into interbot; `None` only if the built-in file were
    /// damaged (a test checks it is not).
    pub fn english() -> Option<&'static WordVectors> {
        static PARSED: OnceLock<Option<WordVectors>> = OnceLock::new();
        PARSED.get_or_init(|| WordVectors::parse(ENGLISH)).as_ref()
    }

    /// Reads the parts of `bytes`; `None` unless the header and every part's size agree.
    fn parse(bytes: &'static [u8]) -> Option<WordVectors> {
        let mut input = Reader::new(bytes);
        let magic = input.raw(MAGIC.len())?;
        let version = input.u32()?;
        let digest = input.raw(DIGEST_LEN)?;
        let count = input.u32()? as usize;
        let dimensions = input.u32()? as usize;
        if magic != MAGIC || version != VERSION || dimensions == 0 {
            return None;
        }
        let scales = input.raw(count.checked_mul(4)?)?;
        let offsets = input.raw(count.checked_add(1)?.checked_mul(4)?)?;
        let words = input.raw(u32_at(offsets, count)? as usize)?;
        let vectors = input.raw(input.remaining())?;
        if vectors.len() != count.checked_mul(dimensions)? {
            return None;
        }
        // The words' order is not checked here (a test checks the built-in file's): out of
        // order, a lookup would miss words, never read out of bounds.
        let mut vectors = WordVectors {
            digest,
            scales,
            offsets,
            words,
            vectors,
            count,
            dimensions,
            starts: Box::new([0; 257]),
        };
        vectors.starts = vectors.first_byte_starts()?;
        Some(vectors)
    }

    /// [`WordVectors::starts`], found by binary search over the sorted words.
    fn first_byte_starts(&self) -> Option<Box<[u32; 257]>> {
        let mut starts = Box::new([0u32; 257]);
        for (byte, start) in starts.iter_mut().enumerate() {
            let (mut low, mut high) = (0, self.count);
            while low < high {
                let middle = low + (high - low) / 2;
                let first = self.word(middle)?.first().map_or(-1, |&b| i32::from(b));
                if first < byte as i32 {
                    low = middle + 1;
                } else {
                    high = middle;
                }
            }
            *start = u32::try_from(low).ok()?;
        }
        Some(starts)
    }

    /// What these vectors are, for cache keys: the digest of their file's content (two
    /// files with the same digest hold the same vectors). Not checked against the content,
    /// which the binary holds.
    pub fn digest(&self) -> &'static [u8] {
        self.digest
    }

    /// How many numbers a word's vector has.
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// How many words have a vector.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no word has a vector.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The vector of `word` (lower-cased, as the file holds words), added to `sum`; false
    /// when the word has none. `sum` must have [`WordVectors::dimensions`] numbers.
    pub fn add_to(&self, word: &str, sum: &mut [f32]) -> bool {
        let Some(index) = self.find(word.as_bytes()) else {
            return false;
        };
        let scale = self
            .scales
            .get(index * 4..index * 4 + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0.0, f32::from_le_bytes);
        let start = index * self.dimensions;
        let Some(bytes) = self.vectors.get(start..start + self.dimensions) else {
            return false;
        };
        for (total, &byte) in sum.iter_mut().zip(bytes) {
            *total += scale * f32::from(byte as i8);
        }
        true
    }

    /// What `words` mean together: the sum of the vectors of those that have one, scaled to
    /// unit length; `None` when none has a vector.
    pub fn meaning<'a>(&self, words: impl IntoIterator<Item = &'a str>) -> Option<Vec<f32>> {
        let mut sum = vec![0.0f32; self.dimensions];
        let mut known = false;
        for word in words {
            known |= self.add_to(word, &mut sum);
        }
        let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt();
        if !known || !norm.is_normal() {
            return None;
        }
        for value in &mut sum {
            *value /= norm;
        }
        Some(sum)
    }

    /// The index of `word` among the sorted words (binary search among those with its first
    /// byte).
    fn find(&self, word: &[u8]) -> Option<usize> {
        let first = usize::from(*word.first()?);
        let (mut low, mut high) = (self.starts[first] as usize, self.starts[first + 1] as usize);
        while low < high {
            let middle = low + (high - low) / 2;
            let candidate = self.word(middle)?;
            match candidate.cmp(word) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    fn word(&self, index: usize) -> Option<&'static [u8]> {
        self.words.get(self.offset(index)?..self.offset(index + 1)?)
    }

    fn offset(&self, index: usize) -> Option<usize> {
        u32_at(self.offsets, index).map(|o| o as usize)
    }
}

fn u32_at(bytes: &[u8], index: usize) -> Option<u32> {
    let chunk = bytes.get(index.checked_mul(4)?..index.checked_mul(4)?.checked_add(4)?)?;
    Some(u32::from_le_bytes(chunk.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn the_built_in_vectors_parse_and_find_their_words() {
        let vectors = WordVectors::english().expect("the built-in file parses");
        assert_eq!(vectors.dimensions(), 100);
        assert_eq!(vectors.len(), 50_000);
        let mut sum = vec![0.0; 100];
        assert!(vectors.add_to("printer", &mut sum));
        assert!(sum.iter().any(|&v| v != 0.0));
        assert!(
            !vectors.add_to("Printer", &mut sum),
            "words are lower-cased"
        );
        assert!(!vectors.add_to("qwxzvbnm", &mut sum));
        assert!(!vectors.add_to("", &mut sum));
    }

    #[test]
    fn the_built_in_words_are_sorted_so_every_one_is_found() {
        let vectors = WordVectors::english().expect("built in");
        let words: Vec<&[u8]> = (0..vectors.len()).filter_map(|i| vectors.word(i)).collect();
        assert_eq!(words.len(), vectors.len());
        assert!(words.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(
            words
                .iter()
                .enumerate()
                .all(|(i, w)| vectors.find(w) == Some(i))
        );
    }

    #[test]
    fn related_words_mean_more_alike_than_unrelated_ones() {
        let vectors = WordVectors::english().expect("built in");
        let meaning = |text: &str| vectors.meaning(text.split(' ')).expect("known words");
        let sick = meaning("sick");
        assert!(cosine(&sick, &meaning("fever")) > cosine(&sick, &meaning("printer")));
        let laptop = meaning("laptop broken");
        assert!(
            cosine(&laptop, &meaning("computer damaged")) > cosine(&laptop, &meaning("salary"))
        );
        let unit = meaning("salary raise");
        assert!((cosine(&unit, &unit) - 1.0).abs() < 1e-4, "unit length");
        assert_eq!(vectors.meaning(["qwxzvbnm"]), None);
    }

    #[test]
    fn a_damaged_file_is_refused() {
        assert!(WordVectors::parse(&ENGLISH[..ENGLISH.len() - 1]).is_none());
        assert!(WordVectors::parse(&ENGLISH[..10]).is_none());
        assert!(WordVectors::parse(b"").is_none());
        assert!(WordVectors::parse(b"IBWV\x02\0\0\0\0\0\0\0\x64\0\0\0").is_none());
        let older: &'static mut [u8] = ENGLISH.to_vec().leak();
        older[4] = 1;
        assert!(WordVectors::parse(older).is_none(), "another version");
    }

    #[test]
    fn the_digest_names_the_vectors() {
        let vectors = WordVectors::english().expect("built in");
        assert_eq!(vectors.digest().len(), DIGEST_LEN);
        assert_eq!(vectors.digest(), &ENGLISH[8..8 + DIGEST_LEN]);
        assert!(vectors.digest().iter().any(|&b| b != 0));
    }
}
