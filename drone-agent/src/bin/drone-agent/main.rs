//! `drone-agent`: the companion computer — MAVLink router with signing, status over MQTT, and
//! the detection data set evaluation.

mod config;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use contracts::mqtt::{DroneId, DroneStatus, GeoPosition, SCHEMA};
use drone_agent::publish::{Publisher, PublisherConfig};
use drone_agent::router::Router;
use drone_agent::router::udp::RouterThread;

use config::AgentConfig;

#[derive(Parser)]
#[command(
    name = "drone-agent",
    version,
    about = "Companion computer: MAVLink router with signing, detection, MQTT"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Route MAVLink between the autopilot and the ground stations (signed) and publish the
    /// drone's status over MQTT with store-and-forward.
    Run {
        /// agent.toml (defaults: vehicle 1, autopilot udp 127.0.0.1:5760, ground stations on
        /// udp 127.0.0.1:14550, no MQTT).
        #[arg(long, env = "AGENT_CONFIG")]
        config: Option<PathBuf>,
        /// Stop after this many seconds.
        #[arg(long)]
        duration: Option<f64>,
    },
    /// Run the onboard detection pipeline (tiles + merge) over a COCO-format data set and
    /// print AP50 per class and overall.
    Eval {
        /// COCO annotations JSON; its categories are matched to the model's by name.
        #[arg(long)]
        coco: PathBuf,
        /// Folder holding the images the annotations name.
        #[arg(long)]
        images: PathBuf,
        /// The YOLOX-nano ONNX model.
        #[arg(long, env = "DETECT_MODEL", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/models/yolox_nano.onnx"))]
        model: PathBuf,
        /// Report only the port classes (person, bicycle, car, motorcycle, bus, truck, boat)
        /// instead of all 80 COCO classes.
        #[arg(long)]
        port_classes: bool,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run { config, duration } => run_agent(AgentConfig::load(config.as_deref())?, duration),
        Command::Eval {
            coco,
            images,
            model,
            port_classes,
        } => run_eval(&coco, &images, &model, port_classes),
    }
}

fn run_agent(cfg: AgentConfig, duration: Option<f64>) -> Result<()> {
    let key = cfg.signing_key()?;
    let router = Router::new(cfg.vehicle, cfg.gcs.len(), key.clone());
    let agent = RouterThread::start(router, cfg.autopilot, &cfg.gcs)
        .with_context(|| format!("binding the ground-station ports {:?}", cfg.gcs))?;
    for addr in &agent.gcs_addrs {
        println!(
            "vehicle {}: ground stations on udp://{addr}{}; autopilot udp://{}",
            cfg.vehicle,
            if key.is_some() {
                " (signed)"
            } else {
                " (UNSIGNED: bench only)"
            },
            cfg.autopilot
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let drone = DroneId::new(format!("drone{}", cfg.vehicle)).context("drone id")?;
    runtime.block_on(async {
        let publisher = match &cfg.mqtt.host {
            Some(host) => {
                let mut pc = PublisherConfig::new(
                    host,
                    cfg.mqtt.port,
                    drone.clone(),
                    &cfg.mqtt_password()?,
                    cfg.mqtt.outbox.clone(),
                );
                if let Some(user) = &cfg.mqtt.username {
                    pc.username = user.clone();
                }
                println!(
                    "MQTT: {host}:{} as {}, outbox {}",
                    cfg.mqtt.port,
                    pc.username,
                    cfg.mqtt.outbox.display()
                );
                Some(Publisher::start(pc).context("starting the MQTT publisher")?)
            }
            None => None,
        };
        let started = std::time::Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if duration.is_some_and(|d| started.elapsed().as_secs_f64() >= d) {
                break;
            }
            let Some(publisher) = &publisher else { continue };
            let Ok(state) = agent.shared.state.lock().map(|s| s.clone()) else {
                continue;
            };
            let Some(p) = state.position else { continue };
            let status = DroneStatus {
                schema: SCHEMA,
                msg_id: 0,
                drone_id: drone.clone(),
                time: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0),
                position: GeoPosition {
                    lat: p.lat,
                    lon: p.lon,
                    alt_m: state.relative_alt_m.unwrap_or(0.0),
                },
                heading_deg: state
                    .attitude
                    .map_or(0.0, |q| q.euler_angles().2.to_degrees().rem_euclid(360.0)),
                ground_speed_mps: 0.0,
                mode: state
                    .custom_mode
                    .map_or("UNKNOWN", drone_agent::router::state::copter_mode_name)
                    .into(),
                armed: state.armed,
                battery_pct: state.battery_pct.unwrap_or(0.0),
                mission_seq: None,
            };
            if let Err(e) = publisher.publish(status).await {
                tracing::warn!("status not queued: {e}");
            }
        }
        if let Some(p) = publisher {
            p.shutdown().await;
        }
        anyhow::Ok(())
    })?;
    let stats = agent.shared.stats.lock().map(|s| s.clone()).unwrap_or_default();
    println!(
        "routed {} frames from the autopilot and {} from ground stations; refused from ground stations: {:?}",
        stats.from_autopilot,
        stats.from_gcs,
        stats.gcs_codecs.iter().map(|c| c.rejected()).collect::<Vec<_>>()
    );
    Ok(())
}

fn run_eval(
    coco: &std::path::Path,
    images: &std::path::Path,
    model: &std::path::Path,
    port_classes: bool,
) -> Result<()> {
    use drone_agent::detect::{DEFAULT_CLASSES, Detector, DetectorConfig, FrameDetector, TilingConfig};
    let text = std::fs::read_to_string(coco).with_context(|| format!("reading {}", coco.display()))?;
    let config = DetectorConfig {
        classes: port_classes.then(|| DEFAULT_CLASSES.to_vec()),
        ..DetectorConfig::default()
    };
    let mut frames = FrameDetector::new(Detector::load_with(model, config)?, TilingConfig::default());
    let report = drone_agent::eval::evaluate(&text, images, &mut frames, drone_agent::eval::stderr_progress)?;
    println!("{report}");
    Ok(())
}
