//! What the files of interbot's caches (the index cache, `index::cache`, and the QnA
//! snapshots, `workspace::snapshot`) have in common: a folder only its user can read, the
//! age of a file by its modification time, the slot of a folder read in a language, the
//! hash of the sources a cache's format depends on, and a large cache file's bytes mapped
//! into memory instead of read.

use std::fs;
use std::io;
use std::ops::Deref;
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

/// Cache files at least this large are mapped into memory ([`FileBytes::of`]); smaller ones
/// are read, which costs less than setting up a mapping.
const MAP_FROM_BYTES: u64 = 256 * 1024;

/// The bytes of a cache file, as [`FileBytes::of`] took them.
#[derive(Debug)]
pub(crate) enum FileBytes {
    /// Mapped into memory: the page cache's own pages, neither copied nor newly allocated.
    Mapped(memmap2::Mmap),
    /// Read into memory.
    Read(Vec<u8>),
}

impl FileBytes {
    /// No bytes.
    pub(crate) fn empty() -> FileBytes {
        FileBytes::Read(Vec::new())
    }

    /// The bytes of the regular file at `path` (a link is not followed), refused when it
    /// holds more than `limit`: mapped into memory from [`MAP_FROM_BYTES`], else read. Read,
    /// a 10,000-entry bot's QnA snapshot (3.8 MB) and the larger files of its cached index
    /// were each copied into newly allocated memory, about a fifth of the cost of taking
    /// them (the rest is checking their BLAKE3 hash).
    pub(crate) fn of(path: &Path, limit: u64) -> io::Result<FileBytes> {
        let mut options = fs::File::options();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW);
        }
        let file = options.open(path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "not a regular file",
            ));
        }
        if metadata.len() > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "larger than a cache file can be",
            ));
        }
        if metadata.len() < MAP_FROM_BYTES {
            let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
            io::Read::read_to_end(&mut io::Read::take(&file, limit), &mut bytes)?;
            return Ok(FileBytes::Read(bytes));
        }
        // SAFETY: the mapping is valid for as long as it lives, whatever happens to the
        // file: interbot writes its cache files whole under a temporary name and renames
        // them into place, never writing one in place, so what is mapped does not change. A
        // program that shortened a mapped file would make reading past its new end fault,
        // as it would tantivy's memory-mapped index files in the same private cache folder.
        let mapped = unsafe { memmap2::Mmap::map(&file)? };
        Ok(FileBytes::Mapped(mapped))
    }
}

impl Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(mapped) => mapped,
            FileBytes::Read(bytes) => bytes,
        }
    }
}

/// A BLAKE3 hash of length-prefixed fields, given to the hasher in blocks: a call to
/// `update` per short field cost 6 % of a cached start of 100,000 entries. The hash is the
/// same as with one call per field.
#[derive(Default)]
pub(crate) struct Fields {
    hasher: blake3::Hasher,
    pending: Vec<u8>,
}

impl Fields {
    const BLOCK: usize = 64 * 1024;

    pub(crate) fn field(&mut self, bytes: &[u8]) {
        self.pending
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= Self::BLOCK {
            self.hasher.update(&self.pending);
            self.pending.clear();
        }
    }

    pub(crate) fn finish(mut self) -> blake3::Hash {
        self.hasher.update(&self.pending);
        self.hasher.finalize()
    }
}
