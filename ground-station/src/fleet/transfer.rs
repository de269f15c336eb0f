//! The ground-station side of the MAVLink mission protocol for mission, fence and rally lists,
//! as a pure state machine: messages and the time go in, messages to send come out.
//!
//! * Upload: MISSION_COUNT (with `mission_type`) → the vehicle asks for each item with
//!   MISSION_REQUEST_INT or the legacy MISSION_REQUEST (id 40, as ArduPilot does) → we answer
//!   with MISSION_ITEM_INT either way (ArduPilot, PX4 and the simulator take it after either
//!   request, and its integer positions are exact where MISSION_ITEM's float degrees lose about
//!   half a metre) → MISSION_ACK, whose result is checked. Any requested seq is answered (a
//!   vehicle that restarted asks again from 0); a seq past the end fails the upload and cancels it
//!   on the vehicle. A duplicate request is answered again unless our answer is younger than one
//!   retransmission interval: then our own retransmission covers its loss, and answering both
//!   copies would double every later exchange (each duplicate item draws a duplicate request).
//!   MAV_MISSION_INVALID_SEQUENCE is not fatal (ArduPilot keeps the upload open and asks again);
//!   every other error result fails, naming the item last sent and the result.
//! * Silence: the message awaited on is sent again (COUNT, the last item, a request, the
//!   CLEAR_ALL) as [`super::timing`] says; re-sending the last item makes the vehicle repeat its
//!   request or its final ACK, so the station recovers a lost frame in either direction.
//! * Download: MISSION_REQUEST_LIST → MISSION_COUNT → MISSION_REQUEST_INT for each seq →
//!   MISSION_ITEM_INT (or MISSION_ITEM) → MISSION_ACK(ACCEPTED) to close it.
//! * Clear: MISSION_CLEAR_ALL → MISSION_ACK.
//!
//! Items go in and come out as the common dialect's `MISSION_ITEM_INT_DATA`, the type of
//! `mission::mavlink_items`.

// The legacy MISSION_REQUEST / MISSION_ITEM are deprecated in MAVLink, but ArduPilot uses them.
#![allow(deprecated)]

use std::time::Instant;

use mavlink::MavHeader;
use mavlink::dialects::ardupilotmega::{
    self as apm, MISSION_ACK_DATA, MISSION_CLEAR_ALL_DATA, MISSION_COUNT_DATA, MISSION_REQUEST_INT_DATA,
    MISSION_REQUEST_LIST_DATA, MavMessage, MavMissionResult,
};
use mavlink::dialects::common;

pub use super::lists::{ListKind, Operation, Outcome, TransferError};
use super::timing::{Attempts, Due, Rtt, Timing};
use super::wire::{STATION_COMPID, STATION_SYSID, to_apm, to_common};

fn result_name(r: MavMissionResult) -> String {
    format!("{r:?}")
}

enum Phase {
    Upload {
        items: Vec<apm::MISSION_ITEM_INT_DATA>,
        /// Highest seq requested so far.
        highest: Option<u16>,
        /// The seq of our last answer.
        answered: Option<u16>,
    },
    Download {
        count: Option<u16>,
        items: Vec<common::MISSION_ITEM_INT_DATA>,
    },
    Clear,
}

/// One exchange with one vehicle about one list.
pub struct Transfer {
    list: ListKind,
    /// The vehicle's system and (autopilot) component.
    target: (u8, u8),
    timing: Timing,
    rtt: Rtt,
    attempts: Attempts,
    phase: Phase,
    /// What silence makes us send again.
    awaited: MavMessage,
    result: Option<Result<Outcome, TransferError>>,
}

impl Transfer {
    /// Starts an upload: the MISSION_COUNT to send comes back with the machine.
    pub fn upload(
        list: ListKind,
        target: (u8, u8),
        items: &[common::MISSION_ITEM_INT_DATA],
        timing: Timing,
        rtt: Rtt,
        now: Instant,
    ) -> (Self, Vec<MavMessage>) {
        let count = u16::try_from(items.len());
        let wire: Option<Vec<_>> = items.iter().map(to_apm).collect();
        let count_msg = MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
            count: *count.as_ref().unwrap_or(&0),
            target_system: target.0,
            target_component: target.1,
            mission_type: list.wire(),
            opaque_id: 0,
        });
        let mut machine = Self::new(list, target, timing, rtt, now, count_msg.clone(), Phase::Clear);
        match (count, wire) {
            (Ok(_), Some(items)) => {
                machine.phase = Phase::Upload {
                    items,
                    highest: None,
                    answered: None,
                };
                (machine, vec![count_msg])
            }
            _ => {
                machine.result = Some(Err(TransferError::TooManyItems {
                    list,
                    count: items.len(),
                }));
                (machine, Vec::new())
            }
        }
    }

    /// Starts a download: the MISSION_REQUEST_LIST to send comes back with the machine.
    pub fn download(
        list: ListKind,
        target: (u8, u8),
        timing: Timing,
        rtt: Rtt,
        now: Instant,
    ) -> (Self, Vec<MavMessage>) {
        let msg = MavMessage::MISSION_REQUEST_LIST(MISSION_REQUEST_LIST_DATA {
            target_system: target.0,
            target_component: target.1,
            mission_type: list.wire(),
        });
        let phase = Phase::Download {
            count: None,
            items: Vec::new(),
        };
        (Self::new(list, target, timing, rtt, now, msg.clone(), phase), vec![msg])
    }

    /// Starts clearing a list: the MISSION_CLEAR_ALL to send comes back with the machine.
    pub fn clear(list: ListKind, target: (u8, u8), timing: Timing, rtt: Rtt, now: Instant) -> (Self, Vec<MavMessage>) {
        let msg = MavMessage::MISSION_CLEAR_ALL(MISSION_CLEAR_ALL_DATA {
            target_system: target.0,
            target_component: target.1,
            mission_type: list.wire(),
        });
        (
            Self::new(list, target, timing, rtt, now, msg.clone(), Phase::Clear),
            vec![msg],
        )
    }

    fn new(
        list: ListKind,
        target: (u8, u8),
        timing: Timing,
        rtt: Rtt,
        now: Instant,
        awaited: MavMessage,
        phase: Phase,
    ) -> Self {
        Self {
            list,
            target,
            timing,
            rtt,
            attempts: Attempts::new(now),
            phase,
            awaited,
            result: None,
        }
    }

    pub fn list(&self) -> ListKind {
        self.list
    }

    pub fn operation(&self) -> Operation {
        match self.phase {
            Phase::Upload { .. } => Operation::Upload,
            Phase::Download { .. } => Operation::Download,
            Phase::Clear => Operation::Clear,
        }
    }

    /// The link's round-trip estimate, refined by this exchange (for the next one).
    pub fn rtt(&self) -> Rtt {
        self.rtt
    }

    /// Retransmissions so far.
    pub fn retransmissions(&self) -> u32 {
        self.attempts.total_retransmits()
    }

    pub fn is_finished(&self) -> bool {
        self.result.is_some()
    }

    /// The result, once finished (taken once).
    pub fn take_result(&mut self) -> Option<Result<Outcome, TransferError>> {
        self.result.take()
    }

    /// When `poll` next has something to do; None once finished.
    pub fn deadline(&self) -> Option<Instant> {
        self.result
            .is_none()
            .then(|| self.attempts.deadline(&self.timing, &self.rtt))
    }

    /// Retransmits or gives up as the time says.
    pub fn poll(&mut self, now: Instant) -> Vec<MavMessage> {
        if self.result.is_some() {
            return Vec::new();
        }
        match self.attempts.due(now, &self.timing, &self.rtt) {
            Due::Nothing => Vec::new(),
            Due::Retransmit => {
                self.attempts.resent(now);
                vec![self.awaited.clone()]
            }
            Due::GiveUp => {
                self.result = Some(Err(TransferError::TimedOut {
                    list: self.list,
                    op: self.operation(),
                    waiting_for: self.waiting_for(),
                    retransmissions: self.attempts.retransmits(),
                    waited: self.attempts.silent_for(now),
                }));
                Vec::new()
            }
        }
    }

    fn waiting_for(&self) -> String {
        match &self.phase {
            Phase::Upload { highest: None, .. } => "the first item request (after MISSION_COUNT)".to_string(),
            Phase::Upload {
                answered: Some(seq),
                items,
                ..
            } if usize::from(*seq) + 1 >= items.len() => format!("MISSION_ACK after the last item ({seq})"),
            Phase::Upload { answered, .. } => {
                format!("the request for item {}", answered.map_or(0, |s| s.saturating_add(1)))
            }
            Phase::Download { count: None, .. } => "MISSION_COUNT (after MISSION_REQUEST_LIST)".to_string(),
            Phase::Download { items, .. } => format!("item {}", items.len()),
            Phase::Clear => "MISSION_ACK (after MISSION_CLEAR_ALL)".to_string(),
        }
    }

    /// One message from the vehicle; what to send back.
    pub fn handle(&mut self, now: Instant, header: &MavHeader, msg: &MavMessage) -> Vec<MavMessage> {
        if self.result.is_some() || header.system_id != u32::from(self.target.0) {
            return Vec::new();
        }
        let for_us = |system: u8, component: u8| {
            (system == STATION_SYSID || system == 0) && (component == STATION_COMPID || component == 0)
        };
        match msg {
            MavMessage::MISSION_REQUEST_INT(m) if m.mission_type == self.list.wire() => {
                if for_us(m.target_system, m.target_component) {
                    self.on_request(now, m.seq)
                } else {
                    Vec::new()
                }
            }
            MavMessage::MISSION_REQUEST(m) if m.mission_type == self.list.wire() => {
                if for_us(m.target_system, m.target_component) {
                    self.on_request(now, m.seq)
                } else {
                    Vec::new()
                }
            }
            MavMessage::MISSION_ACK(m) if m.mission_type == self.list.wire() => {
                if for_us(m.target_system, m.target_component) {
                    self.on_ack(now, m.mavtype)
                } else {
                    Vec::new()
                }
            }
            MavMessage::MISSION_COUNT(m) if m.mission_type == self.list.wire() => {
                if for_us(m.target_system, m.target_component) {
                    self.on_count(now, m.count)
                } else {
                    Vec::new()
                }
            }
            MavMessage::MISSION_ITEM_INT(m) if m.mission_type == self.list.wire() => {
                if for_us(m.target_system, m.target_component) {
                    self.on_item(now, m.clone())
                } else {
                    Vec::new()
                }
            }
            MavMessage::MISSION_ITEM(m) if m.mission_type == self.list.wire() => {
                if for_us(m.target_system, m.target_component) {
                    self.on_item(now, legacy_to_int(m))
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        }
    }

    fn sample_rtt(&mut self, now: Instant) {
        if let Some(rtt) = self.attempts.round_trip(now) {
            self.rtt.sample(rtt);
        }
    }

    fn on_request(&mut self, now: Instant, seq: u16) -> Vec<MavMessage> {
        let list = self.list;
        let target = self.target;
        let interval = self.attempts.interval(&self.timing, &self.rtt);
        let Phase::Upload {
            items,
            highest,
            answered,
        } = &mut self.phase
        else {
            return Vec::new();
        };
        let count = u16::try_from(items.len()).unwrap_or(u16::MAX);
        let Some(item) = items.get(usize::from(seq)) else {
            self.result = Some(Err(TransferError::RequestPastEnd { list, seq, count }));
            return vec![ack(list, target, MavMissionResult::MAV_MISSION_OPERATION_CANCELLED)];
        };
        let mut item = item.clone();
        item.seq = seq;
        item.target_system = target.0;
        item.target_component = target.1;
        item.mission_type = list.wire();
        let reply = MavMessage::MISSION_ITEM_INT(item);
        let forward = highest.is_none_or(|h| seq > h);
        if forward {
            // The vehicle moved on: time the round trip of what it answered.
            if let Some(rtt) = self.attempts.round_trip(now) {
                self.rtt.sample(rtt);
            }
            *highest = Some(seq);
            *answered = Some(seq);
            self.attempts.progressed(now);
        } else if *answered == Some(seq) {
            if now.saturating_duration_since(self.attempts.sent_at()) < interval {
                // Our retransmission is already due to cover a loss; see the module docs.
                return Vec::new();
            }
            self.attempts.resent(now);
        } else {
            // An earlier item again (the vehicle restarted, or asked out of order).
            *answered = Some(seq);
            self.attempts.resent(now);
        }
        self.awaited = reply.clone();
        vec![reply]
    }

    fn on_ack(&mut self, now: Instant, result: MavMissionResult) -> Vec<MavMessage> {
        let list = self.list;
        match &self.phase {
            Phase::Upload {
                items,
                highest,
                answered,
            } => {
                let count = u16::try_from(items.len()).unwrap_or(u16::MAX);
                match result {
                    MavMissionResult::MAV_MISSION_ACCEPTED => {
                        let requested = highest.map_or(0, |h| h + 1);
                        if requested == count {
                            self.sample_rtt(now);
                            self.result = Some(Ok(Outcome::Uploaded { count }));
                        } else if highest.is_some() {
                            self.result = Some(Err(TransferError::AcceptedEarly { list, requested, count }));
                        }
                        // Before the first request, an ACCEPTED can only be a late copy of the
                        // previous upload's final ACK: ignored.
                    }
                    // ArduPilot keeps the upload open after an item out of sequence and asks again.
                    MavMissionResult::MAV_MISSION_INVALID_SEQUENCE => {}
                    other => {
                        self.result = Some(Err(TransferError::Refused {
                            list,
                            op: Operation::Upload,
                            at: *answered,
                            result: result_name(other),
                        }));
                    }
                }
            }
            Phase::Download { items, count } => {
                if result != MavMissionResult::MAV_MISSION_ACCEPTED {
                    self.result = Some(Err(TransferError::Refused {
                        list,
                        op: Operation::Download,
                        at: count.map(|_| u16::try_from(items.len()).unwrap_or(u16::MAX)),
                        result: result_name(result),
                    }));
                }
            }
            Phase::Clear => {
                self.sample_rtt(now);
                self.result = Some(match result {
                    MavMissionResult::MAV_MISSION_ACCEPTED => Ok(Outcome::Cleared),
                    other => Err(TransferError::Refused {
                        list,
                        op: Operation::Clear,
                        at: None,
                        result: result_name(other),
                    }),
                });
            }
        }
        Vec::new()
    }

    fn on_count(&mut self, now: Instant, n: u16) -> Vec<MavMessage> {
        let Phase::Download { count, .. } = &mut self.phase else {
            return Vec::new();
        };
        if count.is_some() {
            // A copy of the answer to a retransmitted MISSION_REQUEST_LIST.
            return Vec::new();
        }
        *count = Some(n);
        if let Some(rtt) = self.attempts.round_trip(now) {
            self.rtt.sample(rtt);
        }
        self.attempts.progressed(now);
        if n == 0 {
            self.result = Some(Ok(Outcome::Downloaded(Vec::new())));
            return vec![ack(self.list, self.target, MavMissionResult::MAV_MISSION_ACCEPTED)];
        }
        self.awaited = self.item_request(0);
        vec![self.awaited.clone()]
    }

    fn on_item(&mut self, now: Instant, item: apm::MISSION_ITEM_INT_DATA) -> Vec<MavMessage> {
        let list = self.list;
        let Phase::Download {
            count: Some(count),
            items,
        } = &mut self.phase
        else {
            return Vec::new();
        };
        if usize::from(item.seq) != items.len() {
            // A copy of an item already received, answering a retransmitted request.
            return Vec::new();
        }
        let Some(mut common) = to_common(&item) else {
            self.result = Some(Err(TransferError::Unreadable { list, seq: item.seq }));
            return vec![ack(list, self.target, MavMissionResult::MAV_MISSION_UNSUPPORTED)];
        };
        common.target_system = 0;
        common.target_component = 0;
        items.push(common);
        let received = items.len();
        let count = *count;
        if let Some(rtt) = self.attempts.round_trip(now) {
            self.rtt.sample(rtt);
        }
        self.attempts.progressed(now);
        if received >= usize::from(count) {
            let items = std::mem::take(items);
            self.result = Some(Ok(Outcome::Downloaded(items)));
            return vec![ack(list, self.target, MavMissionResult::MAV_MISSION_ACCEPTED)];
        }
        self.awaited = self.item_request(u16::try_from(received).unwrap_or(u16::MAX));
        vec![self.awaited.clone()]
    }

    fn item_request(&self, seq: u16) -> MavMessage {
        MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
            seq,
            target_system: self.target.0,
            target_component: self.target.1,
            mission_type: self.list.wire(),
        })
    }
}

fn ack(list: ListKind, target: (u8, u8), result: MavMissionResult) -> MavMessage {
    MavMessage::MISSION_ACK(MISSION_ACK_DATA {
        target_system: target.0,
        target_component: target.1,
        mavtype: result,
        mission_type: list.wire(),
        opaque_id: 0,
    })
}

/// A legacy MISSION_ITEM as MISSION_ITEM_INT: float x/y scaled as the MAVLink definition says
/// (degrees × 1e7 in global frames, unscaled in MAV_FRAME_MISSION, metres × 1e4 otherwise).
fn legacy_to_int(m: &apm::MISSION_ITEM_DATA) -> apm::MISSION_ITEM_INT_DATA {
    use apm::MavFrame as F;
    let scale = match m.frame {
        F::MAV_FRAME_GLOBAL
        | F::MAV_FRAME_GLOBAL_INT
        | F::MAV_FRAME_GLOBAL_RELATIVE_ALT
        | F::MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
        | F::MAV_FRAME_GLOBAL_TERRAIN_ALT
        | F::MAV_FRAME_GLOBAL_TERRAIN_ALT_INT => 1e7,
        F::MAV_FRAME_MISSION => 1.0,
        _ => 1e4,
    };
    let xy = |v: f32| {
        if v.is_nan() {
            i32::MAX
        } else {
            (f64::from(v) * scale)
                .round()
                .clamp(f64::from(i32::MIN), f64::from(i32::MAX - 1)) as i32
        }
    };
    apm::MISSION_ITEM_INT_DATA {
        param1: m.param1,
        param2: m.param2,
        param3: m.param3,
        param4: m.param4,
        x: xy(m.x),
        y: xy(m.y),
        z: m.z,
        seq: m.seq,
        command: m.command,
        target_system: m.target_system,
        target_component: m.target_component,
        frame: m.frame,
        current: m.current,
        autocontinue: m.autocontinue,
        mission_type: m.mission_type,
    }
}

#[cfg(test)]
#[path = "transfer_tests.rs"]
mod tests;
