//! QGroundControl `.plan` files: import into a [`Plan`] and export one that QGroundControl loads.
//!
//! Import is strict about structure (wrong file type, unsupported versions, malformed coordinates
//! and params are errors that say where) and lossless about content: commands the model does not
//! type stay [`MissionItem::Other`], survey keys it has no field for go to
//! [`SurveyElement::extra`](crate::plan::SurveyElement::extra), and other complex items
//! (CorridorScan, StructureScan, …) are kept verbatim as [`PlanElement::Foreign`] with a warning.
//!
//! Export writes `doJumpId`s afresh (1-based, in flight order). Because QGroundControl's DO_JUMP
//! param1 names a `doJumpId` while MAVLink's names a sequence number, import rewrites DO_JUMP
//! targets to sequence numbers, which export's numbering then matches.

mod items;
mod json;
mod survey;
mod value;

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};
use thiserror::Error;

use self::value::{Obj, num};
use crate::plan::{
    FenceCircle, FencePolygon, ForeignElement, GeoFence, MissionItem, Plan, PlanElement, RallyPoint, VehicleType,
};

/// Why a `.plan` file was rejected; `at` is a path into the file such as `mission.items[3]`.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum QgcError {
    #[error("not JSON: {message} at line {line}, column {column}")]
    NotJson {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("fileType: expected 'Plan', found '{0}'")]
    WrongFileType(String),
    #[error("{at}: version {found} is not supported (supported: {supported})")]
    UnsupportedVersion {
        at: String,
        found: i64,
        supported: &'static str,
    },
    #[error("{at}: missing '{key}'")]
    Missing { at: String, key: String },
    #[error("{at}: expected {expected}, found {found}")]
    WrongType {
        at: String,
        expected: &'static str,
        found: String,
    },
    #[error("{at}: expected {expected} values, found {found}")]
    WrongLength { at: String, expected: usize, found: usize },
    #[error("{at}: {what} {value} out of range")]
    OutOfRange { at: String, what: &'static str, value: f64 },
    #[error("{at}: {message}")]
    Invalid { at: String, message: String },
}

/// A plan read from a `.plan` file, and what the reader could not keep or had to interpret.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub plan: Plan,
    pub warnings: Vec<String>,
}

const GROUND_STATION: &str = "PortOps";
/// MAV_AUTOPILOT_ARDUPILOTMEGA.
const FIRMWARE_ARDUPILOT: u8 = 3;
const MAV_TYPE_FIXED_WING: i64 = 1;
const MAV_TYPE_QUADROTOR: i64 = 2;
/// QGroundControl's AltitudeMode "relative to home".
const ALTITUDE_MODE_RELATIVE: u8 = 1;
/// Not a QGroundControl key: QGC keeps the fence ceiling as a vehicle parameter (FENCE_ALT_MAX)
/// and ignores keys it does not know, so the ceiling travels here rather than being lost.
const FENCE_MAX_ALT_KEY: &str = "maxAltitudeAboveHome";

const TOP_KEYS: [&str; 6] = [
    "fileType",
    "version",
    "groundStation",
    "mission",
    "geoFence",
    "rallyPoints",
];
const MISSION_KEYS: [&str; 8] = [
    "version",
    "firmwareType",
    "vehicleType",
    "cruiseSpeed",
    "hoverSpeed",
    "globalPlanAltitudeMode",
    "plannedHomePosition",
    "items",
];

/// "plan" for the file itself, else the path.
fn location(at: &str) -> String {
    if at.is_empty() { "plan".into() } else { at.into() }
}

/// Reads a QGroundControl `.plan` file.
pub fn import_plan(text: &str) -> Result<Import, QgcError> {
    let root_value = json::parse(text)?;
    let root = Obj::of(String::new(), &root_value)?;
    let file_type = root.str("fileType")?;
    if file_type != "Plan" {
        return Err(QgcError::WrongFileType(file_type.to_string()));
    }
    check_version(&root, 1, "1")?;
    let mut warnings = Vec::new();
    note_unknown(&root, &TOP_KEYS, &mut warnings);

    let mission = root.object("mission")?;
    check_version(&mission, 2, "2")?;
    note_unknown(&mission, &MISSION_KEYS, &mut warnings);
    let home_at = mission.path("plannedHomePosition");
    let (home, home_alt) = value::latlonalt(&home_at, mission.req("plannedHomePosition")?)?;
    let mut plan = Plan::new(home.with_alt(home_alt));
    plan.vehicle = vehicle(&mission, &mut warnings)?;
    if let Some(speed) = mission.opt_f64("cruiseSpeed")? {
        plan.cruise_speed_m_s = speed;
    }
    if let Some(speed) = mission.opt_f64("hoverSpeed")? {
        plan.hover_speed_m_s = speed;
    }
    plan.elements = elements(&mission, &mut warnings)?;
    if let Some(v) = root.get("geoFence") {
        plan.fence = fence(&Obj::of(root.path("geoFence"), v)?, &mut warnings)?;
    }
    if let Some(v) = root.get("rallyPoints") {
        plan.rally = rally(&Obj::of(root.path("rallyPoints"), v)?, &mut warnings)?;
    }
    Ok(Import { plan, warnings })
}

fn check_version(obj: &Obj, wanted: i64, supported: &'static str) -> Result<(), QgcError> {
    let found = obj.int("version")?;
    if found == wanted {
        Ok(())
    } else {
        Err(QgcError::UnsupportedVersion {
            at: location(&obj.at),
            found,
            supported,
        })
    }
}

fn note_unknown(obj: &Obj, known: &[&str], warnings: &mut Vec<String>) {
    let unknown: BTreeSet<String> = obj.unknown_keys(known).into_iter().collect();
    if !unknown.is_empty() {
        warnings.push(format!("{}: keys not kept: {}", location(&obj.at), quoted(&unknown)));
    }
}

fn quoted(keys: &BTreeSet<String>) -> String {
    keys.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", ")
}

fn vehicle(mission: &Obj, warnings: &mut Vec<String>) -> Result<VehicleType, QgcError> {
    Ok(match mission.opt_int("vehicleType")? {
        Some(MAV_TYPE_FIXED_WING) => VehicleType::FixedWing,
        // Quad, coaxial, helicopter, hexa, octo, tri and dodecarotor: all hover.
        None | Some(2 | 3 | 4 | 13 | 14 | 15 | 29) => VehicleType::Multirotor,
        Some(other) => {
            warnings.push(format!(
                "{}: MAV_TYPE {other} is neither a multirotor nor a fixed wing; planned as a multirotor",
                mission.path("vehicleType")
            ));
            VehicleType::Multirotor
        }
    })
}

fn elements(mission: &Obj, warnings: &mut Vec<String>) -> Result<Vec<PlanElement>, QgcError> {
    let items_at = mission.path("items");
    let list = mission.array("items")?;
    let mut elements: Vec<PlanElement> = Vec::with_capacity(list.len());
    let mut dropped = BTreeSet::new();
    // doJumpId of each top-level SimpleItem → its sequence number (home is 0), as QGC resolves them.
    let mut targets: HashMap<i64, usize> = HashMap::new();
    let mut jumps = Vec::new();
    let mut seq = 1;
    for (i, v) in list.iter().enumerate() {
        let obj = Obj::of(format!("{items_at}[{i}]"), v)?;
        let element = match obj.str("type")? {
            "SimpleItem" => {
                let simple = items::parse(&obj, &mut dropped)?;
                if let Some(id) = simple.jump_id {
                    targets.entry(id).or_insert(seq);
                }
                if let MissionItem::Other(raw) = &simple.item
                    && raw.command == items::DO_JUMP
                {
                    jumps.push((elements.len(), obj.at.clone()));
                }
                PlanElement::Item(simple.item)
            }
            "ComplexItem" => complex(&obj, &mut dropped, warnings)?,
            other => {
                return Err(QgcError::Invalid {
                    at: obj.at,
                    message: format!("unknown item type '{other}'"),
                });
            }
        };
        seq += element.items().len();
        elements.push(element);
    }
    if !dropped.is_empty() {
        warnings.push(format!("{items_at}: SimpleItem keys not kept: {}", quoted(&dropped)));
    }
    for (index, at) in jumps {
        if let Some(PlanElement::Item(MissionItem::Other(raw))) = elements.get_mut(index)
            && !raw.params[0].is_nan()
        {
            let id = value::integer(&format!("{at}.params[0]"), &num(raw.params[0]))?;
            let target = targets.get(&id).ok_or_else(|| QgcError::Invalid {
                at: at.clone(),
                message: format!("DO_JUMP target doJumpId {id} not found"),
            })?;
            raw.params[0] = *target as f64;
        }
    }
    Ok(elements)
}

fn complex(obj: &Obj, dropped: &mut BTreeSet<String>, warnings: &mut Vec<String>) -> Result<PlanElement, QgcError> {
    let kind = obj.str("complexItemType")?;
    let what = if kind == "survey" {
        match survey::parse(obj, dropped)? {
            survey::Parsed::Survey(s) => return Ok(PlanElement::Survey(s)),
            survey::Parsed::Foreign(why) => why,
        }
    } else {
        format!("complex item '{kind}'")
    };
    warnings.push(format!(
        "{}: {what} kept as-is; it cannot be edited or validated",
        obj.at
    ));

    // The items it flies, when the file spells them out (transect-style items do).
    let mut flown = Vec::new();
    if let Some(t) = obj.get(survey::TSCI) {
        let tsci = Obj::of(obj.path(survey::TSCI), t)?;
        if let Some(list) = tsci.get("Items") {
            let at = tsci.path("Items");
            // Its own keys are kept verbatim, so nothing of these items needs reporting.
            let mut ignored = BTreeSet::new();
            for (j, v) in value::array(&at, list)?.iter().enumerate() {
                flown.push(items::parse(&Obj::of(format!("{at}[{j}]"), v)?, &mut ignored)?.item);
            }
        }
    }
    Ok(PlanElement::Foreign(ForeignElement {
        kind: kind.to_string(),
        json: Value::Object(obj.map.clone()),
        items: flown,
    }))
}

/// True when an obsolete section holds anything that its (ignored) contents would have meant.
fn has_content(obj: &Obj) -> bool {
    obj.map.iter().any(|(k, v)| {
        k != "version"
            && match v {
                Value::Null => false,
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => !o.is_empty(),
                _ => true,
            }
    })
}

fn fence(obj: &Obj, warnings: &mut Vec<String>) -> Result<GeoFence, QgcError> {
    // QGroundControl ignores version 1 fences (a pre-2018 layout), and so does this.
    if obj.int("version")? == 1 {
        if has_content(obj) {
            warnings.push(format!(
                "{}: version 1 is obsolete and was ignored, as QGroundControl does",
                obj.at
            ));
        }
        return Ok(GeoFence::default());
    }
    check_version(obj, 2, "1 (ignored), 2")?;
    note_unknown(
        obj,
        &["version", "polygons", "circles", "breachReturn", FENCE_MAX_ALT_KEY],
        warnings,
    );
    let breach_return = match obj.get("breachReturn") {
        Some(v) => Some(value::latlonalt(&obj.path("breachReturn"), v)?),
        None => None,
    };
    let mut fence = GeoFence {
        max_alt_m: obj.opt_f64(FENCE_MAX_ALT_KEY)?,
        breach_return,
        ..GeoFence::default()
    };
    if let Some(list) = obj.get("polygons") {
        let at = obj.path("polygons");
        for (i, v) in value::array(&at, list)?.iter().enumerate() {
            let p = Obj::of(format!("{at}[{i}]"), v)?;
            shape_version(&p)?;
            let vertices_at = p.path("polygon");
            let vertices = p
                .array("polygon")?
                .iter()
                .enumerate()
                .map(|(j, v)| value::latlon(&format!("{vertices_at}[{j}]"), v))
                .collect::<Result<Vec<_>, _>>()?;
            if vertices.len() < 3 {
                return Err(QgcError::Invalid {
                    at: vertices_at,
                    message: format!("a fence polygon needs at least 3 vertices, found {}", vertices.len()),
                });
            }
            fence.polygons.push(FencePolygon {
                inclusion: p.bool("inclusion")?,
                vertices,
            });
        }
    }
    if let Some(list) = obj.get("circles") {
        let at = obj.path("circles");
        for (i, v) in value::array(&at, list)?.iter().enumerate() {
            let c = Obj::of(format!("{at}[{i}]"), v)?;
            shape_version(&c)?;
            let circle = c.object("circle")?;
            let center = value::latlon(&circle.path("center"), circle.req("center")?)?;
            let radius_m = circle.f64("radius")?;
            if !(radius_m.is_finite() && radius_m > 0.0) {
                return Err(QgcError::OutOfRange {
                    at: circle.path("radius"),
                    what: "radius",
                    value: radius_m,
                });
            }
            fence.circles.push(FenceCircle {
                inclusion: c.bool("inclusion")?,
                center,
                radius_m,
            });
        }
    }
    Ok(fence)
}

/// Fence polygons and circles carry their own version; 1 is the only one there is.
fn shape_version(obj: &Obj) -> Result<(), QgcError> {
    match obj.opt_int("version")? {
        None | Some(1) => Ok(()),
        Some(found) => Err(QgcError::UnsupportedVersion {
            at: obj.at.clone(),
            found,
            supported: "1",
        }),
    }
}

fn rally(obj: &Obj, warnings: &mut Vec<String>) -> Result<Vec<RallyPoint>, QgcError> {
    if obj.int("version")? == 1 {
        if has_content(obj) {
            warnings.push(format!(
                "{}: version 1 is obsolete and was ignored, as QGroundControl does",
                obj.at
            ));
        }
        return Ok(Vec::new());
    }
    check_version(obj, 2, "1 (ignored), 2")?;
    note_unknown(obj, &["version", "points"], warnings);
    let at = obj.path("points");
    obj.array("points")?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (position, alt_m) = value::latlonalt(&format!("{at}[{i}]"), v)?;
            Ok(RallyPoint { position, alt_m })
        })
        .collect()
}

/// The plan as a QGroundControl `.plan` file (pretty JSON, keys sorted as QGC writes them).
///
/// Altitudes are relative to home except `plannedHomePosition`'s, which is AMSL. The fence
/// ceiling, which QGC keeps as a vehicle parameter, is written under `geoFence.maxAltitudeAboveHome`.
pub fn export_plan(plan: &Plan) -> String {
    let mut items = Vec::with_capacity(plan.elements.len());
    let mut jump_id = 1;
    for element in &plan.elements {
        items.push(match element {
            PlanElement::Item(item) => items::to_json(item, jump_id, true),
            PlanElement::Survey(s) => survey::to_json(s, jump_id),
            PlanElement::Foreign(f) => f.json.clone(),
        });
        jump_id += element.items().len() as u64;
    }
    let home = &plan.home;
    let vehicle_type = match plan.vehicle {
        VehicleType::Multirotor => MAV_TYPE_QUADROTOR,
        VehicleType::FixedWing => MAV_TYPE_FIXED_WING,
    };
    let mission = json!({
        "cruiseSpeed": num(plan.cruise_speed_m_s),
        "firmwareType": FIRMWARE_ARDUPILOT,
        "globalPlanAltitudeMode": ALTITUDE_MODE_RELATIVE,
        "hoverSpeed": num(plan.hover_speed_m_s),
        "items": items,
        "plannedHomePosition": [num(home.lat), num(home.lon), num(home.alt)],
        "vehicleType": vehicle_type,
        "version": 2,
    });

    let polygons: Vec<Value> = plan
        .fence
        .polygons
        .iter()
        .map(|p| {
            let vertices: Vec<Value> = p.vertices.iter().map(|v| json!([num(v.lat), num(v.lon)])).collect();
            json!({ "inclusion": p.inclusion, "polygon": vertices, "version": 1 })
        })
        .collect();
    let circles: Vec<Value> = plan
        .fence
        .circles
        .iter()
        .map(|c| {
            json!({
                "circle": { "center": [num(c.center.lat), num(c.center.lon)], "radius": num(c.radius_m) },
                "inclusion": c.inclusion,
                "version": 1,
            })
        })
        .collect();
    let mut fence = json!({ "circles": circles, "polygons": polygons, "version": 2 });
    if let (Some(alt), Value::Object(m)) = (plan.fence.max_alt_m, &mut fence) {
        m.insert(FENCE_MAX_ALT_KEY.into(), num(alt));
    }
    if let (Some((at, alt)), Value::Object(m)) = (plan.fence.breach_return, &mut fence) {
        m.insert("breachReturn".into(), json!([num(at.lat), num(at.lon), num(alt)]));
    }
    let points: Vec<Value> = plan
        .rally
        .iter()
        .map(|r| json!([num(r.position.lat), num(r.position.lon), num(r.alt_m)]))
        .collect();

    let root = json!({
        "fileType": "Plan",
        "geoFence": fence,
        "groundStation": GROUND_STATION,
        "mission": mission,
        "rallyPoints": { "points": points, "version": 2 },
        "version": 1,
    });
    format!("{root:#}\n")
}
