//! A folder opened once and its files reached by name relative to its handle: their status
//! as a snapshot records and compares it (device, inode, size, modification and change
//! times), and their bytes, read as [`read`](super::read) reads a file.
//!
//! Loading a bot reads every file of its `qna/` folder. Opened by full path, each file costs
//! the system a walk of every component of that path; relative to the folder's handle, one
//! lookup. Reading 100,000 QnA files on two threads took 0.39–0.55 s by path (open, status,
//! two reads, close) and 0.22–0.26 s by handle (open, status, one read, close), in a test
//! program on this project's machine. The status taken on the open handle is both the
//! regular-file and size check of the bounded reader and, for a snapshot, the status of
//! the very file read.
//!
//! On Linux (`statx`, `openat`); elsewhere no folder is opened, and callers read by path.

use crate::codec::{Reader, Writer};

/// A file's status, as recorded and compared: equal statuses mean an unchanged file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileStatus {
    device: u64,
    inode: u64,
    size: u64,
    modified: (i64, u32),
    changed: (i64, u32),
}

impl FileStatus {
    /// The later of its modification and change times, in nanoseconds since 1970.
    pub(super) fn last_change_nanos(&self) -> i128 {
        let nanos =
            |(seconds, nanos): (i64, u32)| i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
        nanos(self.modified).max(nanos(self.changed))
    }

    /// Appends the status to a snapshot.
    pub(super) fn encode(&self, out: &mut Writer) {
        out.u64(self.device);
        out.u64(self.inode);
        out.u64(self.size);
        out.raw(&self.modified.0.to_le_bytes());
        out.u32(self.modified.1);
        out.raw(&self.changed.0.to_le_bytes());
        out.u32(self.changed.1);
    }

    /// The status [`FileStatus::encode`] wrote.
    pub(super) fn decode(input: &mut Reader<'_>) -> Option<FileStatus> {
        let time = |input: &mut Reader<'_>| -> Option<(i64, u32)> {
            let seconds = i64::from_le_bytes(input.raw(8)?.try_into().ok()?);
            Some((seconds, input.u32()?))
        };
        Some(FileStatus {
            device: input.u64()?,
            inode: input.u64()?,
            size: input.u64()?,
            modified: time(input)?,
            changed: time(input)?,
        })
    }
}

/// Files reached relative to a folder's handle (`openat`, `statx`: Linux).
#[cfg(target_os = "linux")]
mod platform {
    use std::ffi::OsStr;
    use std::fs::File;
    use std::os::fd::{AsFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir, Statx, StatxFlags};

    use super::FileStatus;
    use crate::workspace::read::{self, FileKind, ReadError};

    /// What a status is taken with: every field [`FileStatus`] holds.
    const WANTED: StatxFlags = StatxFlags::TYPE
        .union(StatxFlags::INO)
        .union(StatxFlags::SIZE)
        .union(StatxFlags::MTIME)
        .union(StatxFlags::CTIME);

    /// An open folder.
    #[derive(Debug)]
    pub(in crate::workspace) struct Folder(OwnedFd);

    impl Folder {
        /// `dir` opened to reach its files by name; `None` when it cannot be.
        pub(in crate::workspace) fn open(dir: &Path) -> Option<Folder> {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            rustix::fs::open(dir, flags, Mode::empty()).ok().map(Folder)
        }

        /// Another handle of the same folder, opened from this one (the same folder even
        /// if its path now names another). Threads that take statuses through one handle
        /// each do not share its reference count: through a shared one, each `statx` of two
        /// threads bounced it between their cores (2 % of a cached start of 100,000 files).
        pub(in crate::workspace) fn reopen(&self) -> Option<Folder> {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            rustix::fs::openat(&self.0, ".", flags, Mode::empty())
                .ok()
                .map(Folder)
        }

        /// The status of the file `name` in the folder when it is a regular file (a link
        /// is not followed), with every field the system was asked for.
        pub(in crate::workspace) fn status(&self, name: &[u8]) -> Option<FileStatus> {
            let stat = rustix::fs::statx(&self.0, name, AtFlags::SYMLINK_NOFOLLOW, WANTED).ok()?;
            if kind(&stat).is_some() {
                return None;
            }
            status_of(&stat)
        }

        /// The bytes of the regular file `name` in the folder, of at most `limit` bytes,
        /// and its status as its open handle gave it (`None` when the system did not give
        /// every field). It is opened without following a link and without blocking, its
        /// type and size checked on the handle, and read with a cap, as
        /// [`read::read_bytes`] reads a path; a link is refused with
        /// [`ReadError::TooManyLinks`], for the caller to follow by path.
        pub(in crate::workspace) fn read(
            &self,
            name: &[u8],
            limit: u64,
        ) -> Result<(Vec<u8>, Option<FileStatus>), ReadError> {
            let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
            let file = rustix::fs::openat(&self.0, name, flags, Mode::empty())
                .map_err(|e| read::open_error(e.into()))?;
            let stat = rustix::fs::statx(file.as_fd(), "", AtFlags::EMPTY_PATH, WANTED)
                .map_err(|e| ReadError::Io(e.into()))?;
            read::check_regular(kind(&stat), stat.stx_size, limit)?;
            let bytes = read::read_open_file(File::from(file), stat.stx_size, limit)?;
            Ok((bytes, status_of(&stat)))
        }
    }

    /// What the file is when it is not a regular file.
    fn kind(stat: &Statx) -> Option<FileKind> {
        match FileType::from_raw_mode(u32::from(stat.stx_mode)) {
            FileType::RegularFile => None,
            FileType::Directory => Some(FileKind::Directory),
            FileType::Fifo => Some(FileKind::Fifo),
            FileType::CharacterDevice => Some(FileKind::CharDevice),
            FileType::BlockDevice => Some(FileKind::BlockDevice),
            FileType::Socket => Some(FileKind::Socket),
            _ => Some(FileKind::Other),
        }
    }

    /// The status in `stat`, when it holds every field asked for.
    fn status_of(stat: &Statx) -> Option<FileStatus> {
        StatxFlags::from_bits_truncate(stat.stx_mask)
            .contains(WANTED)
            .then_some(FileStatus {
                device: (u64::from(stat.stx_dev_major) << 32) | u64::from(stat.stx_dev_minor),
                inode: stat.stx_ino,
                size: stat.stx_size,
                modified: (stat.stx_mtime.tv_sec, stat.stx_mtime.tv_nsec),
                changed: (stat.stx_ctime.tv_sec, stat.stx_ctime.tv_nsec),
            })
    }

    /// Calls `each` with the name of every entry of the folder at `dir` but `.` and `..`,
    /// read with `getdents` into one buffer: std's listing (and rustix's `Dir`) allocated
    /// each name, twice for std, which made listing a 10,000-file folder a third slower
    /// than the system's own work.
    pub(in crate::workspace) fn each_name(
        dir: &Path,
        mut each: impl FnMut(&OsStr),
    ) -> std::io::Result<()> {
        let fd = rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let mut buffer = Vec::with_capacity(64 * 1024);
        let mut listing = RawDir::new(&fd, buffer.spare_capacity_mut());
        while let Some(entry) = listing.next() {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name != b"." && name != b".." {
                each(OsStr::from_bytes(name));
            }
        }
        Ok(())
    }
}

/// No folder handles off Linux: callers read by path, and no snapshot is used.
#[cfg(not(target_os = "linux"))]
mod platform {
    use std::path::Path;

    use super::FileStatus;
    use crate::workspace::read::ReadError;

    /// Calls `each` with the name of every entry of the folder at `dir`.
    pub(in crate::workspace) fn each_name(
        dir: &Path,
        mut each: impl FnMut(&std::ffi::OsStr),
    ) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            each(&entry?.file_name());
        }
        Ok(())
    }

    /// Never made.
    #[derive(Debug)]
    pub(in crate::workspace) struct Folder;

    impl Folder {
        pub(in crate::workspace) fn open(_dir: &Path) -> Option<Folder> {
            None
        }

        pub(in crate::workspace) fn reopen(&self) -> Option<Folder> {
            None
        }

        pub(in crate::workspace) fn status(&self, _name: &[u8]) -> Option<FileStatus> {
            None
        }

        pub(in crate::workspace) fn read(
            &self,
            _name: &[u8],
            _limit: u64,
        ) -> Result<(Vec<u8>, Option<FileStatus>), ReadError> {
            Err(ReadError::NotFound)
        }
    }
}

pub(super) use platform::{Folder, each_name};

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::workspace::read::{FileKind, ReadError, read_bytes};

    #[test]
    fn a_file_read_by_name_is_the_file_read_by_path_with_its_status() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), b"{\"id\": \"a\"}\n").unwrap();
        std::fs::write(dir.path().join("empty.json"), b"").unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        for name in ["a.json", "empty.json"] {
            let (bytes, status) = folder.read(name.as_bytes(), 1024).unwrap();
            assert_eq!(bytes, read_bytes(&dir.path().join(name), 1024).unwrap());
            assert_eq!(status, folder.status(name.as_bytes()), "{name}");
            assert!(status.is_some());
        }
        // Another handle reaches the same folder, even once its path names another.
        use std::os::unix::fs::MetadataExt;
        let moved = dir.path().with_extension("moved");
        std::fs::rename(dir.path(), &moved).unwrap();
        std::fs::create_dir(dir.path()).unwrap();
        let other = folder.reopen().unwrap();
        let a = std::fs::symlink_metadata(moved.join("a.json")).unwrap();
        assert_eq!(other.status(b"a.json").map(|s| s.inode), Some(a.ino()));
        std::fs::rename(&moved, dir.path().join("moved")).unwrap();
    }

    #[test]
    fn what_is_not_a_regular_file_within_the_limit_is_refused_as_by_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.json"), vec![b' '; 2048]).unwrap();
        std::fs::create_dir(dir.path().join("sub.json")).unwrap();
        std::os::unix::fs::symlink("big.json", dir.path().join("link.json")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join("pipe.json"))
            .status()
            .unwrap();
        assert!(made.success());
        let folder = Folder::open(dir.path()).unwrap();
        let read = |name: &str| folder.read(name.as_bytes(), 1024).map(|(bytes, _)| bytes);
        assert!(matches!(
            read("big.json"),
            Err(ReadError::TooLarge {
                size: 2048,
                limit: 1024
            })
        ));
        assert!(matches!(
            read("sub.json"),
            Err(ReadError::NotRegular(FileKind::Directory))
        ));
        assert!(matches!(
            read("pipe.json"),
            Err(ReadError::NotRegular(FileKind::Fifo))
        ));
        assert!(matches!(read("link.json"), Err(ReadError::TooManyLinks)));
        assert!(matches!(read("gone.json"), Err(ReadError::NotFound)));
        assert_eq!(folder.status(b"link.json"), None);
        assert_eq!(folder.status(b"pipe.json"), None);
    }
}
