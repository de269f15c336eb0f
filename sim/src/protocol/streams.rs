//! Telemetry scheduling: which messages are due at a given simulation time, with ArduPilot's stream groups and MAVLink message intervals.
//!
//! Each streamed message has an interval (or none: off). REQUEST_DATA_STREAM sets the rate of
//! a whole group (ArduPilot's SRx_ groups, listed in [`StreamGroup::messages`]);
//! MAV_CMD_SET_MESSAGE_INTERVAL sets one message ([`StreamScheduler::set_interval`]); the last
//! request wins, as in ArduPilot. MAV_CMD_REQUEST_MESSAGE queues a one-shot
//! ([`StreamScheduler::request_once`]). HEARTBEAT is always sent and cannot be switched off.
//! One scheduler serves one link; the autopilot builds each due message from its state.

// REQUEST_DATA_STREAM is superseded by SET_MESSAGE_INTERVAL, but QGroundControl and MAVProxy
// still rate ArduPilot's streams with it.
#![allow(deprecated)]

use std::collections::BTreeSet;

use mavlink::dialects::ardupilotmega::{MavDataStream, MavMessage, MavResult, REQUEST_DATA_STREAM_DATA};

use super::addressed_to_us;

/// Message ids the scheduler knows (MAVLink common numbering).
pub mod id {
    pub const HEARTBEAT: u32 = 0;
    pub const SYS_STATUS: u32 = 1;
    pub const SYSTEM_TIME: u32 = 2;
    pub const GPS_RAW_INT: u32 = 24;
    pub const RAW_IMU: u32 = 27;
    pub const SCALED_PRESSURE: u32 = 29;
    pub const ATTITUDE: u32 = 30;
    pub const LOCAL_POSITION_NED: u32 = 32;
    pub const GLOBAL_POSITION_INT: u32 = 33;
    pub const SERVO_OUTPUT_RAW: u32 = 36;
    pub const MISSION_CURRENT: u32 = 42;
    pub const NAV_CONTROLLER_OUTPUT: u32 = 62;
    pub const RC_CHANNELS: u32 = 65;
    pub const VFR_HUD: u32 = 74;
    pub const BATTERY_STATUS: u32 = 147;
    pub const FENCE_STATUS: u32 = 162;
    pub const WIND: u32 = 168;
    pub const EKF_STATUS_REPORT: u32 = 193;
    pub const VIBRATION: u32 = 241;
    pub const HOME_POSITION: u32 = 242;
    pub const EXTENDED_SYS_STATE: u32 = 245;
}

/// ArduPilot's stream groups (MAV_DATA_STREAM_*), which REQUEST_DATA_STREAM rates as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StreamGroup {
    RawSensors,
    ExtendedStatus,
    RcChannels,
    Position,
    Extra1,
    Extra2,
    Extra3,
}

impl StreamGroup {
    pub const ALL: [StreamGroup; 7] = [
        StreamGroup::RawSensors,
        StreamGroup::ExtendedStatus,
        StreamGroup::RcChannels,
        StreamGroup::Position,
        StreamGroup::Extra1,
        StreamGroup::Extra2,
        StreamGroup::Extra3,
    ];

    /// The group a MAV_DATA_STREAM id names; None for MAV_DATA_STREAM_ALL and for
    /// RAW_CONTROLLER, which a Copter does not stream.
    pub fn from_stream(stream: MavDataStream) -> Option<StreamGroup> {
        match stream {
            MavDataStream::MAV_DATA_STREAM_RAW_SENSORS => Some(StreamGroup::RawSensors),
            MavDataStream::MAV_DATA_STREAM_EXTENDED_STATUS => Some(StreamGroup::ExtendedStatus),
            MavDataStream::MAV_DATA_STREAM_RC_CHANNELS => Some(StreamGroup::RcChannels),
            MavDataStream::MAV_DATA_STREAM_POSITION => Some(StreamGroup::Position),
            MavDataStream::MAV_DATA_STREAM_EXTRA1 => Some(StreamGroup::Extra1),
            MavDataStream::MAV_DATA_STREAM_EXTRA2 => Some(StreamGroup::Extra2),
            MavDataStream::MAV_DATA_STREAM_EXTRA3 => Some(StreamGroup::Extra3),
            MavDataStream::MAV_DATA_STREAM_ALL | MavDataStream::MAV_DATA_STREAM_RAW_CONTROLLER => None,
        }
    }

    /// The messages of the group that the simulator produces, as ArduPilot Copter groups them
    /// (EXTENDED_SYS_STATE rides with the extended status).
    pub fn messages(self) -> &'static [u32] {
        match self {
            StreamGroup::RawSensors => &[id::RAW_IMU, id::SCALED_PRESSURE],
            StreamGroup::ExtendedStatus => &[
                id::SYS_STATUS,
                id::GPS_RAW_INT,
                id::MISSION_CURRENT,
                id::NAV_CONTROLLER_OUTPUT,
                id::FENCE_STATUS,
                id::EXTENDED_SYS_STATE,
            ],
            StreamGroup::RcChannels => &[id::SERVO_OUTPUT_RAW, id::RC_CHANNELS],
            StreamGroup::Position => &[id::GLOBAL_POSITION_INT, id::LOCAL_POSITION_NED],
            StreamGroup::Extra1 => &[id::ATTITUDE],
            StreamGroup::Extra2 => &[id::VFR_HUD],
            StreamGroup::Extra3 => &[
                id::SYSTEM_TIME,
                id::WIND,
                id::BATTERY_STATUS,
                id::EKF_STATUS_REPORT,
                id::VIBRATION,
            ],
        }
    }

    /// Default rate in Hz before any request: what a ground station sees without asking.
    /// ArduPilot's own SRx_ defaults are mostly 0 and every GCS asks; these are the rates
    /// MAVProxy and QGroundControl ask for, so plain scripts see telemetry too.
    pub fn default_hz(self) -> f64 {
        match self {
            StreamGroup::RawSensors | StreamGroup::RcChannels => 0.0,
            StreamGroup::ExtendedStatus | StreamGroup::Extra3 => 2.0,
            StreamGroup::Position | StreamGroup::Extra1 | StreamGroup::Extra2 => 4.0,
        }
    }
}

/// HOME_POSITION is in no group (ArduPilot sends it on change and on request); we also
/// stream it slowly, as PX4 does, for peers that never ask.
const HOME_POSITION_HZ: f64 = 0.5;
const HEARTBEAT_HZ: f64 = 1.0;

#[derive(Debug, Clone)]
struct Entry {
    msg_id: u32,
    group: Option<StreamGroup>,
    default_interval_s: Option<f64>,
    interval_s: Option<f64>,
    next_due_s: f64,
}

fn interval_for_hz(hz: f64) -> Option<f64> {
    (hz > 0.0).then(|| 1.0 / hz)
}

/// Per-link telemetry scheduler.
#[derive(Debug, Clone)]
pub struct StreamScheduler {
    /// Sorted by message id, which is also the order `due` returns them in.
    entries: Vec<Entry>,
    once: BTreeSet<u32>,
}

impl Default for StreamScheduler {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamScheduler {
    /// The defaults: HEARTBEAT 1 Hz, HOME_POSITION 0.5 Hz, each group at its `default_hz`.
    pub fn new() -> Self {
        let mut entries = vec![
            (id::HEARTBEAT, None, interval_for_hz(HEARTBEAT_HZ)),
            (id::HOME_POSITION, None, interval_for_hz(HOME_POSITION_HZ)),
        ];
        for group in StreamGroup::ALL {
            for &msg_id in group.messages() {
                entries.push((msg_id, Some(group), interval_for_hz(group.default_hz())));
            }
        }
        let mut entries: Vec<Entry> = entries
            .into_iter()
            .map(|(msg_id, group, interval)| Entry {
                msg_id,
                group,
                default_interval_s: interval,
                interval_s: interval,
                next_due_s: f64::NEG_INFINITY,
            })
            .collect();
        entries.sort_by_key(|e| e.msg_id);
        Self {
            entries,
            once: BTreeSet::new(),
        }
    }

    fn entry_mut(&mut self, msg_id: u32) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.msg_id == msg_id)
    }

    /// The current interval of a streamed message in seconds; None when it is off or not
    /// one we stream (for MAV_CMD_GET_MESSAGE_INTERVAL's reply).
    pub fn interval_s(&self, msg_id: u32) -> Option<f64> {
        self.entries
            .iter()
            .find(|e| e.msg_id == msg_id)
            .and_then(|e| e.interval_s)
    }

    /// Whether `msg_id` is one of the streamed messages.
    pub fn is_streamed(&self, msg_id: u32) -> bool {
        self.entries.iter().any(|e| e.msg_id == msg_id)
    }

    /// MAV_CMD_SET_MESSAGE_INTERVAL: `interval_us` -1 disables, 0 restores the default, a
    /// positive value sets the interval. FAILED for a message we do not stream (as ArduPilot)
    /// or another negative value, DENIED for switching HEARTBEAT off.
    pub fn set_interval(&mut self, msg_id: u32, interval_us: f64) -> MavResult {
        let Some(entry) = self.entry_mut(msg_id) else {
            return MavResult::MAV_RESULT_FAILED;
        };
        let interval = if interval_us == -1.0 {
            if msg_id == id::HEARTBEAT {
                return MavResult::MAV_RESULT_DENIED;
            }
            None
        } else if interval_us == 0.0 {
            entry.default_interval_s
        } else if interval_us > 0.0 && interval_us.is_finite() {
            Some(interval_us * 1e-6)
        } else {
            return MavResult::MAV_RESULT_FAILED;
        };
        entry.interval_s = interval;
        // Send it at the next `due`, then at the new pace.
        entry.next_due_s = f64::NEG_INFINITY;
        MavResult::MAV_RESULT_ACCEPTED
    }

    /// MAV_CMD_REQUEST_MESSAGE: `msg_id` is returned once by the next `due`. Any id is
    /// queued; the autopilot's command handler decides whether it can produce it.
    pub fn request_once(&mut self, msg_id: u32) {
        self.once.insert(msg_id);
    }

    /// REQUEST_DATA_STREAM: a group's rate (or all groups' for MAV_DATA_STREAM_ALL);
    /// `start_stop` 0 or a rate of 0 stops it. Returns false when not addressed to us or
    /// naming no group we stream (REQUEST_DATA_STREAM has no reply either way).
    pub fn handle_request_data_stream(&mut self, msg: &MavMessage, sysid: u8, compid: u8) -> bool {
        let MavMessage::REQUEST_DATA_STREAM(data) = msg else {
            return false;
        };
        if !addressed_to_us(msg, sysid, compid) {
            return false;
        }
        self.apply_data_stream(data)
    }

    fn apply_data_stream(&mut self, data: &REQUEST_DATA_STREAM_DATA) -> bool {
        let groups: Vec<StreamGroup> = match data.req_stream_id {
            MavDataStream::MAV_DATA_STREAM_ALL => StreamGroup::ALL.to_vec(),
            other => match StreamGroup::from_stream(other) {
                Some(group) => vec![group],
                None => return false,
            },
        };
        let hz = if data.start_stop == 0 {
            0.0
        } else {
            f64::from(data.req_message_rate)
        };
        for entry in &mut self.entries {
            if entry.group.is_some_and(|g| groups.contains(&g)) {
                entry.interval_s = interval_for_hz(hz);
                entry.next_due_s = f64::NEG_INFINITY;
            }
        }
        true
    }

    /// The messages to send at `now`, each at most once, by ascending message id: every
    /// streamed message whose interval has elapsed, and the queued one-shots. A stream that
    /// fell behind (a long gap between calls) sends once and resumes its pace from `now`
    /// rather than bursting to catch up.
    pub fn due(&mut self, now: f64) -> Vec<u32> {
        let mut due = std::mem::take(&mut self.once);
        for entry in &mut self.entries {
            let Some(interval) = entry.interval_s else {
                continue;
            };
            if now >= entry.next_due_s {
                due.insert(entry.msg_id);
                let next = entry.next_due_s + interval;
                entry.next_due_s = if next > now { next } else { now + interval };
            }
        }
        due.into_iter().collect()
    }
}

#[cfg(test)]
mod tests;
