//! Domain types of the inspection loop, shared by the ground station and the AR client (no
//! I/O): inspection tasks and their life cycle, the inspection packet an inspector sees, its
//! checklist, and findings that become labels for retraining the risk model.
//!
//! Times are Unix epoch milliseconds (UTC), as in the MQTT contracts.

mod checklist;
mod finding;
mod packet;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use checklist::{AnswerKind, Checklist, ChecklistItem, item_ids};
pub use finding::{
    Answer, AnswerValue, Discrepancy, DiscrepancyKind, Finding, FindingLabel, FindingProblem, PhotoRef,
    WEIGHT_TOLERANCE,
};
pub use packet::{BillRoute, ContainerInfo, GoodsLine, InspectionPacket, PacketError, PartyRole, Role};

/// Schema version of the packet and finding JSON.
pub const INSPECTION_SCHEMA: u32 = 1;

/// Risk level as the risk model reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

/// One factor that moved a risk score, in words an officer understands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Machine name of the factor (`unit_value`, `seal_mismatch`, `drone_evidence`...).
    pub factor: String,
    /// The sentence shown to the officer.
    pub text: String,
    /// How much it moved the score (sign: towards or away from risk).
    pub weight: f64,
}

/// A risk score with its reasons, as a plain struct so that this crate does not depend on the
/// risk model (the station fills it from `risk`'s assessment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskSummary {
    /// 0 to 100.
    pub score: f64,
    pub level: RiskLevel,
    /// The factors that moved it most, largest first.
    pub reasons: Vec<Reason>,
}

/// A drone observation near the container (from the station's detections and snapshots).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroneEvidence {
    pub snapshot_id: Option<String>,
    pub snapshot_url: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub time: u64,
    /// Detected class (`person`, `boat`, `truck`...).
    pub class: String,
    pub score: Option<f32>,
    pub drone_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Assigned,
    InProgress,
    Completed,
    Cancelled,
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskStatus::Open => "open",
            TaskStatus::Assigned => "assigned",
            TaskStatus::InProgress => "in progress",
            TaskStatus::Completed => "completed",
            TaskStatus::Cancelled => "cancelled",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    #[error("task {task}: cannot go from {from} to {to}")]
    Transition {
        task: String,
        from: TaskStatus,
        to: TaskStatus,
    },
    #[error("task {task} is assigned to {assigned:?}, not to {inspector:?}")]
    NotAssignee {
        task: String,
        assigned: Option<String>,
        inspector: String,
    },
}

/// An examination to carry out on one container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionTask {
    pub id: String,
    pub container_number: String,
    /// Bills of lading (consignments) with goods in the container.
    pub consignment_refs: Vec<String>,
    pub assigned_inspector: Option<String>,
    pub status: TaskStatus,
    pub created: u64,
    pub updated: u64,
}

impl InspectionTask {
    pub fn new(
        id: impl Into<String>,
        container_number: impl Into<String>,
        consignment_refs: Vec<String>,
        now: u64,
    ) -> Self {
        InspectionTask {
            id: id.into(),
            container_number: container_number.into(),
            consignment_refs,
            assigned_inspector: None,
            status: TaskStatus::Open,
            created: now,
            updated: now,
        }
    }

    fn go(&mut self, to: TaskStatus, allowed: &[TaskStatus], now: u64) -> Result<(), TaskError> {
        if !allowed.contains(&self.status) {
            return Err(TaskError::Transition {
                task: self.id.clone(),
                from: self.status,
                to,
            });
        }
        self.status = to;
        self.updated = now.max(self.updated);
        Ok(())
    }

    /// Open or assigned → assigned to `inspector` (re-assignment allowed before the start).
    pub fn assign(&mut self, inspector: impl Into<String>, now: u64) -> Result<(), TaskError> {
        self.go(TaskStatus::Assigned, &[TaskStatus::Open, TaskStatus::Assigned], now)?;
        self.assigned_inspector = Some(inspector.into());
        Ok(())
    }

    /// Assigned → in progress, by the assigned inspector only.
    pub fn start(&mut self, inspector: &str, now: u64) -> Result<(), TaskError> {
        self.check_assignee(inspector)?;
        self.go(TaskStatus::InProgress, &[TaskStatus::Assigned], now)
    }

    /// In progress → completed, by the assigned inspector only (with their finding).
    pub fn complete(&mut self, inspector: &str, now: u64) -> Result<(), TaskError> {
        self.check_assignee(inspector)?;
        self.go(TaskStatus::Completed, &[TaskStatus::InProgress], now)
    }

    /// Any state but completed → cancelled.
    pub fn cancel(&mut self, now: u64) -> Result<(), TaskError> {
        self.go(
            TaskStatus::Cancelled,
            &[TaskStatus::Open, TaskStatus::Assigned, TaskStatus::InProgress],
            now,
        )
    }

    fn check_assignee(&self, inspector: &str) -> Result<(), TaskError> {
        if self.assigned_inspector.as_deref() == Some(inspector) {
            Ok(())
        } else {
            Err(TaskError::NotAssignee {
                task: self.id.clone(),
                assigned: self.assigned_inspector.clone(),
                inspector: inspector.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_life_cycle() {
        let mut t = InspectionTask::new("T1", "EXPU1234507", vec!["B1".into()], 1_000);
        assert!(matches!(t.start("ana", 1_001), Err(TaskError::NotAssignee { .. })));
        t.assign("ana", 1_002).unwrap();
        t.assign("bo", 1_003).unwrap();
        assert!(matches!(t.start("ana", 1_004), Err(TaskError::NotAssignee { .. })));
        t.start("bo", 1_005).unwrap();
        assert!(matches!(t.assign("ana", 1_006), Err(TaskError::Transition { .. })));
        t.complete("bo", 1_007).unwrap();
        assert_eq!((t.status, t.updated, t.created), (TaskStatus::Completed, 1_007, 1_000));
        assert!(t.cancel(1_008).is_err());
    }
}
