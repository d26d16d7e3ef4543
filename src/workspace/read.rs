//! Bounded reading of files and streams other people wrote: the one way interbot opens a
//! workspace file, a template, a labelled set or a stdin batch.
//!
//! A file is read only when it is a regular file after following at most
//! [`MAX_SYMLINKS`] symbolic links; its size is checked on the open handle (not on the path,
//! which could be swapped in between), and it is read with a cap, so a file that grows while
//! being read still stops at the limit. FIFOs are opened without blocking and refused, so a
//! named pipe never hangs the program; `/dev/zero`, directories, sockets, dangling links and
//! link loops are refused with a [`ReadError`] that says which.
//!
//! Streams (stdin batches) are read line by line with a per-line cap by [`BoundedLines`]: an
//! over-long or undecodable line is an error *for that line* and the next line still reads.

use std::fs::File;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Files larger than this are not read: no Botpress file is anywhere near it, and reading a
/// huge file by mistake would stall the whole workspace.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// How many symbolic links are followed before a path is refused as a probable loop.
pub const MAX_SYMLINKS: usize = 8;

/// What kind of thing a refused path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A folder.
    Directory,
    /// A named pipe (reading it could block forever).
    Fifo,
    /// A character device such as `/dev/zero` (endless).
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A Unix socket.
    Socket,
    /// Anything else that is not a regular file.
    Other,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "a folder",
            FileKind::Fifo => "a named pipe (FIFO)",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Socket => "a socket",
            FileKind::Other => "not a regular file",
        })
    }
}

/// Why a file was not read. The message never includes the path (callers name it).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Nothing at that path.
    #[error("does not exist")]
    NotFound,
    /// A symbolic link whose target does not exist.
    #[error("is a dangling symbolic link (to {})", .target.display())]
    DanglingLink {
        /// The missing target.
        target: PathBuf,
    },
    /// More than [`MAX_SYMLINKS`] links: almost certainly a loop.
    #[error("follows more than {MAX_SYMLINKS} symbolic links (a link loop?)")]
    TooManyLinks,
    /// Not a regular file.
    #[error("is {0}, not a regular file")]
    NotRegular(FileKind),
    /// Larger than the cap (measured on the open handle, or while reading).
    #[error("is too large ({}; interbot reads files up to {})", size_text(*.size), size_text(*.limit))]
    TooLarge {
        /// The size seen (at least `limit + 1` when the file grew while read).
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// The bytes are not UTF-8; 1-based line and column of the first bad byte.
    #[error("is not valid UTF-8 (line {line}, column {column})")]
    NotUtf8 {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
    },
    /// Any other I/O error (permission denied …).
    #[error("cannot be read: {0}")]
    Io(#[from] std::io::Error),
}

fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// Follows symbolic links by hand (at most [`MAX_SYMLINKS`]), so loops and dangling links
/// get their own error, and returns the final path (which is not a link when checked).
pub fn resolve(path: &Path) -> Result<PathBuf, ReadError> {
    let mut current = path.to_path_buf();
    for _ in 0..=MAX_SYMLINKS {
        let meta = match std::fs::symlink_metadata(&current) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(if current == path {
                    ReadError::NotFound
                } else {
                    ReadError::DanglingLink { target: current }
                });
            }
            Err(e) => return Err(e.into()),
        };
        if !meta.file_type().is_symlink() {
            return Ok(current);
        }
        let target = std::fs::read_link(&current)?;
        current = match current.parent() {
            Some(parent) if target.is_relative() => parent.join(target),
            _ => target,
        };
    }
    Err(ReadError::TooManyLinks)
}

fn kind_of(file_type: std::fs::FileType) -> FileKind {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return FileKind::Fifo;
        }
        if file_type.is_char_device() {
            return FileKind::CharDevice;
        }
        if file_type.is_block_device() {
            return FileKind::BlockDevice;
        }
        if file_type.is_socket() {
            return FileKind::Socket;
        }
    }
    if file_type.is_dir() {
        FileKind::Directory
    } else {
        FileKind::Other
    }
}

/// Opens `path` for reading if it is a regular file (after at most [`MAX_SYMLINKS`] links)
/// of at most `limit` bytes, checked on the open handle. Never blocks on a FIFO.
pub fn open(path: &Path, limit: u64) -> Result<File, ReadError> {
    open_sized(path, limit).map(|(file, _)| file)
}

/// [`open`], with the file's size as the open handle saw it.
///
/// The path is opened at once without following a final symbolic link; only when it is one
/// (`ELOOP`) are the links followed by hand ([`resolve`]) and the target opened the same
/// way. A workspace of 100,000 QnA files, none of them links, is read with one system call
/// fewer per file than resolving first (a profile showed that `lstat` at 10 % of loading).
fn open_sized(path: &Path, limit: u64) -> Result<(File, u64), ReadError> {
    let file = match open_no_follow(path) {
        Err(ReadError::TooManyLinks) => open_no_follow(&resolve(path)?)?,
        opened => opened?,
    };
    let meta = file.metadata()?;
    let kind = (!meta.is_file()).then(|| kind_of(meta.file_type()));
    check_regular(kind, meta.len(), limit)?;
    Ok((file, meta.len()))
}

/// Whether an open file is one to read: a regular file (`kind` is what it is otherwise) of
/// at most `limit` bytes, as its handle tells.
pub(super) fn check_regular(
    kind: Option<FileKind>,
    size: u64,
    limit: u64,
) -> Result<(), ReadError> {
    if let Some(kind) = kind {
        return Err(ReadError::NotRegular(kind));
    }
    if size > limit {
        return Err(ReadError::TooLarge { size, limit });
    }
    Ok(())
}

/// Opens `path` for reading, refusing to follow it when it is a symbolic link
/// ([`ReadError::TooManyLinks`], the `ELOOP` the system gives) and never blocking on a FIFO.
fn open_no_follow(path: &Path) -> Result<File, ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Non-blocking: opening a FIFO with no writer returns at once instead of hanging; no
        // following: a link (or one swapped in after `resolve`) is refused, not followed.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    options.open(path).map_err(open_error)
}

/// Why a file opened without following a link was not opened: a link (`ELOOP`) is
/// [`ReadError::TooManyLinks`], for the caller to follow by hand.
pub(super) fn open_error(error: std::io::Error) -> ReadError {
    match error.raw_os_error() {
        #[cfg(unix)]
        Some(libc::ELOOP) => ReadError::TooManyLinks,
        _ if error.kind() == std::io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Io(error),
    }
}

/// Reads a whole regular file of at most `limit` bytes (see [`open`]); a file that grows past
/// the limit while being read is refused too.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, expected) = open_sized(path, limit)?;
    read_open_file(file, expected, limit)
}

/// Reads an open regular file that its handle said holds `expected` bytes, refusing more
/// than `limit` (a file that grew past it while being read).
///
/// A read that stops short of what was asked, exactly where the handle said the file ends,
/// is taken for the file's end: the read that would return nothing is not made (one
/// system call of five per QnA file). A regular file's read stops short only at its end;
/// any other short read goes on to the end as usual, so a file that grew or shrank since
/// its size was taken is read whole. (Only a file system that returns short reads, and
/// whose file grew, could stop at the size the handle gave: the file as it was then.)
pub(super) fn read_open_file(
    mut file: impl Read,
    expected: u64,
    limit: u64,
) -> Result<Vec<u8>, ReadError> {
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    // One byte more than expected, so that a file that grew is seen growing.
    let first = usize::try_from(expected.saturating_add(1))
        .unwrap_or(usize::MAX)
        .min(cap);
    let mut bytes = vec![0u8; first];
    let mut len = 0;
    loop {
        if len == bytes.len() {
            if len >= cap {
                break;
            }
            let grown = len.saturating_mul(2).clamp(len + 1, cap);
            bytes.resize(grown, 0);
        }
        let asked = bytes.len() - len;
        let read = match file.read(&mut bytes[len..]) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if read == 0 {
            break;
        }
        len += read;
        if read < asked && len as u64 == expected {
            break;
        }
    }
    bytes.truncate(len);
    if len as u64 > limit {
        return Err(ReadError::TooLarge {
            size: len as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Reads a whole regular file of at most `limit` bytes as UTF-8 text (see [`open`]).
///
/// This is the function to read any file a user names (a template, a labelled set):
/// `interbot::workspace::read::read_text(path, MAX_FILE_BYTES)`.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    utf8_text(read_bytes(path, limit)?)
}

/// The bytes of a file as UTF-8 text, or where the first byte that is not.
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_column_of_end(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        ReadError::NotUtf8 { line, column }
    })
}

/// 1-based line and column of the position just after `bytes`.
pub fn line_column_of_end(bytes: &[u8]) -> (usize, usize) {
    let line = 1 + bytes.iter().filter(|&&b| b == b'\n').count();
    let line_start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = 1 + String::from_utf8_lossy(&bytes[line_start..])
        .chars()
        .count();
    (line, column)
}

/// Why one line of a stream was not read.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// Longer than the cap; the rest of the line was skipped.
    #[error("line is longer than {limit} bytes")]
    TooLong {
        /// The cap, in bytes.
        limit: usize,
    },
    /// Not UTF-8.
    #[error("line is not valid UTF-8 (column {column})")]
    NotUtf8 {
        /// 1-based column, in characters, of the first bad byte.
        column: usize,
    },
}

/// One line of a stream: its 1-based number, and its text or why it could not be read.
#[derive(Debug)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// The text, without its line end (`\n` or `\r\n`).
    pub text: Result<String, LineError>,
}

/// Lines of a stream, each read with a byte cap: memory stays bounded by the cap whatever the
/// input, and every input line yields exactly one [`Line`] (so output can line up with it).
pub struct BoundedLines<R> {
    reader: R,
    limit: usize,
    number: usize,
    done: bool,
}

impl<R: BufRead> BoundedLines<R> {
    /// Lines of `reader`, each at most `limit` bytes.
    pub fn new(reader: R, limit: usize) -> Self {
        Self {
            reader,
            limit,
            number: 0,
            done: false,
        }
    }

    /// Reads one line into `buf` (up to `limit + 1` bytes), discarding the rest of an
    /// over-long line. Returns whether anything (even an empty line) was read.
    fn read_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<(bool, bool)> {
        let mut any = false;
        let mut too_long = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok((any, too_long));
            }
            any = true;
            let (chunk, used, end) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            let room = (self.limit + 1).saturating_sub(buf.len());
            if chunk.len() > room {
                too_long = true;
            }
            buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            self.reader.consume(used);
            if end {
                return Ok((true, too_long));
            }
        }
    }
}

impl<R: BufRead> Iterator for BoundedLines<R> {
    type Item = std::io::Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut buf = Vec::new();
        let (any, too_long) = match self.read_line(&mut buf) {
            Ok(read) => read,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        if !any {
            self.done = true;
            return None;
        }
        self.number += 1;
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        let text = if too_long || buf.len() > self.limit {
            Err(LineError::TooLong { limit: self.limit })
        } else {
            String::from_utf8(buf).map_err(|e| {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                LineError::NotUtf8 {
                    column: 1 + String::from_utf8_lossy(valid).chars().count(),
                }
            })
        };
        Some(Ok(Line {
            number: self.number,
            text,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader of `bytes` that gives at most `step` bytes a read and counts its reads.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
        reads: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.reads += 1;
            let n = buf.len().min(self.step).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn read_trickle(bytes: &[u8], step: usize, expected: u64, limit: u64) -> (String, usize) {
        let mut reader = Trickle {
            bytes,
            step,
            reads: 0,
        };
        let read = match read_open_file(&mut reader, expected, limit) {
            Ok(read) => String::from_utf8_lossy(&read).into_owned(),
            Err(e) => e.to_string(),
        };
        (read, reader.reads)
    }

    #[test]
    fn an_open_file_is_read_whole_whatever_its_reads_return() {
        // The expected size in one read, short of what was asked: its end, no second read.
        assert_eq!(read_trickle(b"hello", 64, 5, 100), ("hello".into(), 1));
        // Short reads before the end (a file system that returns them): read on.
        assert_eq!(read_trickle(b"hello", 2, 5, 100), ("hello".into(), 3));
        // A file that grew since its size was taken, or shrank: read to the end.
        assert_eq!(read_trickle(b"hello world", 64, 5, 100).0, "hello world");
        assert_eq!(read_trickle(b"hel", 64, 5, 100), ("hel".into(), 2));
        assert_eq!(read_trickle(b"", 64, 0, 100), (String::new(), 1));
        // Growing past the limit is refused, unless a short read ended exactly at the size
        // the handle gave: that is taken for the end, and the file read as that size.
        assert_eq!(read_trickle(&[b'x'; 40], 1, 5, 10), ("xxxxx".into(), 5));
        for step in [3, 64] {
            assert_eq!(
                read_trickle(&[b'x'; 40], step, 5, 10).0,
                "is too large (11 bytes; interbot reads files up to 10 bytes)"
            );
        }
        assert_eq!(read_trickle(&[b'x'; 10], 3, 10, 10).0, "x".repeat(10));
    }

    fn lines(input: &[u8], limit: usize) -> Vec<Result<String, String>> {
        BoundedLines::new(std::io::BufReader::with_capacity(4, input), limit)
            .map(|line| match line {
                Ok(line) => line.text.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            })
            .collect()
    }

    #[test]
    fn every_input_line_yields_one_line() {
        let got = lines(b"a\n\nbb\r\nlong line\n\xff\nlast", 5);
        assert_eq!(got.len(), 6);
        assert_eq!(got[0].as_deref(), Ok("a"));
        assert_eq!(got[1].as_deref(), Ok(""));
        assert_eq!(got[2].as_deref(), Ok("bb"));
        assert_eq!(
            got[3].as_ref().err().map(String::as_str),
            Some("line is longer than 5 bytes"),
            "the rest of the line is skipped"
        );
        assert!(got[4].as_ref().is_err_and(|e| e.contains("UTF-8")));
        assert_eq!(got[5].as_deref(), Ok("last"));
        assert!(lines(b"", 5).is_empty());
        assert_eq!(
            lines(b"x\n", 5).len(),
            1,
            "a final newline ends the last line"
        );
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let folder = dir.path().join("folder.json");
        std::fs::create_dir(&folder)?;
        assert!(matches!(
            read_text(&folder, 100),
            Err(ReadError::NotRegular(FileKind::Directory))
        ));
        let missing = dir.path().join("missing.json");
        assert!(matches!(read_text(&missing, 100), Err(ReadError::NotFound)));
        #[cfg(unix)]
        {
            let dangling = dir.path().join("dangling.json");
            std::os::unix::fs::symlink(&missing, &dangling)?;
            assert!(matches!(
                read_text(&dangling, 100),
                Err(ReadError::DanglingLink { .. })
            ));
            let a = dir.path().join("a.json");
            let b = dir.path().join("b.json");
            std::os::unix::fs::symlink(&b, &a)?;
            std::os::unix::fs::symlink(&a, &b)?;
            assert!(matches!(read_text(&a, 100), Err(ReadError::TooManyLinks)));
            let zero = dir.path().join("zero.json");
            std::os::unix::fs::symlink("/dev/zero", &zero)?;
            assert!(matches!(
                read_text(&zero, 100),
                Err(ReadError::NotRegular(FileKind::CharDevice))
            ));
        }
        let big = dir.path().join("big.json");
        std::fs::write(&big, [b' '; 101])?;
        assert!(matches!(
            read_text(&big, 100),
            Err(ReadError::TooLarge {
                size: 101,
                limit: 100
            })
        ));
        let fine = dir.path().join("fine.json");
        std::fs::write(&fine, "{}")?;
        assert_eq!(read_text(&fine, 100)?, "{}");
        let link = dir.path().join("link.json");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("fine.json", &link)?;
            assert_eq!(read_text(&link, 100)?, "{}", "a relative link is followed");
        }
        Ok(())
    }
}
