//! Reading JSON files defensively: size limit, BOM, UTF-8, syntax and type errors all become
//! [`LoadProblem`]s naming the file, with line and column where JSON has them.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::LoadProblem;
use crate::version::FileVersion;

pub use super::read::MAX_FILE_BYTES;
use super::read::{self, ReadError};

const BOM: &str = "\u{feff}";

/// A JSON file read from disk: its text, its parsed value, and any warnings.
#[derive(Debug, Clone)]
pub struct JsonFile {
    /// The text as read (without a byte order mark).
    pub text: String,
    /// The parsed document.
    pub value: Value,
    /// Problems that did not stop the file from loading.
    pub warnings: Vec<LoadProblem>,
    /// The version of the exact bytes read (byte order mark included).
    pub version: FileVersion,
}

/// Reads and parses a JSON file, or says precisely why it cannot.
pub fn read(path: &Path) -> Result<JsonFile, LoadProblem> {
    let mut text = read::read_text(path, MAX_FILE_BYTES).map_err(|e| match e {
        ReadError::NotUtf8 { line, column } => {
            LoadProblem::error(path, "file is not valid UTF-8").at(line, column)
        }
        other => LoadProblem::error(path, format!("file {other}")),
    })?;
    let version = FileVersion::of(text.as_bytes());
    let mut warnings = Vec::new();
    if let Some(rest) = text.strip_prefix(BOM) {
        text = rest.to_string();
        warnings.push(LoadProblem::warning(
            path,
            "file starts with a byte order mark (BOM); interbot skipped it, but Botpress will not: save the file as UTF-8 without BOM",
        ));
    }
    if text.trim().is_empty() {
        return Err(LoadProblem::error(
            path,
            "file is empty; expected a JSON document",
        ));
    }
    let value = parse::<Value>(path, &text)?;
    Ok(JsonFile {
        text,
        value,
        warnings,
        version,
    })
}

/// Deserializes `text` into `T`, turning serde's error into a problem at its line and column.
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, LoadProblem> {
    serde_json::from_str(text).map_err(|e| problem_from_serde(path, &e))
}

/// Converts a serde_json error into a load problem with its position.
pub fn problem_from_serde(path: &Path, error: &serde_json::Error) -> LoadProblem {
    let message = strip_position_suffix(&error.to_string());
    let problem = LoadProblem::error(path, message);
    if error.line() > 0 {
        problem.at(error.line(), error.column())
    } else {
        problem
    }
}

/// serde_json appends " at line L column C" to its messages; the problem carries those apart.
fn strip_position_suffix(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Writes `value` as pretty JSON (2 spaces, trailing newline) atomically: a temporary file in
/// the same folder, flushed, then renamed over the target. Returns the version of the bytes
/// written.
pub fn write_atomic(path: &Path, value: &Value) -> std::io::Result<FileVersion> {
    let mut text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    text.push('\n');
    super::save::write_atomic(path, text.as_bytes())?;
    Ok(FileVersion::of(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_is_stripped_from_message() {
        assert_eq!(
            strip_position_suffix("expected value at line 3 column 7"),
            "expected value"
        );
    }
}
