//! Atomic file writes: nothing the user wrote is lost if interbot stops half-way.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so the
/// target is either the old or the new content, never a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("path has no file name"))?;
    let tmp = dir.join(format!(
        ".{}.interbot-{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Whether `id` can safely become a file name inside a bot folder: non-empty, at most 200
/// bytes, only ASCII letters, digits, `_`, `-` and `.`, and not `.` or `..` or hidden.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_escape_the_bot_folder_are_rejected() {
        for bad in [
            "", ".", "..", "../x", "a/b", "a\\b", ".hidden", "a b", "é", "x\0",
        ] {
            assert!(!is_safe_id(bad), "{bad:?} must be rejected");
        }
        for good in ["0ab47mj3e3_i_have_a_question", "sub1", "a-b.c"] {
            assert!(is_safe_id(good), "{good:?} must be accepted");
        }
    }

    #[test]
    fn atomic_write_replaces_content() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("x.json");
        write_atomic(&path, b"one")?;
        write_atomic(&path, b"two")?;
        assert_eq!(std::fs::read_to_string(&path)?, "two");
        assert_eq!(
            std::fs::read_dir(dir.path())?.count(),
            1,
            "no temporary file left"
        );
        Ok(())
    }
}
