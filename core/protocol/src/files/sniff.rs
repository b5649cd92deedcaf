//! What kind of file bytes are, by their first bytes (never by a name or a claimed type).

/// The MIME type `head` (the file's first bytes, 32 or more) starts like, among the kinds an
/// attachment may be.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if head.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    // ISO base media: a `ftyp` box naming a HEIF brand.
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let end = size.clamp(12, head.len());
        let brands = std::iter::once(&head[8..12]).chain(head[16.min(end)..end].chunks_exact(4));
        for b in brands {
            match b {
                b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => return Some("image/heic"),
                b"mif1" | b"msf1" | b"heif" => return Some("image/heif"),
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn kinds_are_told_by_their_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Some("image/heic"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmif1\0\0\0\0mif1miaf"), Some("image/heif"));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0isommp41"), None, "a video is not a photo");
    }
}
