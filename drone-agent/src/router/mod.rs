//! MAVLink router between the autopilot and the ground-station links, signing on the air side.
//!
//! Like mavlink-router: what the autopilot says goes to every ground-station link (or only to
//! the one whose system it targets); what a ground station says goes to the autopilot (when it
//! targets this vehicle or everyone) and to the other ground stations. The agent itself is
//! component 191 (MAV_COMP_ID_ONBOARD_COMPUTER) of the vehicle and sends its own HEARTBEAT.
//! Ground-station links cross the air: every frame we send there is signed, and unsigned,
//! badly signed or replayed frames from there are refused, counted and logged. The autopilot
//! link is the wire on the airframe (serial or local UDP) and stays unsigned.
//!
//! Pure: datagrams in, datagrams out; [`udp`] is the socket shell.

pub mod state;
pub mod udp;

use mavlink::dialects::ardupilotmega::{HEARTBEAT_DATA, MavAutopilot, MavMessage, MavModeFlag, MavState, MavType};
use mavlink::{MavHeader, Message};
use mavlink_io::{Codec, CodecStats, SigningKey};

pub use state::VehicleState;

/// MAV_COMP_ID_ONBOARD_COMPUTER.
pub const AGENT_COMPID: u8 = 191;

/// Where a datagram goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Autopilot,
    /// Index into the ground-station links.
    Gcs(usize),
}

/// Counters for the log and the status message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouterStats {
    pub from_autopilot: u64,
    pub from_gcs: u64,
    pub autopilot_codec: CodecStats,
    /// Per ground-station link: accepted, and refused by reason (unsigned, bad signature...).
    pub gcs_codecs: Vec<CodecStats>,
}

pub struct Router {
    sysid: u8,
    autopilot: Codec,
    gcs: Vec<GcsLink>,
    state: VehicleState,
    next_heartbeat_s: f64,
}

struct GcsLink {
    codec: Codec,
    /// Systems heard on this link, so that targeted messages go only where they are wanted.
    systems: Vec<u8>,
}

impl Router {
    /// A router for vehicle `sysid` with `gcs_links` ground-station links, each signed with
    /// `signing` (None: unsigned, for a bench or a wired link only).
    pub fn new(sysid: u8, gcs_links: usize, signing: Option<SigningKey>) -> Self {
        Self {
            sysid,
            autopilot: Codec::new(sysid, AGENT_COMPID, None),
            gcs: (0..gcs_links)
                .map(|_| GcsLink {
                    codec: Codec::new(sysid, AGENT_COMPID, signing.clone()),
                    systems: Vec::new(),
                })
                .collect(),
            state: VehicleState::default(),
            next_heartbeat_s: 0.0,
        }
    }

    pub fn state(&self) -> &VehicleState {
        &self.state
    }

    pub fn stats(&self) -> RouterStats {
        RouterStats {
            from_autopilot: self.autopilot.stats().accepted,
            from_gcs: self.gcs.iter().map(|g| g.codec.stats().accepted).sum(),
            autopilot_codec: self.autopilot.stats(),
            gcs_codecs: self.gcs.iter().map(|g| g.codec.stats()).collect(),
        }
    }

    /// A datagram from `from` at time `now_s`: the datagrams to send, and where.
    pub fn route(&mut self, now_s: f64, from: Link, datagram: &[u8]) -> Vec<(Link, Vec<u8>)> {
        let decoded = match from {
            Link::Autopilot => self.autopilot.decode(datagram),
            Link::Gcs(i) => match self.gcs.get_mut(i) {
                Some(link) => link.codec.decode(datagram),
                None => return Vec::new(),
            },
        };
        let mut out = Vec::new();
        for frame in decoded {
            let (header, msg) = match frame {
                Ok(ok) => ok,
                Err(rejected) => {
                    tracing::warn!(?from, "refused: {rejected}");
                    continue;
                }
            };
            match from {
                Link::Autopilot => {
                    self.state.observe(now_s, &msg);
                    let target = msg.target_system_id().filter(|t| *t != 0);
                    for (i, link) in self.gcs.iter_mut().enumerate() {
                        if target.is_none_or(|t| link.systems.contains(&t)) {
                            out.push((Link::Gcs(i), link.codec.forward(header, &msg)));
                        }
                    }
                }
                Link::Gcs(from_link) => {
                    if let Ok(system) = u8::try_from(header.system_id) {
                        let systems = &mut self.gcs[from_link].systems;
                        if !systems.contains(&system) {
                            systems.push(system);
                        }
                    }
                    let target_system = msg.target_system_id().filter(|t| *t != 0);
                    let target_component = msg.target_component_id().filter(|c| *c != 0);
                    let for_us = target_system == Some(self.sysid) && target_component == Some(AGENT_COMPID);
                    if for_us {
                        continue;
                    }
                    if target_system.is_none_or(|t| t == self.sysid) {
                        out.push((Link::Autopilot, self.autopilot.forward(header, &msg)));
                    }
                    for (i, link) in self.gcs.iter_mut().enumerate() {
                        let wanted = target_system.is_none_or(|t| link.systems.contains(&t));
                        if i != from_link && wanted {
                            out.push((Link::Gcs(i), link.codec.forward(header, &msg)));
                        }
                    }
                }
            }
        }
        out
    }

    /// The agent's own HEARTBEAT once a second, to the autopilot and every ground station.
    pub fn tick(&mut self, now_s: f64) -> Vec<(Link, Vec<u8>)> {
        if now_s < self.next_heartbeat_s {
            return Vec::new();
        }
        self.next_heartbeat_s = now_s + 1.0;
        let hb = MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            custom_mode: 0,
            mavtype: MavType::MAV_TYPE_ONBOARD_CONTROLLER,
            autopilot: MavAutopilot::MAV_AUTOPILOT_INVALID,
            base_mode: MavModeFlag::empty(),
            system_status: MavState::MAV_STATE_ACTIVE,
            mavlink_version: 3,
        });
        let mut out = vec![(Link::Autopilot, self.autopilot.encode(&hb))];
        for (i, link) in self.gcs.iter_mut().enumerate() {
            out.push((Link::Gcs(i), link.codec.encode(&hb)));
        }
        out
    }

    /// Header fields of the agent's own frames (for tests and logs).
    pub fn identity(&self) -> MavHeader {
        MavHeader {
            system_id: self.sysid.into(),
            component_id: AGENT_COMPID,
            sequence: 0,
        }
    }
}

#[cfg(test)]
mod tests;
