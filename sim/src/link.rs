//! One vehicle's MAVLink side: bytes in, bytes out, through the codec, the protocol servers and
//! the autopilot. Pure (no sockets), so whole conversations can be tested without a network.
// Ground stations still send the legacy messages and commands ArduPilot answers; so do we.
#![allow(deprecated)]

use mavlink::MavHeader;
use mavlink::dialects::ardupilotmega::{
    COMMAND_ACK_DATA, MavCmd, MavFrame, MavMessage, MavResult, MavSeverity, PositionTargetTypemask,
};

use crate::autopilot::{CommandParams, CopterMode, Vehicle, telemetry};
use crate::protocol::{
    Codec, CodecStats, MissionConfig, MissionEvent, MissionServer, ParamServer, ParamTable, SigningKey, StreamScheduler,
};
use crate::rng::SimRng;

/// The autopilot's component id.
pub const AUTOPILOT_COMPID: u8 = 1;

mod msg_id {
    pub const HEARTBEAT: u32 = 0;
    pub const SYS_STATUS: u32 = 1;
    pub const GPS_RAW_INT: u32 = 24;
    pub const ATTITUDE: u32 = 30;
    pub const GLOBAL_POSITION_INT: u32 = 33;
    pub const MISSION_CURRENT: u32 = 42;
    pub const VFR_HUD: u32 = 74;
    pub const BATTERY_STATUS: u32 = 147;
    pub const AUTOPILOT_VERSION: u32 = 148;
    pub const HOME_POSITION: u32 = 242;
    pub const EXTENDED_SYS_STATE: u32 = 245;
}

/// Messages the simulator can produce on request or as a stream.
const BUILDABLE: [u32; 11] = [
    msg_id::HEARTBEAT,
    msg_id::SYS_STATUS,
    msg_id::GPS_RAW_INT,
    msg_id::ATTITUDE,
    msg_id::GLOBAL_POSITION_INT,
    msg_id::MISSION_CURRENT,
    msg_id::VFR_HUD,
    msg_id::BATTERY_STATUS,
    msg_id::AUTOPILOT_VERSION,
    msg_id::HOME_POSITION,
    msg_id::EXTENDED_SYS_STATE,
];

/// Counters of what the link did besides delivering.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub lost_in: u64,
    pub lost_out: u64,
    pub codec: CodecStats,
}

pub struct VehicleLink {
    vehicle: Vehicle,
    /// Home as last written into mission item 0.
    home_item: Option<mission::geodesy::Geodetic>,
    codec: Codec,
    missions: MissionServer,
    params: ParamServer,
    streams: StreamScheduler,
    loss_rng: SimRng,
    lost_in: u64,
    lost_out: u64,
}

impl VehicleLink {
    /// A link to `vehicle`; with a signing key, unsigned and badly signed frames are refused.
    pub fn new(mut vehicle: Vehicle, signing: Option<SigningKey>, seed: u64) -> Self {
        let sysid = vehicle.sysid();
        let mut table = ParamTable::ardupilot_copter_defaults();
        let cells = vehicle.battery().config().cells as f32;
        // What a customs operator sets on these aircraft, over ArduPilot's 3S defaults: each
        // vehicle's own id, this pack, battery failsafes (low → RTL at 3.5 V/cell, critical →
        // LAND at 3.3 V/cell). The ground-station failsafe stays off as in ArduPilot
        // (FS_GCS_ENABLE 0): a ground station paced in wall time cannot keep its heartbeat
        // within FS_GCS_TIMEOUT of a simulation running 20× faster; the station turns it on.
        for (name, value) in [
            ("SYSID_THISMAV", f32::from(sysid)),
            ("BATT_CAPACITY", vehicle.battery().config().capacity_mah as f32),
            ("BATT_LOW_VOLT", 3.5 * cells),
            ("BATT_CRT_VOLT", 3.3 * cells),
            ("BATT_FS_LOW_ACT", 2.0),
            ("BATT_FS_CRT_ACT", 1.0),
        ] {
            if let Err(e) = table.set(name, value) {
                tracing::error!("default parameter {name} not set: {e}");
            }
        }
        for p in table.iter() {
            vehicle.apply_param(&p.name, f64::from(p.value));
        }
        let mut link = Self {
            home_item: None,
            codec: Codec::new(sysid, AUTOPILOT_COMPID, signing),
            missions: MissionServer::new(sysid, AUTOPILOT_COMPID, MissionConfig::default()),
            params: ParamServer::new(sysid, AUTOPILOT_COMPID, table),
            streams: StreamScheduler::new(),
            loss_rng: SimRng::new(seed).fork(0x11_4C ^ u64::from(sysid)),
            lost_in: 0,
            lost_out: 0,
            vehicle,
        };
        link.sync_home_item();
        link
    }

    /// Mission item 0 is home, as ArduPilot keeps it: present even in an empty mission and
    /// rewritten whenever home moves (arming sets it), so that downloads show it.
    fn sync_home_item(&mut self) {
        use mavlink::dialects::common::{MISSION_ITEM_INT_DATA, MavCmd as Cmd, MavFrame as Frame, MavMissionType};
        let home = self.vehicle.home();
        if self.home_item == Some(home) && !self.missions.store().mission.is_empty() {
            return;
        }
        let item = MISSION_ITEM_INT_DATA {
            seq: 0,
            frame: Frame::MAV_FRAME_GLOBAL,
            command: Cmd::MAV_CMD_NAV_WAYPOINT,
            x: (home.lat * 1e7).round() as i32,
            y: (home.lon * 1e7).round() as i32,
            z: home.alt as f32,
            autocontinue: 1,
            mission_type: MavMissionType::MAV_MISSION_TYPE_MISSION,
            ..MISSION_ITEM_INT_DATA::default()
        };
        let store = self.missions.store_mut();
        match store.mission.first_mut() {
            Some(first) => *first = item,
            None => store.mission.push(item),
        }
        let mission = store.mission.clone();
        self.home_item = Some(home);
        self.vehicle.refresh_mission(mission);
    }

    pub fn sysid(&self) -> u8 {
        self.vehicle.sysid()
    }

    pub fn vehicle(&self) -> &Vehicle {
        &self.vehicle
    }

    pub fn vehicle_mut(&mut self) -> &mut Vehicle {
        &mut self.vehicle
    }

    pub fn stats(&self) -> LinkStats {
        LinkStats {
            lost_in: self.lost_in,
            lost_out: self.lost_out,
            codec: self.codec.stats(),
        }
    }

    pub fn params(&self) -> &ParamTable {
        self.params.table()
    }

    /// Set a parameter from outside MAVLink (failure injection, `--param`).
    pub fn set_param(&mut self, name: &str, value: f64) -> bool {
        match self.params.table_mut().set(name, value as f32) {
            Ok(stored) => {
                self.vehicle.apply_param(name, f64::from(stored));
                true
            }
            Err(e) => {
                tracing::warn!(sysid = self.sysid(), "parameter not set: {e}");
                false
            }
        }
    }

    fn lose(&mut self) -> bool {
        let pct = self.vehicle.settings.sim.link_loss_pct;
        pct > 0.0 && self.loss_rng.chance(pct / 100.0)
    }

    fn encode_all(&mut self, msgs: Vec<MavMessage>) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(msgs.len());
        for m in msgs {
            if self.lose() {
                self.lost_out += 1;
                continue;
            }
            out.push(self.codec.encode(&m));
        }
        out
    }

    /// A datagram from a ground station: the datagrams to send back.
    pub fn receive(&mut self, datagram: &[u8]) -> Vec<Vec<u8>> {
        if self.lose() {
            self.lost_in += 1;
            return Vec::new();
        }
        let mut replies = Vec::new();
        for decoded in self.codec.decode(datagram) {
            match decoded {
                Ok((header, msg)) => replies.extend(self.handle(&header, &msg)),
                Err(rejected) => tracing::warn!(sysid = self.sysid(), "{rejected}"),
            }
        }
        self.encode_all(replies)
    }

    /// Advance the vehicle by `dt`: the telemetry and events to send.
    pub fn tick(&mut self, dt: f64) -> Vec<Vec<u8>> {
        self.vehicle.step(dt);
        if self.home_item != Some(self.vehicle.home()) {
            self.sync_home_item();
        }
        let now = self.vehicle.time();
        let mut out = self.vehicle.take_events();
        out.extend(self.missions.poll(now).messages);
        let due = self.streams.due(now);
        if !due.is_empty() {
            let snapshot = self.vehicle.snapshot();
            out.extend(due.into_iter().filter_map(|id| build(id, &snapshot)));
        }
        if out.is_empty() {
            Vec::new()
        } else {
            self.encode_all(out)
        }
    }

    fn handle(&mut self, header: &MavHeader, msg: &MavMessage) -> Vec<MavMessage> {
        let now = self.vehicle.time();
        let sysid = self.sysid();
        let mut out = Vec::new();
        match msg {
            MavMessage::HEARTBEAT(_) => {
                if let Ok(s) = u8::try_from(header.system_id) {
                    self.vehicle.heard_heartbeat(s);
                }
            }
            MavMessage::MISSION_COUNT(_)
            | MavMessage::MISSION_ITEM(_)
            | MavMessage::MISSION_ITEM_INT(_)
            | MavMessage::MISSION_REQUEST(_)
            | MavMessage::MISSION_REQUEST_INT(_)
            | MavMessage::MISSION_REQUEST_LIST(_)
            | MavMessage::MISSION_REQUEST_PARTIAL_LIST(_)
            | MavMessage::MISSION_WRITE_PARTIAL_LIST(_)
            | MavMessage::MISSION_ACK(_)
            | MavMessage::MISSION_CLEAR_ALL(_)
            | MavMessage::MISSION_SET_CURRENT(_) => {
                let reply = self.missions.handle(now, header, msg);
                out.extend(reply.messages);
                for event in reply.events {
                    out.extend(self.mission_event(event));
                }
            }
            MavMessage::PARAM_REQUEST_LIST(_) | MavMessage::PARAM_REQUEST_READ(_) | MavMessage::PARAM_SET(_) => {
                let reply = self.params.handle(header, msg);
                out.extend(reply.messages);
                for changed in reply.events {
                    self.vehicle.apply_param(&changed.name, f64::from(changed.value));
                }
            }
            MavMessage::REQUEST_DATA_STREAM(_) => {
                self.streams.handle_request_data_stream(msg, sysid, AUTOPILOT_COMPID);
            }
            MavMessage::COMMAND_LONG(c) if c.target_system == sysid || c.target_system == 0 => {
                let p = CommandParams([c.param1, c.param2, c.param3, c.param4, c.param5, c.param6, c.param7]);
                out.extend(self.command(header, c.command, p));
            }
            MavMessage::COMMAND_INT(c) if c.target_system == sysid || c.target_system == 0 => {
                let global = !matches!(c.frame, MavFrame::MAV_FRAME_MISSION | MavFrame::MAV_FRAME_LOCAL_NED);
                let (lat, lon) = if global {
                    (c.x as f32 / 1e7, c.y as f32 / 1e7)
                } else {
                    (c.x as f32, c.y as f32)
                };
                // Commands take altitudes above home; the AMSL frame is converted.
                let alt = if c.frame == MavFrame::MAV_FRAME_GLOBAL {
                    c.z - self.vehicle.home().alt as f32
                } else {
                    c.z
                };
                let p = CommandParams([c.param1, c.param2, c.param3, c.param4, lat, lon, alt]);
                out.extend(self.command(header, c.command, p));
            }
            MavMessage::SET_MODE(m) if m.target_system == sysid => {
                let result = match CopterMode::from_custom_mode(m.custom_mode) {
                    Some(mode) => match self.vehicle.set_mode(mode) {
                        Ok(()) => MavResult::MAV_RESULT_ACCEPTED,
                        Err(e) => {
                            out.push(telemetry::statustext(MavSeverity::MAV_SEVERITY_WARNING, &e));
                            MavResult::MAV_RESULT_FAILED
                        }
                    },
                    None => MavResult::MAV_RESULT_UNSUPPORTED,
                };
                // ArduPilot answers SET_MODE with the DO_SET_MODE acknowledgement.
                out.push(ack(header, MavCmd::MAV_CMD_DO_SET_MODE, result));
            }
            MavMessage::SET_POSITION_TARGET_GLOBAL_INT(t)
                if t.target_system == sysid
                    && !t
                        .type_mask
                        .contains(PositionTargetTypemask::POSITION_TARGET_TYPEMASK_X_IGNORE) =>
            {
                let at = mission::geodesy::LatLon::new(f64::from(t.lat_int) / 1e7, f64::from(t.lon_int) / 1e7);
                let alt = if t.coordinate_frame == MavFrame::MAV_FRAME_GLOBAL {
                    f64::from(t.alt) - self.vehicle.home().alt
                } else {
                    f64::from(t.alt)
                };
                if let Err(e) = self.vehicle.guided_goto(at, alt) {
                    out.push(telemetry::statustext(MavSeverity::MAV_SEVERITY_WARNING, &e));
                }
            }
            MavMessage::SETUP_SIGNING(s)
                if s.target_system == sysid
                // Only over a link that is already trusted: unsigned, or signed with our key
                // (the codec has refused anything else before we get here).
                && self.codec.apply_setup_signing(s) =>
            {
                out.push(telemetry::statustext(
                    MavSeverity::MAV_SEVERITY_INFO,
                    "Signing key installed",
                ));
            }
            _ => {}
        }
        out
    }

    fn command(&mut self, header: &MavHeader, cmd: MavCmd, p: CommandParams) -> Vec<MavMessage> {
        let mut out = Vec::new();
        let result = match cmd {
            MavCmd::MAV_CMD_SET_MESSAGE_INTERVAL => {
                let id = p.0[0] as u32;
                if BUILDABLE.contains(&id) {
                    self.streams.set_interval(id, f64::from(p.0[1]))
                } else {
                    MavResult::MAV_RESULT_UNSUPPORTED
                }
            }
            MavCmd::MAV_CMD_REQUEST_MESSAGE => self.request_once(p.0[0] as u32),
            MavCmd::MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES => self.request_once(msg_id::AUTOPILOT_VERSION),
            MavCmd::MAV_CMD_GET_HOME_POSITION => self.request_once(msg_id::HOME_POSITION),
            MavCmd::MAV_CMD_DO_SET_MISSION_CURRENT => match self.vehicle.set_mission_current(p.0[0].max(0.0) as u16) {
                Ok(()) => {
                    out.push(telemetry::mission_current(&self.vehicle.snapshot()));
                    MavResult::MAV_RESULT_ACCEPTED
                }
                Err(e) => {
                    out.push(telemetry::statustext(MavSeverity::MAV_SEVERITY_WARNING, &e));
                    MavResult::MAV_RESULT_DENIED
                }
            },
            other => match self.vehicle.command(other, p) {
                Some(result) => {
                    out.extend(self.vehicle.take_events());
                    result
                }
                None => {
                    out.push(telemetry::statustext(
                        MavSeverity::MAV_SEVERITY_WARNING,
                        &format!("Unsupported command {}", other as u32),
                    ));
                    MavResult::MAV_RESULT_UNSUPPORTED
                }
            },
        };
        out.push(ack(header, cmd, result));
        out
    }

    fn request_once(&mut self, id: u32) -> MavResult {
        if BUILDABLE.contains(&id) {
            self.streams.request_once(id);
            MavResult::MAV_RESULT_ACCEPTED
        } else {
            MavResult::MAV_RESULT_UNSUPPORTED
        }
    }

    fn mission_event(&mut self, event: MissionEvent) -> Vec<MavMessage> {
        use mavlink::dialects::common::MavMissionType as T;
        let store = self.missions.store();
        let result = match event {
            MissionEvent::Uploaded(T::MAV_MISSION_TYPE_MISSION)
            | MissionEvent::Cleared(T::MAV_MISSION_TYPE_MISSION) => {
                self.vehicle.load_mission(store.mission.clone());
                self.home_item = None;
                self.sync_home_item();
                Ok(())
            }
            MissionEvent::Uploaded(T::MAV_MISSION_TYPE_FENCE) | MissionEvent::Cleared(T::MAV_MISSION_TYPE_FENCE) => {
                let fence = store.fence.clone();
                self.vehicle.load_fence(&fence)
            }
            MissionEvent::Uploaded(T::MAV_MISSION_TYPE_RALLY) | MissionEvent::Cleared(T::MAV_MISSION_TYPE_RALLY) => {
                let rally = store.rally.clone();
                self.vehicle.load_rally(&rally)
            }
            MissionEvent::SetCurrent(seq) => self.vehicle.set_mission_current(seq),
            _ => Ok(()),
        };
        let mut out = Vec::new();
        if let Err(e) = result {
            out.push(telemetry::statustext(MavSeverity::MAV_SEVERITY_WARNING, &e));
        }
        if let MissionEvent::SetCurrent(_) = event {
            out.push(telemetry::mission_current(&self.vehicle.snapshot()));
        }
        out
    }
}

fn ack(header: &MavHeader, command: MavCmd, result: MavResult) -> MavMessage {
    MavMessage::COMMAND_ACK(COMMAND_ACK_DATA {
        command,
        result,
        progress: 0,
        result_param2: 0,
        target_system: u8::try_from(header.system_id).unwrap_or(0),
        target_component: header.component_id,
    })
}

fn build(id: u32, s: &telemetry::Snapshot) -> Option<MavMessage> {
    Some(match id {
        msg_id::HEARTBEAT => telemetry::heartbeat(s),
        msg_id::SYS_STATUS => telemetry::sys_status(s),
        msg_id::GPS_RAW_INT => telemetry::gps_raw_int(s),
        msg_id::ATTITUDE => telemetry::attitude(s),
        msg_id::GLOBAL_POSITION_INT => telemetry::global_position_int(s),
        msg_id::MISSION_CURRENT => telemetry::mission_current(s),
        msg_id::VFR_HUD => telemetry::vfr_hud(s),
        msg_id::BATTERY_STATUS => telemetry::battery_status(s),
        msg_id::AUTOPILOT_VERSION => telemetry::autopilot_version(s.sysid),
        msg_id::HOME_POSITION => telemetry::home_position(s),
        msg_id::EXTENDED_SYS_STATE => telemetry::extended_sys_state(s),
        _ => return None,
    })
}
