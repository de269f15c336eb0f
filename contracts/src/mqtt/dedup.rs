//! Receiver-side de-duplication by `(drone_id, msg_id)`, bounded in memory.
//!
//! Delivery is at-least-once (QoS 1 plus the agent's outbox re-sending what was not
//! acknowledged), so receivers drop repeats. Per drone, the last `window` ids seen are
//! remembered; an id below every remembered one (older than the window) is also treated as a
//! repeat, which is right because a drone's ids only grow and its outbox delivers in order.

use std::collections::{BTreeSet, HashMap};

use super::DroneId;

#[derive(Debug)]
pub struct Dedup {
    window: usize,
    seen: HashMap<DroneId, BTreeSet<u64>>,
}

impl Dedup {
    /// Remembers up to `window` (at least 1) ids per drone.
    pub fn new(window: usize) -> Self {
        Self {
            window: window.max(1),
            seen: HashMap::new(),
        }
    }

    /// True the first time `(drone_id, msg_id)` is seen: process it. False for a repeat: drop it.
    pub fn first_time(&mut self, drone_id: &DroneId, msg_id: u64) -> bool {
        let ids = self.seen.entry(drone_id.clone()).or_default();
        if ids.len() >= self.window && ids.first().is_some_and(|&oldest| msg_id < oldest) {
            return false;
        }
        if !ids.insert(msg_id) {
            return false;
        }
        while ids.len() > self.window {
            ids.pop_first();
        }
        true
    }

    /// How many ids are remembered in all.
    pub fn len(&self) -> usize {
        self.seen.values().map(BTreeSet::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_repeats_per_drone() {
        let a = DroneId::new("a").unwrap();
        let b = DroneId::new("b").unwrap();
        let mut dedup = Dedup::new(4);
        assert!(dedup.first_time(&a, 1));
        assert!(dedup.first_time(&b, 1), "ids are per drone");
        assert!(!dedup.first_time(&a, 1));
        assert!(dedup.first_time(&a, 3));
        assert!(dedup.first_time(&a, 2), "a gap filled late is new");
        assert!(!dedup.first_time(&a, 2));
    }

    #[test]
    fn stays_bounded_and_rejects_ids_older_than_the_window() {
        let a = DroneId::new("a").unwrap();
        let mut dedup = Dedup::new(3);
        for id in 1..=100 {
            assert!(dedup.first_time(&a, id));
        }
        assert_eq!(dedup.len(), 3);
        assert!(!dedup.first_time(&a, 100));
        assert!(!dedup.first_time(&a, 5), "older than the window");
        assert!(dedup.first_time(&a, 101));
    }
}
