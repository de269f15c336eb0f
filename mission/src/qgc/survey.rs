//! QGroundControl survey ComplexItems ⇄ [`SurveyElement`], keeping every key the model does not type.
//!
//! Export always writes a complete survey in the layout QGroundControl itself wrote for the vendored
//! MAVSDK sample (survey 5, transect and camera sections version 1), filling keys the model has no
//! field for with values derived from the typed fields (the "default" survey).
//! Import keeps, in `SurveyElement::extra`, exactly the keys whose values differ from that default,
//! nested as in the file; export writes them over the default, so a second export reproduces them.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::QgcError;
use super::items;
use super::value::{self, Obj, merge, num, same};
use crate::camera::Camera;
use crate::geodesy::distance_m;
use crate::plan::{MissionItem, SurveyElement};

pub(super) const TSCI: &str = "TransectStyleComplexItem";
const CALC: &str = "CameraCalc";
const ITEMS: &str = "Items";

/// Keys read into typed fields or fixed by the format; never kept in `extra`.
const SURVEY_TYPED: [&str; 6] = [
    "type",
    "complexItemType",
    "version",
    "angle",
    "flyAlternateTransects",
    "polygon",
];
const TSCI_TYPED: [&str; 2] = ["TurnAroundDistance", ITEMS];
const CALC_TYPED: [&str; 12] = [
    "CameraName",
    "DistanceToSurface",
    "FrontalOverlap",
    "SideOverlap",
    "AdjustedFootprintFrontal",
    "AdjustedFootprintSide",
    "SensorWidth",
    "SensorHeight",
    "ImageWidth",
    "ImageHeight",
    "FocalLength",
    "Landscape",
];

pub(super) enum Parsed {
    Survey(SurveyElement),
    /// A survey the model cannot represent faithfully, and why (kept verbatim instead).
    Foreign(String),
}

pub(super) fn parse(obj: &Obj, dropped: &mut BTreeSet<String>) -> Result<Parsed, QgcError> {
    let version = obj.int("version")?;
    // Versions 4 and 5 share this layout; older and newer ones are kept verbatim for QGC to read.
    if !(4..=5).contains(&version) {
        return Ok(Parsed::Foreign(format!("survey version {version}")));
    }
    let tsci = obj.object(TSCI)?;
    let calc = tsci.object(CALC)?;
    if let Some(why) = not_relative(&tsci, &calc)? {
        return Ok(Parsed::Foreign(why));
    }

    let polygon_at = obj.path("polygon");
    let polygon = obj
        .array("polygon")?
        .iter()
        .enumerate()
        .map(|(j, v)| value::latlon(&format!("{polygon_at}[{j}]"), v))
        .collect::<Result<Vec<_>, _>>()?;
    if polygon.len() < 3 {
        return Err(QgcError::Invalid {
            at: polygon_at,
            message: format!("a survey area needs at least 3 vertices, found {}", polygon.len()),
        });
    }
    let items_at = tsci.path(ITEMS);
    let mut survey_items = Vec::new();
    for (j, v) in tsci.array(ITEMS)?.iter().enumerate() {
        survey_items.push(items::parse(&Obj::of(format!("{items_at}[{j}]"), v)?, dropped)?.item);
    }

    let camera = Camera {
        name: calc.str("CameraName")?.to_string(),
        sensor_width_mm: calc.opt_f64("SensorWidth")?.unwrap_or(0.0),
        sensor_height_mm: calc.opt_f64("SensorHeight")?.unwrap_or(0.0),
        image_width_px: pixels(&calc, "ImageWidth")?,
        image_height_px: pixels(&calc, "ImageHeight")?,
        focal_length_mm: calc.opt_f64("FocalLength")?.unwrap_or(0.0),
        landscape: calc.opt_bool("Landscape")?.unwrap_or(true),
    };
    let mut survey = SurveyElement {
        polygon,
        angle_deg: obj.f64("angle")?,
        alt_m: calc.f64("DistanceToSurface")?,
        camera,
        front_overlap_pct: calc.opt_f64("FrontalOverlap")?.unwrap_or(0.0),
        side_overlap_pct: calc.opt_f64("SideOverlap")?.unwrap_or(0.0),
        lane_spacing_m: calc.f64("AdjustedFootprintSide")?,
        trigger_distance_m: calc.f64("AdjustedFootprintFrontal")?,
        turnaround_m: tsci.f64("TurnAroundDistance")?,
        fly_alternate_transects: obj.opt_bool("flyAlternateTransects")?.unwrap_or(false),
        items: survey_items,
        extra: Map::new(),
    };
    survey.extra = leftovers(obj.map, &default_json(&survey, 1));
    Ok(Parsed::Survey(survey))
}

/// Why the survey's altitude is not "above home" (the model's datum), if it is not.
fn not_relative(tsci: &Obj, calc: &Obj) -> Result<Option<String>, QgcError> {
    if tsci.opt_bool("FollowTerrain")? == Some(true) {
        return Ok(Some("survey that follows terrain".into()));
    }
    // CameraCalc version 2 has DistanceMode (QGC's AltitudeMode, 1 = relative to home);
    // version 1 has DistanceToSurfaceRelative.
    if let Some(mode) = calc.opt_int("DistanceMode")? {
        if mode != 1 {
            return Ok(Some(format!("survey with altitude mode {mode}")));
        }
    } else if calc.opt_bool("DistanceToSurfaceRelative")? == Some(false) {
        return Ok(Some("survey with an AMSL altitude".into()));
    }
    Ok(None)
}

fn pixels(calc: &Obj, key: &'static str) -> Result<u32, QgcError> {
    match calc.opt_int(key)? {
        None => Ok(0),
        Some(v) => u32::try_from(v).map_err(|_| QgcError::OutOfRange {
            at: calc.path(key),
            what: key,
            value: v as f64,
        }),
    }
}

/// The keys of `original` that the default export would not reproduce.
fn leftovers(original: &Map<String, Value>, default: &Map<String, Value>) -> Map<String, Value> {
    let mut extra = differing(original, default, &SURVEY_TYPED);
    if let (Some(Value::Object(o)), Some(Value::Object(d))) = (original.get(TSCI), default.get(TSCI)) {
        let mut inner = differing(o, d, &TSCI_TYPED);
        if let (Some(Value::Object(oc)), Some(Value::Object(dc))) = (o.get(CALC), d.get(CALC)) {
            let calc = differing(oc, dc, &CALC_TYPED);
            if !calc.is_empty() {
                inner.insert(CALC.into(), Value::Object(calc));
            }
        }
        if !inner.is_empty() {
            extra.insert(TSCI.into(), Value::Object(inner));
        }
    }
    extra
}

fn differing(original: &Map<String, Value>, default: &Map<String, Value>, typed: &[&str]) -> Map<String, Value> {
    original
        .iter()
        .filter(|(k, v)| {
            !typed.contains(&k.as_str())
                && k.as_str() != TSCI
                && k.as_str() != CALC
                && !default.get(k.as_str()).is_some_and(|d| same(v, d))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The survey as QGroundControl's ComplexItem, its items numbered from `first_jump_id`.
pub(super) fn to_json(s: &SurveyElement, first_jump_id: u64) -> Value {
    let mut m = default_json(s, first_jump_id);
    merge(&mut m, &s.extra);
    Value::Object(m)
}

/// A complete survey from the typed fields alone, with derived values where QGC wants more.
fn default_json(s: &SurveyElement, first_jump_id: u64) -> Map<String, Value> {
    let c = &s.camera;
    let mut calc = Map::new();
    calc.insert("AdjustedFootprintFrontal".into(), num(s.trigger_distance_m));
    calc.insert("AdjustedFootprintSide".into(), num(s.lane_spacing_m));
    calc.insert("CameraName".into(), Value::from(c.name.as_str()));
    calc.insert("DistanceToSurface".into(), num(s.alt_m));
    calc.insert("DistanceToSurfaceRelative".into(), Value::Bool(true));
    calc.insert("FrontalOverlap".into(), num(s.front_overlap_pct));
    calc.insert("SideOverlap".into(), num(s.side_overlap_pct));
    // QGC reads sensor figures only for cameras other than "Manual (no camera specs)", and then
    // requires all of these.
    if has_specs(c) {
        calc.insert("FixedOrientation".into(), Value::Bool(false));
        calc.insert("FocalLength".into(), num(c.focal_length_mm));
        calc.insert("ImageDensity".into(), num(gsd_cm(s)));
        calc.insert("ImageHeight".into(), Value::from(c.image_height_px));
        calc.insert("ImageWidth".into(), Value::from(c.image_width_px));
        calc.insert("Landscape".into(), Value::Bool(c.landscape));
        calc.insert("MinTriggerInterval".into(), Value::from(0));
        calc.insert("SensorHeight".into(), num(c.sensor_height_mm));
        calc.insert("SensorWidth".into(), num(c.sensor_width_mm));
        calc.insert("ValueSetIsDistance".into(), Value::Bool(true));
    }
    // Version 1 of both sections: newer QGC writes version 2 but converts version 1 on load,
    // while QGC releases that know only version 1 reject version 2.
    calc.insert("version".into(), Value::from(1));

    let items: Vec<Value> = (first_jump_id..)
        .zip(&s.items)
        .map(|(id, item)| items::to_json(item, id, false))
        .collect();
    let points: Vec<Value> = s
        .items
        .iter()
        .filter_map(MissionItem::target)
        .map(|(p, _)| Value::Array(vec![num(p.lat), num(p.lon)]))
        .collect();
    let mut tsci = Map::new();
    tsci.insert(CALC.into(), Value::Object(calc));
    tsci.insert("CameraShots".into(), Value::from(camera_shots(&s.items)));
    tsci.insert("CameraTriggerInTurnAround".into(), Value::Bool(true));
    tsci.insert("FollowTerrain".into(), Value::Bool(false));
    tsci.insert("HoverAndCapture".into(), Value::Bool(false));
    tsci.insert(ITEMS.into(), Value::Array(items));
    tsci.insert("Refly90Degrees".into(), Value::Bool(false));
    tsci.insert("TurnAroundDistance".into(), num(s.turnaround_m));
    tsci.insert("VisualTransectPoints".into(), Value::Array(points));
    tsci.insert("version".into(), Value::from(1));

    let polygon = s
        .polygon
        .iter()
        .map(|p| Value::Array(vec![num(p.lat), num(p.lon)]))
        .collect();
    let mut m = Map::new();
    m.insert(TSCI.into(), Value::Object(tsci));
    m.insert("angle".into(), num(s.angle_deg));
    m.insert("complexItemType".into(), Value::from("survey"));
    m.insert("entryLocation".into(), Value::from(0));
    m.insert("flyAlternateTransects".into(), Value::Bool(s.fly_alternate_transects));
    m.insert("polygon".into(), Value::Array(polygon));
    m.insert("splitConcavePolygons".into(), Value::Bool(false));
    m.insert("type".into(), Value::from("ComplexItem"));
    m.insert("version".into(), Value::from(5));
    m
}

fn has_specs(c: &Camera) -> bool {
    c.sensor_width_mm != 0.0
        || c.sensor_height_mm != 0.0
        || c.image_width_px != 0
        || c.image_height_px != 0
        || c.focal_length_mm != 0.0
        || !c.landscape
}

/// QGC's ImageDensity (ground sample distance, cm per pixel) across the image width.
fn gsd_cm(s: &SurveyElement) -> f64 {
    let c = &s.camera;
    let denominator = f64::from(c.image_width_px) * c.focal_length_mm;
    if denominator > 0.0 {
        s.alt_m * c.sensor_width_mm * 100.0 / denominator
    } else {
        0.0
    }
}

/// Photos the items take: each leg flown while distance triggering is on, over the trigger distance.
fn camera_shots(items: &[MissionItem]) -> u64 {
    let mut trigger_m = 0.0;
    let mut previous = None;
    let mut shots = 0.0;
    for item in items {
        if let MissionItem::CameraTriggerDistance { distance_m } = item {
            trigger_m = *distance_m;
        } else if let Some((p, _)) = item.target() {
            if let Some(q) = previous
                && trigger_m > 0.0
            {
                shots += distance_m(q, p) / trigger_m;
            }
            previous = Some(p);
        }
    }
    if shots.is_finite() && shots > 0.0 {
        shots.ceil() as u64
    } else {
        0
    }
}
