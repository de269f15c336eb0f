//! The three lists a vehicle keeps (mission, fence, rally), and what an exchange about one of
//! them yields or why it failed.

use std::time::Duration;

use mavlink::dialects::{ardupilotmega as apm, common};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The three lists a vehicle keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Mission,
    Fence,
    Rally,
}

impl ListKind {
    pub fn wire(self) -> apm::MavMissionType {
        match self {
            ListKind::Mission => apm::MavMissionType::MAV_MISSION_TYPE_MISSION,
            ListKind::Fence => apm::MavMissionType::MAV_MISSION_TYPE_FENCE,
            ListKind::Rally => apm::MavMissionType::MAV_MISSION_TYPE_RALLY,
        }
    }

    pub fn common(self) -> common::MavMissionType {
        match self {
            ListKind::Mission => common::MavMissionType::MAV_MISSION_TYPE_MISSION,
            ListKind::Fence => common::MavMissionType::MAV_MISSION_TYPE_FENCE,
            ListKind::Rally => common::MavMissionType::MAV_MISSION_TYPE_RALLY,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ListKind::Mission => "mission",
            ListKind::Fence => "fence",
            ListKind::Rally => "rally",
        }
    }
}

impl std::fmt::Display for ListKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an exchange does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Upload,
    Download,
    Clear,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operation::Upload => "upload",
            Operation::Download => "download",
            Operation::Clear => "clear",
        })
    }
}

/// A finished exchange.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Uploaded { count: u16 },
    Downloaded(Vec<common::MISSION_ITEM_INT_DATA>),
    Cleared,
}

/// Why an exchange failed; each names the list, the operation, and the item where it applies.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TransferError {
    #[error("{list} {op}: the vehicle refused {} with {result}", at.map_or("the list".to_string(), |s| format!("item {s}")))]
    Refused {
        list: ListKind,
        op: Operation,
        /// The item last sent (upload) or asked for (download), if any.
        at: Option<u16>,
        /// The MAV_MISSION_RESULT name.
        result: String,
    },
    #[error(
        "{list} {op}: no answer while waiting for {waiting_for}: gave up after {retransmissions} retransmissions \
         and {:.1} s of silence", waited.as_secs_f64()
    )]
    TimedOut {
        list: ListKind,
        op: Operation,
        waiting_for: String,
        retransmissions: u32,
        waited: Duration,
    },
    #[error("{list} upload: the vehicle asked for item {seq} of a {count}-item list; upload cancelled")]
    RequestPastEnd { list: ListKind, seq: u16, count: u16 },
    #[error("{list} upload: the vehicle accepted the list after asking for only {requested} of {count} items")]
    AcceptedEarly { list: ListKind, requested: u16, count: u16 },
    #[error("{list} upload: {count} items do not fit one MAVLink list (at most 65535)")]
    TooManyItems { list: ListKind, count: usize },
    #[error("{list} download: item {seq} uses a command or frame outside the MAVLink common dialect")]
    Unreadable { list: ListKind, seq: u16 },
}
