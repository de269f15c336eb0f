//! The port scenario format shared by the crates: one GeoJSON FeatureCollection of zones, point sites and a `scenario` feature.
//!
//! Everything is an ordinary Feature, so that any GeoJSON tool (QGIS, geojson.io) can open
//! and edit a scenario; metadata therefore lives in a Point feature with `kind: "scenario"`
//! at the reference point, not in foreign members that tools drop.
//!
//! | kind | geometry | properties |
//! |---|---|---|
//! | `scenario` | Point (reference) | `name`, `description`, `max_alt_m` (geofence ceiling above home) |
//! | zone kinds (see [`ZoneKind`]) | Polygon, MultiPolygon, or Point with `radius_m` | `name` |
//! | `launch` | Point | `name`, `alt_amsl_m` |
//! | `rally` | Point | `name`, `alt_m` (above home) |
//! | `vessel` | Point (midships) | `name`, `imo`, `heading_deg`, `length_m`, `beam_m`, `state` (`berthed`, `at_anchor`, `underway`), optional `berth` (a berth zone's name) |
//! | `container_stack` | Point (centre) | `containers` (ISO 6346 numbers), `heading_deg`, `rows`, `tiers` |
//! | anything else (`camera`...) | Point | kept as [`SiteKind::Other`] |

use std::collections::HashMap;

use ::geojson::{Feature, Geometry, GeometryValue, Position};
use serde_json::{Map, Value};

use crate::area::geojson::{Item, classify, feature_error, read_features, set_number};
use crate::area::{AreaError, Zone, ZoneKind, ZoneShape, zone_to_feature};
use crate::geodesy::{Geodetic, LatLon, LocalFrame};
use crate::plan::{FenceCircle, FencePolygon, GeoFence, RallyPoint};

mod codes;

use codes::normalise_container;
pub use codes::{is_valid_container_number, is_valid_imo, iso6346_check_digit};

/// A port: its zones and the things placed in it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortScenario {
    pub name: String,
    pub description: String,
    /// The scenario feature's point: the origin of the local frame the scenario was laid out in.
    pub reference: LatLon,
    /// Geofence ceiling above home, metres (the scenario feature's `max_alt_m`).
    pub max_alt_m: Option<f64>,
    pub zones: Vec<Zone>,
    pub sites: Vec<Site>,
    /// Every property of the scenario feature, kept so that a round trip loses nothing.
    pub properties: Map<String, Value>,
}

/// A point of interest: launch pad, rally point, vessel, container stack, camera...
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub name: String,
    pub kind: SiteKind,
    pub position: LatLon,
    /// Every property of the source feature, including `name` and `kind`.
    pub properties: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SiteKind {
    /// The drone launch pad (`alt_amsl_m`).
    Launch,
    /// A rally point (`alt_m` above home).
    Rally,
    /// A ship; see [`Site::vessel`].
    Vessel,
    /// Containers stacked in the yard; see [`Site::container_stack`].
    ContainerStack,
    /// Anything else, kept by the name the file gives (empty when it gives none).
    Other(String),
}

impl SiteKind {
    pub fn from_name(name: &str) -> Self {
        match name.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
            "launch" => SiteKind::Launch,
            "rally" => SiteKind::Rally,
            "vessel" => SiteKind::Vessel,
            "container_stack" => SiteKind::ContainerStack,
            _ => SiteKind::Other(name.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            SiteKind::Launch => "launch",
            SiteKind::Rally => "rally",
            SiteKind::Vessel => "vessel",
            SiteKind::ContainerStack => "container_stack",
            SiteKind::Other(name) => name,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VesselState {
    Berthed,
    AtAnchor,
    Underway,
}

impl VesselState {
    pub fn as_str(self) -> &'static str {
        match self {
            VesselState::Berthed => "berthed",
            VesselState::AtAnchor => "at_anchor",
            VesselState::Underway => "underway",
        }
    }
}

/// A vessel site's properties, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Vessel {
    pub name: String,
    /// IMO ship identification number, check digit verified.
    pub imo: Option<u32>,
    /// Bow direction, degrees clockwise from north, in [0, 360).
    pub heading_deg: f64,
    pub length_m: f64,
    pub beam_m: f64,
    pub state: VesselState,
    /// The berth zone a berthed vessel lies at, when the file says.
    pub berth: Option<String>,
}

/// A container stack site's properties, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerStack {
    /// ISO 6346 numbers, check digits verified, in slot order (see [`ContainerStack::slot`]).
    pub containers: Vec<String>,
    /// Direction of the containers' long axis, degrees clockwise from north.
    pub heading_deg: f64,
    /// Containers side by side.
    pub rows: u32,
    /// Containers on top of each other.
    pub tiers: u32,
}

impl ContainerStack {
    /// (row, tier) of the i-th container: the bottom tier fills first, row 0 to the last,
    /// so every crate places a stack the same way.
    pub fn slot(&self, i: usize) -> (u32, u32) {
        let rows = self.rows.max(1) as usize;
        ((i % rows) as u32, (i / rows) as u32)
    }
}

impl Site {
    /// The vessel this site describes, if it is a valid vessel site (every vessel of a
    /// parsed scenario is).
    pub fn vessel(&self) -> Option<Vessel> {
        (self.kind == SiteKind::Vessel).then(|| vessel_of(self).ok()).flatten()
    }

    /// The stack this site describes, if it is a valid container stack site.
    pub fn container_stack(&self) -> Option<ContainerStack> {
        (self.kind == SiteKind::ContainerStack)
            .then(|| container_stack_of(self).ok())
            .flatten()
    }

    /// A number property, when present and finite.
    pub fn number(&self, key: &str) -> Option<f64> {
        self.properties
            .get(key)
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite())
    }
}

/// Reads a scenario. Zones follow [`crate::area::parse_geojson`]; Points become sites, and
/// each vessel, container stack, launch and rally site is checked. A file without a
/// `scenario` feature is accepted (so that a plain area file can serve): its name is
/// empty and its reference is the launch site, or else the centre of everything in it.
pub fn parse(text: &str) -> Result<PortScenario, AreaError> {
    let mut zones = Vec::new();
    let mut sites = Vec::new();
    let mut site_ordinals = Vec::new();
    let mut meta: Option<(usize, LatLon, Map<String, Value>)> = None;
    // Container numbers seen so far, with the stack holding them: a box is in one place only.
    let mut containers: HashMap<String, String> = HashMap::new();
    for (i, feature) in read_features(text)?.iter().enumerate() {
        let ordinal = i + 1;
        match classify(feature, ordinal)? {
            Item::Zone(zone) => {
                if zone.kind.as_str().trim().eq_ignore_ascii_case("scenario") {
                    return Err(feature_error(
                        &zone.name,
                        ordinal,
                        "the scenario feature must be a Point at the reference",
                    ));
                }
                zones.push(zone);
            }
            Item::Point {
                name,
                kind,
                position,
                properties,
            } => {
                let kind_name = kind.unwrap_or_default();
                if kind_name.trim().eq_ignore_ascii_case("scenario") {
                    if let Some((first, ..)) = &meta {
                        return Err(feature_error(
                            &name,
                            ordinal,
                            format!("a second scenario feature (the first is feature #{first})"),
                        ));
                    }
                    meta = Some((ordinal, position, properties));
                    continue;
                }
                let site = Site {
                    name,
                    kind: SiteKind::from_name(&kind_name),
                    position,
                    properties,
                };
                check_site(&site, &mut containers).map_err(|problem| feature_error(&site.name, ordinal, problem))?;
                sites.push(site);
                site_ordinals.push(ordinal);
            }
            Item::Other => {}
        }
    }
    let (reference, properties) = match meta {
        Some((ordinal, reference, properties)) => {
            if let Some(v) = properties.get("max_alt_m")
                && !v.as_f64().is_some_and(|a| a.is_finite() && a > 0.0)
            {
                let name = text_property(&properties, "name");
                return Err(feature_error(
                    &name,
                    ordinal,
                    format!("max_alt_m must be a positive number of metres, found {v}"),
                ));
            }
            (reference, properties)
        }
        None => (default_reference(&zones, &sites).ok_or(AreaError::Empty)?, Map::new()),
    };
    let scenario = PortScenario {
        name: text_property(&properties, "name"),
        description: text_property(&properties, "description"),
        reference,
        max_alt_m: properties.get("max_alt_m").and_then(Value::as_f64),
        zones,
        sites,
        properties,
    };
    // Zones may follow the sites in the file, so berths are checked once all are read.
    for (site, ordinal) in scenario.sites.iter().zip(site_ordinals) {
        if let Some(berth) = site.vessel().and_then(|v| v.berth)
            && scenario.zone(&berth).is_none_or(|z| z.kind != ZoneKind::Berth)
        {
            return Err(feature_error(
                &site.name,
                ordinal,
                format!("berth \"{berth}\" is not a berth zone of the scenario"),
            ));
        }
    }
    Ok(scenario)
}

fn text_property(properties: &Map<String, Value>, key: &str) -> String {
    properties
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The launch site, or else the centre of the bounding box of every zone and site.
fn default_reference(zones: &[Zone], sites: &[Site]) -> Option<LatLon> {
    if let Some(launch) = sites.iter().find(|s| s.kind == SiteKind::Launch) {
        return Some(launch.position);
    }
    let points = zones
        .iter()
        .flat_map(|z| match &z.shape {
            ZoneShape::Polygons(mp) => {
                mp.0.iter()
                    .flat_map(|p| p.exterior().0.iter().map(|c| LatLon::from_coord(*c)))
                    .collect::<Vec<_>>()
            }
            ZoneShape::Circle { center, .. } => vec![*center],
        })
        .chain(sites.iter().map(|s| s.position));
    let mut bounds: Option<(f64, f64, f64, f64)> = None;
    for p in points {
        let b = bounds.get_or_insert((p.lat, p.lon, p.lat, p.lon));
        *b = (b.0.min(p.lat), b.1.min(p.lon), b.2.max(p.lat), b.3.max(p.lon));
    }
    bounds.map(|(s, w, n, e)| LatLon::new((s + n) / 2.0, (w + e) / 2.0))
}

fn check_site(site: &Site, containers: &mut HashMap<String, String>) -> Result<(), String> {
    match site.kind {
        SiteKind::Launch => {
            optional_number(&site.properties, "alt_amsl_m")?;
        }
        SiteKind::Rally => {
            required_number(&site.properties, "alt_m")?;
        }
        SiteKind::Vessel => {
            vessel_of(site)?;
        }
        SiteKind::ContainerStack => {
            let stack = container_stack_of(site)?;
            for number in stack.containers {
                let key = normalise_container(&number);
                if let Some(other) = containers.insert(key, site.name.clone()) {
                    return Err(format!("container {number} is already in stack \"{other}\""));
                }
            }
        }
        SiteKind::Other(_) => {}
    }
    Ok(())
}

fn optional_number(p: &Map<String, Value>, key: &str) -> Result<Option<f64>, String> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| format!("{key} must be a number, found {v}")),
    }
}

fn required_number(p: &Map<String, Value>, key: &str) -> Result<f64, String> {
    optional_number(p, key)?.ok_or_else(|| format!("{key} is missing"))
}

fn positive(p: &Map<String, Value>, key: &str) -> Result<f64, String> {
    let v = required_number(p, key)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{key} must be positive, found {v}"))
    }
}

fn count(p: &Map<String, Value>, key: &str) -> Result<u32, String> {
    let v = p.get(key).ok_or_else(|| format!("{key} is missing"))?;
    v.as_u64()
        .filter(|n| *n >= 1)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{key} must be a whole number of at least 1, found {v}"))
}

fn vessel_of(site: &Site) -> Result<Vessel, String> {
    let p = &site.properties;
    let imo = match p.get("imo") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_imo(v)?),
    };
    let heading_deg = required_number(p, "heading_deg")?.rem_euclid(360.0);
    let length_m = positive(p, "length_m")?;
    let beam_m = positive(p, "beam_m")?;
    if beam_m > length_m {
        return Err(format!("beam_m {beam_m} is larger than length_m {length_m}"));
    }
    let state = match p.get("state").and_then(Value::as_str) {
        Some("berthed") => VesselState::Berthed,
        Some("at_anchor") => VesselState::AtAnchor,
        Some("underway") => VesselState::Underway,
        _ => {
            return Err(format!(
                "state must be \"berthed\", \"at_anchor\" or \"underway\", found {}",
                p.get("state").map_or_else(|| "nothing".to_string(), Value::to_string)
            ));
        }
    };
    let berth = match p.get("berth") {
        None | Some(Value::Null) => None,
        Some(Value::String(b)) => Some(b.clone()),
        Some(v) => return Err(format!("berth must be a berth zone's name, found {v}")),
    };
    Ok(Vessel {
        name: site.name.clone(),
        imo,
        heading_deg,
        length_m,
        beam_m,
        state,
        berth,
    })
}

/// An IMO number given as 9321483, "9321483" or "IMO 9321483".
fn parse_imo(v: &Value) -> Result<u32, String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().trim_start_matches("IMO").trim().to_string(),
        _ => String::new(),
    };
    let number: u32 = text
        .parse()
        .ok()
        .filter(|_| text.len() == 7)
        .ok_or_else(|| format!("imo must be a 7-digit IMO number, found {v}"))?;
    if !is_valid_imo(number) {
        return Err(format!("imo {number} has a wrong check digit"));
    }
    Ok(number)
}

fn container_stack_of(site: &Site) -> Result<ContainerStack, String> {
    let p = &site.properties;
    let Some(Value::Array(list)) = p.get("containers") else {
        return Err("containers must be an array of ISO 6346 container numbers".into());
    };
    let containers = list
        .iter()
        .map(|v| {
            let s = v
                .as_str()
                .ok_or_else(|| format!("container {v} is not a text container number"))?;
            if is_valid_container_number(s) {
                Ok(s.to_string())
            } else {
                Err(match iso6346_check_digit(s) {
                    Some(d) => {
                        format!("container {s} has a wrong ISO 6346 check digit (expected {d})")
                    }
                    None => format!("container {s} is not an ISO 6346 number (AAAU1234567)"),
                })
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let heading_deg = required_number(p, "heading_deg")?.rem_euclid(360.0);
    let rows = count(p, "rows")?;
    let tiers = count(p, "tiers")?;
    let slots = u64::from(rows) * u64::from(tiers);
    if containers.len() as u64 > slots {
        return Err(format!(
            "{} containers do not fit in {rows} rows × {tiers} tiers",
            containers.len()
        ));
    }
    Ok(ContainerStack {
        containers,
        heading_deg,
        rows,
        tiers,
    })
}

impl PortScenario {
    /// Reads a scenario; see [`parse`].
    pub fn parse(text: &str) -> Result<Self, AreaError> {
        parse(text)
    }

    /// The scenario as GeoJSON, one feature per line: the scenario feature, the zones, the
    /// sites. [`parse`] reads it back equal.
    pub fn to_geojson(&self) -> String {
        let mut properties = self.properties.clone();
        properties.insert("kind".into(), Value::from("scenario"));
        properties.insert("name".into(), Value::from(self.name.clone()));
        properties.insert("description".into(), Value::from(self.description.clone()));
        match self.max_alt_m {
            Some(alt) => set_number(&mut properties, "max_alt_m", alt),
            None => {
                properties.remove("max_alt_m");
            }
        }
        let point = |p: LatLon| {
            Some(Geometry::new(GeometryValue::Point {
                coordinates: Position::from([p.lon, p.lat]),
            }))
        };
        let head = Feature {
            geometry: point(self.reference),
            properties: Some(properties),
            ..Feature::default()
        };
        let zones = self.zones.iter().map(zone_to_feature);
        let sites = self.sites.iter().map(|s| {
            let mut properties = s.properties.clone();
            properties.insert("name".into(), Value::from(s.name.clone()));
            properties.insert("kind".into(), Value::from(s.kind.as_str()));
            Feature {
                geometry: point(s.position),
                properties: Some(properties),
                ..Feature::default()
            }
        });
        let lines: Vec<String> = std::iter::once(head)
            .chain(zones)
            .chain(sites)
            // Serialising a Feature cannot fail: its maps have string keys and no custom
            // serialiser reports errors.
            .map(|f| serde_json::to_string(&f).unwrap_or_default())
            .collect();
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
            lines.join(",\n")
        )
    }

    /// The local East-North frame at the reference point, for metre-based work.
    pub fn frame(&self) -> LocalFrame {
        LocalFrame::at(self.reference)
    }

    pub fn zones_of(&self, kind: ZoneKind) -> impl Iterator<Item = &Zone> + '_ {
        self.zones.iter().filter(move |z| z.kind == kind)
    }

    /// The first zone with this name, ignoring case.
    pub fn zone(&self, name: &str) -> Option<&Zone> {
        let key = name.to_lowercase();
        self.zones.iter().find(|z| z.name.to_lowercase() == key)
    }

    pub fn sites_of(&self, kind: SiteKind) -> impl Iterator<Item = &Site> + '_ {
        self.sites.iter().filter(move |s| s.kind == kind)
    }

    /// The first site with this name, ignoring case.
    pub fn site(&self, name: &str) -> Option<&Site> {
        let key = name.to_lowercase();
        self.sites.iter().find(|s| s.name.to_lowercase() == key)
    }

    /// The launch pad (the first `launch` site), altitude above mean sea level
    /// (`alt_amsl_m`, 0 when absent).
    pub fn launch(&self) -> Option<Geodetic> {
        self.sites_of(SiteKind::Launch)
            .next()
            .map(|s| s.position.with_alt(s.number("alt_amsl_m").unwrap_or(0.0)))
    }

    pub fn rally_points(&self) -> Vec<RallyPoint> {
        self.sites_of(SiteKind::Rally)
            .map(|s| RallyPoint {
                position: s.position,
                alt_m: s.number("alt_m").unwrap_or(0.0),
            })
            .collect()
    }

    pub fn vessels(&self) -> impl Iterator<Item = (&Site, Vessel)> + '_ {
        self.sites.iter().filter_map(|s| s.vessel().map(|v| (s, v)))
    }

    pub fn container_stacks(&self) -> impl Iterator<Item = (&Site, ContainerStack)> + '_ {
        self.sites.iter().filter_map(|s| s.container_stack().map(|c| (s, c)))
    }

    /// The geofence the scenario implies: `fence` zones are inclusions (their holes become
    /// exclusions), `exclusion` zones are exclusions (whole exteriors: a hole in a no-fly zone
    /// cannot be expressed in a MAVLink fence, and ignoring it errs on the safe side), and
    /// `max_alt_m` is the ceiling. Polygon vertices are listed without the closing repeat, as
    /// MAVLink and QGroundControl store them.
    pub fn geofence(&self) -> GeoFence {
        let mut fence = GeoFence {
            max_alt_m: self.max_alt_m,
            ..GeoFence::default()
        };
        let open = |ring: &geo::LineString<f64>| -> Vec<LatLon> {
            let n = ring.0.len().saturating_sub(1);
            ring.0[..n].iter().map(|c| LatLon::from_coord(*c)).collect()
        };
        for (zone, inclusion) in self
            .zones_of(ZoneKind::Fence)
            .map(|z| (z, true))
            .chain(self.zones_of(ZoneKind::Exclusion).map(|z| (z, false)))
        {
            match &zone.shape {
                ZoneShape::Polygons(mp) => {
                    for p in &mp.0 {
                        fence.polygons.push(FencePolygon {
                            inclusion,
                            vertices: open(p.exterior()),
                        });
                        if inclusion {
                            fence.polygons.extend(p.interiors().iter().map(|hole| FencePolygon {
                                inclusion: false,
                                vertices: open(hole),
                            }));
                        }
                    }
                }
                ZoneShape::Circle { center, radius_m } => fence.circles.push(FenceCircle {
                    inclusion,
                    center: *center,
                    radius_m: *radius_m,
                }),
            }
        }
        fence
    }
}

#[cfg(test)]
mod tests;
