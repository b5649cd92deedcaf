//! HEIF/HEIC (ISO base media) files for the stripper: the `meta` box's item list says which
//! items are EXIF or XMP and where their bytes are, so that they can be rewritten in place.

use std::io::{self, Read, Seek};

use super::exif::{self, Kept};
use super::plan::{bad, read_at, Piece, Plan};

/// Reads a big-endian unsigned integer of `n` bytes (0 to 8).
fn be(b: &[u8], n: usize) -> Option<u64> {
    (n <= 8 && b.len() >= n).then(|| b[..n].iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
}

/// The boxes in `b`: (type, payload start, payload end).
fn boxes(b: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= b.len() {
        let size = be(&b[pos..], 4).unwrap_or(0) as usize;
        let kind = [b[pos + 4], b[pos + 5], b[pos + 6], b[pos + 7]];
        let (start, end) = match size {
            0 => (pos + 8, b.len()),
            1 => match b.get(pos + 8..).and_then(|r| be(r, 8)) {
                Some(large) if large >= 16 && large <= (b.len() - pos) as u64 => (pos + 16, pos + large as usize),
                _ => break,
            },
            s if s >= 8 => (pos + 8, pos.saturating_add(s)),
            _ => break,
        };
        if end > b.len() {
            break;
        }
        out.push((kind, start, end));
        pos = end;
    }
    out
}

/// HEIF/HEIC: the EXIF item is rewritten in place to hold only what is kept (padded to its
/// length, so that every offset in the file stays right) and XMP items are blanked.
pub(super) fn heif(src: &mut (impl Read + Seek), size: u64) -> io::Result<Plan> {
    let meta = heif_meta(src, size)?;
    // A full box: version and flags first.
    let body = meta.get(4..).unwrap_or_default();
    let children = boxes(body);
    let inner = |kind: &[u8; 4]| children.iter().find(|c| &c.0 == kind).map(|c| &body[c.1..c.2]);
    let (Some(iinf), Some(iloc)) = (inner(b"iinf"), inner(b"iloc")) else {
        return Ok(Plan { pieces: vec![Piece::Copy { at: 0, len: size }], kept: Kept::default() });
    };
    let (exif_items, xmp_items) = heif_metadata_items(iinf);
    let mut rewrite = heif_extents(iloc, &exif_items, &xmp_items)?;
    rewrite.sort();
    let mut plan = Plan::default();
    let mut at = 0u64;
    for (off, len, is_exif) in rewrite {
        if off < at || len > size || off > size - len {
            return Err(bad("HEIF item extents overlap or run past the end of the file"));
        }
        if len > MAX_REWRITE {
            return Err(bad("a HEIF metadata item is too large"));
        }
        plan.copy(at, off - at);
        let replacement = if is_exif {
            let mut data = vec![0u8; len as usize];
            read_at(src, off, &mut data)?;
            // The item starts with the offset of the TIFF header after it.
            let tiff_at = 4usize.saturating_add(be(&data, 4).unwrap_or(0) as usize);
            if let Some(tiff) = data.get(tiff_at..) {
                plan.kept = exif::read(tiff);
            }
            let mut new = 0u32.to_be_bytes().to_vec();
            new.extend(exif::write(&plan.kept));
            if new.len() as u64 > len {
                new.clear();
            }
            new.resize(len as usize, 0);
            new
        } else {
            vec![b' '; len as usize]
        };
        plan.pieces.push(Piece::Bytes(replacement));
        at = off + len;
    }
    plan.copy(at, size - at);
    Ok(plan)
}

/// The body of a HEIF file's `meta` box: a top-level box, near the start.
fn heif_meta(src: &mut (impl Read + Seek), size: u64) -> io::Result<Vec<u8>> {
    let mut pos = 0u64;
    let mut head = [0u8; 16];
    loop {
        if pos + 8 > size {
            return Err(bad("the HEIF file has no meta box"));
        }
        read_at(src, pos, &mut head[..8])?;
        let mut len = be(&head, 4).unwrap_or(0);
        let mut header = 8;
        if len == 1 {
            if pos + 16 > size {
                return Err(bad("a HEIF box runs past the end of the file"));
            }
            read_at(src, pos + 8, &mut head[8..16])?;
            len = be(&head[8..], 8).unwrap_or(0);
            header = 16;
        } else if len == 0 {
            len = size - pos;
        }
        if len < header || len > size - pos {
            return Err(bad("a HEIF box runs past the end of the file"));
        }
        if &head[4..8] == b"meta" {
            if len > 16 << 20 {
                return Err(bad("the HEIF meta box is too large"));
            }
            let mut m = vec![0u8; (len - header) as usize];
            read_at(src, pos + header, &mut m)?;
            return Ok(m);
        }
        pos += len;
    }
}

/// The ids of the `Exif` items and of the `mime` items holding XMP, from an `iinf` box.
fn heif_metadata_items(iinf: &[u8]) -> (Vec<u64>, Vec<u64>) {
    let mut exif_items = Vec::new();
    let mut xmp_items = Vec::new();
    let count_len = if iinf.first() == Some(&0) { 2 } else { 4 };
    let entries = iinf.get(4 + count_len..).unwrap_or_default();
    for (kind, s, e) in boxes(entries) {
        if &kind != b"infe" {
            continue;
        }
        let infe = &entries[s..e];
        let id_len = match infe.first() {
            Some(2) => 2,
            Some(3) => 4,
            _ => continue,
        };
        let Some(id) = infe.get(4..).and_then(|r| be(r, id_len)) else { continue };
        let at = 4 + id_len + 2;
        match infe.get(at..at + 4) {
            Some(b"Exif") => exif_items.push(id),
            Some(b"mime") => {
                let rest = &infe[at + 4..];
                let name_end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
                let content = &rest[(name_end + 1).min(rest.len())..];
                if content.windows(7).any(|w| w == b"rdf+xml") {
                    xmp_items.push(id);
                }
            }
            _ => {}
        }
    }
    (exif_items, xmp_items)
}

/// Where the bytes of the metadata items are, from an `iloc` box: (offset, length, is EXIF) of
/// each extent stored in the file itself.
fn heif_extents(iloc: &[u8], exif_items: &[u64], xmp_items: &[u64]) -> io::Result<Vec<(u64, u64, bool)>> {
    let version = iloc.first().copied().unwrap_or(0);
    let sizes = iloc.get(4..6).ok_or_else(|| bad("a short iloc box"))?;
    let (off_n, len_n, base_n) = ((sizes[0] >> 4) as usize, (sizes[0] & 15) as usize, (sizes[1] >> 4) as usize);
    let idx_n = if version >= 1 { (sizes[1] & 15) as usize } else { 0 };
    let mut p = 6;
    let take = |p: &mut usize, n: usize| -> io::Result<u64> {
        let v = iloc.get(*p..).and_then(|r| be(r, n)).ok_or_else(|| bad("a short iloc box"))?;
        *p += n;
        Ok(v)
    };
    let items = take(&mut p, if version < 2 { 2 } else { 4 })?;
    let mut out = Vec::new();
    for _ in 0..items.min(10_000) {
        let id = take(&mut p, if version < 2 { 2 } else { 4 })?;
        let method = if version >= 1 { take(&mut p, 2)? & 15 } else { 0 };
        take(&mut p, 2)?; // data reference index
        let base = take(&mut p, base_n)?;
        let extents = take(&mut p, 2)?;
        for _ in 0..extents {
            if idx_n > 0 {
                take(&mut p, idx_n)?;
            }
            let off = take(&mut p, off_n)?;
            let len = take(&mut p, len_n)?;
            let wanted = exif_items.contains(&id) || xmp_items.contains(&id);
            if wanted && method == 0 && len > 0 {
                out.push((base.saturating_add(off), len, exif_items.contains(&id)));
            }
        }
    }
    Ok(out)
}

/// The largest metadata item a HEIF file may have rewritten (held in memory).
const MAX_REWRITE: u64 = 4 << 20;
