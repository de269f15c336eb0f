//! Plans to and from MAVLink `MISSION_ITEM_INT` sequences: the mission, fence and rally lists.
//!
//! Every mission item converts through [`MissionItem::to_raw`] / [`MissionItem::from_raw`]
//! (`crate::plan`), so this module only maps a [`RawItem`] onto the wire struct and back:
//!
//! * `x`/`y` carry param5/param6 as integers, scaled by frame as the MAVLink message
//!   definition says: global frames degrees × 1e7, `MAV_FRAME_MISSION` unscaled (rounded),
//!   every other (local) frame metres × 1e4. Frames are kept verbatim, so the deprecated
//!   `*_INT` frames survive a round trip but do not become typed items.
//! * A NaN param5/param6 ("unset") travels as `i32::MAX`, the MAVLink marker for an unset
//!   integer position (COMMAND_INT uses the same), and decodes back to NaN. NaN param1-4 and
//!   param7 travel as float NaN.
//! * param1-4 and param7 travel as `f32`, so values that are not exact `f32`s come back
//!   rounded; positions come back quantised to 1e-7° (about 1 cm).
//! * With [`EncodeOptions::home_item`] (ArduPilot) seq 0 is the home position: a
//!   `NAV_WAYPOINT` in `MAV_FRAME_GLOBAL` with the altitude above mean sea level. Without it
//!   (PX4) the first mission item is seq 0.
//! * Fences: each polygon vertex is one item (`NAV_FENCE_POLYGON_VERTEX_INCLUSION` /
//!   `_EXCLUSION`) with param1 = vertex count; inclusion polygons also carry param2 = inclusion
//!   group. MAVLink reads groups as "inside every zone of a group, inside at least one group";
//!   [`GeoFence`] means "inside every inclusion zone", so all inclusion polygons go in group 0,
//!   and a list using several groups is refused on decode rather than silently widened.
//!   Circles (`NAV_FENCE_CIRCLE_*`) carry param1 = radius. The altitude ceiling
//!   [`GeoFence::max_alt_m`] is not a fence item at all: it is the `FENCE_ALT_MAX` parameter
//!   (ArduPilot) / `GF_MAX_VER_DIST` (PX4), set through the parameter protocol, so it is
//!   neither written nor read here.
//! * Rally points are `NAV_RALLY_POINT` in `MAV_FRAME_GLOBAL_RELATIVE_ALT`.
//!
//! The wire types come from the `mavlink` crate's common dialect; a command or frame that the
//! dialect does not define cannot be put in its struct and is an encoding error.

mod decode;
mod encode;
#[cfg(test)]
mod tests;

pub use decode::{decode_fence, decode_mission, decode_rally, item_int_to_raw};
pub use encode::{encode_fence, encode_mission, encode_rally, raw_to_item_int};
pub use mavlink::dialects::common::MISSION_ITEM_INT_DATA;

use mavlink::MavlinkVersion;
use mavlink::MessageData;
use mavlink::dialects::common::{MavCmd, MavFrame, MavMissionType};
use thiserror::Error;

use crate::plan::{RawItem, cmd, frame};

/// Addressing and layout choices for an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// System id of the vehicle the items are for.
    pub target_system: u8,
    /// Component id of the autopilot (MAV_COMP_ID_AUTOPILOT1 = 1).
    pub target_component: u8,
    /// ArduPilot convention: seq 0 of the mission list is the home position.
    /// False for PX4, whose mission starts with the first real item.
    pub home_item: bool,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self {
            target_system: 1,
            target_component: 1,
            home_item: true,
        }
    }
}

/// Why a plan cannot be put on the wire, or a received list cannot be read as a plan.
/// `seq` is the item's sequence number in its list.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MavlinkItemError {
    #[error("seq {seq}: MAV_CMD {command} is not defined in the MAVLink common dialect")]
    UnknownCommand { seq: u16, command: u16 },
    #[error("seq {seq}: MAV_FRAME {frame} is not defined in the MAVLink common dialect")]
    UnknownFrame { seq: u16, frame: u8 },
    #[error("{count} items do not fit one MAVLink list (at most 65535)")]
    TooManyItems { count: usize },
    #[error("item {index} has seq {seq}: items must be numbered 0, 1, 2, ... in order")]
    OutOfSequence { index: usize, seq: u16 },
    #[error("seq {seq}: mission type {found:?} in a {expected:?} list")]
    WrongMissionType {
        seq: u16,
        expected: MavMissionType,
        found: MavMissionType,
    },
    #[error("seq {seq}: {what} {value} is out of range")]
    OutOfRange { seq: u16, what: &'static str, value: f64 },
    #[error("seq {seq}: MAV_CMD {command} in MAV_FRAME {frame}; {list} items need {needed}")]
    WrongFrame {
        seq: u16,
        command: u16,
        frame: u8,
        list: &'static str,
        needed: &'static str,
    },
    #[error("seq {seq}: MAV_CMD {command} does not belong in a {list} list")]
    UnexpectedCommand { seq: u16, command: u16, list: &'static str },
    #[error("seq {seq}: polygon starting at seq {start}: {problem}")]
    BadPolygon { seq: u16, start: u16, problem: String },
    #[error(
        "seq {seq}: inclusion group {found} differs from group {expected} (seq {first}); \
         the plan model needs the vehicle inside every inclusion zone, so it has one group"
    )]
    InclusionGroups {
        seq: u16,
        first: u16,
        expected: f32,
        found: f32,
    },
    #[error(
        "seq 0: the home item must be NAV_WAYPOINT in MAV_FRAME_GLOBAL with a position; \
         found MAV_CMD {command} in MAV_FRAME {frame}"
    )]
    BadHome { command: u16, frame: u8 },
}

/// Marker for an unset (NaN) param5/param6 in the integer x/y fields.
const UNSET_XY: i32 = i32::MAX;

/// Scale from param5/param6 to x/y for a frame (see the module documentation).
fn xy_scale(frame_no: u8) -> f64 {
    if frame::is_global(frame_no) {
        1e7
    } else if frame_no == frame::MISSION {
        1.0
    } else {
        1e4
    }
}

/// param5/param6 as the integer x/y field.
fn to_xy(value: f64, scale: f64, seq: u16, what: &'static str) -> Result<i32, MavlinkItemError> {
    if value.is_nan() {
        return Ok(UNSET_XY);
    }
    let scaled = (value * scale).round();
    // Strictly inside the i32 range: i32::MAX is the unset marker and must not be a value.
    if scaled.abs() < f64::from(i32::MAX) {
        Ok(scaled as i32)
    } else {
        Err(MavlinkItemError::OutOfRange { seq, what, value })
    }
}

/// The integer x/y field as param5/param6. Dividing the exact integer (rather than
/// multiplying by 1e-7) gives the double nearest the decimal value, so 519512345 reads as
/// exactly the literal 51.9512345.
fn from_xy(value: i32, scale: f64) -> f64 {
    if value == UNSET_XY {
        f64::NAN
    } else {
        f64::from(value) / scale
    }
}

/// Latitude/longitude range check for a global item; NaN ("unset") passes.
fn check_lat_lon(seq: u16, lat: f64, lon: f64) -> Result<(), MavlinkItemError> {
    if !lat.is_nan() && !(-90.0..=90.0).contains(&lat) {
        return Err(MavlinkItemError::OutOfRange {
            seq,
            what: "latitude",
            value: lat,
        });
    }
    if !lon.is_nan() && !(-180.0..=180.0).contains(&lon) {
        return Err(MavlinkItemError::OutOfRange {
            seq,
            what: "longitude",
            value: lon,
        });
    }
    Ok(())
}

/// The payload offsets of MISSION_ITEM_INT's `command` and `frame` fields (wire order:
/// 4 param f32, x, y i32, z f32, seq u16, command u16, target ids, frame).
const COMMAND_OFFSET: usize = 30;
const FRAME_OFFSET: usize = 34;

/// The generated enums implement `num_traits::FromPrimitive`, which `mavlink` does not
/// re-export. Instead of adding a dependency, let the generated payload parser map the
/// number: that also guarantees we accept exactly the values the wire decoder accepts.
fn parse_enums(command: u16, frame_no: u8) -> Option<MISSION_ITEM_INT_DATA> {
    let mut payload = [0u8; MISSION_ITEM_INT_DATA::ENCODED_LEN];
    payload[COMMAND_OFFSET..COMMAND_OFFSET + 2].copy_from_slice(&command.to_le_bytes());
    payload[FRAME_OFFSET] = frame_no;
    MISSION_ITEM_INT_DATA::deser(MavlinkVersion::V2, &payload).ok()
}

fn mav_cmd(command: u16) -> Option<MavCmd> {
    // MAV_FRAME_GLOBAL (0) is always defined, so only the command can fail.
    parse_enums(command, frame::GLOBAL).map(|item| item.command)
}

fn mav_frame(frame_no: u8) -> Option<MavFrame> {
    // NAV_WAYPOINT is always defined, so only the frame can fail.
    parse_enums(cmd::NAV_WAYPOINT, frame_no).map(|item| item.frame)
}

/// A [`RawItem`] with every field defaulted; fence and rally items fill in what they use.
fn raw(command: u16, frame_no: u8, params: [f64; 7]) -> RawItem {
    RawItem {
        command,
        frame: frame_no,
        params,
        autocontinue: true,
    }
}

/// Items as flat JSON, numbers as on the wire (frame, command and mission type as integers;
/// NaN, MAVLink's "unset", as null): the form scripts and other tools read.
pub fn items_to_json(items: &[MISSION_ITEM_INT_DATA]) -> serde_json::Value {
    items
        .iter()
        .map(|i| {
            serde_json::json!({
                "seq": i.seq, "frame": i.frame as u8, "command": i.command as u16,
                "current": i.current, "autocontinue": i.autocontinue,
                "params": [i.param1, i.param2, i.param3, i.param4], "x": i.x, "y": i.y, "z": i.z,
                "mission_type": i.mission_type as u8,
            })
        })
        .collect()
}
