//! Named zones of a port (areas, anchorages, berths, restricted and exclusion zones) read from GeoJSON and KML.

use std::fmt;

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::geodesy::LatLon;

pub mod geojson;
pub mod kml;
pub mod validate;

pub use self::geojson::{parse_geojson, zone_to_feature, zones_to_geojson};
pub use self::kml::parse_kml;

/// What a zone is for; GeoJSON's `kind` property, KML's `<ExtendedData>` `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// A generic area that may be surveyed.
    Area,
    Anchorage,
    Berth,
    Quay,
    ContainerYard,
    /// People and vehicles need authorisation here; drones may fly over it.
    Restricted,
    /// Drones must never fly here (airport, military, hospital...).
    Exclusion,
    /// The operational geofence: drones must stay inside.
    Fence,
    /// Anything else, kept by name.
    Other(String),
}

impl ZoneKind {
    /// The kind a file names: case, spaces and hyphens do not matter ("Container yard" is
    /// `container_yard`); unknown names are kept as [`ZoneKind::Other`], as written.
    pub fn from_name(name: &str) -> Self {
        let key = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        match key.as_str() {
            "area" => ZoneKind::Area,
            "anchorage" => ZoneKind::Anchorage,
            "berth" => ZoneKind::Berth,
            "quay" => ZoneKind::Quay,
            "container_yard" => ZoneKind::ContainerYard,
            "restricted" => ZoneKind::Restricted,
            "exclusion" => ZoneKind::Exclusion,
            "fence" => ZoneKind::Fence,
            _ => ZoneKind::Other(name.to_string()),
        }
    }

    /// The name files use for this kind (the inverse of [`ZoneKind::from_name`]).
    pub fn as_str(&self) -> &str {
        match self {
            ZoneKind::Area => "area",
            ZoneKind::Anchorage => "anchorage",
            ZoneKind::Berth => "berth",
            ZoneKind::Quay => "quay",
            ZoneKind::ContainerYard => "container_yard",
            ZoneKind::Restricted => "restricted",
            ZoneKind::Exclusion => "exclusion",
            ZoneKind::Fence => "fence",
            ZoneKind::Other(name) => name,
        }
    }
}

impl fmt::Display for ZoneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The geometry of a zone, longitude/latitude degrees (x = lon, y = lat).
#[derive(Debug, Clone, PartialEq)]
pub enum ZoneShape {
    /// Exterior rings counter-clockwise, holes clockwise (RFC 7946), closed, simple.
    Polygons(MultiPolygon<f64>),
    /// A circle, as GeoJSON writes it: a Point with a `radius_m` property.
    Circle { center: LatLon, radius_m: f64 },
}

/// A named, validated zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub name: String,
    pub kind: ZoneKind,
    pub shape: ZoneShape,
    /// Every property of the source feature, including `name` and `kind`.
    pub properties: serde_json::Map<String, serde_json::Value>,
}

/// Why an area file was refused: which feature, and what is wrong with it.
#[derive(Debug, Error, PartialEq)]
pub enum AreaError {
    #[error("not valid {format}: {message}")]
    Syntax { format: &'static str, message: String },
    #[error("feature {feature}: {problem}")]
    Feature { feature: String, problem: String },
    #[error("no polygon found in the input")]
    Empty,
}
