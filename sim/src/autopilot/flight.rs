//! The vehicle's step: estimate, navigate, fly, drain the battery, trigger the camera, failsafes.

use mavlink::dialects::ardupilotmega::{
    CAMERA_FEEDBACK_DATA, CameraFeedbackFlags, MISSION_ITEM_REACHED_DATA, MavLandedState, MavMessage, MavSeverity,
};
use mission::geodesy::{Geodetic, LatLon};
use nalgebra::Vector3;

use super::executor::{self, Step};
use super::failsafe::{Inputs, Reaction};
use super::mode::CopterMode;
use super::nav::{Progress, RtlPhase, Task};
use super::{Vehicle, telemetry};
use crate::physics::{Environment, GpsFailure, Setpoint};

/// GPS updates per second (ArduPilot's default u-blox rate).
const GPS_RATE_HZ: f64 = 5.0;

impl Vehicle {
    /// North-East-Down of the position estimate: truth plus the GPS error the estimator
    /// has absorbed (a glitch shifts the estimate, and the vehicle flies the shift).
    pub(super) fn estimated_ned(&self) -> Vector3<f64> {
        self.body.state().pos_ned + self.estimate_offset()
    }

    fn estimate_offset(&self) -> Vector3<f64> {
        let truth = self.body.state().pos_ned;
        if self.gps_reading.fix_type < 3 {
            return Vector3::zeros();
        }
        let g = self.gps_reading.position;
        let enu = self.frame.to_enu(g);
        let gps_ned = Vector3::new(enu.y, enu.x, -enu.z);
        let mut off = gps_ned - truth;
        // The estimator smooths GPS noise (metres) but follows a glitch (tens of metres).
        if off.norm() < 3.0 {
            off *= 0.2;
        }
        off
    }

    pub(super) fn estimated_position(&self) -> Geodetic {
        let p = self.estimated_ned();
        self.frame.from_enu(Vector3::new(p.y, p.x, -p.z))
    }

    pub(super) fn landed_state(&self) -> MavLandedState {
        let on_ground = self.body.state().on_ground;
        match &self.task {
            _ if on_ground && !matches!(self.task, Task::Takeoff { .. }) => MavLandedState::MAV_LANDED_STATE_ON_GROUND,
            Task::Takeoff { .. } => MavLandedState::MAV_LANDED_STATE_TAKEOFF,
            Task::Land { .. }
            | Task::Rtl {
                phase: RtlPhase::Descend,
                ..
            } => MavLandedState::MAV_LANDED_STATE_LANDING,
            _ => MavLandedState::MAV_LANDED_STATE_IN_AIR,
        }
    }

    pub(super) fn flying(&self) -> bool {
        self.armed && !self.body.state().on_ground
    }

    pub(super) fn cruise_speed(&self) -> f64 {
        self.speed_override.unwrap_or(self.settings.nav.wp_speed)
    }

    fn gps_failure(&self) -> GpsFailure {
        let sim = &self.settings.sim;
        if sim.gps_disabled {
            return GpsFailure::Lost;
        }
        if sim.gps_jamming {
            return GpsFailure::Jamming;
        }
        let [dlat, dlon, dz] = sim.gps_glitch;
        if dlat != 0.0 || dlon != 0.0 || dz != 0.0 {
            // SIM_GPS_GLITCH_X/Y are degrees, as in ArduPilot.
            let north = dlat * 111_320.0;
            let east = dlon * 111_320.0 * self.home.lat.to_radians().cos();
            return GpsFailure::Glitch {
                offset_ned_m: Vector3::new(north, east, -dz),
            };
        }
        GpsFailure::None
    }

    /// Advance the vehicle by `dt` seconds.
    pub fn step(&mut self, dt: f64) {
        self.time += dt;
        self.wind_now = self.wind.sample(dt);
        if self.time >= self.gps_next_sample {
            self.gps_next_sample = self.time + 1.0 / GPS_RATE_HZ;
            let truth = self.true_position();
            let failure = self.gps_failure();
            let mut reading = self.gps.sample(truth, self.body.state().vel_ned, &failure);
            if let Some(n) = self.settings.sim.gps_sats {
                reading.sats = n;
                if n < 4 {
                    reading.fix_type = reading.fix_type.min(1);
                }
            }
            self.gps_reading = reading;
        }

        let offset = self.estimate_offset();
        let est = self.body.state().pos_ned + offset;
        let on_ground = self.body.state().on_ground;
        let (setpoint, progress) = if self.armed {
            let nav = self.settings.nav;
            self.task.step(self.time, dt, &est, on_ground, &nav)
        } else {
            (Setpoint::Idle, Progress::Done)
        };
        // The controller acts on the estimate: express its targets in true coordinates.
        let setpoint = match setpoint {
            Setpoint::Position {
                target_ned,
                speed_m_s,
                yaw_rad,
            } => Setpoint::Position {
                target_ned: target_ned - offset,
                speed_m_s,
                yaw_rad,
            },
            Setpoint::Land {
                hold_ne: Some([n, e]),
                descent_m_s,
            } => Setpoint::Land {
                hold_ne: Some([n - offset.x, e - offset.y]),
                descent_m_s,
            },
            other => other,
        };
        let env = Environment {
            wind_ned: self.wind_now,
        };
        self.body.step(dt, &setpoint, &env);
        let power = if self.armed {
            self.body.electrical_power_w()
        } else {
            self.body.airframe().idle_power_w
        };
        self.battery.step(dt, power);
        let v = self.battery.voltage();
        let f = self.filtered_voltage.get_or_insert(v);
        *f += (v - *f) * (dt / 3.0).min(1.0);

        match progress {
            Progress::Done if self.armed => self.task_done(),
            Progress::Landed => self.landed(),
            _ => {}
        }
        self.camera_step();
        self.auto_disarm();
        // Failsafes at 10 Hz, as ArduPilot's scheduler runs them.
        if (self.time * 10.0).floor() != ((self.time - dt) * 10.0).floor() {
            self.failsafe_step();
        }
    }

    fn task_done(&mut self) {
        if self.mode == CopterMode::Auto && self.mission_running {
            let seq = self.mission_seq;
            self.events
                .push(MavMessage::MISSION_ITEM_REACHED(MISSION_ITEM_REACHED_DATA { seq }));
            self.mission_seq = seq.saturating_add(1);
            self.run_mission_item();
            return;
        }
        // Outside AUTO a finished task becomes a hold where the vehicle is.
        if !matches!(self.task, Task::Hold { .. } | Task::Idle | Task::Level) {
            if let Task::Takeoff { .. } = self.task {
                self.say(MavSeverity::MAV_SEVERITY_INFO, "Takeoff complete");
            }
            self.task = Task::Hold {
                at: self.estimated_ned(),
            };
        }
    }

    fn landed(&mut self) {
        if self.mode == CopterMode::Auto && self.mission_running {
            let seq = self.mission_seq;
            self.events
                .push(MavMessage::MISSION_ITEM_REACHED(MISSION_ITEM_REACHED_DATA { seq }));
            self.mission_running = false;
            self.say(MavSeverity::MAV_SEVERITY_INFO, "Mission complete: landed");
        }
        self.task = Task::Idle;
        self.armed = false;
        self.say(MavSeverity::MAV_SEVERITY_INFO, "Landed: disarming");
    }

    fn auto_disarm(&mut self) {
        let idle_on_ground =
            self.armed && self.body.state().on_ground && matches!(self.task, Task::Idle | Task::Hold { .. });
        if !idle_on_ground {
            self.landed_since = None;
            return;
        }
        let since = *self.landed_since.get_or_insert(self.time);
        if self.settings.disarm_delay > 0.0 && self.time - since >= self.settings.disarm_delay {
            self.armed = false;
            self.task = Task::Idle;
            self.landed_since = None;
            self.say(MavSeverity::MAV_SEVERITY_INFO, "Disarming: landed and idle");
        }
    }

    /// Execute mission items from `mission_seq` until one that takes time (a navigation item).
    pub(super) fn run_mission_item(&mut self) {
        for _ in 0..1000 {
            let Some(item) = self.mission.get(usize::from(self.mission_seq)).cloned() else {
                self.mission_running = false;
                self.say(MavSeverity::MAV_SEVERITY_INFO, "Mission complete: holding position");
                self.task = if self.flying() {
                    Task::Hold {
                        at: self.estimated_ned(),
                    }
                } else {
                    Task::Idle
                };
                return;
            };
            self.events.push(telemetry::mission_current(&self.snapshot()));
            let ctx = executor::Context {
                home: &self.home,
                frame: &self.frame,
                pos_ned: self.estimated_ned(),
                speed: self.cruise_speed(),
                nav: &self.settings.nav,
                return_ne: self.return_point(),
            };
            match executor::step_for(&item, &ctx) {
                Step::Nav(task) => {
                    self.task = task;
                    return;
                }
                Step::ChangeSpeed(v) => self.speed_override = Some(v),
                Step::CameraTriggerDistance(d) => {
                    self.camera_trigger_m = d;
                    if d > 0.0 {
                        self.take_photo();
                    }
                }
                Step::CameraShot => self.take_photo(),
                Step::Jump { target, repeat } => {
                    let done = self.jumps_done.entry(self.mission_seq).or_insert(0);
                    if repeat < 0 || *done < repeat {
                        *done += 1;
                        self.mission_seq = target;
                        continue;
                    }
                }
                Step::Skip(reason) => self.say(MavSeverity::MAV_SEVERITY_WARNING, &reason),
            }
            self.mission_seq = self.mission_seq.saturating_add(1);
        }
        self.say(
            MavSeverity::MAV_SEVERITY_ERROR,
            "Mission stopped: too many jumps without a navigation item",
        );
        self.mission_running = false;
    }

    /// Home, or the nearest rally point when it is nearer (ArduPilot's RALLY behaviour).
    pub(super) fn return_point(&self) -> [f64; 2] {
        let here = self.estimated_ned();
        let mut best = ([0.0, 0.0], here.x.hypot(here.y));
        for r in &self.rally {
            let en = self.frame.to_local(r.position);
            let d = (here.x - en.y).hypot(here.y - en.x);
            if d < best.1 {
                best = ([en.y, en.x], d);
            }
        }
        best.0
    }

    fn camera_step(&mut self) {
        if self.camera_trigger_m <= 0.0 || !self.flying() {
            return;
        }
        let here = self.body.state().pos_ned;
        match self.last_trigger {
            Some(last) if (here - last).xy().norm() < self.camera_trigger_m => {}
            _ => self.take_photo(),
        }
    }

    /// One photo: CAMERA_FEEDBACK with where it was taken.
    pub(super) fn take_photo(&mut self) {
        self.last_trigger = Some(self.body.state().pos_ned);
        self.image_index = self.image_index.wrapping_add(1);
        let p = self.estimated_position();
        let (roll, pitch, yaw) = self.body.state().attitude.euler_angles();
        self.events.push(MavMessage::CAMERA_FEEDBACK(CAMERA_FEEDBACK_DATA {
            time_usec: (self.time * 1e6) as u64,
            lat: (p.lat * 1e7).round() as i32,
            lng: (p.lon * 1e7).round() as i32,
            alt_msl: p.alt as f32,
            alt_rel: (p.alt - self.home.alt) as f32,
            roll: roll.to_degrees() as f32,
            pitch: pitch.to_degrees() as f32,
            yaw: yaw.to_degrees().rem_euclid(360.0) as f32,
            foc_len: 0.0,
            img_idx: self.image_index,
            target_system: 0,
            cam_idx: 0,
            flags: CameraFeedbackFlags::CAMERA_FEEDBACK_PHOTO,
            completed_captures: self.image_index,
        }));
    }

    /// The fence broken at the estimated position, if the fence is on.
    fn fence_breach(&self) -> Option<String> {
        if !self.settings.fence_enabled {
            return None;
        }
        let p = self.estimated_ned();
        let alt = -p.z;
        let t = self.settings.fence_type;
        // A breach lasts until the vehicle is FENCE_MARGIN back inside, so that hovering at
        // the limit does not start a new breach (and a new RTL) with every wobble.
        let margin = if self.failsafe.fence_active() { 2.0 } else { 0.0 };
        if t & 1 != 0 && alt > self.settings.fence_alt_max - margin {
            return Some(format!("alt {alt:.0} m > {:.0} m", self.settings.fence_alt_max));
        }
        let from_home = p.x.hypot(p.y);
        if t & 2 != 0 && from_home > self.settings.fence_radius - margin {
            return Some(format!(
                "{from_home:.0} m from home > {:.0} m",
                self.settings.fence_radius
            ));
        }
        if t & 4 != 0
            && let Some(f) = &self.fence
        {
            let here = geo::Coord { x: p.y, y: p.x };
            for shape in f.geometry.shapes() {
                if shape.shape.contains(here) != shape.inclusion {
                    return Some(format!(
                        "{} {}",
                        if shape.inclusion { "outside" } else { "inside" },
                        shape.label
                    ));
                }
            }
        }
        None
    }

    fn failsafe_step(&mut self) {
        let inputs = Inputs {
            now: self.time,
            armed: self.armed,
            flying: self.flying(),
            in_auto: self.mode == CopterMode::Auto,
            last_gcs_heartbeat: self.last_gcs_heartbeat,
            voltage: self.filtered_voltage.unwrap_or_else(|| self.battery.voltage()),
            remaining_mah: (self.battery_config.capacity_mah - self.battery.consumed_mah()).max(0.0),
            gps_fix_type: self.gps_reading.fix_type,
            fence_breach: self.fence_breach(),
        };
        let fired = self.failsafe.check(&self.settings.failsafe, &inputs);
        for (what, reaction) in fired {
            let verb = match reaction {
                Reaction::Rtl => "RTL",
                Reaction::Land => "LAND",
                Reaction::AltHold => "ALT_HOLD",
                Reaction::Brake => "BRAKE",
                Reaction::Report => "report only",
                Reaction::Continue => "continuing mission",
            };
            self.say(MavSeverity::MAV_SEVERITY_CRITICAL, &format!("{what}: {verb}"));
            let result = match reaction {
                Reaction::Rtl => self
                    .set_mode(CopterMode::Rtl)
                    .or_else(|_| self.set_mode(CopterMode::Land)),
                Reaction::Land => self.set_mode(CopterMode::Land),
                Reaction::AltHold => self.set_mode(CopterMode::AltHold),
                Reaction::Brake => self.set_mode(CopterMode::Brake),
                Reaction::Report | Reaction::Continue => Ok(()),
            };
            if let Err(e) = result {
                self.say(MavSeverity::MAV_SEVERITY_CRITICAL, &e);
            }
        }
    }

    /// Latitude/longitude of a NED point (for tests and reports).
    pub fn latlon_of(&self, ned: Vector3<f64>) -> LatLon {
        self.frame.from_enu(Vector3::new(ned.y, ned.x, -ned.z)).horizontal()
    }
}
