//! The native model against LightGBM: the committed reference predictions (written by
//! train.py) and, live, the venv's LightGBM on validation rows and on edge cases (missing
//! numbers, zero mass, unseen ids and codes).

use std::collections::HashMap;
use std::process::Command;

use risk::{Declaration, RiskModel, Target, read_csv};
use serde_json::Value;

const TOLERANCE: f64 = 1e-6;
const VALID: &str = include_str!("../data/df_syn_valid_eng.csv");
const REFERENCE: &str = include_str!("../models/reference-predictions.json");

fn model() -> RiskModel {
    RiskModel::embedded().expect("the committed artefact loads")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(num).collect()
}

/// Compares one row's features (exactly: same bits, NaN for null), scores and contributions.
fn check_row(model: &RiskModel, d: &Declaration, want: &Value) -> (f64, f64) {
    let x = model.encoders.compute(d);
    let want_x = nums(&want["features"]);
    assert_eq!(x.len(), want_x.len(), "{}: feature count", d.id);
    for (i, (a, b)) in x.iter().zip(&want_x).enumerate() {
        let name = model.encoders.names().nth(i).unwrap_or("?");
        assert!(
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            "{}: feature {name}: {a} vs {b}",
            d.id
        );
    }
    let p = model.predict_features(&x);
    let mut worst = (0.0f64, 0.0f64);
    for (target, raw, prob) in [
        (Target::Fraud, p.fraud_raw, p.fraud_prob),
        (Target::Critical, p.critical_raw, p.critical_prob),
    ] {
        let t = match target {
            Target::Fraud => "fraud",
            Target::Critical => "critical",
        };
        let (want_raw, want_prob) = (num(&want[format!("{t}_raw")]), num(&want[format!("{t}_prob")]));
        assert!(
            (raw - want_raw).abs() <= TOLERANCE,
            "{}: {t} raw {raw} vs LightGBM {want_raw}",
            d.id
        );
        assert!(
            (prob - want_prob).abs() <= TOLERANCE,
            "{}: {t} probability {prob} vs LightGBM {want_prob}",
            d.id
        );
        worst.0 = worst.0.max((raw - want_raw).abs());
        let phi = model.ensemble(target).contributions(&x);
        let want_phi = nums(&want[format!("{t}_contrib")]);
        assert_eq!(phi.len(), want_phi.len(), "{}: {t} contribution count", d.id);
        for (i, (a, b)) in phi.iter().zip(&want_phi).enumerate() {
            assert!(
                (a - b).abs() <= TOLERANCE,
                "{}: {t} contribution {i}: {a} vs LightGBM {b}",
                d.id
            );
            worst.1 = worst.1.max((a - b).abs());
        }
        // SHAP values add up to the raw score (local accuracy).
        let sum: f64 = phi.iter().sum();
        assert!(
            (sum - raw).abs() <= 1e-9,
            "{}: {t} contributions sum to {sum}, raw {raw}",
            d.id
        );
    }
    worst
}

#[test]
fn reference_predictions_agree_within_1e6() {
    let model = model();
    let rows = read_csv(VALID).expect("validation CSV");
    let by_id: HashMap<&str, &Declaration> = rows.iter().map(|d| (d.id.as_str(), d)).collect();
    let reference: Value = serde_json::from_str(REFERENCE).expect("reference JSON");
    let list = reference["rows"].as_array().expect("rows");
    assert!(list.len() >= 100, "only {} reference rows", list.len());
    let mut worst = (0.0f64, 0.0f64);
    for want in list {
        let id = want["declaration_id"].as_str().expect("id");
        let d = by_id
            .get(id)
            .unwrap_or_else(|| panic!("reference row {id} not in the validation CSV"));
        let w = check_row(&model, d, want);
        worst = (worst.0.max(w.0), worst.1.max(w.1));
    }
    eprintln!(
        "{} reference rows: max |raw diff| {:.2e}, max |contribution diff| {:.2e}",
        list.len(),
        worst.0,
        worst.1
    );
}

/// Validation rows and rows that exercise missing values, unseen keys and codes.
fn edge_case_csv() -> String {
    let mut lines: Vec<String> = VALID.lines().take(1).map(String::from).collect();
    let body: Vec<&str> = VALID.lines().skip(1).collect();
    for (i, line) in body.iter().enumerate().filter(|(i, _)| i % 97 == 0) {
        lines.push(line.to_string());
        let f: Vec<&str> = line.split(',').collect();
        let variant = |col: usize, value: &str, tag: &str| {
            let mut g: Vec<String> = f.iter().map(|s| s.to_string()).collect();
            g[0] = format!("{}{tag}{i}", g[0]);
            g[col] = value.to_string();
            g.join(",")
        };
        match i % 6 {
            0 => lines.push(variant(18, "", "-nomass-")),
            1 => lines.push(variant(18, "0", "-zeromass-")),
            2 => lines.push(variant(9, "NEWIMPORTER", "-newimp-")),
            3 => lines.push(variant(2, "99", "-newoffice-")),
            4 => lines.push(variant(12, "999999", "-newhs-")),
            _ => lines.push(variant(19, "", "-noprice-")),
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn lightgbm_peer_agrees_live() {
    let Some(python) = testkit::python("lightgbm", "import lightgbm, numpy") else {
        return;
    };
    let root = testkit::workspace_root();
    let csv = testkit::TempFile::new("lightgbm", "rows", "csv");
    let text = edge_case_csv();
    std::fs::write(&csv.0, &text).expect("write the rows");
    let mut cmd = Command::new(python);
    // No __pycache__ in the source tree.
    cmd.env("PYTHONDONTWRITEBYTECODE", "1");
    cmd.arg(root.join("risk/tests/peer/lightgbm_peer.py"))
        .arg(root.join("risk/models/risk-model.json"))
        .arg(&csv.0);
    let lines = testkit::json_lines(cmd, "lightgbm_peer.py");
    let rows = read_csv(&text).expect("edge-case CSV reads");
    assert_eq!(lines.len(), rows.len(), "one peer line per row");
    let model = model();
    let mut worst = (0.0f64, 0.0f64);
    for (d, want) in rows.iter().zip(&lines) {
        assert_eq!(want["id"].as_str(), Some(d.id.as_str()));
        let w = check_row(&model, d, want);
        worst = (worst.0.max(w.0), worst.1.max(w.1));
    }
    let edge = rows.iter().filter(|d| d.id.contains('-')).count();
    assert!(edge >= 10, "only {edge} edge-case rows");
    eprintln!(
        "{} rows ({edge} edge cases) agree: max |raw diff| {:.2e}, max |contribution diff| {:.2e}",
        rows.len(),
        worst.0,
        worst.1
    );
}

#[test]
fn batch_evaluation_is_bit_identical_to_row_by_row() {
    let model = model();
    let rows = read_csv(&edge_case_csv()).expect("rows");
    let batch = model.predict_batch(&rows, 1);
    let threaded = model.predict_batch(&rows, 3);
    for ((d, b), t) in rows.iter().zip(&batch).zip(&threaded) {
        let one = model.predict(d);
        assert_eq!(one.fraud_raw.to_bits(), b.fraud_raw.to_bits(), "{}", d.id);
        assert_eq!(one.critical_raw.to_bits(), b.critical_raw.to_bits(), "{}", d.id);
        assert_eq!(b, t, "{}: threads change nothing", d.id);
    }
}
