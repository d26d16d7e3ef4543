//! Atomic file writes: nothing the user wrote is lost if interbot stops half-way.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so the
/// target is either the old or the new content, never a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, bytes, |from, to| std::fs::rename(from, to))
}

/// [`write_atomic`] with the final step given, so a test can make it fail the way a full
/// disk or a killed process would.
fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    rename: impl FnOnce(&Path, &Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("path has no file name"))?;
    let tmp = dir.join(temp_name(&file_name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The name of interbot's temporary file for `file_name`, written by process `pid`.
fn temp_name(file_name: &str, pid: u32) -> String {
    format!(".{file_name}{TEMP_MARK}{pid}{TEMP_SUFFIX}")
}

const TEMP_MARK: &str = ".interbot-";
const TEMP_SUFFIX: &str = ".tmp";

/// Whether `name` is one of interbot's own temporary files (`.<file>.interbot-<pid>.tmp`),
/// and nothing else: a user's `.notes.tmp` or `x.interbot-1.tmp` does not match.
pub fn is_interbot_temp(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    let Some(rest) = rest.strip_suffix(TEMP_SUFFIX) else {
        return false;
    };
    let Some((file, pid)) = rest.rsplit_once(TEMP_MARK) else {
        return false;
    };
    !file.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
}

/// Removes interbot's temporary files left in `dir` by saves that were killed half-way;
/// returns how many. Call it only while holding the folder's [`super::lock::BotLock`], so a
/// save in progress in another process never loses its temporary file.
pub fn remove_stale_temp_files(dir: &Path) -> usize {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return 0;
    };
    let temporary: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_str().is_some_and(is_interbot_temp))
        .map(|entry| entry.path())
        .collect();
    remove_temp_files(&temporary)
}

/// Removes those of `paths` (interbot's temporary files, listed by the caller) that are
/// regular files, never following a link; returns how many. The same rule as
/// [`remove_stale_temp_files`]: call it only while holding the folder's lock.
pub fn remove_temp_files(paths: &[PathBuf]) -> usize {
    paths
        .iter()
        .filter(|path| std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file()))
        .filter(|path| std::fs::remove_file(path).is_ok())
        .count()
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
    fn only_interbot_temp_names_are_recognised() {
        assert!(is_interbot_temp(&temp_name("e1.json", 42)));
        assert!(is_interbot_temp(".bot.config.json.interbot-7.tmp"));
        for other in [
            "e1.json",
            ".notes.tmp",
            "x.json.interbot-1.tmp",
            ".x.json.interbot-.tmp",
            ".x.json.interbot-1a.tmp",
            "..interbot-1.tmp",
        ] {
            assert!(!is_interbot_temp(other), "{other}");
        }
    }

    #[test]
    fn an_interrupted_save_leaves_the_old_file_and_no_temporary_one() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("e1.json");
        std::fs::write(&path, "{\"old\": true}")?;
        let failed = write_atomic_with(&path, b"{\"new\": true}", |_, _| {
            Err(std::io::Error::other("the rename failed"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path)?, "{\"old\": true}");
        assert_eq!(
            std::fs::read_dir(dir.path())?.count(),
            1,
            "no temporary file left"
        );
        write_atomic(&path, b"{\"new\": true}")?;
        assert_eq!(std::fs::read_to_string(&path)?, "{\"new\": true}");
        Ok(())
    }

    #[test]
    fn stale_temp_files_are_removed_and_nothing_else() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join(".e1.json.interbot-99999.tmp"), "{")?;
        std::fs::write(dir.path().join(".notes.tmp"), "mine")?;
        std::fs::write(dir.path().join("e1.json"), "{}")?;
        assert_eq!(remove_stale_temp_files(dir.path()), 1);
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 2);
        Ok(())
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
