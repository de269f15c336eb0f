//! `customs`: read manifests and bayplans, check container numbers, describe HS codes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use customs::edifact::{self, ContainerList, Warning};
use customs::hs::Nomenclature;
use customs::iso6346::{ContainerNumber, SizeType};
use customs::manifest::Manifest;

#[derive(Parser)]
#[command(
    name = "customs",
    version,
    about = "Customs data: EDIFACT manifests and bayplans, ISO 6346, HS2022"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read a CUSCAR interchange: print a summary, or the manifests as JSON.
    Manifest {
        file: PathBuf,
        /// Print the manifests as JSON (an array, one per CUSCAR message).
        #[arg(long)]
        json: bool,
    },
    /// Check a container number (and optionally a size/type code) and explain it.
    Container {
        number: String,
        #[arg(long)]
        size_type: Option<String>,
    },
    /// Describe an HS code: section, chapter, heading and subheading.
    Hs { code: String },
    /// Read a COPRAR or BAPLIE message: the containers with their positions.
    Bayplan { file: PathBuf },
}

fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(edifact::decode(&bytes).into_owned())
}

fn print_warnings(warnings: &[Warning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn kg(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.0} kg"))
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".into(), T::to_string)
}

fn summary(m: &Manifest) {
    let v = &m.vessel;
    println!("Manifest {} (issued {})", m.document_number, opt(&m.issued));
    println!(
        "  vessel {} IMO {} call sign {} flag {}, voyage {}",
        opt(&v.name),
        opt(&v.imo),
        opt(&v.call_sign),
        opt(&v.flag),
        opt(&m.voyage_number)
    );
    println!(
        "  from {} to {}, arrival {}",
        opt(&m.departure_port),
        opt(&m.arrival_port),
        opt(&m.arrival)
    );
    println!("  {} containers:", m.equipment.len());
    for e in &m.equipment {
        let seals: Vec<&str> = e.seals.iter().map(|s| s.number.as_str()).collect();
        println!(
            "    {:<12} {:<5} gross {:>9} seals {}",
            e.number,
            opt(&e.size_type),
            kg(e.gross_kg),
            seals.join(",")
        );
    }
    for c in &m.consignments {
        let name = |p: &Option<customs::manifest::Party>| p.as_ref().map_or("-".to_string(), |p| p.name.clone());
        println!(
            "  B/L {}: {} -> {}",
            c.bill_of_lading,
            name(&c.consignor),
            name(&c.consignee)
        );
        for g in &c.goods {
            let containers: Vec<&str> = g.placements.iter().map(|p| p.container.as_str()).collect();
            println!(
                "    {:>2}. HS {:<10} {:>6} pk {:>9}  {}  in {}",
                g.item_number,
                opt(&g.hs_code),
                g.packages.as_ref().map_or(0, |p| p.count),
                kg(g.gross_kg),
                g.description,
                containers.join(",")
            );
        }
    }
    for p in m.validate() {
        println!("  problem: {p}");
    }
}

fn bayplan(list: &ContainerList) {
    println!(
        "{} {} (document {}), vessel {} voyage {}: {} containers",
        list.message_type,
        list.reference,
        opt(&list.document_number),
        list.vessel
            .name
            .as_deref()
            .or(list.vessel.call_sign.as_deref())
            .unwrap_or("-"),
        opt(&list.voyage),
        list.containers.len()
    );
    let mut rows: Vec<_> = list.containers.iter().collect();
    rows.sort_by_key(|c| c.stowage.as_ref().map(|s| (s.bay, s.row, s.tier)));
    println!(
        "  {:<9} {:<12} {:<5} {:<5} {:<15} {:<15} {:>9} F/E",
        "bay-row-tier", "container", "ok", "type", "loading", "discharge", "gross"
    );
    for c in rows {
        let cell = match (&c.stowage, &c.stowage_cell) {
            (Some(s), _) => format!("{:03}-{:02}-{:02}", s.bay, s.row, s.tier),
            (None, Some(raw)) => raw.clone(),
            (None, None) => "-".into(),
        };
        println!(
            "  {:<12} {:<12} {:<5} {:<5} {:<15} {:<15} {:>9} {}",
            cell,
            c.number,
            if c.number_valid { "yes" } else { "NO" },
            opt(&c.size_type),
            opt(&c.port_of_loading),
            opt(&c.port_of_discharge),
            kg(c.gross_kg.or(c.vgm_kg)),
            c.full_empty
                .map_or("-", |f| if f == customs::manifest::FullEmpty::Full {
                    "F"
                } else {
                    "E"
                })
        );
    }
}

fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Manifest { file, json } => {
            let text = read(&file)?;
            let report = edifact::parse_cuscar(&text).with_context(|| format!("reading {}", file.display()))?;
            print_warnings(&report.warnings);
            if json {
                println!("{}", serde_json::to_string_pretty(&report.manifests)?);
            } else {
                report.manifests.iter().for_each(summary);
            }
            Ok(true)
        }
        Command::Container { number, size_type } => {
            let ok = match ContainerNumber::parse(&number) {
                Ok(c) => {
                    println!("{}", c.explain());
                    true
                }
                Err(e) => {
                    println!("invalid: {e}");
                    false
                }
            };
            if let Some(code) = size_type {
                match SizeType::parse(&code) {
                    Ok(t) => println!("{}", t.describe()),
                    Err(e) => {
                        println!("invalid: {e}");
                        return Ok(false);
                    }
                }
            }
            Ok(ok)
        }
        Command::Hs { code } => match Nomenclature::hs2022().describe(&code) {
            Ok(d) => {
                print!("{}", d.render());
                let children = Nomenclature::hs2022().children(&d.code);
                if !children.is_empty() {
                    println!("{} entries below {}", children.len(), d.display);
                }
                Ok(true)
            }
            Err(e) => {
                println!("{e}");
                Ok(false)
            }
        },
        Command::Bayplan { file } => {
            let text = read(&file)?;
            let (lists, warnings) =
                edifact::parse_container_lists(&text).with_context(|| format!("reading {}", file.display()))?;
            print_warnings(&warnings);
            lists.iter().for_each(bayplan);
            Ok(true)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
