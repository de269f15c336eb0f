//! The alert payload the station publishes on `portops/v1/alerts/{alert_id}` (raised, updated, acknowledged).
//!
//! One alert stands for one (drone, track, rule): re-detections update it (same `alert_id`,
//! `revision` + 1) instead of raising another. Receivers keep the highest `revision` per
//! `alert_id`; `msg_id` grows per station for de-duplication like the drones' messages.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{DroneId, Message, Topic, TopicError, valid_id};

super::topic_id!(
    /// An alert's identity and topic level: 1..=64 characters of `[A-Za-z0-9_-]`.
    AlertId,
    "alert id"
);

/// Which rule raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    /// A person or a vehicle inside a restricted zone.
    RestrictedZone,
    /// A small boat close to the hull of a vessel at anchor, for a dwell time.
    BoatAlongside,
    /// A small boat slow near a vessel at anchor, for a longer dwell time.
    BoatLoitering,
    /// Anything inside an exclusion zone.
    ExclusionZone,
}

impl AlertRule {
    pub const ALL: [AlertRule; 4] = [
        AlertRule::RestrictedZone,
        AlertRule::BoatAlongside,
        AlertRule::BoatLoitering,
        AlertRule::ExclusionZone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertRule::RestrictedZone => "restricted_zone",
            AlertRule::BoatAlongside => "boat_alongside",
            AlertRule::BoatLoitering => "boat_loitering",
            AlertRule::ExclusionZone => "exclusion_zone",
        }
    }
}

impl fmt::Display for AlertRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent an alert is; ordered from `Info` to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// The latest picture of the alert's track: the JPEG is on
/// `portops/v1/drones/{drone_id}/snapshots/{track_id}` (the station keeps its copy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRef {
    pub drone_id: DroneId,
    pub track_id: u64,
    /// The snapshot meta's `msg_id`: which picture of the track this is.
    pub msg_id: u64,
    pub time: u64,
    pub jpeg_bytes: u64,
    pub width: u32,
    pub height: u32,
}

/// An officer's acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub officer: String,
    pub time: u64,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub alert_id: AlertId,
    pub rule: AlertRule,
    pub severity: Severity,
    pub drone_id: DroneId,
    pub track_id: u64,
    /// COCO class of the track (`person`, `boat`, `car`, ...).
    pub class: String,
    /// Latest position of the track, WGS84 degrees, with its ~1σ error radius in metres.
    pub lat: f64,
    pub lon: f64,
    pub error_m: f64,
    /// The zone (restricted, exclusion) or vessel (alongside, loitering) the rule is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vessel: Option<String>,
    /// One line for people: what was seen where.
    pub summary: String,
    /// When the condition began (start of the dwell for the vessel rules), and was last seen.
    pub first_seen: u64,
    pub last_seen: u64,
    /// 0 when raised, + 1 per update or acknowledgement.
    pub revision: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<Acknowledgement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertEventKind {
    Raised,
    Updated,
    Acknowledged,
}

/// `portops/v1/alerts/{alert_id}`: an alert's new state and why it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertMessage {
    pub schema: u32,
    pub msg_id: u64,
    pub event: AlertEventKind,
    pub alert: Alert,
}

impl Message for AlertMessage {
    fn topic(&self) -> Topic {
        Topic::Alert {
            alert_id: self.alert.alert_id.to_string(),
        }
    }
    fn msg_id(&self) -> u64 {
        self.msg_id
    }
    fn set_msg_id(&mut self, msg_id: u64) {
        self.msg_id = msg_id;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqtt::{Payload, SCHEMA, decode_payload};

    fn message() -> AlertMessage {
        AlertMessage {
            schema: SCHEMA,
            msg_id: 12,
            event: AlertEventKind::Raised,
            alert: Alert {
                alert_id: AlertId::new("boat_alongside-d1-4").unwrap(),
                rule: AlertRule::BoatAlongside,
                severity: Severity::Critical,
                drone_id: DroneId::new("d1").unwrap(),
                track_id: 4,
                class: "boat".into(),
                lat: 44.38,
                lon: 8.9,
                error_m: 3.0,
                zone: None,
                vessel: Some("MT Nordic Pearl".into()),
                summary: "boat alongside MT Nordic Pearl".into(),
                first_seen: 1,
                last_seen: 40_001,
                revision: 0,
                snapshot: None,
                acknowledgement: None,
            },
        }
    }

    #[test]
    fn alert_round_trips_on_its_topic() {
        let m = message();
        let topic = m.topic().to_string();
        assert_eq!(topic, "portops/v1/alerts/boat_alongside-d1-4");
        let bytes = serde_json::to_vec(&m).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("\"rule\":\"boat_alongside\""), "{text}");
        assert!(text.contains("\"severity\":\"critical\""), "{text}");
        assert!(!text.contains("acknowledgement"), "{text}");
        assert_eq!(decode_payload(&topic, &bytes).unwrap(), Payload::Alert(m));
    }

    #[test]
    fn alert_payload_must_name_its_topics_alert() {
        let bytes = serde_json::to_vec(&message()).unwrap();
        let err = decode_payload("portops/v1/alerts/other", &bytes)
            .unwrap_err()
            .to_string();
        assert!(err.contains("alert_id"), "{err}");
        let mut v = serde_json::to_value(message()).unwrap();
        v["alert"]["alert_id"] = serde_json::json!("a/b");
        let err = decode_payload("portops/v1/alerts/a", v.to_string().as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("alert.alert_id"), "{err}");
    }

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!(AlertRule::ALL.len(), 4);
        assert!(AlertId::new("x y").is_err());
    }
}
