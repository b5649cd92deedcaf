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
