//! Alerts over tracks and the port's zones and vessels, and the service that runs them.
//!
//! - [`engine`]: [`AlertEngine`], the pure rule engine (no I/O, time comes with the data):
//!   person or vehicle in a restricted zone; small boat alongside a vessel at anchor (near its
//!   hull for a dwell time) or loitering near one (within a radius, slow, for a longer dwell);
//!   anything inside an exclusion zone. One alert per (drone, track, rule), acknowledged once;
//! - [`config`]: thresholds and severities ([`AlertConfig`], serde with defaults);
//! - [`geometry`]: zones and hulls in the scenario's local frame;
//! - [`service`]: [`AlertService`], ingest events → engine → station events, alerts published
//!   on `portops/v1/alerts/{alert_id}`.

pub mod config;
pub mod engine;
pub mod geometry;
pub mod service;

pub use config::AlertConfig;
pub use engine::{AckError, AlertChange, AlertEngine};
pub use service::{AlertPublisher, AlertService, ServiceError, StationEvent};
