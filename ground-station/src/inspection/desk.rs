//! The inspection desk: the pure core applied to the station's store (detections and alerts in; inspection tasks and findings out).
//!
//! Every method takes the [`Store`] and the time (Unix ms) from its caller, so the API calls it
//! inside `with_store` (off the async threads, under the store's lock) and tests call it on an
//! in-memory store.

use customs::inspection::{
    FindingLabel, INSPECTION_SCHEMA, InspectionPacket, InspectionTask as DomainTask, TaskError, TaskStatus,
};
use customs::iso6346::normalise;
use customs::{Finding, Nomenclature};
use mission::scenario::PortScenario;
use risk::rules::RuleConfig;
use risk::{Declaration, RiskModel, Scorer};
use serde::Serialize;
use serde_json::Value;

use super::assess::{self, ContainerRisk, Sighting};
use super::data::{CustomsDataError, PortCustoms};
use super::labels::{self, LabelLine};
use super::select::{self, SelectionReport};
use super::{InspectionConfig, parse_status, status_name};
use crate::store::{AlertRecord, DetectionRecord, InspectionTask, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("container {0} is on no manifest of this port")]
    UnknownContainer(String),
    #[error("inspection task {0}")]
    UnknownTask(i64),
    /// The request names a bad value; the text starts with the field.
    #[error("{0}")]
    BadRequest(String),
    /// Not possible in the task's present state.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Internal(String),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// A task created or (re)assigned.
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub task: InspectionTask,
    /// A new task row was written.
    pub created: bool,
}

/// What selecting at start-up did.
#[derive(Debug, Clone, Serialize)]
pub struct TaskCreation {
    pub selection: SelectionReport,
    /// (task id, container) of the tasks created now.
    pub created: Vec<(i64, String)>,
    /// Selected containers that already had a standing task.
    pub existing: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordedFinding {
    pub finding_id: i64,
    pub task: InspectionTask,
    pub label: FindingLabel,
    /// A resend of a finding already recorded (same `client_ref`, same inspector): this is the
    /// earlier record, and nothing was written.
    pub duplicate: bool,
}

/// The port's customs data with the risk model and the rules' settings.
pub struct InspectionDesk {
    pub port: PortCustoms,
    model: RiskModel,
    rules: RuleConfig,
    config: InspectionConfig,
}

impl InspectionDesk {
    /// Loads the configured (or compiled-in) data and the compiled-in risk model.
    pub fn load(config: &InspectionConfig, scenario: &PortScenario) -> Result<InspectionDesk, CustomsDataError> {
        let port = PortCustoms::load(config, scenario)?;
        for w in &port.warnings {
            tracing::warn!("customs data: {w}");
        }
        Ok(InspectionDesk::new(port, RiskModel::embedded()?, config.clone()))
    }

    pub fn new(port: PortCustoms, model: RiskModel, config: InspectionConfig) -> InspectionDesk {
        let rules = RuleConfig {
            drone_radius_m: config.evidence_radius_m,
            watch_countries: config.watch_countries.clone(),
            ..RuleConfig::default()
        };
        InspectionDesk {
            port,
            model,
            rules,
            config,
        }
    }

    pub fn config(&self) -> &InspectionConfig {
        &self.config
    }

    fn scorer(&self) -> Scorer<'_> {
        let mut scorer = Scorer::new(&self.model);
        scorer.rules = self.rules.clone();
        scorer
    }

    /// Detections of the evidence window and the alerts that may carry their snapshots.
    fn observations(&self, store: &Store, now: i64) -> Result<(Vec<DetectionRecord>, Vec<AlertRecord>), StoreError> {
        let from = now - (self.config.evidence_hours * 3_600_000.0) as i64;
        // A minute ahead: an agent's clock may run a little fast.
        let to = now + 60_000;
        let detections = store.detections_between(from, to)?;
        // An alert raised earlier may still hold the snapshot of a track seen in the window.
        let alerts = store.alerts_between(from - 86_400_000, to)?;
        Ok((detections, alerts))
    }

    fn sightings(&self, container: &str, detections: &[DetectionRecord], alerts: &[AlertRecord]) -> Vec<Sighting> {
        match self.port.place(container) {
            Some(place) => assess::sightings_near(detections, alerts, place.position, self.config.evidence_radius_m),
            None => Vec::new(),
        }
    }

    /// One container's risk with the detections now in the store.
    pub fn assess(&self, store: &Store, container: &str, now: i64) -> Result<ContainerRisk, DeskError> {
        let (detections, alerts) = self.observations(store, now)?;
        let sightings = self.sightings(container, &detections, &alerts);
        assess::assess_container(&self.scorer(), &self.port, container, sightings)
            .ok_or_else(|| DeskError::UnknownContainer(container.to_string()))
    }

    /// Every container on the manifests, in manifest order.
    pub fn assess_all(&self, store: &Store, now: i64) -> Result<Vec<ContainerRisk>, DeskError> {
        let (detections, alerts) = self.observations(store, now)?;
        let scorer = self.scorer();
        Ok(self
            .port
            .containers()
            .into_iter()
            .filter_map(|c| assess::assess_container(&scorer, &self.port, c, self.sightings(c, &detections, &alerts)))
            .collect())
    }

    pub fn selection(&self, store: &Store, rate_percent: f64, now: i64) -> Result<SelectionReport, DeskError> {
        let risks = self.assess_all(store, now)?;
        select::select_containers(&risks, rate_percent).map_err(DeskError::BadRequest)
    }

    fn packet_of(&self, risk: &ContainerRisk) -> Result<InspectionPacket, DeskError> {
        let loaded = self
            .port
            .manifest_of(&risk.container)
            .ok_or_else(|| DeskError::UnknownContainer(risk.container.clone()))?;
        InspectionPacket::build(
            &loaded.manifest,
            &risk.container,
            Nomenclature::hs2022(),
            Some(risk.summary.clone()),
            risk.evidence.clone(),
        )
        .map_err(|e| DeskError::UnknownContainer(e.to_string()))
    }

    /// The packet of a container as it stands now (risk and evidence fresh).
    pub fn packet(&self, store: &Store, container: &str, now: i64) -> Result<InspectionPacket, DeskError> {
        self.packet_of(&self.assess(store, container, now)?)
    }

    /// Selects at the configured rate and creates the tasks still missing (see [`select::missing_tasks`]).
    pub fn create_selected_tasks(&self, store: &Store, now: i64) -> Result<TaskCreation, DeskError> {
        let risks = self.assess_all(store, now)?;
        let selection =
            select::select_containers(&risks, self.config.inspection_rate).map_err(DeskError::BadRequest)?;
        let existing_tasks = store.inspection_tasks(None)?;
        let missing = select::missing_tasks(&selection, &existing_tasks);
        let existing = selection.selected.len() - missing.len();
        let mut created = Vec::new();
        for s in missing {
            let Some(risk) = risks.iter().find(|r| r.container == s.container) else {
                continue;
            };
            let packet = to_value(&self.packet_of(risk)?)?;
            let open = status_name(TaskStatus::Open);
            let id = store.create_inspection_task(&s.container, open, None, &packet, now)?;
            created.push((id, s.container.clone()));
        }
        Ok(TaskCreation {
            selection,
            created,
            existing,
        })
    }

    fn task(&self, store: &Store, id: i64) -> Result<InspectionTask, DeskError> {
        store.inspection_task(id)?.ok_or(DeskError::UnknownTask(id))
    }

    /// A task's packet: the one it was created with (its checklist is what findings answer),
    /// with the risk and drone evidence as they stand now.
    pub fn task_packet(&self, store: &Store, id: i64, now: i64) -> Result<Value, DeskError> {
        let task = self.task(store, id)?;
        let mut packet: InspectionPacket = stored_packet(&task)?;
        if self.port.manifest_of(&task.container_number).is_some() {
            let risk = self.assess(store, &task.container_number, now)?;
            packet.risk = Some(risk.summary);
            packet.evidence = risk.evidence;
        }
        to_value(&packet)
    }

    /// Creates a task for `container` assigned to `inspector`, or hands its standing one over.
    pub fn create_or_assign(
        &self,
        store: &Store,
        container: &str,
        inspector: &str,
        now: i64,
    ) -> Result<Assignment, DeskError> {
        let inspector = inspector.trim();
        if inspector.is_empty() {
            return Err(DeskError::BadRequest("inspector: must not be empty".into()));
        }
        let number = self
            .port
            .declared_number(container)
            .ok_or_else(|| DeskError::UnknownContainer(container.trim().to_string()))?
            .to_string();
        let assigned = status_name(TaskStatus::Assigned);
        let standing = store
            .inspection_tasks(None)?
            .into_iter()
            .filter(|t| normalise(&t.container_number) == normalise(&number))
            .find(|t| {
                matches!(
                    parse_status(&t.status),
                    Some(TaskStatus::Open | TaskStatus::Assigned | TaskStatus::InProgress)
                )
            });
        let Some(old) = standing else {
            let packet = to_value(&self.packet(store, &number, now)?)?;
            let id = store.create_inspection_task(&number, assigned, Some(inspector), &packet, now)?;
            return Ok(Assignment {
                task: self.task(store, id)?,
                created: true,
            });
        };
        if old.assigned_inspector.as_deref() == Some(inspector) {
            return Ok(Assignment {
                task: old,
                created: false,
            });
        }
        let mut domain = domain_task(&old)?;
        domain.assign(inspector, now.max(0) as u64).map_err(conflict)?;
        store.assign_inspection_task(old.id, inspector, now)?;
        Ok(Assignment {
            task: self.task(store, old.id)?,
            created: false,
        })
    }

    /// Checks a finding against its task (ids, container, inspector, the packet's checklist),
    /// stores it and completes the task. Only the assigned inspector records. A finding whose
    /// `client_ref` this inspector already recorded on the task is a resend (an offline queue
    /// that never saw the answer): the earlier record is returned, marked `duplicate`.
    pub fn record_finding(
        &self,
        store: &Store,
        task_id: i64,
        mut finding: Finding,
        inspector: &str,
        now: i64,
    ) -> Result<RecordedFinding, DeskError> {
        let task = self.task(store, task_id)?;
        let bad = |field: &str, problem: String| Err(DeskError::BadRequest(format!("{field}: {problem}")));
        if finding.schema != INSPECTION_SCHEMA {
            return bad(
                "schema",
                format!("{} is not the finding schema {INSPECTION_SCHEMA}", finding.schema),
            );
        }
        if finding.task_id.trim().is_empty() {
            finding.task_id = task_id.to_string();
        } else if finding.task_id.trim() != task_id.to_string() {
            return bad(
                "task_id",
                format!("{:?} is not task {task_id} of the URL", finding.task_id),
            );
        }
        if normalise(&finding.container_number) != normalise(&task.container_number) {
            return bad(
                "container_number",
                format!(
                    "{:?} is not the task's container {}",
                    finding.container_number, task.container_number
                ),
            );
        }
        if finding.inspector.trim().is_empty() {
            finding.inspector = inspector.to_string();
        } else if finding.inspector.trim() != inspector {
            return bad(
                "inspector",
                format!("{:?} is not the signed-in user {inspector:?}", finding.inspector),
            );
        }
        if finding.time == 0 {
            finding.time = now.max(0) as u64;
        }
        if let Some(client_ref) = &finding.client_ref {
            let client_ref = client_ref.trim();
            if client_ref.is_empty() {
                return bad(
                    "client_ref",
                    "empty: leave it out, or give the device's id for this finding".into(),
                );
            }
            finding.client_ref = Some(client_ref.to_string());
        }
        let packet = stored_packet(&task)?;
        let problems = finding.check(&packet.checklist);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return bad(
                "answers",
                format!(
                    "the finding does not fit task {task_id}'s checklist: {}",
                    list.join("; ")
                ),
            );
        }
        if let Some(client_ref) = &finding.client_ref
            && let Some(earlier) = store.finding_by_client_ref(task_id, inspector, client_ref)?
        {
            let stored: Finding = serde_json::from_value(earlier.finding).map_err(|e| {
                DeskError::Internal(format!(
                    "finding {} of task {task_id}: its stored finding is unreadable: {e}",
                    earlier.id
                ))
            })?;
            return Ok(RecordedFinding {
                finding_id: earlier.id,
                task,
                label: stored.label(),
                duplicate: true,
            });
        }
        let mut domain = domain_task(&task)?;
        if domain.status == TaskStatus::Open {
            return Err(DeskError::Conflict(format!(
                "task {task_id} is not assigned yet: an officer assigns it first (POST /api/v1/inspections/tasks)"
            )));
        }
        let at = now.max(0) as u64;
        if domain.status == TaskStatus::Assigned {
            domain.start(inspector, at).map_err(conflict)?;
        }
        domain.complete(inspector, at).map_err(conflict)?;
        let finding_id = store.add_finding(task_id, inspector, &to_value(&finding)?, now)?;
        store.set_inspection_status(task_id, status_name(TaskStatus::Completed), now)?;
        Ok(RecordedFinding {
            finding_id,
            task: self.task(store, task_id)?,
            label: finding.label(),
            duplicate: false,
        })
    }

    /// Every stored finding as training lines, and why any finding gave none.
    pub fn labels(&self, store: &Store) -> Result<(Vec<LabelLine>, Vec<String>), DeskError> {
        let mut lines = Vec::new();
        let mut skipped = Vec::new();
        let mut tasks = store.inspection_tasks(None)?;
        tasks.sort_by_key(|t| t.id);
        for task in tasks {
            for stored in store.findings(task.id)? {
                let finding: Finding = match serde_json::from_value(stored.finding.clone()) {
                    Ok(f) => f,
                    Err(e) => {
                        skipped.push(format!("finding {} of task {}: not a finding: {e}", stored.id, task.id));
                        continue;
                    }
                };
                let bills = self.bills_of(&task);
                if bills.is_empty() {
                    skipped.push(format!(
                        "finding {} of task {}: container {} has no declared goods, so no declaration to label",
                        stored.id, task.id, task.container_number
                    ));
                }
                lines.extend(labels::label_lines(stored.id, task.id, &finding, &bills));
            }
        }
        Ok((lines, skipped))
    }

    /// The bills of lading of a task's container (from its packet) with their declarations:
    /// the linked row, else one made from the manifest.
    fn bills_of(&self, task: &InspectionTask) -> Vec<(String, Declaration)> {
        let mut bills: Vec<String> = Vec::new();
        if let Some(goods) = task.packet.get("goods").and_then(Value::as_array) {
            for b in goods
                .iter()
                .filter_map(|g| g.get("bill_of_lading").and_then(Value::as_str))
            {
                if !bills.iter().any(|x| x == b) {
                    bills.push(b.to_string());
                }
            }
        }
        let loaded = self.port.manifest_of(&task.container_number);
        bills
            .into_iter()
            .filter_map(|bill| {
                if let Some(d) = self.port.declaration(&bill) {
                    return Some((bill, d.clone()));
                }
                let manifest = &loaded?.manifest;
                let in_container = manifest.goods_in(&task.container_number);
                let (consignment, goods) = in_container.iter().find(|(c, _)| c.bill_of_lading == bill)?;
                let d = assess::declaration_for(
                    manifest,
                    &task.container_number,
                    Some((*consignment, goods.as_slice())),
                    None,
                );
                Some((bill, d))
            })
            .collect()
    }
}

fn conflict(e: TaskError) -> DeskError {
    DeskError::Conflict(e.to_string())
}

fn to_value<T: Serialize>(v: &T) -> Result<Value, DeskError> {
    serde_json::to_value(v).map_err(|e| DeskError::Internal(format!("cannot write JSON: {e}")))
}

fn stored_packet(task: &InspectionTask) -> Result<InspectionPacket, DeskError> {
    serde_json::from_value(task.packet.clone()).map_err(|e| {
        DeskError::Internal(format!(
            "inspection task {}: its stored packet is unreadable: {e}",
            task.id
        ))
    })
}

/// A stored task in the customs crate's form, for its life-cycle rules.
fn domain_task(t: &InspectionTask) -> Result<DomainTask, DeskError> {
    let status = parse_status(&t.status)
        .ok_or_else(|| DeskError::Internal(format!("inspection task {} has an unknown status {:?}", t.id, t.status)))?;
    Ok(DomainTask {
        id: t.id.to_string(),
        container_number: t.container_number.clone(),
        consignment_refs: Vec::new(),
        assigned_inspector: t.assigned_inspector.clone(),
        status,
        created: t.created_at.max(0) as u64,
        updated: t.updated_at.max(0) as u64,
    })
}
