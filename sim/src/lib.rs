//! Software-in-the-loop simulation of multicopters, their MAVLink behaviour, a port world and a camera.

pub mod autopilot;
pub mod camera;
pub mod failures;
pub mod link;
pub mod physics;
pub mod protocol;
pub mod rig;
pub mod rng;
pub mod runner;
pub mod world;
