//! The MQTT contract: versioned topic tree, QoS and retain per topic, typed builders and a parser.
//!
//! # Topic tree (`portops/v1/...`)
//!
//! | topic | payload | QoS | retain | published by |
//! |---|---|---|---|---|
//! | `portops/v1/drones/{drone_id}/status` | [`DroneStatus`] JSON | 1 | yes | the drone |
//! | `portops/v1/drones/{drone_id}/presence` | [`Presence`] JSON (also the drone's last will) | 1 | yes | the drone (broker for the will) |
//! | `portops/v1/drones/{drone_id}/detections` | [`DetectionBatch`] JSON | 1 | no | the drone |
//! | `portops/v1/drones/{drone_id}/tracks` | [`TrackUpdate`] JSON | 1 | no | the drone |
//! | `portops/v1/drones/{drone_id}/snapshots/{track_id}` | raw JPEG bytes | 1 | no | the drone |
//! | `portops/v1/drones/{drone_id}/snapshots/{track_id}/meta` | [`SnapshotMeta`] JSON | 1 | no | the drone |
//! | `portops/v1/alerts/{alert_id}` | [`AlertMessage`] JSON (raised, updated, acknowledged) | 1 | no | the station |
//! | `portops/v1/inspections/{task_id}` | inspection task JSON (issue 6, placeholder) | 1 | no | the station |
//!
//! The version is in the topic (`v1`, a breaking change of the tree) and in every JSON payload
//! (`schema`, a breaking change of that payload): receivers reject what they do not know with
//! [`decode_payload`].
//!
//! **Snapshots** travel as raw JPEG bytes (no base64 inflation, viewable with any MQTT tool) with a
//! JSON companion on `.../snapshots/{track_id}/meta` carrying the `msg_id`, time, size and
//! position. The agent publishes the JPEG first and the meta after it on the same ordered
//! connection, so a receiver that has the meta has the picture; a duplicated JPEG is harmless
//! (same track, same bytes).
//!
//! **Idempotence**: every JSON message a drone publishes carries a `msg_id`, monotonically
//! increasing per drone and persisted across restarts; receivers drop repeats with [`Dedup`].
//! Presence (the last will) carries none: it is a retained latest value.
//!
//! Identifiers that become topic levels ([`DroneId`], alert and task ids) are 1..=64 characters
//! of `[A-Za-z0-9_-]`, so they can never inject `/`, `+` or `#`.

mod acl;
mod alert;
mod dedup;
mod payload;

pub use acl::{Access, AclRule, ClientRole, acl_file, acl_rules, may_subscribe, may_use_client_id};
pub use alert::{Acknowledgement, Alert, AlertEventKind, AlertId, AlertMessage, AlertRule, Severity, SnapshotRef};
pub use dedup::Dedup;
pub use payload::{
    BBox, DecodeError, Detection, DetectionBatch, DroneStatus, GeoPosition, Message, Payload, Presence, SCHEMA,
    SnapshotMeta, Track, TrackState, TrackUpdate, decode_json, decode_payload,
};

use std::fmt;

/// The root of the tree: the project and the tree's version.
pub const PREFIX: &str = "portops/v1";

/// Why a topic string or an identifier is not part of the contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error("topic `{0}` is not under `{PREFIX}/`")]
    WrongPrefix(String),
    #[error("topic `{0}` is not in the portops/v1 tree")]
    Unknown(String),
    #[error("topic `{topic}`: invalid {what} `{value}` (1..=64 characters of A-Z a-z 0-9 _ -)")]
    BadId {
        topic: String,
        what: &'static str,
        value: String,
    },
    #[error("topic `{topic}`: track id `{value}` is not a non-negative integer")]
    BadTrackId { topic: String, value: String },
}

/// MQTT quality of service levels the contract uses (mapped onto the client library's type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qos {
    AtMostOnce = 0,
    AtLeastOnce = 1,
}

fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Now, in Unix milliseconds: the unit of every time field of the payloads (0 if the clock
/// reads before 1970).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A checked identifier that is also a topic level: 1..=64 characters of `[A-Za-z0-9_-]`,
/// refused with [`TopicError::BadId`] otherwise, and (de)serialised as a plain string.
macro_rules! topic_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Result<Self, TopicError> {
                let id = id.into();
                if valid_id(&id) {
                    Ok(Self(id))
                } else {
                    Err(TopicError::BadId {
                        topic: String::new(),
                        what: $what,
                        value: id,
                    })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = TopicError;
            fn try_from(id: String) -> Result<Self, TopicError> {
                Self::new(id)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use topic_id;

topic_id!(
    /// A drone's identity: its topic level, MQTT client id and MQTT username.
    DroneId,
    "drone id"
);

/// One concrete topic of the tree (never a filter).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    Status {
        drone_id: DroneId,
    },
    Presence {
        drone_id: DroneId,
    },
    Detections {
        drone_id: DroneId,
    },
    Tracks {
        drone_id: DroneId,
    },
    /// Raw JPEG bytes.
    Snapshot {
        drone_id: DroneId,
        track_id: u64,
    },
    /// The JSON companion of [`Topic::Snapshot`].
    SnapshotMeta {
        drone_id: DroneId,
        track_id: u64,
    },
    /// [`AlertMessage`] JSON, published by the station.
    Alert {
        alert_id: String,
    },
    /// Placeholder (issue 6): inspection tasks and findings.
    Inspection {
        task_id: String,
    },
}

impl Topic {
    pub fn status(drone_id: &DroneId) -> Self {
        Self::Status {
            drone_id: drone_id.clone(),
        }
    }
    pub fn presence(drone_id: &DroneId) -> Self {
        Self::Presence {
            drone_id: drone_id.clone(),
        }
    }
    pub fn detections(drone_id: &DroneId) -> Self {
        Self::Detections {
            drone_id: drone_id.clone(),
        }
    }
    pub fn tracks(drone_id: &DroneId) -> Self {
        Self::Tracks {
            drone_id: drone_id.clone(),
        }
    }
    pub fn snapshot(drone_id: &DroneId, track_id: u64) -> Self {
        Self::Snapshot {
            drone_id: drone_id.clone(),
            track_id,
        }
    }
    pub fn snapshot_meta(drone_id: &DroneId, track_id: u64) -> Self {
        Self::SnapshotMeta {
            drone_id: drone_id.clone(),
            track_id,
        }
    }

    pub fn alert(alert_id: &AlertId) -> Self {
        Self::Alert {
            alert_id: alert_id.to_string(),
        }
    }

    /// Parses a concrete topic name; anything outside the tree is an error.
    pub fn parse(topic: &str) -> Result<Self, TopicError> {
        let rest = topic
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(|| TopicError::WrongPrefix(topic.to_string()))?;
        let levels: Vec<&str> = rest.split('/').collect();
        let id = |what: &'static str, value: &str| {
            if valid_id(value) {
                Ok(value.to_string())
            } else {
                Err(TopicError::BadId {
                    topic: topic.to_string(),
                    what,
                    value: value.to_string(),
                })
            }
        };
        let drone = |value: &str| id("drone id", value).map(DroneId);
        let track = |value: &str| {
            // Digits only: `u64::from_str` would also take a leading `+`.
            match value.parse::<u64>() {
                Ok(n) if value.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
                _ => Err(TopicError::BadTrackId {
                    topic: topic.to_string(),
                    value: value.to_string(),
                }),
            }
        };
        match levels.as_slice() {
            ["drones", d, "status"] => Ok(Self::Status { drone_id: drone(d)? }),
            ["drones", d, "presence"] => Ok(Self::Presence { drone_id: drone(d)? }),
            ["drones", d, "detections"] => Ok(Self::Detections { drone_id: drone(d)? }),
            ["drones", d, "tracks"] => Ok(Self::Tracks { drone_id: drone(d)? }),
            ["drones", d, "snapshots", t] => Ok(Self::Snapshot {
                drone_id: drone(d)?,
                track_id: track(t)?,
            }),
            ["drones", d, "snapshots", t, "meta"] => Ok(Self::SnapshotMeta {
                drone_id: drone(d)?,
                track_id: track(t)?,
            }),
            ["alerts", a] => Ok(Self::Alert {
                alert_id: id("alert id", a)?,
            }),
            ["inspections", t] => Ok(Self::Inspection {
                task_id: id("task id", t)?,
            }),
            _ => Err(TopicError::Unknown(topic.to_string())),
        }
    }

    /// The drone a topic belongs to, if it is under `drones/`.
    pub fn drone_id(&self) -> Option<&DroneId> {
        match self {
            Self::Status { drone_id }
            | Self::Presence { drone_id }
            | Self::Detections { drone_id }
            | Self::Tracks { drone_id }
            | Self::Snapshot { drone_id, .. }
            | Self::SnapshotMeta { drone_id, .. } => Some(drone_id),
            Self::Alert { .. } | Self::Inspection { .. } => None,
        }
    }

    /// QoS 1 everywhere: every message on the tree matters (status is retained and would be
    /// cheap at QoS 0, but the agent's outbox needs a PUBACK to know it may forget a message).
    pub fn qos(&self) -> Qos {
        Qos::AtLeastOnce
    }

    /// Latest-value topics are retained, so a station that (re)connects sees the state at once.
    pub fn retain(&self) -> bool {
        matches!(self, Self::Status { .. } | Self::Presence { .. })
    }

    /// Whether the payload is JSON with a `schema` field (all but the JPEG snapshot).
    pub fn is_json(&self) -> bool {
        !matches!(self, Self::Snapshot { .. })
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status { drone_id } => write!(f, "{PREFIX}/drones/{drone_id}/status"),
            Self::Presence { drone_id } => write!(f, "{PREFIX}/drones/{drone_id}/presence"),
            Self::Detections { drone_id } => write!(f, "{PREFIX}/drones/{drone_id}/detections"),
            Self::Tracks { drone_id } => write!(f, "{PREFIX}/drones/{drone_id}/tracks"),
            Self::Snapshot { drone_id, track_id } => write!(f, "{PREFIX}/drones/{drone_id}/snapshots/{track_id}"),
            Self::SnapshotMeta { drone_id, track_id } => {
                write!(f, "{PREFIX}/drones/{drone_id}/snapshots/{track_id}/meta")
            }
            Self::Alert { alert_id } => write!(f, "{PREFIX}/alerts/{alert_id}"),
            Self::Inspection { task_id } => write!(f, "{PREFIX}/inspections/{task_id}"),
        }
    }
}

/// Subscription filters the station and tools use.
pub mod filters {
    /// Everything every drone publishes.
    pub const ALL_DRONES: &str = "portops/v1/drones/+/#";
    pub const ALL_STATUS: &str = "portops/v1/drones/+/status";
    pub const ALL_PRESENCE: &str = "portops/v1/drones/+/presence";
    pub const ALL_DETECTIONS: &str = "portops/v1/drones/+/detections";
    pub const ALL_TRACKS: &str = "portops/v1/drones/+/tracks";
    /// JPEGs only (the `/meta` companions are one level deeper).
    pub const ALL_SNAPSHOTS: &str = "portops/v1/drones/+/snapshots/+";
    pub const ALL_SNAPSHOT_META: &str = "portops/v1/drones/+/snapshots/+/meta";
    pub const ALL_ALERTS: &str = "portops/v1/alerts/#";
    pub const ALL_INSPECTIONS: &str = "portops/v1/inspections/#";
    /// One drone's subtree.
    pub fn drone(drone_id: &super::DroneId) -> String {
        format!("{}/drones/{drone_id}/#", super::PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: &str) -> DroneId {
        DroneId::new(id).unwrap()
    }

    #[test]
    fn every_topic_round_trips_through_its_string() {
        let id = d("drone-7");
        let topics = [
            Topic::status(&id),
            Topic::presence(&id),
            Topic::detections(&id),
            Topic::tracks(&id),
            Topic::snapshot(&id, 42),
            Topic::snapshot_meta(&id, 42),
            Topic::Alert { alert_id: "a-1".into() },
            Topic::Inspection { task_id: "T_9".into() },
        ];
        for topic in topics {
            let text = topic.to_string();
            assert!(text.starts_with("portops/v1/"), "{text}");
            assert_eq!(Topic::parse(&text), Ok(topic), "{text}");
        }
        assert_eq!(
            Topic::detections(&id).to_string(),
            "portops/v1/drones/drone-7/detections"
        );
        assert_eq!(
            Topic::snapshot_meta(&id, 3).to_string(),
            "portops/v1/drones/drone-7/snapshots/3/meta"
        );
    }

    #[test]
    fn parse_rejects_what_is_not_in_the_tree() {
        assert!(matches!(
            Topic::parse("portops/v2/drones/a/status"),
            Err(TopicError::WrongPrefix(_))
        ));
        assert!(matches!(Topic::parse("portops/v1"), Err(TopicError::WrongPrefix(_))));
        assert!(matches!(
            Topic::parse("portops/v1/drones/a/battery"),
            Err(TopicError::Unknown(_))
        ));
        assert!(matches!(
            Topic::parse("portops/v1/drones/a/status/x"),
            Err(TopicError::Unknown(_))
        ));
        assert!(matches!(
            Topic::parse("portops/v1/drones/+/status"),
            Err(TopicError::BadId { .. })
        ));
        assert!(matches!(
            Topic::parse("portops/v1/drones//status"),
            Err(TopicError::BadId { .. })
        ));
        assert!(matches!(
            Topic::parse("portops/v1/drones/a/snapshots/-1"),
            Err(TopicError::BadTrackId { .. })
        ));
        assert!(matches!(
            Topic::parse("portops/v1/drones/a/snapshots/+1"),
            Err(TopicError::BadTrackId { .. })
        ));
        let err = Topic::parse("portops/v1/drones/a b/tracks").unwrap_err().to_string();
        assert!(err.contains("drone id `a b`"), "{err}");
    }

    #[test]
    fn drone_ids_cannot_inject_levels_or_wildcards() {
        for bad in ["", "a/b", "+", "#", "x y", &"z".repeat(65)] {
            assert!(DroneId::new(bad).is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<DroneId>("\"a/b\"").is_err());
        assert_eq!(serde_json::from_str::<DroneId>("\"uav_1\"").unwrap(), d("uav_1"));
    }

    #[test]
    fn qos_and_retain() {
        let id = d("a");
        assert!(Topic::status(&id).retain());
        assert!(!Topic::detections(&id).retain());
        assert_eq!(Topic::detections(&id).qos(), Qos::AtLeastOnce);
        assert!(!Topic::snapshot(&id, 1).is_json());
        assert_eq!(filters::drone(&id), "portops/v1/drones/a/#");
    }
}
