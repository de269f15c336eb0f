//! The `risk` binary: eval reproduces the figures train.py recorded, score prints selections
//! with reasons, bad rows fail with their line.

use std::process::Command;

use risk::RiskModel;

fn risk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_risk"))
        .args(args)
        .output()
        .expect("run risk")
}

fn data(name: &str) -> String {
    format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn eval_matches_the_training_figures() {
    let out = risk(&["eval", "--json", "--data", &data("df_syn_valid_eng.csv")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let model = RiskModel::embedded().expect("artefact");
    let recorded = &model.metadata["validation"];
    for (name, target) in [
        ("Fraud (fraud model)", "fraud"),
        ("Critical Fraud = 2 (critical model)", "critical"),
    ] {
        let r = &got[name];
        let want_auc = recorded[target]["auc"].as_f64().expect("recorded AUC");
        let auc = r["auc"].as_f64().expect("AUC");
        assert!(
            (auc - want_auc).abs() < 1e-12,
            "{name}: AUC {auc} vs train.py {want_auc}"
        );
        for (i, pct) in ["1%", "2%", "5%", "10%"].iter().enumerate() {
            let at = &r["at"][i];
            let want = &recorded[target]["at"][pct];
            assert_eq!(at[1], want["k"], "{name} @{pct}: k");
            assert_eq!(at[2].as_f64(), want["precision"].as_f64(), "{name} @{pct}: precision");
            assert_eq!(at[3].as_f64(), want["recall"].as_f64(), "{name} @{pct}: recall");
        }
    }
    let text = risk(&["eval", "--data", &data("df_syn_valid_eng.csv")]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("ROC-AUC") && text.contains("@  10% (k=  814)"), "{text}");
}

#[test]
fn score_prints_the_selection_with_reasons() {
    let out = risk(&[
        "score",
        "--data",
        &data("df_syn_valid_eng.csv"),
        "--rate",
        "2",
        "--top",
        "2",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("8134 declarations, inspection rate 2 %: 163 selected (quota 163, 0 mandatory)"),
        "{text}"
    );
    let entries = text
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains(" score "))
        .count();
    assert_eq!(entries, 2, "{text}");
    assert!(
        text.lines().filter(|l| l.trim_start().starts_with("- ")).count() >= 2,
        "reasons: {text}"
    );
}

#[test]
fn bad_rows_fail_with_their_line() {
    let valid = std::fs::read_to_string(data("df_syn_valid_eng.csv")).expect("read");
    let mut lines: Vec<String> = valid.lines().take(4).map(String::from).collect();
    lines[2] = lines[2].replacen(",2021-", ",20x1-", 1);
    let bad = testkit::TempFile::new("risk-cli", "bad", "csv");
    std::fs::write(&bad.0, lines.join("\n")).expect("write");
    let out = risk(&["eval", "--data", &bad.0.to_string_lossy()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("Date") && err.contains("1 bad rows"),
        "{err}"
    );
}
