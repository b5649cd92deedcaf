//! How a file is stored without its metadata: a plan of pieces — ranges of the original file and
//! small rewritten parts — streamed out without ever holding the whole file. Photos keep their
//! orientation and capture time and lose everything else their metadata says (GPS position,
//! device make and serial, owner, XMP and IPTC blocks, pictures appended after the image); PDFs
//! are kept as they are.

use std::io::{self, Read, Seek, SeekFrom};

use super::exif::{self, Kept};
use super::plan::{bad, read_at};
pub use super::plan::{Piece, Plan};

/// The plan for a file of `mime`, `size` bytes long.
pub fn plan(mime: &str, src: &mut (impl Read + Seek), size: u64) -> io::Result<Plan> {
    match mime {
        "image/jpeg" => jpeg(src, size),
        "image/png" => png(src, size),
        "image/webp" => webp(src, size),
        "image/heic" | "image/heif" => super::heif::heif(src, size),
        _ => Ok(Plan { pieces: vec![Piece::Copy { at: 0, len: size }], kept: Kept::default() }),
    }
}

/// JPEG: the segments before the image data pass except the metadata ones (APP1 EXIF and XMP,
/// APP3–APP13 and APP15, comments, a multi-picture index); a minimal APP1 EXIF with what is kept
/// goes first; the image ends at its end-of-image marker (pictures appended after it, each with
/// its own metadata, go).
fn jpeg(src: &mut (impl Read + Seek), size: u64) -> io::Result<Plan> {
    let mut plan = Plan::default();
    let mut kept_segments: Vec<(u64, u64)> = Vec::new();
    let mut pos = 2u64;
    let mut head = [0u8; 4];
    let scan_from = loop {
        if pos + 4 > size {
            return Err(bad("the JPEG ends before its image data"));
        }
        read_at(src, pos, &mut head)?;
        if head[0] != 0xFF {
            return Err(bad("a JPEG segment does not start with a marker"));
        }
        let marker = head[1];
        if marker == 0xFF {
            pos += 1; // a fill byte
            continue;
        }
        if marker == 0xDA {
            break pos;
        }
        if marker == 0xD9 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            return Err(bad("a JPEG marker out of place before its image data"));
        }
        let len = u64::from(u16::from_be_bytes([head[2], head[3]]));
        if len < 2 || pos + 2 + len > size {
            return Err(bad("a JPEG segment runs past the end of the file"));
        }
        let keep = match marker {
            0xE1 => {
                let mut payload = vec![0u8; (len - 2) as usize];
                read_at(src, pos + 4, &mut payload)?;
                if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                    plan.kept = exif::read(tiff);
                }
                false
            }
            0xE2 => {
                // ICC profiles stay (colours); a multi-picture index points at dropped pictures.
                let mut tag = [0u8; 4];
                if len >= 6 {
                    read_at(src, pos + 4, &mut tag)?;
                }
                &tag != b"MPF\0"
            }
            0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            kept_segments.push((pos, 2 + len));
        }
        pos += 2 + len;
    };
    // The image data ends at the first end-of-image marker: 0xFF bytes inside it are stuffed or
    // restart markers, never 0xFF 0xD9.
    let mut end = None;
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = scan_from;
    let mut prev_ff = false;
    src.seek(SeekFrom::Start(at))?;
    'scan: while at < size {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for (i, b) in buf[..n].iter().enumerate() {
            if prev_ff && *b == 0xD9 {
                end = Some(at + i as u64 + 1);
                break 'scan;
            }
            prev_ff = *b == 0xFF;
        }
        at += n as u64;
    }
    let end = end.ok_or_else(|| bad("the JPEG has no end-of-image marker"))?;
    plan.pieces.push(Piece::Bytes(vec![0xFF, 0xD8]));
    if !plan.kept.is_empty() {
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(exif::write(&plan.kept));
        let mut seg = vec![0xFF, 0xE1];
        seg.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        seg.extend(app1);
        plan.pieces.push(Piece::Bytes(seg));
    }
    for (at, len) in kept_segments {
        plan.copy(at, len);
    }
    plan.copy(scan_from, end - scan_from);
    Ok(plan)
}

/// PNG: every chunk up to IEND except text, time and EXIF chunks.
fn png(src: &mut (impl Read + Seek), size: u64) -> io::Result<Plan> {
    let mut plan = Plan::default();
    plan.copy(0, 8);
    let mut pos = 8u64;
    let mut head = [0u8; 8];
    loop {
        if pos + 12 > size {
            return Err(bad("the PNG ends before its IEND chunk"));
        }
        read_at(src, pos, &mut head)?;
        let len = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let total = 12 + len;
        if pos + total > size {
            return Err(bad("a PNG chunk runs past the end of the file"));
        }
        let kind = [head[4], head[5], head[6], head[7]];
        if !matches!(&kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            plan.copy(pos, total);
        }
        pos += total;
        if &kind == b"IEND" {
            return Ok(plan);
        }
    }
}

/// WebP: the RIFF chunks without XMP, and EXIF reduced to what is kept.
fn webp(src: &mut (impl Read + Seek), size: u64) -> io::Result<Plan> {
    if size < 12 {
        return Err(bad("the WebP file is shorter than its header"));
    }
    let mut riff = [0u8; 12];
    read_at(src, 0, &mut riff)?;
    let declared = u64::from(u32::from_le_bytes([riff[4], riff[5], riff[6], riff[7]])) + 8;
    let end = declared.min(size);
    let mut body = Plan::default();
    let mut kept = Kept::default();
    let mut pos = 12u64;
    let mut head = [0u8; 8];
    let mut vp8x: Option<(usize, Vec<u8>)> = None;
    while pos + 8 <= end {
        read_at(src, pos, &mut head)?;
        let len = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
        let total = 8 + len + (len & 1);
        if pos + 8 + len > end {
            return Err(bad("a WebP chunk runs past the end of the file"));
        }
        match &head[..4] {
            b"EXIF" => {
                let mut data = vec![0u8; len.min(1 << 20) as usize];
                read_at(src, pos + 8, &mut data)?;
                let tiff = data.strip_prefix(b"Exif\0\0").unwrap_or(&data);
                kept = exif::read(tiff);
            }
            b"XMP " => {}
            b"VP8X" if len >= 10 => {
                let mut chunk = vec![0u8; (8 + len) as usize];
                read_at(src, pos, &mut chunk)?;
                vp8x = Some((body.pieces.len(), chunk));
                body.pieces.push(Piece::Bytes(Vec::new()));
            }
            _ => body.copy(pos, total.min(end - pos)),
        }
        pos += total;
    }
    if let Some((at, mut chunk)) = vp8x {
        // Flags: 0x08 EXIF, 0x04 XMP.
        chunk[8] &= !0x04;
        if kept.is_empty() {
            chunk[8] &= !0x08;
        }
        body.pieces[at] = Piece::Bytes(chunk);
    }
    if !kept.is_empty() {
        let tiff = exif::write(&kept);
        let mut chunk = b"EXIF".to_vec();
        chunk.extend_from_slice(&(tiff.len() as u32).to_le_bytes());
        chunk.extend(&tiff);
        if tiff.len() % 2 == 1 {
            chunk.push(0);
        }
        body.pieces.push(Piece::Bytes(chunk));
    }
    let mut header = b"RIFF".to_vec();
    header.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    header.extend_from_slice(b"WEBP");
    let mut plan = Plan { pieces: vec![Piece::Bytes(header)], kept };
    plan.pieces.extend(body.pieces);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn stored(mime: &str, bytes: &[u8]) -> (Vec<u8>, Kept) {
        let mut src = Cursor::new(bytes.to_vec());
        let plan = plan(mime, &mut src, bytes.len() as u64).unwrap();
        let mut out = Vec::new();
        plan.write_to(&mut src, &mut out).unwrap();
        assert_eq!(out.len() as u64, plan.len());
        (out, plan.kept)
    }

    /// A JPEG's skeleton: SOI, segments, SOS with some image data, EOI, and a trailer.
    fn jpeg_with(segments: &[&[u8]], trailer: &[u8]) -> Vec<u8> {
        let mut f = vec![0xFF, 0xD8];
        for s in segments {
            f.extend_from_slice(s);
        }
        f.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9]);
        f.extend_from_slice(trailer);
        f
    }

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    #[test]
    fn a_jpeg_loses_its_location_and_keeps_its_orientation() {
        let taken = chrono::NaiveDateTime::parse_from_str("2026:11:23 09:30:05", "%Y:%m:%d %H:%M:%S").unwrap();
        let mut exif_payload = b"Exif\0\0".to_vec();
        // The kept fields, then what a real EXIF also holds (a GPS IFD, the phone's serial).
        exif_payload.extend(exif::write(&Kept { orientation: Some(6), taken: Some(taken), offset_secs: None }));
        exif_payload.extend_from_slice(b"GPS 31.2304N 121.4737E iPhone SERIAL-123");
        let app0 = segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let app1 = segment(0xE1, &exif_payload);
        let xmp = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPS</x:xmpmeta>");
        let com = segment(0xFE, b"taken by Zhang Wei");
        let dqt = segment(0xDB, &[0u8; 65]);
        let original = jpeg_with(&[&app0, &app1, &xmp, &com, &dqt], b"MPF second picture with its own GPS");
        let (out, kept) = stored("image/jpeg", &original);
        assert_eq!(kept.orientation, Some(6));
        assert_eq!(kept.taken, Some(taken));
        for gone in [&b"GPS"[..], b"SERIAL", b"Zhang", b"xmpmeta", b"second picture"] {
            assert!(!out.windows(gone.len()).any(|w| w == gone), "{:?} is gone", String::from_utf8_lossy(gone));
        }
        assert!(out.starts_with(&[0xFF, 0xD8, 0xFF, 0xE1]), "the kept EXIF comes first");
        assert!(out.ends_with(&[0xFF, 0xD9]));
        assert!(out.windows(app0.len()).any(|w| w == app0), "JFIF stays");
        assert!(out.windows(dqt.len()).any(|w| w == dqt), "the image's own segments stay");
        let (again, kept_again) = stored("image/jpeg", &out);
        assert_eq!((again, kept_again), (out.clone(), kept), "stripping is idempotent");
    }

    #[test]
    fn damaged_jpegs_are_refused() {
        let good = jpeg_with(&[&segment(0xDB, &[0u8; 65])], b"");
        for cut in [3, 10, good.len() - 1] {
            let mut src = Cursor::new(good[..cut].to_vec());
            assert!(plan("image/jpeg", &mut src, cut as u64).is_err(), "cut at {cut}");
        }
        let mut liar = good.clone();
        liar[4] = 0xFF; // a segment length past the end
        let mut src = Cursor::new(liar.clone());
        assert!(plan("image/jpeg", &mut src, liar.len() as u64).is_err());
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut f = b"\x89PNG\r\n\x1a\n".to_vec();
        f.extend(chunk(b"IHDR", &[0u8; 13]));
        f.extend(chunk(b"tEXt", b"Author\0Zhang Wei"));
        f.extend(chunk(b"eXIf", b"MM\0*GPS"));
        f.extend(chunk(b"IDAT", b"pixels"));
        f.extend(chunk(b"IEND", b""));
        f.extend_from_slice(b"trailing garbage");
        let (out, _) = stored("image/png", &f);
        assert!(!out.windows(5).any(|w| w == b"Zhang") && !out.windows(3).any(|w| w == b"GPS"));
        assert!(out.windows(6).any(|w| w == b"pixels"));
        assert!(out.ends_with(b"IEND\0\0\0\0"), "nothing after IEND");
    }

    #[test]
    fn a_webp_loses_xmp_and_keeps_a_minimal_exif() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let mut exif_data = exif::write(&Kept { orientation: Some(8), ..Default::default() });
        exif_data.extend_from_slice(b"GPS");
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &[0x0C, 0, 0, 0, 1, 0, 0, 1, 0, 0]));
        body.extend(chunk(b"VP8 ", b"frame"));
        body.extend(chunk(b"EXIF", &exif_data));
        body.extend(chunk(b"XMP ", b"<xmp>GPS</xmp>"));
        let mut f = b"RIFF".to_vec();
        f.extend_from_slice(&(body.len() as u32).to_le_bytes());
        f.extend(body);
        let (out, kept) = stored("image/webp", &f);
        assert_eq!(kept.orientation, Some(8));
        assert!(!out.windows(3).any(|w| w == b"GPS"));
        assert_eq!(u32::from_le_bytes([out[4], out[5], out[6], out[7]]) as usize, out.len() - 8, "RIFF size");
        assert_eq!(out[20] & 0x04, 0, "no XMP flag");
        assert_eq!(out[20] & 0x08, 0x08, "an EXIF chunk, so the EXIF flag");
    }

    /// A minimal HEIF: ftyp, meta (iinf with an Exif item, iloc pointing into mdat), mdat.
    fn heif_with(exif_item: &[u8]) -> Vec<u8> {
        fn bx(kind: &[u8], body: &[u8]) -> Vec<u8> {
            let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
            b.extend_from_slice(kind);
            b.extend_from_slice(body);
            b
        }
        let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        let mut infe = vec![2, 0, 0, 0, 0, 1, 0, 0];
        infe.extend_from_slice(b"Exif\0");
        let mut iinf = vec![0, 0, 0, 0, 0, 1];
        iinf.extend(bx(b"infe", &infe));
        // iloc v0: offset_size 4, length_size 4, base_offset_size 0; one item, one extent.
        let mdat_payload_at = |meta_len: usize| (ftyp.len() + meta_len + 8) as u32;
        let build = |offset: u32| {
            let mut iloc = vec![0, 0, 0, 0, 0x44, 0x00, 0, 1, 0, 1, 0, 0, 0, 1];
            iloc.extend_from_slice(&offset.to_be_bytes());
            iloc.extend_from_slice(&(exif_item.len() as u32).to_be_bytes());
            let mut meta_body = vec![0, 0, 0, 0];
            meta_body.extend(bx(b"iinf", &iinf));
            meta_body.extend(bx(b"iloc", &iloc));
            bx(b"meta", &meta_body)
        };
        let meta_len = build(0).len();
        let meta = build(mdat_payload_at(meta_len));
        let mut f = ftyp.clone();
        f.extend(meta);
        f.extend(bx(b"mdat", exif_item));
        f
    }

    #[test]
    fn a_heic_keeps_its_layout_and_loses_its_location() {
        let mut item = 6u32.to_be_bytes().to_vec();
        item.extend_from_slice(b"Exif\0\0");
        item.extend(exif::write(&Kept { orientation: Some(3), ..Default::default() }));
        item.extend_from_slice(b"GPS 31.23N");
        let original = heif_with(&item);
        let (out, kept) = stored("image/heic", &original);
        assert_eq!(out.len(), original.len(), "every offset stays right");
        assert_eq!(kept.orientation, Some(3));
        assert!(!out.windows(3).any(|w| w == b"GPS"));
    }

    #[test]
    fn a_pdf_is_kept_as_it_is() {
        let f = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec();
        assert_eq!(stored("application/pdf", &f).0, f);
    }
}
