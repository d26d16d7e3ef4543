//! Recording a conversation turn as a labelled case: a debugging session in the terminal app
//! becomes regression cases that `interbot eval` and the evaluation view replay.
//!
//! A case is one JSONL line of the labelled-set format (`{"text", "bot", "qna"}`; `bot` null
//! for a question no bot should take) appended to a file of the workspace's `tests/` folder
//! (created if absent). The append is atomic (the file is written anew beside itself and
//! renamed, so a reader never sees half a line) and idempotent: a question already in the
//! file with the same label is not added twice, and one already there with another label is
//! refused rather than contradicted.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::workspace::read::{self, MAX_FILE_BYTES, ReadError};
use crate::workspace::save::write_atomic;

/// The folder of a workspace that holds labelled sets.
pub const TESTS_DIR: &str = "tests";

/// One labelled question, as a line of a labelled set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// The question.
    pub text: String,
    /// The sub-bot that should answer it; `None` when no bot should.
    pub bot: Option<String>,
    /// The entry that should answer it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qna: Option<String>,
}

/// What recording a case did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Appended as line `line` of `path`.
    Added {
        /// The file.
        path: PathBuf,
        /// Its 1-based line.
        line: usize,
    },
    /// The file already holds this question with this label, at `line`.
    AlreadyThere {
        /// The file.
        path: PathBuf,
        /// Its 1-based line.
        line: usize,
    },
}

/// Why a case was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file name is not a plain `*.jsonl` name.
    #[error("`{0}` is not a labelled-set file name (a plain name ending in .jsonl)")]
    BadName(String),
    /// The question is blank.
    #[error("a blank question cannot be a test case")]
    Blank,
    /// The file already labels the question otherwise.
    #[error(
        "{path}:{line} already labels this question otherwise ({existing}); nothing was written"
    )]
    Contradicts {
        /// The file.
        path: PathBuf,
        /// Its 1-based line.
        line: usize,
        /// The label there, in a few words.
        existing: String,
    },
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: ReadError,
    },
    /// The file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Whether `name` can name a labelled set in `tests/`: no folder part, not hidden, `.jsonl`.
pub fn is_set_name(name: &str) -> bool {
    name.ends_with(".jsonl")
        && name.len() > ".jsonl".len()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.contains('\0')
}

/// The labelled sets (`*.jsonl` regular files) in `root`'s `tests/` folder, by name.
pub fn labelled_sets(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(TESTS_DIR))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|name| is_set_name(name))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Appends `case` to `root/tests/<name>` (see the [module](self) documentation).
pub fn record(root: &Path, name: &str, case: &Case) -> Result<Recorded, RecordError> {
    if !is_set_name(name) {
        return Err(RecordError::BadName(name.to_string()));
    }
    if case.text.trim().is_empty() {
        return Err(RecordError::Blank);
    }
    let path = root.join(TESTS_DIR).join(name);
    let text = match read::read_text(&path, MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(ReadError::NotFound) => String::new(),
        Err(source) => return Err(RecordError::Read { path, source }),
    };
    let mut lines = 0;
    for (index, raw) in text.lines().enumerate() {
        lines = index + 1;
        let Ok(serde_json::Value::Object(object)) = serde_json::from_str(raw) else {
            continue;
        };
        if object.get("text").and_then(|t| t.as_str()) != Some(case.text.as_str()) {
            continue;
        }
        let bot = object.get("bot").and_then(|b| b.as_str()).map(String::from);
        let qna = object.get("qna").and_then(|q| q.as_str()).map(String::from);
        let same = bot == case.bot && (case.qna.is_none() || qna == case.qna);
        if same {
            return Ok(Recorded::AlreadyThere {
                path,
                line: index + 1,
            });
        }
        return Err(RecordError::Contradicts {
            path,
            line: index + 1,
            existing: match (bot, qna) {
                (None, _) => "no bot".to_string(),
                (Some(bot), None) => format!("bot {bot}"),
                (Some(bot), Some(qna)) => format!("bot {bot}, entry {qna}"),
            },
        });
    }
    let mut out = text;
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let line = serde_json::to_string(case).map_err(|e| RecordError::Write {
        path: path.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    out.push_str(&line);
    out.push('\n');
    write_atomic(&path, out.as_bytes()).map_err(|source| RecordError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(Recorded::Added {
        path,
        line: lines + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(text: &str, bot: Option<&str>) -> Case {
        Case {
            text: text.into(),
            bot: bot.map(String::from),
            qna: None,
        }
    }

    #[test]
    fn a_case_is_appended_once_and_a_contradiction_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = record(
            dir.path(),
            "chats.jsonl",
            &case("where is the plotter", Some("sub2")),
        )
        .expect("recorded");
        assert!(
            matches!(first, Recorded::Added { line: 1, .. }),
            "{first:?}"
        );
        let again = record(
            dir.path(),
            "chats.jsonl",
            &case("where is the plotter", Some("sub2")),
        )
        .expect("recorded");
        assert!(
            matches!(again, Recorded::AlreadyThere { line: 1, .. }),
            "{again:?}"
        );
        let other =
            record(dir.path(), "chats.jsonl", &case("capital of peru", None)).expect("recorded");
        assert!(
            matches!(other, Recorded::Added { line: 2, .. }),
            "{other:?}"
        );
        let refused = record(
            dir.path(),
            "chats.jsonl",
            &case("capital of peru", Some("sub1")),
        );
        assert!(matches!(
            refused,
            Err(RecordError::Contradicts { line: 2, .. })
        ));
        let text = std::fs::read_to_string(dir.path().join("tests/chats.jsonl")).expect("file");
        assert_eq!(
            text,
            "{\"text\":\"where is the plotter\",\"bot\":\"sub2\"}\n{\"text\":\"capital of peru\",\"bot\":null}\n"
        );
    }

    #[test]
    fn a_file_without_a_final_newline_gets_one_before_the_case() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("tests")).expect("mkdir");
        std::fs::write(
            dir.path().join("tests/a.jsonl"),
            "{\"text\":\"x\",\"bot\":null}",
        )
        .expect("write");
        record(dir.path(), "a.jsonl", &case("y", None)).expect("recorded");
        let text = std::fs::read_to_string(dir.path().join("tests/a.jsonl")).expect("file");
        assert_eq!(text.lines().count(), 2, "{text}");
    }

    #[test]
    fn names_stay_in_the_tests_folder() {
        for bad in [
            "../x.jsonl",
            "a/b.jsonl",
            ".hidden.jsonl",
            "x.json",
            ".jsonl",
        ] {
            assert!(!is_set_name(bad), "{bad}");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(
            record(dir.path(), "../x.jsonl", &case("q", None)),
            Err(RecordError::BadName(_))
        ));
    }
}
