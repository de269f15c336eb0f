//! The plan model: mission items, surveys, fences and rally points, independent of any file or wire format.

use serde::{Deserialize, Serialize};

use crate::camera::Camera;
use crate::geodesy::{Geodetic, LatLon};

/// MAVLink frame numbers used by the model (MAV_FRAME).
pub mod frame {
    pub const GLOBAL: u8 = 0;
    pub const LOCAL_NED: u8 = 1;
    pub const MISSION: u8 = 2;
    pub const GLOBAL_RELATIVE_ALT: u8 = 3;
    pub const GLOBAL_INT: u8 = 5;
    pub const GLOBAL_RELATIVE_ALT_INT: u8 = 6;
    pub const GLOBAL_TERRAIN_ALT: u8 = 10;
    pub const GLOBAL_TERRAIN_ALT_INT: u8 = 11;

    /// Frames whose param5/param6 are latitude/longitude in degrees.
    pub fn is_global(frame: u8) -> bool {
        matches!(
            frame,
            GLOBAL
                | GLOBAL_RELATIVE_ALT
                | GLOBAL_INT
                | GLOBAL_RELATIVE_ALT_INT
                | GLOBAL_TERRAIN_ALT
                | GLOBAL_TERRAIN_ALT_INT
        )
    }
}

/// MAVLink command numbers used by the model (MAV_CMD).
pub mod cmd {
    pub const NAV_WAYPOINT: u16 = 16;
    pub const NAV_LOITER_TURNS: u16 = 18;
    pub const NAV_RETURN_TO_LAUNCH: u16 = 20;
    pub const NAV_LAND: u16 = 21;
    pub const NAV_TAKEOFF: u16 = 22;
    pub const DO_CHANGE_SPEED: u16 = 178;
    pub const DO_SET_CAM_TRIGG_DIST: u16 = 206;
    pub const NAV_FENCE_RETURN_POINT: u16 = 5000;
    pub const NAV_FENCE_POLYGON_VERTEX_INCLUSION: u16 = 5001;
    pub const NAV_FENCE_POLYGON_VERTEX_EXCLUSION: u16 = 5002;
    pub const NAV_FENCE_CIRCLE_INCLUSION: u16 = 5003;
    pub const NAV_FENCE_CIRCLE_EXCLUSION: u16 = 5004;
    pub const NAV_RALLY_POINT: u16 = 5100;
}

/// One step of a mission. Altitudes are metres above the home (take-off) point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MissionItem {
    /// Climb vertically to `alt_m`; `position` is where QGroundControl records the take-off.
    Takeoff { position: Option<LatLon>, alt_m: f64 },
    /// Fly to a point; `hold_s` seconds there; reached within `acceptance_radius_m` (0 = default).
    Waypoint {
        position: LatLon,
        alt_m: f64,
        hold_s: f64,
        acceptance_radius_m: f64,
    },
    /// Set the ground speed for the legs that follow.
    ChangeSpeed { speed_m_s: f64 },
    /// Trigger the camera every `distance_m` metres; 0 stops triggering.
    CameraTriggerDistance { distance_m: f64 },
    /// Circle `center` for `turns` turns of `radius_m`.
    LoiterTurns {
        center: LatLon,
        alt_m: f64,
        radius_m: f64,
        turns: f64,
        clockwise: bool,
    },
    /// Return to the launch point (or the nearest rally point) and land.
    ReturnToLaunch,
    /// Land at a point, or where the vehicle is when `position` is None.
    Land { position: Option<LatLon> },
    /// A command this model does not interpret, kept verbatim so nothing is lost.
    Other(RawItem),
}

/// A mission item in MAVLink terms: the form every file and wire format converts through.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawItem {
    pub command: u16,
    pub frame: u8,
    /// param1..param7; for global frames param5/param6 are latitude/longitude in degrees.
    /// NaN means "unset" (QGroundControl writes it as null).
    pub params: [f64; 7],
    pub autocontinue: bool,
}

impl PartialEq for RawItem {
    /// NaN params are equal to each other: they mean "unset", not "unknown".
    fn eq(&self, other: &Self) -> bool {
        self.command == other.command
            && self.frame == other.frame
            && self.autocontinue == other.autocontinue
            && self
                .params
                .iter()
                .zip(other.params.iter())
                .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()))
    }
}

impl MissionItem {
    pub fn waypoint(position: LatLon, alt_m: f64) -> Self {
        MissionItem::Waypoint {
            position,
            alt_m,
            hold_s: 0.0,
            acceptance_radius_m: 0.0,
        }
    }

    /// The position this item flies to, if it flies anywhere.
    pub fn target(&self) -> Option<(LatLon, f64)> {
        match self {
            MissionItem::Waypoint { position, alt_m, .. } => Some((*position, *alt_m)),
            MissionItem::LoiterTurns { center, alt_m, .. } => Some((*center, *alt_m)),
            MissionItem::Other(raw) if frame::is_global(raw.frame) && raw.params[4] != 0.0 => {
                Some((LatLon::new(raw.params[4], raw.params[5]), raw.params[6]))
            }
            _ => None,
        }
    }

    /// A short human name, for reports and error messages.
    pub fn describe(&self) -> String {
        match self {
            MissionItem::Takeoff { alt_m, .. } => format!("take-off to {alt_m:.0} m"),
            MissionItem::Waypoint { position, alt_m, .. } => {
                format!("waypoint {:.6},{:.6} at {alt_m:.0} m", position.lat, position.lon)
            }
            MissionItem::ChangeSpeed { speed_m_s } => format!("speed {speed_m_s:.1} m/s"),
            MissionItem::CameraTriggerDistance { distance_m } => {
                format!("camera trigger every {distance_m:.1} m")
            }
            MissionItem::LoiterTurns {
                center,
                radius_m,
                turns,
                ..
            } => format!("orbit {:.6},{:.6} r={radius_m:.0} m × {turns}", center.lat, center.lon),
            MissionItem::ReturnToLaunch => "return to launch".into(),
            MissionItem::Land { .. } => "land".into(),
            MissionItem::Other(raw) => format!("MAV_CMD {}", raw.command),
        }
    }
}

/// A survey of a polygon: its parameters and the items that fly it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyElement {
    /// Outline of the surveyed area (QGroundControl keeps a single ring, no holes).
    pub polygon: Vec<LatLon>,
    /// Lane direction, degrees clockwise from north.
    pub angle_deg: f64,
    /// Flight altitude above home, metres.
    pub alt_m: f64,
    pub camera: Camera,
    pub front_overlap_pct: f64,
    pub side_overlap_pct: f64,
    pub lane_spacing_m: f64,
    pub trigger_distance_m: f64,
    pub turnaround_m: f64,
    pub fly_alternate_transects: bool,
    /// The items that fly the survey (waypoints with camera trigger commands).
    pub items: Vec<MissionItem>,
    /// Format-specific fields this model does not interpret, kept for lossless round trips.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// An element of a plan that this model cannot interpret (an unknown complex item),
/// kept whole so that it is exported again unchanged, and reported on import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForeignElement {
    /// What the source called it, e.g. "CorridorScan".
    pub kind: String,
    /// The element exactly as read.
    pub json: serde_json::Value,
    /// The mission items it flies, when the source spelled them out.
    pub items: Vec<MissionItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "element", rename_all = "snake_case")]
pub enum PlanElement {
    Item(MissionItem),
    Survey(SurveyElement),
    Foreign(ForeignElement),
}

impl PlanElement {
    pub fn items(&self) -> &[MissionItem] {
        match self {
            PlanElement::Item(item) => std::slice::from_ref(item),
            PlanElement::Survey(s) => &s.items,
            PlanElement::Foreign(f) => &f.items,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FencePolygon {
    pub inclusion: bool,
    pub vertices: Vec<LatLon>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FenceCircle {
    pub inclusion: bool,
    pub center: LatLon,
    pub radius_m: f64,
}

/// Geofence: the vehicle must stay inside every inclusion and outside every exclusion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GeoFence {
    pub polygons: Vec<FencePolygon>,
    pub circles: Vec<FenceCircle>,
    /// Altitude ceiling above home, metres (ArduPilot's FENCE_ALT_MAX).
    pub max_alt_m: Option<f64>,
    /// Where to go on a breach instead of home (MAV_CMD_NAV_FENCE_RETURN_POINT, QGroundControl's
    /// `breachReturn`); altitude above home.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breach_return: Option<(LatLon, f64)>,
}

impl GeoFence {
    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty() && self.circles.is_empty() && self.max_alt_m.is_none() && self.breach_return.is_none()
    }
}

/// A safe place to return to instead of home. Altitude above home, metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RallyPoint {
    pub position: LatLon,
    pub alt_m: f64,
}

/// Vehicle class, as QGroundControl and MAVLink name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VehicleType {
    #[default]
    Multirotor,
    FixedWing,
}

/// A whole plan: what to fly, where not to, and where to go when things go wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Planned home (launch) position; altitude above mean sea level.
    pub home: Geodetic,
    pub vehicle: VehicleType,
    pub cruise_speed_m_s: f64,
    pub hover_speed_m_s: f64,
    pub elements: Vec<PlanElement>,
    pub fence: GeoFence,
    pub rally: Vec<RallyPoint>,
}

impl Plan {
    pub fn new(home: Geodetic) -> Self {
        Self {
            home,
            vehicle: VehicleType::Multirotor,
            cruise_speed_m_s: 15.0,
            hover_speed_m_s: 5.0,
            elements: Vec::new(),
            fence: GeoFence::default(),
            rally: Vec::new(),
        }
    }

    /// Every mission item in flight order, with surveys and foreign elements expanded.
    pub fn mission_items(&self) -> Vec<MissionItem> {
        self.elements.iter().flat_map(|e| e.items().iter().cloned()).collect()
    }
}

const NAN: f64 = f64::NAN;

impl MissionItem {
    /// The item in MAVLink terms (command, frame, seven params).
    pub fn to_raw(&self) -> RawItem {
        let (command, frame_no, params) = match *self {
            MissionItem::Takeoff { position, alt_m } => {
                let p = position.unwrap_or(LatLon::new(0.0, 0.0));
                (
                    cmd::NAV_TAKEOFF,
                    frame::GLOBAL_RELATIVE_ALT,
                    [0.0, 0.0, 0.0, NAN, p.lat, p.lon, alt_m],
                )
            }
            MissionItem::Waypoint {
                position,
                alt_m,
                hold_s,
                acceptance_radius_m,
            } => (
                cmd::NAV_WAYPOINT,
                frame::GLOBAL_RELATIVE_ALT,
                [hold_s, acceptance_radius_m, 0.0, NAN, position.lat, position.lon, alt_m],
            ),
            MissionItem::ChangeSpeed { speed_m_s } => (
                cmd::DO_CHANGE_SPEED,
                frame::MISSION,
                [1.0, speed_m_s, -1.0, 0.0, 0.0, 0.0, 0.0],
            ),
            MissionItem::CameraTriggerDistance { distance_m } => (
                cmd::DO_SET_CAM_TRIGG_DIST,
                frame::MISSION,
                [distance_m, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            ),
            MissionItem::LoiterTurns {
                center,
                alt_m,
                radius_m,
                turns,
                clockwise,
            } => {
                let signed = if clockwise { radius_m.abs() } else { -radius_m.abs() };
                (
                    cmd::NAV_LOITER_TURNS,
                    frame::GLOBAL_RELATIVE_ALT,
                    [turns, 0.0, signed, 0.0, center.lat, center.lon, alt_m],
                )
            }
            MissionItem::ReturnToLaunch => (cmd::NAV_RETURN_TO_LAUNCH, frame::MISSION, [0.0; 7]),
            MissionItem::Land { position } => {
                let p = position.unwrap_or(LatLon::new(0.0, 0.0));
                (
                    cmd::NAV_LAND,
                    frame::GLOBAL_RELATIVE_ALT,
                    [0.0, 0.0, 0.0, NAN, p.lat, p.lon, 0.0],
                )
            }
            MissionItem::Other(ref raw) => return raw.clone(),
        };
        RawItem {
            command,
            frame: frame_no,
            params,
            autocontinue: true,
        }
    }

    /// The typed item for a raw one when the typed form re-encodes to exactly the same raw
    /// item; anything else stays [`MissionItem::Other`], so conversions never lose a field.
    pub fn from_raw(raw: RawItem) -> MissionItem {
        let p = raw.params;
        let pos = LatLon::new(p[4], p[5]);
        let optional_pos = (p[4] != 0.0 || p[5] != 0.0).then_some(pos);
        let candidate = match (raw.command, raw.frame) {
            (cmd::NAV_TAKEOFF, frame::GLOBAL_RELATIVE_ALT) => Some(MissionItem::Takeoff {
                position: optional_pos,
                alt_m: p[6],
            }),
            (cmd::NAV_WAYPOINT, frame::GLOBAL_RELATIVE_ALT) => Some(MissionItem::Waypoint {
                position: pos,
                alt_m: p[6],
                hold_s: p[0],
                acceptance_radius_m: p[1],
            }),
            (cmd::DO_CHANGE_SPEED, frame::MISSION) => Some(MissionItem::ChangeSpeed { speed_m_s: p[1] }),
            (cmd::DO_SET_CAM_TRIGG_DIST, frame::MISSION) => {
                Some(MissionItem::CameraTriggerDistance { distance_m: p[0] })
            }
            (cmd::NAV_LOITER_TURNS, frame::GLOBAL_RELATIVE_ALT) => Some(MissionItem::LoiterTurns {
                center: pos,
                alt_m: p[6],
                radius_m: p[2].abs(),
                turns: p[0],
                clockwise: p[2] >= 0.0,
            }),
            (cmd::NAV_RETURN_TO_LAUNCH, frame::MISSION) => Some(MissionItem::ReturnToLaunch),
            (cmd::NAV_LAND, frame::GLOBAL_RELATIVE_ALT) => Some(MissionItem::Land { position: optional_pos }),
            _ => None,
        };
        match candidate {
            // `item == item` is false when a typed field is NaN; such items stay raw so that
            // typed plans compare equal after a round trip.
            #[allow(clippy::eq_op)]
            Some(item) if item == item && item.to_raw() == raw => item,
            _ => MissionItem::Other(raw),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn typed_items() -> impl Strategy<Value = MissionItem> {
        let pos = (-80.0..80.0f64, -179.0..179.0f64).prop_map(|(lat, lon)| LatLon::new(lat, lon));
        prop_oneof![
            (proptest::option::of(pos.clone()), 1.0..500.0f64)
                .prop_map(|(position, alt_m)| MissionItem::Takeoff { position, alt_m }),
            (pos.clone(), 1.0..500.0f64, 0.0..60.0f64, 0.0..20.0f64).prop_map(|(position, alt_m, hold_s, a)| {
                MissionItem::Waypoint {
                    position,
                    alt_m,
                    hold_s,
                    acceptance_radius_m: a,
                }
            }),
            (0.5..30.0f64).prop_map(|speed_m_s| MissionItem::ChangeSpeed { speed_m_s }),
            (0.0..100.0f64).prop_map(|distance_m| MissionItem::CameraTriggerDistance { distance_m }),
            (pos.clone(), 1.0..500.0f64, 5.0..500.0f64, 0.5..10.0f64, any::<bool>()).prop_map(
                |(center, alt_m, radius_m, turns, clockwise)| MissionItem::LoiterTurns {
                    center,
                    alt_m,
                    radius_m,
                    turns,
                    clockwise
                }
            ),
            Just(MissionItem::ReturnToLaunch),
            proptest::option::of(pos).prop_map(|position| MissionItem::Land { position }),
        ]
    }

    proptest! {
        #[test]
        fn typed_items_survive_raw_round_trip(item in typed_items()) {
            prop_assert_eq!(MissionItem::from_raw(item.to_raw()), item);
        }

        #[test]
        fn raw_items_survive_typed_round_trip(
            command in prop_oneof![Just(16u16), Just(18), Just(20), Just(21), Just(22), Just(178), Just(206), 0u16..6000],
            frame_no in prop_oneof![Just(2u8), Just(3), 0u8..12],
            params in proptest::array::uniform7(prop_oneof![Just(0.0f64), Just(f64::NAN), -100.0..100.0f64]),
            autocontinue in any::<bool>(),
        ) {
            let raw = RawItem { command, frame: frame_no, params, autocontinue };
            prop_assert_eq!(MissionItem::from_raw(raw.clone()).to_raw(), raw);
        }
    }
}
