//! Per-vehicle state from telemetry, pure: a message and the time go in, the snapshot changes and
//! events come out. Snapshots are what the API sends (serde), one per vehicle.
//!
//! Discovery: only an autopilot's HEARTBEAT makes a vehicle ([`is_autopilot`]); ground stations,
//! companion computers, cameras and gimbals are ignored. Link quality counts gaps in each
//! component's MAVLink sequence numbers as lost frames.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mavlink::MavHeader;
use mavlink::dialects::ardupilotmega::{HEARTBEAT_DATA, MavAutopilot, MavMessage, MavModeFlag, MavType};
use serde::{Deserialize, Serialize};

use super::command::FlightMode;

/// Status texts kept per vehicle.
const TEXTS_KEPT: usize = 20;
/// Window over which rates and loss are computed.
const QUALITY_WINDOW: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
    /// Above home, metres.
    pub alt_rel_m: f64,
    /// Above mean sea level, metres.
    pub alt_amsl_m: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Battery {
    pub remaining_pct: Option<u8>,
    pub voltage_v: Option<f64>,
    pub current_a: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gps {
    /// GPS_FIX_TYPE number (3 = 3D fix).
    pub fix_type: u8,
    pub fix: String,
    pub satellites: Option<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MissionProgress {
    /// The item being flown (MISSION_CURRENT.seq).
    pub current_seq: Option<u16>,
    /// Items in the mission, home excluded as ArduPilot counts them (MISSION_CURRENT.total).
    pub total: Option<u16>,
    /// The last item reached (MISSION_ITEM_REACHED).
    pub last_reached: Option<u16>,
    /// Items reached since discovery.
    pub reached_count: u32,
    /// MISSION_STATE name, when the vehicle reports it.
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusText {
    /// MAV_SEVERITY name.
    pub severity: String,
    pub text: String,
    pub unix_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkQuality {
    pub connected: bool,
    /// The address the vehicle was last heard from (and is answered at).
    pub peer: String,
    /// Whether the link is signed (the station has a key for it).
    pub signed: bool,
    pub last_heard_unix_ms: u64,
    /// Frames received per second over the last few seconds.
    pub rx_rate_hz: f64,
    /// Frames lost (gaps in sequence numbers) over the last few seconds, percent.
    pub loss_pct: f64,
    pub received: u64,
    pub lost: u64,
    /// Frames refused by the codec (bad CRC, unsigned or badly signed, replayed).
    pub rejected: u64,
    /// Times the link was lost (no frame for the link timeout).
    pub drops: u32,
}

/// When and from which frame a snapshot last changed (for latency measurement; not serialised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateStamp {
    pub at: Instant,
    pub msg_id: u32,
    pub component: u8,
    pub sequence: u8,
}

/// Everything the station knows about one vehicle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleSnapshot {
    pub sysid: u8,
    /// The autopilot's component (commands and missions go there).
    pub compid: u8,
    pub autopilot: String,
    pub vehicle_type: String,
    /// ArduPilot Copter mode name (e.g. "GUIDED"), and its number.
    pub mode: String,
    pub custom_mode: u32,
    pub armed: bool,
    pub system_status: String,
    pub position: Option<Position>,
    /// Degrees from north.
    pub heading_deg: Option<f64>,
    pub ground_speed_m_s: Option<f64>,
    pub climb_m_s: Option<f64>,
    pub battery: Battery,
    pub gps: Option<Gps>,
    pub mission: MissionProgress,
    pub home: Option<Position>,
    /// The latest status texts, oldest first.
    pub status_texts: Vec<StatusText>,
    pub link: LinkQuality,
    #[serde(skip)]
    pub last_update: Option<UpdateStamp>,
}

impl VehicleSnapshot {
    pub fn new(sysid: u8, compid: u8, peer: SocketAddr, signed: bool) -> Self {
        Self {
            sysid,
            compid,
            autopilot: String::new(),
            vehicle_type: String::new(),
            mode: String::new(),
            custom_mode: 0,
            armed: false,
            system_status: String::new(),
            position: None,
            heading_deg: None,
            ground_speed_m_s: None,
            climb_m_s: None,
            battery: Battery::default(),
            gps: None,
            mission: MissionProgress::default(),
            home: None,
            status_texts: Vec::new(),
            link: LinkQuality {
                connected: true,
                peer: peer.to_string(),
                signed,
                ..LinkQuality::default()
            },
            last_update: None,
        }
    }
}

/// A change worth telling the API about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum FleetEvent {
    Discovered { sysid: u8, peer: String },
    LinkLost { sysid: u8 },
    LinkRegained { sysid: u8 },
    ModeChanged { sysid: u8, mode: String },
    ArmedChanged { sysid: u8, armed: bool },
    StatusText { sysid: u8, severity: String, text: String },
    MissionCurrent { sysid: u8, seq: u16, total: u16 },
    MissionItemReached { sysid: u8, seq: u16 },
}

/// Whether a HEARTBEAT comes from an autopilot (a vehicle), not from a ground station, a
/// companion computer or a peripheral.
pub fn is_autopilot(hb: &HEARTBEAT_DATA) -> bool {
    hb.autopilot != MavAutopilot::MAV_AUTOPILOT_INVALID
        && !matches!(
            hb.mavtype,
            MavType::MAV_TYPE_GCS
                | MavType::MAV_TYPE_ONBOARD_CONTROLLER
                | MavType::MAV_TYPE_GIMBAL
                | MavType::MAV_TYPE_CAMERA
                | MavType::MAV_TYPE_ADSB
                | MavType::MAV_TYPE_ANTENNA_TRACKER
                | MavType::MAV_TYPE_SERVO
                | MavType::MAV_TYPE_BATTERY
                | MavType::MAV_TYPE_PARACHUTE
                | MavType::MAV_TYPE_LOG
                | MavType::MAV_TYPE_OSD
                | MavType::MAV_TYPE_IMU
                | MavType::MAV_TYPE_GPS
                | MavType::MAV_TYPE_WINCH
                | MavType::MAV_TYPE_GENERIC
        )
}

/// Link bookkeeping behind a snapshot's [`LinkQuality`].
#[derive(Debug, Default)]
pub struct LinkTracker {
    /// Last sequence number per sending component.
    last_seq: BTreeMap<u8, u8>,
    received: u64,
    lost: u64,
    last_heard: Option<Instant>,
    /// (time, received, lost) samples for the rate and loss window.
    samples: VecDeque<(Instant, u64, u64)>,
}

impl LinkTracker {
    /// Counts one accepted frame; a gap in its component's sequence counts as lost frames
    /// (a jump of 128 or more is taken as a restart or reordering, not loss).
    fn count(&mut self, now: Instant, header: &MavHeader) {
        if let Some(prev) = self.last_seq.insert(header.component_id, header.sequence) {
            let gap = header.sequence.wrapping_sub(prev).wrapping_sub(1);
            if gap < 128 {
                self.lost += u64::from(gap);
            }
        }
        self.received += 1;
        self.last_heard = Some(now);
    }
}

/// Applies one accepted message from the vehicle's system to its snapshot.
pub fn apply(
    snap: &mut VehicleSnapshot,
    link: &mut LinkTracker,
    now: Instant,
    unix_ms: u64,
    header: &MavHeader,
    msg: &MavMessage,
    events: &mut Vec<FleetEvent>,
) {
    let sysid = snap.sysid;
    link.count(now, header);
    snap.link.received = link.received;
    snap.link.lost = link.lost;
    snap.link.last_heard_unix_ms = unix_ms;
    if !snap.link.connected {
        snap.link.connected = true;
        events.push(FleetEvent::LinkRegained { sysid });
    }
    snap.last_update = Some(UpdateStamp {
        at: now,
        msg_id: mavlink::Message::message_id(msg),
        component: header.component_id,
        sequence: header.sequence,
    });
    let from_autopilot = header.component_id == snap.compid;
    match msg {
        MavMessage::HEARTBEAT(hb) if from_autopilot && is_autopilot(hb) => heartbeat(snap, hb, events),
        MavMessage::GLOBAL_POSITION_INT(p) if from_autopilot => {
            snap.position = Some(Position {
                lat: f64::from(p.lat) / 1e7,
                lon: f64::from(p.lon) / 1e7,
                alt_rel_m: f64::from(p.relative_alt) / 1000.0,
                alt_amsl_m: f64::from(p.alt) / 1000.0,
            });
            if p.hdg != u16::MAX {
                snap.heading_deg = Some(f64::from(p.hdg) / 100.0);
            }
            snap.ground_speed_m_s = Some(f64::from(p.vx).hypot(f64::from(p.vy)) / 100.0);
            snap.climb_m_s = Some(-f64::from(p.vz) / 100.0);
        }
        MavMessage::VFR_HUD(h) if from_autopilot => {
            snap.ground_speed_m_s = Some(f64::from(h.groundspeed));
            snap.climb_m_s = Some(f64::from(h.climb));
            snap.heading_deg = Some(f64::from(h.heading));
        }
        MavMessage::SYS_STATUS(s) if from_autopilot => {
            snap.battery.voltage_v = (s.voltage_battery != u16::MAX).then(|| f64::from(s.voltage_battery) / 1000.0);
            snap.battery.current_a = (s.current_battery >= 0).then(|| f64::from(s.current_battery) / 100.0);
            snap.battery.remaining_pct = u8::try_from(s.battery_remaining).ok();
        }
        MavMessage::BATTERY_STATUS(b) if from_autopilot && b.id == 0 => {
            snap.battery.remaining_pct = u8::try_from(b.battery_remaining).ok().or(snap.battery.remaining_pct);
            snap.battery.current_a = (b.current_battery >= 0)
                .then(|| f64::from(b.current_battery) / 100.0)
                .or(snap.battery.current_a);
        }
        MavMessage::GPS_RAW_INT(g) if from_autopilot => {
            let fix = format!("{:?}", g.fix_type);
            snap.gps = Some(Gps {
                fix_type: g.fix_type as u8,
                fix: fix.trim_start_matches("GPS_FIX_TYPE_").to_string(),
                satellites: (g.satellites_visible != u8::MAX).then_some(g.satellites_visible),
            });
        }
        MavMessage::MISSION_CURRENT(m) if from_autopilot => {
            let changed = snap.mission.current_seq != Some(m.seq) || snap.mission.total != Some(m.total);
            snap.mission.current_seq = Some(m.seq);
            snap.mission.total = Some(m.total);
            snap.mission.state = Some(format!("{:?}", m.mission_state));
            if changed {
                events.push(FleetEvent::MissionCurrent {
                    sysid,
                    seq: m.seq,
                    total: m.total,
                });
            }
        }
        MavMessage::MISSION_ITEM_REACHED(m) if from_autopilot => {
            snap.mission.last_reached = Some(m.seq);
            snap.mission.reached_count += 1;
            events.push(FleetEvent::MissionItemReached { sysid, seq: m.seq });
        }
        MavMessage::HOME_POSITION(h) if from_autopilot => {
            let alt_amsl_m = f64::from(h.altitude) / 1000.0;
            snap.home = Some(Position {
                lat: f64::from(h.latitude) / 1e7,
                lon: f64::from(h.longitude) / 1e7,
                alt_rel_m: 0.0,
                alt_amsl_m,
            });
        }
        // Texts from every component of the vehicle (the agent says things too).
        MavMessage::STATUSTEXT(t) => {
            // Invalid UTF-8 from the vehicle is shown, not dropped.
            let text = t.text.to_str().map_or_else(
                |_| String::from_utf8_lossy(&t.text[..]).trim_end_matches('\0').to_string(),
                str::to_string,
            );
            let severity = format!("{:?}", t.severity)
                .trim_start_matches("MAV_SEVERITY_")
                .to_string();
            if snap.status_texts.len() >= TEXTS_KEPT {
                snap.status_texts.remove(0);
            }
            snap.status_texts.push(StatusText {
                severity: severity.clone(),
                text: text.clone(),
                unix_ms,
            });
            events.push(FleetEvent::StatusText { sysid, severity, text });
        }
        _ => {}
    }
}

fn heartbeat(snap: &mut VehicleSnapshot, hb: &HEARTBEAT_DATA, events: &mut Vec<FleetEvent>) {
    let sysid = snap.sysid;
    let mode = FlightMode::name_of(hb.custom_mode);
    if snap.mode != mode || snap.custom_mode != hb.custom_mode {
        snap.mode = mode.clone();
        snap.custom_mode = hb.custom_mode;
        events.push(FleetEvent::ModeChanged { sysid, mode });
    }
    let armed = hb.base_mode.contains(MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED);
    if armed != snap.armed {
        snap.armed = armed;
        events.push(FleetEvent::ArmedChanged { sysid, armed });
    }
    snap.autopilot = format!("{:?}", hb.autopilot)
        .trim_start_matches("MAV_AUTOPILOT_")
        .to_string();
    snap.vehicle_type = format!("{:?}", hb.mavtype).trim_start_matches("MAV_TYPE_").to_string();
    snap.system_status = format!("{:?}", hb.system_status)
        .trim_start_matches("MAV_STATE_")
        .to_string();
}

/// The periodic link check: rates and loss over the window, and a lost link after `timeout`
/// of silence. Returns true when the snapshot changed.
pub fn check_link(
    snap: &mut VehicleSnapshot,
    link: &mut LinkTracker,
    now: Instant,
    timeout: Duration,
    events: &mut Vec<FleetEvent>,
) -> bool {
    link.samples.push_back((now, link.received, link.lost));
    while link
        .samples
        .front()
        .is_some_and(|(t, ..)| now.saturating_duration_since(*t) > QUALITY_WINDOW)
    {
        link.samples.pop_front();
    }
    let before = (snap.link.rx_rate_hz, snap.link.loss_pct, snap.link.connected);
    if let Some(&(t, received, lost)) = link.samples.front() {
        let span = now.saturating_duration_since(t).as_secs_f64();
        let got = link.received - received;
        let missed = link.lost - lost;
        if span > 0.0 {
            snap.link.rx_rate_hz = got as f64 / span;
        }
        snap.link.loss_pct = if got + missed > 0 {
            100.0 * missed as f64 / (got + missed) as f64
        } else {
            0.0
        };
    }
    let silent = link
        .last_heard
        .is_none_or(|t| now.saturating_duration_since(t) >= timeout);
    if snap.link.connected && silent {
        snap.link.connected = false;
        snap.link.drops += 1;
        snap.link.rx_rate_hz = 0.0;
        events.push(FleetEvent::LinkLost { sysid: snap.sysid });
    }
    before != (snap.link.rx_rate_hz, snap.link.loss_pct, snap.link.connected)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
