//! Vehicle commands over the MAVLink command protocol, as a pure state machine: each command is
//! sent as COMMAND_LONG or COMMAND_INT and is done only when a COMMAND_ACK says so. Silence is
//! answered by retransmission (COMMAND_LONG with its `confirmation` counted up, as the protocol
//! asks), on [`super::timing`]'s schedule; MAV_RESULT_IN_PROGRESS keeps waiting.

use std::time::{Duration, Instant};

use mavlink::MavHeader;
use mavlink::dialects::ardupilotmega::{
    COMMAND_INT_DATA, COMMAND_LONG_DATA, MavCmd, MavFrame, MavMessage, MavModeFlag, MavResult,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::timing::{Attempts, Due, Rtt, Timing};
use super::wire::{STATION_COMPID, STATION_SYSID};

/// ArduPilot's magic param2 of MAV_CMD_COMPONENT_ARM_DISARM that skips the pre-arm checks.
const FORCE_ARM_MAGIC: f32 = 21196.0;

/// ArduPilot Copter flight modes with their HEARTBEAT `custom_mode` numbers (`Mode::Number`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FlightMode {
    Stabilize,
    Acro,
    AltHold,
    Auto,
    Guided,
    Loiter,
    Rtl,
    Circle,
    Land,
    Drift,
    Sport,
    Flip,
    Autotune,
    Poshold,
    Brake,
    Throw,
    AvoidAdsb,
    GuidedNogps,
    SmartRtl,
    Flowhold,
    Follow,
    Zigzag,
    Systemid,
    Autorotate,
    AutoRtl,
}

const MODES: [(FlightMode, u32, &str); 25] = [
    (FlightMode::Stabilize, 0, "STABILIZE"),
    (FlightMode::Acro, 1, "ACRO"),
    (FlightMode::AltHold, 2, "ALT_HOLD"),
    (FlightMode::Auto, 3, "AUTO"),
    (FlightMode::Guided, 4, "GUIDED"),
    (FlightMode::Loiter, 5, "LOITER"),
    (FlightMode::Rtl, 6, "RTL"),
    (FlightMode::Circle, 7, "CIRCLE"),
    (FlightMode::Land, 9, "LAND"),
    (FlightMode::Drift, 11, "DRIFT"),
    (FlightMode::Sport, 13, "SPORT"),
    (FlightMode::Flip, 14, "FLIP"),
    (FlightMode::Autotune, 15, "AUTOTUNE"),
    (FlightMode::Poshold, 16, "POSHOLD"),
    (FlightMode::Brake, 17, "BRAKE"),
    (FlightMode::Throw, 18, "THROW"),
    (FlightMode::AvoidAdsb, 19, "AVOID_ADSB"),
    (FlightMode::GuidedNogps, 20, "GUIDED_NOGPS"),
    (FlightMode::SmartRtl, 21, "SMART_RTL"),
    (FlightMode::Flowhold, 22, "FLOWHOLD"),
    (FlightMode::Follow, 23, "FOLLOW"),
    (FlightMode::Zigzag, 24, "ZIGZAG"),
    (FlightMode::Systemid, 25, "SYSTEMID"),
    (FlightMode::Autorotate, 26, "AUTOROTATE"),
    (FlightMode::AutoRtl, 27, "AUTO_RTL"),
];

impl FlightMode {
    pub fn custom_mode(self) -> u32 {
        MODES.iter().find(|(m, ..)| *m == self).map_or(0, |(_, n, _)| *n)
    }

    pub fn from_custom_mode(n: u32) -> Option<Self> {
        MODES.iter().find(|(_, m, _)| *m == n).map(|(mode, ..)| *mode)
    }

    /// The name ArduPilot and QGroundControl show.
    pub fn name(self) -> &'static str {
        MODES.iter().find(|(m, ..)| *m == self).map_or("?", |(.., name)| name)
    }

    /// The name of a `custom_mode` number, `MODE(n)` for numbers Copter does not define.
    pub fn name_of(n: u32) -> String {
        Self::from_custom_mode(n).map_or_else(|| format!("MODE({n})"), |m| m.name().to_string())
    }
}

impl std::fmt::Display for FlightMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an officer (through the API) can ask of a vehicle. Altitudes are above home, metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum VehicleCommand {
    SetMode {
        mode: FlightMode,
    },
    Arm {
        force: bool,
    },
    Disarm {
        force: bool,
    },
    /// Climb to `alt_m` (ArduPilot: in GUIDED, armed, on the ground).
    Takeoff {
        alt_m: f32,
    },
    /// Fly the uploaded mission from its first item (MAV_CMD_MISSION_START).
    StartMission,
    /// Hold position: LOITER (ArduPilot has no DO_PAUSE_CONTINUE for Copter missions, nor does
    /// the simulator).
    Pause,
    /// Back to AUTO, which resumes the mission at its current item.
    Resume,
    /// Fly to a point and hold there (MAV_CMD_DO_REPOSITION, switching to GUIDED).
    GoTo {
        lat: f64,
        lon: f64,
        alt_m: f32,
    },
    /// Circle a point (MAV_CMD_DO_ORBIT): radius > 0 clockwise; `turns` 0 circles until told otherwise.
    Orbit {
        lat: f64,
        lon: f64,
        alt_m: f32,
        radius_m: f32,
        speed_m_s: f32,
        turns: f32,
    },
    ReturnToLaunch,
    Land,
}

impl VehicleCommand {
    /// The MAV_CMD that carries it.
    pub fn mav_cmd(&self) -> MavCmd {
        match self {
            VehicleCommand::SetMode { .. } | VehicleCommand::Pause | VehicleCommand::Resume => {
                MavCmd::MAV_CMD_DO_SET_MODE
            }
            VehicleCommand::Arm { .. } | VehicleCommand::Disarm { .. } => MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            VehicleCommand::Takeoff { .. } => MavCmd::MAV_CMD_NAV_TAKEOFF,
            VehicleCommand::StartMission => MavCmd::MAV_CMD_MISSION_START,
            VehicleCommand::GoTo { .. } => MavCmd::MAV_CMD_DO_REPOSITION,
            VehicleCommand::Orbit { .. } => MavCmd::MAV_CMD_DO_ORBIT,
            VehicleCommand::ReturnToLaunch => MavCmd::MAV_CMD_NAV_RETURN_TO_LAUNCH,
            VehicleCommand::Land => MavCmd::MAV_CMD_NAV_LAND,
        }
    }

    /// A short description for errors and the audit log, e.g. "set mode LOITER (pause)".
    pub fn describe(&self) -> String {
        match self {
            VehicleCommand::SetMode { mode } => format!("set mode {mode}"),
            VehicleCommand::Arm { force } => format!("arm{}", if *force { " (forced)" } else { "" }),
            VehicleCommand::Disarm { force } => format!("disarm{}", if *force { " (forced)" } else { "" }),
            VehicleCommand::Takeoff { alt_m } => format!("take off to {alt_m} m"),
            VehicleCommand::StartMission => "start mission".into(),
            VehicleCommand::Pause => "pause (set mode LOITER)".into(),
            VehicleCommand::Resume => "resume (set mode AUTO)".into(),
            VehicleCommand::GoTo { lat, lon, alt_m } => format!("go to {lat:.6},{lon:.6} at {alt_m} m"),
            VehicleCommand::Orbit { lat, lon, radius_m, .. } => {
                format!("orbit {lat:.6},{lon:.6} at {radius_m} m radius")
            }
            VehicleCommand::ReturnToLaunch => "return to launch".into(),
            VehicleCommand::Land => "land".into(),
        }
    }

    /// Checks what a vehicle cannot be trusted to refuse.
    pub fn validate(&self) -> Result<(), String> {
        let position = |lat: f64, lon: f64| {
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
                Ok(())
            } else {
                Err(format!("position {lat},{lon} is not a latitude,longitude"))
            }
        };
        let finite = |name: &str, v: f32| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("{name} {v} is not a number"))
            }
        };
        match *self {
            VehicleCommand::Takeoff { alt_m } => {
                finite("altitude", alt_m)?;
                if alt_m <= 0.0 {
                    return Err(format!("take-off altitude {alt_m} m must be above 0"));
                }
                Ok(())
            }
            VehicleCommand::GoTo { lat, lon, alt_m } => {
                position(lat, lon)?;
                finite("altitude", alt_m)
            }
            VehicleCommand::Orbit {
                lat,
                lon,
                alt_m,
                radius_m,
                speed_m_s,
                turns,
            } => {
                position(lat, lon)?;
                finite("altitude", alt_m)?;
                finite("radius", radius_m)?;
                finite("speed", speed_m_s)?;
                finite("turns", turns)?;
                if radius_m == 0.0 {
                    return Err("orbit radius must not be 0".into());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The message for a vehicle (system, component); `confirmation` counts retransmissions.
    pub fn to_message(&self, target: (u8, u8), confirmation: u8) -> MavMessage {
        let long = |params: [f32; 7]| {
            MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
                param1: params[0],
                param2: params[1],
                param3: params[2],
                param4: params[3],
                param5: params[4],
                param6: params[5],
                param7: params[6],
                command: self.mav_cmd(),
                target_system: target.0,
                target_component: target.1,
                confirmation,
            })
        };
        let custom = MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED.bits() as f32;
        let mode = |m: FlightMode| long([custom, m.custom_mode() as f32, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let global = |params: [f32; 4], lat: f64, lon: f64, alt: f32| {
            MavMessage::COMMAND_INT(COMMAND_INT_DATA {
                param1: params[0],
                param2: params[1],
                param3: params[2],
                param4: params[3],
                x: (lat * 1e7).round() as i32,
                y: (lon * 1e7).round() as i32,
                z: alt,
                command: self.mav_cmd(),
                target_system: target.0,
                target_component: target.1,
                frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
                current: 0,
                autocontinue: 0,
            })
        };
        match *self {
            VehicleCommand::SetMode { mode: m } => mode(m),
            VehicleCommand::Pause => mode(FlightMode::Loiter),
            VehicleCommand::Resume => mode(FlightMode::Auto),
            VehicleCommand::Arm { force } | VehicleCommand::Disarm { force } => {
                let arm = if matches!(self, VehicleCommand::Arm { .. }) {
                    1.0
                } else {
                    0.0
                };
                long([arm, if force { FORCE_ARM_MAGIC } else { 0.0 }, 0.0, 0.0, 0.0, 0.0, 0.0])
            }
            VehicleCommand::Takeoff { alt_m } => long([0.0, 0.0, 0.0, f32::NAN, 0.0, 0.0, alt_m]),
            VehicleCommand::StartMission => long([0.0; 7]),
            // param1 -1: default speed; param2 bit 0 (MAV_DO_REPOSITION_FLAGS_CHANGE_MODE): to GUIDED.
            VehicleCommand::GoTo { lat, lon, alt_m } => global([-1.0, 1.0, 0.0, f32::NAN], lat, lon, alt_m),
            VehicleCommand::Orbit {
                lat,
                lon,
                alt_m,
                radius_m,
                speed_m_s,
                turns,
            } => global([radius_m, speed_m_s, 0.0, turns], lat, lon, alt_m),
            VehicleCommand::ReturnToLaunch | VehicleCommand::Land => long([0.0; 7]),
        }
    }
}

/// Why a command did not happen.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CommandError {
    #[error("vehicle {sysid}: {what} ({command}) refused with {result}{}", said.as_ref().map_or(String::new(), |s| format!(": the vehicle said \"{s}\"")))]
    Refused {
        sysid: u8,
        what: String,
        /// The MAV_CMD name.
        command: String,
        /// The MAV_RESULT name.
        result: String,
        /// The last STATUSTEXT the vehicle sent while the command was open (ArduPilot says why there).
        said: Option<String>,
    },
    #[error(
        "vehicle {sysid}: {what} ({command}) got no COMMAND_ACK: gave up after {retransmissions} retransmissions \
         and {:.1} s of silence", waited.as_secs_f64()
    )]
    TimedOut {
        sysid: u8,
        what: String,
        command: String,
        retransmissions: u32,
        waited: Duration,
    },
    #[error("vehicle {sysid}: {what}: {problem}")]
    Invalid { sysid: u8, what: String, problem: String },
    #[error("no vehicle {0} has been heard")]
    UnknownVehicle(u8),
    #[error("the fleet link has stopped")]
    Stopped,
}

/// One command in flight to one vehicle.
pub struct CommandExchange {
    command: VehicleCommand,
    target: (u8, u8),
    timing: Timing,
    rtt: Rtt,
    attempts: Attempts,
    confirmation: u8,
    said: Option<String>,
    result: Option<Result<(), CommandError>>,
}

impl CommandExchange {
    /// Starts a command; the first message to send comes back with the machine.
    pub fn start(
        command: VehicleCommand,
        target: (u8, u8),
        timing: Timing,
        rtt: Rtt,
        now: Instant,
    ) -> (Self, Vec<MavMessage>) {
        let mut exchange = Self {
            command,
            target,
            timing,
            rtt,
            attempts: Attempts::new(now),
            confirmation: 0,
            said: None,
            result: None,
        };
        if let Err(problem) = command.validate() {
            exchange.result = Some(Err(CommandError::Invalid {
                sysid: target.0,
                what: command.describe(),
                problem,
            }));
            return (exchange, Vec::new());
        }
        (exchange, vec![command.to_message(target, 0)])
    }

    pub fn command(&self) -> VehicleCommand {
        self.command
    }

    pub fn rtt(&self) -> Rtt {
        self.rtt
    }

    pub fn is_finished(&self) -> bool {
        self.result.is_some()
    }

    pub fn take_result(&mut self) -> Option<Result<(), CommandError>> {
        self.result.take()
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.result
            .is_none()
            .then(|| self.attempts.deadline(&self.timing, &self.rtt))
    }

    /// What the vehicle said (STATUSTEXT) while the command was open: kept for a refusal.
    pub fn vehicle_said(&mut self, text: &str) {
        if self.result.is_none() {
            self.said = Some(text.to_string());
        }
    }

    pub fn poll(&mut self, now: Instant) -> Vec<MavMessage> {
        if self.result.is_some() {
            return Vec::new();
        }
        match self.attempts.due(now, &self.timing, &self.rtt) {
            Due::Nothing => Vec::new(),
            Due::Retransmit => {
                self.attempts.resent(now);
                self.confirmation = self.confirmation.saturating_add(1);
                vec![self.command.to_message(self.target, self.confirmation)]
            }
            Due::GiveUp => {
                self.result = Some(Err(CommandError::TimedOut {
                    sysid: self.target.0,
                    what: self.command.describe(),
                    command: format!("{:?}", self.command.mav_cmd()),
                    retransmissions: self.attempts.retransmits(),
                    waited: self.attempts.silent_for(now),
                }));
                Vec::new()
            }
        }
    }

    /// A message from the vehicle: only its COMMAND_ACK for this command matters.
    pub fn handle(&mut self, now: Instant, header: &MavHeader, msg: &MavMessage) {
        let MavMessage::COMMAND_ACK(ack) = msg else {
            return;
        };
        if self.result.is_some()
            || header.system_id != u32::from(self.target.0)
            || ack.command != self.command.mav_cmd()
            || !(ack.target_system == STATION_SYSID || ack.target_system == 0)
            || !(ack.target_component == STATION_COMPID || ack.target_component == 0)
        {
            return;
        }
        if let Some(rtt) = self.attempts.round_trip(now) {
            self.rtt.sample(rtt);
        }
        self.result = match ack.result {
            MavResult::MAV_RESULT_ACCEPTED => Some(Ok(())),
            MavResult::MAV_RESULT_IN_PROGRESS => {
                // Still working on it: wait again, without retransmitting yet.
                self.attempts.progressed(now);
                None
            }
            other => Some(Err(CommandError::Refused {
                sysid: self.target.0,
                what: self.command.describe(),
                command: format!("{:?}", self.command.mav_cmd()),
                result: format!("{other:?}"),
                said: self.said.clone(),
            })),
        };
    }
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
