//! A bot's QnA entries ([`QnaEntries`]), of which those a QnA snapshot served stay encoded in
//! the snapshot's mapped bytes until something needs them whole.
//!
//! A cached start of 100,000 entries spent a fifth of its time decoding every entry from the
//! snapshots (a dozen allocations each: 90 MB) though answering a question reads a few of
//! them. The steps of a start read entries in place instead ([`EntryView`]): loading's checks,
//! the index's list of entries and its cache key, the bot router's training set. A turn
//! decodes the entries it answers with, each once ([`QnaEntries::entry`]). Anything else that reads
//! the entries as a list (the app, `eval`, `qna`, saving) decodes them all, once, on first
//! use ([`Deref`]); changing them (`DerefMut`) works on that list.

use std::ops::{Deref, DerefMut, Range};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::entry_codec::{EncodedEntry, EncodedTexts, TextCursor, decode_entry};
use super::qna::QnaEntry;
use crate::cache_files::FileBytes;

/// A bot's QnA entries, in file-name order (disabled ones included): a list of
/// [`QnaEntry`] to whatever uses it as one (`Deref<Target = Vec<QnaEntry>>`), read in place
/// by [`QnaEntries::views`] and [`QnaEntries::entry`] where the loading steps and a turn
/// need only some of each entry.
#[derive(Default)]
pub struct QnaEntries {
    /// The entries as loaded; emptied once the list is changed.
    items: Vec<Item>,
    /// The snapshot the encoded items are in.
    source: Option<Arc<Source>>,
    /// Each encoded item once decoded alone ([`QnaEntries::entry`]), so that a long run
    /// (the app, `serve`, a batch of questions) decodes an entry it answers with once.
    one_by_one: Box<[OnceLock<Box<QnaEntry>>]>,
    /// Every entry decoded, once something needed the list; from then on, the entries.
    decoded: OnceLock<Vec<QnaEntry>>,
}

/// One entry as loaded.
#[derive(Debug, Clone)]
pub(super) enum Item {
    /// Read from its file (or decoded whole from the snapshot).
    Read(Box<QnaEntry>),
    /// Served by the snapshot.
    Encoded(Encoded),
}

/// An entry served by a snapshot: where its record is in the snapshot's bytes, its file,
/// and what the start's counts need of it (told when loading took it, so that counting
/// reads no record).
#[derive(Debug, Clone)]
pub(super) struct Encoded {
    pub(super) record: Range<usize>,
    pub(super) file: PathBuf,
    pub(super) enabled: bool,
    /// How many questions it has in its own language.
    pub(super) questions: usize,
}

impl Item {
    /// The entry's id, read in place from `source` when it is encoded there.
    pub(super) fn id<'a>(&'a self, source: Option<&'a Source>) -> &'a str {
        match self {
            Item::Read(entry) => &entry.id,
            Item::Encoded(Encoded { record, .. }) => source
                .and_then(|source| source.bytes.get(record.clone()))
                .and_then(EncodedEntry::id_of)
                .unwrap_or_default(),
        }
    }
}

/// The snapshot bytes encoded entries are read from, and the language they were read in.
#[derive(Debug)]
pub(super) struct Source {
    pub(super) bytes: FileBytes,
    pub(super) language: String,
    /// How many records the snapshot holds, when their entries' ids are all different: a
    /// folder whose every file it served (as many) has no duplicate id to look for.
    pub(super) distinct_records: Option<usize>,
}

impl Source {
    /// The entry whose record is at `record`, read in place (as no entry when the bytes
    /// there are not one: a snapshot changed under its mapping).
    fn view(&self, record: &Range<usize>) -> EntryView<'_> {
        match self.bytes.get(record.clone()).and_then(EncodedEntry::read) {
            Some(entry) => EntryView(View::Encoded {
                entry,
                language: &self.language,
            }),
            None => EntryView(View::Missing),
        }
    }

    /// No bytes: the source of no entry.
    pub(super) fn empty() -> Source {
        Source {
            bytes: FileBytes::empty(),
            language: String::new(),
            distinct_records: None,
        }
    }
}

impl QnaEntries {
    /// The entries `items`, those encoded in `source`. When none is encoded (no snapshot,
    /// or every file read again), they are the list at once: decoding it later would copy
    /// every entry.
    pub(super) fn loaded(items: Vec<Item>, source: Option<Arc<Source>>) -> QnaEntries {
        if items.iter().any(|item| matches!(item, Item::Encoded(_))) {
            return QnaEntries {
                one_by_one: (0..items.len()).map(|_| OnceLock::new()).collect(),
                items,
                source,
                decoded: OnceLock::new(),
            };
        }
        items
            .into_iter()
            .filter_map(|item| match item {
                Item::Read(entry) => Some(*entry),
                Item::Encoded(_) => None,
            })
            .collect()
    }

    /// How many entries (none decoded to tell).
    pub fn len(&self) -> usize {
        match self.decoded.get() {
            Some(entries) => entries.len(),
            None => self.items.len(),
        }
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entry `pos`, decoded alone (once) when it is still encoded.
    pub fn entry(&self, pos: usize) -> Option<&QnaEntry> {
        if let Some(entries) = self.decoded.get() {
            return entries.get(pos);
        }
        match self.items.get(pos)? {
            Item::Read(entry) => Some(entry),
            Item::Encoded(Encoded { record, file, .. }) => {
                let one = self.one_by_one.get(pos)?;
                Some(one.get_or_init(|| Box::new(self.decode(record, file))))
            }
        }
    }

    /// How many questions the entries have in their own language, all entries counted
    /// (none read: loading told each one's count).
    pub fn question_count(&self) -> usize {
        if let Some(entries) = self.decoded.get() {
            return entries.iter().map(|entry| entry.questions.len()).sum();
        }
        self.items
            .iter()
            .map(|item| match item {
                Item::Read(entry) => entry.questions.len(),
                Item::Encoded(encoded) => encoded.questions,
            })
            .sum()
    }

    /// How many entries are trained in `language` ([`QnaEntry::trained_in`]) and how many
    /// questions they have in it; in their own language, told without reading any.
    pub fn trained_count(&self, language: &str) -> (usize, usize) {
        let own = self.source.as_ref().map(|source| source.language.as_str());
        let mut counts = (0, 0);
        let mut add = |questions: usize| {
            counts.0 += 1;
            counts.1 += questions;
        };
        match self.decoded.get() {
            Some(entries) => entries
                .iter()
                .filter(|entry| entry.trained_in(language))
                .for_each(|entry| add(entry.questions_in(language).len())),
            None => {
                for item in &self.items {
                    match item {
                        Item::Encoded(encoded) if own == Some(language) => {
                            if encoded.enabled {
                                add(encoded.questions);
                            }
                        }
                        item => {
                            let view = self.view(item);
                            if view.trained_in(language) {
                                add(view.questions_in(language).len());
                            }
                        }
                    }
                }
            }
        }
        counts
    }

    /// Every entry read in place, in order.
    pub fn views(&self) -> impl Iterator<Item = EntryView<'_>> {
        let (decoded, items) = match self.decoded.get() {
            Some(entries) => (entries.as_slice(), &[][..]),
            None => (&[][..], self.items.as_slice()),
        };
        decoded
            .iter()
            .map(EntryView::from)
            .chain(items.iter().map(|item| self.view(item)))
    }

    /// When entries are still encoded in the bot's snapshot: the snapshot's bytes, and for
    /// each entry in order where its record is in them (`None` for an entry read whole), for
    /// an index that reads its entries there instead of copying them.
    pub fn encoded(&self) -> Option<(EncodedEntries, Vec<Option<Range<usize>>>)> {
        if self.decoded.get().is_some() {
            return None;
        }
        let source = self.source.as_ref()?;
        let records = self
            .items
            .iter()
            .map(|item| match item {
                Item::Encoded(Encoded { record, .. }) => Some(record.clone()),
                Item::Read(_) => None,
            })
            .collect();
        Some((EncodedEntries(Arc::clone(source)), records))
    }

    /// Whether every entry has been decoded (for tests: a turn decodes only what it uses).
    #[doc(hidden)]
    pub fn is_decoded(&self) -> bool {
        self.decoded.get().is_some()
    }

    fn view<'a>(&'a self, item: &'a Item) -> EntryView<'a> {
        match (item, &self.source) {
            (Item::Read(entry), _) => EntryView(View::Decoded(entry)),
            (Item::Encoded(Encoded { record, .. }), Some(source)) => source.view(record),
            (Item::Encoded(_), None) => EntryView(View::Missing),
        }
    }

    /// The entry encoded at `record`, read from `file`. Loading checked the record, so it
    /// decodes; were the snapshot changed under its mapping since, the entry would read as
    /// an empty, disabled one rather than stop the program.
    fn decode(&self, record: &Range<usize>, file: &Path) -> QnaEntry {
        let decoded = self.source.as_ref().and_then(|source| {
            let bytes = source.bytes.get(record.clone())?;
            decode_entry(bytes, file, &source.language)
        });
        decoded.unwrap_or_else(|| {
            tracing::warn!(file = %file.display(), "QnA snapshot changed while in use; entry left empty");
            let id = file.file_stem().map(|stem| stem.to_string_lossy().into_owned());
            let mut entry = QnaEntry::new_v11(
                id.as_deref().unwrap_or_default(),
                file.to_path_buf(),
                Vec::new(),
                Vec::new(),
            );
            entry.enabled = false;
            entry
        })
    }

    fn decoded(&self) -> &Vec<QnaEntry> {
        self.decoded.get_or_init(|| {
            self.items
                .iter()
                .map(|item| match item {
                    Item::Read(entry) => QnaEntry::clone(entry),
                    Item::Encoded(Encoded { record, file, .. }) => self.decode(record, file),
                })
                .collect()
        })
    }
}

impl From<Vec<QnaEntry>> for QnaEntries {
    fn from(entries: Vec<QnaEntry>) -> QnaEntries {
        QnaEntries {
            items: Vec::new(),
            source: None,
            one_by_one: Box::new([]),
            decoded: OnceLock::from(entries),
        }
    }
}

impl FromIterator<QnaEntry> for QnaEntries {
    fn from_iter<I: IntoIterator<Item = QnaEntry>>(entries: I) -> QnaEntries {
        QnaEntries::from(entries.into_iter().collect::<Vec<_>>())
    }
}

impl Deref for QnaEntries {
    type Target = Vec<QnaEntry>;

    fn deref(&self) -> &Vec<QnaEntry> {
        self.decoded()
    }
}

impl DerefMut for QnaEntries {
    fn deref_mut(&mut self) -> &mut Vec<QnaEntry> {
        let entries = match self.decoded.take() {
            Some(entries) => entries,
            None => {
                self.decoded();
                self.decoded.take().unwrap_or_default()
            }
        };
        // Changed, the list is the entries: the items and the snapshot are let go.
        self.items = Vec::new();
        self.source = None;
        self.one_by_one = Box::new([]);
        self.decoded = OnceLock::from(entries);
        match self.decoded.get_mut() {
            Some(entries) => entries,
            None => unreachable!("the entries were just set"),
        }
    }
}

impl<'a> IntoIterator for &'a QnaEntries {
    type Item = &'a QnaEntry;
    type IntoIter = std::slice::Iter<'a, QnaEntry>;

    fn into_iter(self) -> Self::IntoIter {
        self.decoded().iter()
    }
}

impl Clone for QnaEntries {
    fn clone(&self) -> QnaEntries {
        QnaEntries {
            items: self.items.clone(),
            source: self.source.clone(),
            one_by_one: self.one_by_one.clone(),
            decoded: self.decoded.clone(),
        }
    }
}

impl std::fmt::Debug for QnaEntries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QnaEntries")
            .field("len", &self.len())
            .field("decoded", &self.is_decoded())
            .finish()
    }
}

impl PartialEq for QnaEntries {
    fn eq(&self, other: &QnaEntries) -> bool {
        **self == **other
    }
}

/// The snapshot bytes a bot's entries are encoded in, shared: an index keeps them to read
/// its entries' ids and questions in place ([`QnaEntries::encoded`]).
#[derive(Debug, Clone)]
pub struct EncodedEntries(Arc<Source>);

impl EncodedEntries {
    /// The entry whose record is at `record` in the bytes, read in place (as no entry when
    /// the bytes there are not one: a snapshot changed under its mapping).
    pub fn view(&self, record: &Range<usize>) -> EntryView<'_> {
        self.0.view(record)
    }
}

/// One entry read in place: decoded, or still encoded in its bot's snapshot.
#[derive(Debug, Clone, Copy)]
pub struct EntryView<'a>(View<'a>);

#[derive(Debug, Clone, Copy)]
enum View<'a> {
    Decoded(&'a QnaEntry),
    /// Encoded in a snapshot, read in `language`.
    Encoded {
        entry: EncodedEntry<'a>,
        language: &'a str,
    },
    /// Encoded in a snapshot that changed under its mapping: read as no entry.
    Missing,
}

impl<'a> From<&'a QnaEntry> for EntryView<'a> {
    fn from(entry: &'a QnaEntry) -> EntryView<'a> {
        EntryView(View::Decoded(entry))
    }
}

impl<'a> EntryView<'a> {
    /// The entry's id.
    pub fn id(&self) -> &'a str {
        match self.0 {
            View::Decoded(entry) => &entry.id,
            View::Encoded { entry, .. } => entry.id,
            View::Missing => "",
        }
    }

    /// Whether the entry is enabled.
    pub fn enabled(&self) -> bool {
        match self.0 {
            View::Decoded(entry) => entry.enabled,
            View::Encoded { entry, .. } => entry.enabled,
            View::Missing => false,
        }
    }

    /// Its questions in `language` ([`QnaEntry::questions_in`]).
    pub fn questions_in(&self, language: &str) -> Texts<'a> {
        match self.0 {
            View::Decoded(entry) => Texts::decoded(entry.questions_in(language)),
            View::Encoded {
                entry,
                language: own,
            } => Texts::encoded(entry.questions_in(language, own)),
            View::Missing => Texts::decoded(&[]),
        }
    }

    /// Its questions in its own language.
    pub fn questions(&self) -> Texts<'a> {
        match self.0 {
            View::Decoded(entry) => Texts::decoded(&entry.questions),
            View::Encoded { entry, .. } => Texts::encoded(entry.questions),
            View::Missing => Texts::decoded(&[]),
        }
    }

    /// Its answers in its own language.
    pub fn answers(&self) -> Texts<'a> {
        match self.0 {
            View::Decoded(entry) => Texts::decoded(&entry.answers),
            View::Encoded { entry, .. } => Texts::encoded(entry.answers),
            View::Missing => Texts::decoded(&[]),
        }
    }

    /// Its contexts.
    pub fn contexts(&self) -> Texts<'a> {
        match self.0 {
            View::Decoded(entry) => Texts::decoded(&entry.contexts),
            View::Encoded { entry, .. } => Texts::encoded(entry.contexts),
            View::Missing => Texts::decoded(&[]),
        }
    }

    /// Whether the entry is trained in `language` ([`QnaEntry::trained_in`]).
    pub fn trained_in(&self, language: &str) -> bool {
        match self.0 {
            View::Decoded(entry) => entry.trained_in(language),
            View::Encoded {
                entry,
                language: own,
            } => entry.enabled && (language == own || entry.questions_in(language, own).len() > 0),
            View::Missing => false,
        }
    }
}

/// Texts of an entry read in place, in order.
#[derive(Debug, Clone)]
pub struct Texts<'a>(TextsOf<'a>);

#[derive(Debug, Clone)]
enum TextsOf<'a> {
    Decoded(std::slice::Iter<'a, String>),
    Encoded(TextCursor<'a>),
}

impl<'a> Texts<'a> {
    fn decoded(texts: &'a [String]) -> Texts<'a> {
        Texts(TextsOf::Decoded(texts.iter()))
    }

    fn encoded(texts: EncodedTexts<'a>) -> Texts<'a> {
        Texts(TextsOf::Encoded(texts.iter()))
    }
}

impl<'a> Iterator for Texts<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match &mut self.0 {
            TextsOf::Decoded(texts) => texts.next().map(String::as_str),
            TextsOf::Encoded(texts) => texts.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            TextsOf::Decoded(texts) => texts.size_hint(),
            TextsOf::Encoded(texts) => texts.size_hint(),
        }
    }
}

impl ExactSizeIterator for Texts<'_> {}
