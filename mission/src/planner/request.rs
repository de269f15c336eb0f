//! What an officer asks for: a pattern over the port and the flight options, as plain serde
//! types that the CLI builds from its arguments and the station's API reads from JSON.

use serde::{Deserialize, Serialize};

use super::PlannerError;
use crate::endurance::EnergyModel;
use crate::geodesy::LatLon;

/// Defaults shared by the JSON form and the CLI (the CLI keeps its own camera default).
pub mod defaults {
    /// The camera a request without one plans for (the fleet's DJI Mavic 3 Enterprise).
    pub const CAMERA: &str = "dji-m3e";
    pub const FRONT_OVERLAP_PCT: f64 = 75.0;
    pub const SIDE_OVERLAP_PCT: f64 = 65.0;
    pub const TURNAROUND_M: f64 = 10.0;
    /// Distance a survey keeps from fences and exclusion zones.
    pub const FENCE_MARGIN_M: f64 = 5.0;
    /// Distance a perimeter patrol flies inside the boundary.
    pub const PERIMETER_MARGIN_M: f64 = 30.0;
    pub const LAPS: u32 = 1;
    pub const ORBIT_RADIUS_M: f64 = 80.0;
    pub const ORBIT_TURNS: u32 = 2;
    pub const ALTITUDE_M: f64 = 60.0;
    pub const SPEED_M_S: f64 = 10.0;
}

/// The shape of a mission. In JSON the variant is the `kind` field:
/// `{"kind":"survey","area":"Outer Anchorage"}`; unknown fields are refused by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Pattern {
    /// Lawnmower survey of an area with a camera.
    Survey {
        /// A zone of the port (or an area the context was given besides its zones).
        area: String,
        /// A camera preset or "sensor_w_mm,sensor_h_mm,image_w_px,image_h_px,focal_mm".
        #[serde(default = "default_camera")]
        camera: String,
        /// Ground sample distance wanted, cm/px: sets the altitude instead of `flight.altitude_m`.
        #[serde(default)]
        gsd_cm: Option<f64>,
        #[serde(default = "default_front_overlap")]
        front_overlap_pct: f64,
        #[serde(default = "default_side_overlap")]
        side_overlap_pct: f64,
        /// Lane bearing, degrees; None picks the one that gives the shortest flight.
        #[serde(default)]
        angle_deg: Option<f64>,
        /// Straight run past each lane end, metres.
        #[serde(default = "default_turnaround")]
        turnaround_m: f64,
        /// Distance kept from fences and exclusion zones, metres.
        #[serde(default = "default_fence_margin")]
        fence_margin_m: f64,
    },
    /// Patrol of an area's boundary, offset inward and around exclusion zones.
    Perimeter {
        area: String,
        #[serde(default = "default_laps")]
        laps: u32,
        /// Distance inside the boundary, metres.
        #[serde(default = "default_perimeter_margin")]
        margin_m: f64,
        #[serde(default = "yes")]
        clockwise: bool,
    },
    /// Orbit of a point or of a site of the scenario (a vessel).
    Orbit {
        target: Target,
        #[serde(default = "default_radius")]
        radius_m: f64,
        #[serde(default = "default_turns")]
        turns: u32,
        #[serde(default = "yes")]
        clockwise: bool,
    },
    /// A list of waypoints; with `avoid`, legs that would cross a fence detour around it.
    Route {
        waypoints: Vec<LatLon>,
        #[serde(default = "yes")]
        avoid: bool,
    },
}

impl Pattern {
    /// A survey of `area` with every other field at its default.
    pub fn survey(area: impl Into<String>) -> Self {
        Pattern::Survey {
            area: area.into(),
            camera: default_camera(),
            gsd_cm: None,
            front_overlap_pct: defaults::FRONT_OVERLAP_PCT,
            side_overlap_pct: defaults::SIDE_OVERLAP_PCT,
            angle_deg: None,
            turnaround_m: defaults::TURNAROUND_M,
            fence_margin_m: defaults::FENCE_MARGIN_M,
        }
    }

    /// A perimeter patrol of `area` with every other field at its default.
    pub fn perimeter(area: impl Into<String>) -> Self {
        Pattern::Perimeter {
            area: area.into(),
            laps: defaults::LAPS,
            margin_m: defaults::PERIMETER_MARGIN_M,
            clockwise: true,
        }
    }

    /// An orbit of `target` with every other field at its default.
    pub fn orbit(target: Target) -> Self {
        Pattern::Orbit {
            target,
            radius_m: defaults::ORBIT_RADIUS_M,
            turns: defaults::ORBIT_TURNS,
            clockwise: true,
        }
    }
}

/// What an orbit circles. In JSON: a site's name (`"MT Nordic Pearl"`) or `{"lat":..,"lon":..}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Target {
    /// A site of the scenario (a vessel, a container stack...) by name, case ignored.
    Site(String),
    Point(LatLon),
}

/// How the mission is flown, whatever its pattern. Every field may be left out of the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlightOptions {
    /// Flight altitude above take-off, metres.
    pub altitude_m: f64,
    /// Cruise speed, m/s.
    pub speed_m_s: f64,
    /// Battery energy, Wh (what may be used is this less the reserve).
    pub battery_wh: f64,
    /// Share of the battery kept for landing, %.
    pub reserve_pct: f64,
}

impl Default for FlightOptions {
    fn default() -> Self {
        let model = EnergyModel::default();
        Self {
            altitude_m: defaults::ALTITUDE_M,
            speed_m_s: defaults::SPEED_M_S,
            battery_wh: model.battery_wh,
            reserve_pct: model.reserve_pct,
        }
    }
}

impl FlightOptions {
    /// The default airframe with this battery and reserve.
    pub fn energy_model(&self) -> EnergyModel {
        EnergyModel {
            battery_wh: self.battery_wh,
            reserve_pct: self.reserve_pct,
            ..EnergyModel::default()
        }
    }

    /// Numbers no plan can be made with (not unsafe plans: those are validation problems).
    pub fn check(&self) -> Result<(), PlannerError> {
        positive("flight.altitude_m", self.altitude_m)?;
        positive("flight.speed_m_s", self.speed_m_s)?;
        positive("flight.battery_wh", self.battery_wh)?;
        if !(self.reserve_pct.is_finite() && (0.0..100.0).contains(&self.reserve_pct)) {
            return Err(PlannerError::BadOption {
                field: "flight.reserve_pct",
                value: self.reserve_pct,
                expected: "a percentage from 0 to below 100",
            });
        }
        Ok(())
    }
}

/// One planning request: the pattern's fields and `kind` at the top level, `flight` beside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRequest {
    #[serde(flatten)]
    pub pattern: Pattern,
    #[serde(default)]
    pub flight: FlightOptions,
}

impl PlanRequest {
    pub fn new(pattern: Pattern) -> Self {
        Self {
            pattern,
            flight: FlightOptions::default(),
        }
    }
}

pub(super) fn positive(field: &'static str, value: f64) -> Result<(), PlannerError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(PlannerError::BadOption {
            field,
            value,
            expected: "a positive number",
        })
    }
}

pub(super) fn not_negative(field: &'static str, value: f64) -> Result<(), PlannerError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(PlannerError::BadOption {
            field,
            value,
            expected: "a number of 0 or more",
        })
    }
}

fn default_camera() -> String {
    defaults::CAMERA.to_string()
}
fn default_front_overlap() -> f64 {
    defaults::FRONT_OVERLAP_PCT
}
fn default_side_overlap() -> f64 {
    defaults::SIDE_OVERLAP_PCT
}
fn default_turnaround() -> f64 {
    defaults::TURNAROUND_M
}
fn default_fence_margin() -> f64 {
    defaults::FENCE_MARGIN_M
}
fn default_laps() -> u32 {
    defaults::LAPS
}
fn default_perimeter_margin() -> f64 {
    defaults::PERIMETER_MARGIN_M
}
fn default_radius() -> f64 {
    defaults::ORBIT_RADIUS_M
}
fn default_turns() -> u32 {
    defaults::ORBIT_TURNS
}
fn yes() -> bool {
    true
}
