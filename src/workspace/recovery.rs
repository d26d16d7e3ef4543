//! Drafts kept for recovery: what the terminal app's editors hold but has not been saved, so
//! an SSH connection that drops (SIGHUP), a `kill` (SIGTERM) or a panic loses no edit.
//!
//! Each running app is a *session* with one file, `<workspace>/.interbot/recovery/<session>.json`:
//! a JSON array of [`Draft`]s, replaced atomically whenever the drafts change and removed when
//! there are none left (saved, discarded, or the user quit and said to drop them). A session
//! that ended any other way leaves its file, and the next start offers each draft in it
//! ([`RecoveryStore::load`]): restore, discard, or show the difference
//! ([`diff_lines`]) with what the file holds now.
//!
//! The folder is interbot's own: session names are checked ([`is_session_name`]), only
//! `*.json` regular files are read (through the bounded opener), and nothing outside the
//! folder is written or removed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::read::{self, MAX_FILE_BYTES};
use super::save::write_atomic;
use crate::version::FileVersion;

/// The folder below the workspace root that holds the drafts.
pub const RECOVERY_DIR: &str = ".interbot/recovery";

/// What a draft edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DraftTarget {
    /// A QnA entry; `id` is `None` for an entry not saved yet.
    Entry {
        /// The entry id.
        id: Option<String>,
    },
    /// A content element's text (the master's `found`/`none` replies).
    Element {
        /// The element id.
        id: String,
    },
}

/// One unsaved edit, as the editor held it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    /// The bot edited.
    pub bot: String,
    /// What in it.
    pub target: DraftTarget,
    /// The edited text: for an entry, the editor's document form (what `$EDITOR` is given);
    /// for an element, its mustache text.
    pub text: String,
    /// The version of the file when editing began (`None` for a new entry), to tell whether
    /// it changed since.
    #[serde(default)]
    pub base_version: Option<FileVersion>,
    /// When the draft was written, in seconds since the Unix epoch.
    #[serde(default)]
    pub written: u64,
}

impl Draft {
    /// A few words naming the draft: `sub2 · entry 3who6ahkix_…`, `master · new entry`.
    pub fn describe(&self) -> String {
        match &self.target {
            DraftTarget::Entry { id: Some(id) } => format!("{} · entry {id}", self.bot),
            DraftTarget::Entry { id: None } => format!("{} · new entry", self.bot),
            DraftTarget::Element { id } => format!("{} · reply {id}", self.bot),
        }
    }
}

/// A draft found at start-up, and the session that left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraft {
    /// The session (its file's stem).
    pub session: String,
    /// The draft.
    pub draft: Draft,
}

/// Why the recovery folder could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// Writing or removing a session file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A session file could not be read or is not a list of drafts.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A session name with characters other than letters, digits and `-`.
    #[error("`{0}` is not a recovery session name")]
    BadSession(String),
}

/// The recovery folder of one workspace.
#[derive(Debug, Clone)]
pub struct RecoveryStore {
    dir: PathBuf,
}

/// Whether `name` can name a session file: 1 to 64 ASCII letters, digits or `-`.
pub fn is_session_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A session name for this process: its id and the start time, unique on this machine.
pub fn new_session_name() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{}-{millis}", std::process::id())
}

/// Seconds since the Unix epoch, now.
pub fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl RecoveryStore {
    /// The recovery folder of the workspace at `root` (not created until a draft is written).
    pub fn new(root: &Path) -> Self {
        Self {
            dir: root.join(RECOVERY_DIR),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, session: &str) -> Result<PathBuf, RecoveryError> {
        if !is_session_name(session) {
            return Err(RecoveryError::BadSession(session.to_string()));
        }
        Ok(self.dir.join(format!("{session}.json")))
    }

    /// Makes `drafts` what `session` keeps: its file replaced atomically, or removed when
    /// `drafts` is empty.
    pub fn write(&self, session: &str, drafts: &[Draft]) -> Result<(), RecoveryError> {
        let path = self.file(session)?;
        let failed = |source| RecoveryError::Write {
            path: path.clone(),
            source,
        };
        if drafts.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(failed(e)),
                _ => Ok(()),
            };
        }
        let mut bytes = serde_json::to_vec_pretty(drafts)
            .map_err(|e| failed(std::io::Error::other(e.to_string())))?;
        bytes.push(b'\n');
        write_atomic(&path, &bytes).map_err(failed)
    }

    /// Every draft left by sessions other than `except` (this app's own), oldest session
    /// first, and a problem per session file that could not be read (it is left alone).
    pub fn load(&self, except: &str) -> (Vec<StoredDraft>, Vec<RecoveryError>) {
        let mut sessions: Vec<(String, PathBuf)> = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let path = entry.path();
                    let stem = path.file_stem()?.to_str()?.to_string();
                    let json = path.extension().is_some_and(|e| e == "json");
                    (json && is_session_name(&stem) && stem != except).then_some((stem, path))
                })
                .collect(),
            Err(_) => return (Vec::new(), Vec::new()),
        };
        sessions.sort_by_key(|(stem, _)| session_order(stem));
        let mut drafts = Vec::new();
        let mut problems = Vec::new();
        for (session, path) in sessions {
            match read_session(&path) {
                Ok(list) => drafts.extend(list.into_iter().map(|draft| StoredDraft {
                    session: session.clone(),
                    draft,
                })),
                Err(reason) => problems.push(RecoveryError::Read { path, reason }),
            }
        }
        (drafts, problems)
    }

    /// Takes `draft` out of `session`'s file (restored or discarded); the file goes when it
    /// is the last one.
    pub fn remove(&self, session: &str, draft: &Draft) -> Result<(), RecoveryError> {
        let path = self.file(session)?;
        let mut list = match read_session(&path) {
            Ok(list) => list,
            Err(_) if !path.exists() => return Ok(()),
            Err(reason) => return Err(RecoveryError::Read { path, reason }),
        };
        if let Some(at) = list.iter().position(|d| d == draft) {
            list.remove(at);
        }
        self.write(session, &list)
    }
}

/// Sessions sort by start time (the part after the process id), then by name.
fn session_order(stem: &str) -> (u128, String) {
    let millis = stem
        .rsplit_once('-')
        .and_then(|(_, t)| t.parse().ok())
        .unwrap_or(0);
    (millis, stem.to_string())
}

fn read_session(path: &Path) -> Result<Vec<Draft>, String> {
    let text = read::read_text(path, MAX_FILE_BYTES).map_err(|e| e.to_string())?;
    serde_json::from_str(&text)
        .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))
}

/// One line of a difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// In both.
    Same(String),
    /// Only in the old text (the file now).
    Removed(String),
    /// Only in the new text (the draft).
    Added(String),
}

/// The line-by-line difference from `old` to `new` (Myers' algorithm, by the `similar`
/// crate); line ends are not part of the lines.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|change| {
            let line = change.value().trim_end_matches(['\n', '\r']).to_string();
            match change.tag() {
                similar::ChangeTag::Equal => DiffLine::Same(line),
                similar::ChangeTag::Delete => DiffLine::Removed(line),
                similar::ChangeTag::Insert => DiffLine::Added(line),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(bot: &str, text: &str) -> Draft {
        Draft {
            bot: bot.to_string(),
            target: DraftTarget::Entry {
                id: Some("abc_where".to_string()),
            },
            text: text.to_string(),
            base_version: Some(FileVersion::of(b"{}")),
            written: 1,
        }
    }

    #[test]
    fn drafts_written_by_one_session_are_offered_to_the_next_and_removed_one_by_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = RecoveryStore::new(dir.path());
        let (a, b) = (draft("sub1", "one"), draft("sub2", "two"));
        store
            .write("100-1", &[a.clone(), b.clone()])
            .expect("write");
        let (found, problems) = store.load("200-2");
        assert!(problems.is_empty());
        assert_eq!(
            found.iter().map(|s| &s.draft).collect::<Vec<_>>(),
            vec![&a, &b]
        );
        assert!(store.load("100-1").0.is_empty(), "a session's own drafts");
        store.remove("100-1", &a).expect("remove");
        assert_eq!(store.load("200-2").0.len(), 1);
        store.remove("100-1", &b).expect("remove");
        assert!(
            !store.dir().join("100-1.json").exists(),
            "the last one takes the file"
        );
    }

    #[test]
    fn writing_no_drafts_removes_the_sessions_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = RecoveryStore::new(dir.path());
        store.write("1-1", &[draft("sub1", "x")]).expect("write");
        store.write("1-1", &[]).expect("clear");
        assert!(!store.dir().join("1-1.json").exists());
        store.write("1-1", &[]).expect("clearing twice is fine");
    }

    #[test]
    fn a_session_name_cannot_leave_the_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = RecoveryStore::new(dir.path());
        for bad in ["../x", "a/b", "", ".hidden", "a.json"] {
            assert!(matches!(
                store.write(bad, &[draft("sub1", "x")]),
                Err(RecoveryError::BadSession(_))
            ));
        }
    }

    #[test]
    fn a_broken_session_file_is_a_problem_and_the_others_still_load() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = RecoveryStore::new(dir.path());
        store.write("1-1", &[draft("sub1", "x")]).expect("write");
        std::fs::write(store.dir().join("2-2.json"), "[{").expect("broken file");
        std::fs::write(store.dir().join("notes.txt"), "ignored").expect("other file");
        let (found, problems) = store.load("3-3");
        assert_eq!(found.len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].to_string().contains("2-2.json"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn the_difference_marks_removed_and_added_lines() {
        let diff = diff_lines("a\nb\nc\n", "a\nB\nc\nd\n");
        assert_eq!(
            diff,
            vec![
                DiffLine::Same("a".into()),
                DiffLine::Removed("b".into()),
                DiffLine::Added("B".into()),
                DiffLine::Same("c".into()),
                DiffLine::Added("d".into()),
            ]
        );
    }
}
