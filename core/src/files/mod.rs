//! Files attached to records, as the device takes them: checked by their bytes, stripped of
//! metadata (a photo keeps only its orientation and capture time), hashed, measured — streamed,
//! never held whole. What the server shares (hashes, kinds by bytes, the default limit) comes from
//! the protocol crate and is re-exported here.

pub mod exif;
mod heif;
mod plan;
pub mod strip;

use std::io::{self, Read, Seek, SeekFrom};

pub use fieldreport_protocol::files::{hash_of, sniff, HashWriter, DEFAULT_MAX_BYTES};

use crate::error::{Error, Result};

/// A file ready to be stored: what it is, and how to write it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// SHA-256 of the stored bytes, hex.
    pub hash: String,
    pub mime: &'static str,
    /// The stored length (after stripping).
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub kept: exif::Kept,
    pub plan: strip::Plan,
}

/// Checks and plans the file in `src` (`len` bytes): its kind by its bytes, its size against
/// `max_bytes`, its dimensions, what it will be once stripped, and that result's hash.
pub fn prepare(src: &mut (impl Read + Seek), len: u64, max_bytes: u64) -> Result<Prepared> {
    if len == 0 {
        return Err(Error::bad_input("the file is empty"));
    }
    if len > max_bytes {
        return Err(Error::bad_input(format!(
            "the file is {:.1} MB; attachments are at most {:.1} MB",
            len as f64 / 1_048_576.0,
            max_bytes as f64 / 1_048_576.0
        )));
    }
    let mut head = [0u8; 64];
    src.seek(SeekFrom::Start(0))?;
    let n = read_up_to(src, &mut head)?;
    let mime = sniff::sniff(&head[..n]).ok_or_else(|| {
        Error::bad_input("this file is not a photo (JPEG, PNG, WebP, HEIC/HEIF) or a PDF, by its contents")
    })?;
    let plan = strip::plan(mime, src, len)
        .map_err(|e| Error::bad_input(format!("the {mime} file is damaged or truncated: {e}")))?;
    let (width, height) = if mime.starts_with("image/") {
        src.seek(SeekFrom::Start(0))?;
        match imagesize::reader_size(io::BufReader::new(&mut *src)) {
            Ok(d) => (u32::try_from(d.width).ok(), u32::try_from(d.height).ok()),
            Err(_) => (None, None),
        }
    } else {
        (None, None)
    };
    let mut hashing = HashWriter::new();
    plan.write_to(src, &mut hashing)?;
    Ok(Prepared { hash: hashing.hex(), mime, size: plan.len(), width, height, kept: plan.kept, plan })
}

/// Reads as much of `buf` as the source has.
fn read_up_to(src: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match src.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Cursor;

    use super::*;

    /// A 1×1 PNG.
    pub(crate) const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D,
        0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn a_photo_is_checked_measured_and_hashed() {
        let p = prepare(&mut Cursor::new(PNG.to_vec()), PNG.len() as u64, DEFAULT_MAX_BYTES).unwrap();
        assert_eq!((p.mime, p.width, p.height, p.size), ("image/png", Some(1), Some(1), PNG.len() as u64));
        assert_eq!(p.hash, hash_of(PNG));
        let big = prepare(&mut Cursor::new(PNG.to_vec()), PNG.len() as u64, 10).unwrap_err();
        assert!(big.to_string().contains("at most"), "{big}");
        let html = b"<html><script>alert(1)</script></html>".to_vec();
        let not = prepare(&mut Cursor::new(html.clone()), html.len() as u64, DEFAULT_MAX_BYTES).unwrap_err();
        assert!(not.to_string().contains("not a photo"), "{not}");
        let cut = prepare(&mut Cursor::new(PNG[..40].to_vec()), 40, DEFAULT_MAX_BYTES).unwrap_err();
        assert!(cut.to_string().contains("damaged"), "{cut}");
    }
}
