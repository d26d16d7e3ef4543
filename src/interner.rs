//! `Interner`: texts numbered `0, 1, 2 …` in the order they were first given, found by
//! their text (a bot's table of words, `index::variants`; a classifier's feature columns,
//! `classifier`).
//!
//! The texts are kept one after another in one string, and the table that finds them holds
//! only their numbers: three allocations in all, where a `HashMap<String, u32>` made one per
//! text. Reading the cached indexes of HWU64 (67,000 words and features) spent 30 % of a
//! cached start allocating and hashing those keys one by one.

use std::fmt;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use crate::codec::{Reader, Writer};

/// Texts and their numbers (see the module documentation).
#[derive(Clone, Default)]
pub(crate) struct Interner {
    /// Every text, in number order.
    joined: String,
    /// Where each text ends in `joined`.
    ends: Vec<u32>,
    /// The numbers, found by their text's hash.
    table: HashTable<u32>,
    hasher: RandomState,
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interner")
            .field("texts", &self.len())
            .finish_non_exhaustive()
    }
}

/// Two interners are equal when they number the same texts the same way.
impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        self.ends == other.ends && self.joined == other.joined
    }
}

impl Eq for Interner {}

/// Text `number` of `joined`, cut at `ends`.
fn text_at<'a>(joined: &'a str, ends: &[u32], number: u32) -> &'a str {
    let number = number as usize;
    let end = ends.get(number).map_or(0, |&end| end as usize);
    let start = match number {
        0 => 0,
        _ => ends.get(number - 1).map_or(end, |&start| start as usize),
    };
    joined.get(start..end).unwrap_or_default()
}

impl Interner {
    /// How many texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The number of `text`, if it has one.
    pub fn get(&self, text: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(text);
        self.table
            .find(hash, |&number| {
                text_at(&self.joined, &self.ends, number) == text
            })
            .copied()
    }

    /// The number of `text`, the next one when it has none yet; `None` only when the texts
    /// would pass 4 GiB in all or 2³² in number (then nothing is added).
    pub fn intern(&mut self, text: &str) -> Option<u32> {
        if let Some(number) = self.get(text) {
            return Some(number);
        }
        self.push(text)
    }

    /// Each text with its number, in number order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        (0..self.len() as u32).map(|number| (text_at(&self.joined, &self.ends, number), number))
    }

    /// Adds `text`, which has no number yet, after the others.
    fn push(&mut self, text: &str) -> Option<u32> {
        let number = u32::try_from(self.ends.len()).ok()?;
        let end = u32::try_from(self.joined.len().checked_add(text.len())?).ok()?;
        self.joined.push_str(text);
        self.ends.push(end);
        let Interner {
            joined,
            ends,
            table,
            hasher,
        } = self;
        table.insert_unique(hasher.hash_one(text), number, |&n| {
            hasher.hash_one(text_at(joined, ends, n))
        });
        Some(number)
    }

    /// Appends the texts to `out`: their count, then each as [`Writer::str`] writes it, in
    /// number order.
    pub fn encode(&self, out: &mut Writer) {
        out.u64(self.len() as u64);
        for (text, _) in self.iter() {
            out.str(text);
        }
    }

    /// Texts [`Interner::encode`] wrote; `None` when one is missing, is not UTF-8, or
    /// repeats another (two numbers for one text). Sized before reading: a count larger
    /// than what is left at 8 bytes a text is refused before anything is allocated.
    pub fn decode(input: &mut Reader<'_>) -> Option<Interner> {
        let numbers = u32::try_from(input.u64()?).ok()?;
        let count = numbers as usize;
        if count > input.remaining() / 8 {
            return None;
        }
        // A first pass sizes the string, so the texts are copied once, into one allocation.
        let mut sizing = input.clone();
        let mut total = 0usize;
        for _ in 0..count {
            let len = usize::try_from(sizing.u64()?).ok()?;
            sizing.raw(len)?;
            total = total.checked_add(len)?;
        }
        let mut joined: Vec<u8> = Vec::with_capacity(total);
        let mut ends = Vec::with_capacity(count);
        for _ in 0..count {
            let len = usize::try_from(input.u64()?).ok()?;
            joined.extend_from_slice(input.raw(len)?);
            ends.push(u32::try_from(joined.len()).ok()?);
        }
        // One check for every text: the whole is UTF-8 and each text ends on a character.
        let joined = String::from_utf8(joined).ok()?;
        if !ends
            .iter()
            .all(|&end| joined.is_char_boundary(end as usize))
        {
            return None;
        }
        let mut table = HashTable::with_capacity(count);
        let hasher = RandomState::default();
        for number in 0..numbers {
            let text = text_at(&joined, &ends, number);
            let entry = table.entry(
                hasher.hash_one(text),
                |&n| text_at(&joined, &ends, n) == text,
                |&n| hasher.hash_one(text_at(&joined, &ends, n)),
            );
            match entry {
                Entry::Occupied(_) => return None,
                Entry::Vacant(slot) => {
                    slot.insert(number);
                }
            }
        }
        Some(Interner {
            joined,
            ends,
            table,
            hasher,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interned(texts: &[&str]) -> Interner {
        let mut interner = Interner::default();
        for text in texts {
            interner.intern(text);
        }
        interner
    }

    #[test]
    fn texts_get_numbers_in_the_order_first_given() {
        let mut interner = interned(&["printer", "#^pri", "", "imprimante", "🖨️"]);
        assert_eq!(interner.intern("printer"), Some(0));
        assert_eq!(interner.intern("scanner"), Some(5));
        assert_eq!(interner.len(), 6);
        assert_eq!(interner.get(""), Some(2));
        assert_eq!(interner.get("🖨️"), Some(4));
        assert_eq!(interner.get("print"), None);
        let listed: Vec<(&str, u32)> = interner.iter().collect();
        assert_eq!(listed[1], ("#^pri", 1));
        assert_eq!(listed[3], ("imprimante", 3));
        assert_eq!(listed.len(), 6);
    }

    #[test]
    fn many_texts_are_all_found_after_the_table_grows() {
        let texts: Vec<String> = (0..5_000).map(|i| format!("word{i}")).collect();
        let mut interner = Interner::default();
        for (i, text) in texts.iter().enumerate() {
            assert_eq!(interner.intern(text), Some(i as u32));
        }
        for (i, text) in texts.iter().enumerate() {
            assert_eq!(interner.get(text), Some(i as u32));
        }
    }

    #[test]
    fn texts_read_back_as_written() {
        let interner = interned(&["a", "é", "", "bc", "日本"]);
        let mut out = Writer::default();
        interner.encode(&mut out);
        out.u8(9);
        let bytes = out.into_bytes();
        let mut input = Reader::new(&bytes);
        let read = Interner::decode(&mut input).expect("reads back");
        assert_eq!(input.u8(), Some(9), "reads exactly its own bytes");
        assert_eq!(
            read.iter().collect::<Vec<_>>(),
            interner.iter().collect::<Vec<_>>()
        );
        assert_eq!(read.get("日本"), Some(4));
    }

    proptest::proptest! {
        /// The interner numbers texts as a map from text to first-seen position would, its
        /// byte form reads back the same, and the bytes cut or changed anywhere read as
        /// another interner or none, never a panic.
        #[test]
        fn it_agrees_with_a_map_and_reads_back_whatever_the_texts(
            texts in proptest::collection::vec("[a-c\u{e9}\u{65e5}]{0,3}", 0..40),
            cut in 0usize..400,
            flip in 0usize..400,
        ) {
            let mut interner = Interner::default();
            let mut expected: Vec<&str> = Vec::new();
            for text in &texts {
                let number = interner.intern(text);
                let position = expected.iter().position(|seen| seen == text).unwrap_or_else(|| {
                    expected.push(text);
                    expected.len() - 1
                });
                proptest::prop_assert_eq!(number, Some(position as u32));
            }
            for (position, text) in expected.iter().enumerate() {
                proptest::prop_assert_eq!(interner.get(text), Some(position as u32));
            }
            let mut out = Writer::default();
            interner.encode(&mut out);
            let bytes = out.into_bytes();
            let read = Interner::decode(&mut Reader::new(&bytes));
            proptest::prop_assert_eq!(read.as_ref(), Some(&interner));
            let _ = Interner::decode(&mut Reader::new(&bytes[..cut.min(bytes.len())]));
            let mut changed = bytes.clone();
            if let Some(byte) = changed.get_mut(flip) {
                *byte ^= 0x9c;
            }
            let _ = Interner::decode(&mut Reader::new(&changed));
        }
    }

    #[test]
    fn damaged_bytes_read_as_none() {
        let mut out = Writer::default();
        interned(&["ab", "é"]).encode(&mut out);
        let bytes = out.into_bytes();
        for cut in 0..bytes.len() {
            assert!(
                Interner::decode(&mut Reader::new(&bytes[..cut])).is_none(),
                "cut {cut}"
            );
        }
        // A text repeated, a count beyond the bytes, a character split between two texts.
        let mut repeated = Writer::default();
        repeated.u64(2);
        repeated.str("x");
        repeated.str("x");
        let repeated = repeated.into_bytes();
        assert!(Interner::decode(&mut Reader::new(&repeated)).is_none());
        let mut huge = Writer::default();
        huge.u64(u64::MAX);
        assert!(Interner::decode(&mut Reader::new(&huge.into_bytes())).is_none());
        let mut split = Writer::default();
        split.u64(2);
        split.bytes(&"é".as_bytes()[..1]);
        split.bytes(&"é".as_bytes()[1..]);
        assert!(Interner::decode(&mut Reader::new(&split.into_bytes())).is_none());
    }
}
