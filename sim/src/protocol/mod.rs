//! MAVLink protocol machines of the simulated ArduPilot Copter: framing and signing, missions, parameters, streams.

pub mod mission;
pub mod params;
mod reply;
pub mod streams;

pub use mavlink_io::{Codec, CodecStats, Decoded, RejectReason, Rejected, SigningKey};
pub use mission::{MissionConfig, MissionEvent, MissionServer, MissionStore};
pub use params::{Param, ParamChanged, ParamError, ParamServer, ParamTable};
pub use reply::Reply;
pub use streams::{StreamGroup, StreamScheduler};

pub(crate) use reply::{addressed_to_us, sender, statustext};
