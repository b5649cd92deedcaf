//! Pieces the end-to-end tests and the benchmarks share; not an API. (The transport that cuts an
//! upload is the device's: `fieldreport_core::sync::testing::CutAt`.)

/// An image bomb: a PNG of `w` × `h` pixels of one colour (RGBA, 16 bits per channel when
/// `deep`), a few hundred KB on disk and `w × h × 4` (or 8) bytes decoded. Written row by row.
pub fn png_bomb(w: u32, h: u32, deep: bool) -> Vec<u8> {
    png_rows(w, h, deep, h)
}

/// The start of a PNG of `w` × `h` pixels: its header and the first rows only (what an attacker
/// needs to send for a decoder that does not check the header first to allocate the whole
/// image). Instant to make at any size.
pub fn png_bomb_header(w: u32, h: u32, deep: bool) -> Vec<u8> {
    png_rows(w, h, deep, h.min(4))
}

/// A PNG of `w` × `h` zero pixels of which `rows` are written (all of them: a whole image).
fn png_rows(w: u32, h: u32, deep: bool, rows: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(if deep { png::BitDepth::Sixteen } else { png::BitDepth::Eight });
    enc.set_compression(png::Compression::High);
    let row = vec![0u8; w as usize * if deep { 8 } else { 4 }];
    {
        let mut writer = enc.write_header().expect("a PNG header");
        let mut stream = writer.stream_writer().expect("a PNG stream");
        for _ in 0..rows {
            std::io::Write::write_all(&mut stream, &row).expect("a PNG in memory");
        }
        if rows == h {
            stream.finish().expect("a PNG in memory");
        } else {
            // Cut short on purpose: what was written stays, and finishing would refuse the
            // missing rows (forgetting the writer only leaks its small buffer, in a test).
            std::io::Write::flush(&mut stream).expect("a PNG in memory");
            std::mem::forget(stream);
        }
    }
    out
}

/// A PNG of noise, seeded: `w × h × 3` bytes and a little more (noise does not compress).
pub fn photo(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        image::Rgb([x as u8, (x >> 8) as u8, (x >> 16) as u8])
    });
    let mut out = Vec::new();
    let enc = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::NoFilter,
    );
    img.write_with_encoder(enc).expect("a PNG in memory");
    out
}

/// A scratch directory for a benchmark's database: on tmpfs (`/dev/shm`) where there is one, so
/// that a benchmark of computation is not one of the disk's flushes, else the system's temporary
/// directory.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().expect("a temporary directory")
}
