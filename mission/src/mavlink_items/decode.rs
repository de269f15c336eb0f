//! `MISSION_ITEM_INT` lists back to plan items, fences and rally points, with validation.

use mavlink::dialects::common::MavMissionType;

use super::{MISSION_ITEM_INT_DATA, MavlinkItemError, check_lat_lon, from_xy, xy_scale};
use crate::geodesy::{Geodetic, LatLon};
use crate::plan::{FenceCircle, FencePolygon, GeoFence, MissionItem, RallyPoint, RawItem, cmd, frame};

/// A mission list as (home, items). With `home_item` (ArduPilot) seq 0 is read as the home
/// position (altitude above mean sea level); an empty list has no home. Items go through
/// [`MissionItem::from_raw`], so commands the model does not type stay [`MissionItem::Other`].
pub fn decode_mission(
    items: &[MISSION_ITEM_INT_DATA],
    home_item: bool,
) -> Result<(Option<Geodetic>, Vec<MissionItem>), MavlinkItemError> {
    check_list(items, MavMissionType::MAV_MISSION_TYPE_MISSION)?;
    let mut raws = items.iter().map(item_int_to_raw).collect::<Result<Vec<_>, _>>()?;
    let home = if home_item && !raws.is_empty() {
        Some(home_from_raw(&raws.remove(0))?)
    } else {
        None
    };
    Ok((home, raws.into_iter().map(MissionItem::from_raw).collect()))
}

/// A fence list. [`GeoFence::max_alt_m`] is always None: the ceiling is a parameter.
pub fn decode_fence(items: &[MISSION_ITEM_INT_DATA]) -> Result<GeoFence, MavlinkItemError> {
    check_list(items, MavMissionType::MAV_MISSION_TYPE_FENCE)?;
    let mut fence = GeoFence::default();
    // (seq of the first inclusion polygon, its group)
    let mut inclusion_group: Option<(u16, f32)> = None;
    let mut index = 0;
    while let Some(item) = items.get(index) {
        let command = item.command as u16;
        match command {
            cmd::NAV_FENCE_POLYGON_VERTEX_INCLUSION | cmd::NAV_FENCE_POLYGON_VERTEX_EXCLUSION => {
                let polygon = decode_polygon(&items[index..])?;
                if polygon.inclusion {
                    let found = item.param2;
                    match inclusion_group {
                        None => inclusion_group = Some((item.seq, found)),
                        Some((first, expected)) if !same(expected, found) => {
                            return Err(MavlinkItemError::InclusionGroups {
                                seq: item.seq,
                                first,
                                expected,
                                found,
                            });
                        }
                        Some(_) => {}
                    }
                }
                index += polygon.vertices.len();
                fence.polygons.push(polygon);
            }
            cmd::NAV_FENCE_CIRCLE_INCLUSION | cmd::NAV_FENCE_CIRCLE_EXCLUSION => {
                let center = global_position(item, "fence")?;
                let radius_m = f64::from(item.param1);
                if !(radius_m.is_finite() && radius_m > 0.0) {
                    return Err(MavlinkItemError::OutOfRange {
                        seq: item.seq,
                        what: "circle radius",
                        value: radius_m,
                    });
                }
                fence.circles.push(FenceCircle {
                    inclusion: command == cmd::NAV_FENCE_CIRCLE_INCLUSION,
                    center,
                    radius_m,
                });
                index += 1;
            }
            // ArduPilot keeps one breach return point in the fence list (MAVProxy's classic
            // fence files start with it).
            cmd::NAV_FENCE_RETURN_POINT if fence.breach_return.is_none() => {
                let at = global_position(item, "fence")?;
                fence.breach_return = Some((at, f64::from(item.z)));
                index += 1;
            }
            _ => {
                return Err(MavlinkItemError::UnexpectedCommand {
                    seq: item.seq,
                    command,
                    list: "fence",
                });
            }
        }
    }
    Ok(fence)
}

/// A rally list: `NAV_RALLY_POINT` items with altitudes relative to home.
pub fn decode_rally(items: &[MISSION_ITEM_INT_DATA]) -> Result<Vec<RallyPoint>, MavlinkItemError> {
    check_list(items, MavMissionType::MAV_MISSION_TYPE_RALLY)?;
    items
        .iter()
        .map(|item| {
            let command = item.command as u16;
            if command != cmd::NAV_RALLY_POINT {
                return Err(MavlinkItemError::UnexpectedCommand {
                    seq: item.seq,
                    command,
                    list: "rally",
                });
            }
            let frame_no = item.frame as u8;
            // RallyPoint altitudes are above home; an AMSL or terrain frame would need a
            // conversion this module cannot make.
            if !matches!(frame_no, frame::GLOBAL_RELATIVE_ALT | frame::GLOBAL_RELATIVE_ALT_INT) {
                return Err(MavlinkItemError::WrongFrame {
                    seq: item.seq,
                    command,
                    frame: frame_no,
                    list: "rally",
                    needed: "a relative-altitude global frame",
                });
            }
            let position = global_position(item, "rally")?;
            let alt_m = f64::from(item.z);
            if !alt_m.is_finite() {
                return Err(MavlinkItemError::OutOfRange {
                    seq: item.seq,
                    what: "rally altitude",
                    value: alt_m,
                });
            }
            Ok(RallyPoint { position, alt_m })
        })
        .collect()
}

/// One wire item as a raw item: x/y unscaled by frame, f32 params widened, global
/// coordinates range-checked.
pub fn item_int_to_raw(item: &MISSION_ITEM_INT_DATA) -> Result<RawItem, MavlinkItemError> {
    let frame_no = item.frame as u8;
    let scale = xy_scale(frame_no);
    let (x, y) = (from_xy(item.x, scale), from_xy(item.y, scale));
    if frame::is_global(frame_no) {
        check_lat_lon(item.seq, x, y)?;
    }
    Ok(RawItem {
        command: item.command as u16,
        frame: frame_no,
        params: [
            f64::from(item.param1),
            f64::from(item.param2),
            f64::from(item.param3),
            f64::from(item.param4),
            x,
            y,
            f64::from(item.z),
        ],
        autocontinue: item.autocontinue != 0,
    })
}

/// Seq must run 0..n in order and every item must belong to the list being read.
fn check_list(items: &[MISSION_ITEM_INT_DATA], expected: MavMissionType) -> Result<(), MavlinkItemError> {
    if items.len() > usize::from(u16::MAX) {
        return Err(MavlinkItemError::TooManyItems { count: items.len() });
    }
    for (index, item) in items.iter().enumerate() {
        if usize::from(item.seq) != index {
            return Err(MavlinkItemError::OutOfSequence { index, seq: item.seq });
        }
        if item.mission_type != expected {
            return Err(MavlinkItemError::WrongMissionType {
                seq: item.seq,
                expected,
                found: item.mission_type,
            });
        }
    }
    Ok(())
}

fn home_from_raw(raw: &RawItem) -> Result<Geodetic, MavlinkItemError> {
    let amsl = matches!(raw.frame, frame::GLOBAL | frame::GLOBAL_INT);
    let p = &raw.params;
    if raw.command != cmd::NAV_WAYPOINT || !amsl || p[4].is_nan() || p[5].is_nan() {
        return Err(MavlinkItemError::BadHome {
            command: raw.command,
            frame: raw.frame,
        });
    }
    Ok(Geodetic::new(p[4], p[5], p[6]))
}

/// The polygon whose first vertex is `items[0]`: its vertex count must be at least 3, fit in
/// the list, and be repeated (with the same command and group) by every one of its vertices.
fn decode_polygon(items: &[MISSION_ITEM_INT_DATA]) -> Result<FencePolygon, MavlinkItemError> {
    let first = &items[0];
    let start = first.seq;
    let command = first.command;
    let declared = first.param1;
    let bad = |seq: u16, problem: String| MavlinkItemError::BadPolygon { seq, start, problem };
    if !(declared.is_finite() && declared.fract() == 0.0 && declared >= 3.0) {
        return Err(bad(
            start,
            format!("vertex count {declared}; a polygon needs a whole number of at least 3"),
        ));
    }
    let count = declared as usize;
    if count > items.len() {
        return Err(bad(
            start,
            format!("declares {count} vertices but the list ends after {}", items.len()),
        ));
    }
    let mut vertices = Vec::with_capacity(count);
    for item in &items[..count] {
        if item.command != command || !same(item.param1, declared) || !same(item.param2, first.param2) {
            return Err(bad(
                item.seq,
                format!(
                    "vertex is MAV_CMD {} with count {} and group {}; the polygon's first vertex \
                     is MAV_CMD {} with count {count} and group {}",
                    item.command as u16, item.param1, item.param2, command as u16, first.param2
                ),
            ));
        }
        vertices.push(global_position(item, "fence")?);
    }
    Ok(FencePolygon {
        inclusion: command as u16 == cmd::NAV_FENCE_POLYGON_VERTEX_INCLUSION,
        vertices,
    })
}

/// The position of a fence or rally item: it must be in a global frame and set.
fn global_position(item: &MISSION_ITEM_INT_DATA, list: &'static str) -> Result<LatLon, MavlinkItemError> {
    let raw = item_int_to_raw(item)?;
    if !frame::is_global(raw.frame) {
        return Err(MavlinkItemError::WrongFrame {
            seq: item.seq,
            command: raw.command,
            frame: raw.frame,
            list,
            needed: "a global frame",
        });
    }
    let position = LatLon::new(raw.params[4], raw.params[5]);
    if !position.is_valid() {
        let (what, value) = if position.lat.is_nan() {
            ("latitude", position.lat)
        } else {
            ("longitude", position.lon)
        };
        return Err(MavlinkItemError::OutOfRange {
            seq: item.seq,
            what,
            value,
        });
    }
    Ok(position)
}

/// f32 equality where NaN equals NaN (an unset group on every vertex is consistent).
fn same(a: f32, b: f32) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}
