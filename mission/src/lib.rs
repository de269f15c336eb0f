//! Mission planning for port surveillance drones: geodesy, areas, coverage planning, fences,
//! validation, and conversion to MAVLink mission items and QGroundControl `.plan` files.
//!
//! Pure logic: the only I/O is parsing text handed in by the caller.

pub mod area;
pub mod camera;
pub mod endurance;
pub mod fence;
pub mod geodesy;
pub mod geometry;
pub mod mavlink_items;
pub mod patterns;
pub mod plan;
pub mod planner;
pub mod preview;
pub mod qgc;
pub mod scenario;
pub mod survey;
pub mod validate;
