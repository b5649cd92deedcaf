//! Automerge bytes from another party (a device's pushes on the server, the server's pages on a
//! device), checked before Automerge decodes them. Every limit holds on decoded sizes: a chunk
//! compressed with DEFLATE is inflated here with a hard cap (a few kilobytes of zeros can claim
//! gigabytes), and the rows of every run-length encoded column are counted without being
//! materialised (a run of a billion identical operations takes a few bytes). Each chunk's
//! checksum is verified, so that after Automerge applied the bytes, every change they hold can
//! be looked for in the document: a chunk Automerge silently skipped is caught, not acknowledged.
//!
//! The format is Automerge's binary storage format
//! (<https://alexjg.github.io/automerge-storage-docs/>): a sequence of chunks, each
//! `magic(4) checksum(4) type(1) length(uLEB) data`; type 0 a document, 1 a change, 2 a change
//! compressed with raw DEFLATE, 3 a bundle (never used by fieldreport, refused).

use std::io::Read;

use automerge::ChangeHash;
use sha2::{Digest, Sha256};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// What may be decoded from one party's bytes for one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Most bytes once inflated.
    pub max_bytes: usize,
    /// Most rows (operations, changes, list entries) across the encoded columns.
    pub max_rows: usize,
}

impl Bounds {
    /// Bounds for a document limited to `max_bytes`: an operation takes at least a few bytes
    /// in an honest document, so rows are bounded by a quarter of the bytes (at least 4,096).
    pub fn for_document(max_bytes: usize) -> Bounds {
        Bounds { max_bytes, max_rows: (max_bytes / 4).max(4096) }
    }
}

/// Why untrusted bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The bytes are not (only) well-formed Automerge chunks, or Automerge failed on them.
    #[error("{0}")]
    Malformed(String),
    /// They decode to more than the bounds allow; `bytes` is how far the count got (at least
    /// the limit), `rows` likewise.
    #[error("they decode to {bytes} bytes and {rows} rows or more, over the limit of {limit} bytes")]
    TooLarge { bytes: usize, rows: usize, limit: usize },
    /// Well-formed changes that build on changes the document lacks: Automerge would hold them
    /// back, unapplied; they are refused instead, never taken and dropped.
    #[error("{0} of the changes build on changes this copy does not have")]
    MissingDependencies(usize),
}

fn bad<T>(why: impl Into<String>) -> Result<T, Refused> {
    Err(Refused::Malformed(why.into()))
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// The hashes of the changes (and the heads of the documents) the bytes carry: each must be
    /// in the document once the bytes are applied (or, for a change whose dependencies are
    /// missing, decode on its own: Automerge holds it back until they come).
    pub hashes: Vec<ChangeHash>,
    /// Where each change chunk is in the bytes, by its hash.
    pub changes: Vec<(ChangeHash, std::ops::Range<usize>)>,
    /// Bytes once inflated.
    pub bytes: usize,
    /// Rows across the encoded columns.
    pub rows: usize,
}

/// A reader over a byte slice that never reads past its end.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(b: &'a [u8]) -> Cursor<'a> {
        Cursor { b, at: 0 }
    }

    fn done(&self) -> bool {
        self.at >= self.b.len()
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], Refused> {
        let n = usize::try_from(n).or_else(|_| bad("a length out of range"))?;
        if self.b.len() - self.at < n {
            return bad("truncated");
        }
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn uleb(&mut self) -> Result<u64, Refused> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            let part = u64::from(byte & 0x7f);
            if shift == 63 && part > 1 {
                return bad("a LEB128 number overflows");
            }
            n |= part << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        bad("a LEB128 number is too long")
    }

    fn sleb(&mut self) -> Result<i64, Refused> {
        let mut n = 0i64;
        let mut shift = 0u32;
        loop {
            let byte = self.take(1)?[0];
            if shift >= 64 {
                return bad("a LEB128 number is too long");
            }
            n |= i64::from(byte & 0x7f).wrapping_shl(shift);
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    n |= -1i64 << shift;
                }
                return Ok(n);
            }
        }
    }

    /// Skips one LEB128 number.
    fn skip_leb(&mut self) -> Result<(), Refused> {
        for _ in 0..10 {
            if self.take(1)?[0] & 0x80 == 0 {
                return Ok(());
            }
        }
        bad("a LEB128 number is too long")
    }

    /// Skips `count` length-prefixed byte strings.
    fn skip_prefixed(&mut self, count: u64) -> Result<(), Refused> {
        for _ in 0..count {
            let n = self.uleb()?;
            self.take(n)?;
        }
        Ok(())
    }

    fn rest(&mut self) -> &'a [u8] {
        let s = &self.b[self.at..];
        self.at = self.b.len();
        s
    }
}

/// The running totals of a scan, with the bounds they must stay under.
struct Budget {
    bounds: Bounds,
    bytes: usize,
    rows: usize,
}

impl Budget {
    fn add_bytes(&mut self, n: usize) -> Result<(), Refused> {
        self.bytes = self.bytes.saturating_add(n);
        self.check()
    }

    fn add_rows(&mut self, n: usize) -> Result<(), Refused> {
        self.rows = self.rows.saturating_add(n);
        self.check()
    }

    fn check(&self) -> Result<(), Refused> {
        if self.bytes > self.bounds.max_bytes || self.rows > self.bounds.max_rows {
            return Err(Refused::TooLarge { bytes: self.bytes, rows: self.rows, limit: self.bounds.max_bytes });
        }
        Ok(())
    }

    /// What may still be inflated.
    fn room(&self) -> usize {
        self.bounds.max_bytes.saturating_sub(self.bytes)
    }
}

/// Inflates raw DEFLATE `data`, stopping (refused) once more than `room` bytes came out; the
/// budget is charged for what came out.
fn inflate(data: &[u8], budget: &mut Budget) -> Result<Vec<u8>, Refused> {
    let room = budget.room();
    let mut out = Vec::new();
    let mut decoder = flate2::bufread::DeflateDecoder::new(data).take(room as u64 + 1);
    decoder.read_to_end(&mut out).or_else(|e| bad(format!("DEFLATE data cannot be inflated: {e}")))?;
    budget.add_bytes(out.len())?;
    Ok(out)
}

fn sha256(kind: u8, data: &[u8]) -> ChangeHash {
    let mut len = Vec::with_capacity(10);
    let mut n = data.len() as u64;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            len.push(byte);
            break;
        }
        len.push(byte | 0x80);
    }
    let mut h = Sha256::new();
    h.update([kind]);
    h.update(&len);
    h.update(data);
    ChangeHash(h.finalize().into())
}

/// A column's specification and the length of its data.
struct Column {
    spec: u64,
    len: u64,
}

impl Column {
    fn deflated(&self) -> bool {
        self.spec & 0b1000 != 0
    }
    fn kind(&self) -> u64 {
        self.spec & 0b111
    }
}

fn columns(c: &mut Cursor) -> Result<Vec<Column>, Refused> {
    let n = c.uleb()?;
    if n > 1024 {
        return bad("too many columns");
    }
    (0..n)
        .map(|_| {
            let spec = c.uleb()?;
            if spec > u64::from(u32::MAX) {
                return bad("a column specification out of range");
            }
            Ok(Column { spec, len: c.uleb()? })
        })
        .collect()
}

/// Counts the rows of column `data` of type `kind` without materialising them, refusing once
/// the budget is exceeded.
fn count_rows(kind: u64, data: &[u8], budget: &mut Budget) -> Result<usize, Refused> {
    let mut c = Cursor::new(data);
    let mut rows = 0usize;
    let mut add = |n: u64, budget: &Budget| -> Result<(), Refused> {
        rows = rows.saturating_add(usize::try_from(n).unwrap_or(usize::MAX));
        if budget.rows.saturating_add(rows) > budget.bounds.max_rows {
            return Err(Refused::TooLarge {
                bytes: budget.bytes,
                rows: budget.rows.saturating_add(rows),
                limit: budget.bounds.max_bytes,
            });
        }
        Ok(())
    };
    match kind {
        // Boolean: alternating run lengths.
        4 => {
            while !c.done() {
                add(c.uleb()?, budget)?;
            }
        }
        // Raw values: their rows are counted by their metadata column.
        7 => {}
        // Run-length encoded: group cardinalities, actors, integers, deltas, strings, value
        // metadata.
        _ => {
            let skip_value = |c: &mut Cursor| -> Result<(), Refused> {
                if kind == 5 {
                    let n = c.uleb()?;
                    c.take(n).map(|_| ())
                } else {
                    c.skip_leb()
                }
            };
            while !c.done() {
                match c.sleb()? {
                    n if n > 0 => {
                        add(n as u64, budget)?;
                        skip_value(&mut c)?;
                    }
                    n if n < 0 => {
                        let n = n
                            .checked_neg()
                            .map(|n| n as u64)
                            .ok_or(Refused::Malformed("a literal run out of range".into()))?;
                        add(n, budget)?;
                        for _ in 0..n {
                            skip_value(&mut c)?;
                        }
                    }
                    _ => add(c.uleb()?, budget)?,
                }
            }
        }
    }
    Ok(rows)
}

/// Checks the columns of one group (a change's operations; a document's changes or operations):
/// inflates deflated ones within the budget, counts rows; charges the budget with the group's
/// rows (the longest column's).
fn check_columns(
    cols: &[Column],
    data: &mut Cursor,
    deflate_allowed: bool,
    budget: &mut Budget,
) -> Result<(), Refused> {
    let mut most = 0usize;
    for col in cols {
        let raw = data.take(col.len)?;
        let rows = if col.deflated() {
            if !deflate_allowed {
                return bad("a change chunk holds a compressed column");
            }
            let inflated = inflate(raw, budget)?;
            count_rows(col.kind(), &inflated, budget)?
        } else {
            count_rows(col.kind(), raw, budget)?
        };
        most = most.max(rows);
    }
    budget.add_rows(most)
}

/// A change chunk's body (after its header).
fn change_body(body: &[u8], budget: &mut Budget) -> Result<(), Refused> {
    let mut c = Cursor::new(body);
    let deps = c.uleb()?;
    c.take(deps.checked_mul(32).ok_or(Refused::Malformed("too many dependencies".into()))?)?;
    c.skip_prefixed(1)?; // actor
    c.skip_leb()?; // seq
    if c.uleb()? == 0 {
        return bad("a change's start operation is zero");
    }
    c.skip_leb()?; // time
    let message = c.uleb()?;
    c.take(message)?;
    let others = c.uleb()?;
    c.skip_prefixed(others)?;
    let cols = columns(&mut c)?;
    check_columns(&cols, &mut c, false, budget)?;
    c.rest();
    Ok(())
}

/// A document chunk's body; returns its heads.
fn document_body(body: &[u8], budget: &mut Budget) -> Result<Vec<ChangeHash>, Refused> {
    let mut c = Cursor::new(body);
    let actors = c.uleb()?;
    c.skip_prefixed(actors)?;
    let n = c.uleb()?;
    let heads = c.take(n.checked_mul(32).ok_or(Refused::Malformed("too many heads".into()))?)?;
    let heads = heads.chunks_exact(32).map(|h| ChangeHash(h.try_into().unwrap_or([0; 32]))).collect();
    let change_cols = columns(&mut c)?;
    let op_cols = columns(&mut c)?;
    check_columns(&change_cols, &mut c, true, budget)?;
    check_columns(&op_cols, &mut c, true, budget)?;
    Ok(heads)
}

/// Scans `bytes` (a concatenation of chunks) within `bounds`.
pub fn scan(bytes: &[u8], bounds: Bounds) -> Result<Scan, Refused> {
    let mut budget = Budget { bounds, bytes: 0, rows: 0 };
    let mut hashes = Vec::new();
    let mut c = Cursor::new(bytes);
    let mut changes = Vec::new();
    while !c.done() {
        let start = c.at;
        if c.take(4)? != MAGIC {
            return bad("not Automerge data (no chunk magic)");
        }
        let checksum = c.take(4)?;
        let kind = c.take(1)?[0];
        let len = c.uleb()?;
        let data = c.take(len)?;
        match kind {
            0 | 1 => {
                budget.add_bytes(data.len())?;
                let hash = sha256(kind, data);
                if hash.0[..4] != *checksum {
                    return bad("a chunk's checksum does not match its data");
                }
                if kind == 0 {
                    hashes.extend(document_body(data, &mut budget)?);
                } else {
                    change_body(data, &mut budget)?;
                    hashes.push(hash);
                    changes.push((hash, start..c.at));
                }
            }
            2 => {
                let inflated = inflate(data, &mut budget)?;
                let hash = sha256(1, &inflated);
                if hash.0[..4] != *checksum {
                    return bad("a compressed change's checksum does not match its data");
                }
                change_body(&inflated, &mut budget)?;
                hashes.push(hash);
                changes.push((hash, start..c.at));
            }
            3 => return bad("bundle chunks are not part of the fieldreport protocol"),
            k => return bad(format!("unknown chunk type {k}")),
        }
    }
    Ok(Scan { hashes, changes, bytes: budget.bytes, rows: budget.rows })
}

/// Whether every chunk of `bytes` is intact: the framing holds and each checksum matches its
/// data. A cheap test of stored bytes (no decoding, no inflating) before they are sent whole.
pub fn checksums_valid(bytes: &[u8]) -> bool {
    let mut c = Cursor::new(bytes);
    let intact = |c: &mut Cursor| -> Result<bool, Refused> {
        if c.take(4)? != MAGIC {
            return Ok(false);
        }
        let checksum = c.take(4)?;
        let kind = c.take(1)?[0];
        let len = c.uleb()?;
        let data = c.take(len)?;
        // A compressed change's checksum is over its inflated form: its framing is all that is
        // checked here.
        Ok(kind == 2 || (kind <= 1 && sha256(kind, data).0[..4] == *checksum))
    };
    while !c.done() {
        if !matches!(intact(&mut c), Ok(true)) {
            return false;
        }
    }
    !bytes.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ReadDoc};

    fn doc_with_text(n: usize) -> AutoCommit {
        let mut d = AutoCommit::new();
        let t = d.put_object(automerge::ROOT, "note", automerge::ObjType::Text).unwrap();
        d.splice_text(&t, 0, 0, &"字".repeat(n)).unwrap();
        d.commit();
        d
    }

    #[test]
    fn honest_bytes_pass_and_name_their_changes() {
        let mut d = doc_with_text(100);
        let changes = d.save_after(&[]);
        let s = scan(&changes, Bounds::for_document(1 << 20)).unwrap();
        assert_eq!(s.hashes, d.get_heads());
        assert!(s.rows >= 100, "{} rows", s.rows);
        for bytes in [d.save(), d.save_nocompress()] {
            let s = scan(&bytes, Bounds::for_document(1 << 20)).unwrap();
            assert_eq!(s.hashes, d.get_heads(), "a document names its heads");
        }
    }

    #[test]
    fn a_compressed_bomb_stops_at_the_limit() {
        // A compressed change chunk whose body inflates to 64 MiB of zeros.
        let zeros = vec![0u8; 64 << 20];
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut enc, &zeros).unwrap();
        let body = enc.finish().unwrap();
        assert!(body.len() < 100_000);
        let hash = sha256(1, &zeros);
        let mut chunk = MAGIC.to_vec();
        chunk.extend_from_slice(&hash.0[..4]);
        chunk.push(2);
        let mut n = body.len() as u64;
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                chunk.push(b);
                break;
            }
            chunk.push(b | 0x80);
        }
        chunk.extend_from_slice(&body);
        match scan(&chunk, Bounds::for_document(1 << 20)) {
            Err(Refused::TooLarge { bytes, .. }) => assert!(bytes <= (1 << 20) + 1, "{bytes}"),
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[test]
    fn damaged_and_foreign_bytes_are_malformed() {
        let mut d = doc_with_text(10);
        let good = d.save_after(&[]);
        assert_eq!(scan(&[], Bounds::for_document(1024)), Ok(Scan::default()), "nothing is nothing");
        assert!(matches!(scan(b"garbage", Bounds::for_document(1024)), Err(Refused::Malformed(_))));
        for cut in 1..good.len() {
            assert!(scan(&good[..cut], Bounds::for_document(1 << 20)).is_err(), "truncated at {cut}");
        }
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x55;
        assert!(matches!(scan(&flipped, Bounds::for_document(1 << 20)), Err(Refused::Malformed(_))), "checksum");
    }

    #[test]
    fn too_many_rows_are_refused_before_decoding() {
        let mut d = doc_with_text(5000);
        let changes = d.save_after(&[]);
        assert!(scan(&changes, Bounds { max_bytes: 1 << 20, max_rows: 10_000 }).is_ok());
        assert!(matches!(scan(&changes, Bounds { max_bytes: 1 << 20, max_rows: 1000 }), Err(Refused::TooLarge { .. })));
        assert_eq!(d.text(d.get(automerge::ROOT, "note").unwrap().unwrap().1).unwrap().chars().count(), 5000);
    }
}
