//! Plan, fence and rally points to `MISSION_ITEM_INT` lists.

use mavlink::dialects::common::MavMissionType;

use super::{
    EncodeOptions, MISSION_ITEM_INT_DATA, MavlinkItemError, check_lat_lon, mav_cmd, mav_frame, raw, to_xy, xy_scale,
};
use crate::geodesy::LatLon;
use crate::plan::{GeoFence, MissionItem, Plan, RallyPoint, RawItem, cmd, frame};

/// The plan's mission list: the home item first when `opts.home_item`, then every item of
/// [`Plan::mission_items`] in flight order.
pub fn encode_mission(plan: &Plan, opts: &EncodeOptions) -> Result<Vec<MISSION_ITEM_INT_DATA>, MavlinkItemError> {
    let mut raws = Vec::new();
    if opts.home_item {
        let home = plan.home;
        // A NaN home would go out as "unset"; the vehicle needs a real one.
        check_position(0, home.horizontal())?;
        check_finite(0, "home altitude", home.alt)?;
        raws.push(raw(
            cmd::NAV_WAYPOINT,
            frame::GLOBAL,
            [0.0, 0.0, 0.0, 0.0, home.lat, home.lon, home.alt],
        ));
    }
    raws.extend(plan.mission_items().iter().map(MissionItem::to_raw));
    encode_list(&raws, MavMissionType::MAV_MISSION_TYPE_MISSION, opts)
}

/// The fence list: every polygon's vertices in order, then the circles.
/// [`GeoFence::max_alt_m`] is a parameter (`FENCE_ALT_MAX`), not an item, and is not written.
pub fn encode_fence(fence: &GeoFence, opts: &EncodeOptions) -> Result<Vec<MISSION_ITEM_INT_DATA>, MavlinkItemError> {
    // All inclusion polygons share one group: see the module documentation.
    const INCLUSION_GROUP: f64 = 0.0;
    let mut raws = Vec::new();
    if let Some((at, alt)) = fence.breach_return {
        check_position(0, at)?;
        raws.push(raw(
            cmd::NAV_FENCE_RETURN_POINT,
            frame::GLOBAL_RELATIVE_ALT,
            [0.0, 0.0, 0.0, 0.0, at.lat, at.lon, alt],
        ));
    }
    for polygon in &fence.polygons {
        let start = seq_of(raws.len());
        if polygon.vertices.len() < 3 {
            return Err(MavlinkItemError::BadPolygon {
                seq: start,
                start,
                problem: format!("{} vertices; a polygon needs at least 3", polygon.vertices.len()),
            });
        }
        let (command, group) = if polygon.inclusion {
            (cmd::NAV_FENCE_POLYGON_VERTEX_INCLUSION, INCLUSION_GROUP)
        } else {
            (cmd::NAV_FENCE_POLYGON_VERTEX_EXCLUSION, 0.0)
        };
        let count = polygon.vertices.len() as f64;
        for vertex in &polygon.vertices {
            check_position(seq_of(raws.len()), *vertex)?;
            raws.push(raw(
                command,
                frame::GLOBAL,
                [count, group, 0.0, 0.0, vertex.lat, vertex.lon, 0.0],
            ));
        }
    }
    for circle in &fence.circles {
        let seq = seq_of(raws.len());
        check_position(seq, circle.center)?;
        if !(circle.radius_m.is_finite() && circle.radius_m > 0.0) {
            return Err(MavlinkItemError::OutOfRange {
                seq,
                what: "circle radius",
                value: circle.radius_m,
            });
        }
        let command = if circle.inclusion {
            cmd::NAV_FENCE_CIRCLE_INCLUSION
        } else {
            cmd::NAV_FENCE_CIRCLE_EXCLUSION
        };
        raws.push(raw(
            command,
            frame::GLOBAL,
            [
                circle.radius_m,
                0.0,
                0.0,
                0.0,
                circle.center.lat,
                circle.center.lon,
                0.0,
            ],
        ));
    }
    encode_list(&raws, MavMissionType::MAV_MISSION_TYPE_FENCE, opts)
}

/// The rally list: one `NAV_RALLY_POINT` per point, altitude above home.
pub fn encode_rally(
    points: &[RallyPoint],
    opts: &EncodeOptions,
) -> Result<Vec<MISSION_ITEM_INT_DATA>, MavlinkItemError> {
    let mut raws = Vec::with_capacity(points.len());
    for point in points {
        let seq = seq_of(raws.len());
        check_position(seq, point.position)?;
        check_finite(seq, "rally altitude", point.alt_m)?;
        raws.push(raw(
            cmd::NAV_RALLY_POINT,
            frame::GLOBAL_RELATIVE_ALT,
            [0.0, 0.0, 0.0, 0.0, point.position.lat, point.position.lon, point.alt_m],
        ));
    }
    encode_list(&raws, MavMissionType::MAV_MISSION_TYPE_RALLY, opts)
}

/// One raw item as the wire struct, numbered `seq` in a list of `mission_type`.
pub fn raw_to_item_int(
    raw: &RawItem,
    seq: u16,
    mission_type: MavMissionType,
    opts: &EncodeOptions,
) -> Result<MISSION_ITEM_INT_DATA, MavlinkItemError> {
    let command = mav_cmd(raw.command).ok_or(MavlinkItemError::UnknownCommand {
        seq,
        command: raw.command,
    })?;
    let frame_enum = mav_frame(raw.frame).ok_or(MavlinkItemError::UnknownFrame { seq, frame: raw.frame })?;
    let p = &raw.params;
    let global = frame::is_global(raw.frame);
    if global {
        check_lat_lon(seq, p[4], p[5])?;
    }
    let scale = xy_scale(raw.frame);
    let (x_name, y_name) = if global {
        ("latitude", "longitude")
    } else {
        ("param5 (x)", "param6 (y)")
    };
    Ok(MISSION_ITEM_INT_DATA {
        param1: p[0] as f32,
        param2: p[1] as f32,
        param3: p[2] as f32,
        param4: p[3] as f32,
        x: to_xy(p[4], scale, seq, x_name)?,
        y: to_xy(p[5], scale, seq, y_name)?,
        z: p[6] as f32,
        seq,
        command,
        target_system: opts.target_system,
        target_component: opts.target_component,
        frame: frame_enum,
        // The vehicle decides which item is current; an upload never sets it.
        current: 0,
        autocontinue: u8::from(raw.autocontinue),
        mission_type,
    })
}

fn encode_list(
    raws: &[RawItem],
    mission_type: MavMissionType,
    opts: &EncodeOptions,
) -> Result<Vec<MISSION_ITEM_INT_DATA>, MavlinkItemError> {
    // MISSION_COUNT.count is a u16.
    if u16::try_from(raws.len()).is_err() {
        return Err(MavlinkItemError::TooManyItems { count: raws.len() });
    }
    (0u16..)
        .zip(raws)
        .map(|(seq, raw)| raw_to_item_int(raw, seq, mission_type, opts))
        .collect()
}

/// The seq an item at `index` will get; oversized lists fail later in `encode_list`.
fn seq_of(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// Positions of fence vertices, circles, rally points and home must be real: NaN here would
/// travel as "unset" and mean something else entirely.
fn check_position(seq: u16, p: LatLon) -> Result<(), MavlinkItemError> {
    if p.lat.is_nan() || p.lon.is_nan() {
        let (what, value) = if p.lat.is_nan() {
            ("latitude", p.lat)
        } else {
            ("longitude", p.lon)
        };
        return Err(MavlinkItemError::OutOfRange { seq, what, value });
    }
    check_lat_lon(seq, p.lat, p.lon)
}

fn check_finite(seq: u16, what: &'static str, value: f64) -> Result<(), MavlinkItemError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(MavlinkItemError::OutOfRange { seq, what, value })
    }
}
