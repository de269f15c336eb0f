//! Throughput of the customs readers: EDIFACT lexing and CUSCAR mapping on a large synthetic
//! manifest (the Aurora Bay sample's consignments repeated), ISO 6346 parsing against the bare
//! `mission` check it builds on (the only peer on this machine, measured in the same run), and
//! HS2022 look-ups.
//!
//! `cargo bench -p customs --bench edifact`

use std::hint::black_box;
use std::time::{Duration, Instant};

use customs::edifact::{Interchange, lex, parse_cuscar};
use customs::hs::Nomenclature;
use customs::iso6346::ContainerNumber;

const AURORA: &str = include_str!("../data/edifact/cuscar-d95b-aurora-bay.edi");

/// The sample with its consignment groups repeated `copies` times (bills renumbered) and the
/// UNT count set right.
fn big_manifest(copies: usize) -> String {
    let lines: Vec<&str> = AURORA.lines().collect();
    let first_cni = lines.iter().position(|l| l.starts_with("CNI+")).unwrap_or(0);
    let unt = lines.iter().position(|l| l.starts_with("UNT+")).unwrap_or(lines.len());
    let unh = lines.iter().position(|l| l.starts_with("UNH+")).unwrap_or(0);
    let mut out: Vec<String> = lines[..first_cni].iter().map(|s| s.to_string()).collect();
    for k in 0..copies {
        for l in &lines[first_cni..unt] {
            out.push(if l.starts_with("CNI+") {
                l.replacen("AURB", &format!("K{k}B"), 1)
            } else {
                l.to_string()
            });
        }
    }
    let count = out.len() - unh + 1;
    out.push(format!("UNT+{count}+AUR0426E01'"));
    out.extend(lines[unt + 1..].iter().map(|s| s.to_string()));
    out.join("\n")
}

/// Runs `f` repeatedly for about `budget`, returns (iterations, seconds).
fn time<F: FnMut()>(budget: Duration, mut f: F) -> (u64, f64) {
    f();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        f();
        n += 1;
    }
    (n, start.elapsed().as_secs_f64())
}

fn main() {
    let budget = Duration::from_secs(2);
    let text = big_manifest(2_000);
    let segments = lex(&text).map(|l| l.segments.len()).unwrap_or(0);
    let report = parse_cuscar(&text).expect("the synthetic manifest parses");
    let consignments = report.manifests[0].consignments.len();
    assert!(Interchange::parse(&text).and_then(Interchange::strict).is_ok());
    println!(
        "synthetic CUSCAR: {:.1} MB, {segments} segments, {consignments} consignments",
        text.len() as f64 / 1e6
    );

    let (n, s) = time(budget, || {
        black_box(lex(black_box(&text)).ok());
    });
    let per = s / n as f64;
    println!(
        "lex:                 {:>8.1} ms/run  {:>7.1} MB/s  {:>6.2} M segments/s",
        per * 1e3,
        text.len() as f64 / per / 1e6,
        segments as f64 / per / 1e6
    );
    let (n, s) = time(budget, || {
        black_box(parse_cuscar(black_box(&text)).ok());
    });
    let per = s / n as f64;
    println!(
        "parse_cuscar:        {:>8.1} ms/run  {:>7.1} MB/s  {:>6.2} M segments/s  {:>8.0} consignments/s",
        per * 1e3,
        text.len() as f64 / per / 1e6,
        segments as f64 / per / 1e6,
        consignments as f64 / per
    );

    let numbers: Vec<String> = (0..10_000u32)
        .map(|i| {
            let prefix = format!("EXPU{:06}", i * 37 % 1_000_000);
            let d = ContainerNumber::check_digit_for(&prefix).unwrap_or(0);
            format!("{prefix}{}", if i % 10 == 0 { (d + 1) % 10 } else { d })
        })
        .collect();
    let (n, s) = time(budget, || {
        for x in &numbers {
            black_box(ContainerNumber::parse(black_box(x)).is_ok());
        }
    });
    let ours = (n as f64 * numbers.len() as f64) / s;
    let (n, s) = time(budget, || {
        for x in &numbers {
            black_box(mission::scenario::is_valid_container_number(black_box(x)));
        }
    });
    let peer = (n as f64 * numbers.len() as f64) / s;
    println!(
        "ContainerNumber::parse {:>6.2} M/s; mission::is_valid_container_number {:>6.2} M/s (ratio {:.2})",
        ours / 1e6,
        peer / 1e6,
        ours / peer
    );

    let hs = Nomenclature::hs2022();
    let codes = [
        "8471.30",
        "847130",
        "8471 30 00",
        "0101.21",
        "61091000",
        "8517.13",
        "9403.50",
        "84",
    ];
    let (n, s) = time(budget, || {
        for c in codes {
            black_box(hs.describe(black_box(c)).is_ok());
        }
    });
    println!(
        "HS describe:          {:>6.2} M look-ups/s",
        n as f64 * codes.len() as f64 / s / 1e6
    );
    let start = Instant::now();
    let fresh = Nomenclature::from_csv(
        include_str!("../data/harmonized-system/harmonized-system.csv"),
        include_str!("../data/harmonized-system/sections.csv"),
    );
    println!(
        "HS2022 table load:    {:>6.1} ms ({} entries, once per process)",
        start.elapsed().as_secs_f64() * 1e3,
        fresh.map(|h| h.len()).unwrap_or(0)
    );
}
