//! Scoring throughput: declarations per second for the native model (features + both
//! ensembles), single-threaded and on all cores, against LightGBM's own predict on the same
//! feature rows in the same run (the venv's Python, spawned). Goal: ≥ 100k declarations/s.
//!
//! Run with `cargo bench -p risk --bench score` (or scripts/bench). Without the venv's
//! lightgbm the peer figures are reported as missing.

use std::hint::black_box;
use std::io::Write;
use std::process::Command;
use std::time::Instant;

use risk::{Declaration, RiskModel, Scorer, Scratch, read_csv};

const VALID: &str = include_str!("../data/df_syn_valid_eng.csv");
const ROWS: usize = 100_000;

/// Best of `n` runs of `f`, in seconds.
fn best<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = None;
    let mut secs = f64::INFINITY;
    for _ in 0..n {
        let t = Instant::now();
        let r = black_box(f());
        secs = secs.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (secs, out.expect("n >= 1"))
}

/// CPU time of this thread (user + system) from /proc, in seconds (USER_HZ = 100 on Linux):
/// on a machine shared with other builds, wall time undercounts what a core delivers.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

fn rate(rows: usize, secs: f64) -> String {
    format!("{:>10.0} declarations/s ({:.3} s for {rows})", rows as f64 / secs, secs)
}

fn main() {
    let model = RiskModel::embedded().expect("the committed artefact");
    let valid = read_csv(VALID).expect("validation CSV");
    let decls: Vec<Declaration> = valid.iter().cycle().take(ROWS).cloned().collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let nf = model.encoders.len();
    println!(
        "risk scoring benchmark: {ROWS} declarations (validation rows repeated), {nf} features, {} + {} trees, {cores} cores",
        model.fraud.num_trees(),
        model.critical.num_trees()
    );

    let (t_feat, x) = best(3, || {
        let mut x = vec![0.0; ROWS * nf];
        let mut scratch = Scratch::default();
        for (d, row) in decls.iter().zip(x.chunks_mut(nf)) {
            model.encoders.compute_into(d, row, &mut scratch);
        }
        x
    });
    println!("features only            {}", rate(ROWS, t_feat));
    let (t_scalar, _) = best(1, || {
        x.chunks(nf)
            .map(|r| {
                let p = model.predict_features(r);
                p.fraud_prob + p.critical_prob
            })
            .sum::<f64>()
    });
    println!("both models, row by row  {}", rate(ROWS, t_scalar));
    let (t_model, sum_rust) = best(3, || {
        let (mut f, mut c) = (vec![0.0; ROWS], vec![0.0; ROWS]);
        model.fraud.raw_batch(&x, &mut f);
        model.critical.raw_batch(&x, &mut c);
        f.iter().map(|&r| model.fraud.probability_of(r)).sum::<f64>()
            + c.iter().map(|&r| model.critical.probability_of(r)).sum::<f64>()
    });
    println!("both models, 1 thread    {}", rate(ROWS, t_model));
    let cpu0 = thread_cpu_seconds();
    let t0 = Instant::now();
    let repeats = 3;
    for _ in 0..repeats {
        let mut f = vec![0.0; ROWS];
        model.fraud.raw_batch(&x, &mut f);
        model.critical.raw_batch(&x, &mut f);
        black_box(&f);
    }
    let wall = t0.elapsed().as_secs_f64();
    if let (Some(a), Some(b)) = (cpu0, thread_cpu_seconds()) {
        let cpu = b - a;
        println!(
            "both models, 1 thread, per CPU-second: {:>10.0} declarations/s (this thread had the core {:.0} % of the time)",
            (repeats * ROWS) as f64 / cpu,
            100.0 * cpu / wall
        );
    }
    let (t_one, _) = best(3, || model.predict_batch(&decls, 1));
    println!("features + models, 1 thr {}", rate(ROWS, t_one));
    let (t_all, _) = best(3, || model.predict_batch(&decls, cores));
    println!("features + models, {cores} thr {}", rate(ROWS, t_all));
    let scorer = Scorer::new(&model);
    let (t_quick, _) = best(1, || {
        scorer.quick_batch(&decls, &[], 1).iter().map(|a| a.score).sum::<f64>()
    });
    println!("score + rules, 1 thread  {}", rate(ROWS, t_quick));
    let n_explain = 500;
    let (t_explain, _) = best(1, || {
        decls[..n_explain]
            .iter()
            .map(|d| scorer.assess_declaration(d).reasons.len())
            .sum::<usize>()
    });
    println!("full assessment with TreeSHAP reasons {}", rate(n_explain, t_explain));

    // The peer: LightGBM's predict on the same feature rows.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = std::env::var_os("PORTOPS_PYTHON").map_or_else(|| root.join(".venv/bin/python"), Into::into);
    let matrix = std::env::temp_dir().join(format!("risk-bench-{}.f64", std::process::id()));
    let csv = std::env::temp_dir().join(format!("risk-bench-{}.csv", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&matrix)?);
        for v in &x {
            f.write_all(&v.to_le_bytes())?;
        }
        f.flush()?;
        std::fs::write(&csv, VALID)
    };
    if let Err(e) = write() {
        println!("LightGBM peer: cannot write the matrix: {e}");
        return;
    }
    let out = Command::new(&python)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(root.join("risk/benches/lightgbm_predict.py"))
        .arg(root.join("risk/models/risk-model.json"))
        .arg(&matrix)
        .arg(ROWS.to_string())
        .arg(nf.to_string())
        .arg(&csv)
        .output();
    let _ = std::fs::remove_file(&matrix);
    let _ = std::fs::remove_file(&csv);
    let peer: serde_json::Value = match out {
        Ok(o) if o.status.success() => match serde_json::from_slice(&o.stdout) {
            Ok(v) => v,
            Err(e) => return println!("LightGBM peer: unreadable output: {e}"),
        },
        Ok(o) => {
            return println!(
                "LightGBM peer unavailable: {}",
                String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("")
            );
        }
        Err(e) => return println!("LightGBM peer unavailable: cannot run {}: {e}", python.display()),
    };
    let per_s = |k: &str| peer[k]["per_second"].as_f64().unwrap_or(f64::NAN);
    let (lgb_one, lgb_all, py_feat) = (per_s("one_thread"), per_s("all_threads"), per_s("python_features"));
    println!(
        "LightGBM {} predict, both models, 1 thread  {lgb_one:>10.0} declarations/s",
        peer["lightgbm_version"]
    );
    println!(
        "LightGBM predict, both models, {} threads    {lgb_all:>10.0} declarations/s",
        peer["all_threads"]["threads"]
    );
    println!("Python features (features.py)               {py_feat:>10.0} declarations/s");
    let checksum = peer["checksum"].as_f64().unwrap_or(f64::NAN);
    println!("probability checksum: Rust {sum_rust:.9}, LightGBM {checksum:.9}");
    let rust_model = ROWS as f64 / t_model;
    println!(
        "ratio, models only, 1 thread: Rust / LightGBM = {:.2}",
        rust_model / lgb_one
    );
    println!(
        "ratio, all threads: Rust features + models {:.0} / LightGBM models only {lgb_all:.0} = {:.2}",
        ROWS as f64 / t_all,
        (ROWS as f64 / t_all) / lgb_all
    );
    let py_end = 1.0 / (1.0 / py_feat + 1.0 / lgb_one);
    println!(
        "ratio, end to end (features + models), 1 thread: Rust {:.0} / Python+LightGBM {py_end:.0} = {:.1}",
        ROWS as f64 / t_one,
        (ROWS as f64 / t_one) / py_end
    );
    let goal = ROWS as f64 / t_all;
    println!(
        "goal >= 100000 declarations/s: {} ({goal:.0} on {cores} cores)",
        if goal >= 100_000.0 { "met" } else { "NOT met" }
    );
}
