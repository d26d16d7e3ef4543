//! The bytes of a snapshot file: a header (what it is, the folder and language it was read
//! in, its format and a hash of the sources that parse QnA files), then for each file its
//! name, status and entry, then a BLAKE3 hash of everything before. Every field read back is
//! checked (`codec`); nothing here touches the disk.

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use crate::cache_files;
use crate::codec::{Reader, Writer, checked_body};
use foldhash::{HashSet, HashSetExt};

use crate::workspace::entry_codec::{EncodedEntry, encode_entry};
use crate::workspace::folder::FileStatus;
use crate::workspace::qna::QnaEntry;

/// Bumped when the layout of a snapshot file changes.
const FORMAT: u32 = 3;
/// First field of every snapshot file.
const MAGIC: &str = "interbot qna snapshot";

/// The sources whose behaviour decides what entry a file parses into: hashed into every
/// snapshot, so a binary that parses otherwise never takes this one's entries.
const PARSE_SOURCES: &[&str] = &[
    include_str!("mod.rs"),
    include_str!("format.rs"),
    include_str!("../entry_codec.rs"),
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

/// Where each record of a snapshot starts in its bytes: a record is read from there when it
/// is used ([`record_at`]). Every record is read once when the snapshot is parsed, but
/// holding each one read (88 bytes) was 9 MB of new memory for 100,000 files, an eighth of
/// the page faults of a cached start.
pub(super) type Records = Vec<usize>;

/// The record that starts at byte `start` of a snapshot's `bytes` (one [`parse`] found).
pub(super) fn record_at(bytes: &[u8], start: usize) -> Option<Record> {
    let mut input = Reader::new(bytes.get(start..)?);
    let offset = |input: &Reader<'_>| bytes.len() - input.remaining();
    let name_len = input.bytes()?.len();
    let name = offset(&input) - name_len..offset(&input);
    let status = FileStatus::decode(&mut input)?;
    let entry_len = input.bytes()?.len();
    let entry = offset(&input) - entry_len..offset(&input);
    Some(Record {
        name,
        status,
        entry,
    })
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
    records: &[(&[u8], FileStatus, Recorded<'_>)],
) -> Vec<u8> {
    let mut out = Writer::default();
    encode_header(&mut out, folder, language);
    out.u64(records.len() as u64);
    out.u8(u8::from(distinct_ids(records)));
    let mut entry = Writer::default();
    for (name, status, recorded) in records {
        out.bytes(name);
        status.encode(&mut out);
        match recorded {
            Recorded::Entry(qna) => {
                encode_entry(&mut entry, qna);
                out.bytes(&std::mem::take(&mut entry).into_bytes());
            }
            Recorded::Encoded(bytes) => out.bytes(bytes),
        }
    }
    out.into_checked_bytes()
}

/// Whether the entries of `records` all have different ids (an entry whose id cannot be read
/// counts as a repeat).
fn distinct_ids(records: &[(&[u8], FileStatus, Recorded<'_>)]) -> bool {
    let mut seen = HashSet::with_capacity(records.len());
    records.iter().all(|(_, _, recorded)| {
        let id = match recorded {
            Recorded::Entry(qna) => Some(qna.id.as_str()),
            Recorded::Encoded(bytes) => EncodedEntry::id_of(bytes),
        };
        id.is_some_and(|id| seen.insert(id))
    })
}

/// A file's entry as a snapshot records it.
#[derive(Debug, Clone, Copy)]
pub(in crate::workspace) enum Recorded<'a> {
    /// An entry to encode.
    Entry(&'a QnaEntry),
    /// An entry already encoded (served by the snapshot before), copied as it is.
    Encoded(&'a [u8]),
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

/// A parsed snapshot: where its records start, and whether their entries' ids are all
/// different (told when it was written).
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) records: Records,
    pub(super) distinct_ids: bool,
}

/// The records of a snapshot's `bytes` if it is a whole snapshot of `folder` in `language`
/// by this build, with its records in strictly increasing name order.
pub(super) fn parse(bytes: &[u8], folder: &Path, language: &str) -> Option<Parsed> {
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
    let distinct_ids = match input.u8()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let mut records: Records = Vec::with_capacity(count.min(input.remaining() / 16));
    let mut at = body.len() - input.remaining();
    let mut last_name: Option<&[u8]> = None;
    for _ in 0..count {
        let record = record_at(body, at)?;
        let name = body.get(record.name)?;
        if last_name.is_some_and(|last| last >= name) {
            return None;
        }
        last_name = Some(name);
        records.push(at);
        at = record.entry.end;
    }
    (at == body.len()).then_some(Parsed {
        records,
        distinct_ids,
    })
}
