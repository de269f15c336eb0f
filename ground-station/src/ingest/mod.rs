//! MQTT ingest: every drone's status, presence, detections, tracks and snapshots as typed events.
//!
//! - [`core`]: pure decoding with the contract, de-duplication by msg_id (delivery is
//!   at-least-once), snapshot JPEG + meta joining, counters and a bounded dead-letter list of
//!   malformed messages (logged with topic and reason, never dropped silently);
//! - [`client`]: [`Ingest`], the rumqttc subscriber (persistent session, QoS 1, manual acks).

pub mod client;
pub mod core;

pub use self::core::{DeadLetter, IngestCore, IngestEvent, IngestLimits, IngestStats, Snapshot};
pub use client::{Ingest, IngestOptions, LinkState};
