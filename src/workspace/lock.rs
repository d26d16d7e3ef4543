//! Advisory locks on a bot folder, so two saves of one bot (two `interbot qna edit`
//! processes, the terminal app and a script) never interleave their read-modify-write.
//!
//! The lock is an `flock` on the bot folder itself (no lock file is added to the bot), taken
//! through the `fs4` crate. It is advisory: it serializes interbot processes, not other
//! programs. Dropping the [`BotLock`] releases it, and so does the process dying.

use std::fs::File;
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;

/// An exclusive lock on one bot folder, held until dropped.
#[derive(Debug)]
pub struct BotLock {
    file: File,
    dir: PathBuf,
}

impl BotLock {
    /// Waits for and takes the exclusive lock on `dir`.
    pub fn acquire(dir: &Path) -> std::io::Result<BotLock> {
        let file = File::open(dir)?;
        file.lock_exclusive()?;
        Ok(BotLock {
            file,
            dir: dir.to_path_buf(),
        })
    }

    /// Takes the lock on `dir` only if no one holds it.
    pub fn try_acquire(dir: &Path) -> std::io::Result<Option<BotLock>> {
        let file = File::open(dir)?;
        Ok(file.try_lock_exclusive()?.then(|| BotLock {
            file,
            dir: dir.to_path_buf(),
        }))
    }

    /// The locked folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for BotLock {
    fn drop(&mut self) {
        // Closing the handle releases the lock as well; unlocking first just makes it prompt.
        let _ = FileExt::unlock(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_excludes_another() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let held = BotLock::acquire(dir.path())?;
        assert!(BotLock::try_acquire(dir.path())?.is_none());
        drop(held);
        assert!(BotLock::try_acquire(dir.path())?.is_some());
        Ok(())
    }
}
