//! Texts as the index keeps them (a bot's entry ids, its entries' question variants): one
//! string and where each text ends, two allocations in all instead of one per text plus the
//! list. A 10 × 10,000 workspace keeps 350,000 variants beside the workspace's own copy; a
//! list of `String`s per entry cost about 150 bytes an entry more.

/// Texts kept one after another, each found by where it ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Texts {
    joined: Box<str>,
    ends: Box<[u32]>,
}

impl Texts {
    /// Texts made one at a time ([`TextsBuilder::push`]).
    pub fn builder() -> TextsBuilder {
        TextsBuilder::default()
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
}

/// [`Texts`] made one text at a time. A text that would end past 4 GiB in all, and every
/// text after it, is left out (no bot's QnA comes near it: it would not fit in memory).
#[derive(Debug, Default)]
pub(crate) struct TextsBuilder {
    joined: String,
    ends: Vec<u32>,
    full: bool,
}

impl TextsBuilder {
    /// Adds `text` after the others.
    pub fn push(&mut self, text: &str) {
        match u32::try_from(self.joined.len() + text.len()) {
            Ok(end) if !self.full => {
                self.joined.push_str(text);
                self.ends.push(end);
            }
            _ => self.full = true,
        }
    }

    /// How many texts so far.
    pub fn count(&self) -> u32 {
        self.ends.len() as u32
    }

    /// The texts.
    pub fn build(self) -> Texts {
        Texts {
            joined: self.joined.into_boxed_str(),
            ends: self.ends.into_boxed_slice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Texts;

    #[test]
    fn texts_come_back_as_given() {
        let given = ["where is the printer", "", "l'imprimante ?", "🖨️ broken"];
        let mut builder = Texts::builder();
        for text in given {
            builder.push(text);
        }
        assert_eq!(builder.count(), 4);
        let texts = builder.build();
        let all: Vec<&str> = (0..4).filter_map(|i| texts.get(i)).collect();
        assert_eq!(all, given);
        assert_eq!(texts.get(1), Some(""));
        assert_eq!(texts.get(4), None);
        assert_eq!(Texts::builder().build().get(0), None);
    }
}
