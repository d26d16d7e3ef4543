//! The middle step of loading: the QnA files of every bot read (or taken from their
//! snapshots) on every core, as one pool of work.
//!
//! The files are cut into chunks, bot after bot, and the cores take chunks in turn
//! ([`parallel::each`]) whichever bot they belong to. A bot's folder handle, snapshot and
//! room for its files are made by a task of their own, taken while the bot before is read
//! ([`schedule`]), and the snapshot is brought up to date and let go by whichever thread
//! reads the bot's last chunk. So one bot's opening and update overlap other bots' reading,
//! and only the snapshots of the bots being read (and the next) are in memory at once. (Taken bot after bot, with the cores working inside one
//! bot at a time, those steps ran on one thread while the other waited: the files' step of a
//! cached start of 10 bots of 10,000 entries took about 190 ms, and takes 167 ms so.)

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};

use super::entries::Source;
use super::folder::Folder;
use super::qna::QnaEntry;
use super::snapshot::{LoadedFile, QnaSnapshots, Snapshot};
use crate::parallel;

/// QnA files read in one go by one thread: small enough to share the files of a bot of a
/// few hundred entries between cores, large enough that taking a chunk costs nothing.
const FILES_PER_CHUNK: usize = 256;

/// One bot's QnA files to read: where they are and how.
#[derive(Debug, Clone, Copy)]
pub(super) struct QnaFolder<'a> {
    /// The bot's `qna/` folder.
    pub(super) dir: &'a Path,
    /// Its `*.json` files, by name.
    pub(super) files: &'a [PathBuf],
    /// The language they are read in (the bot's default).
    pub(super) language: &'a str,
    /// Where snapshots are kept, when they are.
    pub(super) snapshots: Option<&'a QnaSnapshots>,
}

/// The files of every one of `folders`, each read or taken from its folder's snapshot
/// (brought up to date): per folder, its files in order and the snapshot's bytes the
/// entries it served are encoded in.
pub(super) fn read_all(folders: &[QnaFolder<'_>]) -> Vec<ReadFiles> {
    let bots: Vec<BotFiles<'_>> = folders.iter().map(BotFiles::new).collect();
    let tasks = schedule(&bots);
    parallel::each(&tasks, |&task| match task {
        Task::Open(bot) => {
            bots[bot].opened();
        }
        Task::Read(bot, chunk) => bots[bot].read_chunk(chunk),
    });
    bots.into_iter().map(BotFiles::into_files).collect()
}

/// One piece of the pool's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    /// Open bot `.0`'s folder and snapshot.
    Open(usize),
    /// Read chunk `.1` of bot `.0`'s files.
    Read(usize, usize),
}

/// The pool's tasks in the order they are taken: each bot is opened one bot ahead of its
/// chunks (the first two bots first), so the core that opens it does so while the others
/// read the bot before. Opened by the first of its chunks instead, a bot's snapshot (read,
/// checked and parsed: about 5 ms for 10,000 entries) kept every core that reached the bot
/// waiting on it: 45 ms of a cached start of 10 bots of 10,000 entries were spent so.
fn schedule(bots: &[BotFiles<'_>]) -> Vec<Task> {
    let mut tasks = Vec::new();
    tasks.extend((0..bots.len().min(2)).map(Task::Open));
    for (bot, files) in bots.iter().enumerate() {
        tasks.extend((0..chunk_count(files.folder)).map(|chunk| Task::Read(bot, chunk)));
        if bot + 2 < bots.len() {
            tasks.push(Task::Open(bot + 2));
        }
    }
    tasks
}

/// One folder's files as read, each file in order.
#[derive(Debug)]
pub(super) enum ReadFiles {
    /// Every file read (no snapshot, or an empty one): each entry held whole.
    Read(Vec<LoadedFile<QnaEntry>>),
    /// Files a snapshot served (their entries left encoded in its bytes, `.1`) and files
    /// read, boxed.
    Kept(Vec<LoadedFile>, Arc<Source>),
}

/// Each file once read, in the files' order: one allocation for the bot, let go whole when
/// loading is done with it (chunks kept apart until then left the allocator's heap in
/// pieces, and a cached start of 50 bots of 10,000 entries 100 MB larger). Which kind is
/// told when the bot is opened: whether its snapshot holds any file.
enum Slots {
    Read(Vec<Option<LoadedFile<QnaEntry>>>),
    Kept(Vec<Option<LoadedFile>>),
}

/// One bot's files while they are read.
struct BotFiles<'a> {
    folder: &'a QnaFolder<'a>,
    /// Made by the first chunk read.
    opened: OnceLock<Opened>,
    /// How many chunks are still to be read.
    unread: AtomicUsize,
}

struct Opened {
    folder: Option<Folder>,
    /// The snapshot's bytes, kept once the snapshot is let go.
    source: Option<Arc<Source>>,
    /// Taken (and dropped) once the last chunk is read and the snapshot brought up to date.
    snapshot: RwLock<Option<Snapshot>>,
    /// Each file once read ([`Slots`]).
    files: Mutex<Slots>,
}

impl<'a> BotFiles<'a> {
    fn new(folder: &'a QnaFolder<'a>) -> BotFiles<'a> {
        BotFiles {
            folder,
            opened: OnceLock::new(),
            unread: AtomicUsize::new(chunk_count(folder)),
        }
    }

    /// Reads chunk `chunk`; the thread that reads the last one updates the snapshot.
    fn read_chunk(&self, chunk: usize) {
        let opened = self.opened();
        let start = chunk * FILES_PER_CHUNK;
        let end = (start + FILES_PER_CHUNK).min(self.folder.files.len());
        let paths = &self.folder.files[start..end];
        // The chunk's own handle of the folder ([`Folder::reopen`]).
        let own = opened.folder.as_ref().and_then(Folder::reopen);
        let folder = own.as_ref().or(opened.folder.as_ref());
        let kept = {
            let snapshot = opened
                .snapshot
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            match (snapshot.as_ref(), folder) {
                (Some(snapshot), Some(folder)) if snapshot.has_records() => Some(
                    (start..end)
                        .zip(paths)
                        .map(|(position, path)| snapshot.load(folder, path, position))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            }
        };
        let read = || -> Vec<LoadedFile<QnaEntry>> {
            paths
                .iter()
                .map(|path| LoadedFile::read(folder, path, self.folder.language))
                .collect()
        };
        // Read before the slots are locked: read under the lock, the files of a bot with no
        // snapshot were read by one core at a time (an uncached start of 10 bots of 10,000
        // entries spent 0.5 s reading them on one of two cores).
        let chunk = kept.ok_or_else(read);
        match (&mut *lock(&opened.files), chunk) {
            (Slots::Kept(slots), Ok(kept)) => fill(&mut slots[start..end], kept),
            (Slots::Kept(slots), Err(read)) => {
                fill(
                    &mut slots[start..end],
                    read.into_iter().map(LoadedFile::boxed),
                );
            }
            (Slots::Read(slots), Err(read)) => fill(&mut slots[start..end], read),
            // A snapshot served the files of a bot opened without one: cannot happen (both
            // are told by whether its snapshot holds any file); its files are read again.
            (Slots::Read(slots), Ok(_)) => fill(&mut slots[start..end], read()),
        }
        if self.unread.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.update(opened);
        }
    }

    /// The bot's folder and snapshot, opened by the first task that needs them.
    fn opened(&self) -> &Opened {
        self.opened.get_or_init(|| self.open())
    }

    /// The folder's handle (files are reached through it: one lookup each instead of a walk
    /// of their whole path), its snapshot when snapshots are kept, and room for its files.
    fn open(&self) -> Opened {
        let folder = Folder::open(self.folder.dir);
        let snapshot = match (self.folder.snapshots, &folder) {
            (Some(snapshots), Some(_)) => snapshots.open(self.folder.dir, self.folder.language),
            _ => None,
        };
        let count = self.folder.files.len();
        let files = match &snapshot {
            Some(snapshot) if snapshot.has_records() => {
                Slots::Kept((0..count).map(|_| None).collect())
            }
            _ => Slots::Read((0..count).map(|_| None).collect()),
        };
        Opened {
            folder,
            source: snapshot
                .as_ref()
                .map(|snapshot| Arc::clone(snapshot.source())),
            snapshot: RwLock::new(snapshot),
            files: Mutex::new(files),
        }
    }

    /// Brings the snapshot up to date with every file read, and lets it go.
    fn update(&self, opened: &Opened) {
        let taken = opened
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(snapshot) = taken {
            match &*lock(&opened.files) {
                Slots::Read(files) => snapshot.update(self.folder.files, files.iter().flatten()),
                Slots::Kept(files) => snapshot.update(self.folder.files, files.iter().flatten()),
            }
        }
    }

    // `filter_map` is collected into the same allocation (`Option<LoadedFile>` has the size
    // of a `LoadedFile`); `flatten` is not, and copied every bot's files once more (10,000
    // more page faults in a cached start of 100,000 entries).
    #[allow(clippy::filter_map_identity)]
    fn into_files(self) -> ReadFiles {
        let Some(opened) = self.opened.into_inner() else {
            return ReadFiles::Read(Vec::new());
        };
        // Every slot is filled once the pool is done.
        let slots = opened
            .files
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        match (slots, opened.source) {
            (Slots::Kept(files), Some(source)) => ReadFiles::Kept(
                files
                    .into_iter()
                    .filter_map(std::convert::identity)
                    .collect(),
                source,
            ),
            (Slots::Kept(files), None) => ReadFiles::Kept(
                files
                    .into_iter()
                    .filter_map(std::convert::identity)
                    .collect(),
                Arc::new(Source::empty()),
            ),
            (Slots::Read(files), _) => ReadFiles::Read(
                files
                    .into_iter()
                    .filter_map(std::convert::identity)
                    .collect(),
            ),
        }
    }
}

/// Puts each of `files` in its slot.
fn fill<T>(slots: &mut [Option<T>], files: impl IntoIterator<Item = T>) {
    for (slot, file) in slots.iter_mut().zip(files) {
        *slot = Some(file);
    }
}

fn chunk_count(folder: &QnaFolder<'_>) -> usize {
    folder.files.len().div_ceil(FILES_PER_CHUNK)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::time::Duration;

    use super::*;
    use crate::workspace::snapshot::answers;

    /// Each file's answers joined by `|`, or its problem.
    fn answers_of(files: &ReadFiles) -> Vec<String> {
        match files {
            ReadFiles::Read(files) => files
                .iter()
                .map(|file| match &file.result {
                    Ok((entry, _)) => entry.answers.join("|"),
                    Err(problem) => problem.message.clone(),
                })
                .collect(),
            ReadFiles::Kept(files, source) => answers(files, Some(source)),
        }
    }

    /// Whether each file came from the snapshot.
    fn served(files: &ReadFiles) -> Vec<bool> {
        match files {
            ReadFiles::Read(files) => files.iter().map(LoadedFile::came_from_snapshot).collect(),
            ReadFiles::Kept(files, _) => files.iter().map(LoadedFile::came_from_snapshot).collect(),
        }
    }

    fn write_entries(dir: &Path, count: usize, answer: &str) -> Vec<PathBuf> {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("qna folder: {e}"));
        let mut files: Vec<PathBuf> = (0..count)
            .map(|i| {
                let id = format!("e{i:04}");
                let value = serde_json::json!({"id": id, "data": {"action": "text",
                    "contexts": ["global"], "enabled": true, "answers": {"en": [format!("{answer} {i}")]},
                    "questions": {"en": [format!("question number {i}")]},
                    "redirectFlow": "", "redirectNode": ""}});
                let path = dir.join(format!("{id}.json"));
                fs::write(&path, value.to_string()).unwrap_or_else(|e| panic!("entry: {e}"));
                path
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn each_bot_is_opened_before_its_chunks_and_while_the_bot_before_is_read() {
        let dirs = [PathBuf::from("a"), PathBuf::from("b"), PathBuf::from("c")];
        let listings: Vec<Vec<PathBuf>> = [FILES_PER_CHUNK + 1, 0, 1]
            .iter()
            .map(|&count| {
                (0..count)
                    .map(|i| PathBuf::from(format!("{i}.json")))
                    .collect()
            })
            .collect();
        let folders: Vec<QnaFolder<'_>> = dirs
            .iter()
            .zip(&listings)
            .map(|(dir, files)| QnaFolder {
                dir,
                files,
                language: "en",
                snapshots: None,
            })
            .collect();
        let bots: Vec<BotFiles<'_>> = folders.iter().map(BotFiles::new).collect();
        assert_eq!(
            schedule(&bots),
            [
                Task::Open(0),
                Task::Open(1),
                Task::Read(0, 0),
                Task::Read(0, 1),
                Task::Open(2),
                Task::Read(2, 0),
            ]
        );
    }

    #[test]
    fn every_bots_files_come_back_in_order_and_each_snapshot_is_kept() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        // Several chunks, one short chunk, and no file at all.
        let counts = [FILES_PER_CHUNK * 2 + 7, 3, 0];
        let dirs: Vec<PathBuf> = (0..counts.len())
            .map(|bot| root.path().join(format!("bots/b{bot}/qna")))
            .collect();
        let files: Vec<Vec<PathBuf>> = dirs
            .iter()
            .zip(counts)
            .map(|(dir, count)| write_entries(dir, count, "first"))
            .collect();
        let snapshots =
            QnaSnapshots::in_cache(&root.path().join("cache")).settled_after(Duration::ZERO);
        let folders: Vec<QnaFolder<'_>> = dirs
            .iter()
            .zip(&files)
            .map(|(dir, files)| QnaFolder {
                dir,
                files,
                language: "en",
                snapshots: Some(&snapshots),
            })
            .collect();
        let expected = |count: usize, answer: &str| -> Vec<String> {
            (0..count).map(|i| format!("{answer} {i}")).collect()
        };

        let first = read_all(&folders);
        for (loaded, count) in first.iter().zip(counts) {
            assert_eq!(answers_of(loaded), expected(count, "first"));
            assert!(served(loaded).iter().all(|served| !served));
        }
        let second = read_all(&folders);
        for (loaded, count) in second.iter().zip(counts) {
            assert_eq!(answers_of(loaded), expected(count, "first"));
            assert!(served(loaded).iter().all(|served| *served));
        }

        // One bot's files rewritten in place (each a new size and change time): read again,
        // with their new answers; the other bot's still come from its snapshot.
        write_entries(&dirs[0], counts[0], "second");
        let third = read_all(&folders);
        assert_eq!(answers_of(&third[0]), expected(counts[0], "second"));
        assert!(served(&third[0]).iter().all(|served| !served));
        assert!(served(&third[1]).iter().all(|served| *served));
    }
}
