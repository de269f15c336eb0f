//! `risk`: evaluate the customs risk model, score and select declarations, retrain.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use risk::metrics::{self, Report};
use risk::{Declaration, RiskModel, RuleInput, Scorer, select};

#[derive(Parser)]
#[command(
    name = "risk",
    about = "Customs risk model: evaluation, scoring and selection, retraining"
)]
struct Cli {
    /// Model artefact (default: the one compiled in, risk/models/risk-model.json).
    #[arg(long, global = true, env = "PORTOPS_RISK_MODEL")]
    model: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// ROC-AUC, precision@k and recall@k at 1/2/5/10 % for Fraud and Critical Fraud.
    Eval {
        /// Labelled declarations (CSV with Fraud and Critical Fraud).
        #[arg(long)]
        data: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Score declarations and print the ones selected for examination, with reasons.
    Score {
        #[arg(long)]
        data: PathBuf,
        /// Inspection rate in percent.
        #[arg(long, default_value_t = 5.0)]
        rate: f64,
        /// Print at most N of the selected.
        #[arg(long)]
        top: Option<usize>,
        #[arg(long, default_value_t = std::thread::available_parallelism().map_or(1, |n| n.get()))]
        threads: usize,
    },
    /// Retrain with risk/train/train.py (what scripts/train-risk runs).
    Train {
        /// Inspection findings to add as labelled rows (JSON lines, see risk/README.md).
        #[arg(long)]
        findings: Option<PathBuf>,
        /// Python with lightgbm and numpy.
        #[arg(long, env = "PORTOPS_PYTHON")]
        python: Option<PathBuf>,
        /// Where to write the artefact (default: risk/models/risk-model.json).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn load_model(path: Option<&Path>) -> Result<RiskModel> {
    match path {
        Some(p) => RiskModel::load(p).with_context(|| format!("loading the model {}", p.display())),
        None => RiskModel::embedded().context("loading the compiled-in model"),
    }
}

fn load_data(path: &Path) -> Result<Vec<Declaration>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let (rows, errors) = risk::read_csv_all(&text).with_context(|| format!("reading {}", path.display()))?;
    if !errors.is_empty() {
        for e in errors.iter().take(20) {
            eprintln!("{}: {e}", path.display());
        }
        bail!(
            "{}: {} bad rows (first shown above); nothing was scored",
            path.display(),
            errors.len()
        );
    }
    Ok(rows)
}

fn print_report(name: &str, r: &Report) {
    let auc = r.auc.map_or("n/a".to_string(), |a| format!("{a:.4}"));
    println!("{name}: {} rows, {} positive, ROC-AUC {auc}", r.rows, r.positives);
    for (rate, k, p, rec) in &r.at {
        println!(
            "  @{:>4.0}% (k={k:>5}): precision {p:.3}  recall {rec:.3}",
            rate * 100.0
        );
    }
}

fn eval(model: &RiskModel, data: &Path, json: bool) -> Result<()> {
    let rows = load_data(data)?;
    let Some(labels) = rows.iter().map(|d| d.labels).collect::<Option<Vec<_>>>() else {
        bail!("{}: eval needs the Fraud and Critical Fraud columns", data.display());
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let preds = model.predict_batch(&rows, threads);
    let fraud: Vec<bool> = labels.iter().map(|l| l.fraud).collect();
    let critical: Vec<bool> = labels.iter().map(|l| l.critical()).collect();
    let p_fraud: Vec<f64> = preds.iter().map(|p| p.fraud_prob).collect();
    let p_crit: Vec<f64> = preds.iter().map(|p| p.critical_prob).collect();
    let scorer = Scorer::new(model);
    let combined: Vec<f64> = rows
        .iter()
        .zip(&preds)
        .map(|(d, p)| {
            let hits = risk::rules::evaluate(&RuleInput::from_declaration(d), &model.encoders, &scorer.rules);
            risk::score::combine(p, &hits).0
        })
        .collect();
    let reports = [
        ("Fraud (fraud model)", metrics::report(&fraud, &p_fraud)),
        (
            "Critical Fraud = 2 (critical model)",
            metrics::report(&critical, &p_crit),
        ),
        (
            "Fraud (combined score, model + rules)",
            metrics::report(&fraud, &combined),
        ),
        (
            "Critical Fraud = 2 (combined score)",
            metrics::report(&critical, &combined),
        ),
    ];
    if json {
        let map: serde_json::Map<String, serde_json::Value> = reports
            .iter()
            .map(|(n, r)| Ok((n.to_string(), serde_json::to_value(r)?)))
            .collect::<Result<_, serde_json::Error>>()?;
        println!("{}", serde_json::to_string_pretty(&map)?);
    } else {
        println!("{}", data.display());
        for (name, r) in &reports {
            print_report(name, r);
        }
    }
    Ok(())
}

fn score(model: &RiskModel, data: &Path, rate: f64, top: Option<usize>, threads: usize) -> Result<()> {
    let rows = load_data(data)?;
    let scorer = Scorer::new(model);
    let candidates: Vec<select::Candidate> = scorer
        .quick_batch(&rows, &[], threads)
        .into_iter()
        .map(|a| select::Candidate {
            id: a.declaration_id,
            score: a.score,
            mandatory: a.mandatory,
        })
        .collect();
    let chosen = select::select(&candidates, rate / 100.0).context("selecting")?;
    println!(
        "{} declarations, inspection rate {rate} %: {} selected (quota {}, {} mandatory)",
        rows.len(),
        chosen.indices.len(),
        chosen.quota,
        chosen.mandatory
    );
    for (rank, &i) in chosen.indices.iter().take(top.unwrap_or(usize::MAX)).enumerate() {
        let a = scorer.assess_declaration(&rows[i]);
        println!(
            "{:>4}. {} score {:.1} ({:?}) fraud {:.3} critical {:.3}",
            rank + 1,
            a.declaration_id,
            a.score,
            a.level,
            a.fraud_prob,
            a.critical_prob
        );
        for r in &a.reasons {
            println!("        - {} [{:+.2}]", r.text, r.weight);
        }
    }
    Ok(())
}

fn train(findings: Option<&Path>, python: Option<PathBuf>, out: Option<&Path>) -> Result<()> {
    // The recipe lives in the source tree; the binary finds it from where it was built.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let recipe = root.join("train/train.py");
    if !recipe.exists() {
        bail!("{} not found: run scripts/train-risk from a checkout", recipe.display());
    }
    let python = python.unwrap_or_else(|| root.join("../.venv/bin/python"));
    let mut cmd = Command::new(&python);
    cmd.arg(&recipe)
        .env("OMP_NUM_THREADS", "1")
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if let Some(f) = findings {
        cmd.arg("--findings").arg(f);
    }
    if let Some(o) = out {
        cmd.arg("--out").arg(o);
    }
    let status = cmd.status().with_context(|| format!("running {}", python.display()))?;
    if !status.success() {
        bail!("training failed ({status})");
    }
    Ok(())
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let cli = Cli::parse();
    match cli.command {
        Cmd::Eval { data, json } => eval(&load_model(cli.model.as_deref())?, &data, json),
        Cmd::Score {
            data,
            rate,
            top,
            threads,
        } => score(&load_model(cli.model.as_deref())?, &data, rate, top, threads),
        Cmd::Train { findings, python, out } => train(findings.as_deref(), python, out.as_deref()),
    }
}
