//! Files the user names as inputs (certificates, CA bundles, assertion and federated token
//! files, a client secret file, the config file): read as given, whoever owns them and through
//! any link, but never more than a bound and never waiting forever.
//!
//! A regular file is read up to its bound. A pipe or FIFO is read as it comes, so that
//! `--client-secret-file <(pass show app)` works, until end of file or the bound, and for at most
//! [`PIPE_WAIT`]; a FIFO that no process writes to reads as empty at once. Directories, devices
//! (`/dev/zero` never ends; a terminal waits for a person) and sockets are refused before they are
//! read.

use std::io::{self, Read as _};
use std::path::Path;
use std::time::Duration;

/// How long a pipe or FIFO may take to deliver its content: long enough for a password manager
/// that asks for its passphrase first, short enough that a forgotten FIFO ends the run.
pub const PIPE_WAIT: Duration = Duration::from_secs(60);

/// Reads `path` whole. Errors say why without the path (callers name it): a refusal is
/// [`io::ErrorKind::InvalidInput`], more than `limit` bytes [`io::ErrorKind::FileTooLarge`], a
/// pipe that kept quiet [`io::ErrorKind::TimedOut`].
pub fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    sys::read(path, limit)
}

/// Like [`read`], as UTF-8 text (else [`io::ErrorKind::InvalidData`]).
pub fn read_to_string(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "it is larger than {}; is it the right file?",
            crate::private_file::size(limit)
        ),
    )
}

fn refused(kind: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {kind}, not a regular file or a pipe"),
    )
}

/// Reads a regular file or a pipe's content, up to `limit` bytes.
fn read_bounded(reader: &mut impl io::Read, size_hint: u64, limit: u64) -> io::Result<Vec<u8>> {
    if size_hint > limit {
        return Err(too_large(limit));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size_hint).unwrap_or(0));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

#[cfg(unix)]
mod sys {
    use std::fs::File;
    use std::io::{self, Read as _};
    use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
    use std::path::Path;
    use std::time::Instant;

    use rustix::event::{PollFd, PollFlags, Timespec};
    use rustix::fs::{Mode, OFlags};

    use super::{PIPE_WAIT, read_bounded, refused, too_large};
    use crate::private_file::kind_of;

    pub(super) fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        // Judged before it is opened: opening a device can itself do something (a tape rewinds,
        // a terminal becomes ours).
        let before = std::fs::metadata(path)?;
        let kind = before.file_type();
        if !kind.is_file() && !kind.is_fifo() {
            return Err(refused(kind_of(before.mode())));
        }
        // Non-blocking: opening a FIFO otherwise waits for a writer, forever if none comes.
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let mut file = File::from(fd);
        // And judged again on what was opened, which may not be what was looked at.
        let opened = file.metadata()?;
        if opened.file_type().is_file() {
            return read_bounded(&mut file, opened.len(), limit);
        }
        if !opened.file_type().is_fifo() {
            return Err(refused(kind_of(opened.mode())));
        }
        read_pipe(&mut file, limit)
    }

    /// Reads a pipe opened non-blocking, waiting for data with `poll` until [`PIPE_WAIT`] has
    /// passed since the start.
    fn read_pipe(file: &mut File, limit: u64) -> io::Result<Vec<u8>> {
        let deadline = Instant::now() + PIPE_WAIT;
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match file.read(&mut chunk) {
                Ok(0) => return Ok(bytes),
                Ok(n) => {
                    bytes.extend_from_slice(chunk.get(..n).unwrap_or_default());
                    if bytes.len() as u64 > limit {
                        return Err(too_large(limit));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!(
                                "it is a pipe that delivered nothing for {} s",
                                PIPE_WAIT.as_secs()
                            ),
                        ));
                    }
                    let timeout = Timespec::try_from(left).map_err(io::Error::other)?;
                    let mut fds = [PollFd::new(&*file, PollFlags::IN)];
                    match rustix::event::poll(&mut fds, Some(&timeout)) {
                        Ok(_) | Err(rustix::io::Errno::INTR) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(not(unix))]
mod sys {
    use std::io;
    use std::path::Path;

    use super::{read_bounded, refused};

    pub(super) fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let metadata = std::fs::metadata(path)?;
        if !metadata.is_file() {
            return Err(refused(if metadata.is_dir() {
                "a directory"
            } else {
                "a special file"
            }));
        }
        let mut file = std::fs::File::open(path)?;
        read_bounded(&mut file, metadata.len(), limit)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn devices_and_directories_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        for path in [Path::new("/dev/zero"), Path::new("/dev/null"), dir.path()] {
            let error = read(path, 1024).unwrap_err();
            assert_eq!(
                error.kind(),
                io::ErrorKind::InvalidInput,
                "{path:?}: {error}"
            );
        }
    }

    #[test]
    fn regular_files_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "12345").unwrap();
        assert_eq!(read(&path, 5).unwrap(), b"12345");
        assert_eq!(
            read(&path, 4).unwrap_err().kind(),
            io::ErrorKind::FileTooLarge
        );
    }

    #[test]
    fn a_fifo_without_a_writer_reads_empty_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
            0,
        )
        .unwrap();
        let start = Instant::now();
        assert_eq!(read(&path, 1024).unwrap(), b"");
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
