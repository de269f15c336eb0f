//! The station's HTTP API as the headset uses it: who am I, my tasks, a packet, and uploads.

use std::time::Duration;

use customs::InspectionPacket;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::outbox::{Upload, UploadKind, UploadOutcome, Uploader};

#[derive(Debug, thiserror::Error)]
pub enum StationError {
    #[error("the station at {base} cannot be reached: {reason}")]
    Unreachable { base: String, reason: String },
    #[error("{what}: the station answered HTTP {status}: {message}")]
    Refused { what: String, status: u16, message: String },
    #[error("{what}: the station's answer is not what this client understands: {reason}")]
    BadAnswer { what: String, reason: String },
}

/// The signed-in user, as `/api/v1/me` tells.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    pub name: String,
    pub role: String,
}

/// One inspection task, as `/api/v1/inspections/tasks` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct TaskSummary {
    pub id: i64,
    pub container_number: String,
    pub status: String,
    #[serde(default)]
    pub assigned_inspector: Option<String>,
    /// The container's risk score, when it was assessed.
    #[serde(default)]
    pub score: Option<f64>,
}

/// A bearer-token client of one station.
#[derive(Clone)]
pub struct StationClient {
    base: String,
    token: String,
    http: ureq::Agent,
}

impl StationClient {
    pub fn new(base: &str, token: &str) -> StationClient {
        StationClient {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(20)))
                .build()
                .into(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Signs in: checks the token and returns who it belongs to.
    pub fn me(&self) -> Result<Me, StationError> {
        self.get("/api/v1/me", "signing in")
    }

    /// Tasks assigned to the signed-in inspector that are not completed yet.
    pub fn open_tasks_of(&self, inspector: &str) -> Result<Vec<TaskSummary>, StationError> {
        let tasks: Vec<TaskSummary> = self.get("/api/v1/inspections/tasks", "listing inspection tasks")?;
        Ok(tasks
            .into_iter()
            .filter(|t| matches!(t.status.as_str(), "assigned" | "in_progress"))
            .filter(|t| t.assigned_inspector.as_deref() == Some(inspector))
            .collect())
    }

    pub fn packet_for_task(&self, task_id: i64) -> Result<InspectionPacket, StationError> {
        self.get(
            &format!("/api/v1/inspections/tasks/{task_id}/packet"),
            &format!("the packet of task {task_id}"),
        )
    }

    pub fn packet_for_container(&self, container: &str) -> Result<InspectionPacket, StationError> {
        let query: String = container.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        self.get(
            &format!("/api/v1/inspections/packet?container={query}"),
            &format!("the packet of container {container}"),
        )
    }

    /// A drone snapshot (JPEG bytes) by the path the packet's evidence names.
    pub fn snapshot(&self, path: &str) -> Result<Vec<u8>, StationError> {
        let what = format!("snapshot {path}");
        let mut response = self.get_ok(path, &what)?;
        response
            .body_mut()
            .with_config()
            .limit(8 << 20)
            .read_to_vec()
            .map_err(|e| StationError::BadAnswer {
                what,
                reason: e.to_string(),
            })
    }

    /// A GET answered 200, or the station's refusal in words.
    fn get_ok(&self, path: &str, what: &str) -> Result<ureq::http::Response<ureq::Body>, StationError> {
        let mut response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .call()
            .map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        if status != 200 {
            let text = response.body_mut().read_to_string().unwrap_or_default();
            return Err(StationError::Refused {
                what: what.to_string(),
                status,
                message: message_of(&text),
            });
        }
        Ok(response)
    }

    fn get<T: DeserializeOwned>(&self, path: &str, what: &str) -> Result<T, StationError> {
        let text = self
            .get_ok(path, what)?
            .body_mut()
            .read_to_string()
            .map_err(|e| self.unreachable(e))?;
        serde_json::from_str(&text).map_err(|e| StationError::BadAnswer {
            what: what.to_string(),
            reason: e.to_string(),
        })
    }

    fn unreachable(&self, e: ureq::Error) -> StationError {
        StationError::Unreachable {
            base: self.base.clone(),
            reason: e.to_string(),
        }
    }

    fn path_of(kind: &UploadKind) -> String {
        match kind {
            UploadKind::Finding { task_id } => format!("/api/v1/inspections/tasks/{task_id}/findings"),
            UploadKind::TrainingResult => "/api/v1/training/results".to_string(),
        }
    }
}

/// The station's error body is `{"error": …, "message": …}`; anything else is shown as it came.
fn message_of(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| text.chars().take(300).collect())
}

impl Uploader for StationClient {
    fn upload(&self, upload: &Upload) -> UploadOutcome {
        let path = Self::path_of(&upload.kind);
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .send_json(&upload.body);
        let mut response = match response {
            Ok(r) => r,
            Err(e) => {
                return UploadOutcome::Retry {
                    reason: self.unreachable(e).to_string(),
                };
            }
        };
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let duplicate = || {
            serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("duplicate").and_then(|d| d.as_bool()))
                .unwrap_or(false)
        };
        match status {
            200 | 201 => UploadOutcome::Delivered { duplicate: duplicate() },
            // An expired sign-in or a busy station: the upload is fine, try again later.
            401 | 408 | 429 | 500..=599 => UploadOutcome::Retry {
                reason: format!("HTTP {status}: {}", message_of(&text)),
            },
            _ => UploadOutcome::Rejected {
                status,
                message: message_of(&text),
            },
        }
    }
}
