//! Which containers to examine at an inspection rate (the `risk` crate's selection over containers), and which inspection tasks are still missing for them.
//!
//! Task planning is idempotent: a container that already has a task (open, assigned, in
//! progress or completed; only a cancelled one does not count) gets none, so selecting again,
//! at every start of the station, creates nothing twice.

use customs::inspection::{Reason, RiskLevel};
use customs::iso6346::normalise;
use serde::Serialize;

use super::assess::ContainerRisk;
use crate::store::InspectionTask;

/// One consignment (bill of lading) of a selected container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectedConsignment {
    pub bill_of_lading: Option<String>,
    pub declaration_id: Option<String>,
    pub score: f64,
    pub level: RiskLevel,
    pub mandatory: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectedContainer {
    /// 1 for the first to examine.
    pub rank: usize,
    pub container: String,
    pub manifest_document: String,
    pub stack: Option<String>,
    pub score: f64,
    pub level: RiskLevel,
    /// A rule made it mandatory (examined beyond the quota if need be).
    pub mandatory: bool,
    pub consignments: Vec<SelectedConsignment>,
    pub reasons: Vec<Reason>,
    /// Drone sightings near its stack.
    pub evidence: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectionReport {
    pub rate_percent: f64,
    /// Containers scored.
    pub containers: usize,
    /// ⌈rate · containers⌉.
    pub quota: usize,
    /// How many were selected because a rule made them mandatory.
    pub mandatory: usize,
    pub selected: Vec<SelectedContainer>,
}

/// The containers to examine at `rate_percent` (0 < rate ≤ 100): mandatory ones always, then
/// the highest scores up to the quota (ties by container number).
pub fn select_containers(risks: &[ContainerRisk], rate_percent: f64) -> Result<SelectionReport, String> {
    if !(rate_percent > 0.0 && rate_percent <= 100.0) {
        return Err(format!("rate: {rate_percent} is not a percentage in (0, 100]"));
    }
    let candidates: Vec<risk::Candidate> = risks
        .iter()
        .map(|r| risk::Candidate {
            id: r.container.clone(),
            score: r.score,
            mandatory: r.mandatory,
        })
        .collect();
    let selection = risk::select(&candidates, rate_percent / 100.0).map_err(|e| format!("rate: {e}"))?;
    let selected = selection
        .indices
        .iter()
        .enumerate()
        .map(|(i, &at)| {
            let r = &risks[at];
            SelectedContainer {
                rank: i + 1,
                container: r.container.clone(),
                manifest_document: r.manifest_document.clone(),
                stack: r.stack.clone(),
                score: r.score,
                level: r.level,
                mandatory: r.mandatory,
                consignments: r
                    .bills
                    .iter()
                    .map(|b| SelectedConsignment {
                        bill_of_lading: b.bill_of_lading.clone(),
                        declaration_id: b.declaration_id.clone(),
                        score: b.score,
                        level: b.level,
                        mandatory: b.mandatory,
                    })
                    .collect(),
                reasons: r.summary.reasons.clone(),
                evidence: r.evidence.len(),
            }
        })
        .collect();
    Ok(SelectionReport {
        rate_percent,
        containers: risks.len(),
        quota: selection.quota,
        mandatory: selection.mandatory,
        selected,
    })
}

/// Whether a stored task still stands for its container (anything but cancelled).
pub fn task_stands(task: &InspectionTask) -> bool {
    task.status != super::status_name(customs::inspection::TaskStatus::Cancelled)
}

/// The selected containers that have no standing task yet, in selection order.
pub fn missing_tasks<'a>(selection: &'a SelectionReport, existing: &[InspectionTask]) -> Vec<&'a SelectedContainer> {
    selection
        .selected
        .iter()
        .filter(|s| {
            let key = normalise(&s.container);
            !existing
                .iter()
                .any(|t| task_stands(t) && normalise(&t.container_number) == key)
        })
        .collect()
}
