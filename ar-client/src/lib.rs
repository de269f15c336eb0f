//! The AR inspection and VR training client (issue #7).
//!
//! Pure cores, testable without a GPU or a socket: [`panels`] (what the inspector sees about a
//! container), [`checklist`] (working through the examination and building the finding),
//! [`door_keys`] (the inspector's keys as a state machine), [`outbox`] (findings and training results queued on disk until the station takes them),
//! [`training`] (scenarios made from manifests, scoring, progression), [`scan`] (container
//! number from a QR code on the door). Thin shells: [`station`] (the station's HTTP API) and
//! [`render`] (Bevy: OpenXR when a runtime is present, a desktop window otherwise, off-screen
//! PNG snapshots for tests).

pub mod checklist;
pub mod config;
pub mod door_keys;
pub mod durable;
pub mod outbox;
pub mod panels;
pub mod render;
pub mod scan;
pub mod station;
pub mod training;

/// Unix milliseconds now: the clock every contract of the project is stamped with.
pub use contracts::mqtt::now_ms;
