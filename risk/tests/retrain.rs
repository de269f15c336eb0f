//! Retraining from inspection findings (train.py --findings), run live with the venv's Python:
//! the findings become training rows, the artefact records them, and the new model scores the
//! examined declarations by what inspection found.

use std::process::{Command, Stdio};

use risk::{Declaration, RiskModel, read_csv};

const VALID: &str = include_str!("../data/df_syn_valid_eng.csv");

/// One finding per line, as the station will write them: the declaration's CSV columns by
/// header name, and what the examination found.
fn finding(header: &[&str], line: &str, fraud: u8, critical: u8) -> String {
    let decl: serde_json::Map<String, serde_json::Value> = header
        .iter()
        .zip(line.split(','))
        .filter(|(h, _)| !matches!(**h, "Fraud" | "Critical Fraud"))
        .map(|(h, v)| (h.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    serde_json::json!({"declaration": decl, "fraud": fraud, "critical_fraud": critical}).to_string()
}

fn train(
    python: &std::path::Path,
    findings: &std::path::Path,
    out: &std::path::Path,
    reference: &std::path::Path,
) -> std::process::Output {
    let root = testkit::workspace_root();
    let mut cmd = Command::new(python);
    cmd.arg(root.join("risk/train/train.py"))
        .arg("--findings")
        .arg(findings)
        .arg("--out")
        .arg(out)
        .arg("--reference")
        .arg(reference)
        .env("OMP_NUM_THREADS", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (status, stdout, stderr) = testkit::run_with_timeout(cmd, std::time::Duration::from_secs(300));
    std::process::Output {
        status: status.unwrap_or_else(|| panic!("train.py timed out: {stderr}")),
        stdout: stdout.into_bytes(),
        stderr: stderr.into_bytes(),
    }
}

#[test]
fn findings_retrain_the_model() {
    let Some(python) = testkit::python("lightgbm", "import lightgbm, numpy") else {
        return;
    };
    let base = RiskModel::embedded().expect("artefact");
    let mut lines = VALID.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let body: Vec<&str> = lines.collect();
    let rows = read_csv(VALID).expect("validation CSV");
    // Fraud that the current model ranks low: what examinations would teach it.
    let preds = base.predict_batch(&rows, 2);
    let mut missed: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].labels.is_some_and(|l| l.fraud))
        .collect();
    missed.sort_by(|&a, &b| preds[a].fraud_prob.total_cmp(&preds[b].fraud_prob));
    missed.truncate(40);
    let text: String = missed.iter().map(|&i| finding(&header, body[i], 1, 1) + "\n").collect();
    let findings = testkit::TempFile::new("lightgbm", "findings", "jsonl");
    let out = testkit::TempFile::new("lightgbm", "model", "json");
    let reference = testkit::TempFile::new("lightgbm", "reference", "json");
    std::fs::write(&findings.0, text).expect("write findings");

    let run = train(&python, &findings.0, &out.0, &reference.0);
    assert!(
        run.status.success(),
        "train.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let retrained = RiskModel::load(&out.0).expect("the retrained artefact loads");
    assert_eq!(retrained.metadata["data"]["findings"]["rows"], 40);
    assert_eq!(retrained.metadata["data"]["train"]["rows"], 37_385);

    let examined: Vec<&Declaration> = missed.iter().map(|&i| &rows[i]).collect();
    let d = examined[0];
    let before = base.encoders.lookup("importer", d).map_or(0, |e| e.n);
    let added = examined.iter().filter(|x| x.importer == d.importer).count() as u64;
    assert_eq!(
        retrained.encoders.lookup("importer", d).map(|e| e.n),
        Some(before + added),
        "findings are counted"
    );
    let mean = |m: &RiskModel| examined.iter().map(|d| m.predict(d).fraud_prob).sum::<f64>() / examined.len() as f64;
    let (old, new) = (mean(&base), mean(&retrained));
    assert!(
        new > old + 0.1,
        "examined fraud now scores higher: {old:.3} -> {new:.3}"
    );
    eprintln!("mean fraud probability of the 40 examined declarations: {old:.3} -> {new:.3}");
}

#[test]
fn bad_findings_are_refused_with_their_line() {
    let Some(python) = testkit::python("lightgbm", "import lightgbm, numpy") else {
        return;
    };
    let findings = testkit::TempFile::new("lightgbm", "badfindings", "jsonl");
    let out = testkit::TempFile::new("lightgbm", "badmodel", "json");
    let reference = testkit::TempFile::new("lightgbm", "badreference", "json");
    let good = r#"{"declaration": {"Declaration ID": "X1", "Date": "2021-04-01", "HS6 Code": "392690"}, "fraud": 0, "critical_fraud": 0}"#;
    let bad = r#"{"declaration": {"Declaration ID": "X2"}, "fraud": 0, "critical_fraud": 2}"#;
    std::fs::write(&findings.0, format!("{good}\n\n{bad}\n")).expect("write");
    let run = train(&python, &findings.0, &out.0, &reference.0);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("line 3") && err.contains("critical_fraud"), "{err}");
    assert!(!out.0.exists(), "no artefact from bad findings");
}
