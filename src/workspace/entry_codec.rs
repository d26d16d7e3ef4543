//! One QnA entry's bytes, as a QnA snapshot records it: written from a [`QnaEntry`]
//! ([`encode_entry`]), decoded whole ([`decode_entry`]) or read in place, its fields found
//! without copying any ([`EncodedEntry`]). Every field read back is checked (`codec`);
//! nothing here touches the disk.

use std::path::Path;

use crate::codec::{Reader, Writer};
use crate::version::FileVersion;
use crate::workspace::qna::{QnaAction, QnaEntry, QnaForm, Redirect, Translation};

/// Appends an entry's fields (all but its file and language, which loading knows), its raw
/// document as JSON text when it has one.
pub(in crate::workspace) fn encode_entry(out: &mut Writer, entry: &QnaEntry) {
    out.str(&entry.id);
    out.u8(match entry.form {
        QnaForm::V11 => 0,
        QnaForm::V12 => 1,
    });
    out.strs(&entry.questions);
    out.strs(&entry.answers);
    out.strs(&entry.contexts);
    out.u8(u8::from(entry.enabled));
    out.u8(match entry.action {
        QnaAction::Text => 0,
        QnaAction::Redirect => 1,
        QnaAction::TextRedirect => 2,
    });
    match &entry.redirect {
        Some(redirect) => {
            out.u8(1);
            out.str(&redirect.flow);
            out.str(&redirect.node);
        }
        None => out.u8(0),
    }
    out.u64(entry.translations.len() as u64);
    for (language, translation) in &entry.translations {
        out.str(language);
        out.strs(&translation.questions);
        out.strs(&translation.answers);
    }
    match entry.version {
        Some(version) => {
            out.u8(1);
            out.u64(version.as_u64());
        }
        None => out.u8(0),
    }
    // With serde_json's `preserve_order`, a document printed and parsed again is the same
    // value: key order, strings and numbers (printed shortest, read back exactly).
    match &entry.raw {
        serde_json::Value::Null => out.u8(0),
        raw => {
            out.u8(1);
            out.str(&raw.to_string());
        }
    }
}

/// The entry [`encode_entry`] wrote, as read from `path` in `language`.
pub(in crate::workspace) fn decode_entry(
    bytes: &[u8],
    path: &Path,
    language: &str,
) -> Option<QnaEntry> {
    let mut input = Reader::new(bytes);
    let id = input.str()?.to_string();
    let form = match input.u8()? {
        0 => QnaForm::V11,
        1 => QnaForm::V12,
        _ => return None,
    };
    let questions = input.strs()?;
    let answers = input.strs()?;
    let contexts = input.strs()?;
    let enabled = match input.u8()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let action = match input.u8()? {
        0 => QnaAction::Text,
        1 => QnaAction::Redirect,
        2 => QnaAction::TextRedirect,
        _ => return None,
    };
    let redirect = match input.u8()? {
        0 => None,
        1 => Some(Redirect {
            flow: input.str()?.to_string(),
            node: input.str()?.to_string(),
        }),
        _ => return None,
    };
    let mut translations = std::collections::BTreeMap::new();
    for _ in 0..input.u64()? {
        let other = input.str()?.to_string();
        let translation = Translation {
            questions: input.strs()?,
            answers: input.strs()?,
        };
        if translations.insert(other, translation).is_some() {
            return None;
        }
    }
    let version = match input.u8()? {
        0 => None,
        1 => Some(FileVersion::from_u64(input.u64()?)),
        _ => return None,
    };
    let raw = match input.u8()? {
        0 => serde_json::Value::Null,
        // A document is an object; anything else was not written by `encode_entry`.
        1 => match serde_json::from_str(input.str()?).ok()? {
            serde_json::Value::Null => return None,
            raw => raw,
        },
        _ => return None,
    };
    input.is_empty().then(|| QnaEntry {
        id,
        file: path.to_path_buf(),
        form,
        language: language.to_string(),
        questions,
        answers,
        contexts,
        enabled,
        action,
        redirect,
        translations,
        raw,
        version,
    })
}

/// An entry [`encode_entry`] wrote, read in place: its fields found without copying any
/// ([`EncodedEntry::read`]). An entry kept with its raw document is not read so (it is
/// decoded whole).
#[derive(Debug, Clone, Copy)]
pub(in crate::workspace) struct EncodedEntry<'a> {
    /// The entry's id.
    pub(in crate::workspace) id: &'a str,
    /// Whether it is enabled.
    pub(in crate::workspace) enabled: bool,
    /// Its questions, answers and contexts in its own language.
    pub(in crate::workspace) questions: EncodedTexts<'a>,
    pub(in crate::workspace) answers: EncodedTexts<'a>,
    pub(in crate::workspace) contexts: EncodedTexts<'a>,
    /// Its translations' bytes (language, questions, answers, each in turn) and how many.
    translations: &'a [u8],
    translation_count: usize,
}

/// Texts [`Writer::strs`] wrote, read in place: a count, then each text.
#[derive(Debug, Clone, Copy)]
pub(in crate::workspace) struct EncodedTexts<'a> {
    bytes: &'a [u8],
    count: usize,
}

impl<'a> EncodedTexts<'a> {
    /// How many texts.
    pub(in crate::workspace) fn len(&self) -> usize {
        self.count
    }

    /// The texts' bytes in order, not checked to be UTF-8.
    pub(in crate::workspace) fn bytes(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let mut input = Reader::new(self.bytes);
        let left = input.u64().map_or(0, |_| self.count);
        (0..left).map_while(move |_| input.bytes())
    }

    /// The texts in order.
    pub(in crate::workspace) fn iter(&self) -> TextCursor<'a> {
        let mut input = Reader::new(self.bytes);
        let left = input.u64().map_or(0, |_| self.count);
        TextCursor { input, left }
    }

    /// The texts at the start of `input` (their lengths checked, not their bytes), with
    /// `input` moved past them.
    fn read(input: &mut Reader<'a>) -> Option<EncodedTexts<'a>> {
        let start = input.clone();
        let count = usize::try_from(input.u64()?).ok()?;
        for _ in 0..count {
            input.bytes()?;
        }
        let used = start.remaining() - input.remaining();
        Some(EncodedTexts {
            bytes: start.peek(used)?,
            count,
        })
    }
}

/// The texts of [`EncodedTexts`] one after another, each checked to be UTF-8 as it is
/// taken (were one not, the texts would end there).
#[derive(Debug, Clone)]
pub(in crate::workspace) struct TextCursor<'a> {
    input: Reader<'a>,
    left: usize,
}

impl<'a> Iterator for TextCursor<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let text = self.input.str();
        if text.is_none() {
            self.left = 0;
        }
        text
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<'a> EncodedEntry<'a> {
    /// The id of the entry `bytes` hold (its first field), read alone.
    pub(in crate::workspace) fn id_of(bytes: &'a [u8]) -> Option<&'a str> {
        Reader::new(bytes).str()
    }

    /// The entry `bytes` hold, as [`encode_entry`] wrote it: its layout checked (every
    /// field there, nothing after the last), its id checked to be UTF-8, its other texts
    /// not yet (each is when taken: checking every text of 100,000 entries when loading
    /// took them was a tenth of a cached start); `None` when they are not such an entry or
    /// when it was kept with its raw document.
    pub(in crate::workspace) fn read(bytes: &'a [u8]) -> Option<EncodedEntry<'a>> {
        let mut input = Reader::new(bytes);
        let id = input.str()?;
        if input.u8()? > 1 {
            return None;
        }
        let questions = EncodedTexts::read(&mut input)?;
        let answers = EncodedTexts::read(&mut input)?;
        let contexts = EncodedTexts::read(&mut input)?;
        let enabled = match input.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        if input.u8()? > 2 {
            return None;
        }
        match input.u8()? {
            0 => {}
            1 => {
                input.bytes()?;
                input.bytes()?;
            }
            _ => return None,
        }
        let translation_count = usize::try_from(input.u64()?).ok()?;
        let before = input.clone();
        let mut languages: Vec<&str> = Vec::new();
        for _ in 0..translation_count {
            let language = input.str()?;
            if languages.contains(&language) {
                return None;
            }
            languages.push(language);
            EncodedTexts::read(&mut input)?;
            EncodedTexts::read(&mut input)?;
        }
        let translations = before.peek(before.remaining() - input.remaining())?;
        match input.u8()? {
            0 => {}
            1 => {
                input.u64()?;
            }
            _ => return None,
        }
        // An entry kept with its document is decoded whole (its document parsed).
        (input.u8()? == 0 && input.is_empty()).then_some(EncodedEntry {
            id,
            enabled,
            questions,
            answers,
            contexts,
            translations,
            translation_count,
        })
    }

    /// Its questions in `language`, one of its translations' (none when it has no such
    /// translation); `own` is its own language.
    pub(in crate::workspace) fn questions_in(&self, language: &str, own: &str) -> EncodedTexts<'a> {
        if language == own {
            return self.questions;
        }
        let mut input = Reader::new(self.translations);
        for _ in 0..self.translation_count {
            let (Some(other), Some(questions), Some(_)) = (
                input.str(),
                EncodedTexts::read(&mut input),
                EncodedTexts::read(&mut input),
            ) else {
                break;
            };
            if other == language {
                return questions;
            }
        }
        EncodedTexts {
            bytes: &[],
            count: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn entries_read_back_as_written() {
        let entry = QnaEntry {
            id: "e1".to_string(),
            file: PathBuf::from("/w/bots/sub1/qna/e1.json"),
            form: QnaForm::V12,
            language: "en".to_string(),
            questions: vec!["où".to_string(), String::new()],
            answers: vec!["#!builtin_text-x".to_string()],
            contexts: vec!["global".to_string(), "hr".to_string()],
            enabled: false,
            action: QnaAction::TextRedirect,
            redirect: Some(Redirect {
                flow: "main.flow.json".to_string(),
                node: "entry".to_string(),
            }),
            translations: [(
                "fr".to_string(),
                Translation {
                    questions: vec!["où est".to_string()],
                    answers: vec![],
                },
            )]
            .into(),
            raw: serde_json::json!({"id": "e1", "notes": [1.5, -0.0, 1e20, "\u{1}"]}),
            version: Some(FileVersion::of(b"text")),
        };
        let mut out = Writer::default();
        encode_entry(&mut out, &entry);
        let bytes = out.into_bytes();
        assert_eq!(decode_entry(&bytes, &entry.file, "en"), Some(entry));
        for cut in 0..bytes.len() {
            assert!(decode_entry(&bytes[..cut], Path::new("x"), "en").is_none());
        }
    }
}
