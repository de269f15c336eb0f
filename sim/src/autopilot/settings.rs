//! The parameters the autopilot acts on, in SI units, kept in step with the parameter table.

use super::failsafe::FailsafeSettings;
use super::nav::NavSettings;

/// Failures injected through SIM_* parameters (ArduPilot's names where it has them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimFailures {
    /// SIM_GPS_DISABLE.
    pub gps_disabled: bool,
    /// SIM_GPS_GLITCH_X / _Y (degrees of latitude / longitude) and _Z (metres).
    pub gps_glitch: [f64; 3],
    /// SIM_GPS_JAM.
    pub gps_jamming: bool,
    /// SIM_GPS_NUMSATS.
    pub gps_sats: Option<u8>,
    /// SIM_WIND_SPD, SIM_WIND_DIR (from), SIM_WIND_TURB.
    pub wind_speed: f64,
    pub wind_dir_deg: f64,
    pub wind_turbulence: f64,
    /// SIM_BATT_SAG (×, ours): internal-resistance multiplier for a sagging pack.
    pub battery_sag: f64,
    /// SIM_BATT_CAP_AH: simulated pack capacity (0 = the airframe's).
    pub battery_capacity_ah: f64,
    /// SIM_LINK_LOSS (%, ours): share of MAVLink packets lost each way.
    pub link_loss_pct: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub nav: NavSettings,
    pub failsafe: FailsafeSettings,
    /// FENCE_ENABLE, FENCE_TYPE (bit 1 altitude, 2 circle, 4 polygon), FENCE_ALT_MAX, FENCE_RADIUS.
    pub fence_enabled: bool,
    pub fence_type: u32,
    pub fence_alt_max: f64,
    pub fence_radius: f64,
    /// ARMING_CHECK: 0 skips pre-arm checks.
    pub arming_check: bool,
    /// DISARM_DELAY: seconds on the ground before disarming by itself.
    pub disarm_delay: f64,
    /// RTL_ALT_FINAL: 0 lands at the end of RTL.
    pub rtl_alt_final: f64,
    /// SYSID_MYGCS: whose heartbeats count for the GCS failsafe.
    pub gcs_sysid: u8,
    pub sim: SimFailures,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            nav: NavSettings::default(),
            failsafe: FailsafeSettings::default(),
            fence_enabled: false,
            fence_type: 7,
            fence_alt_max: 100.0,
            fence_radius: 300.0,
            arming_check: true,
            disarm_delay: 10.0,
            rtl_alt_final: 0.0,
            gcs_sysid: 255,
            sim: SimFailures {
                battery_sag: 1.0,
                ..SimFailures::default()
            },
        }
    }
}

impl Settings {
    /// Apply one parameter; returns false for names the autopilot does not act on.
    pub fn apply(&mut self, name: &str, value: f64) -> bool {
        let cm = value / 100.0;
        match name {
            "WPNAV_SPEED" => self.nav.wp_speed = cm.max(0.2),
            "WPNAV_SPEED_UP" => self.nav.climb_speed = cm.max(0.1),
            "WPNAV_SPEED_DN" => self.nav.descent_speed = cm.max(0.1),
            "WPNAV_RADIUS" => self.nav.wp_radius = cm.max(0.05),
            "LAND_SPEED" => self.nav.land_speed = cm.max(0.1),
            "RTL_ALT" => self.nav.rtl_alt = cm.max(0.0),
            "RTL_SPEED" => self.nav.rtl_speed = cm.max(0.0),
            "RTL_ALT_FINAL" => self.rtl_alt_final = cm.max(0.0),
            "FS_GCS_ENABLE" => self.failsafe.gcs_action = value as i32,
            "FS_GCS_TIMEOUT" => self.failsafe.gcs_timeout_s = value.max(0.5),
            "BATT_LOW_VOLT" => self.failsafe.batt_low_volt = value,
            "BATT_CRT_VOLT" => self.failsafe.batt_crt_volt = value,
            "BATT_LOW_MAH" => self.failsafe.batt_low_mah = value,
            "BATT_CRT_MAH" => self.failsafe.batt_crt_mah = value,
            "BATT_FS_LOW_ACT" => self.failsafe.batt_low_action = value as i32,
            "BATT_FS_CRT_ACT" => self.failsafe.batt_crt_action = value as i32,
            "BATT_LOW_TIMER" => self.failsafe.batt_timer_s = value.max(0.0),
            "FS_EKF_ACTION" => self.failsafe.ekf_action = value as i32,
            "FENCE_ENABLE" => self.fence_enabled = value != 0.0,
            "FENCE_TYPE" => self.fence_type = value.max(0.0) as u32,
            "FENCE_ACTION" => self.failsafe.fence_action = value as i32,
            "FENCE_ALT_MAX" => self.fence_alt_max = value,
            "FENCE_RADIUS" => self.fence_radius = value,
            "ARMING_CHECK" => self.arming_check = value != 0.0,
            "DISARM_DELAY" => self.disarm_delay = value.max(0.0),
            "SYSID_MYGCS" => self.gcs_sysid = value.clamp(0.0, 255.0) as u8,
            "SIM_GPS_DISABLE" => self.sim.gps_disabled = value != 0.0,
            "SIM_GPS_GLITCH_X" => self.sim.gps_glitch[0] = value,
            "SIM_GPS_GLITCH_Y" => self.sim.gps_glitch[1] = value,
            "SIM_GPS_GLITCH_Z" => self.sim.gps_glitch[2] = value,
            "SIM_GPS_JAM" => self.sim.gps_jamming = value != 0.0,
            "SIM_GPS_NUMSATS" => self.sim.gps_sats = (value > 0.0).then_some(value.min(40.0) as u8),
            "SIM_WIND_SPD" => self.sim.wind_speed = value.max(0.0),
            "SIM_WIND_DIR" => self.sim.wind_dir_deg = value,
            "SIM_WIND_TURB" => self.sim.wind_turbulence = value.max(0.0),
            "SIM_BATT_SAG" => self.sim.battery_sag = value.max(1.0),
            "SIM_BATT_CAP_AH" => self.sim.battery_capacity_ah = value.max(0.0),
            "SIM_LINK_LOSS" => self.sim.link_loss_pct = value.clamp(0.0, 100.0),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centimetre_parameters_become_metres() {
        let mut s = Settings::default();
        assert!(s.apply("WPNAV_SPEED", 1200.0));
        assert!(s.apply("RTL_ALT", 3000.0));
        assert!(s.apply("FS_GCS_ENABLE", 1.0));
        assert!(!s.apply("NOT_A_PARAM", 1.0));
        assert_eq!(s.nav.wp_speed, 12.0);
        assert_eq!(s.nav.rtl_alt, 30.0);
        assert_eq!(s.failsafe.gcs_action, 1);
    }
}
