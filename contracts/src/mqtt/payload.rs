//! MQTT payload types (JSON with a `schema` version) and the checked decoder receivers use.
//!
//! Times are Unix epoch milliseconds (UTC); positions are WGS84 degrees with altitude in metres
//! above the take-off point; `error_m` is the radius (metres) of the geolocation's ~1σ error.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{AlertMessage, DroneId, Topic};

/// The payload schema version this build writes and accepts.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPosition {
    pub lat: f64,
    pub lon: f64,
    pub alt_m: f64,
}

/// `portops/v1/drones/{id}/status`: the drone's latest state (retained).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroneStatus {
    pub schema: u32,
    pub msg_id: u64,
    pub drone_id: DroneId,
    pub time: u64,
    pub position: GeoPosition,
    pub heading_deg: f64,
    pub ground_speed_mps: f64,
    /// Autopilot flight mode name (ArduPilot's, e.g. `AUTO`, `GUIDED`, `RTL`).
    pub mode: String,
    pub armed: bool,
    pub battery_pct: f64,
    /// Current mission item, when flying a mission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission_seq: Option<u32>,
}

/// `portops/v1/drones/{id}/presence`: `online: true` on connect, `false` as the last will.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub schema: u32,
    pub drone_id: DroneId,
    pub online: bool,
    /// When the agent connected (the will keeps the time of the connection that left it).
    pub time: u64,
}

/// Pixel box in the full frame: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// COCO class name (`person`, `boat`, `car`, ...).
    pub class: String,
    pub score: f32,
    pub bbox: BBox,
    /// Where it is on the ground; all three are absent when the agent could not geolocate it
    /// (no position fix yet, or a pixel above the horizon): it is still reported, not dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_id: Option<u64>,
}

/// `portops/v1/drones/{id}/detections`: the detections of one frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionBatch {
    pub schema: u32,
    pub msg_id: u64,
    pub drone_id: DroneId,
    /// Capture time of the frame.
    pub frame_time: u64,
    pub detections: Vec<Detection>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackState {
    New,
    Updated,
    Lost,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub track_id: u64,
    pub class: String,
    pub score: f32,
    pub state: TrackState,
    pub lat: f64,
    pub lon: f64,
    pub error_m: f64,
    /// Ground velocity estimate, metres per second north and east.
    pub vel_n_mps: f64,
    pub vel_e_mps: f64,
    pub first_seen: u64,
    pub last_seen: u64,
    /// Largest horizontal extent on the ground, metres, from the box's projection: an upper
    /// bound (a tall object seen obliquely looks longer); absent when it could not be measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_m: Option<f64>,
}

/// `portops/v1/drones/{id}/tracks`: tracks that changed at `time`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackUpdate {
    pub schema: u32,
    pub msg_id: u64,
    pub drone_id: DroneId,
    pub time: u64,
    pub tracks: Vec<Track>,
}

/// `portops/v1/drones/{id}/snapshots/{track_id}/meta`: describes the JPEG published just before
/// it on `.../snapshots/{track_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub schema: u32,
    pub msg_id: u64,
    pub drone_id: DroneId,
    pub track_id: u64,
    pub time: u64,
    /// Always `image/jpeg` in schema 1.
    pub content_type: String,
    /// Length of the JPEG payload, so a receiver can check it has the matching picture.
    pub jpeg_bytes: u64,
    pub width: u32,
    pub height: u32,
    pub class: String,
    /// Where the track was when the picture was taken; absent before its first ground fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// A JSON message a drone publishes: its topic and the `msg_id` its outbox stamps.
pub trait Message: Serialize + DeserializeOwned {
    fn topic(&self) -> Topic;
    fn msg_id(&self) -> u64;
    fn set_msg_id(&mut self, msg_id: u64);
}

macro_rules! message {
    ($ty:ty, |$s:ident| $topic:expr) => {
        impl Message for $ty {
            fn topic(&self) -> Topic {
                let $s = self;
                $topic
            }
            fn msg_id(&self) -> u64 {
                self.msg_id
            }
            fn set_msg_id(&mut self, msg_id: u64) {
                self.msg_id = msg_id;
            }
        }
    };
}
message!(DroneStatus, |s| Topic::status(&s.drone_id));
message!(DetectionBatch, |s| Topic::detections(&s.drone_id));
message!(TrackUpdate, |s| Topic::tracks(&s.drone_id));
message!(SnapshotMeta, |s| Topic::snapshot_meta(&s.drone_id, s.track_id));

/// A decoded message of the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Status(DroneStatus),
    Presence(Presence),
    Detections(DetectionBatch),
    Tracks(TrackUpdate),
    SnapshotJpeg {
        drone_id: DroneId,
        track_id: u64,
        jpeg: Vec<u8>,
    },
    SnapshotMeta(SnapshotMeta),
    /// `portops/v1/alerts/{alert_id}`, published by the station.
    Alert(AlertMessage),
    /// Placeholder topics (inspections): schema checked, body left as JSON.
    Other(serde_json::Value),
}

/// Why a payload was refused; every variant names the topic.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{topic}: {source}")]
    Topic {
        topic: String,
        #[source]
        source: super::TopicError,
    },
    #[error("{topic}: payload is not JSON: {message}")]
    NotJson { topic: String, message: String },
    #[error("{topic}: field `schema` is missing or not an integer")]
    NoSchema { topic: String },
    #[error("{topic}: unsupported schema version {found} (this build reads {SCHEMA})")]
    UnsupportedSchema { topic: String, found: u64 },
    #[error("{topic}: field `{field}`: {message}")]
    Field {
        topic: String,
        field: String,
        message: String,
    },
    #[error("{topic}: field `drone_id` is `{in_payload}`, the topic's drone is `{in_topic}`")]
    DroneMismatch {
        topic: String,
        in_topic: String,
        in_payload: String,
    },
    #[error("{topic}: field `alert.alert_id` is `{in_payload}`, the topic's alert is `{in_topic}`")]
    AlertMismatch {
        topic: String,
        in_topic: String,
        in_payload: String,
    },
    #[error("{topic}: not a JPEG (no FF D8 start-of-image marker)")]
    NotJpeg { topic: String },
}

/// Decodes one JSON payload of type `T` received on `topic`: rejects malformed JSON, an absent
/// or unknown `schema`, and any bad field, naming the topic and the field's path.
pub fn decode_json<T: DeserializeOwned>(topic: &str, bytes: &[u8]) -> Result<T, DecodeError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| DecodeError::NotJson {
        topic: topic.to_string(),
        message: e.to_string(),
    })?;
    match value.get("schema").and_then(serde_json::Value::as_u64) {
        None => {
            return Err(DecodeError::NoSchema {
                topic: topic.to_string(),
            });
        }
        Some(found) if found != u64::from(SCHEMA) => {
            return Err(DecodeError::UnsupportedSchema {
                topic: topic.to_string(),
                found,
            });
        }
        Some(_) => {}
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // A missing field is reported at its parent: take its name from serde's message.
        let field = match inner.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
            Some(missing) if path == "." => missing.to_string(),
            Some(missing) => format!("{path}.{missing}"),
            None => path,
        };
        DecodeError::Field {
            topic: topic.to_string(),
            field,
            message: inner,
        }
    })
}

/// Decodes a message of the tree by its topic; also checks that a drone's payload names the
/// drone its topic names (the ACL binds the topic to the credentials, so this binds the body).
pub fn decode_payload(topic: &str, bytes: &[u8]) -> Result<Payload, DecodeError> {
    let parsed = Topic::parse(topic).map_err(|source| DecodeError::Topic {
        topic: topic.to_string(),
        source,
    })?;
    let payload = match &parsed {
        Topic::Snapshot { drone_id, track_id } => {
            if !bytes.starts_with(&[0xFF, 0xD8]) {
                return Err(DecodeError::NotJpeg {
                    topic: topic.to_string(),
                });
            }
            return Ok(Payload::SnapshotJpeg {
                drone_id: drone_id.clone(),
                track_id: *track_id,
                jpeg: bytes.to_vec(),
            });
        }
        Topic::Status { .. } => Payload::Status(decode_json(topic, bytes)?),
        Topic::Presence { .. } => Payload::Presence(decode_json(topic, bytes)?),
        Topic::Detections { .. } => Payload::Detections(decode_json(topic, bytes)?),
        Topic::Tracks { .. } => Payload::Tracks(decode_json(topic, bytes)?),
        Topic::SnapshotMeta { .. } => Payload::SnapshotMeta(decode_json(topic, bytes)?),
        Topic::Alert { alert_id } => {
            let message: AlertMessage = decode_json(topic, bytes)?;
            if message.alert.alert_id.as_str() != alert_id {
                return Err(DecodeError::AlertMismatch {
                    topic: topic.to_string(),
                    in_topic: alert_id.clone(),
                    in_payload: message.alert.alert_id.to_string(),
                });
            }
            Payload::Alert(message)
        }
        Topic::Inspection { .. } => Payload::Other(decode_json(topic, bytes)?),
    };
    let in_payload = match &payload {
        Payload::Status(m) => Some(&m.drone_id),
        Payload::Presence(m) => Some(&m.drone_id),
        Payload::Detections(m) => Some(&m.drone_id),
        Payload::Tracks(m) => Some(&m.drone_id),
        Payload::SnapshotMeta(m) => Some(&m.drone_id),
        Payload::SnapshotJpeg { .. } | Payload::Alert(_) | Payload::Other(_) => None,
    };
    if let (Some(in_topic), Some(in_payload)) = (parsed.drone_id(), in_payload)
        && in_topic != in_payload
    {
        return Err(DecodeError::DroneMismatch {
            topic: topic.to_string(),
            in_topic: in_topic.to_string(),
            in_payload: in_payload.to_string(),
        });
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> DetectionBatch {
        DetectionBatch {
            schema: SCHEMA,
            msg_id: 17,
            drone_id: DroneId::new("d1").unwrap(),
            frame_time: 1_760_000_000_123,
            detections: vec![Detection {
                class: "boat".into(),
                score: 0.87,
                bbox: BBox {
                    x: 10.0,
                    y: 20.5,
                    w: 64.0,
                    h: 32.0,
                },
                lat: Some(51.95),
                lon: Some(4.05),
                error_m: Some(2.1),
                track_id: Some(4),
            }],
        }
    }

    fn status() -> DroneStatus {
        DroneStatus {
            schema: SCHEMA,
            msg_id: 3,
            drone_id: DroneId::new("d1").unwrap(),
            time: 5,
            position: GeoPosition {
                lat: 51.9,
                lon: 4.1,
                alt_m: 60.0,
            },
            heading_deg: 90.0,
            ground_speed_mps: 8.5,
            mode: "AUTO".into(),
            armed: true,
            battery_pct: 76.5,
            mission_seq: None,
        }
    }

    #[test]
    fn payloads_round_trip_through_decode_payload() {
        let b = batch();
        let topic = b.topic().to_string();
        let bytes = serde_json::to_vec(&b).unwrap();
        assert_eq!(decode_payload(&topic, &bytes).unwrap(), Payload::Detections(b));

        let s = status();
        let bytes = serde_json::to_vec(&s).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("mission_seq"));
        assert_eq!(
            decode_payload(&s.topic().to_string(), &bytes).unwrap(),
            Payload::Status(s)
        );

        let t = TrackUpdate {
            schema: SCHEMA,
            msg_id: 9,
            drone_id: DroneId::new("d1").unwrap(),
            time: 7,
            tracks: vec![Track {
                track_id: 4,
                class: "person".into(),
                score: 0.5,
                state: TrackState::New,
                lat: 1.0,
                lon: 2.0,
                error_m: 3.0,
                vel_n_mps: 0.1,
                vel_e_mps: -0.2,
                first_seen: 1,
                last_seen: 7,
                size_m: None,
            }],
        };
        let bytes = serde_json::to_vec(&t).unwrap();
        assert!(String::from_utf8_lossy(&bytes).contains("\"state\":\"new\""));
        assert_eq!(
            decode_payload("portops/v1/drones/d1/tracks", &bytes).unwrap(),
            Payload::Tracks(t)
        );

        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        match decode_payload("portops/v1/drones/d1/snapshots/4", &jpeg).unwrap() {
            Payload::SnapshotJpeg {
                track_id: 4, jpeg: got, ..
            } => assert_eq!(got, jpeg),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode_payload("portops/v1/drones/d1/snapshots/4", b"{}"),
            Err(DecodeError::NotJpeg { .. })
        ));
    }

    #[test]
    fn decode_names_topic_and_field() {
        let topic = "portops/v1/drones/d1/detections";
        let mut v = serde_json::to_value(batch()).unwrap();
        v["detections"][0]["score"] = serde_json::json!("high");
        let err = decode_payload(topic, v.to_string().as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with(topic), "{err}");
        assert!(err.contains("`detections[0].score`"), "{err}");

        let mut v = serde_json::to_value(batch()).unwrap();
        v["detections"][0].as_object_mut().unwrap().remove("class");
        let err = decode_payload(topic, v.to_string().as_bytes()).unwrap_err().to_string();
        assert!(err.contains("`detections[0].class`"), "{err}");

        let mut v = serde_json::to_value(batch()).unwrap();
        v.as_object_mut().unwrap().remove("frame_time");
        let err = decode_payload(topic, v.to_string().as_bytes()).unwrap_err().to_string();
        assert!(err.contains("field `frame_time`"), "{err}");
    }

    #[test]
    fn decode_rejects_schema_and_json_problems() {
        let topic = "portops/v1/drones/d1/detections";
        let mut v = serde_json::to_value(batch()).unwrap();
        v["schema"] = serde_json::json!(2);
        let err = decode_payload(topic, v.to_string().as_bytes()).unwrap_err();
        assert!(matches!(err, DecodeError::UnsupportedSchema { found: 2, .. }), "{err}");
        assert!(err.to_string().contains("unsupported schema version 2"));

        v.as_object_mut().unwrap().remove("schema");
        let err = decode_payload(topic, v.to_string().as_bytes()).unwrap_err();
        assert!(matches!(err, DecodeError::NoSchema { .. }), "{err}");

        let err = decode_payload(topic, b"{\"schema\":1,").unwrap_err();
        assert!(matches!(err, DecodeError::NotJson { .. }), "{err}");
        assert!(err.to_string().starts_with(topic));

        let err = decode_payload("portops/v1/drones/d1/nothing", b"{}").unwrap_err();
        assert!(matches!(err, DecodeError::Topic { .. }), "{err}");
    }

    #[test]
    fn payload_must_name_its_topics_drone() {
        let bytes = serde_json::to_vec(&batch()).unwrap();
        let err = decode_payload("portops/v1/drones/d2/detections", &bytes).unwrap_err();
        assert!(matches!(err, DecodeError::DroneMismatch { .. }), "{err}");
    }
}
