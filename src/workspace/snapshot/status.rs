//! A file's status as a snapshot records and compares it (device, inode, size, modification
//! and change times), and how it is taken: `statx` relative to a folder's handle, without
//! following a link, on Linux; elsewhere no status is known, and no snapshot is used.

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

/// File statuses relative to a folder's handle (`statx`, Linux).
#[cfg(target_os = "linux")]
mod platform {
    use std::os::fd::OwnedFd;
    use std::path::Path;

    use rustix::fs::{AtFlags, FileType, Mode, OFlags, StatxFlags};

    use super::FileStatus;

    /// An open folder.
    #[derive(Debug)]
    pub(in crate::workspace::snapshot) struct Folder(OwnedFd);

    /// `dir` opened to take its files' statuses; `None` when it cannot be.
    pub(in crate::workspace::snapshot) fn open_folder(dir: &Path) -> Option<Folder> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        rustix::fs::open(dir, flags, Mode::empty()).ok().map(Folder)
    }

    impl Folder {
        /// The status of the file `name` in the folder when it is a regular file (a link
        /// is not followed), with every field the system was asked for.
        pub(in crate::workspace::snapshot) fn status(&self, name: &[u8]) -> Option<FileStatus> {
            let wanted = StatxFlags::TYPE
                | StatxFlags::INO
                | StatxFlags::SIZE
                | StatxFlags::MTIME
                | StatxFlags::CTIME;
            let stat = rustix::fs::statx(&self.0, name, AtFlags::SYMLINK_NOFOLLOW, wanted).ok()?;
            let complete = StatxFlags::from_bits_truncate(stat.stx_mask).contains(wanted);
            let regular =
                FileType::from_raw_mode(u32::from(stat.stx_mode)) == FileType::RegularFile;
            (complete && regular).then_some(FileStatus {
                device: (u64::from(stat.stx_dev_major) << 32) | u64::from(stat.stx_dev_minor),
                inode: stat.stx_ino,
                size: stat.stx_size,
                modified: (stat.stx_mtime.tv_sec, stat.stx_mtime.tv_nsec),
                changed: (stat.stx_ctime.tv_sec, stat.stx_ctime.tv_nsec),
            })
        }
    }
}

/// No file statuses off Linux: no snapshot is opened.
#[cfg(not(target_os = "linux"))]
mod platform {
    use std::path::Path;

    use super::FileStatus;

    /// Never made.
    #[derive(Debug)]
    pub(in crate::workspace::snapshot) struct Folder;

    pub(in crate::workspace::snapshot) fn open_folder(_dir: &Path) -> Option<Folder> {
        None
    }

    impl Folder {
        pub(in crate::workspace::snapshot) fn status(&self, _name: &[u8]) -> Option<FileStatus> {
            None
        }
    }
}

pub(super) use platform::{Folder, open_folder};
