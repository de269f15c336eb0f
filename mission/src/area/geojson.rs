//! GeoJSON (RFC 7946) zones: polygons, multipolygons with holes and `radius_m` circles in, feature collections out.

use ::geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, JsonValue, Position};
use geo::{Coord, MultiPolygon, Polygon};

use super::{AreaError, Zone, ZoneKind, ZoneShape, validate};
use crate::geodesy::LatLon;

/// Reads the zones of a FeatureCollection, a single Feature or a bare geometry.
///
/// Polygons and MultiPolygons are zones; so are Points with a numeric `radius_m` property
/// (circles), except the point sites of a port scenario (`launch`, `rally`, ...). Other
/// Points, lines and empty features are skipped. `name` defaults to "feature N" (N counts
/// features from 1 in file order) and `kind` to `area`.
pub fn parse_geojson(text: &str) -> Result<Vec<Zone>, AreaError> {
    let mut zones = Vec::new();
    for (i, feature) in read_features(text)?.iter().enumerate() {
        if let Item::Zone(zone) = classify(feature, i + 1)? {
            zones.push(zone);
        }
    }
    if zones.is_empty() {
        return Err(AreaError::Empty);
    }
    Ok(zones)
}

/// The zones as a FeatureCollection that [`parse_geojson`] reads back unchanged.
pub fn zones_to_geojson(zones: &[Zone]) -> FeatureCollection {
    zones.iter().map(zone_to_feature).collect()
}

/// One zone as a Feature: its properties, with `name` and `kind` set from the zone.
pub fn zone_to_feature(zone: &Zone) -> Feature {
    let mut properties = zone.properties.clone();
    properties.insert("name".into(), JsonValue::String(zone.name.clone()));
    properties.insert("kind".into(), JsonValue::String(zone.kind.as_str().to_string()));
    let value = match &zone.shape {
        ZoneShape::Polygons(multi) => match multi.0.as_slice() {
            [single] => GeometryValue::Polygon {
                coordinates: polygon_positions(single),
            },
            many => GeometryValue::MultiPolygon {
                coordinates: many.iter().map(polygon_positions).collect(),
            },
        },
        ZoneShape::Circle { center, radius_m } => {
            set_number(&mut properties, "radius_m", *radius_m);
            GeometryValue::Point {
                coordinates: Position::from([center.lon, center.lat]),
            }
        }
    };
    Feature {
        geometry: Some(Geometry::new(value)),
        properties: Some(properties),
        ..Feature::default()
    }
}

/// Sets a number property unless it already holds that value, so that a source's `60` is not
/// rewritten as `60.0` (serde_json tells the two apart, and round trips should compare equal).
pub(crate) fn set_number(properties: &mut JsonObject, key: &str, value: f64) {
    if properties.get(key).and_then(JsonValue::as_f64) != Some(value) {
        properties.insert(key.into(), JsonValue::from(value));
    }
}

fn polygon_positions(p: &Polygon<f64>) -> Vec<Vec<Position>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|ring| ring.0.iter().map(|c| Position::from([c.x, c.y])).collect())
        .collect()
}

/// How error messages name a feature: its name and its 1-based position in the file.
pub(crate) fn label(name: &str, ordinal: usize) -> String {
    format!("{name} (feature #{ordinal})")
}

pub(crate) fn feature_error(name: &str, ordinal: usize, problem: impl Into<String>) -> AreaError {
    AreaError::Feature {
        feature: label(name, ordinal),
        problem: problem.into(),
    }
}

/// The features of a document, whichever of the three GeoJSON top-level forms it takes.
/// Features are decoded one at a time so that a malformed one is reported by name.
pub(crate) fn read_features(text: &str) -> Result<Vec<Feature>, AreaError> {
    let syntax = |message: String| AreaError::Syntax {
        format: "GeoJSON",
        message,
    };
    let value: JsonValue = serde_json::from_str(text).map_err(|e| syntax(e.to_string()))?;
    let kind = value.get("type").and_then(JsonValue::as_str).unwrap_or("");
    match kind {
        "FeatureCollection" => {
            let Some(JsonValue::Array(features)) = value.get("features") else {
                return Err(syntax("FeatureCollection without a \"features\" array".into()));
            };
            features
                .iter()
                .enumerate()
                .map(|(i, f)| decode_feature(f.clone(), i + 1))
                .collect()
        }
        "Feature" => Ok(vec![decode_feature(value, 1)?]),
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "Polygon" | "MultiPolygon"
        | "GeometryCollection" => {
            let geometry: Geometry = serde_json::from_value(value)
                .map_err(|e| feature_error("feature 1", 1, format!("invalid geometry: {e}")))?;
            Ok(vec![Feature::from(geometry)])
        }
        "" => Err(syntax("no \"type\" member at the top level".into())),
        other => Err(syntax(format!(
            "expected a FeatureCollection, Feature or geometry, found type \"{other}\""
        ))),
    }
}

fn decode_feature(value: JsonValue, ordinal: usize) -> Result<Feature, AreaError> {
    let name = value
        .get("properties")
        .and_then(|p| p.get("name"))
        .and_then(name_text)
        .unwrap_or_else(|| default_name(ordinal));
    if value.get("type").and_then(JsonValue::as_str) != Some("Feature") {
        return Err(feature_error(
            &name,
            ordinal,
            "not a GeoJSON Feature (\"type\" must be \"Feature\")",
        ));
    }
    serde_json::from_value(value).map_err(|e| feature_error(&name, ordinal, format!("invalid feature: {e}")))
}

fn name_text(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::String(s) if !s.trim().is_empty() => Some(s.clone()),
        JsonValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn default_name(ordinal: usize) -> String {
    format!("feature {ordinal}")
}

/// A feature's name: its `name` property, or "feature N".
pub(crate) fn feature_name(feature: &Feature, ordinal: usize) -> String {
    feature
        .property("name")
        .and_then(name_text)
        .unwrap_or_else(|| default_name(ordinal))
}

/// A feature's `kind` property as text, if it has one.
pub(crate) fn feature_kind(feature: &Feature) -> Option<String> {
    match feature.property("kind")? {
        JsonValue::String(s) => Some(s.clone()),
        JsonValue::Null => None,
        other => Some(other.to_string()),
    }
}

/// What a feature is, to a reader of zones and sites.
pub(crate) enum Item {
    Zone(Zone),
    /// A Point that is not a circle zone: a site of a scenario.
    Point {
        name: String,
        kind: Option<String>,
        position: LatLon,
        properties: JsonObject,
    },
    /// Lines, multipoints, empty geometries: neither zone nor site.
    Other,
}

/// Point kinds that are sites of a port scenario even when they carry a `radius_m`.
pub(crate) const SITE_KINDS: [&str; 5] = ["scenario", "launch", "rally", "vessel", "container_stack"];

/// Reads one feature (the `ordinal`-th, from 1) as a validated zone, a point, or neither.
pub(crate) fn classify(feature: &Feature, ordinal: usize) -> Result<Item, AreaError> {
    let name = feature_name(feature, ordinal);
    let fail = |problem: String| feature_error(&name, ordinal, problem);
    let kind = feature_kind(feature);
    let properties = feature.properties.clone().unwrap_or_default();
    let Some(geometry) = &feature.geometry else {
        return Ok(Item::Other);
    };
    let zone = |shape| Zone {
        name: name.clone(),
        kind: kind.as_deref().map_or(ZoneKind::Area, ZoneKind::from_name),
        shape,
        properties: properties.clone(),
    };
    match &geometry.value {
        GeometryValue::Polygon { coordinates } => {
            let polygon = read_polygon(coordinates).map_err(fail)?;
            Ok(Item::Zone(zone(ZoneShape::Polygons(MultiPolygon::new(vec![polygon])))))
        }
        GeometryValue::MultiPolygon { coordinates } => {
            if coordinates.is_empty() {
                return Err(fail("MultiPolygon has no polygons".into()));
            }
            let polygons = coordinates
                .iter()
                .enumerate()
                .map(|(k, p)| read_polygon(p).map_err(|e| fail(format!("polygon {k}, {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Item::Zone(zone(ZoneShape::Polygons(MultiPolygon::new(polygons)))))
        }
        GeometryValue::Point { coordinates } => {
            let c = position(coordinates).map_err(fail)?;
            let position = LatLon::new(c.y, c.x);
            if !position.is_valid() {
                return Err(fail(format!(
                    "point ({}, {}) is not a valid longitude, latitude",
                    c.x, c.y
                )));
            }
            let is_site = kind
                .as_deref()
                .is_some_and(|k| SITE_KINDS.contains(&k.trim().to_ascii_lowercase().as_str()));
            match properties.get("radius_m") {
                Some(r) if !is_site => {
                    let radius_m = r
                        .as_f64()
                        .ok_or_else(|| fail(format!("radius_m must be a number of metres, found {r}")))?;
                    validate::circle(position, radius_m).map_err(|e| fail(e.to_string()))?;
                    Ok(Item::Zone(zone(ZoneShape::Circle {
                        center: position,
                        radius_m,
                    })))
                }
                _ => Ok(Item::Point {
                    name: name.clone(),
                    kind,
                    position,
                    properties,
                }),
            }
        }
        _ => Ok(Item::Other),
    }
}

fn position(p: &Position) -> Result<Coord<f64>, String> {
    match p.as_slice() {
        [x, y, ..] => Ok(Coord { x: *x, y: *y }),
        other => Err(format!(
            "a position needs longitude and latitude, found {} number(s)",
            other.len()
        )),
    }
}

fn read_polygon(rings: &[Vec<Position>]) -> Result<Polygon<f64>, String> {
    let rings = rings
        .iter()
        .map(|ring| ring.iter().map(position).collect::<Result<Vec<_>, _>>())
        .collect::<Result<Vec<_>, _>>()?;
    validate::polygon(rings).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_polygon_geometry_is_a_zone() {
        let zones =
            parse_geojson(r#"{"type":"Polygon","coordinates":[[[8.9,44.4],[8.91,44.4],[8.91,44.41],[8.9,44.4]]]}"#)
                .unwrap();
        assert_eq!(zones.len(), 1);
        assert_eq!(zones[0].name, "feature 1");
        assert_eq!(zones[0].kind, ZoneKind::Area);
    }

    #[test]
    fn single_feature_with_kind_and_circle() {
        let zones = parse_geojson(
            r#"{"type":"Feature","properties":{"name":"ATZ","kind":"exclusion","radius_m":2500},
                "geometry":{"type":"Point","coordinates":[8.85,44.41]}}"#,
        )
        .unwrap();
        assert_eq!(zones[0].kind, ZoneKind::Exclusion);
        assert_eq!(
            zones[0].shape,
            ZoneShape::Circle {
                center: LatLon::new(44.41, 8.85),
                radius_m: 2500.0
            }
        );
    }

    #[test]
    fn points_without_radius_are_not_zones() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"kind":"launch","radius_m":5},"geometry":{"type":"Point","coordinates":[8.9,44.4]}},
            {"type":"Feature","properties":{"name":"cam"},"geometry":{"type":"Point","coordinates":[8.9,44.4]}},
            {"type":"Feature","properties":{"kind":"quay"},"geometry":{"type":"Polygon","coordinates":[[[8.9,44.4],[8.91,44.4],[8.91,44.41],[8.9,44.4]]]}}
        ]}"#;
        let zones = parse_geojson(text).unwrap();
        assert_eq!(zones.len(), 1);
        assert_eq!(zones[0].name, "feature 3");
        assert_eq!(zones[0].kind, ZoneKind::Quay);
    }

    #[test]
    fn only_points_is_empty() {
        let text = r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[8.9,44.4]}}"#;
        assert_eq!(parse_geojson(text), Err(AreaError::Empty));
    }

    #[test]
    fn bad_radius_and_bad_position_name_the_feature() {
        let text = r#"{"type":"Feature","properties":{"name":"buoy","radius_m":"big"},"geometry":{"type":"Point","coordinates":[8.9,44.4]}}"#;
        let e = parse_geojson(text).unwrap_err().to_string();
        assert!(
            e.contains("buoy (feature #1)") && e.contains("radius_m must be a number"),
            "{e}"
        );
        let text = r#"{"type":"Feature","properties":{"name":"p"},"geometry":{"type":"Polygon","coordinates":[[[8.9],[8.91,44.4],[8.91,44.41],[8.9]]]}}"#;
        let e = parse_geojson(text).unwrap_err().to_string();
        assert!(e.contains("needs longitude and latitude"), "{e}");
    }

    #[test]
    fn malformed_feature_is_named() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"name":"broken"},"geometry":{"type":"Polygon","coordinates":"nope"}}]}"#;
        let e = parse_geojson(text).unwrap_err();
        assert!(
            matches!(&e, AreaError::Feature { feature, .. } if feature == "broken (feature #1)"),
            "{e}"
        );
    }

    #[test]
    fn unknown_top_level_type_is_syntax() {
        let e = parse_geojson(r#"{"type":"Topology"}"#).unwrap_err();
        assert!(matches!(e, AreaError::Syntax { format: "GeoJSON", .. }), "{e}");
    }

    #[test]
    fn round_trip_through_feature_collection() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"name":"Yard","kind":"container_yard","operator":"X"},
             "geometry":{"type":"MultiPolygon","coordinates":[
               [[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0.2,0.2],[0.2,0.4],[0.4,0.4],[0.4,0.2],[0.2,0.2]]],
               [[[2,2],[3,2],[3,3],[2,2]]]]}},
            {"type":"Feature","properties":{"name":"Odd","kind":"customs_gate"},
             "geometry":{"type":"Point","coordinates":[8.9,44.4]},"id":7},
            {"type":"Feature","properties":{"name":"Zone","kind":"customs_gate","radius_m":30.5},
             "geometry":{"type":"Point","coordinates":[8.9,44.4]}}]}"#;
        let zones = parse_geojson(text).unwrap();
        assert_eq!(zones.len(), 2);
        assert_eq!(zones[0].properties["operator"], "X");
        assert_eq!(zones[1].kind, ZoneKind::Other("customs_gate".into()));
        let again = parse_geojson(&zones_to_geojson(&zones).to_string()).unwrap();
        assert_eq!(again, zones);
    }
}
