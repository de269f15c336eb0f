//! The inspection checklist: questions with the kind of answer each takes, the standard list
//! built from a packet's declaration.

use serde::{Deserialize, Serialize};

use super::packet::GoodsLine;
use crate::manifest::Seal;

/// Ids of the standard items, so that findings can be read without parsing questions.
pub mod item_ids {
    pub const CONTAINER_NUMBER: &str = "container_number_matches";
    pub const SEALS_INTACT: &str = "seals_intact";
    pub const SEALS_MATCH: &str = "seals_match";
    pub const GOODS_MATCH: &str = "goods_match_description";
    pub const UNDECLARED_GOODS: &str = "undeclared_goods";
    pub const CONCEALMENT: &str = "concealment";
    pub const PROHIBITED_GOODS: &str = "prohibited_goods";
    pub const DANGEROUS_GOODS_LABELLED: &str = "dangerous_goods_labelled";
    pub const NOTES: &str = "notes";
    /// Prefix of the per-goods-line package counts: `packages/{bill}/{item}`.
    pub const PACKAGES_PREFIX: &str = "packages/";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    YesNo,
    Count,
    Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub id: String,
    pub question: String,
    pub kind: AnswerKind,
    pub required: bool,
    /// The answer the declaration implies (a package count), when there is one.
    pub expected_count: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checklist {
    pub items: Vec<ChecklistItem>,
}

fn item(id: &str, question: String, kind: AnswerKind, required: bool) -> ChecklistItem {
    ChecklistItem {
        id: id.to_string(),
        question,
        kind,
        required,
        expected_count: None,
    }
}

impl Checklist {
    /// The standard checklist for one container: number, seals, a package count per goods line,
    /// description match, undeclared goods, concealment, prohibited goods, dangerous-goods
    /// labels when any are declared, and free notes.
    pub fn standard(container: &str, seals: &[Seal], goods: &[GoodsLine]) -> Checklist {
        use item_ids::*;
        let mut items = vec![item(
            CONTAINER_NUMBER,
            format!("Does the number painted on the container read {container}?"),
            AnswerKind::YesNo,
            true,
        )];
        let declared: Vec<&str> = seals.iter().map(|s| s.number.as_str()).collect();
        items.push(item(
            SEALS_INTACT,
            "Are all seals intact?".into(),
            AnswerKind::YesNo,
            true,
        ));
        items.push(item(
            SEALS_MATCH,
            if declared.is_empty() {
                "No seal is declared: is the container unsealed?".into()
            } else {
                format!("Do the seals on the doors match the declared {}?", declared.join(", "))
            },
            AnswerKind::YesNo,
            true,
        ));
        for g in goods {
            let (count, kind) = match &g.packages {
                Some(p) => (
                    Some(p.count),
                    p.kind_text
                        .clone()
                        .or(p.kind.clone())
                        .unwrap_or_else(|| "packages".into()),
                ),
                None => (None, "packages".into()),
            };
            let expected = count.map(|n| format!(" (declared: {n} {kind})")).unwrap_or_default();
            items.push(ChecklistItem {
                id: format!("{PACKAGES_PREFIX}{}/{}", g.bill_of_lading, g.item_number),
                question: format!("How many packages of \"{}\" did you count{expected}?", g.description),
                kind: AnswerKind::Count,
                required: true,
                expected_count: count,
            });
        }
        items.push(item(
            GOODS_MATCH,
            "Do the goods match their declared descriptions and HS codes?".into(),
            AnswerKind::YesNo,
            true,
        ));
        items.push(item(
            UNDECLARED_GOODS,
            "Did you find goods that are not declared?".into(),
            AnswerKind::YesNo,
            true,
        ));
        items.push(item(
            CONCEALMENT,
            "Any sign of concealment (false walls or floors, re-welded panels, fresh paint, tampered doors)?".into(),
            AnswerKind::YesNo,
            true,
        ));
        items.push(item(
            PROHIBITED_GOODS,
            "Any prohibited or restricted goods (drugs, weapons, counterfeits, protected species)?".into(),
            AnswerKind::YesNo,
            true,
        ));
        let dangerous: Vec<String> = goods
            .iter()
            .filter_map(|g| g.dangerous.as_ref())
            .map(|d| {
                format!(
                    "class {} UN {}",
                    d.class.as_deref().unwrap_or("?"),
                    d.un_number.as_deref().unwrap_or("?")
                )
            })
            .collect();
        if !dangerous.is_empty() {
            items.push(item(
                DANGEROUS_GOODS_LABELLED,
                format!(
                    "Are the dangerous goods labelled as declared ({})?",
                    dangerous.join("; ")
                ),
                AnswerKind::YesNo,
                true,
            ));
        }
        items.push(item(NOTES, "Other observations".into(), AnswerKind::Text, false));
        Checklist { items }
    }

    pub fn get(&self, id: &str) -> Option<&ChecklistItem> {
        self.items.iter().find(|i| i.id == id)
    }
}
