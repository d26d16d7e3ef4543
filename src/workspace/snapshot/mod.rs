//! Snapshots of QnA folders: each bot's parsed QnA entries kept in the cache between runs,
//! so that a start-up reads again only the files that changed since the last one.
//!
//! A cached start of a workspace of 100,000 QnA files spent nearly all of its second opening,
//! reading and parsing them, though between two runs few or none change. A snapshot records,
//! for each file it holds, the file's *status* as the system reports it (device, inode,
//! size, modification and change times, to the nanosecond) and the entry read from it.
//! Loading takes an entry from the snapshot only when the file's status now is exactly the
//! one recorded: any write changes the change time (which no program can set back) and a
//! file replaced by a save has another inode, so a changed file is always read again.
//!
//! This is how `git` tells changed files from its index, with its answer to *racy* files
//! too: a file changed less than [`SETTLE`] before loading looked at it could change again
//! within the same tick of the file system's clock without its status showing it, so it is
//! read but not recorded (a later start records it once it has settled). The assumption is
//! git's: the file system's clock is the machine's, give or take less than [`SETTLE`].
//!
//! Only entries read cleanly are recorded: a regular file (not a link) with no warning. A
//! file interbot keeps whole (other fields, or another layout than Botpress's:
//! [`QnaEntry::raw`] is its document) is recorded with that document, as JSON text parsed
//! back when it is taken. Links and files with problems are read every time, as without a
//! snapshot.
//!
//! # Never trusted
//! A snapshot names its format, the folder and the language it was read in and a hash of
//! the sources that parse QnA files (a build that parses otherwise never reads it), and ends
//! with a BLAKE3 hash of everything before it; one that does not match in every way is
//! ignored, and replaced once loading has read the files. It is written under a temporary
//! name and renamed into place (never written in place: it is read mapped into memory,
//! [`FileBytes`]). Every field read back is checked (`codec`).
//!
//! # Where
//! `<cache>/qna/<slot>.qna`, the slot hashing the QnA folder's canonical path and the
//! language. Storing one removes the others whose folder is gone or that went unused for 30
//! days (using one refreshes its time at most once a day), and temporary files left by runs
//! that stopped. Statuses come from `statx` relative to the folder's handle, on Linux
//! ([`Folder`]); elsewhere there is no snapshot and every file is read.
//!
//! The file's bytes are [`format`]'s; statuses and how they are taken, [`super::folder`]'s.

mod format;

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::entries::{Encoded, Item, Source};
use super::entry_codec::{EncodedEntry, decode_entry};
use super::folder::{FileStatus, Folder};
use super::qna::{self, QnaEntry};
use super::read::{self, MAX_FILE_BYTES, ReadError};
use crate::cache_files::{self, FileBytes};
use crate::error::LoadProblem;
use format::{Record, Recorded, Records, record_at};
use std::sync::Arc;

const EXTENSION: &str = "qna";
const STAGING_PREFIX: &str = ".staging-";
/// A snapshot larger than this is not one of ours.
const MAX_SNAPSHOT_BYTES: u64 = 1 << 30;
/// How much of another snapshot is read to find the folder it belongs to.
const HEADER_BYTES: u64 = 16 * 1024;
/// How long a file must have been unchanged when loading looks at it to be recorded.
pub const SETTLE: Duration = Duration::from_secs(2);
/// Snapshots not used for this long are removed when another is stored.
const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Using a snapshot refreshes its time when it is older than this.
const TOUCH_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// Temporary files older than this belong to a run that stopped.
const STALE_STAGING: Duration = Duration::from_secs(60 * 60);

/// Where QnA snapshots are kept: a folder of the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QnaSnapshots {
    dir: PathBuf,
    settle: Duration,
}

impl QnaSnapshots {
    /// Snapshots kept in `qna/` of the cache folder `cache_root` (created when the first is
    /// stored).
    pub fn in_cache(cache_root: &Path) -> QnaSnapshots {
        QnaSnapshots {
            dir: cache_root.join("qna"),
            settle: SETTLE,
        }
    }

    /// These snapshots, recording files once they have been unchanged for `settle` instead
    /// of [`SETTLE`] (tests use zero, to record files they have just written).
    #[doc(hidden)]
    pub fn settled_after(mut self, settle: Duration) -> QnaSnapshots {
        self.settle = settle;
        self
    }

    /// The folder that holds the snapshots.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The snapshot of the QnA folder `qna_dir` read in `language` (empty when none is
    /// stored or the stored one is not usable); `None` when the folder has no canonical
    /// path, and every file is then read. Its files are looked at through the folder's
    /// handle ([`Folder`]), opened by the caller before this.
    pub(super) fn open(&self, qna_dir: &Path, language: &str) -> Option<Snapshot> {
        let opened_at = SystemTime::now();
        let folder = fs::canonicalize(qna_dir).ok()?;
        let file = self.dir.join(format!(
            "{}.{EXTENSION}",
            cache_files::slot(&folder, language)
        ));
        let (bytes, records, distinct_ids) = match FileBytes::of(&file, MAX_SNAPSHOT_BYTES) {
            Ok(bytes) => match format::parse(&bytes, &folder, language) {
                Some(parsed) => (bytes, parsed.records, parsed.distinct_ids),
                None => {
                    tracing::debug!(file = %file.display(), "QnA snapshot not usable; reading every file");
                    (FileBytes::empty(), Vec::new(), false)
                }
            },
            Err(_) => (FileBytes::empty(), Vec::new(), false),
        };
        Some(Snapshot {
            snapshots: self.clone(),
            file,
            folder,
            source: Arc::new(Source {
                bytes,
                language: language.to_string(),
                distinct_records: distinct_ids.then_some(records.len()),
            }),
            records,
            opened_at,
        })
    }

    /// Removes the snapshots other than `kept` whose folder is gone or that went unused
    /// for [`UNUSED_FOR`], and temporary files left by runs that stopped; only names of
    /// the snapshots' own form.
    fn evict(&self, kept: &Path) {
        let Ok(listing) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        let older_than = |path: &Path, age: Duration| cache_files::older_than(path, age, now);
        for item in listing.flatten() {
            let path = item.path();
            if path == kept {
                continue;
            }
            let name = item.file_name();
            let Some(name) = name.to_str() else { continue };
            let remove = if name.starts_with(STAGING_PREFIX) {
                older_than(&path, STALE_STAGING)
            } else if is_snapshot_name(name) {
                older_than(&path, UNUSED_FOR) || folder_is_gone(&path)
            } else {
                false
            };
            if remove && let Err(error) = fs::remove_file(&path) {
                tracing::debug!(file = %path.display(), %error, "cannot remove a QnA snapshot");
            }
        }
    }
}

/// One QnA folder's snapshot, open while the folder is loaded.
#[derive(Debug)]
pub(super) struct Snapshot {
    snapshots: QnaSnapshots,
    /// The snapshot file.
    file: PathBuf,
    /// The QnA folder, canonical.
    folder: PathBuf,
    /// Its bytes and the language it was read in; the entries it serves stay encoded in
    /// them ([`Item::Encoded`]) for as long as their bot is loaded.
    source: Arc<Source>,
    /// In the order of their names' bytes.
    records: Records,
    /// When loading began looking at the folder (before any status was taken).
    opened_at: SystemTime,
}

/// One QnA file as loading found it: its entry held as `T`, a [`QnaEntry`] for a folder whose
/// every file is read (no snapshot, or an empty one), else an [`Item`] (an entry read, boxed,
/// or left encoded in the snapshot). Held whole, every read entry of a folder a snapshot
/// serves would make each file's place in loading's list as large as an entry; boxed in a
/// folder that has none, each would be copied out of its box at the end (50 bots of 10,000
/// entries read without a cache peaked 157 MB higher so).
#[derive(Debug)]
pub(super) struct LoadedFile<T = Item> {
    /// The entry and its warnings, or why the file was not read.
    pub(super) result: Result<(T, Vec<LoadProblem>), LoadProblem>,
    /// Its status when it was read (or found unchanged), when it is a regular file read
    /// through its folder's handle.
    status: Option<FileStatus>,
    /// Whether the entry came from the snapshot.
    from_snapshot: bool,
    /// The entry's answers that do not parse as templates
    /// ([`qna::answer_template_problems`]): found as the file is loaded, on the loading
    /// pool's cores and while the entry is in the cache (looked for once every file was
    /// loaded, they cost a pass over every entry's answers).
    pub(super) template_problems: Vec<LoadProblem>,
    /// Whether the entry is enabled with no question in its own language, so that it may be
    /// trained in none of its bot's languages: told as the file is loaded, for the same
    /// reason.
    pub(super) needs_language_check: bool,
}

/// Each loaded file's answers joined by `|`, or its problem (for tests here and in other
/// modules): `loaded` as [`super::reading::read_all`] gives a folder's files (read whole
/// ones boxed).
#[cfg(test)]
pub(super) fn answers(loaded: &[LoadedFile], source: Option<&Source>) -> Vec<String> {
    loaded
        .iter()
        .map(
            |file| match (file.decoded(source, Path::new("x")), &file.result) {
                (Some(entry), _) => entry.answers.join("|"),
                (None, Err(problem)) => problem.message.clone(),
                (None, Ok(_)) => "(not decoded)".to_string(),
            },
        )
        .collect()
}

/// An entry as a snapshot records it, held by a [`LoadedFile`].
pub(super) trait Recordable {
    /// How the snapshot records the entry; `bytes` are the snapshot's, an entry left
    /// encoded in them is copied as it is.
    fn recorded<'a>(&'a self, bytes: &'a [u8]) -> Option<Recorded<'a>>;
}

impl Recordable for QnaEntry {
    fn recorded<'a>(&'a self, _bytes: &'a [u8]) -> Option<Recorded<'a>> {
        Some(Recorded::Entry(self))
    }
}

impl Recordable for Item {
    fn recorded<'a>(&'a self, bytes: &'a [u8]) -> Option<Recorded<'a>> {
        match self {
            Item::Read(entry) => Some(Recorded::Entry(entry)),
            Item::Encoded(Encoded { record, .. }) => {
                bytes.get(record.clone()).map(Recorded::Encoded)
            }
        }
    }
}

impl<T> LoadedFile<T> {
    /// Whether the entry came from the snapshot.
    pub(super) fn came_from_snapshot(&self) -> bool {
        self.from_snapshot
    }
}

impl LoadedFile {
    /// The entry of the file at `path`, decoded from `source` when it stayed encoded there
    /// (for tests).
    #[cfg(test)]
    pub(super) fn decoded(&self, source: Option<&Source>, path: &Path) -> Option<QnaEntry> {
        match &self.result {
            Ok((Item::Read(entry), _)) => Some(QnaEntry::clone(entry)),
            Ok((Item::Encoded(Encoded { record, .. }), _)) => {
                let source = source?;
                decode_entry(source.bytes.get(record.clone())?, path, &source.language)
            }
            Err(_) => None,
        }
    }
}

impl LoadedFile<QnaEntry> {
    /// The QnA file at `path`, read and parsed: through `folder`, the handle of the folder
    /// it is in, when there is one (its status then comes with it), else by path. A link is
    /// always followed by path, and has no status.
    pub(super) fn read(
        folder: Option<&Folder>,
        path: &Path,
        language: &str,
    ) -> LoadedFile<QnaEntry> {
        let (bytes, status) = match folder.map(|f| f.read(file_name_bytes(path), MAX_FILE_BYTES)) {
            Some(Ok((bytes, status))) => (Ok(bytes), status),
            Some(Err(ReadError::TooManyLinks)) | None => {
                (read::read_bytes(path, MAX_FILE_BYTES), None)
            }
            Some(Err(other)) => (Err(other), None),
        };
        let result = QnaEntry::load_read(path, bytes, language);
        let (template_problems, needs_language_check) = match &result {
            Ok((entry, _)) => (
                entry.answer_template_problems(),
                entry.enabled && entry.questions.is_empty(),
            ),
            Err(_) => (Vec::new(), false),
        };
        LoadedFile {
            result,
            status,
            from_snapshot: false,
            template_problems,
            needs_language_check,
        }
    }

    /// The file with its entry boxed, as a folder a snapshot serves holds it.
    pub(super) fn boxed(self) -> LoadedFile {
        LoadedFile {
            result: self
                .result
                .map(|(entry, warnings)| (Item::Read(Box::new(entry)), warnings)),
            status: self.status,
            from_snapshot: self.from_snapshot,
            template_problems: self.template_problems,
            needs_language_check: self.needs_language_check,
        }
    }
}

impl Snapshot {
    /// The QnA file at `path` (in the snapshot's folder, whose handle is `folder`;
    /// `position` in the folder's files by name): its entry from the snapshot when its
    /// status is the one recorded, else read and parsed. A file the snapshot does not hold
    /// is read without its status being taken first.
    pub(super) fn load(&self, folder: &Folder, path: &Path, position: usize) -> LoadedFile {
        let name = file_name_bytes(path);
        if let Some(record) = self.record(name, position)
            && let Some(status) = folder.status(name)
            && record.status == status
            && let Some((item, template_problems, needs_language_check)) = self.entry(&record, path)
        {
            return LoadedFile {
                result: Ok((item, Vec::new())),
                status: Some(status),
                from_snapshot: true,
                template_problems,
                needs_language_check,
            };
        }
        LoadedFile::read(Some(folder), path, &self.source.language).boxed()
    }

    /// Whether the snapshot holds any file (else every file of its folder is read).
    pub(super) fn has_records(&self) -> bool {
        !self.records.is_empty()
    }

    /// The record of file `name`. With no file added or removed since, the record at
    /// `position` is the file's, and nothing is searched.
    fn record(&self, name: &[u8], position: usize) -> Option<Record> {
        let bytes = &self.source.bytes;
        let at = |i: usize| {
            self.records
                .get(i)
                .and_then(|&start| record_at(bytes, start))
        };
        if let Some(record) = at(position)
            && bytes.get(record.name.clone()) == Some(name)
        {
            return Some(record);
        }
        let found = self
            .records
            .binary_search_by(|&start| {
                record_at(bytes, start)
                    .and_then(|record| bytes.get(record.name))
                    .unwrap_or_default()
                    .cmp(name)
            })
            .ok()?;
        at(found)
    }

    /// The entry `record` holds for the file at `path`, with its answers that do not parse
    /// as templates and whether its languages need a check
    /// ([`LoadedFile::needs_language_check`]): left encoded in the snapshot (its file is set
    /// by loading's last step, which has the listing's own path), or decoded whole when it
    /// was kept with its raw document.
    ///
    /// An entry left encoded has its layout checked now and each of its texts when it is
    /// read (`entry_codec`): checking every text of 100,000 entries here, answers
    /// included, was a tenth of a cached start. Answers holding `{{` are checked now, to be
    /// parsed as templates.
    fn entry(&self, record: &Record, path: &Path) -> Option<(Item, Vec<LoadProblem>, bool)> {
        let bytes = &self.source.bytes[record.entry.clone()];
        if let Some(encoded) = EncodedEntry::read(bytes) {
            let mut templates = Vec::new();
            for answer in encoded.answers.bytes() {
                if answer.contains(&b'{') && answer.windows(2).any(|pair| pair == b"{{") {
                    templates.push(std::str::from_utf8(answer).ok()?);
                }
            }
            let problems = qna::answer_template_problems(path, encoded.id, templates.into_iter());
            let item = Item::Encoded(Encoded {
                record: record.entry.clone(),
                file: PathBuf::new(),
                enabled: encoded.enabled,
                questions: encoded.questions.len(),
            });
            let needs_language_check = encoded.enabled && encoded.questions.len() == 0;
            return Some((item, problems, needs_language_check));
        }
        let Some(entry) = decode_entry(bytes, path, &self.source.language) else {
            tracing::debug!(file = %self.file.display(), "QnA snapshot record not usable");
            return None;
        };
        let problems = entry.answer_template_problems();
        let needs_language_check = entry.enabled && entry.questions.is_empty();
        Some((Item::Read(Box::new(entry)), problems, needs_language_check))
    }

    /// The snapshot's bytes and language, which the entries it served are read from.
    pub(super) fn source(&self) -> &Arc<Source> {
        &self.source
    }

    /// Stores the snapshot of what `files` loaded as (`loaded`, in the same order), unless
    /// it already holds exactly that; a snapshot that cannot be written only costs reading
    /// the files next time.
    pub(super) fn update<'a, T: Recordable + 'a>(
        &self,
        files: &[PathBuf],
        loaded: impl Iterator<Item = &'a LoadedFile<T>> + Clone,
    ) {
        let loaded = || loaded.clone();
        let nanos = |duration: Duration| i128::try_from(duration.as_nanos()).unwrap_or(i128::MAX);
        // A clock before 1970 settles nothing.
        let settled_before = self
            .opened_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(i128::MIN, |since| {
                nanos(since) - nanos(self.snapshots.settle)
            });
        let recordable = |file: &'a LoadedFile<T>| -> Option<(FileStatus, &'a T)> {
            let status = file.status?;
            let (item, warnings) = file.result.as_ref().ok()?;
            let clean = warnings.is_empty();
            let settled = status.last_change_nanos() <= settled_before;
            (clean && settled).then_some((status, item))
        };
        // The snapshot holds exactly what would be stored when the files it served are the
        // ones to record and every record served one: told from the loaded files alone, as
        // on nearly every start (their paths, in another allocation each, were 2 % of a
        // cached start of 100,000 entries).
        let mut served = 0;
        let unchanged = loaded().all(|file| {
            served += usize::from(file.from_snapshot);
            file.from_snapshot == recordable(file).is_some()
        });
        if unchanged && served == self.records.len() {
            self.touch();
            return;
        }
        let recordable: Vec<(&[u8], FileStatus, Recorded<'_>)> = files
            .iter()
            .zip(loaded())
            .filter_map(|(path, file)| {
                let (status, entry) = recordable(file)?;
                let recorded = entry.recorded(&self.source.bytes)?;
                Some((file_name_bytes(path), status, recorded))
            })
            .collect();
        if let Err(error) = self.store(&recordable) {
            tracing::debug!(folder = %self.snapshots.dir.display(), %error, "cannot keep a QnA snapshot");
        }
    }

    /// Writes a snapshot of `records` (in name order) in place of this one.
    fn store(&self, records: &[(&[u8], FileStatus, Recorded<'_>)]) -> io::Result<()> {
        let bytes = format::encode(&self.folder, &self.source.language, records);
        cache_files::create_private_dir(&self.snapshots.dir)?;
        let mut staged = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempfile_in(&self.snapshots.dir)?;
        staged.write_all(&bytes)?;
        staged.persist(&self.file).map_err(|error| error.error)?;
        self.snapshots.evict(&self.file);
        Ok(())
    }

    /// Refreshes the snapshot file's time when it is older than [`TOUCH_AFTER`], so that
    /// housekeeping keeps snapshots in use.
    fn touch(&self) {
        let now = SystemTime::now();
        let stale = cache_files::older_than(&self.file, TOUCH_AFTER, now);
        if stale && let Ok(file) = fs::File::options().append(true).open(&self.file) {
            let _ = file.set_modified(now);
        }
    }
}

/// The bytes of the last component of `path`, a file's name in its folder, found without
/// parsing the whole path (`Path::file_name` was 3 % of a cached start of 100,000 files).
fn file_name_bytes(path: &Path) -> &[u8] {
    let bytes = path.as_os_str().as_encoded_bytes();
    let start = bytes
        .iter()
        .rposition(|&b| std::path::is_separator(char::from(b)))
        .map_or(0, |i| i + 1);
    &bytes[start..]
}

/// Whether `name` has the form of a snapshot file: 16 hex digits and `.qna`.
fn is_snapshot_name(name: &str) -> bool {
    name.strip_suffix(".qna")
        .is_some_and(|slot| slot.len() == 16 && slot.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether the snapshot at `path` is of a folder that no longer exists (`false` when that
/// cannot be told).
fn folder_is_gone(path: &Path) -> bool {
    let mut head = Vec::new();
    let read = fs::File::open(path).and_then(|file| file.take(HEADER_BYTES).read_to_end(&mut head));
    if read.is_err() {
        return false;
    }
    let Some(folder) = format::folder_in_header(&head) else {
        return false;
    };
    // The bytes were a path's when written, on this platform.
    let folder = path_from_bytes(folder);
    matches!(fs::symlink_metadata(folder), Err(e) if e.kind() == io::ErrorKind::NotFound)
}

/// The path whose bytes are `bytes`.
#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(OsStr::from_bytes(bytes))
}

/// The path whose bytes are `bytes` (lossy off Unix, where no snapshot is written).
#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QnA file in Botpress's own layout (as `serde_json::to_string_pretty` writes it).
    fn botpress_file(id: &str, question: &str, answer: &str) -> String {
        let value = serde_json::json!({"id": id, "data": {"action": "text", "contexts": ["global"],
            "enabled": true, "answers": {"en": [answer]}, "questions": {"en": [question]},
            "redirectFlow": "", "redirectNode": ""}});
        // The layout check is what decides; read the file back through it below.
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// A folder's files as loaded, the snapshot bytes those it served are encoded in, and
    /// the files' paths.
    type Loaded = (Vec<LoadedFile>, Option<Arc<Source>>, Vec<PathBuf>);

    /// Loads every `*.json` file of `dir` as a bot's QnA loading does: through the snapshot
    /// when there is one, which is then brought up to date.
    fn load(snapshots: &QnaSnapshots, dir: &Path) -> Loaded {
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .map(|listing| listing.flatten().map(|item| item.path()).collect())
            .unwrap_or_default();
        files.retain(|path| path.extension().is_some_and(|ext| ext == "json"));
        files.sort();
        let handle = Folder::open(dir);
        let (Some(handle), Some(snapshot)) = (&handle, snapshots.open(dir, "en")) else {
            let loaded = files
                .iter()
                .map(|path| LoadedFile::read(handle.as_ref(), path, "en").boxed())
                .collect();
            return (loaded, None, files);
        };
        let loaded: Vec<LoadedFile> = files
            .iter()
            .enumerate()
            .map(|(i, path)| snapshot.load(handle, path, i))
            .collect();
        snapshot.update(&files, loaded.iter());
        (loaded, Some(Arc::clone(snapshot.source())), files)
    }

    fn from_snapshot((loaded, _, _): &Loaded) -> Vec<bool> {
        loaded.iter().map(|file| file.from_snapshot).collect()
    }

    /// The entries loaded, decoded.
    fn entries((loaded, source, files): &Loaded) -> Vec<QnaEntry> {
        loaded
            .iter()
            .zip(files)
            .filter_map(|(file, path)| file.decoded(source.as_deref(), path))
            .collect()
    }

    /// Each file's answers joined by `|`.
    fn answers((loaded, source, _): &Loaded) -> Vec<String> {
        loaded
            .iter()
            .map(|file| {
                file.decoded(source.as_deref(), Path::new("x"))
                    .map_or_else(|| "(not decoded)".to_string(), |e| e.answers.join("|"))
            })
            .collect()
    }

    /// A QnA folder with two entries in Botpress's layout, and snapshots that record files
    /// at once.
    fn folder() -> (tempfile::TempDir, PathBuf, QnaSnapshots) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let qna = dir.path().join("bots/sub1/qna");
        fs::create_dir_all(&qna).unwrap_or_else(|e| panic!("qna folder: {e}"));
        for (id, question, answer) in [
            ("a", "where is my pay slip", "In the HR portal."),
            ("b", "who approves leave", "Your manager."),
        ] {
            fs::write(
                qna.join(format!("{id}.json")),
                botpress_file(id, question, answer),
            )
            .unwrap_or_else(|e| panic!("entry: {e}"));
        }
        let snapshots =
            QnaSnapshots::in_cache(&dir.path().join("cache")).settled_after(Duration::ZERO);
        (dir, qna, snapshots)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn unchanged_files_come_from_the_snapshot_and_changed_ones_are_read() {
        let (_dir, qna, snapshots) = folder();
        let first = load(&snapshots, &qna);
        assert_eq!(from_snapshot(&first), [false, false]);
        let second = load(&snapshots, &qna);
        assert_eq!(from_snapshot(&second), [true, true]);
        assert_eq!(
            entries(&first),
            entries(&second),
            "the same entries either way"
        );

        // A different size, another inode (a save's rename), a file added, one removed.
        fs::write(
            qna.join("a.json"),
            botpress_file("a", "where is my pay slip", "Ask HR, please."),
        )
        .unwrap_or_else(|e| panic!("edit: {e}"));
        let renamed = qna.join(".b.tmp");
        fs::write(
            &renamed,
            botpress_file("b", "who approves leave", "The team lead."),
        )
        .unwrap_or_else(|e| panic!("save: {e}"));
        fs::rename(&renamed, qna.join("b.json")).unwrap_or_else(|e| panic!("rename: {e}"));
        fs::write(
            qna.join("c.json"),
            botpress_file("c", "how do I claim expenses", "With the form."),
        )
        .unwrap_or_else(|e| panic!("new: {e}"));
        let third = load(&snapshots, &qna);
        assert_eq!(from_snapshot(&third), [false, false, false]);
        assert_eq!(
            answers(&third),
            ["Ask HR, please.", "The team lead.", "With the form."]
        );
        fs::remove_file(qna.join("b.json")).unwrap_or_else(|e| panic!("remove: {e}"));
        let fourth = load(&snapshots, &qna);
        assert_eq!(from_snapshot(&fourth), [true, true]);
        assert_eq!(answers(&fourth), ["Ask HR, please.", "With the form."]);
        let stored = snapshots
            .open(&qna, "en")
            .map_or(usize::MAX, |s| s.records.len());
        assert_eq!(stored, 2, "the removed file left the snapshot");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn files_changed_just_before_loading_are_read_but_not_recorded() {
        let (_dir, qna, snapshots) = folder();
        let careful = snapshots.settled_after(SETTLE);
        load(&careful, &qna);
        assert_eq!(from_snapshot(&load(&careful, &qna)), [false, false]);
        assert!(!careful.dir().exists(), "nothing recorded, nothing written");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn only_clean_regular_files_are_recorded_and_a_kept_document_comes_back_whole() {
        let (_dir, qna, snapshots) = folder();
        // Fields interbot does not know (the file is kept whole), a byte order mark (a
        // warning), a link, a broken file.
        let unknown = botpress_file("d", "q", "x").replacen(
            '{',
            r#"{"notes": "mine", "score": 0.1, "big": 1e20, "n": 18446744073709551615, "z": [2.5e-7, -0.0, "é\u0001"],"#,
            1,
        );
        fs::write(qna.join("d.json"), unknown).unwrap_or_else(|e| panic!("d: {e}"));
        let bom = format!("\u{feff}{}", botpress_file("e", "q", "y"));
        fs::write(qna.join("e.json"), bom).unwrap_or_else(|e| panic!("e: {e}"));
        std::os::unix::fs::symlink(qna.join("a.json"), qna.join("f.json"))
            .unwrap_or_else(|e| panic!("link: {e}"));
        fs::write(qna.join("g.json"), "{").unwrap_or_else(|e| panic!("g: {e}"));
        load(&snapshots, &qna);
        let again = load(&snapshots, &qna);
        assert_eq!(
            from_snapshot(&again),
            [true, true, true, false, false, false]
        );
        let read = LoadedFile::read(None, &qna.join("d.json"), "en").boxed();
        let kept = |file: &LoadedFile| file.decoded(again.1.as_deref(), &again.2[2]);
        assert!(kept(&again.0[2]).is_some_and(|entry| !entry.raw.is_null()));
        assert_eq!(
            kept(&again.0[2]),
            kept(&read),
            "the document as the file gives it"
        );
        assert!(
            again.0[3]
                .result
                .as_ref()
                .is_ok_and(|(_, warnings)| !warnings.is_empty())
        );
        assert!(again.0[5].result.is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_corrupt_foreign_or_truncated_snapshot_is_ignored_and_replaced() {
        let (_dir, qna, snapshots) = folder();
        load(&snapshots, &qna);
        let file = snapshots
            .open(&qna, "en")
            .map(|s| s.file)
            .unwrap_or_default();
        let good = fs::read(&file).unwrap_or_else(|e| panic!("snapshot: {e}"));
        let mut flipped = good.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 1;
        let damaged: [&[u8]; 4] = [&flipped, &good[..good.len() - 1], b"", b"not a snapshot"];
        for bytes in damaged {
            fs::write(&file, bytes).unwrap_or_else(|e| panic!("damage: {e}"));
            let loaded = load(&snapshots, &qna);
            assert_eq!(from_snapshot(&loaded), [false, false]);
            assert_eq!(answers(&loaded), ["In the HR portal.", "Your manager."]);
            assert_eq!(
                fs::read(&file).ok().as_deref(),
                Some(good.as_slice()),
                "replaced"
            );
        }
        // Another language's snapshot of the folder is another file, never this one's.
        let other = snapshots
            .open(&qna, "fr")
            .map(|s| s.file)
            .unwrap_or_default();
        assert_ne!(other, file);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn any_byte_changed_under_a_matching_hash_never_panics() {
        let (_dir, qna, snapshots) = folder();
        load(&snapshots, &qna);
        let Some(snapshot) = snapshots.open(&qna, "en") else {
            panic!("a snapshot");
        };
        let bytes = &snapshot.source.bytes;
        let body = &bytes[..bytes.len() - blake3::OUT_LEN];
        for position in 0..body.len() {
            for change in [0x01, 0x80, 0xff] {
                let mut bytes = body.to_vec();
                bytes[position] ^= change;
                bytes.extend_from_slice(blake3::hash(&bytes).as_bytes());
                let Some(parsed) = format::parse(&bytes, &snapshot.folder, "en") else {
                    continue;
                };
                for start in parsed.records {
                    let Some(record) = format::record_at(&bytes, start) else {
                        panic!("a record parse found");
                    };
                    let entry = &bytes[record.entry.clone()];
                    let _ = decode_entry(entry, Path::new("x"), "en");
                    if let Some(encoded) = EncodedEntry::read(entry) {
                        let _ = encoded.questions_in("fr", "en").iter().count();
                        let _ = encoded.answers.iter().count();
                        let _ = encoded.answers.bytes().count();
                        let _ = encoded.contexts.iter().count();
                    }
                }
            }
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn storing_removes_snapshots_of_folders_that_are_gone_and_nothing_else() {
        let (dir, qna, snapshots) = folder();
        let gone = dir.path().join("bots/gone/qna");
        fs::create_dir_all(&gone).unwrap_or_else(|e| panic!("gone: {e}"));
        fs::write(gone.join("a.json"), botpress_file("a", "q", "x"))
            .unwrap_or_else(|e| panic!("a: {e}"));
        load(&snapshots, &gone);
        let gone_file = snapshots
            .open(&gone, "en")
            .map(|s| s.file)
            .unwrap_or_default();
        assert!(gone_file.is_file());
        fs::remove_dir_all(dir.path().join("bots/gone")).unwrap_or_else(|e| panic!("rm: {e}"));
        let mine = snapshots.dir().join("notes.txt");
        fs::write(&mine, "kept").unwrap_or_else(|e| panic!("notes: {e}"));
        load(&snapshots, &qna);
        assert!(
            !gone_file.exists(),
            "the snapshot of a folder that is gone was removed"
        );
        assert!(
            mine.is_file(),
            "a name not of the snapshots' form is never removed"
        );
    }
}
