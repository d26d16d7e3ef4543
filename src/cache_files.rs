//! What the files of interbot's caches (the index cache, `index::cache`, and the QnA
//! snapshots, `workspace::snapshot`) have in common: a folder only its user can read, the
//! age of a file by its modification time, the slot of a folder read in a language, and the
//! hash of the sources a cache's format depends on.

use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Creates `dir` and its missing parents, readable by the user alone (as the XDG base
/// directory specification asks of the cache folder it creates): the caches hold the
/// questions of every bot they keep.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Whether `path` was last modified more than `age` before `now` (`false` when that cannot
/// be told).
pub(crate) fn older_than(path: &Path, age: Duration, now: SystemTime) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|time| now.duration_since(time).is_ok_and(|d| d > age))
}

/// The slot of `folder` (its path's bytes) read in `language`: 16 hex digits of their
/// BLAKE3 hash, one place per folder and language.
pub(crate) fn slot(folder: &Path, language: &str) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(folder.as_os_str().as_encoded_bytes());
    hasher.update(&[0]);
    hasher.update(language.as_bytes());
    hasher.finalize().to_hex()[..16].to_string()
}

/// The BLAKE3 hash of `sources`, each with its length first.
pub(crate) fn sources_hash(sources: &[&str]) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    for source in sources {
        hasher.update(&(source.len() as u64).to_le_bytes());
        hasher.update(source.as_bytes());
    }
    hasher.finalize()
}
