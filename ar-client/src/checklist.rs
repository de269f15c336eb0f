//! Working through the examination checklist at the container door, and the finding it makes.
//!
//! A plain struct driven by key presses (desktop) or controller actions (XR): a cursor over the
//! packet's checklist, answers checked against each item's kind, package counts that differ
//! from the declaration recorded as quantity discrepancies, observed seals, free notes. The
//! finding it builds is checked against the checklist before it is queued, so the station will
//! not refuse it for a missing answer.

use std::collections::BTreeMap;

use customs::InspectionPacket;
use customs::inspection::{
    Answer, AnswerKind, AnswerValue, ChecklistItem, Discrepancy, DiscrepancyKind, Finding, FindingProblem, item_ids,
};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("{item_id:?} takes a {expected:?} answer, not {got:?}")]
    WrongKind {
        item_id: String,
        expected: AnswerKind,
        got: AnswerKind,
    },
    #[error("the checklist is empty")]
    Empty,
}

/// One examination in progress.
#[derive(Debug, Clone)]
pub struct ChecklistSession {
    packet: InspectionPacket,
    answers: BTreeMap<String, AnswerValue>,
    cursor: usize,
    /// Seal numbers read on the doors.
    pub observed_seals: Vec<String>,
    pub notes: String,
    /// Discrepancies the inspector recorded by hand (kind and words).
    pub extra_discrepancies: Vec<Discrepancy>,
}

fn kind_of(value: &AnswerValue) -> AnswerKind {
    match value {
        AnswerValue::YesNo(_) => AnswerKind::YesNo,
        AnswerValue::Count(_) => AnswerKind::Count,
        AnswerValue::Text(_) => AnswerKind::Text,
    }
}

impl ChecklistSession {
    pub fn new(packet: InspectionPacket) -> ChecklistSession {
        ChecklistSession {
            packet,
            answers: BTreeMap::new(),
            cursor: 0,
            observed_seals: Vec::new(),
            notes: String::new(),
            extra_discrepancies: Vec::new(),
        }
    }

    pub fn packet(&self) -> &InspectionPacket {
        &self.packet
    }

    pub fn items(&self) -> &[ChecklistItem] {
        &self.packet.checklist.items
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn current(&self) -> Option<&ChecklistItem> {
        self.items().get(self.cursor)
    }

    pub fn answer_of(&self, item_id: &str) -> Option<&AnswerValue> {
        self.answers.get(item_id)
    }

    pub fn next(&mut self) {
        if self.cursor + 1 < self.items().len() {
            self.cursor += 1;
        }
    }

    pub fn previous(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    /// Answers the current item and moves on.
    pub fn answer(&mut self, value: AnswerValue) -> Result<(), AnswerError> {
        let item = self.current().ok_or(AnswerError::Empty)?;
        if item.kind != kind_of(&value) {
            return Err(AnswerError::WrongKind {
                item_id: item.id.clone(),
                expected: item.kind,
                got: kind_of(&value),
            });
        }
        let id = item.id.clone();
        self.answers.insert(id, value);
        self.next();
        Ok(())
    }

    /// Required items not answered yet.
    pub fn unanswered(&self) -> Vec<&ChecklistItem> {
        self.items()
            .iter()
            .filter(|i| i.required && !self.answers.contains_key(&i.id))
            .collect()
    }

    /// (answered, required) for the progress line.
    pub fn progress(&self) -> (usize, usize) {
        let required = self.items().iter().filter(|i| i.required).count();
        (required - self.unanswered().len(), required)
    }

    /// Discrepancies the answers imply, plus the recorded ones.
    pub fn discrepancies(&self) -> Vec<Discrepancy> {
        let mut out = Vec::new();
        for item in self.items() {
            if let (Some(expected), Some(AnswerValue::Count(found))) = (item.expected_count, self.answers.get(&item.id))
                && *found != expected
            {
                let (bill, number) = package_item_of(&item.id);
                out.push(Discrepancy {
                    bill_of_lading: bill,
                    item_number: number,
                    declared_count: Some(expected),
                    found_count: Some(*found),
                    ..Discrepancy::new(
                        DiscrepancyKind::QuantityDifference,
                        format!("counted {found} packages, {expected} declared"),
                    )
                });
            }
        }
        let declared: Vec<&str> = self.packet.seals_declared.iter().map(|s| s.number.as_str()).collect();
        if !self.observed_seals.is_empty()
            && self
                .observed_seals
                .iter()
                .any(|seal| !declared.iter().any(|d| d.eq_ignore_ascii_case(seal)))
        {
            out.push(Discrepancy {
                declared: Some(declared.join(", ")),
                found: Some(self.observed_seals.join(", ")),
                ..Discrepancy::new(
                    DiscrepancyKind::SealMismatch,
                    "seals on the doors differ from the declared",
                )
            });
        }
        out.extend(self.extra_discrepancies.iter().cloned());
        out
    }

    /// The finding, when every required item is answered; otherwise what is missing.
    pub fn finding(
        &self,
        task_id: i64,
        inspector: &str,
        now: u64,
        client_ref: &str,
    ) -> Result<Finding, Vec<FindingProblem>> {
        let mut finding = Finding::new(
            task_id.to_string(),
            self.packet.container.number.clone(),
            inspector,
            now,
        );
        finding.answers = self
            .items()
            .iter()
            .filter_map(|i| {
                self.answers.get(&i.id).map(|v| Answer {
                    item_id: i.id.clone(),
                    value: v.clone(),
                })
            })
            .collect();
        if !self.notes.is_empty() && self.packet.checklist.get(item_ids::NOTES).is_some() {
            finding.answers.retain(|a| a.item_id != item_ids::NOTES);
            finding.answers.push(Answer {
                item_id: item_ids::NOTES.into(),
                value: AnswerValue::Text(self.notes.clone()),
            });
        }
        finding.discrepancies = self.discrepancies();
        finding.notes = self.notes.clone();
        finding.client_ref = Some(client_ref.to_string());
        let problems = finding.check(&self.packet.checklist);
        if problems.is_empty() {
            Ok(finding)
        } else {
            Err(problems)
        }
    }
}

/// `packages/{bill}/{item}` → its bill and item number.
fn package_item_of(id: &str) -> (Option<String>, Option<u32>) {
    let Some(rest) = id.strip_prefix(item_ids::PACKAGES_PREFIX) else {
        return (None, None);
    };
    match rest.rsplit_once('/') {
        Some((bill, item)) => (Some(bill.to_string()), item.parse().ok()),
        None => (Some(rest.to_string()), None),
    }
}
