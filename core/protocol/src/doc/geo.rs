//! Coordinates inside documents: a map `{lat, lon}` validated to the earth's ranges.

use automerge::ObjId;

use super::validation::in_range;
use super::{fields, Doc, ValidationError};

pub(crate) fn write_point(
    doc: &mut Doc,
    parent: &ObjId,
    key: &str,
    lat: f64,
    lon: f64,
) -> Result<ObjId, automerge::AutomergeError> {
    let m = fields::put_map(doc, parent, key)?;
    fields::put(doc, &m, "lat", lat)?;
    fields::put(doc, &m, "lon", lon)?;
    Ok(m)
}

pub(crate) fn read_point(doc: &Doc, parent: &ObjId, key: &str) -> Option<(f64, f64)> {
    let (m, _) = fields::obj(doc, parent, key)?;
    Some((fields::f64(doc, &m, "lat")?, fields::f64(doc, &m, "lon")?))
}

/// Latitude in [-90, 90] and longitude in [-180, 180].
pub fn validate_point(lat: f64, lon: f64) -> Result<(), ValidationError> {
    in_range("lat", lat, -90.0, 90.0)?;
    in_range("lon", lon, -180.0, 180.0)
}

/// A point from a latitude and a longitude that come apart (two fields of a form, two flags):
/// both make a point in range, neither makes none; one without the other is refused.
pub fn point(lat: Option<f64>, lon: Option<f64>) -> Result<Option<(f64, f64)>, ValidationError> {
    match (lat, lon) {
        (Some(lat), Some(lon)) => validate_point(lat, lon).map(|()| Some((lat, lon))),
        (None, None) => Ok(None),
        _ => Err(ValidationError::Invalid {
            field: "location",
            reason: "latitude and longitude go together: give both or neither".into(),
        }),
    }
}

/// The great-circle distance in metres between two (lat, lon) points in degrees (haversine on a
/// sphere of the earth's mean radius: within 0.5% of the ellipsoid, plenty for "was the rep at
/// the customer").
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

/// A distance for people: `850 m`, `3.2 km`.
pub fn display_distance(m: f64) -> String {
    if m < 1000.0 {
        format!("{} m", m.round() as i64)
    } else {
        format!("{:.1} km", m / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_between_known_places() {
        // 上海人民广场 to 陆家嘴 (about 2.7 km) and Beijing to Shanghai (about 1,067 km).
        let d = distance_m((31.2304, 121.4737), (31.2397, 121.4998));
        assert!((2_600.0..2_800.0).contains(&d), "{d}");
        let d = distance_m((39.9042, 116.4074), (31.2304, 121.4737));
        assert!((1_060_000.0..1_075_000.0).contains(&d), "{d}");
        assert_eq!(distance_m((10.0, 20.0), (10.0, 20.0)), 0.0);
        assert_eq!(display_distance(849.6), "850 m");
        assert_eq!(display_distance(3_240.0), "3.2 km");
    }

    #[test]
    fn a_point_is_both_coordinates_in_range_or_none() {
        assert_eq!(point(Some(31.2), Some(121.5)), Ok(Some((31.2, 121.5))));
        assert_eq!(point(None, None), Ok(None));
        let half = point(Some(31.2), None).unwrap_err().to_string();
        assert!(half.contains("give both or neither"), "{half}");
        assert!(point(None, Some(121.5)).is_err());
        assert!(point(Some(91.0), Some(0.0)).is_err(), "out of range");
        assert!(point(Some(f64::NAN), Some(0.0)).is_err());
    }
}
