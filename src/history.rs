//! Which questions the user asked each bot before: the input history kept across restarts in
//! `<workspace>/.interbot/history`.
//!
//! One JSON object a line (`{"bot":"sub1","question":"…"}`), oldest first. Reading is bounded
//! (only the last [`MAX_BYTES`] of the file are read; lines that do not parse are skipped and
//! counted) and the list is capped at [`MAX_ENTRIES`]. Saving writes a temporary file beside
//! the history and renames it over it, so a crash never leaves half a file. The TUI's runtime
//! calls this at start-up and after each question; nothing here prints.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The history file, relative to the workspace root.
pub const FILE: &str = ".interbot/history";

/// At most this many questions are kept (the oldest go first).
pub const MAX_ENTRIES: usize = 1_000;

/// At most this many bytes are read from the end of the file.
pub const MAX_BYTES: u64 = 1 << 20;

/// Questions longer than this (in bytes) are not kept.
pub const MAX_QUESTION: usize = 4_096;

/// Why the history could not be read or saved.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("cannot read", "cannot write" …).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn io<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> HistoryError + 'a {
    move |source| HistoryError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// One question asked of one bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The bot asked.
    pub bot: String,
    /// The question as sent.
    pub question: String,
}

/// The questions asked, oldest first, at most [`MAX_ENTRIES`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    entries: Vec<Entry>,
    /// Lines of the file read that did not parse (skipped).
    skipped: usize,
}

impl History {
    /// The history file of the workspace at `root`.
    pub fn path(root: &Path) -> PathBuf {
        root.join(FILE)
    }

    /// Reads the history at `path`; a missing file is an empty history. Only the last
    /// [`MAX_BYTES`] are read (the first, partial line of that tail is dropped); lines that do
    /// not parse are skipped and counted in [`History::skipped`].
    pub fn load(path: &Path) -> Result<Self, HistoryError> {
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(io("cannot open", path)(e)),
        };
        let metadata = file.metadata().map_err(io("cannot read", path))?;
        if !metadata.is_file() {
            return Err(io("cannot read", path)(std::io::Error::other(
                "not a regular file",
            )));
        }
        let length = metadata.len();
        let start = length.saturating_sub(MAX_BYTES);
        file.seek(SeekFrom::Start(start))
            .map_err(io("cannot read", path))?;
        let mut bytes = Vec::new();
        file.take(MAX_BYTES)
            .read_to_end(&mut bytes)
            .map_err(io("cannot read", path))?;
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text.lines();
        if start > 0 {
            // Cut in the middle of a line.
            lines.next();
        }
        let mut history = Self::default();
        for line in lines.filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Entry>(line) {
                Ok(entry) if entry.question.len() <= MAX_QUESTION => history.entries.push(entry),
                _ => history.skipped += 1,
            }
        }
        history.cap();
        Ok(history)
    }

    /// Writes the history to `path` atomically (a temporary file beside it, then a rename),
    /// creating the folder if needed.
    pub fn save(&self, path: &Path) -> Result<(), HistoryError> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(io("cannot create", dir))?;
        let mut text = String::new();
        for entry in &self.entries {
            // Serialising two strings cannot fail.
            if let Ok(line) = serde_json::to_string(entry) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        let name = path
            .file_name()
            .map_or_else(|| "history".into(), |n| n.to_string_lossy().into_owned());
        let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = File::create(&temporary)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temporary);
            return Err(io("cannot write", &temporary)(e));
        }
        fs::rename(&temporary, path).map_err(|e| {
            let _ = fs::remove_file(&temporary);
            io("cannot replace", path)(e)
        })
    }

    /// Records a question asked of `bot`. Empty or overlong questions, and a repeat of the
    /// bot's last question, are not recorded. Returns whether it was.
    pub fn push(&mut self, bot: &str, question: &str) -> bool {
        let question = question.trim();
        if question.is_empty() || question.len() > MAX_QUESTION {
            return false;
        }
        let last = self.entries.iter().rev().find(|e| e.bot == bot);
        if last.is_some_and(|e| e.question == question) {
            return false;
        }
        self.entries.push(Entry {
            bot: bot.to_string(),
            question: question.to_string(),
        });
        self.cap();
        true
    }

    /// The questions asked of `bot`, oldest first.
    pub fn for_bot<'a>(&'a self, bot: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.bot == bot)
            .map(|e| e.question.as_str())
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many lines of the file read were skipped as unreadable.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    fn cap(&mut self) {
        let excess = self.entries.len().saturating_sub(MAX_ENTRIES);
        self.entries.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_an_empty_history() {
        let dir = tempfile::tempdir().expect("tempdir");
        let history = History::load(&History::path(dir.path())).expect("loads");
        assert!(history.entries().is_empty());
    }

    #[test]
    fn saves_and_loads_per_bot_without_repeats() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = History::path(dir.path());
        let mut history = History::default();
        assert!(history.push("sub1", "pay check"));
        assert!(history.push("master", "pay check"));
        assert!(!history.push("sub1", " pay check "), "a repeat");
        assert!(!history.push("sub1", "   "), "empty");
        assert!(history.push("sub1", "tab\tand \"quotes\"\nnewline"));
        history.save(&path).expect("saves");
        let loaded = History::load(&path).expect("loads");
        assert_eq!(loaded, history);
        let sub1: Vec<&str> = loaded.for_bot("sub1").collect();
        assert_eq!(sub1, ["pay check", "tab\tand \"quotes\"\nnewline"]);
        assert_eq!(loaded.for_bot("nobody").count(), 0);
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(path.parent().expect("folder"))
            .expect("folder")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["history"]);
    }

    #[test]
    fn caps_entries_and_skips_bad_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = History::path(dir.path());
        let mut history = History::default();
        for n in 0..MAX_ENTRIES + 10 {
            history.push("sub1", &format!("question {n}"));
        }
        assert_eq!(history.entries().len(), MAX_ENTRIES);
        assert_eq!(history.entries()[0].question, "question 10");
        history.save(&path).expect("saves");
        let mut text = fs::read_to_string(&path).expect("reads");
        text.push_str("not json\n{\"bot\": 1}\n\u{0}\u{ff}\n");
        fs::write(&path, text).expect("writes");
        let loaded = History::load(&path).expect("loads");
        assert_eq!(loaded.entries().len(), MAX_ENTRIES);
        assert_eq!(loaded.skipped(), 3);
    }

    #[test]
    fn reads_only_the_tail_of_a_huge_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = History::path(dir.path());
        fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
        let line = format!("{{\"bot\":\"b\",\"question\":\"{}\"}}\n", "x".repeat(1000));
        let mut text = line.repeat(1200);
        text.push_str("{\"bot\":\"b\",\"question\":\"last\"}\n");
        fs::write(&path, &text).expect("writes");
        assert!(text.len() as u64 > MAX_BYTES);
        let loaded = History::load(&path).expect("loads");
        assert_eq!(loaded.for_bot("b").last(), Some("last"));
        assert!(loaded.entries().len() < 1200);
        assert_eq!(
            loaded.skipped(),
            0,
            "the cut first line is dropped, not counted"
        );
    }

    #[test]
    fn a_folder_in_the_way_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = History::path(dir.path());
        fs::create_dir_all(&path).expect("mkdir");
        assert!(History::load(&path).is_err());
        assert!(History::default().save(&path).is_err());
    }
}
