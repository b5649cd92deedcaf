//! A decompression bomb: 900 MB of zeros compressed to under 1 MB, pushed by a device with a
//! valid token. The document is refused (`doc_too_large`) and the server's memory grows by at
//! most a small multiple of the document limit. Alone in its test binary, so the memory it
//! measures is this test's.

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use fieldreport_core::codes::RefusalCode;
use fieldreport_core::doc::Kind;
use fieldreport_core::sync::wire::{Push, PushResult, SyncRequest};
use support::*;

/// The resident memory of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

/// Raw DEFLATE output for `input`, flushed to a byte boundary (the stream goes on after it).
fn feed(c: &mut flate2::Compress, input: &[u8], flush: flate2::FlushCompress) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut at = 0;
    loop {
        let (before_in, before_out) = (c.total_in(), c.total_out());
        c.compress(&input[at..], &mut buf, flush).unwrap();
        at += (c.total_in() - before_in) as usize;
        let produced = (c.total_out() - before_out) as usize;
        out.extend_from_slice(&buf[..produced]);
        if at == input.len() && produced < buf.len() {
            return out;
        }
    }
}

/// A raw DEFLATE stream of `segments` × 8 MiB of zeros. Compressing 900 MB takes a while, but
/// once the window is all zeros every further segment compresses to the same bytes: they are
/// repeated instead of computed.
fn bomb(segments: usize) -> Vec<u8> {
    let zeros = vec![0u8; 8 << 20];
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let first = feed(&mut c, &zeros, flate2::FlushCompress::Sync);
    let second = feed(&mut c, &zeros, flate2::FlushCompress::Sync);
    let third = feed(&mut c, &zeros, flate2::FlushCompress::Sync);
    assert_eq!(second, third, "a segment of zeros after zeros compresses to the same bytes");
    let end = feed(&mut c, &[], flate2::FlushCompress::Finish);
    let mut out = first;
    for _ in 1..segments {
        out.extend_from_slice(&second);
    }
    out.extend_from_slice(&end);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decompression_bomb_is_refused_within_bounded_memory() {
    let stream = bomb(108); // 108 × 8 MiB ≈ 906 MB
    assert!(stream.len() < 1 << 20, "the bomb is {} bytes", stream.len());
    // Sanity: the stream really inflates to zeros (the first 64 MiB of it).
    let mut probe = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(flate2::read::DeflateDecoder::new(&stream[..]), 64 << 20),
        &mut probe,
    )
    .unwrap();
    assert!(probe.len() == 64 << 20 && probe.iter().all(|b| *b == 0));
    // As a compressed change chunk (type 2).
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 2];
    let mut n = stream.len() as u64;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            chunk.push(b);
            break;
        }
        chunk.push(b | 0x80);
    }
    chunk.write_all(&stream).unwrap();

    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    let token = token(&rep.store);
    let push = Push { id: uuid::Uuid::now_v7().to_string(), kind: Kind::Customer, heads: Vec::new(), changes: chunk };
    let req = SyncRequest { cursor: 0, max_bytes: 1 << 20, pushes: vec![push], ..Default::default() };

    let before = rss();
    let (peak, stop) = (Arc::new(AtomicU64::new(before)), Arc::new(AtomicBool::new(false)));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                peak.fetch_max(rss(), Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        })
    };
    let (status, resp, err) = raw_sync(&server.url, &token, &req).await;
    stop.store(true, Ordering::SeqCst);
    sampler.join().unwrap();
    assert_eq!(status, 200, "{err}");
    match &resp.unwrap().results[0] {
        PushResult::Rejected { reason, .. } => assert_eq!(reason.code, RefusalCode::DocTooLarge, "{reason}"),
        other => panic!("expected doc_too_large, got {other:?}"),
    }
    let grew = peak.load(Ordering::SeqCst).saturating_sub(before);
    // The limit is 1 MiB of decoded bytes; the request itself is ~1 MB.
    assert!(grew < 32 << 20, "the server's memory grew by {} MB", grew >> 20);
    // And it keeps serving.
    rep.customer("正常客户");
    assert_eq!(rep.sync().await.pushed, 1);
}
