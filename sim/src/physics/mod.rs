//! Vehicle physics: multicopter rigid body with its flight controller, battery, GPS and wind.
//!
//! Frames: positions and velocities are North-East-Down metres relative to the home point;
//! `attitude` rotates body (forward-right-down) vectors into NED. Everything here is pure and
//! stepped by the caller with a fixed `dt`.

use nalgebra::{UnitQuaternion, Vector3};

/// Physical and performance figures of a multicopter (defaults: a ~3.7 kg enterprise quad).
#[derive(Debug, Clone, PartialEq)]
pub struct Airframe {
    pub mass_kg: f64,
    /// Total thrust at full throttle, newtons.
    pub max_thrust_n: f64,
    /// Quadratic drag coefficient: drag force = k · |v_air| · v_air, N/(m/s)².
    pub drag_coeff: f64,
    pub max_tilt_deg: f64,
    pub max_horizontal_speed_m_s: f64,
    pub max_climb_m_s: f64,
    pub max_descent_m_s: f64,
    pub max_yaw_rate_deg_s: f64,
    /// Electrical power to hover, watts (power scales with thrust^1.5 around it).
    pub hover_power_w: f64,
    /// Power drawn by avionics and payload whatever the motors do, watts.
    pub idle_power_w: f64,
}

/// What the flight controller is asked to do this step.
#[derive(Debug, Clone, PartialEq)]
pub enum Setpoint {
    /// Motors stopped (disarmed or landed): the vehicle rests on the ground.
    Idle,
    /// Fly to a NED position at up to `speed_m_s` horizontally, then hold it.
    Position {
        target_ned: Vector3<f64>,
        speed_m_s: f64,
        yaw_rad: Option<f64>,
    },
    /// Hold a NED velocity.
    Velocity {
        vel_ned: Vector3<f64>,
        yaw_rad: Option<f64>,
    },
    /// Descend at `descent_m_s` holding the horizontal position `hold_ne`, and stop on touchdown.
    Land {
        hold_ne: Option<[f64; 2]>,
        descent_m_s: f64,
    },
    /// Level attitude with the given climb rate (STABILIZE with centred sticks).
    Level { climb_m_s: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct BodyState {
    pub pos_ned: Vector3<f64>,
    pub vel_ned: Vector3<f64>,
    pub acc_ned: Vector3<f64>,
    pub attitude: UnitQuaternion<f64>,
    /// Body angular rates, rad/s (roll, pitch, yaw).
    pub rates: Vector3<f64>,
    pub on_ground: bool,
    /// Total motor thrust, newtons.
    pub thrust_n: f64,
}

/// The air the vehicle flies in this step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Environment {
    pub wind_ned: Vector3<f64>,
}

pub mod battery;
mod control;
pub mod gps;
pub mod multicopter;
pub mod wind;

pub use battery::{Battery, BatteryConfig};
pub use gps::{Gps, GpsConfig, GpsFailure, GpsReading};
pub use multicopter::Multicopter;
pub use wind::{Wind, WindConfig};
