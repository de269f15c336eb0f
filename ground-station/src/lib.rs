//! `ground-station` library: the fleet's MAVLink links, MQTT ingest and alerts, storage, logs and reports (issue #5).

pub mod alerts;
pub mod api;
pub mod broker;
pub mod fleet;
pub mod ingest;
pub mod inspection;
pub mod report;
pub mod station;
pub mod store;
pub mod tlog;
pub mod video;
