//! Reading JSON files defensively: size limit, BOM, UTF-8, syntax and type errors all become
//! [`LoadProblem`]s naming the file, with line and column where JSON has them.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::LoadProblem;
use crate::version::FileVersion;

pub use super::json_style::JsonStyle;
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
    let JsonText {
        text,
        warnings,
        version,
    } = read_text(path)?;
    let value = parse::<Value>(path, &text)?;
    Ok(JsonFile {
        text,
        value,
        warnings,
        version,
    })
}

/// A JSON file's text, read but not parsed yet ([`read_text`]).
#[derive(Debug, Clone)]
pub struct JsonText {
    /// The text as read (without a byte order mark).
    pub text: String,
    /// Problems that did not stop the file from loading.
    pub warnings: Vec<LoadProblem>,
    /// The version of the exact bytes read (byte order mark included).
    pub version: FileVersion,
}

/// Reads a JSON file's text through the bounded opener (a byte order mark skipped with a
/// warning, an empty file refused), for a caller that parses it its own way.
pub fn read_text(path: &Path) -> Result<JsonText, LoadProblem> {
    text_of(path, read::read_bytes(path, MAX_FILE_BYTES))
}

/// [`read_text`] of the file at `path` from its bytes as read already (or why they could
/// not be).
pub(super) fn text_of(
    path: &Path,
    bytes: Result<Vec<u8>, ReadError>,
) -> Result<JsonText, LoadProblem> {
    let mut text = bytes.and_then(read::utf8_text).map_err(|e| match e {
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
    Ok(JsonText {
        text,
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

/// The layout of the file at `path` now, or Botpress's own for a file that does not exist
/// (or cannot be read: it is about to be replaced anyway).
pub fn style_on_disk(path: &Path) -> JsonStyle {
    match read::read_bytes(path, MAX_FILE_BYTES) {
        Ok(bytes) => JsonStyle::of(&String::from_utf8_lossy(&bytes)),
        Err(_) => JsonStyle::botpress(),
    }
}

/// Writes `value` atomically (a temporary file in the same folder, flushed, then renamed
/// over the target) in the layout the file has now — [`JsonStyle::botpress`] for a new
/// file — so an unchanged document is written back byte for byte. Returns the version of
/// the bytes written.
pub fn write_atomic(path: &Path, value: &Value) -> std::io::Result<FileVersion> {
    let current = read::read_bytes(path, MAX_FILE_BYTES)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(text) = current else {
        return write_atomic_styled(path, value, &JsonStyle::botpress());
    };
    let style = JsonStyle::of(&text);
    // Only the values that changed are written into the file's own text (one-line arrays
    // in a pretty file stay one-line); when that cannot be done, the whole document is
    // written in the file's style.
    let spliced = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|old| super::json_splice::splice(&text, &old, value, &style));
    match spliced {
        Some(text) => {
            super::save::write_atomic(path, text.as_bytes())?;
            Ok(FileVersion::of(text.as_bytes()))
        }
        None => write_atomic_styled(path, value, &style),
    }
}

/// [`write_atomic`] in a given layout.
pub fn write_atomic_styled(
    path: &Path,
    value: &Value,
    style: &JsonStyle,
) -> std::io::Result<FileVersion> {
    let text = style.render(value)?;
    super::save::write_atomic(path, text.as_bytes())?;
    Ok(FileVersion::of(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_of_a_file_is_read_and_written_back() -> std::io::Result<()> {
        for text in [
            "{\n  \"a\": [\n    1\n  ]\n}",
            "{\n  \"a\": [\n    1\n  ]\n}\n",
            "{\n    \"a\": 1\n}\n",
            "{\n\t\"a\": 1\n}",
            "{\"a\":[1,2],\"b\":{}}",
            "{\"id\": \"e1\", \"data\": {\"questions\": [\"a\", \"b\"], \"x\": {}}}",
            "{\"a\":1}\n",
            "[]",
            "{}\n",
        ] {
            let value: Value = serde_json::from_str(text).map_err(std::io::Error::other)?;
            assert_eq!(JsonStyle::of(text).render(&value)?, text, "{text:?}");
        }
        assert_eq!(
            JsonStyle::botpress().render(&serde_json::json!({"a": [1]}))?,
            "{\n  \"a\": [\n    1\n  ]\n}",
            "JSON.stringify(x, undefined, 2): no final newline"
        );
        Ok(())
    }

    #[test]
    fn position_is_stripped_from_message() {
        assert_eq!(
            strip_position_suffix("expected value at line 3 column 7"),
            "expected value"
        );
    }
}
