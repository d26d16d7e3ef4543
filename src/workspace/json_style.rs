//! How a JSON file is laid out (indentation, spacing, final newline), read from its text and
//! used to write a document back the same way.

use serde_json::Value;

/// Compact JSON with a space after each `:` and `,` (`{"id": "e1", "data": {…}}` on one
/// line), as people write one-line JSON by hand.
struct SpacedCompact;

impl serde_json::ser::Formatter for SpacedCompact {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

/// How a JSON file is laid out, so a save writes it back the way it was written.
///
/// Botpress writes every file it saves as `JSON.stringify(value, undefined, 2)`: two-space
/// indentation and no final newline (the QnA module's `storage.ts` `update`/`insert`, the
/// NLU module's `saveIntent`). A file a person or a script wrote compact, or indented
/// otherwise, or ending in a newline, keeps that layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonStyle {
    /// The indentation of one level; `None` for compact JSON on one line.
    pub indent: Option<String>,
    /// Compact JSON with a space after each `:` and `,`.
    pub spaced: bool,
    /// Whether the file ends with a newline.
    pub final_newline: bool,
}

impl JsonStyle {
    /// Botpress's own layout: `JSON.stringify(x, undefined, 2)`, no final newline. New files
    /// are written this way.
    pub fn botpress() -> Self {
        Self {
            indent: Some("  ".to_string()),
            spaced: false,
            final_newline: false,
        }
    }

    /// The layout of `text`: compact when its document is on one line, else the first
    /// indented line's leading whitespace as one level.
    pub fn of(text: &str) -> Self {
        let text = text.trim_start_matches('\u{feff}');
        let final_newline = text.ends_with('\n');
        let body = text.trim();
        let indent = if !body.contains('\n') && body.len() > 2 {
            None
        } else {
            body.lines()
                .skip(1)
                .map(|line| &line[..line.len() - line.trim_start().len()])
                .find(|lead| !lead.is_empty())
                .map_or_else(|| Some("  ".to_string()), |lead| Some(lead.to_string()))
        };
        // One-line JSON written by hand often has `": "` and `", "`; a document whose only
        // `": ` is inside a string is rare enough to be read as spaced too, and then
        // differs only in that spacing.
        let spaced = indent.is_none() && (body.contains("\": ") || body.contains(", "));
        Self {
            indent,
            spaced,
            final_newline,
        }
    }

    /// `value` in this layout.
    pub fn render(&self, value: &Value) -> std::io::Result<String> {
        let mut text = match &self.indent {
            None if self.spaced => {
                let mut out = Vec::new();
                let mut serializer =
                    serde_json::Serializer::with_formatter(&mut out, SpacedCompact);
                serde::Serialize::serialize(value, &mut serializer)
                    .map_err(std::io::Error::other)?;
                String::from_utf8(out).map_err(std::io::Error::other)?
            }
            None => serde_json::to_string(value).map_err(std::io::Error::other)?,
            Some(indent) => {
                let mut out = Vec::new();
                let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
                let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
                serde::Serialize::serialize(value, &mut serializer)
                    .map_err(std::io::Error::other)?;
                String::from_utf8(out).map_err(std::io::Error::other)?
            }
        };
        if self.final_newline {
            text.push('\n');
        }
        Ok(text)
    }
}
