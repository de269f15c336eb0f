//! Findings as training labels: JSON lines in the risk trainer's `--findings` format (risk/README.md), one per finding and bill of lading in the examined container, each joined with that bill's declaration row.
//!
//! `scripts/train-risk --findings labels.jsonl` then retrains the model with what examinations
//! found. A discrepancy that names a bill of lading labels that bill only; checklist answers and
//! discrepancies without a bill concern the whole container, so every bill in it. Extra keys
//! (finding, task, container, bill, reasons) say where each line came from; the trainer reads
//! `declaration`, `fraud` and `critical_fraud`.

use customs::inspection::{Finding, FindingLabel};
use risk::Declaration;
use risk::declaration::HEADERS;
use serde::Serialize;
use serde_json::{Map, Value};

/// A declaration as the data set's CSV row: header → text (empty for missing values).
pub fn declaration_row(d: &Declaration) -> Map<String, Value> {
    let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    let values = [
        d.id.clone(),
        d.date.to_string(),
        d.office.clone(),
        d.process.clone(),
        d.import_type.clone(),
        d.import_use.clone(),
        d.payment.clone(),
        d.transport.clone(),
        d.declarant.clone(),
        d.importer.clone(),
        d.seller.clone(),
        d.courier.clone(),
        d.hs6.clone(),
        d.departure.clone(),
        d.origin.clone(),
        num(d.tax_rate),
        d.tax_type.clone(),
        d.origin_indicator.clone(),
        num(d.net_mass),
        num(d.item_price),
    ];
    HEADERS
        .iter()
        .zip(values)
        .map(|(h, v)| (h.to_string(), Value::String(v)))
        .collect()
}

/// The label a finding gives one bill of lading: its own discrepancies and the container-wide ones.
pub fn label_for_bill(finding: &Finding, bill_of_lading: &str) -> FindingLabel {
    let mut own = finding.clone();
    own.discrepancies.retain(|d| {
        d.bill_of_lading
            .as_deref()
            .is_none_or(|b| b.trim() == bill_of_lading.trim())
    });
    own.label()
}

/// One line of the trainer's findings file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelLine {
    pub declaration: Map<String, Value>,
    pub fraud: u8,
    pub critical_fraud: u8,
    pub finding_id: i64,
    pub task_id: i64,
    pub container_number: String,
    pub bill_of_lading: String,
    pub reasons: Vec<String>,
}

/// The lines of one stored finding; `bills` are the container's bills with their declarations.
pub fn label_lines(
    finding_id: i64,
    task_id: i64,
    finding: &Finding,
    bills: &[(String, Declaration)],
) -> Vec<LabelLine> {
    bills
        .iter()
        .map(|(bill, declaration)| {
            let label = label_for_bill(finding, bill);
            LabelLine {
                declaration: declaration_row(declaration),
                fraud: label.fraud,
                critical_fraud: label.critical_fraud,
                finding_id,
                task_id,
                container_number: finding.container_number.clone(),
                bill_of_lading: bill.clone(),
                reasons: label.reasons,
            }
        })
        .collect()
}

/// JSON lines, each ending with a newline.
pub fn to_jsonl(lines: &[LabelLine]) -> String {
    let mut out = String::new();
    for line in lines {
        // Strings and integers only: serialisation cannot fail.
        out.push_str(&serde_json::to_string(line).unwrap_or_default());
        out.push('\n');
    }
    out
}
