//! One simulated ArduPilot Copter: modes, arming, AUTO missions, guided commands, failsafes.
//!
//! Pure and stepped by the caller: `step(dt)` advances physics and logic; commands and uploads
//! come in through methods; what the vehicle has to say comes out of [`Vehicle::take_events`].

mod commands;
pub mod executor;
pub mod failsafe;
mod flight;
pub mod mode;
pub mod nav;
pub mod settings;
pub mod telemetry;

use std::collections::HashMap;

use mavlink::dialects::ardupilotmega::{MavMessage, MavSeverity};
use mavlink::dialects::common::MISSION_ITEM_INT_DATA;
use mission::fence::FenceGeometry;
use mission::geodesy::{Geodetic, LocalFrame};
use mission::plan::RallyPoint;
use nalgebra::Vector3;

use crate::physics::{
    Airframe, Battery, BatteryConfig, BodyState, Gps, GpsConfig, GpsReading, Multicopter, Wind, WindConfig,
};
use crate::rng::SimRng;

pub use commands::CommandParams;
pub use failsafe::{Failsafe, Reaction};
pub use mode::CopterMode;
pub use nav::Task;
pub use settings::Settings;
pub use telemetry::Snapshot;

/// How a vehicle is built and where it starts.
#[derive(Debug, Clone)]
pub struct VehicleConfig {
    pub sysid: u8,
    /// Home: where it stands at start, altitude above mean sea level.
    pub home: Geodetic,
    pub airframe: Airframe,
    pub battery: BatteryConfig,
    pub gps: GpsConfig,
    pub wind: WindConfig,
    pub seed: u64,
}

impl VehicleConfig {
    pub fn new(sysid: u8, home: Geodetic, seed: u64) -> Self {
        Self {
            sysid,
            home,
            airframe: Airframe::default(),
            battery: BatteryConfig::default(),
            gps: GpsConfig::default(),
            wind: WindConfig::default(),
            seed,
        }
    }
}

/// A fence as the vehicle enforces it: the uploaded shapes plus FENCE_ALT_MAX and FENCE_RADIUS.
#[derive(Debug, Clone)]
struct LoadedFence {
    geometry: FenceGeometry,
    shapes: usize,
}

pub struct Vehicle {
    sysid: u8,
    home: Geodetic,
    frame: LocalFrame,
    time: f64,
    body: Multicopter,
    battery: Battery,
    battery_config: BatteryConfig,
    gps: Gps,
    gps_reading: GpsReading,
    gps_next_sample: f64,
    wind: Wind,
    wind_config: WindConfig,
    wind_now: Vector3<f64>,
    pub settings: Settings,
    mode: CopterMode,
    armed: bool,
    task: Task,
    /// Cruise speed set by DO_CHANGE_SPEED or a command; None follows WPNAV_SPEED.
    speed_override: Option<f64>,
    mission: Vec<MISSION_ITEM_INT_DATA>,
    mission_seq: u16,
    mission_running: bool,
    jumps_done: HashMap<u16, i32>,
    fence: Option<LoadedFence>,
    rally: Vec<RallyPoint>,
    camera_trigger_m: f64,
    last_trigger: Option<Vector3<f64>>,
    image_index: u16,
    failsafe: failsafe::FailsafeState,
    last_gcs_heartbeat: Option<f64>,
    landed_since: Option<f64>,
    /// Battery voltage averaged over a few seconds: what the battery failsafe compares, so
    /// that a gust easing the load for a moment does not restart BATT_LOW_TIMER.
    filtered_voltage: Option<f64>,
    events: Vec<MavMessage>,
}

impl Vehicle {
    pub fn new(cfg: VehicleConfig) -> Self {
        let rng = SimRng::new(cfg.seed).fork(u64::from(cfg.sysid));
        let mut body = Multicopter::new(cfg.airframe.clone());
        body.set_state(BodyState::resting(Vector3::zeros(), 0.0));
        let mut gps = Gps::new(cfg.gps.clone(), rng.fork(1));
        let gps_reading = gps.sample(cfg.home, Vector3::zeros(), &crate::physics::GpsFailure::None);
        Self {
            sysid: cfg.sysid,
            home: cfg.home,
            frame: LocalFrame::new(cfg.home),
            time: 0.0,
            body,
            battery: Battery::new(cfg.battery.clone()),
            battery_config: cfg.battery,
            gps,
            gps_reading,
            gps_next_sample: 0.0,
            wind: Wind::new(cfg.wind.clone(), rng.fork(2)),
            wind_config: cfg.wind,
            wind_now: Vector3::zeros(),
            settings: Settings::default(),
            mode: CopterMode::Stabilize,
            armed: false,
            task: Task::Idle,
            speed_override: None,
            mission: Vec::new(),
            mission_seq: 0,
            mission_running: false,
            jumps_done: HashMap::new(),
            fence: None,
            rally: Vec::new(),
            camera_trigger_m: 0.0,
            last_trigger: None,
            image_index: 0,
            failsafe: failsafe::FailsafeState::default(),
            last_gcs_heartbeat: None,
            landed_since: None,
            filtered_voltage: None,
            events: Vec::new(),
        }
    }

    pub fn sysid(&self) -> u8 {
        self.sysid
    }

    pub fn time(&self) -> f64 {
        self.time
    }

    pub fn home(&self) -> Geodetic {
        self.home
    }

    pub fn mode(&self) -> CopterMode {
        self.mode
    }

    pub fn armed(&self) -> bool {
        self.armed
    }

    pub fn task(&self) -> &Task {
        &self.task
    }

    pub fn body(&self) -> &BodyState {
        self.body.state()
    }

    /// True position, above mean sea level (the simulator's ground truth).
    pub fn true_position(&self) -> Geodetic {
        let p = self.body.state().pos_ned;
        self.frame.from_enu(Vector3::new(p.y, p.x, -p.z))
    }

    pub fn mission_seq(&self) -> u16 {
        self.mission_seq
    }

    pub fn mission_items(&self) -> &[MISSION_ITEM_INT_DATA] {
        &self.mission
    }

    pub fn gps(&self) -> &GpsReading {
        &self.gps_reading
    }

    pub fn battery(&self) -> &Battery {
        &self.battery
    }

    pub fn images_taken(&self) -> u16 {
        self.image_index
    }

    /// Messages the vehicle has to send (STATUSTEXT, MISSION_ITEM_REACHED, CAMERA_FEEDBACK...).
    pub fn take_events(&mut self) -> Vec<MavMessage> {
        std::mem::take(&mut self.events)
    }

    fn say(&mut self, severity: MavSeverity, text: &str) {
        tracing::info!(sysid = self.sysid, "{text}");
        self.events.push(telemetry::statustext(severity, text));
    }

    /// A HEARTBEAT from system `sysid` (the GCS failsafe listens to SYSID_MYGCS).
    pub fn heard_heartbeat(&mut self, sysid: u8) {
        if sysid == self.settings.gcs_sysid {
            self.last_gcs_heartbeat = Some(self.time);
        }
    }

    /// Apply a parameter change; returns false when the autopilot does not use it.
    pub fn apply_param(&mut self, name: &str, value: f64) -> bool {
        let known = self.settings.apply(name, value);
        if name.starts_with("SIM_WIND") {
            self.wind_config.speed_m_s = self.settings.sim.wind_speed;
            self.wind_config.direction_deg = self.settings.sim.wind_dir_deg;
            self.wind_config.turbulence_m_s = self.settings.sim.wind_turbulence;
            self.wind.set_config(self.wind_config.clone());
        }
        if name == "SIM_BATT_SAG" {
            self.battery.set_sag_multiplier(self.settings.sim.battery_sag);
        }
        if name == "SIM_BATT_CAP_AH" && self.settings.sim.battery_capacity_ah > 0.0 {
            let fraction = self.settings.sim.battery_capacity_ah * 1000.0 / self.battery_config.capacity_mah;
            self.battery.set_capacity_fraction(fraction);
        }
        known
    }

    /// A snapshot for telemetry: what the vehicle believes, plus its battery and GPS.
    pub fn snapshot(&self) -> Snapshot {
        let s = self.body.state();
        let (roll, pitch, yaw) = s.attitude.euler_angles();
        let max_thrust = self.body.airframe().max_thrust_n.max(1.0);
        Snapshot {
            time_s: self.time,
            sysid: self.sysid,
            mode: self.mode,
            armed: self.armed,
            on_ground: s.on_ground,
            landed_state: self.landed_state(),
            critical: self.failsafe.gcs_active(),
            home: self.home,
            position: self.estimated_position(),
            vel_ned: s.vel_ned,
            roll,
            pitch,
            yaw,
            rates: s.rates,
            throttle_pct: 100.0 * s.thrust_n / max_thrust,
            voltage: self.battery.voltage(),
            cell_count: self.battery_config.cells,
            current_a: self.battery.current_a(),
            consumed_mah: self.battery.consumed_mah(),
            remaining_pct: self.battery.remaining_pct(),
            gps_fix_type: self.gps_reading.fix_type,
            gps_sats: self.gps_reading.sats,
            gps_position: self.gps_reading.position,
            gps_eph_m: self.gps_reading.eph_m,
            gps_epv_m: self.gps_reading.epv_m,
            mission_seq: self.mission_seq,
            mission_total: self.mission.len() as u16,
            mission_running: self.mission_running,
            fence_enabled: self.settings.fence_enabled && self.settings.failsafe.fence_action != 0,
            fence_breached: self.failsafe.fence_active(),
        }
    }
}
