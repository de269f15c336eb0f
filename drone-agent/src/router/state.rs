//! What the agent knows of its vehicle, from the autopilot's telemetry.

use mavlink::dialects::ardupilotmega::{MavMessage, MavModeFlag};
use mission::geodesy::Geodetic;
use nalgebra::UnitQuaternion;

/// The latest of each thing the agent needs for geolocation and status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VehicleState {
    /// Position above mean sea level, and above home.
    pub position: Option<Geodetic>,
    pub relative_alt_m: Option<f64>,
    /// Body (FRD) → NED.
    pub attitude: Option<UnitQuaternion<f64>>,
    /// Gimbal pitch and yaw relative to the vehicle, degrees, when the autopilot reports it.
    pub gimbal_pitch_yaw_deg: Option<(f64, f64)>,
    /// ArduPilot custom mode number and whether the motors are armed.
    pub custom_mode: Option<u32>,
    pub armed: bool,
    pub battery_pct: Option<f64>,
    /// Seconds (the caller's clock) of the last message from the autopilot.
    pub last_heard_s: Option<f64>,
}

impl VehicleState {
    /// Take what matters from one autopilot message.
    pub fn observe(&mut self, now_s: f64, msg: &MavMessage) {
        self.last_heard_s = Some(now_s);
        match msg {
            MavMessage::HEARTBEAT(h) => {
                self.custom_mode = Some(h.custom_mode);
                self.armed = h.base_mode.contains(MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED);
            }
            MavMessage::GLOBAL_POSITION_INT(p) => {
                self.position = Some(Geodetic::new(
                    f64::from(p.lat) / 1e7,
                    f64::from(p.lon) / 1e7,
                    f64::from(p.alt) / 1000.0,
                ));
                self.relative_alt_m = Some(f64::from(p.relative_alt) / 1000.0);
            }
            MavMessage::ATTITUDE(a) => {
                self.attitude = Some(UnitQuaternion::from_euler_angles(
                    f64::from(a.roll),
                    f64::from(a.pitch),
                    f64::from(a.yaw),
                ));
            }
            MavMessage::SYS_STATUS(s) if s.battery_remaining >= 0 => {
                self.battery_pct = Some(f64::from(s.battery_remaining));
            }
            MavMessage::MOUNT_STATUS(m) => {
                // ArduPilot reports centi-degrees: pointing_a is pitch, pointing_c yaw.
                self.gimbal_pitch_yaw_deg = Some((f64::from(m.pointing_a) / 100.0, f64::from(m.pointing_c) / 100.0));
            }
            _ => {}
        }
    }
}

/// ArduPilot Copter's name for a custom mode number (as ground stations show it).
pub fn copter_mode_name(custom_mode: u32) -> &'static str {
    match custom_mode {
        0 => "STABILIZE",
        1 => "ACRO",
        2 => "ALT_HOLD",
        3 => "AUTO",
        4 => "GUIDED",
        5 => "LOITER",
        6 => "RTL",
        7 => "CIRCLE",
        9 => "LAND",
        16 => "POSHOLD",
        17 => "BRAKE",
        21 => "SMART_RTL",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink::dialects::ardupilotmega::{ATTITUDE_DATA, GLOBAL_POSITION_INT_DATA, HEARTBEAT_DATA};

    #[test]
    fn telemetry_updates_position_attitude_and_mode() {
        let mut s = VehicleState::default();
        s.observe(
            1.0,
            &MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
                lat: 443_975_000,
                lon: 89_005_000,
                alt: 64_000,
                relative_alt: 60_000,
                ..Default::default()
            }),
        );
        s.observe(
            2.0,
            &MavMessage::ATTITUDE(ATTITUDE_DATA {
                yaw: 1.0,
                ..Default::default()
            }),
        );
        s.observe(
            3.0,
            &MavMessage::HEARTBEAT(HEARTBEAT_DATA {
                custom_mode: 3,
                base_mode: MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED,
                ..Default::default()
            }),
        );
        let p = s.position.unwrap();
        assert!((p.lat - 44.3975).abs() < 1e-9 && (p.alt - 64.0).abs() < 1e-9);
        assert_eq!(s.relative_alt_m, Some(60.0));
        assert!((s.attitude.unwrap().euler_angles().2 - 1.0).abs() < 1e-6);
        assert_eq!((s.custom_mode, s.armed, s.last_heard_s), (Some(3), true, Some(3.0)));
    }
}
