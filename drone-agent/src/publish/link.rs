//! Which outbox message each in-flight MQTT packet id stands for: the pure core of delivery.
//!
//! rumqttc assigns packet ids inside its event loop and reports them, in the order the requests
//! were queued, as `Outgoing::Publish(pkid)`; a PUBACK names only the pkid. So the publisher
//! records each queued publish here (with its msg_id, or None for one not from the outbox),
//! pairs it with the next reported pkid, and maps the PUBACK back to the msg_id.
//! On a disconnect everything in flight is forgotten (and rumqttc's own retransmission queue is
//! emptied): after the reconnect the outbox is replayed from its oldest unacknowledged message,
//! which keeps the order and makes the outbox the one source of truth.

use std::collections::{HashMap, VecDeque};

#[derive(Debug, Default)]
pub struct Link {
    connected: bool,
    /// The last msg_id handed to the client in this connection.
    cursor: Option<u64>,
    /// Queued publishes whose pkid is not reported yet, in queue order.
    queued: VecDeque<Option<u64>>,
    /// Reported pkid → msg_id, awaiting PUBACK.
    in_flight: HashMap<u16, Option<u64>>,
}

impl Link {
    pub fn connected(&self) -> bool {
        self.connected
    }

    /// A new connection: replay from the start of the outbox.
    pub fn on_connack(&mut self) {
        *self = Self {
            connected: true,
            ..Self::default()
        };
    }

    pub fn on_disconnect(&mut self) {
        *self = Self::default();
    }

    /// Where to continue reading the outbox for the next publish.
    pub fn cursor(&self) -> Option<u64> {
        self.cursor
    }

    /// Messages queued or in flight, not yet acknowledged.
    pub fn unacked(&self) -> usize {
        self.queued.len() + self.in_flight.len()
    }

    /// A publish was handed to the client; `msg_id` None for one the outbox does not track.
    pub fn on_queued(&mut self, msg_id: Option<u64>) {
        if let Some(id) = msg_id {
            self.cursor = Some(id);
        }
        self.queued.push_back(msg_id);
    }

    /// The client reported the pkid of the oldest queued publish.
    pub fn on_outgoing(&mut self, pkid: u16) {
        if let Some(msg_id) = self.queued.pop_front() {
            self.in_flight.insert(pkid, msg_id);
        }
    }

    /// PUBACK: the outbox message now safe at the broker, if any.
    pub fn on_puback(&mut self, pkid: u16) -> Option<u64> {
        self.in_flight.remove(&pkid).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_pkids_in_queue_order() {
        let mut link = Link::default();
        link.on_connack();
        link.on_queued(None); // presence
        link.on_queued(Some(7));
        link.on_queued(Some(8));
        link.on_outgoing(1);
        link.on_outgoing(2);
        link.on_outgoing(3);
        assert_eq!(link.on_puback(1), None);
        assert_eq!(link.on_puback(3), Some(8), "out-of-order acks still map right");
        assert_eq!(link.on_puback(2), Some(7));
        assert_eq!(link.on_puback(2), None, "duplicate puback");
        assert_eq!(link.cursor(), Some(8));
        assert_eq!(link.unacked(), 0);
    }

    #[test]
    fn disconnect_forgets_in_flight_and_replays_from_the_start() {
        let mut link = Link::default();
        link.on_connack();
        link.on_queued(Some(1));
        link.on_outgoing(1);
        link.on_queued(Some(2));
        link.on_disconnect();
        assert!(!link.connected());
        assert_eq!(link.on_puback(1), None, "a stale ack cannot confirm anything");
        link.on_connack();
        assert_eq!(link.cursor(), None);
        assert_eq!(link.unacked(), 0);
    }
}
