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
    Ok(JsonText {
        text,
        warnings,
        version,
    })
}

/// Whether `text`, with the whitespace between its tokens removed, is exactly `compact` (a
/// document as `serde_json::to_string` writes it): then `text` parses to that document, keys
/// in the same order. Never allocates; `false` says nothing either way.
pub fn is_spaced_form_of(text: &str, compact: &str) -> bool {
    let mut tokens = Tokens::new(text);
    compact.bytes().all(|byte| tokens.next() == Some(byte)) && tokens.next().is_none()
}

/// Whether `text` is a spaced form (see [`is_spaced_form_of`]) of `value` as
/// `serde_json::to_writer` writes it, compared as it is written: no string is built.
pub fn is_spaced_form_of_value<T: serde::Serialize + ?Sized>(text: &str, value: &T) -> bool {
    let mut matcher = SpacedMatcher {
        tokens: Tokens::new(text),
    };
    // A mismatch stops the writer with an error, which says "not this document".
    serde_json::to_writer(&mut matcher, value).is_ok() && matcher.tokens.next().is_none()
}

/// The bytes of a JSON text but the whitespace between its tokens.
struct Tokens<'a> {
    bytes: std::slice::Iter<'a, u8>,
    in_string: bool,
    escaped: bool,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Tokens {
            bytes: text.as_bytes().iter(),
            in_string: false,
            escaped: false,
        }
    }

    /// Takes `bytes` if the text goes on with exactly them; for a run inside a string that
    /// holds no `"` or `\`, so no state changes (serde_json writes a string's plain runs
    /// whole: one comparison instead of one step per byte).
    fn take_plain_run(&mut self, bytes: &[u8]) -> bool {
        let rest = self.bytes.as_slice();
        if !rest.starts_with(bytes) {
            return false;
        }
        self.bytes = rest[bytes.len()..].iter();
        true
    }
}

impl Iterator for Tokens<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        for &byte in self.bytes.by_ref() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                }
                return Some(byte);
            }
            self.in_string = byte == b'"';
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(byte);
            }
        }
        None
    }
}

/// A writer that takes only the next bytes of a text's [`Tokens`], and fails at the first other.
struct SpacedMatcher<'a> {
    tokens: Tokens<'a>,
}

impl std::io::Write for SpacedMatcher<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let plain_run = self.tokens.in_string
            && !self.tokens.escaped
            && !buf.iter().any(|&byte| byte == b'"' || byte == b'\\');
        let same = if plain_run {
            self.tokens.take_plain_run(buf)
        } else {
            buf.iter().all(|&byte| self.tokens.next() == Some(byte))
        };
        if same {
            Ok(buf.len())
        } else {
            Err(std::io::Error::other("not the same document"))
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
    fn a_spaced_form_is_the_compact_text_with_whitespace_between_tokens_only() {
        let compact = r#"{"id":"a b","data":{"q":["say \"hi\" \\ ok"],"e":true}}"#;
        let pretty = "{\n  \"id\": \"a b\",\n  \"data\": {\n    \"q\": [\n      \"say \\\"hi\\\" \\\\ ok\"\n    ],\r\n\t\"e\": true\n  }\n}\n";
        assert!(is_spaced_form_of(pretty, compact));
        assert!(is_spaced_form_of(compact, compact));
        // Whitespace inside a string is text, not layout.
        assert!(!is_spaced_form_of(r#"{"id":"ab"}"#, r#"{"id":"a b"}"#));
        assert!(!is_spaced_form_of(r#"{"id":"a b"}"#, r#"{"id":"ab"}"#));
        // Another escape of the same text, or another key order, is not the compact form.
        assert!(!is_spaced_form_of(r#"{"id":"\u0061"}"#, r#"{"id":"a"}"#));
        assert!(!is_spaced_form_of(r#"{"b":1,"a":2}"#, r#"{"a":2,"b":1}"#));
        assert!(!is_spaced_form_of(r#"{"id":"a"}x"#, r#"{"id":"a"}"#));
        assert!(!is_spaced_form_of(r#"{"id":"a"}"#, r#"{"id":"a"}x"#));
        // The same answers when the document is compared as it is written.
        let value: serde_json::Value = serde_json::from_str(compact).unwrap_or_default();
        assert!(is_spaced_form_of_value(pretty, &value));
        assert!(!is_spaced_form_of_value(r#"{"id":"a"}"#, &value));
        assert!(!is_spaced_form_of_value(&format!("{compact}x"), &value));
        for (text, compact) in [(pretty, compact), (compact, compact)] {
            let parsed: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
            assert_eq!(
                serde_json::to_string(&parsed).ok().as_deref(),
                Some(compact)
            );
        }
    }

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

    proptest::proptest! {
        /// Comparing as serde writes agrees with comparing against the compact text, for
        /// strings with quotes, escapes, control characters and non-ASCII, on the document's
        /// own pretty and compact forms and on texts cut or changed anywhere.
        #[test]
        fn comparing_as_written_agrees_with_the_compact_text(
            texts in proptest::collection::vec("[a-z \"\\\\\\x00-\\x1f\\u{e9}\\u{1F5A8}]{0,12}", 0..4),
            flag in proptest::bool::ANY,
            cut in 0usize..200,
            change in 0usize..200,
        ) {
            let value = serde_json::json!({"id": "e", "data": {"questions": texts, "enabled": flag}});
            let compact = serde_json::to_string(&value).unwrap_or_default();
            let pretty = serde_json::to_string_pretty(&value).unwrap_or_default();
            proptest::prop_assert!(is_spaced_form_of_value(&pretty, &value));
            proptest::prop_assert!(is_spaced_form_of_value(&compact, &value));
            let cut_text = &pretty.as_bytes()[..cut.min(pretty.len())];
            let mut changed = pretty.clone().into_bytes();
            if let Some(byte) = changed.get_mut(change) {
                *byte = if *byte == b'x' { b'y' } else { b'x' };
            }
            for text in [cut_text.to_vec(), changed] {
                let Ok(text) = String::from_utf8(text) else { continue };
                proptest::prop_assert_eq!(
                    is_spaced_form_of_value(&text, &value),
                    is_spaced_form_of(&text, &compact),
                    "{:?}", text
                );
            }
        }
    }
}
