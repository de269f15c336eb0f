//! `ground-station`: starts the station (MAVLink links, MQTT broker and ingest, alerts, storage, API and console) from `station.toml`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use ground_station::station::{Station, StationConfig};
use ground_station::store::Role;
use mavlink_io::SigningKey;

#[derive(Parser)]
#[command(
    name = "ground-station",
    version,
    about = "Fleet, missions, alerts, storage, HTTP API and web console"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the station until Ctrl-C (or --duration).
    Run {
        /// station.toml; every key has a default (see README).
        #[arg(long, env = "STATION_CONFIG")]
        config: Option<PathBuf>,
        /// Stop after this many seconds.
        #[arg(long)]
        duration: Option<f64>,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            // rumqttd logs every client disconnect (and the gate's start-up probe) as an
            // error; the gate logs connections and refusals itself. RUST_LOG brings it back.
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,rumqttd=off".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn load(path: Option<&std::path::Path>) -> Result<StationConfig> {
    let Some(path) = path else {
        return Ok(StationConfig::default());
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config {}", path.display()))
}

/// The MAVLink key from STATION_SIGNING_KEY or `signing_key_file`; None only when allowed.
fn signing_key(config: &StationConfig) -> Result<Option<SigningKey>> {
    Ok(SigningKey::from_env_or_file(
        "STATION_SIGNING_KEY",
        config.signing_key_file.as_deref(),
        "signing_key_file",
        config.allow_unsigned,
    )?)
}

fn run(cli: Cli) -> Result<()> {
    let Command::Run { config, duration } = cli.command;
    let config = load(config.as_deref())?;
    let key = signing_key(&config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let signed = key.is_some();
        let station = Station::start(config, key).await.context("starting the station")?;
        println!(
            "station: MAVLink on udp://{} ({}), MQTT on {}, API on http://{}",
            station.mavlink_addr,
            if signed { "signed" } else { "UNSIGNED: bench only" },
            station.mqtt_addr,
            station.http_addr
        );
        for t in &station.tokens {
            println!("token for {} ({}): {}", t.name, t.role, t.token);
        }
        if let Some(token) = station.token_for(Role::Officer) {
            println!("console: http://{}/#token={token}", station.http_addr);
        }
        match duration {
            Some(s) => tokio::time::sleep(std::time::Duration::from_secs_f64(s)).await,
            None => {
                tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
            }
        }
        println!("station: stopping");
        station.shutdown();
        anyhow::Ok(())
    })
}
