//! Saving without overwriting someone else's change: each save names the [`FileVersion`] it
//! read, and under the bot folder's lock the file's current bytes are read again; when they
//! are not that version (another editor, `git pull`, a script wrote the file since), nothing
//! is written and the save fails with [`Error::Conflict`], so the user can reload or overwrite
//! on purpose.
//!
//! The rules, for an expected version `E` and the file on disk `D`:
//!
//! | `E` | `D` | outcome |
//! |---|---|---|
//! | `Some(v)` | the file, version `v` | written |
//! | `Some(v)` | the file, another version | conflict |
//! | `Some(v)` | no file | conflict (it was removed) |
//! | `None` (a new file) | no file | written |
//! | `None` | the file | conflict (a new entry would replace an existing file) |

use std::path::{Path, PathBuf};

use super::read::{self, MAX_FILE_BYTES, ReadError};
use super::{Bot, QnaEntry, Saved, Workspace, entry_path, lock_bot, save, write_entry};
use crate::error::{Error, LoadProblem};
use crate::version::FileVersion;

/// The exact bytes at `path` now and their version, or `None` when nothing is there. A path
/// that cannot be read (too large, not a regular file, unreadable) is an error: it cannot be
/// compared, so it is never overwritten blindly.
pub fn read_current(path: &Path) -> Result<Option<(Vec<u8>, FileVersion)>, Error> {
    match read::read_bytes(path, MAX_FILE_BYTES) {
        Ok(bytes) => {
            let version = FileVersion::of(&bytes);
            Ok(Some((bytes, version)))
        }
        Err(ReadError::NotFound) => Ok(None),
        Err(other) => Err(Error::Reload(LoadProblem::error(
            path,
            format!("file {other}"),
        ))),
    }
}

/// The version of the file at `path` now, or `None` when nothing is there.
pub fn on_disk(path: &Path) -> Result<Option<FileVersion>, Error> {
    Ok(read_current(path)?.map(|(_, version)| version))
}

/// `Ok` when the file at `path`, now at version `on_disk`, is the one a save expects (see the
/// module's table), else the [`Error::Conflict`] to return.
pub fn check(
    path: &Path,
    expected: Option<FileVersion>,
    on_disk: Option<FileVersion>,
) -> Result<(), Error> {
    if expected == on_disk {
        Ok(())
    } else {
        Err(Error::Conflict {
            path: path.to_path_buf(),
            expected,
            on_disk,
        })
    }
}

/// The file a checked save of `entry` writes: its own file when that is a visible `*.json`
/// directly in the bot's `qna/` (whether or not it still exists, so a removed file is a
/// conflict, not a new file elsewhere), else `qna/<id>.json` for a safe id.
fn checked_entry_path(bot: &Bot, entry: &QnaEntry) -> Result<PathBuf, Error> {
    let qna = bot.dir.join("qna");
    let own_file = entry.file.parent() == Some(qna.as_path())
        && entry
            .file
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".json") && !n.starts_with('.'));
    if own_file {
        return Ok(entry.file.clone());
    }
    if !save::is_safe_id(&entry.id) {
        return Err(Error::InvalidId(entry.id.clone()));
    }
    Ok(qna.join(format!("{}.json", entry.id)))
}

impl Workspace {
    fn known_bot(&self, bot_id: &str) -> Result<&Bot, Error> {
        self.bot(bot_id)
            .ok_or_else(|| Error::UnknownBot(bot_id.to_string()))
    }

    /// Saves `entry` as [`Workspace::save_entry`] does (atomically, in its form, unknown
    /// fields kept, under the bot folder's lock), but only if its file on disk is still
    /// version `expected` — `None` for a new entry, whose file must not exist yet. Otherwise
    /// nothing is written and the error is [`Error::Conflict`], naming the version on disk.
    ///
    /// The returned entry carries the version just written, to expect at the next save.
    pub fn save_entry_checked(
        &self,
        bot_id: &str,
        entry: &QnaEntry,
        expected: Option<FileVersion>,
    ) -> Result<Saved, Error> {
        let bot = self.known_bot(bot_id)?;
        let path = checked_entry_path(bot, entry)?;
        let _lock = lock_bot(bot)?;
        check(&path, expected, on_disk(&path)?)?;
        let version = write_entry(bot, &path, entry)?;
        let mut saved = entry.clone();
        saved.file = path.clone();
        saved.version = Some(version);
        Ok(Saved {
            path,
            written: true,
            entry: saved,
        })
    }

    /// [`Workspace::update_entry`], but only if the entry's file on disk is still version
    /// `expected` (what `interbot qna show` printed, or what the editor read); otherwise
    /// `change` is not called, nothing is written, and the error is [`Error::Conflict`].
    pub fn update_entry_checked<E: From<Error>>(
        &self,
        bot_id: &str,
        entry_id: &str,
        expected: FileVersion,
        change: impl FnOnce(&mut QnaEntry) -> Result<(), E>,
    ) -> Result<Saved, E> {
        self.update_entry_expecting(bot_id, entry_id, Some(expected), change)
    }

    /// The one read-change-write of a saved entry, under the bot folder's lock: re-read the
    /// entry, check its version when one is `expected`, apply `change`, write if it changed.
    pub(super) fn update_entry_expecting<E: From<Error>>(
        &self,
        bot_id: &str,
        entry_id: &str,
        expected: Option<FileVersion>,
        change: impl FnOnce(&mut QnaEntry) -> Result<(), E>,
    ) -> Result<Saved, E> {
        let bot = self.known_bot(bot_id)?;
        let known = bot.entry(entry_id).ok_or_else(|| Error::UnknownEntry {
            bot: bot_id.to_string(),
            entry: entry_id.to_string(),
        })?;
        let path = entry_path(bot, known)?;
        let _lock = lock_bot(bot)?;
        if expected.is_some() && std::fs::symlink_metadata(&path).is_err() {
            return Err(Error::Conflict {
                path,
                expected,
                on_disk: None,
            }
            .into());
        }
        let (mut entry, _) = QnaEntry::load(&path, &known.language).map_err(Error::Reload)?;
        if expected.is_some() {
            check(&path, expected, entry.version)?;
        }
        if entry.id != entry_id {
            return Err(Error::UnknownEntry {
                bot: bot_id.to_string(),
                entry: entry_id.to_string(),
            }
            .into());
        }
        let before = entry.to_json();
        change(&mut entry)?;
        let written = entry.to_json() != before;
        if written {
            entry.version = Some(write_entry(bot, &path, &entry)?);
        }
        Ok(Saved {
            path,
            written,
            entry,
        })
    }

    /// Adds a new entry (from [`Workspace::new_entry`]) without a race: under the bot
    /// folder's lock, the bot's entries are re-read from disk and handed to `check` (which
    /// refuses, say, a question variant another entry already has — including one added by
    /// another process a moment ago); then the entry is written, failing with
    /// [`Error::Conflict`] if its file exists by now.
    pub fn add_entry<E: From<Error>>(
        &self,
        bot_id: &str,
        entry: &QnaEntry,
        check_fresh: impl FnOnce(&[QnaEntry]) -> Result<(), E>,
    ) -> Result<Saved, E> {
        let bot = self.known_bot(bot_id)?;
        let path = checked_entry_path(bot, entry)?;
        let _lock = lock_bot(bot)?;
        let mut ignored = Vec::new();
        let fresh = Bot::load(&bot.dir, &bot.id, false, None, &mut ignored);
        check_fresh(&fresh.qna)?;
        if let Some(same_id) = fresh.entry(&entry.id) {
            return Err(Error::Conflict {
                path: same_id.file.clone(),
                expected: None,
                on_disk: same_id.version,
            }
            .into());
        }
        check(&path, None, on_disk(&path)?)?;
        let version = write_entry(bot, &path, entry)?;
        let mut saved = entry.clone();
        saved.file = path.clone();
        saved.version = Some(version);
        Ok(Saved {
            path,
            written: true,
            entry: saved,
        })
    }

    /// [`Workspace::remove_entry`], but only if the entry's file on disk is still version
    /// `expected`; otherwise nothing is removed and the error is [`Error::Conflict`] (also
    /// when the file is already gone: someone else removed or renamed it).
    pub fn remove_entry_checked(
        &self,
        bot_id: &str,
        entry_id: &str,
        expected: FileVersion,
    ) -> Result<PathBuf, Error> {
        let bot = self.known_bot(bot_id)?;
        let entry = bot.entry(entry_id).ok_or_else(|| Error::UnknownEntry {
            bot: bot_id.to_string(),
            entry: entry_id.to_string(),
        })?;
        let inside = entry.file.parent() == Some(bot.dir.join("qna").as_path())
            && entry
                .file
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.strip_suffix(".json").is_some_and(save::is_safe_id));
        if !inside {
            return Err(Error::InvalidId(entry_id.to_string()));
        }
        let _lock = lock_bot(bot)?;
        check(&entry.file, Some(expected), on_disk(&entry.file)?)?;
        std::fs::remove_file(&entry.file).map_err(|source| Error::Save {
            path: entry.file.clone(),
            source,
        })?;
        super::intents::remove(&bot.dir, entry_id)?;
        Ok(entry.file.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_of_outcomes() {
        let (a, b) = (FileVersion::of(b"a"), FileVersion::of(b"b"));
        let path = Path::new("x.json");
        assert!(check(path, Some(a), Some(a)).is_ok());
        assert!(check(path, None, None).is_ok());
        for (expected, on_disk) in [(Some(a), Some(b)), (Some(a), None), (None, Some(a))] {
            match check(path, expected, on_disk) {
                Err(Error::Conflict {
                    expected: e,
                    on_disk: d,
                    ..
                }) => assert_eq!((e, d), (expected, on_disk)),
                other => panic!("{expected:?}/{on_disk:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_missing_file_has_no_version_and_a_folder_is_an_error() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("e.json");
        assert!(matches!(on_disk(&file), Ok(None)));
        std::fs::write(&file, "{}")?;
        assert!(matches!(on_disk(&file), Ok(Some(v)) if v == FileVersion::of(b"{}")));
        assert!(matches!(on_disk(dir.path()), Err(Error::Reload(_))));
        Ok(())
    }
}
