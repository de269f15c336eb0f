//! Mission item conversions: ArduPilot-dialect wire items ⇄ stored common-dialect items, legacy MISSION_ITEM ⇄ MISSION_ITEM_INT.
//!
//! The ArduPilot dialect generates its own `MISSION_ITEM_INT_DATA` (with a wider `MavCmd`), a
//! different Rust type from the common one the `mission` crate works with. Both have the same
//! wire layout, so converting through the payload bytes is exact, and the common decoder then
//! refuses exactly the commands and frames the common dialect does not define.

// Converts the deprecated MISSION_ITEM, which older peers still send.
#![allow(deprecated)]

use ::mission::mavlink_items::{MavlinkItemError, item_int_to_raw};
use ::mission::plan::frame;
use mavlink::dialects::ardupilotmega as apm;
use mavlink::dialects::common;
use mavlink::error::ParserError;
use mavlink::{MavlinkVersion, MessageData};

use apm::MavMissionResult as R;

/// Marker for an unset (NaN) x/y in MISSION_ITEM_INT, as the `mission` crate writes it.
const UNSET_XY: i32 = i32::MAX;

/// Re-reads a message payload as another dialect's type of the same message.
fn transcode<A: MessageData, B: MessageData>(item: &A) -> Result<B, ParserError> {
    let mut payload = [0u8; 255];
    let len = item.ser(MavlinkVersion::V2, &mut payload);
    B::deser(MavlinkVersion::V2, &payload[..len])
}

/// A received item as the stored (common) type. A command or frame that only the ArduPilot
/// dialect defines cannot be stored or flown here: MAV_MISSION_UNSUPPORTED(_FRAME).
pub fn to_common(item: &apm::MISSION_ITEM_INT_DATA) -> Result<common::MISSION_ITEM_INT_DATA, R> {
    transcode(item).map_err(|err| match err {
        ParserError::InvalidEnum {
            enum_type: "MavFrame", ..
        } => R::MAV_MISSION_UNSUPPORTED_FRAME,
        ParserError::InvalidEnum { .. } => R::MAV_MISSION_UNSUPPORTED,
        _ => R::MAV_MISSION_ERROR,
    })
}

/// A stored item as the ArduPilot-dialect wire type. The ArduPilot dialect includes common,
/// so this cannot fail for an item that `to_common` produced; MAV_MISSION_ERROR otherwise.
pub fn from_common(item: &common::MISSION_ITEM_INT_DATA) -> Result<apm::MISSION_ITEM_INT_DATA, R> {
    transcode(item).map_err(|_| R::MAV_MISSION_ERROR)
}

/// Scale between MISSION_ITEM's float x/y and MISSION_ITEM_INT's integers (MAVLink message
/// definition): degrees × 1e7 in global frames, unscaled in MAV_FRAME_MISSION, metres × 1e4
/// in local frames.
fn xy_scale(frame_no: u8) -> f64 {
    if frame::is_global(frame_no) {
        1e7
    } else if frame_no == frame::MISSION {
        1.0
    } else {
        1e4
    }
}

fn float_to_xy(value: f32, scale: f64, invalid: R) -> Result<i32, R> {
    if value.is_nan() {
        return Ok(UNSET_XY);
    }
    let scaled = (f64::from(value) * scale).round();
    if scaled.abs() < f64::from(i32::MAX) {
        Ok(scaled as i32)
    } else {
        Err(invalid)
    }
}

fn xy_to_float(value: i32, scale: f64) -> f32 {
    if value == UNSET_XY {
        f32::NAN
    } else {
        (f64::from(value) / scale) as f32
    }
}

/// A legacy MISSION_ITEM as MISSION_ITEM_INT, as ArduPilot converts it: latitude and longitude
/// must be in range (MAV_MISSION_INVALID_PARAM5_X / PARAM6_Y otherwise).
pub fn legacy_to_int(item: &apm::MISSION_ITEM_DATA) -> Result<apm::MISSION_ITEM_INT_DATA, R> {
    let frame_no = item.frame as u8;
    if frame::is_global(frame_no) {
        if !item.x.is_nan() && !(-90.0..=90.0).contains(&item.x) {
            return Err(R::MAV_MISSION_INVALID_PARAM5_X);
        }
        if !item.y.is_nan() && !(-180.0..=180.0).contains(&item.y) {
            return Err(R::MAV_MISSION_INVALID_PARAM6_Y);
        }
    }
    let scale = xy_scale(frame_no);
    Ok(apm::MISSION_ITEM_INT_DATA {
        param1: item.param1,
        param2: item.param2,
        param3: item.param3,
        param4: item.param4,
        x: float_to_xy(item.x, scale, R::MAV_MISSION_INVALID_PARAM5_X)?,
        y: float_to_xy(item.y, scale, R::MAV_MISSION_INVALID_PARAM6_Y)?,
        z: item.z,
        seq: item.seq,
        command: item.command,
        target_system: item.target_system,
        target_component: item.target_component,
        frame: item.frame,
        current: item.current,
        autocontinue: item.autocontinue,
        mission_type: item.mission_type,
    })
}

/// MISSION_ITEM_INT as a legacy MISSION_ITEM, for a peer that downloads with MISSION_REQUEST.
pub fn int_to_legacy(item: &apm::MISSION_ITEM_INT_DATA) -> apm::MISSION_ITEM_DATA {
    let scale = xy_scale(item.frame as u8);
    apm::MISSION_ITEM_DATA {
        param1: item.param1,
        param2: item.param2,
        param3: item.param3,
        param4: item.param4,
        x: xy_to_float(item.x, scale),
        y: xy_to_float(item.y, scale),
        z: item.z,
        seq: item.seq,
        command: item.command,
        target_system: item.target_system,
        target_component: item.target_component,
        frame: item.frame,
        current: item.current,
        autocontinue: item.autocontinue,
        mission_type: item.mission_type,
    }
}

/// The MAV_MISSION_RESULT that tells the uploader why the `mission` crate refused its list
/// (or one item): the most specific code MAVLink has, MAV_MISSION_INVALID when none fits.
pub fn result_for(err: &MavlinkItemError) -> R {
    match err {
        MavlinkItemError::UnknownCommand { .. } | MavlinkItemError::UnexpectedCommand { .. } => {
            R::MAV_MISSION_UNSUPPORTED
        }
        MavlinkItemError::UnknownFrame { .. } | MavlinkItemError::WrongFrame { .. } => R::MAV_MISSION_UNSUPPORTED_FRAME,
        MavlinkItemError::TooManyItems { .. } => R::MAV_MISSION_NO_SPACE,
        MavlinkItemError::OutOfSequence { .. } => R::MAV_MISSION_INVALID_SEQUENCE,
        MavlinkItemError::OutOfRange { what, .. } => match *what {
            "latitude" => R::MAV_MISSION_INVALID_PARAM5_X,
            "longitude" => R::MAV_MISSION_INVALID_PARAM6_Y,
            "circle radius" => R::MAV_MISSION_INVALID_PARAM1,
            "rally altitude" => R::MAV_MISSION_INVALID_PARAM7,
            _ => R::MAV_MISSION_INVALID,
        },
        MavlinkItemError::InclusionGroups { .. } => R::MAV_MISSION_INVALID_PARAM2,
        MavlinkItemError::WrongMissionType { .. }
        | MavlinkItemError::BadPolygon { .. }
        | MavlinkItemError::BadHome { .. } => R::MAV_MISSION_INVALID,
    }
}

/// Checks one received item on its own (any list): a command and frame of the common dialect,
/// and a latitude/longitude in range where the frame is global.
pub fn check_item(item: &apm::MISSION_ITEM_INT_DATA) -> Result<common::MISSION_ITEM_INT_DATA, R> {
    let common_item = to_common(item)?;
    item_int_to_raw(&common_item).map_err(|err| result_for(&err))?;
    Ok(common_item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use apm::{MavCmd, MavFrame, MavMissionType};

    fn legacy(frame: MavFrame, x: f32, y: f32) -> apm::MISSION_ITEM_DATA {
        apm::MISSION_ITEM_DATA {
            x,
            y,
            z: 30.0,
            seq: 4,
            command: MavCmd::MAV_CMD_NAV_WAYPOINT,
            frame,
            autocontinue: 1,
            ..Default::default()
        }
    }

    #[test]
    fn legacy_global_items_scale_by_1e7_and_back() {
        let item = legacy(MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT, 51.95, 4.14);
        let int = legacy_to_int(&item).unwrap();
        assert_eq!(int.x, (f64::from(51.95f32) * 1e7).round() as i32);
        assert_eq!(int.y, (f64::from(4.14f32) * 1e7).round() as i32);
        assert_eq!((int.seq, int.z, int.autocontinue), (4, 30.0, 1));
        let back = int_to_legacy(&int);
        assert!((back.x - 51.95).abs() < 1e-5 && (back.y - 4.14).abs() < 1e-5);
    }

    #[test]
    fn legacy_local_and_mission_frames_use_their_scales() {
        let local = legacy_to_int(&legacy(MavFrame::MAV_FRAME_LOCAL_NED, 12.5, -3.25)).unwrap();
        assert_eq!((local.x, local.y), (125_000, -32_500));
        let mission = legacy_to_int(&legacy(MavFrame::MAV_FRAME_MISSION, 7.0, 0.0)).unwrap();
        assert_eq!((mission.x, mission.y), (7, 0));
    }

    #[test]
    fn legacy_nan_position_is_the_unset_marker() {
        let int = legacy_to_int(&legacy(MavFrame::MAV_FRAME_GLOBAL, f32::NAN, f32::NAN)).unwrap();
        assert_eq!((int.x, int.y), (UNSET_XY, UNSET_XY));
        assert!(int_to_legacy(&int).x.is_nan());
    }

    #[test]
    fn legacy_out_of_range_latitude_and_longitude_are_refused() {
        let lat = legacy_to_int(&legacy(MavFrame::MAV_FRAME_GLOBAL, 91.0, 0.0));
        assert_eq!(lat.unwrap_err(), R::MAV_MISSION_INVALID_PARAM5_X);
        let lon = legacy_to_int(&legacy(MavFrame::MAV_FRAME_GLOBAL, 0.0, -181.0));
        assert_eq!(lon.unwrap_err(), R::MAV_MISSION_INVALID_PARAM6_Y);
    }

    #[test]
    fn common_round_trip_keeps_every_field() {
        let item = apm::MISSION_ITEM_INT_DATA {
            param1: 1.0,
            param2: 2.0,
            param3: 3.0,
            param4: f32::NAN,
            x: 519_500_000,
            y: 41_400_000,
            z: 25.0,
            seq: 9,
            command: MavCmd::MAV_CMD_NAV_LOITER_TURNS,
            target_system: 1,
            target_component: 1,
            frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
            current: 0,
            autocontinue: 1,
            mission_type: MavMissionType::MAV_MISSION_TYPE_MISSION,
        };
        let common_item = to_common(&item).unwrap();
        assert_eq!(common_item.command as u16, 18);
        assert_eq!(common_item.x, item.x);
        let back = from_common(&common_item).unwrap();
        assert_eq!(back.command, item.command);
        assert_eq!((back.x, back.y, back.z, back.seq), (item.x, item.y, item.z, item.seq));
        assert!(back.param4.is_nan());
    }

    #[test]
    fn ardupilot_only_commands_are_unsupported() {
        let item = apm::MISSION_ITEM_INT_DATA {
            command: MavCmd::MAV_CMD_DO_SEND_SCRIPT_MESSAGE,
            ..Default::default()
        };
        assert_eq!(to_common(&item).unwrap_err(), R::MAV_MISSION_UNSUPPORTED);
    }

    #[test]
    fn check_item_refuses_latitude_out_of_range() {
        let item = apm::MISSION_ITEM_INT_DATA {
            x: 950_000_000,
            frame: MavFrame::MAV_FRAME_GLOBAL_INT,
            command: MavCmd::MAV_CMD_NAV_WAYPOINT,
            ..Default::default()
        };
        assert_eq!(check_item(&item).unwrap_err(), R::MAV_MISSION_INVALID_PARAM5_X);
    }
}
