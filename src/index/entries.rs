//! The per-entry facts a bot's index keeps, taken from the workspace when the index is
//! built or opened: for each enabled entry, by entry ord, its place in the bot's QnA, its id,
//! its question variants in the language indexed and its contexts.
//!
//! A bot whose entries are all still encoded in its QnA snapshot (a cached start) has them
//! read there when asked for (`EncodedEntries`): copying 100,000 entries' ids and questions
//! was a tenth of a cached start of 10 x 10,000 entries, most of it new memory. Otherwise
//! every entry's texts are copied into a few allocations for the whole bot (ids one after
//! another, variants one after another), not two or three per entry: 300,000 allocations
//! were a tenth of such a start (callgrind).
//!
//! A hash of every entry's variants (`questions_hash`) is made in the same pass, for the
//! index cache's key: hashed later, the variants were read a second time.

use std::ops::Range;

use foldhash::{HashMap, HashMapExt};

use super::texts::{Texts, TextsBuilder};
use crate::cache_files::Fields;
use crate::workspace::{EncodedEntries, EntryView, QnaEntries};

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct IndexedEntries {
    /// Each entry's place in the bot's QnA.
    qna_pos: Vec<u32>,
    /// Each entry's id and variants.
    texts: EntryTexts,
    /// How many variants all the entries have.
    question_count: usize,
    /// Each entry's place in `context_lists`.
    contexts: Vec<u32>,
    /// The distinct lists of contexts (most entries share `["global"]`).
    context_lists: Vec<Box<[String]>>,
    /// A hash of each entry's variant count and variants, in order.
    questions_hash: blake3::Hash,
}

/// Where the entries' ids and variants are.
#[derive(Debug)]
enum EntryTexts {
    /// Every entry's copied, by ord.
    Copied(Copied),
    /// In the bot's QnA snapshot, read in `language`: each entry's record, or its place in
    /// `copied` for an entry read whole.
    Encoded {
        entries: EncodedEntries,
        places: Vec<Place>,
        copied: Copied,
        language: String,
    },
}

/// Where an entry of [`EntryTexts::Encoded`] is.
#[derive(Debug)]
enum Place {
    Record(Range<usize>),
    Copied(u32),
}

/// Entries' ids one after another, their variants one after another, and where each one's
/// variants start (and where the last one's end).
#[derive(Debug)]
struct Copied {
    ids: Texts,
    questions: Texts,
    starts: Vec<u32>,
}

impl Copied {
    fn id(&self, i: usize) -> &str {
        self.ids.get(i).unwrap_or_default()
    }

    fn questions(&self, i: usize) -> Questions<'_> {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&start), Some(&end)) => {
                Questions::Copied(&self.questions, start as usize..end as usize)
            }
            _ => Questions::None,
        }
    }
}

/// [`Copied`] made one entry at a time.
struct CopiedBuilder {
    ids: TextsBuilder,
    questions: TextsBuilder,
    starts: Vec<u32>,
}

impl CopiedBuilder {
    fn new() -> CopiedBuilder {
        CopiedBuilder {
            ids: Texts::builder(),
            questions: Texts::builder(),
            starts: vec![0],
        }
    }

    /// Adds an entry; its place.
    fn push(&mut self, id: &str, questions: &[&str]) -> u32 {
        let place = self.ids.count();
        self.ids.push(id);
        for question in questions {
            self.questions.push(question);
        }
        self.starts.push(self.questions.count());
        place
    }

    fn build(self) -> Copied {
        Copied {
            ids: self.ids.build(),
            questions: self.questions.build(),
            starts: self.starts,
        }
    }
}

/// What [`IndexedEntries::collect`] keeps of each entry's texts, and the texts it makes.
trait Keep {
    /// Takes the next entry kept: its id, its variants and its record in the bot's
    /// snapshot, when it has one.
    fn entry(&mut self, id: &str, questions: &[&str], record: Option<&Range<usize>>);
    fn finish(self) -> EntryTexts;
}

impl Keep for CopiedBuilder {
    fn entry(&mut self, id: &str, questions: &[&str], _record: Option<&Range<usize>>) {
        self.push(id, questions);
    }

    fn finish(self) -> EntryTexts {
        EntryTexts::Copied(self.build())
    }
}

/// Each entry's record in the bot's snapshot, or, for an entry read whole, its copied
/// texts.
struct InSnapshot {
    entries: EncodedEntries,
    places: Vec<Place>,
    copied: CopiedBuilder,
    language: String,
}

impl Keep for InSnapshot {
    fn entry(&mut self, id: &str, questions: &[&str], record: Option<&Range<usize>>) {
        self.places.push(match record {
            Some(record) => Place::Record(record.clone()),
            None => Place::Copied(self.copied.push(id, questions)),
        });
    }

    fn finish(self) -> EntryTexts {
        EntryTexts::Encoded {
            entries: self.entries,
            places: self.places,
            copied: self.copied.build(),
            language: self.language,
        }
    }
}

/// One entry's variants, as [`IndexedEntries::questions`] gives them.
pub(crate) enum Questions<'a> {
    Copied(&'a Texts, Range<usize>),
    Encoded(crate::workspace::Texts<'a>),
    None,
}

impl<'a> Iterator for Questions<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Questions::Copied(texts, range) => {
                range.next().map(|i| texts.get(i).unwrap_or_default())
            }
            Questions::Encoded(texts) => texts.next(),
            Questions::None => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Questions::Copied(_, range) => range.size_hint(),
            Questions::Encoded(texts) => texts.size_hint(),
            Questions::None => (0, Some(0)),
        }
    }
}

impl IndexedEntries {
    /// The entries of `qna` (a bot's QnA) trained in `language`
    /// ([`QnaEntry::trained_in`](crate::workspace::QnaEntry::trained_in): for the default
    /// language, every enabled entry), with that language's questions: those still encoded
    /// in the bot's snapshot read there, the others copied.
    pub fn of(qna: &QnaEntries, language: &str) -> IndexedEntries {
        let Some((entries, records)) = qna.encoded() else {
            return IndexedEntries::new(qna.views(), language);
        };
        let keep = InSnapshot {
            entries,
            places: Vec::new(),
            copied: CopiedBuilder::new(),
            language: language.to_string(),
        };
        let views = qna.views().zip(records.iter().map(Option::as_ref));
        IndexedEntries::collect(views, language, keep)
    }

    /// The entries of `qna` (a bot's QnA, in order) trained in `language`, copied. A bot's
    /// texts beyond 4 GiB in all are left out (no bot comes near it: its files would not fit
    /// in memory).
    pub fn new<'a>(qna: impl IntoIterator<Item = EntryView<'a>>, language: &str) -> IndexedEntries {
        let views = qna.into_iter().map(|view| (view, None));
        IndexedEntries::collect(views, language, CopiedBuilder::new())
    }

    /// One pass over the entries: the trained ones' places, contexts, variant count and
    /// hash, each one's id, variants and record given to `keep`, which makes their texts.
    fn collect<'a, 'r>(
        qna: impl Iterator<Item = (EntryView<'a>, Option<&'r Range<usize>>)>,
        language: &str,
        mut keep: impl Keep,
    ) -> IndexedEntries {
        let mut qna_pos = Vec::new();
        let mut question_count = 0;
        let mut contexts = Vec::new();
        let mut context_lists: Vec<Box<[String]>> = Vec::new();
        let mut list_of: HashMap<Vec<&'a str>, u32> = HashMap::new();
        let mut hash = Fields::default();
        let mut questions: Vec<&'a str> = Vec::new();
        for (pos, (entry, record)) in qna.enumerate() {
            if !entry.trained_in(language) {
                continue;
            }
            let Ok(pos) = u32::try_from(pos) else {
                break;
            };
            qna_pos.push(pos);
            questions.clear();
            questions.extend(entry.questions_in(language));
            question_count += questions.len();
            hash.field(&(questions.len() as u64).to_le_bytes());
            for question in &questions {
                hash.field(question.as_bytes());
            }
            keep.entry(entry.id(), &questions, record);
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
            texts: keep.finish(),
            question_count,
            contexts,
            context_lists,
            questions_hash: hash.finish(),
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
        match &self.texts {
            EntryTexts::Copied(copied) => copied.id(ord),
            EntryTexts::Encoded {
                entries,
                places,
                copied,
                ..
            } => match places.get(ord) {
                Some(Place::Record(record)) => entries.view(record).id(),
                Some(Place::Copied(i)) => copied.id(*i as usize),
                None => "",
            },
        }
    }

    /// The ord of the entry whose id is `id`.
    pub fn ord_of(&self, id: &str) -> Option<usize> {
        (0..self.len()).find(|&ord| self.id(ord) == id)
    }

    /// Entry `ord`'s variants, in order.
    pub fn questions(&self, ord: usize) -> Questions<'_> {
        match &self.texts {
            EntryTexts::Copied(copied) => copied.questions(ord),
            EntryTexts::Encoded {
                entries,
                places,
                copied,
                language,
            } => match places.get(ord) {
                Some(Place::Record(record)) => {
                    Questions::Encoded(entries.view(record).questions_in(language))
                }
                Some(Place::Copied(i)) => copied.questions(*i as usize),
                None => Questions::None,
            },
        }
    }

    /// Variant `variant` of entry `ord`.
    pub fn question(&self, ord: usize, variant: usize) -> Option<&str> {
        self.questions(ord).nth(variant)
    }

    /// Every entry's variants, entry after entry.
    pub fn all_questions(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).flat_map(|ord| self.questions(ord))
    }

    /// How many variants all the entries have.
    pub fn question_count(&self) -> usize {
        self.question_count
    }

    /// A hash of every entry's variant count and variants, in order (what the index cache's
    /// key holds of the entries).
    pub fn questions_hash(&self) -> &blake3::Hash {
        &self.questions_hash
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

    fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for item in std::fs::read_dir(from).unwrap() {
            let item = item.unwrap();
            let target = to.join(item.file_name());
            if item.file_type().unwrap().is_dir() {
                copy_dir(&item.path(), &target);
            } else {
                std::fs::copy(item.path(), target).unwrap();
            }
        }
    }

    #[test]
    fn entries_read_in_their_snapshot_are_the_entries_copied() {
        use crate::workspace::{QnaSnapshots, Workspace};
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workspace"),
            dir.path(),
        );
        let cache = tempfile::tempdir().unwrap();
        let snapshots =
            QnaSnapshots::in_cache(cache.path()).settled_after(std::time::Duration::ZERO);
        Workspace::load_with(dir.path(), Some(snapshots.clone())).unwrap();
        let served = Workspace::load_with(dir.path(), Some(snapshots)).unwrap();
        let mut read_in_place = 0;
        for bot in &served.bots {
            let language = &bot.config.default_language;
            read_in_place += usize::from(bot.qna.encoded().is_some());
            let in_place = IndexedEntries::of(&bot.qna, language);
            let copied = IndexedEntries::new(bot.qna.iter().map(EntryView::from), language);
            assert_eq!(in_place.len(), copied.len(), "{}", bot.id);
            assert_eq!(in_place.question_count(), copied.question_count());
            assert_eq!(in_place.questions_hash(), copied.questions_hash());
            for ord in 0..copied.len() + 1 {
                assert_eq!(in_place.id(ord), copied.id(ord));
                assert_eq!(in_place.qna_pos(ord), copied.qna_pos(ord));
                assert_eq!(in_place.contexts(ord), copied.contexts(ord));
                assert!(in_place.questions(ord).eq(copied.questions(ord)));
                assert_eq!(in_place.question(ord, 1), copied.question(ord, 1));
            }
            assert!(in_place.all_questions().eq(copied.all_questions()));
        }
        assert!(
            read_in_place > 0,
            "the demo's bots are read in their snapshots"
        );
    }
}
