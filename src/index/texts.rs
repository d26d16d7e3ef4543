//! An entry's question variants as the index keeps them: one string and where each variant
//! ends, two allocations an entry instead of one per variant plus the list. A 10 × 10,000
//! workspace keeps 350,000 variants beside the workspace's own copy; the list of `String`s
//! cost about 150 bytes an entry more.

/// Texts kept one after another, each found by where it ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Texts {
    joined: Box<str>,
    ends: Box<[u32]>,
}

impl Texts {
    /// The texts, in order. A text beyond 4 GiB in all is cut at that point (no QnA file is
    /// a tenth of that: files are read up to `workspace::read::MAX_FILE_BYTES`).
    pub fn new<S: AsRef<str>>(texts: &[S]) -> Texts {
        let mut joined = String::with_capacity(texts.iter().map(|t| t.as_ref().len()).sum());
        let mut ends = Vec::with_capacity(texts.len());
        for text in texts {
            let text = text.as_ref();
            if u32::try_from(joined.len() + text.len()).is_err() {
                break;
            }
            joined.push_str(text);
            ends.push(joined.len() as u32);
        }
        Texts {
            joined: joined.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// How many texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Text `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize,
        };
        self.joined.get(start..end)
    }

    /// The texts, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::Texts;

    #[test]
    fn texts_come_back_as_given() {
        let given = ["where is the printer", "", "l'imprimante ?", "🖨️ broken"];
        let texts = Texts::new(&given);
        assert_eq!(texts.len(), 4);
        assert_eq!(texts.iter().collect::<Vec<_>>(), given);
        assert_eq!(texts.get(1), Some(""));
        assert_eq!(texts.get(4), None);
        assert_eq!(Texts::new::<&str>(&[]).iter().count(), 0);
    }
}
