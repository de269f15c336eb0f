//! `drone-agent`: the companion computer — MAVLink router with signing, status over MQTT, and
//! the detection data set evaluation.

mod config;

use contracts::mqtt::now_ms;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use contracts::mqtt::{DroneId, DroneStatus, GeoPosition, SCHEMA};
use drone_agent::detect::{Detector, FrameDetector, TilingConfig};
use drone_agent::perception::Perception;
use drone_agent::perception::worker::{PerceptionWorker, Processed, WorkerConfig};
use drone_agent::publish::{Publisher, PublisherConfig};
use drone_agent::router::Router;
use drone_agent::router::state::VehicleState;
use drone_agent::router::udp::RouterThread;
use drone_agent::video::{RtspConfig, RtspServer, VideoConfig, VideoSource};
use tokio::sync::mpsc;

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
        let (worker, mut processed) = start_perception(&cfg, &drone, &agent)?;
        let started = std::time::Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut video_open = worker.is_some();
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                frame = processed.recv(), if video_open => {
                    match frame {
                        Some(frame) => publish_frame(publisher.as_ref(), frame).await,
                        None => video_open = false,
                    }
                    continue;
                }
            }
            if duration.is_some_and(|d| started.elapsed().as_secs_f64() >= d) {
                break;
            }
            let Some(publisher) = &publisher else { continue };
            let Ok(state) = agent.shared.state.lock().map(|s| s.clone()) else {
                continue;
            };
            let Some(status) = status_message(&drone, &state) else {
                continue;
            };
            if let Err(e) = publisher.publish(status).await {
                tracing::warn!("status not queued: {e}");
            }
        }
        if let Some(worker) = worker {
            // Drain what the worker already handed over so no detection is left behind.
            processed.close();
            while let Some(frame) = processed.recv().await {
                publish_frame(publisher.as_ref(), frame).await;
            }
            let stats = worker.worker.stop();
            println!(
                "perception: {} frames, {} detections ({} without position), {} tiles run, {} skipped, {} video errors",
                stats.frames,
                stats.detections,
                stats.unlocated,
                stats.tiles_run,
                stats.tiles_skipped,
                stats.video_errors
            );
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

/// The drone's status from the router's view of the vehicle; None before the first position.
fn status_message(drone: &DroneId, state: &VehicleState) -> Option<DroneStatus> {
    let p = state.position?;
    Some(DroneStatus {
        schema: SCHEMA,
        msg_id: 0,
        drone_id: drone.clone(),
        time: now_ms(),
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
    })
}

/// The perception thread and the RTSP server it feeds, which live and stop together.
struct Perceiving {
    worker: PerceptionWorker,
    _rtsp: Option<RtspServer>,
}

/// Starts the video pipeline and detection when the configuration names a source.
fn start_perception(
    cfg: &AgentConfig,
    drone: &DroneId,
    agent: &RouterThread,
) -> Result<(Option<Perceiving>, mpsc::Receiver<Processed>)> {
    let (tx, rx) = mpsc::channel(8);
    let Some(text) = &cfg.video.source else {
        return Ok((None, rx));
    };
    let source: VideoSource = text.parse().with_context(|| format!("video.source `{text}`"))?;
    let model = match (&cfg.detect.model, std::env::var_os("DETECT_MODEL")) {
        (_, Some(env)) => PathBuf::from(env),
        (Some(path), None) => path.clone(),
        (None, None) => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models/yolox_nano.onnx")),
    };
    let detector = Detector::load_with(&model, cfg.detect.detector_config()?)
        .with_context(|| format!("loading the detector {}", model.display()))?;
    let tiling = TilingConfig {
        threads: cfg.detect.threads.max(1),
        skip_unchanged: if cfg.detect.skip_unchanged {
            TilingConfig::default().skip_unchanged
        } else {
            None
        },
        ..TilingConfig::default()
    };
    let perception = Perception::new(
        drone.clone(),
        FrameDetector::new(detector, tiling),
        cfg.perception.clone(),
    );
    let index = u16::from(cfg.vehicle.saturating_sub(1));
    let mut video = VideoConfig::for_vehicle(cfg.video.rtp_host.clone(), index);
    if let Some(port) = cfg.video.rtp_port {
        video.rtp_port = port;
    }
    video.bitrate_kbps = cfg.video.bitrate_kbps;
    video.detection_fps = cfg.video.detection_fps;
    let rtsp = match cfg.video.rtsp_port {
        Some(port) => {
            let channel = format!("agent-{}-rtsp", cfg.vehicle);
            let server = RtspServer::start(&RtspConfig {
                address: cfg.video.rtsp_address.clone(),
                port,
                path: cfg.video.rtsp_path.clone(),
                channel: channel.clone(),
                bitrate_kbps: cfg.video.bitrate_kbps,
            })
            .context("starting the RTSP server")?;
            println!("video: RTSP at {}", server.url());
            video.rtsp_channel = Some(channel);
            Some(server)
        }
        None => None,
    };
    println!(
        "video: {source} → RTP {}:{}; detection at {:?} fps",
        video.rtp_host, video.rtp_port, video.detection_fps
    );
    let state = agent.shared.clone();
    let worker = PerceptionWorker::start(
        WorkerConfig {
            source,
            video,
            restart_delay: Duration::from_secs_f64(cfg.video.restart_delay_s.max(0.1)),
        },
        perception,
        move || state.state.lock().ok().map(|s| s.clone()),
        tx,
    )
    .context("starting the perception thread")?;
    Ok((Some(Perceiving { worker, _rtsp: rtsp }), rx))
}

/// Queues one frame's messages: each new track's snapshot, then the detections, then the tracks.
async fn publish_frame(publisher: Option<&Publisher>, frame: Processed) {
    let Some(publisher) = publisher else { return };
    let out = frame.output;
    for s in out.snapshots {
        if let Err(e) = publisher.publish_snapshot(s.jpeg, s.meta).await {
            tracing::error!("snapshot not queued: {e}");
        }
    }
    if let Some(batch) = out.detections
        && let Err(e) = publisher.publish(batch).await
    {
        tracing::error!("detections not queued: {e}");
    }
    if let Some(tracks) = out.tracks
        && let Err(e) = publisher.publish(tracks).await
    {
        tracing::error!("tracks not queued: {e}");
    }
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
