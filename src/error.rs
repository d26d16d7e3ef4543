//! The core's error types: load problems (data a UI lists) and operational errors.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::version::FileVersion;

/// How bad a [`LoadProblem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file was read, with a caveat (for example a byte order mark was skipped).
    Warning,
    /// The file (or the part named) was not loaded.
    Error,
}

/// One problem found while loading a workspace: which file, where in it, and what.
///
/// Load problems never stop the rest of the workspace from loading; they are collected in
/// [`crate::Workspace::problems`] for the CLI (`interbot check`) and the TUI to show.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoadProblem {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line, where the format has one.
    pub line: Option<usize>,
    /// 1-based column, where the format has one.
    pub column: Option<usize>,
    /// Whether the file was loaded anyway.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl LoadProblem {
    /// An error about a whole file.
    pub fn error(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self {
            file: file.as_ref().to_path_buf(),
            line: None,
            column: None,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// A warning about a whole file (the file was still loaded).
    pub fn warning(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, message)
        }
    }

    /// The same problem at a line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, ": {level}: {}", self.message)
    }
}

/// Errors of the core's operations (not of individual workspace files).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workspace folder itself cannot be used.
    #[error("cannot open workspace {path}: {reason}")]
    Workspace {
        /// The folder given.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A bot id that the workspace does not have.
    #[error("no bot `{0}` in this workspace")]
    UnknownBot(String),
    /// A bot whose index could not be built (the reason is among the load problems).
    #[error("bot {0} has no search index (building it failed; see `interbot check`)")]
    NotIndexed(String),
    /// A QnA entry id that the bot does not have.
    #[error("bot {bot} has no QnA entry `{entry}`")]
    UnknownEntry {
        /// The bot.
        bot: String,
        /// The entry id asked for.
        entry: String,
    },
    /// An id that would not stay inside its bot folder as a file name.
    #[error("`{0}` is not a valid id (letters, digits, `_`, `-` and `.` only)")]
    InvalidId(String),
    /// The search index failed.
    #[error("index error for bot {bot}: {source}")]
    Index {
        /// The bot whose index failed.
        bot: String,
        /// tantivy's error.
        #[source]
        source: tantivy::TantivyError,
    },
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Save {
        /// The file being written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A bot folder whose save lock could not be taken.
    #[error("cannot lock {path} for saving: {source}")]
    Lock {
        /// The bot folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An entry that could not be re-read before changing it.
    #[error("cannot re-read the entry before saving: {0}")]
    Reload(LoadProblem),
    /// A question longer than [`crate::session::MAX_QUESTION_BYTES`].
    #[error("question is too long ({bytes} bytes; the limit is {limit})")]
    QuestionTooLong {
        /// Its length in bytes.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// A content element that cannot be said.
    #[error("bot {bot}: content element `{element}` {reason}")]
    Element {
        /// The bot whose element it is.
        bot: String,
        /// The element id.
        element: String,
        /// What is wrong (not found, no text).
        reason: String,
    },
    /// A content element could not be rendered.
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
    /// The workspace could not be watched for changes.
    #[error("cannot watch {path} for changes: {source}")]
    Watch {
        /// The folder watched.
        path: PathBuf,
        /// The watcher's error.
        #[source]
        source: notify::Error,
    },
    /// A file changed on disk since it was read (another editor, `git pull`, a script), so
    /// saving would overwrite someone else's change; nothing was written.
    #[error("{}", conflict_message(path, *expected, *on_disk))]
    Conflict {
        /// The file.
        path: PathBuf,
        /// The version the save expected (`None`: the file was expected not to exist).
        expected: Option<FileVersion>,
        /// The version on disk now (`None`: the file no longer exists).
        on_disk: Option<FileVersion>,
    },
}

/// What a [`Error::Conflict`] says, by case.
fn conflict_message(
    path: &Path,
    expected: Option<FileVersion>,
    on_disk: Option<FileVersion>,
) -> String {
    let path = path.display();
    match (expected, on_disk) {
        (None, Some(now)) => {
            format!("{path} already exists (version {now}); nothing was written")
        }
        (Some(was), None) => {
            format!("{path} was removed since it was read (version {was}); nothing was written")
        }
        (Some(was), Some(now)) => format!(
            "{path} changed on disk since it was read (expected version {was}, found {now}); nothing was written: reload it, or save again expecting {now} to overwrite"
        ),
        (None, None) => format!("{path} changed on disk since it was read; nothing was written"),
    }
}
