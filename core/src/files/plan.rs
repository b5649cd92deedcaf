//! What the stripper produces: the stored file as pieces (bytes it writes, and ranges copied from
//! the original), streamed out without holding the file.

use std::io::{self, Read, Seek, SeekFrom, Write};

use super::exif::Kept;

/// One piece of the stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Bytes written by the stripper.
    Bytes(Vec<u8>),
    /// `len` bytes of the original from `at`.
    Copy { at: u64, len: u64 },
}

/// The stored file, as pieces, and the metadata kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub pieces: Vec<Piece>,
    pub kept: Kept,
}

impl Plan {
    /// The stored file's length.
    pub fn len(&self) -> u64 {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Bytes(b) => b.len() as u64,
                Piece::Copy { len, .. } => *len,
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Streams the stored file from the original `src` into `out`, 64 KiB at a time.
    pub fn write_to(&self, src: &mut (impl Read + Seek), out: &mut impl Write) -> io::Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        for p in &self.pieces {
            match p {
                Piece::Bytes(b) => out.write_all(b)?,
                Piece::Copy { at, len } => {
                    src.seek(SeekFrom::Start(*at))?;
                    let mut left = *len;
                    while left > 0 {
                        let n = (left as usize).min(buf.len());
                        src.read_exact(&mut buf[..n])?;
                        out.write_all(&buf[..n])?;
                        left -= n as u64;
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn copy(&mut self, at: u64, len: u64) {
        if len == 0 {
            return;
        }
        if let Some(Piece::Copy { at: a, len: l }) = self.pieces.last_mut() {
            if *a + *l == at {
                *l += len;
                return;
            }
        }
        self.pieces.push(Piece::Copy { at, len });
    }
}

/// Why a file cannot be stored.
pub(super) fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

pub(super) fn read_at(src: &mut (impl Read + Seek), at: u64, buf: &mut [u8]) -> io::Result<()> {
    src.seek(SeekFrom::Start(at))?;
    src.read_exact(buf)
}
