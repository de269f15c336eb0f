//! Flight reports: a JSON summary (duration, distance, coverage actually imaged, battery, photos, detections, alerts), an SVG map and an HTML page.
//!
//! Coverage is measured from what was flown, not from the plan: each photo's footprint (from
//! CAMERA_FEEDBACK: position, height above home, yaw, and the survey's camera) is burnt into a
//! raster of the survey area, and the share of the area inside at least one footprint is the
//! coverage. Without CAMERA_FEEDBACK the camera is taken to image continuously along the track
//! wherever the vehicle flew at survey height (a video payload), one footprint per trigger
//! distance. Footprints turn with the vehicle's yaw, as a camera fixed to it does: a vehicle
//! that holds its heading while it flies sideways images a footprint turned across its path.
//! The area is the plan's survey polygons (or the one given), inside every inclusion fence and
//! outside every exclusion, as the planner counts it.
//!
//! Pure: the caller gathers the inputs (from the store, a tlog, or the simulator) and writes
//! the outputs wherever it wants.

mod coverage;
mod flown;
mod html;
mod map;

use std::collections::BTreeMap;

use geo::Coord;
use mission::camera::Camera;
use mission::geodesy::{self, LatLon, LocalFrame};
use mission::plan::{Plan, PlanElement};
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use coverage::{Footprint, Raster, Region, Shape};
pub use flown::{from_tlog, photos_from_messages, track_from_messages};
pub use html::html_page;

use crate::store::{AlertRecord, DetectionRecord, Severity, TelemetrySample};

/// A position of the flown track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackPoint {
    /// Unix epoch milliseconds (or any one clock shared by the whole input).
    pub time_ms: i64,
    pub lat: f64,
    pub lon: f64,
    /// Metres above home.
    pub alt_m: f64,
    pub heading_deg: f64,
    pub battery_pct: Option<f64>,
}

impl From<&TelemetrySample> for TrackPoint {
    fn from(s: &TelemetrySample) -> Self {
        TrackPoint {
            time_ms: s.time,
            lat: s.lat,
            lon: s.lon,
            alt_m: s.alt_m,
            heading_deg: s.heading_deg,
            battery_pct: s.battery_pct,
        }
    }
}

/// Where a photo was taken (CAMERA_FEEDBACK).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    pub time_ms: i64,
    pub lat: f64,
    pub lon: f64,
    /// Metres above home (the ground is taken as flat at home's height: a port at sea level).
    pub alt_m: f64,
    /// Heading of the camera's "up" edge, degrees clockwise from north.
    pub yaw_deg: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionMark {
    pub time_ms: i64,
    pub class: String,
    pub score: f64,
    /// None when it was not geolocated: counted, not drawn.
    pub position: Option<LatLon>,
    pub track_id: Option<u64>,
}

impl From<&DetectionRecord> for DetectionMark {
    fn from(d: &DetectionRecord) -> Self {
        DetectionMark {
            time_ms: d.time,
            class: d.class.clone(),
            score: d.score,
            position: d.lat.zip(d.lon).map(|(lat, lon)| LatLon::new(lat, lon)),
            track_id: d.track_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertMark {
    pub time_ms: i64,
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub position: LatLon,
    pub acknowledged: bool,
}

impl From<&AlertRecord> for AlertMark {
    fn from(a: &AlertRecord) -> Self {
        AlertMark {
            time_ms: a.raised_at,
            rule: a.rule.clone(),
            severity: a.severity,
            message: a.message.clone(),
            position: LatLon::new(a.lat, a.lon),
            acknowledged: a.acknowledged.is_some(),
        }
    }
}

/// One polygon of an area: its outer ring and its holes (WGS84 degrees).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaPolygon {
    pub exterior: Vec<LatLon>,
    #[serde(default)]
    pub holes: Vec<Vec<LatLon>>,
}

impl AreaPolygon {
    /// From a `geo` multipolygon in lon/lat (x = longitude), as `mission` keeps areas.
    pub fn from_multipolygon(mp: &geo::MultiPolygon<f64>) -> Vec<AreaPolygon> {
        let ring = |r: &geo::LineString<f64>| r.coords().map(|c| LatLon::from_coord(*c)).collect();
        mp.0.iter()
            .map(|p| AreaPolygon {
                exterior: ring(p.exterior()),
                holes: p.interiors().iter().map(ring).collect(),
            })
            .collect()
    }
}

/// Everything a report is made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    pub title: String,
    pub plan: Plan,
    /// The survey area; None takes the plan's survey polygons.
    pub area: Option<Vec<AreaPolygon>>,
    /// The camera; None takes the plan's survey camera.
    pub camera: Option<Camera>,
    pub track: Vec<TrackPoint>,
    pub photos: Vec<Photo>,
    pub detections: Vec<DetectionMark>,
    pub alerts: Vec<AlertMark>,
    /// Take-off and landing times; None takes the track's first and last.
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    /// Battery at take-off and landing, %; None takes the track's first and last readings.
    pub battery_start_pct: Option<f64>,
    pub battery_end_pct: Option<f64>,
}

impl ReportInput {
    pub fn new(title: &str, plan: Plan) -> Self {
        ReportInput {
            title: title.to_string(),
            plan,
            area: None,
            camera: None,
            track: Vec::new(),
            photos: Vec::new(),
            detections: Vec::new(),
            alerts: Vec::new(),
            started_ms: None,
            ended_ms: None,
            battery_start_pct: None,
            battery_end_pct: None,
        }
    }
}

/// Where the coverage figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageSource {
    /// Footprints of the photos the vehicle reported (CAMERA_FEEDBACK).
    CameraFeedback,
    /// Footprints along the flown track at survey height (no CAMERA_FEEDBACK).
    Track,
    /// No survey area or no camera: no coverage figure.
    None,
}

/// The report's figures (the JSON the station stores with the flight).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSummary {
    pub title: String,
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub duration_s: f64,
    /// Horizontal distance along the track, metres.
    pub distance_m: f64,
    /// Length of the planned route from home back home, metres.
    pub planned_distance_m: f64,
    pub max_alt_m: f64,
    /// Survey area counted (inside fences, outside exclusions), m².
    pub area_m2: f64,
    /// Share of the area inside at least one photo footprint, %; None without an area.
    pub coverage_pct: Option<f64>,
    pub coverage_source: CoverageSource,
    pub photos: usize,
    pub battery_start_pct: Option<f64>,
    pub battery_end_pct: Option<f64>,
    pub battery_used_pct: Option<f64>,
    pub detections: usize,
    pub detections_by_class: BTreeMap<String, usize>,
    pub alerts: usize,
    pub alerts_unacknowledged: usize,
    pub track_points: usize,
    /// Input left out, each with why (a point with a bad coordinate, ...).
    pub warnings: Vec<String>,
}

/// A finished report: its summary and its map.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightReport {
    pub summary: ReportSummary,
    /// Self-contained SVG document.
    pub svg: String,
}

impl FlightReport {
    /// An HTML page with the summary and the map inline (no external resource).
    pub fn html(&self) -> String {
        html_page(&self.summary, &self.svg)
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum ReportError {
    #[error("the flight has no usable track point (of {given} given)")]
    NoTrack { given: usize },
    #[error("camera: {0}")]
    Camera(#[from] mission::camera::CameraError),
}

/// What the figures and the map are computed from, once bad input is set aside.
pub(crate) struct Prepared<'a> {
    pub input: &'a ReportInput,
    pub frame: LocalFrame,
    pub track: Vec<TrackPoint>,
    pub photos: Vec<Photo>,
    pub area: Vec<AreaPolygon>,
    pub raster: Option<Raster>,
    pub footprints: Vec<Footprint>,
    pub planned_route: Vec<LatLon>,
}

impl Prepared<'_> {
    pub fn local(&self, p: LatLon) -> Coord<f64> {
        let v = self.frame.to_local(p);
        Coord { x: v.x, y: v.y }
    }
}

/// Builds the report.
pub fn build_report(input: &ReportInput) -> Result<FlightReport, ReportError> {
    let mut warnings = Vec::new();
    let track: Vec<TrackPoint> = input
        .track
        .iter()
        .enumerate()
        .filter(|(i, p)| keep(&mut warnings, "track point", *i, LatLon::new(p.lat, p.lon), p.alt_m))
        .map(|(_, p)| *p)
        .collect();
    if track.is_empty() {
        return Err(ReportError::NoTrack {
            given: input.track.len(),
        });
    }
    let photos: Vec<Photo> = input
        .photos
        .iter()
        .enumerate()
        .filter(|(i, p)| keep(&mut warnings, "photo", *i, LatLon::new(p.lat, p.lon), p.alt_m))
        .map(|(_, p)| *p)
        .collect();
    let survey = input.plan.elements.iter().find_map(|e| match e {
        PlanElement::Survey(s) => Some(s),
        _ => None,
    });
    let camera = input.camera.clone().or_else(|| survey.map(|s| s.camera.clone()));
    if let Some(c) = &camera {
        c.check()?;
    }
    let area = input.area.clone().unwrap_or_else(|| {
        let surveys = input.plan.elements.iter().filter_map(|e| match e {
            PlanElement::Survey(s) => Some(AreaPolygon {
                exterior: s.polygon.clone(),
                holes: Vec::new(),
            }),
            _ => None,
        });
        surveys.collect()
    });
    let frame = LocalFrame::at(track[0].lat_lon());
    let planned_route = planned_route(&input.plan);
    let mut prepared = Prepared {
        input,
        frame,
        track,
        photos,
        area,
        raster: None,
        footprints: Vec::new(),
        planned_route,
    };
    let region = region(&prepared);
    let mut raster = Raster::new(&region);
    let source = match (&raster, &camera) {
        (Some(_), Some(_)) if !prepared.photos.is_empty() => CoverageSource::CameraFeedback,
        (Some(_), Some(_)) => CoverageSource::Track,
        _ => CoverageSource::None,
    };
    if let Some(camera) = &camera {
        prepared.footprints = match source {
            CoverageSource::CameraFeedback => photo_footprints(&prepared, camera),
            CoverageSource::Track => {
                track_footprints(&prepared, camera, survey.map(|s| (s.alt_m, s.trigger_distance_m)))
            }
            CoverageSource::None => Vec::new(),
        };
    }
    if let Some(r) = raster.as_mut() {
        prepared.footprints.iter().for_each(|f| r.burn(f));
    }
    prepared.raster = raster;
    let summary = summarise(&prepared, source, warnings);
    let svg = map::render(&prepared, &summary);
    Ok(FlightReport { summary, svg })
}

impl TrackPoint {
    pub fn lat_lon(&self) -> LatLon {
        LatLon::new(self.lat, self.lon)
    }
}

fn keep(warnings: &mut Vec<String>, what: &str, i: usize, p: LatLon, alt: f64) -> bool {
    let ok = p.is_valid() && alt.is_finite();
    if !ok {
        warnings.push(format!(
            "{what} {i}: position {}, {} at {alt} m is not a coordinate: left out",
            p.lat, p.lon
        ));
    }
    ok
}

/// Home, every position the plan flies to in order, home again on return to launch.
fn planned_route(plan: &Plan) -> Vec<LatLon> {
    let home = plan.home.horizontal();
    let mut route = vec![home];
    for item in plan.mission_items() {
        let at = match &item {
            mission::plan::MissionItem::ReturnToLaunch => Some(home),
            mission::plan::MissionItem::Land { position } => *position,
            _ => item.target().map(|(p, _)| p),
        };
        route.extend(at.filter(LatLon::is_valid));
    }
    route
}

fn region(p: &Prepared) -> Region {
    let ring = |r: &[LatLon]| {
        r.iter()
            .filter(|c| c.is_valid())
            .map(|c| p.local(*c))
            .collect::<Vec<_>>()
    };
    let mut region = Region::default();
    for poly in &p.area {
        region.area.push(ring(&poly.exterior));
        region.area.extend(poly.holes.iter().map(|h| ring(h)));
    }
    for f in &p.input.plan.fence.polygons {
        let shape = Shape::Rings(vec![ring(&f.vertices)]);
        match f.inclusion {
            true => region.inclusions.push(shape),
            false => region.exclusions.push(shape),
        }
    }
    for c in p.input.plan.fence.circles.iter().filter(|c| c.center.is_valid()) {
        let shape = Shape::Circle(p.local(c.center), c.radius_m);
        match c.inclusion {
            true => region.inclusions.push(shape),
            false => region.exclusions.push(shape),
        }
    }
    region
}

fn photo_footprints(p: &Prepared, camera: &Camera) -> Vec<Footprint> {
    p.photos
        .iter()
        .filter(|ph| ph.alt_m > 0.0)
        .map(|ph| {
            let fp = camera.footprint(ph.alt_m);
            Footprint::new(p.local(LatLon::new(ph.lat, ph.lon)), ph.yaw_deg, fp.front_m, fp.side_m)
        })
        .collect()
}

/// Footprints every trigger distance along the track wherever it is at survey height (90 %
/// of the planned altitude, or of the highest point flown without a survey), turned with the
/// vehicle's heading.
fn track_footprints(p: &Prepared, camera: &Camera, survey: Option<(f64, f64)>) -> Vec<Footprint> {
    let max_alt = p.track.iter().map(|t| t.alt_m).fold(0.0, f64::max);
    let (alt, trigger) = survey.unwrap_or((max_alt, 0.0));
    let min_alt = 0.9 * alt;
    let step = if trigger > 0.0 {
        trigger
    } else {
        camera.footprint(alt).front_m / 2.0
    };
    let mut out = Vec::new();
    // Distance flown since the last footprint; infinite at the start of a run at height.
    let mut carry = f64::INFINITY;
    for w in p.track.windows(2) {
        let (a, b) = (p.local(w[0].lat_lon()), p.local(w[1].lat_lon()));
        let len = (b.x - a.x).hypot(b.y - a.y);
        if w[0].alt_m < min_alt || w[1].alt_m < min_alt || step <= 0.0 {
            carry = f64::INFINITY;
            continue;
        }
        // The camera turns with the vehicle: its heading, not the direction of travel (a
        // copter may crab or hold a heading while it flies sideways).
        let heading = w[0].heading_deg;
        let mut d = if carry.is_finite() {
            (step - carry).max(0.0)
        } else {
            0.0
        };
        let mut last = None;
        while d <= len {
            let t = if len > 0.0 { d / len } else { 0.0 };
            let at = Coord {
                x: a.x + (b.x - a.x) * t,
                y: a.y + (b.y - a.y) * t,
            };
            let fp = camera.footprint(w[0].alt_m + (w[1].alt_m - w[0].alt_m) * t);
            out.push(Footprint::new(at, heading, fp.front_m, fp.side_m));
            last = Some(d);
            d += step;
        }
        carry = last.map_or(carry + len, |l| len - l);
    }
    out
}

fn summarise(p: &Prepared, source: CoverageSource, warnings: Vec<String>) -> ReportSummary {
    let input = p.input;
    let first = p.track[0];
    let last = p.track[p.track.len() - 1];
    let started_ms = input.started_ms.or(Some(first.time_ms));
    let ended_ms = input.ended_ms.or(Some(last.time_ms));
    let duration_s = match (started_ms, ended_ms) {
        (Some(a), Some(b)) => (b - a).max(0) as f64 / 1000.0,
        _ => 0.0,
    };
    let distance_m: f64 = p
        .track
        .windows(2)
        .map(|w| geodesy::distance_m(w[0].lat_lon(), w[1].lat_lon()))
        .sum();
    let planned_distance_m = p
        .planned_route
        .windows(2)
        .map(|w| geodesy::distance_m(w[0], w[1]))
        .sum();
    let readings: Vec<f64> = p
        .track
        .iter()
        .filter_map(|t| t.battery_pct)
        .filter(|b| b.is_finite())
        .collect();
    let battery_start_pct = input.battery_start_pct.or(readings.first().copied());
    let battery_end_pct = input.battery_end_pct.or(readings.last().copied());
    let mut detections_by_class = BTreeMap::new();
    for d in &input.detections {
        *detections_by_class.entry(d.class.clone()).or_insert(0) += 1;
    }
    ReportSummary {
        title: input.title.clone(),
        started_ms,
        ended_ms,
        duration_s,
        distance_m,
        planned_distance_m,
        max_alt_m: p.track.iter().map(|t| t.alt_m).fold(f64::MIN, f64::max),
        area_m2: p.raster.as_ref().map_or(0.0, Raster::area_m2),
        coverage_pct: match source {
            CoverageSource::None => None,
            _ => p.raster.as_ref().map(|r| r.covered_fraction() * 100.0),
        },
        coverage_source: source,
        photos: p.photos.len(),
        battery_start_pct,
        battery_end_pct,
        battery_used_pct: battery_start_pct.zip(battery_end_pct).map(|(a, b)| a - b),
        detections: input.detections.len(),
        detections_by_class,
        alerts: input.alerts.len(),
        alerts_unacknowledged: input.alerts.iter().filter(|a| !a.acknowledged).count(),
        track_points: p.track.len(),
        warnings,
    }
}
