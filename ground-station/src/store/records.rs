//! Plain, serde-serialisable rows the store reads and writes; the station fills them from its own types.
//!
//! Times are Unix epoch milliseconds (UTC), as in the MQTT contract; positions WGS84 degrees;
//! altitudes metres above the take-off point. MQTT message ids are u64 and SQLite integers i64:
//! they are stored bit for bit (`as i64`), so every u64 comes back unchanged.

use std::fmt;
use std::str::FromStr;

use contracts::mqtt::{DetectionBatch, SnapshotMeta};
use mission::plan::Plan;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Unix epoch milliseconds (UTC).
pub type Millis = i64;

/// Who a user is to the API; what each may do is decided by the API, not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Officer,
    Inspector,
    Trainee,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Officer, Role::Inspector, Role::Trainee, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Inspector => "inspector",
            Role::Trainee => "trainee",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role '{s}' (known: officer, inspector, trainee, admin)"))
    }
}

/// A mission as planned, before or without a flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMission {
    /// survey, perimeter, orbit, waypoints.
    pub kind: String,
    pub area_name: Option<String>,
    pub plan: Plan,
    pub created_by: String,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionRecord {
    pub id: i64,
    #[serde(flatten)]
    pub mission: NewMission,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlightStatus {
    Planned,
    Flying,
    Landed,
    Aborted,
    Failed,
}

impl FlightStatus {
    pub const ALL: [FlightStatus; 5] = [
        FlightStatus::Planned,
        FlightStatus::Flying,
        FlightStatus::Landed,
        FlightStatus::Aborted,
        FlightStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlightStatus::Planned => "planned",
            FlightStatus::Flying => "flying",
            FlightStatus::Landed => "landed",
            FlightStatus::Aborted => "aborted",
            FlightStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlightRecord {
    pub id: i64,
    pub vehicle: String,
    pub mission_id: Option<i64>,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub status: FlightStatus,
    pub tlog_path: Option<String>,
    /// The report's summary (`report::ReportSummary` as JSON), once written.
    pub report: Option<Value>,
    /// Where the report's HTML page (with its SVG map) lies.
    pub report_path: Option<String>,
}

/// One vehicle's state at one instant, as the console draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelemetrySample {
    pub vehicle: String,
    pub time: Millis,
    pub lat: f64,
    pub lon: f64,
    pub alt_m: f64,
    pub heading_deg: f64,
    pub speed_m_s: f64,
    pub battery_pct: Option<f64>,
    /// Flight mode name (ArduPilot's, e.g. `AUTO`).
    pub mode: String,
}

/// One detected object, as the agent geolocated it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionRecord {
    pub drone: String,
    /// The MQTT message it came in and its place in that message's batch: together they make
    /// a replayed message land on the same rows.
    pub msg_id: u64,
    pub idx: u32,
    pub track_id: Option<u64>,
    pub class: String,
    pub score: f64,
    /// Where it is on the ground; None when the agent could not geolocate it (it is still
    /// stored and counted).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Radius of the geolocation's ~1σ error, metres.
    pub error_m: Option<f64>,
    pub time: Millis,
}

impl DetectionRecord {
    /// The rows of one MQTT detections message (an empty batch gives none).
    pub fn from_batch(batch: &DetectionBatch) -> Vec<DetectionRecord> {
        batch
            .detections
            .iter()
            .enumerate()
            .map(|(i, d)| DetectionRecord {
                drone: batch.drone_id.as_str().to_string(),
                msg_id: batch.msg_id,
                idx: i as u32,
                track_id: d.track_id,
                class: d.class.clone(),
                score: f64::from(d.score),
                lat: d.lat,
                lon: d.lon,
                error_m: d.error_m,
                time: batch.frame_time as Millis,
            })
            .collect()
    }
}

/// What storing a batch of detections did; nothing is dropped without being listed here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DetectionInsert {
    pub stored: usize,
    /// Already stored (a replayed MQTT message).
    pub duplicates: usize,
    /// Rows refused, by their index in the batch, with the reason.
    pub rejected: Vec<(usize, String)>,
}

/// A picture of a track: the JPEG itself, or the path of the file that holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    pub drone: String,
    pub msg_id: u64,
    pub track_id: u64,
    pub time: Millis,
    pub content_type: String,
    #[serde(skip)]
    pub jpeg: Option<Vec<u8>>,
    pub path: Option<String>,
    /// The snapshot's metadata (class, position, size...) as received.
    pub meta: Value,
}

impl SnapshotRecord {
    /// A snapshot from its MQTT metadata and the JPEG published with it.
    pub fn from_meta(meta: &SnapshotMeta, jpeg: Vec<u8>) -> SnapshotRecord {
        SnapshotRecord {
            drone: meta.drone_id.as_str().to_string(),
            msg_id: meta.msg_id,
            track_id: meta.track_id,
            time: meta.time as Millis,
            content_type: meta.content_type.clone(),
            jpeg: Some(jpeg),
            path: None,
            meta: serde_json::to_value(meta).unwrap_or(Value::Null),
        }
    }
}

/// A stored snapshot's picture: the JPEG bytes, or the path of the file that holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotImage {
    pub content_type: String,
    pub jpeg: Option<Vec<u8>>,
    pub path: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// An alert as a rule raises it (again): one alert per rule, drone and track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRaise {
    pub rule: String,
    pub severity: Severity,
    pub drone: String,
    pub track_id: u64,
    pub message: String,
    pub lat: f64,
    pub lon: f64,
    pub snapshot_id: Option<i64>,
    pub time: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub by: String,
    pub at: Millis,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    pub id: i64,
    pub rule: String,
    pub severity: Severity,
    pub drone: String,
    pub track_id: u64,
    pub message: String,
    pub lat: f64,
    pub lon: f64,
    pub snapshot_id: Option<i64>,
    pub raised_at: Millis,
    pub updated_at: Millis,
    pub acknowledged: Option<Acknowledgement>,
}

/// Whether raising an alert made a new one or updated the one already open for that track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "id")]
pub enum Raised {
    New(i64),
    Updated(i64),
}

impl Raised {
    pub fn id(self) -> i64 {
        match self {
            Raised::New(id) | Raised::Updated(id) => id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// Something someone did, for the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub time: Millis,
    pub who: String,
    pub role: Role,
    /// What was done, e.g. `mission.launch`, `alert.acknowledge`.
    pub action: String,
    /// What it was done to, e.g. `vehicle/1`, `alert/17`.
    pub target: String,
    pub details: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(flatten)]
    pub event: AuditEvent,
}

/// A container to inspect (the customs issue fills in the packet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionTask {
    pub id: i64,
    pub container_number: String,
    pub status: String,
    pub assigned_inspector: Option<String>,
    /// Manifest, risk score and reasons, drone evidence: whatever the inspector is shown.
    pub packet: Value,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub id: i64,
    pub task_id: i64,
    pub inspector: String,
    pub finding: Value,
    pub time: Millis,
}
