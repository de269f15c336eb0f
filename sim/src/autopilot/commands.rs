//! Mode changes, arming with pre-arm checks, MAV_CMD commands, and uploaded mission/fence/rally.

use mavlink::dialects::ardupilotmega::{MavCmd, MavResult, MavSeverity};
use mavlink::dialects::common::MISSION_ITEM_INT_DATA;
use mission::fence::FenceGeometry;
use mission::geodesy::{Geodetic, LatLon, LocalFrame};
use nalgebra::Vector3;

use super::mode::CopterMode;
use super::nav::{RtlPhase, Task};
use super::{LoadedFence, Vehicle};

/// ArduPilot's magic number in param2 of arm/disarm that skips checks.
const FORCE_MAGIC: f32 = 21196.0;

/// A command's parameters as COMMAND_LONG carries them; for COMMAND_INT, param5/6 are
/// latitude/longitude in degrees and param7 the altitude.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommandParams(pub [f32; 7]);

impl Vehicle {
    /// Switch mode as ArduPilot would, or say why not.
    pub fn set_mode(&mut self, mode: CopterMode) -> Result<(), String> {
        if mode.needs_position() && self.gps_reading.fix_type < 3 && self.armed {
            return Err(format!("Mode change to {mode} failed: requires position"));
        }
        if mode == CopterMode::Auto && self.mission.len() <= 1 && self.armed {
            return Err("Mode change to AUTO failed: no mission loaded".into());
        }
        let here = self.estimated_ned();
        let flying = self.flying();
        self.mode = mode;
        self.mission_running = false;
        self.task = match mode {
            CopterMode::Auto => {
                if self.armed {
                    self.start_mission(None);
                    return Ok(());
                }
                Task::Idle
            }
            CopterMode::Guided | CopterMode::Loiter | CopterMode::Brake if flying => Task::Hold { at: here },
            CopterMode::Stabilize | CopterMode::AltHold if flying => Task::Level,
            CopterMode::Rtl if flying => Task::Rtl {
                target_ne: self.return_point(),
                alt: (-here.z).max(self.settings.nav.rtl_alt),
                phase: RtlPhase::Climb,
            },
            CopterMode::Land if flying => Task::Land {
                hold_ne: [here.x, here.y],
            },
            _ => Task::Idle,
        };
        Ok(())
    }

    /// Start (or resume) the AUTO mission; `from` restarts at an item.
    pub(super) fn start_mission(&mut self, from: Option<u16>) {
        if let Some(seq) = from {
            self.mission_seq = seq;
        }
        if self.mission_seq == 0 || usize::from(self.mission_seq) >= self.mission.len() {
            // Item 0 is home (ArduPilot): missions start at 1.
            self.mission_seq = 1;
        }
        self.jumps_done.clear();
        self.mission_running = true;
        self.run_mission_item();
    }

    fn prearm_problems(&self) -> Option<String> {
        if self.gps_reading.fix_type < 3 {
            return Some("PreArm: GPS 1: Bad fix".into());
        }
        if self.gps_reading.sats < 6 {
            return Some(format!("PreArm: GPS 1: only {} satellites", self.gps_reading.sats));
        }
        let low = self.settings.failsafe.batt_low_volt;
        if low > 0.0 && self.battery.voltage() < low {
            return Some(format!(
                "PreArm: Battery 1 below minimum arming voltage ({:.1}V)",
                self.battery.voltage()
            ));
        }
        if self.battery.remaining_pct() < 20.0 {
            return Some(format!(
                "PreArm: Battery 1 at {:.0}%, below 20%",
                self.battery.remaining_pct()
            ));
        }
        if self.settings.fence_enabled && self.settings.fence_type & 4 != 0 {
            match &self.fence {
                None => return Some("PreArm: Fence enabled but no fence loaded".into()),
                Some(f) if f.shapes > 0 => {
                    let here = self.estimated_ned();
                    let at = geo::Coord { x: here.y, y: here.x };
                    if !f.geometry.allows_point(at) {
                        return Some("PreArm: Vehicle breaching fence".into());
                    }
                }
                Some(_) => {}
            }
        }
        None
    }

    pub fn arm(&mut self, force: bool) -> Result<(), String> {
        if self.armed {
            return Ok(());
        }
        if !self.mode.armable() {
            return Err("Arm: Mode not armable".into());
        }
        if self.mode == CopterMode::Auto && self.mission.len() <= 1 {
            return Err("Arm: AUTO mode with no mission".into());
        }
        if self.settings.arming_check
            && !force
            && let Some(problem) = self.prearm_problems()
        {
            return Err(problem);
        }
        self.armed = true;
        self.landed_since = None;
        // ArduPilot sets home where the vehicle arms.
        self.home = Geodetic {
            alt: self.home.alt,
            ..self.estimated_position()
        };
        self.say(MavSeverity::MAV_SEVERITY_INFO, "Arming motors");
        if self.mode == CopterMode::Auto {
            self.start_mission(None);
        }
        Ok(())
    }

    pub fn disarm(&mut self, force: bool) -> Result<(), String> {
        if !self.armed {
            return Ok(());
        }
        if self.flying() && !force {
            return Err("Disarm: vehicle is flying (force with 21196)".into());
        }
        self.armed = false;
        self.task = Task::Idle;
        self.mission_running = false;
        self.say(MavSeverity::MAV_SEVERITY_INFO, "Disarming motors");
        Ok(())
    }

    /// A take-off in GUIDED to `alt` metres above home.
    pub fn takeoff(&mut self, alt: f64) -> Result<(), String> {
        if !self.armed {
            return Err("Takeoff: not armed".into());
        }
        if self.mode != CopterMode::Guided {
            return Err(format!(
                "Takeoff: mode {} does not take off on command (use GUIDED)",
                self.mode
            ));
        }
        if !self.body.state().on_ground {
            return Err("Takeoff: already flying".into());
        }
        let here = self.estimated_ned();
        self.task = Task::Takeoff {
            at_ne: [here.x, here.y],
            alt: alt.max(1.0),
        };
        Ok(())
    }

    /// GUIDED go-to (DO_REPOSITION, SET_POSITION_TARGET_GLOBAL_INT); `alt` above home.
    pub fn guided_goto(&mut self, at: LatLon, alt: f64) -> Result<(), String> {
        if !at.is_valid() {
            return Err("Reposition: position out of range".into());
        }
        if !self.flying() {
            return Err("Reposition: not flying".into());
        }
        if self.mode != CopterMode::Guided {
            self.set_mode(CopterMode::Guided)?;
        }
        let en = self.frame.to_local(at);
        self.task = Task::GoTo {
            target: Vector3::new(en.y, en.x, -alt),
            speed: self.cruise_speed(),
            hold_s: 0.0,
            arrived_at: None,
        };
        Ok(())
    }

    /// GUIDED orbit (DO_ORBIT): radius > 0 clockwise; turns 0 circles until told otherwise.
    pub fn orbit(&mut self, center: LatLon, radius: f64, speed: f64, turns: f64, alt: f64) -> Result<(), String> {
        if !self.flying() {
            return Err("Orbit: not flying".into());
        }
        if self.mode != CopterMode::Guided {
            self.set_mode(CopterMode::Guided)?;
        }
        let en = self.frame.to_local(center);
        self.task = Task::Orbit {
            center_ne: [en.y, en.x],
            radius: radius.abs().max(2.0),
            alt,
            clockwise: radius >= 0.0,
            speed: if speed > 0.0 {
                speed
            } else {
                self.cruise_speed().min(8.0)
            },
            angle: 0.0,
            turns_left: (turns > 0.0).then_some(turns),
            on_circle: false,
        };
        Ok(())
    }

    pub fn load_mission(&mut self, items: Vec<MISSION_ITEM_INT_DATA>) {
        self.mission = items;
        self.mission_seq = 0;
        if self.mode == CopterMode::Auto && self.mission_running {
            self.start_mission(Some(1));
        }
    }

    /// The same mission with item 0 (home) rewritten: progress is kept.
    pub fn refresh_mission(&mut self, items: Vec<MISSION_ITEM_INT_DATA>) {
        if items.len() == self.mission.len() {
            self.mission = items;
        } else {
            self.load_mission(items);
        }
    }

    /// A new fence list: decoded and checked by the mission crate's rules.
    pub fn load_fence(&mut self, items: &[MISSION_ITEM_INT_DATA]) -> Result<(), String> {
        let fence = mission::mavlink_items::decode_fence(items).map_err(|e| e.to_string())?;
        let shapes = fence.polygons.len() + fence.circles.len();
        let geometry = FenceGeometry::from_fence(&fence, LocalFrame::at(self.home.horizontal()));
        self.fence = (shapes > 0).then_some(LoadedFence { geometry, shapes });
        Ok(())
    }

    pub fn load_rally(&mut self, items: &[MISSION_ITEM_INT_DATA]) -> Result<(), String> {
        self.rally = mission::mavlink_items::decode_rally(items).map_err(|e| e.to_string())?;
        Ok(())
    }

    pub fn set_mission_current(&mut self, seq: u16) -> Result<(), String> {
        if usize::from(seq) >= self.mission.len() {
            return Err(format!("Mission: no item {seq} (mission has {})", self.mission.len()));
        }
        self.mission_seq = seq;
        if self.mode == CopterMode::Auto && self.armed {
            self.start_mission(Some(seq));
        }
        Ok(())
    }

    /// Handle a flight command; returns None for commands this vehicle does not implement
    /// (the link answers those, or with MAV_RESULT_UNSUPPORTED).
    pub fn command(&mut self, cmd: MavCmd, p: CommandParams) -> Option<MavResult> {
        let p = p.0;
        let refused = |v: &mut Vehicle, e: String| {
            v.say(MavSeverity::MAV_SEVERITY_WARNING, &e);
            MavResult::MAV_RESULT_FAILED
        };
        let result = match cmd {
            MavCmd::MAV_CMD_COMPONENT_ARM_DISARM => {
                let force = p[1] == FORCE_MAGIC;
                let r = if p[0] >= 0.5 {
                    self.arm(force)
                } else {
                    self.disarm(force)
                };
                match r {
                    Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
                    Err(e) => refused(self, e),
                }
            }
            MavCmd::MAV_CMD_NAV_TAKEOFF => match self.takeoff(f64::from(p[6])) {
                Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
                Err(e) => refused(self, e),
            },
            MavCmd::MAV_CMD_DO_SET_MODE => match CopterMode::from_custom_mode(p[1] as u32) {
                Some(mode) => match self.set_mode(mode) {
                    Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
                    Err(e) => refused(self, e),
                },
                None => MavResult::MAV_RESULT_DENIED,
            },
            MavCmd::MAV_CMD_MISSION_START => {
                if self.mission.len() <= 1 {
                    refused(self, "Mission start: no mission loaded".into())
                } else if !self.armed {
                    refused(self, "Mission start: not armed".into())
                } else {
                    self.mode = CopterMode::Auto;
                    let first = (p[0] >= 1.0).then_some(p[0] as u16);
                    self.start_mission(first);
                    MavResult::MAV_RESULT_ACCEPTED
                }
            }
            MavCmd::MAV_CMD_NAV_RETURN_TO_LAUNCH => self.mode_result(CopterMode::Rtl),
            MavCmd::MAV_CMD_NAV_LAND => self.mode_result(CopterMode::Land),
            MavCmd::MAV_CMD_NAV_LOITER_UNLIM => self.mode_result(CopterMode::Loiter),
            MavCmd::MAV_CMD_DO_REPOSITION => {
                let alt = if p[6].is_finite() {
                    f64::from(p[6])
                } else {
                    -self.estimated_ned().z
                };
                match self.guided_goto(LatLon::new(f64::from(p[4]), f64::from(p[5])), alt) {
                    Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
                    Err(e) => refused(self, e),
                }
            }
            MavCmd::MAV_CMD_DO_ORBIT => {
                let alt = if p[6].is_finite() {
                    f64::from(p[6])
                } else {
                    -self.estimated_ned().z
                };
                let center = if p[4].is_finite() && p[5].is_finite() {
                    LatLon::new(f64::from(p[4]), f64::from(p[5]))
                } else {
                    self.estimated_position().horizontal()
                };
                match self.orbit(center, f64::from(p[0]), f64::from(p[1]), f64::from(p[3]), alt) {
                    Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
                    Err(e) => refused(self, e),
                }
            }
            MavCmd::MAV_CMD_DO_CHANGE_SPEED => {
                if p[1] > 0.0 {
                    self.speed_override = Some(f64::from(p[1]));
                    self.retarget_speed();
                    MavResult::MAV_RESULT_ACCEPTED
                } else {
                    MavResult::MAV_RESULT_DENIED
                }
            }
            MavCmd::MAV_CMD_DO_SET_CAM_TRIGG_DIST => {
                self.camera_trigger_m = f64::from(p[0]).max(0.0);
                if p[2] >= 1.0 {
                    self.take_photo();
                }
                MavResult::MAV_RESULT_ACCEPTED
            }
            MavCmd::MAV_CMD_DO_DIGICAM_CONTROL | MavCmd::MAV_CMD_IMAGE_START_CAPTURE => {
                self.take_photo();
                MavResult::MAV_RESULT_ACCEPTED
            }
            MavCmd::MAV_CMD_DO_FENCE_ENABLE => {
                self.settings.fence_enabled = p[0] >= 0.5;
                MavResult::MAV_RESULT_ACCEPTED
            }
            MavCmd::MAV_CMD_DO_SET_HOME => {
                if p[0] >= 0.5 {
                    self.home = Geodetic {
                        alt: self.home.alt,
                        ..self.estimated_position()
                    };
                } else {
                    let at = LatLon::new(f64::from(p[4]), f64::from(p[5]));
                    if !at.is_valid() {
                        return Some(MavResult::MAV_RESULT_DENIED);
                    }
                    self.home = at.with_alt(f64::from(p[6]));
                }
                MavResult::MAV_RESULT_ACCEPTED
            }
            _ => return None,
        };
        Some(result)
    }

    fn mode_result(&mut self, mode: CopterMode) -> MavResult {
        match self.set_mode(mode) {
            Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
            Err(e) => {
                self.say(MavSeverity::MAV_SEVERITY_WARNING, &e);
                MavResult::MAV_RESULT_FAILED
            }
        }
    }

    /// A speed change applies to the leg being flown, not only to the next one.
    fn retarget_speed(&mut self) {
        let v = self.cruise_speed();
        if let Task::GoTo { speed, .. } = &mut self.task {
            *speed = v;
        }
    }
}
