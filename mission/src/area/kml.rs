//! KML zones: Placemarks with Polygons (or MultiGeometry of them), at any Document/Folder depth.

use geo::{Coord, MultiPolygon, Polygon};
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use serde_json::{Map, Value};

use super::{AreaError, Zone, ZoneKind, ZoneShape, validate};

/// Reads every Placemark that holds at least one Polygon as a zone.
///
/// The zone's name is the Placemark's `<name>` (default "placemark N", N counting
/// Placemarks from 1 in document order); its kind comes from
/// `<ExtendedData><Data name="kind"><value>` (or a `SimpleData name="kind"`), default
/// `area`. Every Data/SimpleData value and the `<description>` become properties. Rings must
/// be closed, as the KML specification requires, and pass the shared polygon checks.
pub fn parse_kml(text: &str) -> Result<Vec<Zone>, AreaError> {
    let mut reader = Reader::from_str(text);
    // `<coordinates/>` must reach the same code as an empty `<coordinates></coordinates>`.
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<String> = Vec::new();
    let mut text_buf = String::new();
    let mut placemark: Option<PlacemarkState> = None;
    let mut ordinal = 0;
    let mut zones = Vec::new();
    let syntax = |reader: &Reader<&[u8]>, message: String| AreaError::Syntax {
        format: "KML",
        message: format!("{message} (at byte {})", reader.error_position()),
    };
    loop {
        let event = reader.read_event().map_err(|e| syntax(&reader, e.to_string()))?;
        match event {
            Event::Start(start) => {
                let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                text_buf.clear();
                match local.as_str() {
                    "Placemark" => {
                        ordinal += 1;
                        placemark = Some(PlacemarkState::new(ordinal));
                    }
                    "Data" | "SimpleData" => {
                        if let Some(p) = placemark.as_mut() {
                            let decoder = reader.decoder();
                            p.data_name = start
                                .try_get_attribute("name")
                                .ok()
                                .flatten()
                                .and_then(|a| a.decode_and_unescape_value(decoder).ok())
                                .map(|v| v.into_owned());
                        }
                    }
                    "Polygon" => {
                        if let Some(p) = placemark.as_mut() {
                            p.rings = Some(Rings::default());
                        }
                    }
                    _ => {}
                }
                stack.push(local);
            }
            Event::End(_) => {
                let Some(local) = stack.pop() else {
                    return Err(syntax(&reader, "unexpected end tag".into()));
                };
                let parent = stack.last().map(String::as_str);
                if let Some(p) = placemark.as_mut() {
                    match (local.as_str(), parent) {
                        ("name", Some("Placemark")) => p.name = Some(text_buf.trim().to_string()),
                        ("description", Some("Placemark")) => {
                            p.properties
                                .insert("description".into(), Value::String(text_buf.trim().to_string()));
                        }
                        ("value", Some("Data")) | ("SimpleData", _) => {
                            if let Some(key) = p.data_name.clone() {
                                p.properties.insert(key, Value::String(text_buf.trim().to_string()));
                            }
                        }
                        ("coordinates", Some("LinearRing")) => {
                            let boundary = stack.iter().rev().nth(1).map(String::as_str);
                            p.add_ring(boundary, &text_buf)?;
                        }
                        ("Polygon", _) => p.finish_polygon()?,
                        _ => {}
                    }
                }
                if local == "Placemark"
                    && let Some(p) = placemark.take()
                    && let Some(zone) = p.into_zone()?
                {
                    zones.push(zone);
                }
                text_buf.clear();
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| syntax(&reader, e.to_string()))?;
                text_buf.push_str(&s);
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| syntax(&reader, e.to_string()))?;
                text_buf.push_str(&s);
            }
            Event::GeneralRef(r) => {
                // quick-xml reports `&amp;` and `&#38;` apart from the text around them.
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = r.decode().map_err(|e| syntax(&reader, e.to_string()))?;
                        resolve_predefined_entity(&name)
                            .ok_or_else(|| syntax(&reader, format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                text_buf.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(AreaError::Syntax {
            format: "KML",
            message: format!("document ends inside <{}>", stack.join("><")),
        });
    }
    if zones.is_empty() {
        return Err(AreaError::Empty);
    }
    Ok(zones)
}

/// The rings of the polygon being read: the outer boundary, then the holes.
#[derive(Default)]
struct Rings {
    outer: Option<Vec<Coord<f64>>>,
    inner: Vec<Vec<Coord<f64>>>,
}

struct PlacemarkState {
    ordinal: usize,
    name: Option<String>,
    properties: Map<String, Value>,
    /// The `name` attribute of the Data element being read.
    data_name: Option<String>,
    rings: Option<Rings>,
    polygons: Vec<Polygon<f64>>,
}

impl PlacemarkState {
    fn new(ordinal: usize) -> Self {
        Self {
            ordinal,
            name: None,
            properties: Map::new(),
            data_name: None,
            rings: None,
            polygons: Vec::new(),
        }
    }

    fn display_name(&self) -> String {
        match &self.name {
            Some(n) if !n.is_empty() => n.clone(),
            _ => format!("placemark {}", self.ordinal),
        }
    }

    /// Errors name the placemark by its name and its 1-based position in the document.
    fn error(&self, problem: String) -> AreaError {
        AreaError::Feature {
            feature: format!("{} (placemark #{})", self.display_name(), self.ordinal),
            problem,
        }
    }

    fn add_ring(&mut self, boundary: Option<&str>, text: &str) -> Result<(), AreaError> {
        let coords = parse_coordinates(text).map_err(|e| self.error(e))?;
        let Some(rings) = self.rings.as_mut() else {
            // A LinearRing outside a Polygon is not an area.
            return Ok(());
        };
        match boundary {
            Some("outerBoundaryIs") if rings.outer.is_some() => {
                return Err(self.error("polygon has more than one outerBoundaryIs".into()));
            }
            Some("outerBoundaryIs") => rings.outer = Some(coords),
            Some("innerBoundaryIs") => rings.inner.push(coords),
            _ => {}
        }
        Ok(())
    }

    fn finish_polygon(&mut self) -> Result<(), AreaError> {
        let Some(rings) = self.rings.take() else {
            return Ok(());
        };
        let index = self.polygons.len();
        let Some(outer) = rings.outer else {
            return Err(self.error(format!("polygon {index} has no outerBoundaryIs")));
        };
        let all = std::iter::once(outer).chain(rings.inner).collect();
        let polygon = validate::polygon(all).map_err(|e| self.error(format!("polygon {index}, {e}")))?;
        self.polygons.push(polygon);
        Ok(())
    }

    fn into_zone(mut self) -> Result<Option<Zone>, AreaError> {
        if self.polygons.is_empty() {
            return Ok(None);
        }
        let name = self.display_name();
        let kind = self
            .properties
            .get("kind")
            .and_then(Value::as_str)
            .map_or(ZoneKind::Area, ZoneKind::from_name);
        self.properties.insert("name".into(), Value::String(name.clone()));
        self.properties
            .insert("kind".into(), Value::String(kind.as_str().to_string()));
        Ok(Some(Zone {
            name,
            kind,
            shape: ZoneShape::Polygons(MultiPolygon::new(self.polygons)),
            properties: self.properties,
        }))
    }
}

/// KML coordinates: tuples "lon,lat[,alt]" separated by white space.
fn parse_coordinates(text: &str) -> Result<Vec<Coord<f64>>, String> {
    text.split_whitespace()
        .map(|tuple| {
            let numbers: Result<Vec<f64>, _> = tuple.split(',').map(str::parse::<f64>).collect();
            match numbers.as_deref() {
                Ok([x, y]) | Ok([x, y, _]) => Ok(Coord { x: *x, y: *y }),
                _ => Err(format!("bad coordinate \"{tuple}\" (expected lon,lat[,alt])")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(placemarks: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>{placemarks}</Document></kml>"#
        )
    }

    const SQUARE: &str = "8.90,44.40,0 8.91,44.40,0 8.91,44.41,0 8.90,44.41,0 8.90,44.40,0";

    #[test]
    fn simple_polygon_with_entity_in_name() {
        let text = doc(&format!(
            "<Placemark><name>Quay &amp; berth</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{SQUARE}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        ));
        let zones = parse_kml(&text).unwrap();
        assert_eq!(zones[0].name, "Quay & berth");
        assert_eq!(zones[0].kind, ZoneKind::Area);
    }

    #[test]
    fn coordinates_parse() {
        let c = parse_coordinates("\n  1,2 3,4,5\t").unwrap();
        assert_eq!(c, vec![Coord { x: 1.0, y: 2.0 }, Coord { x: 3.0, y: 4.0 }]);
        assert!(parse_coordinates("1;2").is_err());
    }

    #[test]
    fn bad_coordinate_names_placemark() {
        let text = doc(
            "<Placemark><name>Bad</name><Polygon><outerBoundaryIs><LinearRing><coordinates>8.9,44.4 x,y</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>",
        );
        let e = parse_kml(&text).unwrap_err().to_string();
        assert!(
            e.contains("Bad (placemark #1)") && e.contains("bad coordinate \"x,y\""),
            "{e}"
        );
    }

    #[test]
    fn mismatched_tags_are_syntax_errors() {
        let e = parse_kml("<kml><Document><Placemark></Document></kml>").unwrap_err();
        assert!(matches!(e, AreaError::Syntax { format: "KML", .. }), "{e}");
        let e = parse_kml("<kml><Document>").unwrap_err();
        assert!(matches!(e, AreaError::Syntax { format: "KML", .. }), "{e}");
    }

    #[test]
    fn placemark_without_polygon_is_skipped() {
        let text = doc(&format!(
            "<Placemark><name>pin</name><Point><coordinates>8.9,44.4</coordinates></Point></Placemark>\
             <Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>{SQUARE}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        ));
        let zones = parse_kml(&text).unwrap();
        assert_eq!(zones.len(), 1);
        assert_eq!(zones[0].name, "placemark 2");
        assert_eq!(parse_kml(&doc("")), Err(AreaError::Empty));
    }

    #[test]
    fn open_ring_is_refused_in_kml_too() {
        let text = doc(
            "<Placemark><name>Open</name><Polygon><outerBoundaryIs><LinearRing><coordinates>8.90,44.40 8.91,44.40 8.91,44.41</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>",
        );
        let e = parse_kml(&text).unwrap_err().to_string();
        assert!(e.contains("Open (placemark #1)") && e.contains("open ring"), "{e}");
    }
}
