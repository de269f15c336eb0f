//! What the protocol machines return ([`Reply`]), and the addressing and STATUSTEXT helpers they share.
//!
//! Every machine here is pure: no sockets and no clocks. It takes the simulation time `now`
//! (seconds) where timing matters and one received message with its header, and returns the
//! messages to send back plus events for the autopilot. Replies are addressed (target
//! system/component) to whoever sent the request; the caller frames them with the codec and
//! our own header. Messages use the ArduPilot dialect (`mavlink::dialects::ardupilotmega`,
//! which includes common); stored mission items use the common dialect's
//! `MISSION_ITEM_INT_DATA`, the type the `mission` crate's encoders and decoders work with.

use mavlink::dialects::ardupilotmega::{MavMessage, MavSeverity, STATUSTEXT_DATA};
use mavlink::{MavHeader, Message};

/// What one step of a protocol machine produced: messages to send, events for the autopilot.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<E> {
    pub messages: Vec<MavMessage>,
    pub events: Vec<E>,
}

impl<E> Default for Reply<E> {
    fn default() -> Self {
        Self {
            messages: Vec::new(),
            events: Vec::new(),
        }
    }
}

impl<E> Reply<E> {
    /// Nothing to send and nothing happened.
    pub fn none() -> Self {
        Self::default()
    }

    /// Just one message to send.
    pub fn message(msg: MavMessage) -> Self {
        Self {
            messages: vec![msg],
            events: Vec::new(),
        }
    }

    /// Appends another step's output (messages keep their order).
    pub fn extend(&mut self, other: Reply<E>) {
        self.messages.extend(other.messages);
        self.events.extend(other.events);
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.events.is_empty()
    }
}

/// The sender of a message as (system, component), the address replies go to. None for a
/// 32-bit system id (a MAVLink 2 extension), which no reply's u8 target field can address.
pub(crate) fn sender(header: &MavHeader) -> Option<(u8, u8)> {
    u8::try_from(header.system_id)
        .ok()
        .map(|system| (system, header.component_id))
}

/// True when `msg` is for us: addressed to our system (or broadcast, 0) and to our component
/// (or broadcast). Messages without target fields count as broadcast. Like ArduPilot's
/// routing, a message for another component of our system is not ours to process.
pub(crate) fn addressed_to_us(msg: &MavMessage, sysid: u8, compid: u8) -> bool {
    let system_ok = msg.target_system_id().is_none_or(|t| t == 0 || t == sysid);
    let component_ok = msg.target_component_id().is_none_or(|t| t == 0 || t == compid);
    system_ok && component_ok
}

/// A STATUSTEXT, cut to the 50 bytes one message carries (the text is ASCII in practice; a
/// cut inside a UTF-8 character only garbles that character).
pub(crate) fn statustext(severity: MavSeverity, text: &str) -> MavMessage {
    MavMessage::STATUSTEXT(STATUSTEXT_DATA {
        severity,
        text: text.into(),
        id: 0,
        chunk_seq: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink::dialects::ardupilotmega::{HEARTBEAT_DATA, PARAM_REQUEST_LIST_DATA};

    #[test]
    fn addressing_accepts_ours_and_broadcast_only() {
        let to = |s, c| {
            MavMessage::PARAM_REQUEST_LIST(PARAM_REQUEST_LIST_DATA {
                target_system: s,
                target_component: c,
            })
        };
        assert!(addressed_to_us(&to(3, 1), 3, 1));
        assert!(addressed_to_us(&to(0, 0), 3, 1));
        assert!(addressed_to_us(&to(3, 0), 3, 1));
        assert!(!addressed_to_us(&to(4, 1), 3, 1));
        assert!(!addressed_to_us(&to(3, 191), 3, 1));
        let untargeted = MavMessage::HEARTBEAT(HEARTBEAT_DATA::default());
        assert!(addressed_to_us(&untargeted, 3, 1));
    }

    #[test]
    fn statustext_is_cut_to_fifty_bytes() {
        let long = "x".repeat(80);
        let MavMessage::STATUSTEXT(data) = statustext(MavSeverity::MAV_SEVERITY_WARNING, &long) else {
            panic!("not a STATUSTEXT");
        };
        assert_eq!(data.text.to_str().unwrap(), &long[..50]);
        assert_eq!(data.severity, MavSeverity::MAV_SEVERITY_WARNING);
    }

    #[test]
    fn sender_refuses_32_bit_system_ids() {
        let header = |system_id| MavHeader {
            system_id,
            component_id: 190,
            sequence: 0,
        };
        assert_eq!(sender(&header(255)), Some((255, 190)));
        assert_eq!(sender(&header(300)), None);
    }
}
