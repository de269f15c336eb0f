//! The one definition of each wire contract that the drone agent and the ground station share.
//!
//! [`mqtt`]: the versioned topic tree, payload types with their schema version, QoS per topic,
//! per-device ACLs (Mosquitto `acl_file` text) and receiver-side de-duplication.

pub mod mqtt;
