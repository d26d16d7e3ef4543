//! The persistent index cache: a bot's indexes and entry classifier kept on disk between
//! runs, so a start-up that finds a bot unchanged opens its index (tantivy's
//! `MmapDirectory`) instead of analysing, writing and training them again.
//!
//! # Layout
//! One folder per bot language under the cache root (the user's cache folder,
//! `$XDG_CACHE_HOME/interbot` or `~/.cache/interbot` on Linux, or `--cache DIR`), named
//! `<slot>-<key>`:
//! - the **slot** (16 hex digits) hashes the bot folder's path and the language: one place
//!   per bot language of a workspace, so storing a new version removes the old one;
//! - the **key** (64 hex digits, BLAKE3) hashes everything the build reads: the format, the
//!   sources of the code that builds and trains (so any change to the analysis, the model's
//!   build-time constants, the classifier, the word vectors (their file's digest) or a
//!   dependency version is a new key), the language, and each indexed entry's question
//!   variants in order (hashed as the entries are taken, `IndexedEntries::questions_hash`). Ids, answers, contexts and disabled entries are not in it: they are
//!   read from the bot on every start, so editing an answer keeps the cached index.
//!
//! A folder holds `entries/` (the tantivy index), `interbot.bin` (the format, the key, the
//! per-entry lengths, the variants' words and the classifier weights) and `manifest`
//! (written last: the format, the key, and each file's size and BLAKE3 hash).
//!
//! The master's bot router, trained over every bot it asks, is kept beside them, in
//! `router/` (`router`).
//!
//! # Never trusted
//! A folder is built under a `.staging-*` name and renamed into place only once complete,
//! so a run stopped half-way leaves nothing that looks finished. Opening checks the
//! manifest's format and key and every file's size and hash before tantivy reads a byte,
//! and `build::assemble` checks that the index holds the entries and variants it was
//! built for: a corrupt, foreign or partly written folder is logged, removed and rebuilt,
//! never used. A cache that cannot be written (read-only, full disk) only costs the build:
//! the index is then built in RAM as without a cache.
//!
//! # Housekeeping
//! Only names of the cache's own form are ever removed, and only when a folder is stored:
//! the other versions of its slot, staging folders older than an hour, folders whose bot
//! folder no longer exists (a deleted or temporary workspace), and folders unused for 30
//! days (a hit refreshes the manifest's time at most once a day).

pub(crate) mod router;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use tantivy::Index;

use super::BotIndex;
use super::build::{self, IndexedEntries, Target, Written};
use super::variants::VariantQuestions;
use crate::cache_files::{self, Fields, FileBytes};
use crate::classifier::EntryClassifier;
use crate::codec::{Reader, Writer};
use crate::word_vectors::WordVectors;
use crate::workspace::Bot;

/// Bumped when the layout of a cache folder changes.
const FORMAT: u32 = 3;
/// First bytes of `interbot.bin` and first line of `manifest`.
const MAGIC: &str = "interbot index cache";
const MANIFEST: &str = "manifest";
const SIDECAR: &str = "interbot.bin";
const ENTRIES: &str = "entries";
const STAGING_PREFIX: &str = ".staging-";
/// A manifest larger than this is not one of ours.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Staging folders older than this belong to a run that stopped.
const STALE_STAGING: Duration = Duration::from_secs(60 * 60);
/// Folders not used for this long are removed when another is stored.
const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// A hit refreshes its folder's time when it is older than this.
const TOUCH_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The sources whose behaviour decides what a build writes: hashed into every key, so a
/// binary built from other code never reads this one's folders.
const BUILD_SOURCES: &[&str] = &[
    include_str!("mod.rs"),
    include_str!("../../codec.rs"),
    include_str!("../build.rs"),
    include_str!("../variants.rs"),
    include_str!("../texts.rs"),
    include_str!("../analysis.rs"),
    include_str!("../model.rs"),
    include_str!("../../classifier.rs"),
    include_str!("../../word_vectors.rs"),
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")),
];

/// Where built indexes are kept between runs, and from what size a bot's are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexCache {
    root: PathBuf,
}

impl IndexCache {
    /// A cache in `root` (created when the first index is stored).
    pub fn at(root: impl Into<PathBuf>) -> IndexCache {
        IndexCache { root: root.into() }
    }

    /// The user's cache folder for interbot (`$XDG_CACHE_HOME/interbot`, else
    /// `~/.cache/interbot` on Linux), `None` when the platform has none.
    pub fn user_default() -> Option<IndexCache> {
        dirs::cache_dir().map(|dir| IndexCache::at(dir.join("interbot")))
    }

    /// The folder that holds the cached indexes.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `bot`'s index in `language` of `entries`: opened from the cache when it holds this
    /// exact build, else built and stored (in RAM only when the cache cannot be written).
    /// Every bot is cached, however small: opening the demo's smallest bot costs less than
    /// building it (building starts a tantivy writer with its 15 MB arena and its threads).
    pub(super) fn index(
        &self,
        bot: &Bot,
        language: &str,
        entries: IndexedEntries,
        progress: &dyn Fn(usize, usize),
    ) -> tantivy::Result<BotIndex> {
        let key = key(language, &entries);
        let bot_folder = fs::canonicalize(&bot.dir).unwrap_or_else(|_| bot.dir.clone());
        let folder = self.root.join(format!(
            "{}-{key}",
            cache_files::slot(&bot_folder, language)
        ));
        // The entries go into the index opened (a copy of 100,000 entries' questions was a
        // twentieth of a cached start); on the rare way past a failed opening they are
        // made again from the bot, the same.
        match open_searchable(&folder, &key, bot, language, entries) {
            Ok(Some(index)) => {
                tracing::debug!(bot = %bot.id, language, "index opened from the cache");
                return Ok(index);
            }
            Ok(None) => {}
            Err(reason) => reject(&folder, &reason),
        }
        let entries = build::indexed_entries(bot, language);
        match self.store(&folder, &key, &bot_folder, language, &entries, progress) {
            Ok(()) => match open_searchable(&folder, &key, bot, language, entries) {
                Ok(Some(index)) => return Ok(index),
                Ok(None) => tracing::warn!(folder = %folder.display(), "stored index vanished"),
                Err(reason) => reject(&folder, &reason),
            },
            Err(error) => tracing::warn!(
                folder = %self.root.display(),
                %error,
                "cannot keep the index in the cache; indexing in memory"
            ),
        }
        let entries = build::indexed_entries(bot, language);
        let written = build::write(&entries, language, Target::Ram, &|_, _| {})?;
        build::assemble(bot, language, entries, written)
    }

    /// Builds `entries` into a staging folder, then renames it to `folder` and removes the
    /// slot's other versions and stale folders.
    fn store(
        &self,
        folder: &Path,
        key: &str,
        bot_folder: &Path,
        language: &str,
        entries: &IndexedEntries,
        progress: &dyn Fn(usize, usize),
    ) -> io::Result<()> {
        cache_files::create_private_dir(&self.root)?;
        let staging = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(&self.root)?;
        let entries_dir = staging.path().join(ENTRIES);
        fs::create_dir(&entries_dir)?;
        let target = Target::Folder(&entries_dir);
        let written =
            build::write(entries, language, target, progress).map_err(io::Error::other)?;
        let sidecar = encode_sidecar(key, &written);
        // Close the indexes before their files are hashed and renamed.
        drop(written);
        write_synced(&staging.path().join(SIDECAR), &sidecar)?;
        let manifest = manifest(staging.path(), key, bot_folder)?;
        write_synced(&staging.path().join(MANIFEST), manifest.as_bytes())?;
        let staged = staging.keep();
        if let Err(error) = fs::rename(&staged, folder) {
            // Another run stored the same key first: its folder is as good as this one.
            let _ = fs::remove_dir_all(&staged);
            if !folder.join(MANIFEST).is_file() {
                return Err(error);
            }
        }
        self.evict(folder);
        Ok(())
    }

    /// Removes the other versions of `kept`'s slot, staging folders left by runs that
    /// stopped, folders of bots that are gone, and folders unused for [`UNUSED_FOR`]; only
    /// names of the cache's own form.
    fn evict(&self, kept: &Path) {
        let Some(kept_name) = kept.file_name().and_then(|n| n.to_str()) else {
            return;
        };
        let slot_prefix = &kept_name[..=kept_name.find('-').unwrap_or(0)];
        let Ok(listing) = fs::read_dir(&self.root) else {
            return;
        };
        let now = SystemTime::now();
        let older_than = |path: &Path, age: Duration| cache_files::older_than(path, age, now);
        for item in listing.flatten() {
            let name = item.file_name();
            let Some(name) = name.to_str() else { continue };
            let path = item.path();
            let remove = if name.starts_with(STAGING_PREFIX) {
                older_than(&path, STALE_STAGING)
            } else if is_folder_name(name) && name != kept_name {
                name.starts_with(slot_prefix)
                    || older_than(&path.join(MANIFEST), UNUSED_FOR)
                    || indexes_a_gone_bot(&path)
            } else {
                false
            };
            if remove && let Err(error) = fs::remove_dir_all(&path) {
                tracing::debug!(folder = %path.display(), %error, "cannot remove a cache folder");
            }
        }
    }
}

/// The searchable index kept in `folder` for `key` ([`open`], then
/// [`build::assemble`]): `Ok(None)` when there is none, `Err(reason)` when it is there but
/// unusable. The manifest's hashes catch damage, not a hostile writer: a file crafted to
/// match its hash could still make tantivy panic while opening it, so a panic here is one
/// more reason to rebuild, not a crash.
fn open_searchable(
    folder: &Path,
    key: &str,
    bot: &Bot,
    language: &str,
    entries: IndexedEntries,
) -> Result<Option<BotIndex>, String> {
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let Some(written) = open(folder, key)? else {
            return Ok(None);
        };
        build::assemble(bot, language, entries, written)
            .map(Some)
            .map_err(|error| error.to_string())
    }));
    attempt.unwrap_or_else(|_| Err("opening it panicked".to_string()))
}

/// Logs why a cache folder is not used, and removes it so it is rebuilt.
fn reject(folder: &Path, reason: &str) {
    tracing::warn!(folder = %folder.display(), reason, "cached index rejected; rebuilding it");
    if let Err(error) = fs::remove_dir_all(folder)
        && error.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(folder = %folder.display(), %error, "cannot remove a rejected cache folder");
    }
}

/// Whether `name` has the form of a cache folder: 16 hex digits, `-`, 64 hex digits.
fn is_folder_name(name: &str) -> bool {
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    name.split_once('-')
        .is_some_and(|(slot, key)| hex(slot, 16) && hex(key, 64))
}

/// The hash of [`BUILD_SOURCES`] and of which word vectors the classifiers read (their
/// file's digest: hashing the 6 MB file itself would cost a few ms a start), computed once.
fn build_fingerprint() -> &'static blake3::Hash {
    static FINGERPRINT: OnceLock<blake3::Hash> = OnceLock::new();
    FINGERPRINT.get_or_init(|| {
        let vectors = WordVectors::english().map_or(&[][..], WordVectors::digest);
        let mut hasher = blake3::Hasher::new();
        hasher.update(cache_files::sources_hash(BUILD_SOURCES).as_bytes());
        hasher.update(vectors);
        hasher.finalize()
    })
}

/// The key of a build of `entries` in `language` (see the module doc): their variants are
/// in it as the hash [`IndexedEntries`] made of them.
fn key(language: &str, entries: &IndexedEntries) -> String {
    let mut hasher = Fields::default();
    hasher.field(MAGIC.as_bytes());
    hasher.field(&FORMAT.to_le_bytes());
    hasher.field(build_fingerprint().as_bytes());
    hasher.field(language.as_bytes());
    hasher.field(&(entries.len() as u64).to_le_bytes());
    hasher.field(entries.questions_hash().as_bytes());
    hasher.finish().to_hex().to_string()
}

/// `interbot.bin`: what the search needs beside the entries index.
fn encode_sidecar(key: &str, written: &Written) -> Vec<u8> {
    let mut out = Writer::default();
    out.str(MAGIC);
    out.u32(FORMAT);
    out.str(key);
    out.f32(written.totals[0]);
    out.f32(written.totals[1]);
    out.f32s(&written.log_lens.concat());
    written.variants.encode(&mut out);
    match &written.classifier {
        Some(classifier) => {
            out.u8(1);
            classifier.encode(&mut out);
        }
        None => out.u8(0),
    }
    out.into_bytes()
}

/// What `interbot.bin` holds beside the entries index.
struct Sidecar {
    totals: [f32; 2],
    log_lens: Vec<[f32; 2]>,
    variants: VariantQuestions,
    classifier: Option<EntryClassifier>,
}

fn decode_sidecar(bytes: &Arc<FileBytes>, key: &str) -> Option<Sidecar> {
    let mut input = Reader::new(bytes);
    if input.str()? != MAGIC || input.u32()? != FORMAT || input.str()? != key {
        return None;
    }
    let totals = [input.f32()?, input.f32()?];
    let lens = input.f32s()?;
    if lens.len() % 2 != 0 {
        return None;
    }
    let log_lens = lens.chunks_exact(2).map(|l| [l[0], l[1]]).collect();
    let variants = VariantQuestions::decode(&mut input, bytes)?;
    let classifier = match input.u8()? {
        0 => None,
        1 => Some(EntryClassifier::decode(&mut input)?),
        _ => return None,
    };
    input.is_empty().then_some(Sidecar {
        totals,
        log_lens,
        variants,
        classifier,
    })
}

/// The manifest of a complete folder: format, key, the bot folder it indexes (hex of its
/// path's bytes, so any path fits on one line), then `path size hash` per file.
fn manifest(folder: &Path, key: &str, bot_folder: &Path) -> io::Result<String> {
    let bot = hex(bot_folder.as_os_str().as_encoded_bytes());
    let mut text = format!("{MAGIC} {FORMAT}\nkey {key}\nbot {bot}\n");
    let mut files = vec![SIDECAR.to_string()];
    for item in fs::read_dir(folder.join(ENTRIES))? {
        let item = item?;
        if item.file_type()?.is_file()
            && let Some(name) = item.file_name().to_str()
        {
            files.push(format!("{ENTRIES}/{name}"));
        }
    }
    files.sort();
    for file in files {
        let (size, hash) = hash_of(&FileBytes::of(&folder.join(&file), MAX_CACHED_FILE_BYTES)?);
        text.push_str(&format!("{file} {size} {hash}\n"));
    }
    Ok(text)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bot folder a manifest's `bot` line names.
fn bot_folder_of(line: &str) -> Option<PathBuf> {
    let digits = line.strip_prefix("bot ")?;
    if digits.is_empty() || digits.len() % 2 != 0 {
        return None;
    }
    let bytes = (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(bytes).ok().map(PathBuf::from)
    }
}

/// Whether the folder's manifest names a bot folder that no longer exists (a workspace
/// deleted or moved, such as a temporary one): its index can never be used again.
fn indexes_a_gone_bot(folder: &Path) -> bool {
    let manifest = folder.join(MANIFEST);
    let small = fs::metadata(&manifest).is_ok_and(|m| m.is_file() && m.len() <= MAX_MANIFEST_BYTES);
    if !small {
        return false;
    }
    fs::read_to_string(&manifest)
        .ok()
        .and_then(|text| text.lines().nth(2).and_then(bot_folder_of))
        .is_some_and(|bot| matches!(fs::exists(&bot), Ok(false)))
}

/// The most a cached file can hold.
const MAX_CACHED_FILE_BYTES: u64 = 1 << 34;

/// Size and BLAKE3 hash (hex) of `bytes`, a cached file's.
fn hash_of(bytes: &[u8]) -> (u64, String) {
    // A file is hashed in one call, whole: BLAKE3's reader zeroes a 64 KiB buffer on every
    // call, which for HWU64's 171 small files was a tenth of a cached start's instructions,
    // and copied a large file through it.
    let hash = blake3::hash(bytes);
    (bytes.len() as u64, hash.to_hex().to_string())
}

/// Writes `bytes` to a new file and flushes it to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = fs::File::create_new(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Whether a manifest line's path is one a cache folder holds: `interbot.bin`, or one plain
/// file name inside `entries/` (never `..`, never deeper).
fn is_cached_file(path: &str) -> bool {
    if path == SIDECAR {
        return true;
    }
    let plain = |name: &str| {
        !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
    };
    path.split_once('/')
        .is_some_and(|(dir, name)| dir == ENTRIES && plain(name))
}

/// The build kept in `folder` for `key`: `Ok(None)` when there is none, `Err(reason)` when
/// the folder is there but not a complete, intact build of `key`.
fn open(folder: &Path, key: &str) -> Result<Option<Written>, String> {
    let manifest_path = folder.join(MANIFEST);
    let metadata = match fs::metadata(&manifest_path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return if folder.exists() {
                Err("no manifest: the folder was never completed".to_string())
            } else {
                Ok(None)
            };
        }
        Err(error) => return Err(format!("manifest: {error}")),
    };
    if !metadata.is_file() || metadata.len() > MAX_MANIFEST_BYTES {
        return Err("the manifest is not a small regular file".to_string());
    }
    let text = fs::read_to_string(&manifest_path).map_err(|e| format!("manifest: {e}"))?;
    let mut lines = text.lines();
    if lines.next() != Some(&format!("{MAGIC} {FORMAT}")) {
        return Err("another format or program".to_string());
    }
    if lines.next() != Some(&format!("key {key}")) {
        return Err("the manifest's key is not the folder's".to_string());
    }
    if lines.next().and_then(bot_folder_of).is_none() {
        return Err("the manifest does not name its bot folder".to_string());
    }
    let mut sidecar = None;
    for line in lines {
        let mut parts = line.split(' ');
        let (Some(path), Some(size), Some(hash), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("bad manifest line `{line}`"));
        };
        if !is_cached_file(path) {
            return Err(format!("the manifest names `{path}`"));
        }
        let bytes = FileBytes::of(&folder.join(path), MAX_CACHED_FILE_BYTES)
            .map_err(|e| format!("{path}: {e}"))?;
        let (actual_size, actual_hash) = hash_of(&bytes);
        if size != actual_size.to_string() || hash != actual_hash {
            return Err(format!("{path} is not the file that was stored"));
        }
        // The sidecar is decoded from the very bytes whose hash was checked.
        if path == SIDECAR {
            sidecar = Some(Arc::new(bytes));
        }
    }
    let Some(sidecar) = sidecar else {
        return Err(format!("the manifest does not list {SIDECAR}"));
    };
    let Sidecar {
        totals,
        log_lens,
        variants,
        classifier,
    } = decode_sidecar(&sidecar, key).ok_or_else(|| format!("{SIDECAR} does not decode"))?;
    let open_index =
        |dir: &str| Index::open_in_dir(folder.join(dir)).map_err(|e| format!("{dir}: {e}"));
    let written = Written {
        entries: open_index(ENTRIES)?,
        variants,
        totals,
        log_lens,
        classifier,
    };
    touch(&manifest_path, &metadata);
    Ok(Some(written))
}

/// Marks a folder (by its manifest) or a router file used now, at most once a day, so
/// housekeeping keeps it; `metadata` is the file's.
fn touch(manifest: &Path, metadata: &fs::Metadata) {
    let stale = metadata
        .modified()
        .ok()
        .and_then(|time| SystemTime::now().duration_since(time).ok())
        .is_some_and(|age| age > TOUCH_AFTER);
    if stale && let Ok(file) = fs::File::options().append(true).open(manifest) {
        let _ = file.set_modified(SystemTime::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_caches_own_names_and_files_are_accepted() {
        let slot = "0123456789abcdef";
        let key = "a".repeat(64);
        assert!(is_folder_name(&format!("{slot}-{key}")));
        for name in [
            "",
            "notes",
            "0123456789abcdef-abc",
            &format!("{slot}-{key}x"),
        ] {
            assert!(!is_folder_name(name), "{name}");
        }
        for path in ["interbot.bin", "entries/meta.json", "entries/abc.idx"] {
            assert!(is_cached_file(path), "{path}");
        }
        for path in [
            "manifest",
            "entries/..",
            "entries/a/b",
            "variants/abc.idx",
            "../x",
            "/etc/passwd",
            "x/y",
        ] {
            assert!(!is_cached_file(path), "{path}");
        }
    }

    #[test]
    fn a_manifest_names_any_bot_folder_on_one_line() {
        for path in ["/tmp/ws/bots/sub1", "/home/é ü/bots/a\nb", "relative"] {
            let line = format!(
                "bot {}",
                hex(Path::new(path).as_os_str().as_encoded_bytes())
            );
            assert!(!line.contains('\n'));
            assert_eq!(bot_folder_of(&line), Some(PathBuf::from(path)));
        }
        for line in ["bot ", "bot 4", "bot zz", "key 00", "bot 2f\u{e9}"] {
            assert_eq!(bot_folder_of(line), None, "{line}");
        }
    }

    #[test]
    fn a_sidecar_reads_back_only_under_its_own_key() {
        let written = Written {
            entries: Index::create_in_ram(tantivy::schema::Schema::builder().build()),
            variants: VariantQuestions::default(),
            totals: [3.0, 1.0],
            log_lens: vec![[1.0, 2.0], [0.5, 0.25]],
            classifier: None,
        };
        let bytes = encode_sidecar("k1", &written);
        let decode =
            |bytes: &[u8], key| decode_sidecar(&Arc::new(FileBytes::Read(bytes.to_vec())), key);
        let sidecar = decode(&bytes, "k1").expect("decodes");
        assert_eq!(sidecar.totals, [3.0, 1.0]);
        assert_eq!(sidecar.log_lens, vec![[1.0, 2.0], [0.5, 0.25]]);
        assert_eq!(sidecar.variants, VariantQuestions::default());
        assert!(sidecar.classifier.is_none());
        assert!(decode(&bytes, "k2").is_none());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], "k1").is_none());
        }
    }
}
