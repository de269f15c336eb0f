//! Vehicle side of the MAVLink mission protocol for the mission, fence and rally lists, as ArduPilot Copter answers it.
//!
//! One transaction (upload or download) at a time per list type; the three types are
//! independent. What ArduPilot does (`MissionItemProtocol.cpp`), and so what we do:
//!
//! * Upload: MISSION_COUNT → MISSION_REQUEST_INT for seq 0, 1, … (MISSION_REQUEST, id 40,
//!   once the peer has answered with a legacy MISSION_ITEM; both item messages are accepted)
//!   → MISSION_ACK. A request left unanswered is re-sent every `timeout_s`; after `retries`
//!   re-sends the upload ends with MAV_MISSION_OPERATION_CANCELLED. A count of 0 clears.
//!   Errors: count over capacity → MAV_MISSION_NO_SPACE; a new count from another peer while
//!   busy → MAV_MISSION_DENIED (the same peer restarts); an item out of order →
//!   MAV_MISSION_INVALID_SEQUENCE, the upload stays open; an item from another peer →
//!   MAV_MISSION_DENIED; an item while no upload runs → MAV_MISSION_ERROR; a bad item → its
//!   MAV_MISSION_INVALID_* / UNSUPPORTED(_FRAME) code and the upload ends; a MISSION_ACK from
//!   the uploader (e.g. MAV_MISSION_OPERATION_CANCELLED) cancels it silently.
//! * Unlike ArduPilot, which overwrites its mission item by item, the list is staged and only
//!   replaces the stored one when complete and valid, so a failed upload leaves the old list.
//!   Fence and rally lists are validated with the `mission` crate's decoders; a refused list
//!   gets the matching MAV_MISSION_RESULT (MAV_MISSION_INVALID when no finer code fits).
//! * Download: MISSION_REQUEST_LIST → MISSION_COUNT; each MISSION_REQUEST_INT / MISSION_REQUEST
//!   → MISSION_ITEM_INT / MISSION_ITEM (answered even without a list request, as ArduPilot
//!   does); a seq past the end → MAV_MISSION_INVALID_SEQUENCE. The peer's MISSION_ACK, or
//!   `timeout_s × (retries + 1)` without a request, ends it. Reading during an upload of the
//!   same type → MAV_MISSION_DENIED; an upload from another peer during a download → DENIED.
//! * MISSION_CLEAR_ALL (one type or MAV_MISSION_TYPE_ALL) → MISSION_ACK; MAV_MISSION_ERROR
//!   while that type is uploading. MISSION_SET_CURRENT → [`MissionEvent::SetCurrent`] (the
//!   autopilot answers with MISSION_CURRENT), or a STATUSTEXT when no such item exists.
//! * Partial lists (MISSION_WRITE/REQUEST_PARTIAL_LIST) → MAV_MISSION_UNSUPPORTED; items with
//!   `current` 2 or 3 (ArduPilot's guided-mode shortcut) → MAV_MISSION_UNSUPPORTED: the
//!   simulator takes go-to requests as MAV_CMD_DO_REPOSITION.
//!
//! Mission seq 0 is home (ArduPilot convention): uploads include it and it is stored as sent;
//! the autopilot decides what to make of it and may rewrite `store_mut().mission[0]`.
//!
//! The server owns the [`MissionStore`]; the autopilot reads it (`store()`) after an
//! [`MissionEvent::Uploaded`] and may edit it (`store_mut()`) between transactions.

// MISSION_ITEM, MISSION_REQUEST and MISSION_SET_CURRENT are deprecated in MAVLink, but ArduPilot
// and older peers still use them, so the server must speak them.
#![allow(deprecated)]

mod items;
mod store;
#[cfg(test)]
mod tests;

pub use store::{MissionConfig, MissionEvent, MissionStore};

pub use ::mission::mavlink_items::MISSION_ITEM_INT_DATA;

use ::mission::mavlink_items::{decode_fence, decode_rally};
use mavlink::MavHeader;
use mavlink::dialects::ardupilotmega::{
    self as apm, MISSION_ACK_DATA, MISSION_COUNT_DATA, MISSION_REQUEST_DATA, MISSION_REQUEST_INT_DATA, MavMessage,
    MavMissionResult, MavSeverity,
};
use mavlink::dialects::common::MavMissionType;

use super::{Reply, addressed_to_us, sender, statustext};
use store::Kind;

type Peer = (u8, u8);

#[derive(Debug, Clone)]
struct Upload {
    peer: Peer,
    count: u16,
    /// Staged items 0..next.
    items: Vec<MISSION_ITEM_INT_DATA>,
    /// The peer sent legacy MISSION_ITEMs: request with MISSION_REQUEST from now on.
    legacy: bool,
    last_request_s: f64,
    retries_left: u32,
}

impl Upload {
    fn next(&self) -> u16 {
        // items.len() < count ≤ u16::MAX while the upload runs.
        u16::try_from(self.items.len()).unwrap_or(u16::MAX)
    }
}

#[derive(Debug, Clone)]
enum Transfer {
    Idle,
    Upload(Upload),
    Download { peer: Peer, last_activity_s: f64 },
}

/// The last finished upload of a type, so that a peer which missed our final ACK and sends
/// its last item again gets the ACK again rather than MAV_MISSION_ERROR.
#[derive(Debug, Clone, Copy)]
struct Finished {
    peer: Peer,
    last_seq: u16,
    result: MavMissionResult,
}

/// The mission protocol server of one vehicle (all links share it, as in ArduPilot).
#[derive(Debug, Clone)]
pub struct MissionServer {
    sysid: u8,
    compid: u8,
    config: MissionConfig,
    store: MissionStore,
    transfers: [Transfer; 3],
    finished: [Option<Finished>; 3],
}

impl MissionServer {
    pub fn new(sysid: u8, compid: u8, config: MissionConfig) -> Self {
        Self {
            sysid,
            compid,
            config,
            store: MissionStore::default(),
            transfers: [Transfer::Idle, Transfer::Idle, Transfer::Idle],
            finished: [None; 3],
        }
    }

    /// Follows a change of SYSID_THISMAV.
    pub fn set_sysid(&mut self, sysid: u8) {
        self.sysid = sysid;
    }

    pub fn store(&self) -> &MissionStore {
        &self.store
    }

    /// For the autopilot (home at mission seq 0, lists loaded from a scenario). Edits made
    /// during an upload are overwritten when the upload completes.
    pub fn store_mut(&mut self) -> &mut MissionStore {
        &mut self.store
    }

    /// True while an upload or download of this type is open.
    pub fn busy(&self, mission_type: MavMissionType) -> bool {
        Kind::from_common(mission_type).is_some_and(|kind| !matches!(self.transfers[kind as usize], Transfer::Idle))
    }

    /// Handles one received message; anything that is not mission protocol, or not for us,
    /// gives an empty reply.
    pub fn handle(&mut self, now: f64, header: &MavHeader, msg: &MavMessage) -> Reply<MissionEvent> {
        let Some(peer) = sender(header) else {
            return Reply::none();
        };
        if !addressed_to_us(msg, self.sysid, self.compid) {
            return Reply::none();
        }
        match msg {
            MavMessage::MISSION_COUNT(m) => self.on_count(now, peer, m),
            MavMessage::MISSION_ITEM_INT(m) => self.on_item(now, peer, m.clone(), false),
            MavMessage::MISSION_ITEM(m) => match items::legacy_to_int(m) {
                Ok(item) => self.on_item(now, peer, item, true),
                Err(result) => self.fail_upload(peer, Kind::from_wire(m.mission_type), m.mission_type, result),
            },
            MavMessage::MISSION_REQUEST_LIST(m) => self.on_request_list(now, peer, m.mission_type),
            MavMessage::MISSION_REQUEST_INT(m) => self.on_request(now, peer, m.mission_type, m.seq, false),
            MavMessage::MISSION_REQUEST(m) => self.on_request(now, peer, m.mission_type, m.seq, true),
            MavMessage::MISSION_ACK(m) => {
                self.on_ack(peer, m.mission_type);
                Reply::none()
            }
            MavMessage::MISSION_CLEAR_ALL(m) => self.on_clear_all(peer, m.mission_type),
            MavMessage::MISSION_SET_CURRENT(m) => self.on_set_current(m.seq),
            MavMessage::MISSION_WRITE_PARTIAL_LIST(m) => {
                Reply::message(ack(peer, m.mission_type, MavMissionResult::MAV_MISSION_UNSUPPORTED))
            }
            MavMessage::MISSION_REQUEST_PARTIAL_LIST(m) => {
                Reply::message(ack(peer, m.mission_type, MavMissionResult::MAV_MISSION_UNSUPPORTED))
            }
            _ => Reply::none(),
        }
    }

    /// Re-sends unanswered requests and ends transactions that timed out.
    pub fn poll(&mut self, now: f64) -> Reply<MissionEvent> {
        let mut reply = Reply::none();
        let idle_limit = self.config.timeout_s * f64::from(self.config.retries + 1);
        for kind in Kind::ALL {
            match &mut self.transfers[kind as usize] {
                Transfer::Upload(up) if now - up.last_request_s >= self.config.timeout_s => {
                    if up.retries_left > 0 {
                        up.retries_left -= 1;
                        up.last_request_s = now;
                        reply.messages.push(request(up, kind));
                    } else {
                        // ArduPilot tells the uploader it gave up.
                        let peer = up.peer;
                        self.transfers[kind as usize] = Transfer::Idle;
                        reply.messages.push(ack(
                            peer,
                            kind.wire(),
                            MavMissionResult::MAV_MISSION_OPERATION_CANCELLED,
                        ));
                    }
                }
                Transfer::Download { last_activity_s, .. } if now - *last_activity_s >= idle_limit => {
                    self.transfers[kind as usize] = Transfer::Idle;
                }
                _ => {}
            }
        }
        reply
    }

    fn on_count(&mut self, now: f64, peer: Peer, m: &MISSION_COUNT_DATA) -> Reply<MissionEvent> {
        let Some(kind) = Kind::from_wire(m.mission_type) else {
            return Reply::message(ack(peer, m.mission_type, MavMissionResult::MAV_MISSION_UNSUPPORTED));
        };
        let owner = match &self.transfers[kind as usize] {
            Transfer::Idle => None,
            Transfer::Upload(up) => Some(up.peer),
            Transfer::Download { peer, .. } => Some(*peer),
        };
        if owner.is_some_and(|owner| owner != peer) {
            return Reply::message(ack(peer, kind.wire(), MavMissionResult::MAV_MISSION_DENIED));
        }
        self.transfers[kind as usize] = Transfer::Idle;
        self.finished[kind as usize] = None;
        let capacity = self.config.capacity[kind as usize];
        if m.count > capacity {
            return Reply {
                messages: vec![
                    ack(peer, kind.wire(), MavMissionResult::MAV_MISSION_NO_SPACE),
                    statustext(
                        MavSeverity::MAV_SEVERITY_WARNING,
                        &format!("Only {capacity} items are supported"),
                    ),
                ],
                events: Vec::new(),
            };
        }
        if m.count == 0 {
            self.store.list_mut(kind).clear();
            return Reply {
                messages: vec![ack(peer, kind.wire(), MavMissionResult::MAV_MISSION_ACCEPTED)],
                events: vec![MissionEvent::Cleared(kind.common())],
            };
        }
        let upload = Upload {
            peer,
            count: m.count,
            items: Vec::with_capacity(usize::from(m.count)),
            legacy: false,
            last_request_s: now,
            retries_left: self.config.retries,
        };
        let first = request(&upload, kind);
        self.transfers[kind as usize] = Transfer::Upload(upload);
        Reply::message(first)
    }

    fn on_item(&mut self, now: f64, peer: Peer, item: apm::MISSION_ITEM_INT_DATA, legacy: bool) -> Reply<MissionEvent> {
        let wire_type = item.mission_type;
        if item.current == 2 || item.current == 3 {
            return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_UNSUPPORTED));
        }
        let Some(kind) = Kind::from_wire(wire_type) else {
            return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_UNSUPPORTED));
        };
        let Transfer::Upload(up) = &mut self.transfers[kind as usize] else {
            return Reply::message(match self.finished[kind as usize] {
                Some(done) if done.peer == peer && done.last_seq == item.seq => ack(peer, wire_type, done.result),
                _ => ack(peer, wire_type, MavMissionResult::MAV_MISSION_ERROR),
            });
        };
        if up.peer != peer {
            return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_DENIED));
        }
        let next = up.next();
        if item.seq != next {
            if item.seq.checked_add(1) == Some(next) {
                // A repeat of the item we already have: our request for the next one crossed
                // it, or was lost. Ask again instead of failing the upload.
                up.last_request_s = now;
                return Reply::message(request(up, kind));
            }
            return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_INVALID_SEQUENCE));
        }
        let mut stored = match items::check_item(&item) {
            Ok(stored) => stored,
            Err(result) => return self.fail_upload(peer, Some(kind), wire_type, result),
        };
        stored.mission_type = kind.common();
        up.items.push(stored);
        up.legacy |= legacy;
        up.last_request_s = now;
        up.retries_left = self.config.retries;
        if up.next() < up.count {
            return Reply::message(request(up, kind));
        }
        self.complete(kind)
    }

    /// Validates and stores a complete upload.
    fn complete(&mut self, kind: Kind) -> Reply<MissionEvent> {
        let Transfer::Upload(up) = std::mem::replace(&mut self.transfers[kind as usize], Transfer::Idle) else {
            return Reply::none();
        };
        let checked = match kind {
            Kind::Mission => Ok(()),
            Kind::Fence => decode_fence(&up.items).map(|_| ()),
            Kind::Rally => decode_rally(&up.items).map(|_| ()),
        };
        let last_seq = up.count - 1;
        let (result, events, text) = match checked {
            Ok(()) => {
                *self.store.list_mut(kind) = up.items;
                (
                    MavMissionResult::MAV_MISSION_ACCEPTED,
                    vec![MissionEvent::Uploaded(kind.common())],
                    None,
                )
            }
            Err(err) => (
                items::result_for(&err),
                Vec::new(),
                Some(statustext(MavSeverity::MAV_SEVERITY_WARNING, &err.to_string())),
            ),
        };
        self.finished[kind as usize] = Some(Finished {
            peer: up.peer,
            last_seq,
            result,
        });
        let mut messages = vec![ack(up.peer, kind.wire(), result)];
        messages.extend(text);
        Reply { messages, events }
    }

    /// Ends the peer's upload of `kind` (if it is theirs) with an error ACK.
    fn fail_upload(
        &mut self,
        peer: Peer,
        kind: Option<Kind>,
        wire_type: apm::MavMissionType,
        result: MavMissionResult,
    ) -> Reply<MissionEvent> {
        if let Some(kind) = kind
            && matches!(&self.transfers[kind as usize], Transfer::Upload(up) if up.peer == peer)
        {
            self.transfers[kind as usize] = Transfer::Idle;
        }
        Reply::message(ack(peer, wire_type, result))
    }

    fn on_request_list(&mut self, now: f64, peer: Peer, wire_type: apm::MavMissionType) -> Reply<MissionEvent> {
        let Some(kind) = Kind::from_wire(wire_type) else {
            return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_UNSUPPORTED));
        };
        if matches!(self.transfers[kind as usize], Transfer::Upload(_)) {
            return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_DENIED));
        }
        self.transfers[kind as usize] = Transfer::Download {
            peer,
            last_activity_s: now,
        };
        let count = u16::try_from(self.store.lists()[kind as usize].len()).unwrap_or(u16::MAX);
        Reply::message(MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
            count,
            target_system: peer.0,
            target_component: peer.1,
            mission_type: wire_type,
            opaque_id: 0,
        }))
    }

    fn on_request(
        &mut self,
        now: f64,
        peer: Peer,
        wire_type: apm::MavMissionType,
        seq: u16,
        legacy: bool,
    ) -> Reply<MissionEvent> {
        let Some(kind) = Kind::from_wire(wire_type) else {
            return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_UNSUPPORTED));
        };
        match &mut self.transfers[kind as usize] {
            Transfer::Upload(_) => {
                return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_DENIED));
            }
            Transfer::Download {
                peer: owner,
                last_activity_s,
            } if *owner == peer => *last_activity_s = now,
            _ => {}
        }
        let Some(stored) = self.store.lists()[kind as usize].get(usize::from(seq)) else {
            return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_INVALID_SEQUENCE));
        };
        let mut item = match items::from_common(stored) {
            Ok(item) => item,
            Err(result) => return Reply::message(ack(peer, wire_type, result)),
        };
        item.target_system = peer.0;
        item.target_component = peer.1;
        item.seq = seq;
        item.mission_type = wire_type;
        Reply::message(if legacy {
            MavMessage::MISSION_ITEM(items::int_to_legacy(&item))
        } else {
            MavMessage::MISSION_ITEM_INT(item)
        })
    }

    fn on_ack(&mut self, peer: Peer, wire_type: apm::MavMissionType) {
        let Some(kind) = Kind::from_wire(wire_type) else {
            return;
        };
        let owned = match &self.transfers[kind as usize] {
            Transfer::Upload(up) => up.peer == peer,
            Transfer::Download { peer: owner, .. } => *owner == peer,
            Transfer::Idle => false,
        };
        // The downloader's final ACK closes the download; an ACK from the uploader cancels the
        // upload (MAVLink: MAV_MISSION_OPERATION_CANCELLED; any other code ends it too).
        if owned {
            self.transfers[kind as usize] = Transfer::Idle;
        }
    }

    fn on_clear_all(&mut self, peer: Peer, wire_type: apm::MavMissionType) -> Reply<MissionEvent> {
        let kinds: Vec<Kind> = match Kind::from_wire(wire_type) {
            Some(kind) => vec![kind],
            None => Kind::ALL.to_vec(),
        };
        if kinds
            .iter()
            .any(|&kind| matches!(self.transfers[kind as usize], Transfer::Upload(_)))
        {
            return Reply::message(ack(peer, wire_type, MavMissionResult::MAV_MISSION_ERROR));
        }
        let mut events = Vec::new();
        for kind in kinds {
            self.store.list_mut(kind).clear();
            self.finished[kind as usize] = None;
            events.push(MissionEvent::Cleared(kind.common()));
        }
        Reply {
            messages: vec![ack(peer, wire_type, MavMissionResult::MAV_MISSION_ACCEPTED)],
            events,
        }
    }

    fn on_set_current(&mut self, seq: u16) -> Reply<MissionEvent> {
        if usize::from(seq) < self.store.mission.len() {
            Reply {
                messages: Vec::new(),
                events: vec![MissionEvent::SetCurrent(seq)],
            }
        } else {
            Reply::message(statustext(
                MavSeverity::MAV_SEVERITY_WARNING,
                &format!("Mission: no item {seq} to set as current"),
            ))
        }
    }
}

fn ack(peer: Peer, mission_type: apm::MavMissionType, result: MavMissionResult) -> MavMessage {
    MavMessage::MISSION_ACK(MISSION_ACK_DATA {
        target_system: peer.0,
        target_component: peer.1,
        mavtype: result,
        mission_type,
        opaque_id: 0,
    })
}

/// The request for the upload's next item, in the peer's flavour.
fn request(up: &Upload, kind: Kind) -> MavMessage {
    let (seq, (system, component), mission_type) = (up.next(), up.peer, kind.wire());
    if up.legacy {
        MavMessage::MISSION_REQUEST(MISSION_REQUEST_DATA {
            seq,
            target_system: system,
            target_component: component,
            mission_type,
        })
    } else {
        MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
            seq,
            target_system: system,
            target_component: component,
            mission_type,
        })
    }
}
