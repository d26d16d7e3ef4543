//! Which version of a file's content interbot read or wrote: a [`FileVersion`], the 64-bit
//! FNV-1a hash of the exact bytes.
//!
//! A save compares the version it read with the version on disk to find out whether someone
//! else (another editor, `git pull`, a script) changed the file in between; the CLI takes and
//! prints versions as 16 hexadecimal digits (`qna edit --expect-version`). FNV-1a is stable
//! across platforms and Rust versions, so a version printed by one interbot is understood by
//! another. It is a change detector, not a security measure: it is not collision-resistant
//! against someone crafting content on purpose.
//!
//! This module sits below `error` (a conflict error names the version on disk), so it knows
//! nothing of files: reading a file's current version is `workspace::version`'s job.

use std::fmt;
use std::str::FromStr;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The version of a file's content: the FNV-1a hash of its exact bytes. Displays (and parses)
/// as 16 lower-case hexadecimal digits; serializes as that string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileVersion(u64);

impl FileVersion {
    /// The version of content made of exactly these bytes.
    pub fn of(bytes: &[u8]) -> FileVersion {
        let hash = bytes.iter().fold(FNV_OFFSET, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(FNV_PRIME)
        });
        FileVersion(hash)
    }

    /// The hash as a number.
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// The version whose hash is `hash` (as [`FileVersion::as_u64`] gave it).
    pub fn from_u64(hash: u64) -> FileVersion {
        FileVersion(hash)
    }
}

impl fmt::Display for FileVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// A text that is not a [`FileVersion`] (16 hexadecimal digits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a file version (16 hexadecimal digits, as `interbot qna show` prints)")]
pub struct ParseVersionError(pub String);

impl FromStr for FileVersion {
    type Err = ParseVersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.len() != 16 || !trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseVersionError(text.to_string()));
        }
        u64::from_str_radix(trimmed, 16)
            .map(FileVersion)
            .map_err(|_| ParseVersionError(text.to_string()))
    }
}

impl serde::Serialize for FileVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for FileVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_fnv1a_values() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(FileVersion::of(b"").as_u64(), 0xcbf2_9ce4_8422_2325);
        assert_eq!(FileVersion::of(b"a").as_u64(), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(FileVersion::of(b"foobar").as_u64(), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn one_byte_more_is_another_version() {
        assert_ne!(FileVersion::of(b"{}"), FileVersion::of(b"{}\n"));
    }

    #[test]
    fn display_and_parse_round_trip() {
        let version = FileVersion::of(b"a");
        assert_eq!(version.to_string(), "af63dc4c8601ec8c");
        assert_eq!("af63dc4c8601ec8c".parse(), Ok(version));
        assert_eq!("AF63DC4C8601EC8C".parse(), Ok(version));
        assert_eq!(FileVersion::of(b"").to_string().len(), 16);
        for bad in [
            "",
            "af63dc4c8601ec8",
            "af63dc4c8601ec8c0",
            "+f63dc4c8601ec8c",
            "zz",
        ] {
            assert!(bad.parse::<FileVersion>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serializes_as_its_hex_string() -> Result<(), serde_json::Error> {
        let version = FileVersion::of(b"a");
        let json = serde_json::to_string(&version)?;
        assert_eq!(json, "\"af63dc4c8601ec8c\"");
        assert_eq!(serde_json::from_str::<FileVersion>(&json)?, version);
        assert!(serde_json::from_str::<FileVersion>("\"nope\"").is_err());
        Ok(())
    }
}
