//! Failsafes as ArduPilot Copter applies them: ground-station link, battery, geofence, GPS.

use std::fmt;

/// Failsafe settings from the parameters (ArduPilot names in comments).
#[derive(Debug, Clone, PartialEq)]
pub struct FailsafeSettings {
    /// FS_GCS_ENABLE: 0 off, 1 RTL, 2 continue an AUTO mission, 5 LAND.
    pub gcs_action: i32,
    /// FS_GCS_TIMEOUT, seconds.
    pub gcs_timeout_s: f64,
    /// BATT_LOW_VOLT / BATT_CRT_VOLT, volts (0 = unused).
    pub batt_low_volt: f64,
    pub batt_crt_volt: f64,
    /// BATT_LOW_MAH / BATT_CRT_MAH: remaining capacity thresholds (0 = unused).
    pub batt_low_mah: f64,
    pub batt_crt_mah: f64,
    /// BATT_FS_LOW_ACT / BATT_FS_CRT_ACT: 0 none, 1 LAND, 2 RTL (3, 4: SmartRTL, done as RTL), 5 LAND.
    pub batt_low_action: i32,
    pub batt_crt_action: i32,
    /// BATT_LOW_TIMER: the condition must last this long, seconds.
    pub batt_timer_s: f64,
    /// FS_EKF_ACTION: 1 LAND, 2 ALT_HOLD, 3 LAND.
    pub ekf_action: i32,
    /// How long without a 3-D fix before the position estimate is declared lost.
    pub gps_timeout_s: f64,
    /// FENCE_ACTION: 0 report only, 1 RTL (or LAND), 2 LAND, 3/4 SmartRTL (done as RTL), 4 BRAKE.
    pub fence_action: i32,
}

impl Default for FailsafeSettings {
    fn default() -> Self {
        Self {
            gcs_action: 0,
            gcs_timeout_s: 5.0,
            batt_low_volt: 0.0,
            batt_crt_volt: 0.0,
            batt_low_mah: 0.0,
            batt_crt_mah: 0.0,
            batt_low_action: 0,
            batt_crt_action: 0,
            batt_timer_s: 10.0,
            ekf_action: 1,
            gps_timeout_s: 1.0,
            fence_action: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Failsafe {
    GcsLost,
    BatteryLow,
    BatteryCritical,
    Fence(String),
    GpsLost,
}

impl fmt::Display for Failsafe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failsafe::GcsLost => f.write_str("GCS failsafe"),
            Failsafe::BatteryLow => f.write_str("Battery failsafe: low"),
            Failsafe::BatteryCritical => f.write_str("Battery failsafe: critical"),
            Failsafe::Fence(what) => write!(f, "Fence breach: {what}"),
            Failsafe::GpsLost => f.write_str("EKF failsafe: GPS lost"),
        }
    }
}

/// What the vehicle does about a failsafe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    Report,
    Rtl,
    Land,
    AltHold,
    Brake,
    /// Keep flying the AUTO mission (FS_GCS_ENABLE = 2 while in AUTO).
    Continue,
}

/// What the failsafes look at this step.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub now: f64,
    pub armed: bool,
    pub flying: bool,
    pub in_auto: bool,
    /// Last HEARTBEAT from the ground station (SYSID_MYGCS); None = never heard.
    pub last_gcs_heartbeat: Option<f64>,
    pub voltage: f64,
    pub remaining_mah: f64,
    pub gps_fix_type: u8,
    /// The fence broken right now, if any.
    pub fence_breach: Option<String>,
}

/// Which failsafes are active; each fires once per episode.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailsafeState {
    gcs: bool,
    battery_level: u8,
    battery_low_since: Option<f64>,
    battery_crt_since: Option<f64>,
    fence: bool,
    gps_bad_since: Option<f64>,
    gps: bool,
}

impl FailsafeState {
    pub fn gcs_active(&self) -> bool {
        self.gcs
    }

    pub fn fence_active(&self) -> bool {
        self.fence
    }

    /// Failsafes that start this step, with the reaction for each.
    pub fn check(&mut self, s: &FailsafeSettings, i: &Inputs) -> Vec<(Failsafe, Reaction)> {
        let mut out = Vec::new();
        if !i.armed {
            // Disarmed: episodes end, except the battery, which does not recover by landing.
            let level = self.battery_level;
            *self = FailsafeState {
                battery_level: level,
                ..FailsafeState::default()
            };
            return out;
        }
        // Ground station: only after one was heard, as ArduPilot does.
        let gcs_lost = s.gcs_action != 0 && i.last_gcs_heartbeat.is_some_and(|t| i.now - t > s.gcs_timeout_s);
        if gcs_lost && !self.gcs && i.flying {
            self.gcs = true;
            let reaction = match s.gcs_action {
                2 if i.in_auto => Reaction::Continue,
                5 => Reaction::Land,
                _ => Reaction::Rtl,
            };
            out.push((Failsafe::GcsLost, reaction));
        } else if !gcs_lost {
            self.gcs = false;
        }
        // Battery: critical first; a level only rises.
        let crt = (s.batt_crt_volt > 0.0 && i.voltage < s.batt_crt_volt)
            || (s.batt_crt_mah > 0.0 && i.remaining_mah < s.batt_crt_mah);
        let low = (s.batt_low_volt > 0.0 && i.voltage < s.batt_low_volt)
            || (s.batt_low_mah > 0.0 && i.remaining_mah < s.batt_low_mah);
        self.battery_crt_since = if crt {
            self.battery_crt_since.or(Some(i.now))
        } else {
            None
        };
        self.battery_low_since = if low {
            self.battery_low_since.or(Some(i.now))
        } else {
            None
        };
        let lasted = |since: Option<f64>| since.is_some_and(|t| i.now - t >= s.batt_timer_s);
        if lasted(self.battery_crt_since) && self.battery_level < 2 {
            self.battery_level = 2;
            out.push((Failsafe::BatteryCritical, battery_reaction(s.batt_crt_action)));
        } else if lasted(self.battery_low_since) && self.battery_level < 1 {
            self.battery_level = 1;
            out.push((Failsafe::BatteryLow, battery_reaction(s.batt_low_action)));
        }
        // Fence.
        match &i.fence_breach {
            Some(what) if !self.fence && i.flying => {
                self.fence = true;
                let reaction = match s.fence_action {
                    0 => Reaction::Report,
                    2 => Reaction::Land,
                    4 => Reaction::Brake,
                    _ => Reaction::Rtl,
                };
                out.push((Failsafe::Fence(what.clone()), reaction));
            }
            None => self.fence = false,
            _ => {}
        }
        // Position estimate.
        if i.gps_fix_type < 3 {
            let since = *self.gps_bad_since.get_or_insert(i.now);
            if i.now - since >= s.gps_timeout_s && !self.gps && i.flying {
                self.gps = true;
                let reaction = if s.ekf_action == 2 {
                    Reaction::AltHold
                } else {
                    Reaction::Land
                };
                out.push((Failsafe::GpsLost, reaction));
            }
        } else {
            self.gps_bad_since = None;
            self.gps = false;
        }
        out
    }
}

fn battery_reaction(action: i32) -> Reaction {
    match action {
        0 => Reaction::Report,
        1 | 5 => Reaction::Land,
        _ => Reaction::Rtl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(now: f64) -> Inputs {
        Inputs {
            now,
            armed: true,
            flying: true,
            in_auto: true,
            last_gcs_heartbeat: Some(0.0),
            voltage: 24.0,
            remaining_mah: 10_000.0,
            gps_fix_type: 3,
            fence_breach: None,
        }
    }

    #[test]
    fn gcs_loss_triggers_rtl_once_after_the_timeout() {
        let s = FailsafeSettings {
            gcs_action: 1,
            ..Default::default()
        };
        let mut st = FailsafeState::default();
        assert!(st.check(&s, &inputs(4.0)).is_empty());
        assert_eq!(st.check(&s, &inputs(5.5)), vec![(Failsafe::GcsLost, Reaction::Rtl)]);
        assert!(st.check(&s, &inputs(6.0)).is_empty(), "once per episode");
        let never_heard = Inputs {
            last_gcs_heartbeat: None,
            ..inputs(100.0)
        };
        assert!(FailsafeState::default().check(&s, &never_heard).is_empty());
    }

    #[test]
    fn battery_low_then_critical() {
        let s = FailsafeSettings {
            batt_low_volt: 21.0,
            batt_crt_volt: 19.8,
            batt_low_action: 2,
            batt_crt_action: 1,
            ..Default::default()
        };
        let mut st = FailsafeState::default();
        let low = |t| Inputs {
            voltage: 20.5,
            ..inputs(t)
        };
        assert!(st.check(&s, &low(0.0)).is_empty(), "must last BATT_LOW_TIMER");
        assert_eq!(st.check(&s, &low(10.0)), vec![(Failsafe::BatteryLow, Reaction::Rtl)]);
        let crt = |t| Inputs {
            voltage: 19.0,
            ..inputs(t)
        };
        st.check(&s, &crt(11.0));
        assert_eq!(
            st.check(&s, &crt(21.0)),
            vec![(Failsafe::BatteryCritical, Reaction::Land)]
        );
    }

    #[test]
    fn fence_and_gps() {
        let s = FailsafeSettings::default();
        let mut st = FailsafeState::default();
        let breach = Inputs {
            fence_breach: Some("altitude 130 m above FENCE_ALT_MAX 120 m".into()),
            ..inputs(0.0)
        };
        let r = st.check(&s, &breach);
        assert!(matches!(&r[..], [(Failsafe::Fence(_), Reaction::Rtl)]));
        let no_fix = |t| Inputs {
            gps_fix_type: 1,
            ..inputs(t)
        };
        assert!(st.check(&s, &no_fix(1.0)).iter().all(|(f, _)| *f != Failsafe::GpsLost));
        assert!(
            st.check(&s, &no_fix(2.5))
                .contains(&(Failsafe::GpsLost, Reaction::Land))
        );
    }
}
