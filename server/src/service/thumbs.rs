//! Thumbnails for the dashboard: at most 320 pixels on a side, JPEG, turned the way the photo's
//! EXIF orientation says. HEIC photos (which the image library cannot decode) get none.
//!
//! Decoding is where an image bomb bites (a 400 KB PNG of 10000×10000 pixels decodes to 400 MB,
//! a 16-bit one to 800 MB), so the dimensions and the decoded size are read from the header and
//! checked before any pixel is decoded, the decoder's allocations are capped as well, and at
//! most [`DECODES_AT_ONCE`] decodes run at once: memory stays bounded whatever is uploaded.

use std::io::Cursor;
use std::sync::LazyLock;

use image::{ImageDecoder, ImageReader};

use super::gate::Gate;
use crate::error::{Result, ServerError};

/// The longest side of a thumbnail.
pub const SIDE: u32 = 320;
/// Largest image decoded for a thumbnail, in decoded bytes (a 40-megapixel photo in 8-bit RGB);
/// larger ones get no thumbnail (the file itself is still there to open).
pub const MAX_DECODED_BYTES: u64 = 128 << 20;
/// Longest side decoded.
pub const MAX_SIDE: u32 = 12_000;
/// Decodes running at once.
pub const DECODES_AT_ONCE: usize = 2;

/// The thumbnails being made: a file read whole and decoded takes a place.
pub(super) static DECODES: LazyLock<Gate> = LazyLock::new(|| Gate::new(DECODES_AT_ONCE));

/// Why there is no thumbnail: the image is too large to decode (the answer is remembered).
/// (`0 × 0` when the decoder's own limits refused it before saying.)
pub(crate) fn too_large(w: u32, h: u32, bytes: u64) -> ServerError {
    ServerError::NotFound(format!(
        "no thumbnail for a {w}×{h} image ({} MB decoded; at most {MAX_SIDE} pixels a side and {} MB): open the file itself",
        bytes >> 20,
        MAX_DECODED_BYTES >> 20
    ))
}

/// A JPEG thumbnail of image `bytes` of `mime` (callers hold a place of [`DECODES`]).
pub fn make(bytes: &[u8], mime: &str) -> Result<Vec<u8>> {
    let format = match mime {
        "image/jpeg" => image::ImageFormat::Jpeg,
        "image/png" => image::ImageFormat::Png,
        "image/webp" => image::ImageFormat::WebP,
        other => return Err(ServerError::NotFound(format!("no thumbnail for a {other} file"))),
    };
    let unreadable = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => too_large(0, 0, 0),
        e => ServerError::BadRequest(format!("the image cannot be read: {e}")),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    // Reads the header only.
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (w, h) = decoder.dimensions();
    let decoded = decoder.total_bytes();
    if w > MAX_SIDE || h > MAX_SIDE || decoded > MAX_DECODED_BYTES {
        return Err(too_large(w, h, decoded));
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    img.apply_orientation(orientation);
    // Down to the thumbnail first: the conversion to 8-bit RGB then works on 320 pixels.
    let thumb = img.thumbnail(SIDE, SIDE).into_rgb8();
    let mut out = Vec::new();
    thumb
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .map_err(|e| ServerError::Internal(format!("cannot encode a thumbnail: {e}")))?;
    Ok(out)
}

/// The fuzz target's thumbnail of arbitrary bytes (`fuzz/fuzz_targets/image_header.rs`): the
/// first byte picks the kind (JPEG, PNG, WebP). Nothing may panic; a thumbnail made is a JPEG of
/// at most [`SIDE`] pixels a side; an image over the bounds is refused from its header.
#[doc(hidden)]
pub fn fuzz_image(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else { return };
    let mime = ["image/jpeg", "image/png", "image/webp"][which as usize % 3];
    if let Ok(t) = make(bytes, mime) {
        let back = image::load_from_memory_with_format(&t, image::ImageFormat::Jpeg).expect("a thumbnail is a JPEG");
        assert!(back.width() <= SIDE && back.height() <= SIDE);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// A PNG of `w` × `h` pixels.
    pub fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 80, 160]));
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        png
    }

    #[test]
    fn a_photo_gets_a_small_jpeg() {
        let png = png(800, 400);
        let t = super::make(&png, "image/png").unwrap();
        let back = image::load_from_memory(&t).unwrap();
        assert_eq!((back.width(), back.height()), (320, 160));
        assert!(super::make(b"not an image", "image/png").is_err());
        assert!(super::make(&png, "image/heic").is_err());
    }

    #[test]
    fn image_bombs_are_refused_from_their_header() {
        for (w, h, deep) in [(10_000, 10_000, false), (6_000, 4_000, true), (20_000, 10, false)] {
            let b = crate::testing::png_bomb_header(w, h, deep);
            assert!(b.len() < 2 << 20, "small on disk: {}", b.len());
            // Refused from the header (an attempt to decode would allocate the whole image).
            let e = super::make(&b, "image/png").unwrap_err();
            assert!(e.to_string().contains("no thumbnail for a"), "{e}");
        }
        // A large honest photo still gets one.
        assert!(super::make(&crate::testing::png_bomb(3_000, 2_000, false), "image/png").is_ok());
    }
}
