//! The only photo metadata fieldreport keeps: orientation and capture time. Everything else in a
//! photo's EXIF (GPS position, the phone's make and serial number, the owner's name…) is dropped:
//! the check-in carries the location, and nothing else about the device is anyone's business.

use chrono::NaiveDateTime;

/// What is kept of a photo's EXIF.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kept {
    /// EXIF orientation, 1 to 8.
    pub orientation: Option<u16>,
    /// DateTimeOriginal, the camera's local time.
    pub taken: Option<NaiveDateTime>,
    /// OffsetTimeOriginal in seconds east of UTC, when the camera wrote one.
    pub offset_secs: Option<i32>,
}

impl Kept {
    pub fn is_empty(&self) -> bool {
        self.orientation.is_none() && self.taken.is_none()
    }
}

/// Reads what is kept from a TIFF-structured EXIF block (`II*\0…` or `MM\0*…`); anything that
/// does not read is simply not kept.
pub fn read(tiff: &[u8]) -> Kept {
    let Ok(exif) = exif::Reader::new().read_raw(tiff.to_vec()) else { return Kept::default() };
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u16::try_from(v).ok())
        .filter(|v| (1..=8).contains(v));
    let ascii = |tag| match exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
        Some(exif::Value::Ascii(v)) => v.first().map(|s| String::from_utf8_lossy(s).trim().to_string()),
        _ => None,
    };
    let taken =
        ascii(exif::Tag::DateTimeOriginal).and_then(|s| NaiveDateTime::parse_from_str(&s, "%Y:%m:%d %H:%M:%S").ok());
    let offset_secs = ascii(exif::Tag::OffsetTimeOriginal).and_then(|s| parse_offset(&s));
    Kept { orientation, taken, offset_secs }
}

/// `+08:00` → 28,800 seconds.
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=14).contains(&h) && (0..60).contains(&m)).then_some(sign * (h * 3600 + m * 60))
}

/// A minimal TIFF-structured EXIF block holding only `kept` (little-endian): IFD0 with the
/// orientation and a pointer to an Exif IFD with DateTimeOriginal.
pub fn write(kept: &Kept) -> Vec<u8> {
    let mut ifd0: Vec<(u16, u16, u32, u32)> = Vec::new(); // (tag, type, count, value or offset)
    if let Some(o) = kept.orientation {
        ifd0.push((0x0112, 3, 1, u32::from(o)));
    }
    let date = kept.taken.map(|t| {
        let mut s = t.format("%Y:%m:%d %H:%M:%S").to_string().into_bytes();
        s.push(0);
        s
    });
    let ifd0_len = 2 + 12 * (ifd0.len() + usize::from(date.is_some())) + 4;
    let exif_ifd_at = 8 + ifd0_len;
    if date.is_some() {
        ifd0.push((0x8769, 4, 1, exif_ifd_at as u32));
    }
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    let entry = |out: &mut Vec<u8>, (tag, ty, count, value): (u16, u16, u32, u32)| {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        if ty == 3 {
            // A SHORT sits in the first two bytes of the value field.
            out.extend_from_slice(&(value as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&value.to_le_bytes());
        }
    };
    out.extend_from_slice(&(ifd0.len() as u16).to_le_bytes());
    for e in ifd0 {
        entry(&mut out, e);
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    if let Some(d) = date {
        let string_at = exif_ifd_at + 2 + 12 + 4;
        out.extend_from_slice(&1u16.to_le_bytes());
        entry(&mut out, (0x9003, 2, d.len() as u32, string_at as u32));
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_orientation_and_capture_time_survive() {
        let taken = NaiveDateTime::parse_from_str("2026:11:23 09:30:05", "%Y:%m:%d %H:%M:%S").unwrap();
        let kept = Kept { orientation: Some(6), taken: Some(taken), offset_secs: None };
        let tiff = write(&kept);
        assert_eq!(read(&tiff), kept, "written, it reads back");
        assert_eq!(read(&write(&Kept { orientation: Some(3), ..Default::default() })).orientation, Some(3));
        assert_eq!(read(&write(&Kept::default())), Kept::default());
        assert_eq!(read(b"not a tiff"), Kept::default());
        assert_eq!(parse_offset("+08:00"), Some(28_800));
        assert_eq!(parse_offset("-03:30"), Some(-12_600));
        assert_eq!(parse_offset("08:00"), None);
    }
}
