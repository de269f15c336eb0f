//! `drone-agent` library: the companion computer's video, detection, MQTT and MAVLink routing (issue #4).

pub mod detect;
pub mod eval;
pub mod geolocate;
pub mod perception;
pub mod publish;
pub mod router;
pub mod track;
pub mod video;
