//! Pieces the end-to-end tests and the benchmarks share; not an API. (The transport that cuts an
//! upload is the device's: `fieldreport_core::sync::testing::CutAt`.)

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
