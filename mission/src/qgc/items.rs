//! QGroundControl SimpleItems ⇄ mission items, through [`MissionItem::to_raw`]/[`MissionItem::from_raw`].

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::QgcError;
use super::value::{self, Obj, check_range, num, number};
use crate::plan::{MissionItem, RawItem, frame};

/// Keys of a SimpleItem that the import reads or that the export regenerates.
const KNOWN_KEYS: [&str; 10] = [
    "type",
    "command",
    "frame",
    "params",
    "autoContinue",
    "doJumpId",
    "coordinate",
    "Altitude",
    "AltitudeMode",
    "AMSLAltAboveTerrain",
];

/// A SimpleItem read from a file, with the `doJumpId` that DO_JUMP items refer to it by.
pub(super) struct Simple {
    pub item: MissionItem,
    pub jump_id: Option<i64>,
}

/// Reads a SimpleItem; keys it does not know are added to `dropped` for one summary warning.
pub(super) fn parse(obj: &Obj, dropped: &mut BTreeSet<String>) -> Result<Simple, QgcError> {
    let kind = obj.str("type")?;
    if kind != "SimpleItem" {
        return Err(QgcError::Invalid {
            at: obj.at.clone(),
            message: format!("expected a SimpleItem, found type '{kind}'"),
        });
    }
    let command = ranged(obj, "command", u16::MAX.into())? as u16;
    let frame_no = ranged(obj, "frame", u8::MAX.into())? as u8;
    let autocontinue = obj.bool("autoContinue")?;
    let params_at = obj.path("params");
    let values = obj.array("params")?;

    let mut params = [f64::NAN; 7];
    // Older QGroundControl wrote four params plus "coordinate": [x, y, z] (its own unit-test
    // SectionTest.plan still does); QGC still reads that layout, so this does too.
    let coordinate = match obj.get("coordinate") {
        Some(c) => Some(value::array(&obj.path("coordinate"), c)?),
        None => None,
    };
    let expected = if coordinate.is_some() { 4 } else { 7 };
    if values.len() != expected {
        return Err(QgcError::WrongLength {
            at: params_at,
            expected,
            found: values.len(),
        });
    }
    for (k, v) in values.iter().enumerate() {
        params[k] = param(&format!("{params_at}[{k}]"), v)?;
    }
    if let Some(c) = coordinate {
        let at = obj.path("coordinate");
        if c.len() != 3 {
            return Err(QgcError::WrongLength {
                at,
                expected: 3,
                found: c.len(),
            });
        }
        for (k, v) in c.iter().enumerate() {
            params[4 + k] = param(&format!("{at}[{k}]"), v)?;
        }
    }
    if frame::is_global(frame_no) {
        if !params[4].is_nan() {
            check_range(&format!("{params_at}[4]"), "latitude", params[4], 90.0)?;
        }
        if !params[5].is_nan() {
            check_range(&format!("{params_at}[5]"), "longitude", params[5], 180.0)?;
        }
    }
    let jump_id = obj.opt_int("doJumpId")?;
    dropped.extend(obj.unknown_keys(&KNOWN_KEYS));

    let raw = RawItem {
        command,
        frame: frame_no,
        params,
        autocontinue,
    };
    Ok(Simple {
        item: MissionItem::from_raw(raw),
        jump_id,
    })
}

fn ranged(obj: &Obj, key: &'static str, max: i64) -> Result<i64, QgcError> {
    let value = obj.int(key)?;
    if (0..=max).contains(&value) {
        Ok(value)
    } else {
        Err(QgcError::OutOfRange {
            at: obj.path(key),
            what: key,
            value: value as f64,
        })
    }
}

/// A param: a number, or null for "unset" (NaN in the model).
fn param(at: &str, v: &Value) -> Result<f64, QgcError> {
    match v {
        Value::Null => Ok(f64::NAN),
        other => number(at, other).map_err(|_| QgcError::WrongType {
            at: at.to_string(),
            expected: "a number or null",
            found: value::kind(other).to_string(),
        }),
    }
}

/// A mission item as a SimpleItem numbered `jump_id`. Items at the top of the mission also get
/// QGroundControl's altitude keys; items inside a complex item never have them.
pub(super) fn to_json(item: &MissionItem, jump_id: u64, top_level: bool) -> Value {
    let raw = item.to_raw();
    let mut m = Map::new();
    m.insert("autoContinue".into(), Value::Bool(raw.autocontinue));
    m.insert("command".into(), Value::from(raw.command));
    m.insert("doJumpId".into(), Value::from(jump_id));
    m.insert("frame".into(), Value::from(raw.frame));
    m.insert(
        "params".into(),
        Value::Array(raw.params.iter().map(|&p| num(p)).collect()),
    );
    m.insert("type".into(), Value::from("SimpleItem"));
    if top_level
        && raw.params[6].is_finite()
        && let Some(mode) = altitude_mode(raw.frame)
    {
        m.insert("Altitude".into(), num(raw.params[6]));
        m.insert("AltitudeMode".into(), Value::from(mode));
        m.insert("AMSLAltAboveTerrain".into(), Value::Null);
    }
    Value::Object(m)
}

/// QGroundControl's AltitudeMode for a frame: 1 relative, 2 AMSL, 4 terrain frame. Its mode 3
/// ("calculated above terrain", param7 null) has no frame of its own and is not modelled.
fn altitude_mode(frame_no: u8) -> Option<u8> {
    match frame_no {
        frame::GLOBAL_RELATIVE_ALT | frame::GLOBAL_RELATIVE_ALT_INT => Some(1),
        frame::GLOBAL | frame::GLOBAL_INT => Some(2),
        frame::GLOBAL_TERRAIN_ALT | frame::GLOBAL_TERRAIN_ALT_INT => Some(4),
        _ => None,
    }
}

/// MAV_CMD_DO_JUMP: param1 is the target's sequence number in MAVLink, its doJumpId in a `.plan`.
pub(super) const DO_JUMP: u16 = 177;
