//! MAVLink 2 on one link: datagrams ⇄ messages, with signing, rejections counted and explained.
//!
//! One definition for every side that talks MAVLink over UDP: the simulated vehicles, the drone
//! agent's router and the ground station.

pub mod codec;

pub use codec::{BadKey, Codec, CodecStats, Decoded, KeySourceError, RejectReason, Rejected, SigningKey};
