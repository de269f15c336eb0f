//! The inspection desk (issue #6): the port's manifests and declarations, each container's risk with its reasons, selection at an inspection rate, inspection tasks, packets, findings and their labels for retraining.
//!
//! Pure core, thin shell. [`data`] loads the manifests (CUSCAR) and the customs declarations
//! (the risk data set's CSV columns) and places containers in the scenario's stacks; [`assess`]
//! turns one container into `risk` rule inputs and assessments and a `customs` risk summary;
//! [`select`] picks containers at a rate and plans the tasks still missing (idempotent);
//! [`labels`] turns findings into the risk trainer's `--findings` JSON lines. [`InspectionDesk`]
//! (in `desk.rs`) is the only part that touches the [`crate::store::Store`]: detections and
//! alerts in, tasks and findings out.

pub mod assess;
pub mod data;
mod desk;
pub mod labels;
pub mod select;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::Deserialize;

pub use assess::{BillRisk, ContainerRisk};
pub use data::{CustomsDataError, PortCustoms};
pub use desk::{Assignment, DeskError, InspectionDesk, RecordedFinding, TaskCreation};
pub use select::{SelectedContainer, SelectionReport};

/// The `[customs]` section of `station.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InspectionConfig {
    /// CUSCAR interchanges with the port's manifests; empty: the customs crate's samples for the
    /// example port (compiled in).
    pub manifests: Vec<PathBuf>,
    /// Customs declarations, a CSV with the risk data set's columns (`Declaration ID` = bill of
    /// lading); None: `ground-station/data/customs/declarations-example-port.csv` (compiled in).
    pub declarations: Option<PathBuf>,
    /// Percent of the containers to examine (5 = 5 %); mandatory hits are examined on top.
    pub inspection_rate: f64,
    /// Drone detections within this distance of a container's stack count as evidence, metres.
    pub evidence_radius_m: f64,
    /// How far back detections count as evidence, hours.
    pub evidence_hours: f64,
    /// Select at start-up and create the tasks still missing.
    pub select_at_start: bool,
    /// Countries always treated as risky origins or routes (ISO 3166 alpha-2).
    pub watch_countries: Vec<String>,
}

impl Default for InspectionConfig {
    fn default() -> Self {
        InspectionConfig {
            manifests: Vec::new(),
            declarations: None,
            inspection_rate: 5.0,
            evidence_radius_m: 50.0,
            evidence_hours: 6.0,
            select_at_start: true,
            watch_countries: Vec::new(),
        }
    }
}

impl InspectionConfig {
    /// The first setting that cannot work, named by its key.
    pub fn check(&self) -> Result<(), String> {
        if !(self.inspection_rate > 0.0 && self.inspection_rate <= 100.0) {
            return Err(format!(
                "customs.inspection_rate: {} is not a percentage in (0, 100]",
                self.inspection_rate
            ));
        }
        if !(self.evidence_radius_m.is_finite() && self.evidence_radius_m > 0.0) {
            return Err(format!(
                "customs.evidence_radius_m: {} is not a positive distance",
                self.evidence_radius_m
            ));
        }
        if !(self.evidence_hours.is_finite() && self.evidence_hours > 0.0) {
            return Err(format!(
                "customs.evidence_hours: {} is not a positive duration",
                self.evidence_hours
            ));
        }
        Ok(())
    }
}

/// The store's text for a task status (the customs crate's serde names: `in_progress`...).
pub fn status_name(status: customs::inspection::TaskStatus) -> &'static str {
    use customs::inspection::TaskStatus::*;
    match status {
        Open => "open",
        Assigned => "assigned",
        InProgress => "in_progress",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

/// A stored status back into the customs crate's, None for text it does not know.
pub fn parse_status(text: &str) -> Option<customs::inspection::TaskStatus> {
    use customs::inspection::TaskStatus::*;
    [Open, Assigned, InProgress, Completed, Cancelled]
        .into_iter()
        .find(|s| status_name(*s) == text)
}
