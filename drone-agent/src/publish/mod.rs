//! MQTT publishing with store-and-forward: status, detections, tracks and snapshots on the
//! `contracts::mqtt` topic tree.
//!
//! - [`outbox`]: the durable on-disk queue (msg_id assignment, fsync policy, crash safety);
//! - [`link`]: the pure packet-id ↔ msg_id bookkeeping of one connection;
//! - [`client`]: the rumqttc shell ([`Publisher`]).
//!
//! Delivery is at-least-once and in order per drone; receivers drop repeats by `msg_id` with
//! `contracts::mqtt::Dedup`.

pub mod client;
pub mod link;
pub mod outbox;

pub use client::{DEFAULT_MAX_PAYLOAD, PublishError, Publisher, PublisherConfig, PublisherStats};
pub use outbox::{Durability, Outbox, OutboxError};
