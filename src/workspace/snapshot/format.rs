//! The bytes of a snapshot file: a header (what it is, the folder and language it was read
//! in, its format and a hash of the sources that parse QnA files), then for each file its
//! name, status and entry, then a BLAKE3 hash of everything before. Every field read back is
//! checked (`codec`); nothing here touches the disk.

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use crate::cache_files;
use crate::codec::{Reader, Writer, checked_body};
use crate::version::FileVersion;
use crate::workspace::folder::FileStatus;
use crate::workspace::qna::{QnaAction, QnaEntry, QnaForm, Redirect, Translation};

/// Bumped when the layout of a snapshot file changes.
const FORMAT: u32 = 2;
/// First field of every snapshot file.
const MAGIC: &str = "interbot qna snapshot";

/// The sources whose behaviour decides what entry a file parses into: hashed into every
/// snapshot, so a binary that parses otherwise never takes this one's entries.
const PARSE_SOURCES: &[&str] = &[
    include_str!("mod.rs"),
    include_str!("format.rs"),
    include_str!("../folder.rs"),
    include_str!("../qna.rs"),
    include_str!("../json.rs"),
    include_str!("../json_match.rs"),
    include_str!("../read.rs"),
    include_str!("../../codec.rs"),
    include_str!("../../version.rs"),
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")),
];

/// One record of a snapshot: where its name and entry are in the snapshot's bytes.
#[derive(Debug)]
pub(super) struct Record {
    /// The file's name.
    pub(super) name: Range<usize>,
    /// The file's status when its entry was read.
    pub(super) status: FileStatus,
    /// The entry, as [`encode_entry`] wrote it.
    pub(super) entry: Range<usize>,
}

/// The hash of [`PARSE_SOURCES`], computed once.
fn parse_fingerprint() -> &'static blake3::Hash {
    static FINGERPRINT: OnceLock<blake3::Hash> = OnceLock::new();
    FINGERPRINT.get_or_init(|| cache_files::sources_hash(PARSE_SOURCES))
}

/// A whole snapshot file of `records` (name, status and entry of each file, in name order)
/// of `folder` read in `language`.
pub(super) fn encode(
    folder: &Path,
    language: &str,
    records: &[(&[u8], FileStatus, &QnaEntry)],
) -> Vec<u8> {
    let mut out = Writer::default();
    encode_header(&mut out, folder, language);
    out.u64(records.len() as u64);
    let mut entry = Writer::default();
    for (name, status, qna) in records {
        out.bytes(name);
        status.encode(&mut out);
        encode_entry(&mut entry, qna);
        out.bytes(&std::mem::take(&mut entry).into_bytes());
    }
    out.into_checked_bytes()
}

/// The start of every snapshot: what it is, and the folder it was read from (first, so
/// housekeeping finds it in a snapshot of another format).
fn encode_header(out: &mut Writer, folder: &Path, language: &str) {
    out.str(MAGIC);
    out.bytes(folder.as_os_str().as_encoded_bytes());
    out.u32(FORMAT);
    out.raw(parse_fingerprint().as_bytes());
    out.str(language);
}

/// The bytes of the folder a snapshot's start (`head`) names, when it is a snapshot's start
/// of any format.
pub(super) fn folder_in_header(head: &[u8]) -> Option<&[u8]> {
    let mut input = Reader::new(head);
    if input.str()? != MAGIC {
        return None;
    }
    input.bytes()
}

/// The records of a snapshot's `bytes` if it is a whole snapshot of `folder` in `language`
/// by this build, with its records in strictly increasing name order.
pub(super) fn parse(bytes: &[u8], folder: &Path, language: &str) -> Option<Vec<Record>> {
    let body = checked_body(bytes)?;
    let mut input = Reader::new(body);
    let header_ok = input.str()? == MAGIC
        && input.bytes()? == folder.as_os_str().as_encoded_bytes()
        && input.u32()? == FORMAT
        && input.raw(blake3::OUT_LEN)? == parse_fingerprint().as_bytes()
        && input.str()? == language;
    if !header_ok {
        return None;
    }
    let count = usize::try_from(input.u64()?).ok()?;
    let mut records: Vec<Record> = Vec::with_capacity(count.min(input.remaining() / 16));
    let offset = |input: &Reader<'_>| body.len() - input.remaining();
    for _ in 0..count {
        let name_len = input.bytes()?.len();
        let name = offset(&input) - name_len..offset(&input);
        let status = FileStatus::decode(&mut input)?;
        let entry_len = input.bytes()?.len();
        let entry = offset(&input) - entry_len..offset(&input);
        if let Some(last) = records.last()
            && body[last.name.clone()] >= body[name.clone()]
        {
            return None;
        }
        records.push(Record {
            name,
            status,
            entry,
        });
    }
    input.is_empty().then_some(records)
}

/// Appends an entry's fields (all but its file and language, which loading knows), its raw
/// document as JSON text when it has one.
fn encode_entry(out: &mut Writer, entry: &QnaEntry) {
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
pub(super) fn decode_entry(bytes: &[u8], path: &Path, language: &str) -> Option<QnaEntry> {
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
