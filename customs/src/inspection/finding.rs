//! Findings: what an inspector recorded (checklist answers, discrepancies by type, photos,
//! notes), their checks against the checklist, and their reading as a fraud label for
//! retraining the risk model.

use serde::{Deserialize, Serialize};

use super::INSPECTION_SCHEMA;
use super::checklist::{AnswerKind, Checklist, item_ids};

/// A weight difference within this fraction of the declared weight is not counted as fraud
/// (scales, pallets and packaging vary).
pub const WEIGHT_TOLERANCE: f64 = 0.05;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    YesNo(bool),
    Count(u32),
    Text(String),
}

impl AnswerValue {
    fn kind(&self) -> AnswerKind {
        match self {
            AnswerValue::YesNo(_) => AnswerKind::YesNo,
            AnswerValue::Count(_) => AnswerKind::Count,
            AnswerValue::Text(_) => AnswerKind::Text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub item_id: String,
    pub value: AnswerValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    UndeclaredGoods,
    MisdeclaredDescription,
    MisdeclaredHsCode,
    QuantityDifference,
    WeightDifference,
    SealMismatch,
    SealBroken,
    Concealment,
    ProhibitedGoods,
}

impl DiscrepancyKind {
    /// Critical kinds: what a smuggler hides, not what a careless declarant gets wrong.
    pub fn is_critical(self) -> bool {
        matches!(
            self,
            DiscrepancyKind::UndeclaredGoods | DiscrepancyKind::Concealment | DiscrepancyKind::ProhibitedGoods
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discrepancy {
    pub kind: DiscrepancyKind,
    /// The goods line concerned: bill of lading and item number.
    pub bill_of_lading: Option<String>,
    pub item_number: Option<u32>,
    /// What the declaration says and what was found (a description, an HS code, a seal number).
    pub declared: Option<String>,
    pub found: Option<String>,
    /// Counted packages or pieces (declared and found) for quantity differences.
    pub declared_count: Option<u32>,
    pub found_count: Option<u32>,
    /// Weights for weight differences.
    pub declared_kg: Option<f64>,
    pub found_kg: Option<f64>,
    pub text: String,
}

impl Discrepancy {
    pub fn new(kind: DiscrepancyKind, text: impl Into<String>) -> Discrepancy {
        Discrepancy {
            kind,
            bill_of_lading: None,
            item_number: None,
            declared: None,
            found: None,
            declared_count: None,
            found_count: None,
            declared_kg: None,
            found_kg: None,
            text: text.into(),
        }
    }

    /// Whether it counts towards a fraud label: quantity differences only when the counts
    /// differ (or are unknown), weight differences only beyond [`WEIGHT_TOLERANCE`].
    pub fn counts(&self) -> bool {
        match self.kind {
            DiscrepancyKind::QuantityDifference => match (self.declared_count, self.found_count) {
                (Some(d), Some(f)) => d != f,
                _ => true,
            },
            DiscrepancyKind::WeightDifference => match (self.declared_kg, self.found_kg) {
                (Some(d), Some(f)) if d > 0.0 => ((f - d) / d).abs() > WEIGHT_TOLERANCE,
                _ => true,
            },
            _ => true,
        }
    }
}

/// A photo taken during the examination (stored by the station).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub id: String,
    pub url: Option<String>,
    pub caption: Option<String>,
    pub time: Option<u64>,
}

/// What an inspector recorded for one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub schema: u32,
    pub task_id: String,
    pub container_number: String,
    pub inspector: String,
    /// When it was recorded (Unix ms).
    pub time: u64,
    pub answers: Vec<Answer>,
    pub discrepancies: Vec<Discrepancy>,
    pub photos: Vec<PhotoRef>,
    pub notes: String,
    /// The recording device's own id for this finding, so that a retried upload (an offline
    /// queue that never saw the answer) is recognised instead of refused or stored twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
}

/// The label a finding gives for retraining, in the declarations dataset's convention:
/// `fraud` 0/1, `critical_fraud` 0 (none), 1 (fraud, not critical), 2 (critical fraud).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingLabel {
    pub fraud: u8,
    pub critical_fraud: u8,
    /// Why, one line per counted discrepancy or checklist answer.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FindingProblem {
    #[error("answer to {item_id:?}: no such checklist item")]
    UnknownItem { item_id: String },
    #[error("answer to {item_id:?}: expected a {expected:?} answer, got {got:?}")]
    WrongKind {
        item_id: String,
        expected: AnswerKind,
        got: AnswerKind,
    },
    #[error("required item {item_id:?} is not answered")]
    Unanswered { item_id: String },
    #[error("item {item_id:?} is answered {times} times")]
    Repeated { item_id: String, times: usize },
}

impl Finding {
    pub fn new(
        task_id: impl Into<String>,
        container_number: impl Into<String>,
        inspector: impl Into<String>,
        time: u64,
    ) -> Self {
        Finding {
            schema: INSPECTION_SCHEMA,
            task_id: task_id.into(),
            container_number: container_number.into(),
            inspector: inspector.into(),
            time,
            answers: Vec::new(),
            discrepancies: Vec::new(),
            photos: Vec::new(),
            notes: String::new(),
            client_ref: None,
        }
    }

    pub fn answer(&self, item_id: &str) -> Option<&AnswerValue> {
        self.answers.iter().find(|a| a.item_id == item_id).map(|a| &a.value)
    }

    /// Problems of the answers against the checklist they answer; empty when complete.
    pub fn check(&self, checklist: &Checklist) -> Vec<FindingProblem> {
        let mut out = Vec::new();
        for a in &self.answers {
            match checklist.get(&a.item_id) {
                None => out.push(FindingProblem::UnknownItem {
                    item_id: a.item_id.clone(),
                }),
                Some(i) if i.kind != a.value.kind() => out.push(FindingProblem::WrongKind {
                    item_id: a.item_id.clone(),
                    expected: i.kind,
                    got: a.value.kind(),
                }),
                Some(_) => {}
            }
        }
        for i in &checklist.items {
            let times = self.answers.iter().filter(|a| a.item_id == i.id).count();
            if times == 0 && i.required {
                out.push(FindingProblem::Unanswered { item_id: i.id.clone() });
            } else if times > 1 {
                out.push(FindingProblem::Repeated {
                    item_id: i.id.clone(),
                    times,
                });
            }
        }
        out
    }

    /// The discrepancies that count, plus those the standard checklist answers imply when the
    /// inspector did not also record them as discrepancies.
    fn counted_kinds(&self) -> Vec<(DiscrepancyKind, String)> {
        let mut out: Vec<(DiscrepancyKind, String)> = self
            .discrepancies
            .iter()
            .filter(|d| d.counts())
            .map(|d| (d.kind, d.text.clone()))
            .collect();
        let implied = [
            (
                item_ids::SEALS_INTACT,
                false,
                DiscrepancyKind::SealBroken,
                "seals not intact",
            ),
            (
                item_ids::SEALS_MATCH,
                false,
                DiscrepancyKind::SealMismatch,
                "seals differ from the declared ones",
            ),
            (
                item_ids::GOODS_MATCH,
                false,
                DiscrepancyKind::MisdeclaredDescription,
                "goods differ from their description",
            ),
            (
                item_ids::UNDECLARED_GOODS,
                true,
                DiscrepancyKind::UndeclaredGoods,
                "undeclared goods found",
            ),
            (
                item_ids::CONCEALMENT,
                true,
                DiscrepancyKind::Concealment,
                "signs of concealment",
            ),
            (
                item_ids::PROHIBITED_GOODS,
                true,
                DiscrepancyKind::ProhibitedGoods,
                "prohibited goods found",
            ),
        ];
        for (id, bad, kind, text) in implied {
            if self.answer(id) == Some(&AnswerValue::YesNo(bad)) && !out.iter().any(|(k, _)| *k == kind) {
                out.push((kind, format!("checklist: {text}")));
            }
        }
        out
    }

    /// The fraud / critical-fraud label this finding gives (see [`FindingLabel`]).
    pub fn label(&self) -> FindingLabel {
        let counted = self.counted_kinds();
        let critical = counted.iter().any(|(k, _)| k.is_critical());
        FindingLabel {
            fraud: u8::from(!counted.is_empty()),
            critical_fraud: if critical { 2 } else { u8::from(!counted.is_empty()) },
            reasons: counted
                .iter()
                .map(|(k, t)| {
                    format!(
                        "{}: {t}",
                        serde_json::to_value(k)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    )
                })
                .collect(),
        }
    }

    /// The JSON form (pretty-printed).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
