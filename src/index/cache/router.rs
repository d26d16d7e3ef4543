//! The bot router kept in the cache: training one takes seconds (HWU64: 1.6–1.9 s) where a
//! cached start takes milliseconds, so a router trained on the same variants by the same
//! build is read back instead.
//!
//! One file per router, `router/<key>.bin` under the cache root. The **key** (BLAKE3, 64 hex
//! digits) hashes the format, the build's sources ([`super::BUILD_SOURCES`], which hold the
//! classifier's and the analysis's code), the router's own source, the language, and each bot
//! with its variants in order: anything that changes what training gives is a new key.
//! The file holds the format, the key, the bots and the classifier, then a BLAKE3 hash of
//! all of it; one whose hash, key or bots do not match, or that does not decode whole, is
//! removed and trained again, never used. It is written under a `.staging-*` name and
//! renamed into place. Storing one removes the router files unused for
//! [`super::UNUSED_FOR`] and stale staging files; using one refreshes its time at most once
//! a day.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{IndexCache, STAGING_PREFIX, STALE_STAGING, UNUSED_FOR, build_fingerprint, touch};
use crate::cache_files::{self, Fields};
use crate::classifier::EntryClassifier;
use crate::codec::{Reader, Writer, checked_body};

/// Bumped when the file's layout changes.
const FORMAT: u32 = 1;
const MAGIC: &str = "interbot bot router";
const FOLDER: &str = "router";
const EXTENSION: &str = "bin";
/// A router file larger than this is not one of ours (HWU64's is about 5 MB).
const MAX_BYTES: u64 = 512 * 1024 * 1024;
/// The router's source: how it trains is part of the key.
const ROUTER_SOURCE: &str = include_str!("../router.rs");

/// The key of a router trained in `language` on each bot's `variants` (see the module
/// documentation).
pub(crate) fn key<'a>(
    language: &str,
    variants: impl Iterator<Item = (&'a str, Vec<&'a str>)>,
) -> String {
    let mut hasher = Fields::default();
    hasher.field(MAGIC.as_bytes());
    hasher.field(&FORMAT.to_le_bytes());
    hasher.field(build_fingerprint().as_bytes());
    hasher.field(ROUTER_SOURCE.as_bytes());
    hasher.field(language.as_bytes());
    for (bot, variants) in variants {
        hasher.field(bot.as_bytes());
        hasher.field(&(variants.len() as u64).to_le_bytes());
        for variant in variants {
            hasher.field(variant.as_bytes());
        }
    }
    hasher.finish().to_hex().to_string()
}

impl IndexCache {
    /// The classifier of the router stored under `key` for `bots`, if the cache holds a
    /// sound one; an unsound file is removed (and logged).
    pub(crate) fn router(&self, key: &str, bots: &[String]) -> Option<EntryClassifier> {
        let path = self.router_path(key);
        let metadata = fs::metadata(&path).ok()?;
        let read = (metadata.len() <= MAX_BYTES)
            .then(|| fs::read(&path).ok())
            .flatten()
            .and_then(|bytes| decode(&bytes, key, bots));
        match read {
            Some(classifier) => {
                touch(&path, &metadata);
                Some(classifier)
            }
            None => {
                tracing::warn!(file = %path.display(), "cached bot router rejected; training it again");
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores a router's `classifier` for `bots` under `key`; a cache that cannot be
    /// written only costs training it again next time (logged).
    pub(crate) fn store_router(&self, key: &str, bots: &[String], classifier: &EntryClassifier) {
        if let Err(error) = self.write_router(key, bots, classifier) {
            tracing::debug!(%error, "cannot store the bot router in the cache");
        }
    }

    fn write_router(
        &self,
        key: &str,
        bots: &[String],
        classifier: &EntryClassifier,
    ) -> io::Result<()> {
        let folder = self.root.join(FOLDER);
        cache_files::create_private_dir(&folder)?;
        let mut staging = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempfile_in(&folder)?;
        staging.write_all(&encode(key, bots, classifier))?;
        staging.as_file().sync_all()?;
        let path = self.router_path(key);
        staging.persist(&path).map_err(|error| error.error)?;
        evict(&folder, &path);
        Ok(())
    }

    fn router_path(&self, key: &str) -> PathBuf {
        self.root.join(FOLDER).join(format!("{key}.{EXTENSION}"))
    }
}

fn encode(key: &str, bots: &[String], classifier: &EntryClassifier) -> Vec<u8> {
    let mut out = Writer::default();
    out.str(MAGIC);
    out.u32(FORMAT);
    out.str(key);
    out.strs(bots);
    classifier.encode(&mut out);
    out.into_checked_bytes()
}

/// The classifier in `bytes`, `None` unless the checksum, format, key and bots all match
/// and everything decodes.
fn decode(bytes: &[u8], key: &str, bots: &[String]) -> Option<EntryClassifier> {
    let mut input = Reader::new(checked_body(bytes)?);
    let sound = input.str()? == MAGIC
        && input.u32()? == FORMAT
        && input.str()? == key
        && input.strs()? == bots;
    if !sound {
        return None;
    }
    let classifier = EntryClassifier::decode(&mut input)?;
    // Which class stands for which bot is the router's to check (a class per bot or
    // per entry: `TrainingSet::class_bots`).
    (input.is_empty() && classifier.classes() >= bots.len()).then_some(classifier)
}

/// Removes router files unused for [`UNUSED_FOR`] and staging files older than
/// [`STALE_STAGING`] from `folder`, but never `kept`; only names of this cache's forms.
fn evict(folder: &Path, kept: &Path) {
    let Ok(listing) = fs::read_dir(folder) else {
        return;
    };
    let now = SystemTime::now();
    for item in listing.flatten() {
        let path = item.path();
        let name = item.file_name();
        let Some(name) = name.to_str() else { continue };
        let age = |limit: Duration| cache_files::older_than(&path, limit, now);
        let remove = if name.starts_with(STAGING_PREFIX) {
            age(STALE_STAGING)
        } else {
            is_router_name(name) && path != kept && age(UNUSED_FOR)
        };
        if remove && let Err(error) = fs::remove_file(&path) {
            tracing::debug!(file = %path.display(), %error, "cannot remove a cached bot router");
        }
    }
}

/// Whether `name` has the form of a router file: 64 hex digits and `.bin`.
fn is_router_name(name: &str) -> bool {
    name.strip_suffix(".bin")
        .is_some_and(|key| key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()))
}
