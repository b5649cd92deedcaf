//! The sync wire format: compact binary, shared by the device and the server. Version 2 adds to
//! version 1 the documents a device asks for whole (`want`), and the documents the server
//! cannot serve (`unavailable`) or asks the device to send whole (`resend`). A server answers in
//! the version it was asked in. Layout and rationale: docs/sync-protocol.md.

pub use automerge::ChangeHash;

use crate::codes::RefusalReason;
use crate::doc::Kind;

/// Magic bytes that open every message.
pub const MAGIC: &[u8; 4] = b"FRSY";
/// The wire format version this build speaks (it also reads and answers version 1).
pub const VERSION: u8 = 2;
/// The oldest version this build reads.
pub const OLDEST: u8 = 1;
/// Most documents one sync request may push (the server refuses more with 413 `too_large`; a
/// device sends at most this many, and splits a batch the server found too large).
pub const MAX_PUSHES: usize = 1_000;
/// Most documents one sync request may ask for whole.
pub const MAX_WANTED: usize = 1_000;
const REQUEST: u8 = 1;
const RESPONSE: u8 = 2;

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed sync message: {0}")]
pub struct WireError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, WireError> {
    Err(WireError(msg.into()))
}

/// Whether wire `version` knows documents of `kind` (the directory came with version 2).
pub fn kind_in_version(kind: Kind, version: u8) -> bool {
    kind.code() <= 8 || version >= 2
}

fn kind_from(code: u8) -> Result<Kind, WireError> {
    Kind::from_code(code).ok_or_else(|| WireError(format!("unknown document kind code {code}")))
}

/// A document's changes pushed by a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Push {
    /// Canonical UUID string.
    pub id: String,
    pub kind: Kind,
    /// The device's heads after these changes.
    pub heads: Vec<ChangeHash>,
    /// Automerge changes (`save_after` of what the server acknowledged).
    pub changes: Vec<u8>,
}

/// One request: acknowledge everything up to `cursor`, push documents, ask for a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    /// The wire version it was written in.
    pub version: u8,
    /// The feed position the device has committed locally.
    pub cursor: u64,
    /// Budget for document bytes in the response.
    pub max_bytes: u64,
    pub pushes: Vec<Push>,
    /// Documents the device asks for whole (it could not apply what it was sent). Version 2.
    pub want: Vec<String>,
}

impl Default for SyncRequest {
    fn default() -> Self {
        SyncRequest { version: VERSION, cursor: 0, max_bytes: 0, pushes: Vec::new(), want: Vec::new() }
    }
}

/// The server's verdict on one pushed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushResult {
    /// Merged; the server's heads after the merge.
    Accepted { id: String, heads: Vec<ChangeHash> },
    /// Refused; the server kept nothing of it. On the wire the reason is one text,
    /// `code: message`.
    Rejected { id: String, reason: RefusalReason },
}

/// A document (or the part of it the device lacks) sent by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pull {
    pub id: String,
    pub kind: Kind,
    /// The server's heads for the document.
    pub heads: Vec<ChangeHash>,
    pub changes: Vec<u8>,
}

/// One response: verdicts, a page of the change feed, and how much remains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResponse {
    /// The wire version it is written in (the request's).
    pub version: u8,
    pub results: Vec<PushResult>,
    /// The feed position this page brings the device to, once committed.
    pub cursor: u64,
    /// More pages wait after this one.
    pub more: bool,
    /// Estimate of what remains after this page, for progress.
    pub remaining_docs: u64,
    pub remaining_bytes: u64,
    pub docs: Vec<Pull>,
    /// Documents of the feed the server cannot serve now (their stored copy is damaged and set
    /// aside); they come when healed. Version 2.
    pub unavailable: Vec<String>,
    /// The device's documents the server asks for whole (to heal its damaged copy). Version 2.
    pub resend: Vec<String>,
}

impl Default for SyncResponse {
    fn default() -> Self {
        SyncResponse {
            version: VERSION,
            results: Vec::new(),
            cursor: 0,
            more: false,
            remaining_docs: 0,
            remaining_bytes: 0,
            docs: Vec::new(),
            unavailable: Vec::new(),
            resend: Vec::new(),
        }
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn new(version: u8, kind: u8) -> Writer {
        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(MAGIC);
        v.push(version);
        v.push(kind);
        Writer(v)
    }
    fn ids(&mut self, ids: &[String]) {
        self.uvar(ids.len() as u64);
        for id in ids {
            self.id(id);
        }
    }
    fn u8(&mut self, b: u8) {
        self.0.push(b);
    }
    fn uvar(&mut self, mut n: u64) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }
    fn bytes(&mut self, b: &[u8]) {
        self.uvar(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn id(&mut self, id: &str) {
        let u = uuid::Uuid::parse_str(id).unwrap_or_default();
        self.0.extend_from_slice(u.as_bytes());
    }
    fn heads(&mut self, heads: &[ChangeHash]) {
        self.uvar(heads.len() as u64);
        for h in heads {
            self.0.extend_from_slice(&h.0);
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    version: u8,
}

impl<'a> Reader<'a> {
    fn open(b: &'a [u8], kind: u8) -> Result<Reader<'a>, WireError> {
        if b.len() < 6 || &b[..4] != MAGIC {
            return err("not a fieldreport sync message");
        }
        if !(OLDEST..=VERSION).contains(&b[4]) {
            return err(format!("wire version {} is not supported (this build speaks {OLDEST} to {VERSION})", b[4]));
        }
        if b[5] != kind {
            return err("unexpected message type");
        }
        Ok(Reader { b, at: 6, version: b[4] })
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.b.len() - self.at < n {
            return err("truncated");
        }
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }
    /// A varint, in its one shortest form (a message has exactly one encoding).
    fn uvar(&mut self) -> Result<u64, WireError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            if shift == 63 && byte > 1 {
                return err("varint overflows 64 bits");
            }
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return err("varint not in its shortest form");
                }
                return Ok(n);
            }
        }
        err("varint too long")
    }
    fn flag(&mut self) -> Result<bool, WireError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => err(format!("a flag must be 0 or 1, not {b}")),
        }
    }
    fn len(&mut self, max: usize) -> Result<usize, WireError> {
        let n = self.uvar()?;
        if n > max as u64 || n > (self.b.len() - self.at) as u64 {
            return err("length out of range");
        }
        Ok(n as usize)
    }
    fn bytes(&mut self) -> Result<Vec<u8>, WireError> {
        let n = self.len(usize::MAX)?;
        Ok(self.take(n)?.to_vec())
    }
    fn string(&mut self) -> Result<String, WireError> {
        String::from_utf8(self.bytes()?).or_else(|_| err("invalid UTF-8"))
    }
    fn id(&mut self) -> Result<String, WireError> {
        let b = self.take(16)?;
        uuid::Uuid::from_slice(b).map(|u| u.to_string()).or_else(|_| err("bad id"))
    }
    fn heads(&mut self) -> Result<Vec<ChangeHash>, WireError> {
        let n = self.len((self.b.len() - self.at) / 32)?;
        (0..n).map(|_| ChangeHash::try_from(self.take(32)?).or_else(|_| err("bad change hash"))).collect()
    }
    fn count(&mut self) -> Result<usize, WireError> {
        // Every element takes at least 16 bytes, so a count cannot exceed what remains.
        self.len((self.b.len() - self.at) / 16 + 1)
    }
    fn ids(&mut self) -> Result<Vec<String>, WireError> {
        let n = self.count()?;
        (0..n).map(|_| self.id()).collect()
    }
    fn end(self) -> Result<(), WireError> {
        if self.at == self.b.len() {
            Ok(())
        } else {
            err("trailing bytes")
        }
    }
}

impl SyncRequest {
    /// Encodes the request (in its version; version 1 has no `want`).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(self.version, REQUEST);
        w.uvar(self.cursor);
        w.uvar(self.max_bytes);
        w.uvar(self.pushes.len() as u64);
        for p in &self.pushes {
            w.id(&p.id);
            w.u8(p.kind.code());
            w.heads(&p.heads);
            w.bytes(&p.changes);
        }
        if self.version >= 2 {
            w.ids(&self.want);
        }
        w.0
    }

    /// Decodes a request, refusing anything malformed.
    /// How many pushes the request `b` says it carries, read from its header alone (a server
    /// bounds a request by it before decoding any push).
    pub fn push_count(b: &[u8]) -> Result<usize, WireError> {
        let mut r = Reader::open(b, REQUEST)?;
        r.uvar()?;
        r.uvar()?;
        r.count()
    }

    pub fn decode(b: &[u8]) -> Result<SyncRequest, WireError> {
        let mut r = Reader::open(b, REQUEST)?;
        let cursor = r.uvar()?;
        let max_bytes = r.uvar()?;
        let n = r.count()?;
        let mut pushes = Vec::with_capacity(n);
        for _ in 0..n {
            pushes.push(Push { id: r.id()?, kind: kind_from(r.u8()?)?, heads: r.heads()?, changes: r.bytes()? });
        }
        let want = if r.version >= 2 { r.ids()? } else { Vec::new() };
        let version = r.version;
        r.end()?;
        Ok(SyncRequest { version, cursor, max_bytes, pushes, want })
    }
}

impl SyncResponse {
    /// Encodes the response (in its version; version 1 has no `unavailable` and `resend`).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(self.version, RESPONSE);
        w.uvar(self.results.len() as u64);
        for res in &self.results {
            match res {
                PushResult::Accepted { id, heads } => {
                    w.id(id);
                    w.u8(0);
                    w.heads(heads);
                }
                PushResult::Rejected { id, reason } => {
                    w.id(id);
                    w.u8(1);
                    w.bytes(reason.to_string().as_bytes());
                }
            }
        }
        w.uvar(self.cursor);
        w.u8(self.more as u8);
        w.uvar(self.remaining_docs);
        w.uvar(self.remaining_bytes);
        w.uvar(self.docs.len() as u64);
        for d in &self.docs {
            w.id(&d.id);
            w.u8(d.kind.code());
            w.heads(&d.heads);
            w.bytes(&d.changes);
        }
        if self.version >= 2 {
            w.ids(&self.unavailable);
            w.ids(&self.resend);
        }
        w.0
    }

    /// Decodes a response, refusing anything malformed.
    pub fn decode(b: &[u8]) -> Result<SyncResponse, WireError> {
        let mut r = Reader::open(b, RESPONSE)?;
        let n = r.count()?;
        let mut results = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.id()?;
            results.push(match r.u8()? {
                0 => PushResult::Accepted { id, heads: r.heads()? },
                1 => PushResult::Rejected { id, reason: RefusalReason::parse(&r.string()?) },
                s => return err(format!("unknown push status {s}")),
            });
        }
        let cursor = r.uvar()?;
        let more = r.flag()?;
        let remaining_docs = r.uvar()?;
        let remaining_bytes = r.uvar()?;
        let n = r.count()?;
        let mut docs = Vec::with_capacity(n);
        for _ in 0..n {
            docs.push(Pull { id: r.id()?, kind: kind_from(r.u8()?)?, heads: r.heads()?, changes: r.bytes()? });
        }
        let (unavailable, resend) = if r.version >= 2 { (r.ids()?, r.ids()?) } else { (Vec::new(), Vec::new()) };
        let version = r.version;
        r.end()?;
        Ok(SyncResponse { version, results, cursor, more, remaining_docs, remaining_bytes, docs, unavailable, resend })
    }
}

#[cfg(test)]
mod count_tests {
    use super::*;

    #[test]
    fn the_push_count_is_read_from_the_header() {
        let push =
            |i: usize| Push { id: format!("d{i}"), kind: crate::doc::Kind::Customer, heads: vec![], changes: vec![1] };
        let req = SyncRequest { pushes: (0..3).map(push).collect(), ..Default::default() };
        assert_eq!(SyncRequest::push_count(&req.encode()).unwrap(), 3);
        assert!(SyncRequest::push_count(b"nonsense").is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(b: u8) -> ChangeHash {
        ChangeHash([b; 32])
    }

    #[test]
    fn requests_and_responses_round_trip() {
        let req = SyncRequest {
            cursor: 300,
            max_bytes: 1 << 20,
            pushes: vec![Push {
                id: "01900000-0000-7000-8000-000000000001".into(),
                kind: Kind::Followup,
                heads: vec![hash(1), hash(2)],
                changes: vec![9, 8, 7],
            }],
            want: vec!["01900000-0000-7000-8000-000000000009".into()],
            ..Default::default()
        };
        assert_eq!(SyncRequest::decode(&req.encode()).unwrap(), req);
        // A version 1 device's request reads too, and is answered in version 1.
        let old = SyncRequest { version: 1, want: Vec::new(), ..req.clone() };
        assert_eq!(SyncRequest::decode(&old.encode()).unwrap(), old);
        let resp = SyncResponse {
            results: vec![
                PushResult::Accepted { id: "01900000-0000-7000-8000-000000000001".into(), heads: vec![hash(3)] },
                PushResult::Rejected {
                    id: "01900000-0000-7000-8000-000000000002".into(),
                    reason: RefusalReason::parse("不允许"),
                },
            ],
            cursor: 1_000_000,
            more: true,
            remaining_docs: 5,
            remaining_bytes: 4000,
            docs: vec![Pull {
                id: "01900000-0000-7000-8000-000000000003".into(),
                kind: Kind::Report,
                heads: vec![],
                changes: vec![1],
            }],
            unavailable: vec!["01900000-0000-7000-8000-000000000004".into()],
            resend: vec!["01900000-0000-7000-8000-000000000005".into()],
            ..Default::default()
        };
        assert_eq!(SyncResponse::decode(&resp.encode()).unwrap(), resp);
        let old = SyncResponse { version: 1, unavailable: vec![], resend: vec![], ..resp.clone() };
        assert_eq!(SyncResponse::decode(&old.encode()).unwrap(), old);
    }

    #[test]
    fn an_idle_exchange_is_a_few_bytes() {
        let req = SyncRequest { cursor: 123_456, max_bytes: 1 << 20, ..Default::default() };
        assert!(req.encode().len() <= 16, "{}", req.encode().len());
        let resp = SyncResponse { cursor: 123_456, ..Default::default() };
        assert!(resp.encode().len() <= 16);
    }

    #[test]
    fn malformed_bytes_are_refused_not_panicked_on() {
        let good = SyncRequest {
            cursor: 1,
            max_bytes: 2,
            pushes: vec![Push {
                id: "01900000-0000-7000-8000-000000000001".into(),
                kind: Kind::Deal,
                heads: vec![hash(1)],
                changes: vec![1, 2, 3],
            }],
            ..Default::default()
        }
        .encode();
        for cut in 0..good.len() {
            assert!(SyncRequest::decode(&good[..cut]).is_err(), "truncated at {cut}");
        }
        let mut bad_version = good.clone();
        bad_version[4] = 99;
        assert!(SyncRequest::decode(&bad_version).unwrap_err().0.contains("version"));
        let mut huge_count = good[..8].to_vec();
        huge_count.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(SyncRequest::decode(&huge_count).is_err());
        assert!(SyncResponse::decode(&good).is_err(), "a request is not a response");
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(SyncRequest::decode(&trailing).is_err());
        // One encoding per message: a varint padded with a zero group, a flag other than 0 or 1.
        let mut padded = good[..6].to_vec();
        padded.extend_from_slice(&[0x81, 0x00]);
        assert!(SyncRequest::decode(&padded).unwrap_err().0.contains("shortest"));
        let mut resp = SyncResponse { cursor: 1, more: true, ..Default::default() }.encode();
        let flag = resp.len() - 6;
        assert_eq!(resp[flag], 1);
        resp[flag] = 43;
        assert!(SyncResponse::decode(&resp).unwrap_err().0.contains("flag"));
    }
}
