//! The mission server's public types: the stored lists, its events and configuration, and the list types.

use ::mission::mavlink_items::MISSION_ITEM_INT_DATA;
use mavlink::dialects::ardupilotmega as apm;
use mavlink::dialects::common::MavMissionType;

/// The stored lists, each numbered 0..n with its `mission_type` set (common-dialect items,
/// ready for `mission::mavlink_items::decode_*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MissionStore {
    pub mission: Vec<MISSION_ITEM_INT_DATA>,
    pub fence: Vec<MISSION_ITEM_INT_DATA>,
    pub rally: Vec<MISSION_ITEM_INT_DATA>,
}

impl MissionStore {
    /// The list of one type; None for MAV_MISSION_TYPE_ALL.
    pub fn list(&self, mission_type: MavMissionType) -> Option<&[MISSION_ITEM_INT_DATA]> {
        Kind::from_common(mission_type).map(|kind| self.lists()[kind as usize].as_slice())
    }

    pub(super) fn lists(&self) -> [&Vec<MISSION_ITEM_INT_DATA>; 3] {
        [&self.mission, &self.fence, &self.rally]
    }

    pub(super) fn list_mut(&mut self, kind: Kind) -> &mut Vec<MISSION_ITEM_INT_DATA> {
        match kind {
            Kind::Mission => &mut self.mission,
            Kind::Fence => &mut self.fence,
            Kind::Rally => &mut self.rally,
        }
    }
}

/// What changed, for the autopilot. Types are never MAV_MISSION_TYPE_ALL: clearing all gives
/// one `Cleared` per type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MissionEvent {
    /// A complete, valid list of this type replaced the stored one.
    Uploaded(MavMissionType),
    /// The stored list of this type is now empty (MISSION_CLEAR_ALL or an upload of 0 items).
    Cleared(MavMissionType),
    /// MISSION_SET_CURRENT for an existing mission item.
    SetCurrent(u16),
}

/// Timing and capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct MissionConfig {
    /// Seconds to wait for an item before requesting it again (MAVLink default 1.5 s).
    pub timeout_s: f64,
    /// Re-requests before an upload is given up (MAVLink/QGroundControl: 5).
    pub retries: u32,
    /// Most items per list: mission, fence, rally.
    pub capacity: [u16; 3],
}

impl Default for MissionConfig {
    fn default() -> Self {
        Self {
            timeout_s: 1.5,
            retries: 5,
            // Of the order of ArduPilot SITL's storage: hundreds of waypoints, a fence of
            // several polygons, a handful of rally points.
            capacity: [700, 100, 20],
        }
    }
}

/// The three list types, indexing per-type state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Mission = 0,
    Fence = 1,
    Rally = 2,
}

impl Kind {
    pub(super) const ALL: [Kind; 3] = [Kind::Mission, Kind::Fence, Kind::Rally];

    pub(super) fn from_wire(t: apm::MavMissionType) -> Option<Kind> {
        match t {
            apm::MavMissionType::MAV_MISSION_TYPE_MISSION => Some(Kind::Mission),
            apm::MavMissionType::MAV_MISSION_TYPE_FENCE => Some(Kind::Fence),
            apm::MavMissionType::MAV_MISSION_TYPE_RALLY => Some(Kind::Rally),
            apm::MavMissionType::MAV_MISSION_TYPE_ALL => None,
        }
    }

    pub(super) fn from_common(t: MavMissionType) -> Option<Kind> {
        match t {
            MavMissionType::MAV_MISSION_TYPE_MISSION => Some(Kind::Mission),
            MavMissionType::MAV_MISSION_TYPE_FENCE => Some(Kind::Fence),
            MavMissionType::MAV_MISSION_TYPE_RALLY => Some(Kind::Rally),
            MavMissionType::MAV_MISSION_TYPE_ALL => None,
        }
    }

    pub(super) fn wire(self) -> apm::MavMissionType {
        match self {
            Kind::Mission => apm::MavMissionType::MAV_MISSION_TYPE_MISSION,
            Kind::Fence => apm::MavMissionType::MAV_MISSION_TYPE_FENCE,
            Kind::Rally => apm::MavMissionType::MAV_MISSION_TYPE_RALLY,
        }
    }

    pub(super) fn common(self) -> MavMissionType {
        match self {
            Kind::Mission => MavMissionType::MAV_MISSION_TYPE_MISSION,
            Kind::Fence => MavMissionType::MAV_MISSION_TYPE_FENCE,
            Kind::Rally => MavMissionType::MAV_MISSION_TYPE_RALLY,
        }
    }
}
