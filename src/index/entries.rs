//! The per-entry facts a bot's index keeps, copied from the workspace when the index is
//! built or opened: for each enabled entry, by entry ord, its place in the bot's QnA, its id,
//! its question variants in the language indexed and its contexts.
//!
//! Every entry's texts sit in a few allocations for the whole bot (ids one after another,
//! variants one after another), not two or three per entry: copying 100,000 entries this
//! way is a stream of bytes, where a `String` per id and a [`Texts`] per entry were 300,000
//! allocations, a tenth of a cached start of 10 x 10,000 entries (callgrind).

use foldhash::{HashMap, HashMapExt};

use super::texts::Texts;
use crate::workspace::EntryView;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct IndexedEntries {
    /// Each entry's place in the bot's QnA.
    qna_pos: Vec<u32>,
    /// Each entry's id.
    ids: Texts,
    /// Every entry's variants, entry after entry.
    questions: Texts,
    /// Where each entry's variants start in `questions`, and where the last one's end.
    starts: Vec<u32>,
    /// Each entry's place in `context_lists`.
    contexts: Vec<u32>,
    /// The distinct lists of contexts (most entries share `["global"]`).
    context_lists: Vec<Box<[String]>>,
}

impl IndexedEntries {
    /// The entries of `qna` (a bot's QnA, in order) trained in `language`
    /// ([`QnaEntry::trained_in`]: for the default language, every enabled entry), with that
    /// language's questions. A bot's texts beyond 4 GiB in all are left out (no bot comes
    /// near it: its files would not fit in memory).
    pub fn new<'a>(qna: impl IntoIterator<Item = EntryView<'a>>, language: &str) -> IndexedEntries {
        let mut qna_pos = Vec::new();
        let mut ids = Texts::builder();
        let mut all_questions = Texts::builder();
        let mut starts = vec![0];
        let mut contexts = Vec::new();
        let mut context_lists: Vec<Box<[String]>> = Vec::new();
        let mut list_of: HashMap<Vec<&'a str>, u32> = HashMap::new();
        for (pos, entry) in qna.into_iter().enumerate() {
            if !entry.trained_in(language) {
                continue;
            }
            let Ok(pos) = u32::try_from(pos) else {
                break;
            };
            qna_pos.push(pos);
            ids.push(entry.id());
            for question in entry.questions_in(language) {
                all_questions.push(question);
            }
            starts.push(all_questions.count());
            // Consecutive entries mostly share their list: compared before it is hashed.
            let same_as_last = contexts.last().is_some_and(|&last: &u32| {
                context_lists[last as usize]
                    .iter()
                    .map(String::as_str)
                    .eq(entry.contexts())
            });
            let list = match contexts.last() {
                Some(&last) if same_as_last => last,
                _ => *list_of
                    .entry(entry.contexts().collect())
                    .or_insert_with(|| {
                        context_lists.push(entry.contexts().map(str::to_string).collect());
                        (context_lists.len() - 1) as u32
                    }),
            };
            contexts.push(list);
        }
        IndexedEntries {
            qna_pos,
            ids: ids.build(),
            questions: all_questions.build(),
            starts,
            contexts,
            context_lists,
        }
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.qna_pos.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.qna_pos.is_empty()
    }

    /// Entry `ord`'s place in the bot's QnA.
    pub fn qna_pos(&self, ord: usize) -> usize {
        self.qna_pos
            .get(ord)
            .map_or(usize::MAX, |&pos| pos as usize)
    }

    /// Entry `ord`'s id ("" past the last entry).
    pub fn id(&self, ord: usize) -> &str {
        self.ids.get(ord).unwrap_or_default()
    }

    /// The ord of the entry whose id is `id`.
    pub fn ord_of(&self, id: &str) -> Option<usize> {
        (0..self.len()).find(|&ord| self.id(ord) == id)
    }

    /// Entry `ord`'s variants, in order.
    pub fn questions(&self, ord: usize) -> impl ExactSizeIterator<Item = &str> {
        let range = self.variant_range(ord);
        range.map(|i| self.questions.get(i).unwrap_or_default())
    }

    /// Variant `variant` of entry `ord`.
    pub fn question(&self, ord: usize, variant: usize) -> Option<&str> {
        let range = self.variant_range(ord);
        let i = range
            .start
            .checked_add(variant)
            .filter(|&i| i < range.end)?;
        self.questions.get(i)
    }

    /// Every entry's variants, entry after entry.
    pub fn all_questions(&self) -> impl Iterator<Item = &str> {
        self.questions.iter()
    }

    /// How many variants all the entries have.
    pub fn question_count(&self) -> usize {
        self.questions.len()
    }

    /// Entry `ord`'s contexts.
    pub fn contexts(&self, ord: usize) -> &[String] {
        self.contexts
            .get(ord)
            .and_then(|&list| self.context_lists.get(list as usize))
            .map_or(&[], |list| list)
    }

    /// Whether some entry has a context other than `global`.
    pub fn has_other_contexts(&self) -> bool {
        self.context_lists
            .iter()
            .any(|list| list.iter().any(|c| c != "global"))
    }

    /// Where entry `ord`'s variants are in `questions` (empty past the last entry).
    fn variant_range(&self, ord: usize) -> std::ops::Range<usize> {
        match (self.starts.get(ord), self.starts.get(ord + 1)) {
            (Some(&start), Some(&end)) => start as usize..end as usize,
            _ => 0..0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::QnaEntry;

    fn entry(id: &str, questions: &[&str], contexts: &[&str]) -> QnaEntry {
        let questions = questions.iter().map(|q| q.to_string()).collect();
        let mut entry = QnaEntry::new_v11(id, format!("{id}.json").into(), questions, Vec::new());
        entry.contexts = contexts.iter().map(|c| c.to_string()).collect();
        entry.enabled = id != "off";
        entry
    }

    #[test]
    fn entries_keep_their_ids_variants_and_contexts() {
        let qna = [
            entry("a", &["where is my payslip", "payslip"], &["global"]),
            entry("off", &["disabled"], &["global"]),
            entry("b", &[], &["global"]),
            entry("c", &["l'imprimante ?", "🖨️"], &["it", "global"]),
            entry("d", &["one"], &["global"]),
        ];
        let entries = IndexedEntries::new(qna.iter().map(EntryView::from), "en");
        assert_eq!(entries.len(), 4);
        let ids: Vec<&str> = (0..4).map(|ord| entries.id(ord)).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert_eq!(
            (0..4).map(|ord| entries.qna_pos(ord)).collect::<Vec<_>>(),
            [0, 2, 3, 4]
        );
        let questions = |ord| entries.questions(ord).collect::<Vec<_>>();
        assert_eq!(questions(0), ["where is my payslip", "payslip"]);
        assert!(questions(1).is_empty());
        assert_eq!(questions(2), ["l'imprimante ?", "🖨️"]);
        assert_eq!(entries.question(2, 1), Some("🖨️"));
        assert_eq!(entries.question(2, 2), None);
        assert_eq!(entries.question(1, 0), None);
        assert_eq!(entries.question_count(), 5);
        assert_eq!(entries.all_questions().count(), 5);
        assert_eq!(entries.contexts(0), ["global"]);
        assert_eq!(entries.contexts(2), ["it", "global"]);
        assert_eq!(entries.contexts(3), ["global"]);
        assert!(entries.has_other_contexts());
        assert_eq!(entries.ord_of("c"), Some(2));
        assert_eq!(entries.ord_of("off"), None);
        // Past the last entry: nothing, and no panic.
        assert_eq!((entries.id(9), entries.questions(9).count()), ("", 0));
        assert!(entries.contexts(9).is_empty());
    }
}
