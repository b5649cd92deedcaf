//! Thumbnails for the dashboard: at most 320 pixels on a side, JPEG, turned the way the photo's
//! EXIF orientation says. HEIC photos (which the image library cannot decode) get none.

use std::io::Cursor;

use image::{ImageDecoder, ImageReader};

use crate::error::{Result, ServerError};

/// The longest side of a thumbnail.
pub const SIDE: u32 = 320;

/// A JPEG thumbnail of image `bytes` of `mime`.
pub fn make(bytes: &[u8], mime: &str) -> Result<Vec<u8>> {
    let format = match mime {
        "image/jpeg" => image::ImageFormat::Jpeg,
        "image/png" => image::ImageFormat::Png,
        "image/webp" => image::ImageFormat::WebP,
        other => return Err(ServerError::NotFound(format!("no thumbnail for a {other} file"))),
    };
    let unreadable = |e: image::ImageError| ServerError::BadRequest(format!("the image cannot be read: {e}"));
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format).into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    // Bounded: a huge image is refused rather than decoded into gigabytes.
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > 100_000_000 {
        return Err(ServerError::BadRequest(format!("a {w}×{h} image is too large to make a thumbnail of")));
    }
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    img.apply_orientation(orientation);
    let thumb = img.thumbnail(SIDE, SIDE).into_rgb8();
    let mut out = Vec::new();
    thumb
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .map_err(|e| ServerError::Internal(format!("cannot encode a thumbnail: {e}")))?;
    Ok(out)
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
}
