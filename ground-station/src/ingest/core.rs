//! The pure core of ingest: topic + bytes in, a typed event out; de-duplication, snapshot
//! joining, counters and the dead-letter list. No sockets, no clock (time is passed in).

use std::collections::VecDeque;

use bytes::Bytes;
use contracts::mqtt::{
    Dedup, DetectionBatch, DroneId, DroneStatus, Payload, Presence, SnapshotMeta, TrackUpdate, decode_payload,
};
use serde::{Deserialize, Serialize};

/// Bounds of the in-memory state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestLimits {
    /// msg_ids remembered per drone for de-duplication.
    pub dedup_window: usize,
    /// Malformed messages kept (the oldest go first).
    pub dead_letters: usize,
    /// Bytes of each malformed payload kept (the length is always recorded).
    pub dead_letter_bytes: usize,
    /// Snapshot JPEGs waiting for their meta, across all drones.
    pub pending_jpegs: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        Self {
            dedup_window: 4096,
            dead_letters: 256,
            dead_letter_bytes: 64 * 1024,
            pending_jpegs: 64,
        }
    }
}

/// A snapshot: the JPEG joined with its meta.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub meta: SnapshotMeta,
    pub jpeg: Bytes,
}

/// A message the station could not use, kept for the API to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetter {
    /// When it was received, Unix ms.
    pub received_at: u64,
    pub topic: String,
    /// What is wrong, naming the topic and the field where the decoder could.
    pub reason: String,
    /// The payload's full length; `payload` holds at most `IngestLimits::dead_letter_bytes`.
    pub payload_len: usize,
    #[serde(serialize_with = "lossy_text")]
    pub payload: Bytes,
}

fn lossy_text<S: serde::Serializer>(bytes: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(bytes))
}

/// What arrived, decoded and de-duplicated.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestEvent {
    Status(DroneStatus),
    Presence(Presence),
    Detections(DetectionBatch),
    Tracks(TrackUpdate),
    Snapshot(Snapshot),
    /// A malformed message (also counted and kept in the dead-letter list).
    Rejected(DeadLetter),
}

/// Counters since start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestStats {
    /// Messages received from the broker.
    pub received: u64,
    /// Events emitted (not counting rejections).
    pub accepted: u64,
    /// Repeats dropped by msg_id (at-least-once delivery).
    pub duplicates: u64,
    /// Malformed messages (dead letters), ever.
    pub malformed: u64,
    pub snapshots: u64,
    /// JPEGs dropped while waiting for a meta (the pending list was full).
    pub jpegs_evicted: u64,
}

#[derive(Debug)]
pub struct IngestCore {
    limits: IngestLimits,
    dedup: Dedup,
    dead: VecDeque<DeadLetter>,
    pending: VecDeque<((DroneId, u64), Bytes)>,
    stats: IngestStats,
}

impl IngestCore {
    pub fn new(limits: IngestLimits) -> Self {
        Self {
            dedup: Dedup::new(limits.dedup_window),
            dead: VecDeque::new(),
            pending: VecDeque::new(),
            stats: IngestStats::default(),
            limits,
        }
    }

    pub fn stats(&self) -> &IngestStats {
        &self.stats
    }

    /// The kept dead letters, oldest first.
    pub fn dead_letters(&self) -> impl Iterator<Item = &DeadLetter> {
        self.dead.iter()
    }

    /// One message from the broker; None when it was a repeat or is waiting for its pair.
    pub fn handle(&mut self, topic: &str, payload: Bytes, now_ms: u64) -> Option<IngestEvent> {
        self.stats.received += 1;
        let decoded = match decode_payload(topic, &payload) {
            Ok(decoded) => decoded,
            Err(err) => return Some(self.reject(topic, err.to_string(), payload, now_ms)),
        };
        let event = match decoded {
            Payload::Presence(p) => IngestEvent::Presence(p),
            Payload::Status(m) => self.first(&m.drone_id, m.msg_id).then_some(IngestEvent::Status(m))?,
            Payload::Detections(m) => self
                .first(&m.drone_id, m.msg_id)
                .then_some(IngestEvent::Detections(m))?,
            Payload::Tracks(m) => self.first(&m.drone_id, m.msg_id).then_some(IngestEvent::Tracks(m))?,
            Payload::SnapshotJpeg {
                drone_id,
                track_id,
                jpeg,
            } => {
                // The JPEG comes first; keep it (a repeat replaces it) until its meta arrives.
                let key = (drone_id, track_id);
                self.pending.retain(|(k, _)| *k != key);
                if self.pending.len() >= self.limits.pending_jpegs.max(1) {
                    self.pending.pop_front();
                    self.stats.jpegs_evicted += 1;
                }
                self.pending.push_back((key, Bytes::from(jpeg)));
                return None;
            }
            Payload::SnapshotMeta(meta) => {
                let key = (meta.drone_id.clone(), meta.track_id);
                let jpeg = self
                    .pending
                    .iter()
                    .position(|(k, _)| *k == key)
                    .and_then(|i| self.pending.remove(i))
                    .map(|(_, jpeg)| jpeg);
                if !self.first(&meta.drone_id, meta.msg_id) {
                    return None; // a replayed pair: its JPEG went with it above
                }
                let reason = match &jpeg {
                    None => Some("snapshot meta without its JPEG (expected just before it)".to_string()),
                    Some(j) if j.len() as u64 != meta.jpeg_bytes => Some(format!(
                        "snapshot meta says jpeg_bytes {} but the JPEG before it has {} bytes",
                        meta.jpeg_bytes,
                        j.len()
                    )),
                    Some(_) => None,
                };
                match (reason, jpeg) {
                    (None, Some(jpeg)) => {
                        self.stats.snapshots += 1;
                        IngestEvent::Snapshot(Snapshot { meta, jpeg })
                    }
                    (reason, _) => {
                        let reason = format!("{topic}: {}", reason.unwrap_or_default());
                        return Some(self.reject(topic, reason, payload, now_ms));
                    }
                }
            }
            Payload::Alert(_) | Payload::Other(_) => {
                let reason = format!("{topic}: not a drone topic; ingest reads portops/v1/drones/ only");
                return Some(self.reject(topic, reason, payload, now_ms));
            }
        };
        self.stats.accepted += 1;
        Some(event)
    }

    fn first(&mut self, drone: &DroneId, msg_id: u64) -> bool {
        let first = self.dedup.first_time(drone, msg_id);
        if !first {
            self.stats.duplicates += 1;
        }
        first
    }

    fn reject(&mut self, topic: &str, reason: String, payload: Bytes, now_ms: u64) -> IngestEvent {
        self.stats.malformed += 1;
        tracing::warn!(%topic, %reason, bytes = payload.len(), "malformed MQTT message kept as a dead letter");
        let letter = DeadLetter {
            received_at: now_ms,
            topic: topic.to_string(),
            reason,
            payload_len: payload.len(),
            payload: payload.slice(..payload.len().min(self.limits.dead_letter_bytes)),
        };
        if self.dead.len() >= self.limits.dead_letters.max(1) {
            self.dead.pop_front();
        }
        self.dead.push_back(letter.clone());
        IngestEvent::Rejected(letter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::mqtt::{Message, SCHEMA, Track, TrackState};

    fn tracks(msg_id: u64) -> TrackUpdate {
        TrackUpdate {
            schema: SCHEMA,
            msg_id,
            drone_id: DroneId::new("d1").unwrap(),
            time: 1000,
            tracks: vec![Track {
                track_id: 3,
                class: "boat".into(),
                score: 0.8,
                state: TrackState::New,
                lat: 44.0,
                lon: 8.0,
                error_m: 2.0,
                vel_n_mps: 0.0,
                vel_e_mps: 0.0,
                first_seen: 1000,
                last_seen: 1000,
                size_m: None,
            }],
        }
    }

    fn meta(msg_id: u64, bytes: u64) -> SnapshotMeta {
        SnapshotMeta {
            schema: SCHEMA,
            msg_id,
            drone_id: DroneId::new("d1").unwrap(),
            track_id: 3,
            time: 1000,
            content_type: "image/jpeg".into(),
            jpeg_bytes: bytes,
            width: 2,
            height: 2,
            class: "boat".into(),
            lat: Some(44.0),
            lon: Some(8.0),
        }
    }

    fn send<M: Message>(core: &mut IngestCore, m: &M) -> Option<IngestEvent> {
        core.handle(&m.topic().to_string(), Bytes::from(serde_json::to_vec(m).unwrap()), 5)
    }

    #[test]
    fn repeats_are_dropped_and_counted() {
        let mut core = IngestCore::new(IngestLimits::default());
        assert!(matches!(send(&mut core, &tracks(1)), Some(IngestEvent::Tracks(_))));
        assert_eq!(send(&mut core, &tracks(1)), None);
        assert!(send(&mut core, &tracks(2)).is_some());
        assert_eq!(core.stats().duplicates, 1);
        assert_eq!(core.stats().accepted, 2);
    }

    #[test]
    fn snapshots_join_jpeg_and_meta() {
        let mut core = IngestCore::new(IngestLimits::default());
        let jpeg = Bytes::from_static(&[0xFF, 0xD8, 1, 2, 0xFF, 0xD9]);
        let topic = "portops/v1/drones/d1/snapshots/3";
        assert_eq!(core.handle(topic, jpeg.clone(), 1), None);
        match send(&mut core, &meta(7, 6)) {
            Some(IngestEvent::Snapshot(s)) => assert_eq!((s.jpeg, s.meta.msg_id), (jpeg.clone(), 7)),
            other => panic!("{other:?}"),
        }
        // A replay of the pair is dropped whole.
        assert_eq!(core.handle(topic, jpeg.clone(), 2), None);
        assert_eq!(send(&mut core, &meta(7, 6)), None);
        // A meta whose JPEG is missing, or of another size, is a dead letter.
        assert!(matches!(send(&mut core, &meta(8, 6)), Some(IngestEvent::Rejected(_))));
        core.handle(topic, jpeg, 3);
        let Some(IngestEvent::Rejected(letter)) = send(&mut core, &meta(9, 99)) else {
            panic!("size mismatch accepted");
        };
        assert!(letter.reason.contains("jpeg_bytes 99"), "{}", letter.reason);
        assert_eq!(core.stats().malformed, 2);
        assert_eq!(core.stats().snapshots, 1);
    }

    #[test]
    fn malformed_messages_are_kept_bounded_and_truncated() {
        let limits = IngestLimits {
            dead_letters: 2,
            dead_letter_bytes: 4,
            ..IngestLimits::default()
        };
        let mut core = IngestCore::new(limits);
        let topic = "portops/v1/drones/d1/tracks";
        for (i, body) in [&b"{not json"[..], b"{\"schema\":9}", b"{\"schema\":1}"]
            .iter()
            .enumerate()
        {
            let event = core.handle(topic, Bytes::copy_from_slice(body), i as u64);
            assert!(matches!(event, Some(IngestEvent::Rejected(_))), "{event:?}");
        }
        let kept: Vec<_> = core.dead_letters().collect();
        assert_eq!(kept.len(), 2, "bounded");
        assert_eq!(core.stats().malformed, 3, "every one counted");
        assert!(
            kept[0].reason.contains("unsupported schema version 9"),
            "{}",
            kept[0].reason
        );
        assert!(kept[1].reason.contains(topic), "{}", kept[1].reason);
        assert_eq!((kept[1].payload_len, kept[1].payload.len()), (12, 4));
        let other = core.handle("elsewhere/x", Bytes::from_static(b"{}"), 9);
        assert!(matches!(other, Some(IngestEvent::Rejected(l)) if l.reason.contains("elsewhere/x")));
    }
}
