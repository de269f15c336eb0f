//! `sim`: simulated ArduPilot Copters over MAVLink (UDP), faster than real time, over a port.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use mission::geodesy::{Geodetic, LatLon, destination};
use mission::scenario::PortScenario;
use sim::autopilot::{Vehicle, VehicleConfig};
use sim::camera::{CameraModel, Gimbal};
use sim::failures::{self, TimedFailure};
use sim::link::VehicleLink;
use sim::protocol::{ParamTable, SigningKey};
use sim::rig::{DroneCamera, Rig};
use sim::runner::{Endpoint, Fleet, Pacer, vehicle_port};
use sim::world::World;

#[derive(Parser)]
#[command(
    name = "sim",
    version,
    about = "Simulated ArduPilot Copters over MAVLink, faster than real time, over a port"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run vehicles: each listens for MAVLink 2 on UDP <bind>:<base-port + 10·i> and answers
    /// every peer that writes to it (like ArduPilot SITL's -I instances).
    Run(Box<RunArgs>),
    /// Print the parameters each vehicle starts with (name and value).
    Params,
}

#[derive(Args)]
struct RunArgs {
    /// Number of vehicles; system ids 1..N.
    #[arg(long, default_value_t = 1, env = "SIM_VEHICLES")]
    vehicles: u8,
    /// Simulated seconds per wall second.
    #[arg(long, default_value_t = 1.0, env = "SIM_SPEEDUP", conflicts_with = "afap")]
    speedup: f64,
    /// As fast as possible (no pacing).
    #[arg(long)]
    afap: bool,
    /// Port scenario (GeoJSON): the launch pad is home.
    #[arg(long, env = "SIM_SCENARIO")]
    scenario: Option<PathBuf>,
    /// Home "lat,lon,alt_amsl" (overrides the scenario's launch pad).
    #[arg(long)]
    home: Option<String>,
    /// Distance between vehicles at start, metres (in a row towards the east).
    #[arg(long, default_value_t = 5.0)]
    spacing: f64,
    /// Seed for noise, gusts and failures: the same seed, the same run.
    #[arg(long, default_value_t = 1, env = "SIM_SEED")]
    seed: u64,
    /// Address the vehicles' UDP ports (and camera streams) listen on.
    #[arg(long, default_value = "127.0.0.1", env = "SIM_BIND")]
    bind: IpAddr,
    /// UDP port of vehicle 1; vehicle i listens on base + 10·(i-1).
    #[arg(long, default_value_t = 5760, env = "SIM_BASE_PORT")]
    base_port: u16,
    /// Also send each vehicle's telemetry to HOST:PORT+10·(i-1) (a ground station that listens).
    #[arg(long, env = "SIM_OUT")]
    out: Option<SocketAddr>,
    /// MAVLink 2 signing key: 64 hex digits (32 bytes). Vehicles then refuse unsigned frames.
    #[arg(long, env = "SIM_SIGNING_KEY", hide_env_values = true)]
    signing_key: Option<String>,
    /// File holding the signing key (64 hex digits).
    #[arg(long, conflicts_with = "signing_key")]
    signing_key_file: Option<PathBuf>,
    /// Failure at a time: TIME:PARAM=VALUE[@SYSID] or TIME:KIND[=VALUE][@SYSID]
    /// (kinds: gps_loss, gps_restore, gps_jamming, gps_glitch_north, gps_glitch_east,
    /// battery_sag, wind, link_loss). Repeatable.
    #[arg(long = "fail")]
    fail: Vec<String>,
    /// TOML file of [[failure]] tables (at, vehicle, kind/value or param/value).
    #[arg(long)]
    failures: Option<PathBuf>,
    /// Parameter at start, NAME=VALUE (e.g. FS_GCS_ENABLE=1). Repeatable.
    #[arg(long = "param")]
    params: Vec<String>,
    /// Stop after this many simulated seconds.
    #[arg(long)]
    duration: Option<f64>,
    /// Simulate the port world of the scenario: vessels, moving boats, people, vehicles, containers.
    #[arg(long, requires = "scenario")]
    world: bool,
    /// A camera on each drone (implies --world): raw RGB frames over TCP on
    /// <bind>:<camera-port + 10·(i-1)>, for GStreamer's tcpclientsrc ! rawvideoparse.
    #[arg(long, requires = "scenario")]
    camera: bool,
    /// TCP port of vehicle 1's camera stream; vehicle i uses camera-port + 10·(i-1).
    #[arg(long, default_value_t = 7100)]
    camera_port: u16,
    /// Frames per simulated second.
    #[arg(long, default_value_t = 5.0)]
    camera_fps: f64,
    /// Image size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720")]
    camera_size: String,
    /// Horizontal field of view, degrees.
    #[arg(long, default_value_t = 80.0)]
    camera_hfov: f64,
    /// Gimbal pitch, degrees (-90 straight down, 0 level).
    #[arg(long, default_value_t = -90.0, allow_negative_numbers = true)]
    gimbal_pitch: f64,
    /// Also write every camera frame as PNG with its ground-truth boxes (JSON) here.
    #[arg(long, requires = "camera")]
    frames_dir: Option<PathBuf>,
    /// Write where every object and drone really was, each simulated second, as JSON lines
    /// (implies --world).
    #[arg(long, requires = "scenario")]
    ground_truth: Option<PathBuf>,
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
        Command::Params => {
            for p in ParamTable::ardupilot_copter_defaults().iter() {
                println!("{:<16} {}", p.name, p.value);
            }
            Ok(())
        }
        Command::Run(args) => run_fleet(*args),
    }
}

fn home(args: &RunArgs) -> Result<Geodetic> {
    if let Some(text) = &args.home {
        let v: Vec<f64> = text
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .with_context(|| format!("--home must be lat,lon[,alt], got '{text}'"))?;
        let g = match v[..] {
            [lat, lon] => Geodetic::new(lat, lon, 0.0),
            [lat, lon, alt] => Geodetic::new(lat, lon, alt),
            _ => bail!("--home must be lat,lon[,alt], got '{text}'"),
        };
        if !g.horizontal().is_valid() {
            bail!("--home {text} is not a valid position");
        }
        return Ok(g);
    }
    if let Some(path) = &args.scenario {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let scenario = PortScenario::parse(&text).with_context(|| format!("scenario {}", path.display()))?;
        return scenario
            .launch()
            .with_context(|| format!("scenario {} has no launch site", path.display()));
    }
    bail!("give --scenario (its launch pad is home) or --home lat,lon,alt")
}

fn run_fleet(args: RunArgs) -> Result<()> {
    if args.vehicles == 0 {
        bail!("--vehicles must be at least 1");
    }
    let home = home(&args)?;
    let key = match (&args.signing_key, &args.signing_key_file) {
        (Some(hex), _) => Some(SigningKey::from_hex(hex)?),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            Some(SigningKey::from_hex(&text).with_context(|| path.display().to_string())?)
        }
        (None, None) => None,
    };
    let mut plan: Vec<TimedFailure> = args
        .fail
        .iter()
        .map(|s| failures::parse_spec(s))
        .collect::<Result<_, _>>()?;
    if let Some(path) = &args.failures {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        plan.extend(failures::parse_file(&text).with_context(|| path.display().to_string())?);
    }
    let mut links = Vec::new();
    let mut endpoints = Vec::new();
    for i in 0..usize::from(args.vehicles) {
        let sysid = (i + 1) as u8;
        let start: LatLon = destination(home.horizontal(), 90.0, args.spacing * i as f64);
        let vehicle = Vehicle::new(VehicleConfig::new(sysid, start.with_alt(home.alt), args.seed));
        let mut link = VehicleLink::new(vehicle, key.clone(), args.seed);
        for p in &args.params {
            let (name, value) = p
                .split_once('=')
                .with_context(|| format!("--param must be NAME=VALUE, got '{p}'"))?;
            let value: f64 = value
                .trim()
                .parse()
                .with_context(|| format!("--param {p}: not a number"))?;
            if !link.set_param(name.trim(), value) {
                bail!("--param {p}: no such parameter, or value out of range (see `sim params`)");
            }
        }
        let port = vehicle_port(args.base_port, i);
        let addr = SocketAddr::new(args.bind, port);
        let outputs = args
            .out
            .map(|o| SocketAddr::new(o.ip(), vehicle_port(o.port(), i)))
            .into_iter()
            .collect();
        let ep = Endpoint::bind(addr, outputs).with_context(|| format!("binding UDP {addr} for vehicle {sysid}"))?;
        println!(
            "vehicle {sysid}: MAVLink on udp://{addr} (system {sysid}, component 1){}",
            if key.is_some() { ", signed" } else { "" }
        );
        links.push(link);
        endpoints.push(ep);
    }
    let speedup = (!args.afap).then_some(args.speedup);
    if let Some(s) = speedup
        && !(s.is_finite() && s > 0.0)
    {
        bail!("--speedup must be a positive number, got {s}");
    }
    let pacer = Pacer::new(speedup);
    let mut fleet = Fleet::new(links, endpoints, plan);
    if args.world || args.camera || args.ground_truth.is_some() {
        fleet.rig = Some(rig(&args)?);
    }
    let summary = fleet.run(&pacer, args.duration, |_| false);
    println!(
        "simulated {:.1} s in {:.1} s of wall time ({:.1}× real time)",
        summary.simulated_s,
        summary.wall_s,
        summary.speedup()
    );
    Ok(())
}

/// The port world and, with --camera, a camera per drone.
fn rig(args: &RunArgs) -> Result<Rig> {
    let path = args.scenario.as_ref().context("--world and --camera need --scenario")?;
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let scenario = PortScenario::parse(&text).with_context(|| format!("scenario {}", path.display()))?;
    let mut rig = Rig::new(World::from_scenario(&scenario, args.seed));
    println!("world: {} objects from {}", rig.world().objects().len(), path.display());
    if let Some(gt) = &args.ground_truth {
        rig.log_ground_truth(gt)?;
        println!("ground truth: {}", gt.display());
    }
    if args.camera {
        let (w, h) = args
            .camera_size
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
            .with_context(|| format!("--camera-size must be WIDTHxHEIGHT, got '{}'", args.camera_size))?;
        let model = CameraModel::new(w, h, args.camera_hfov);
        model.validate().context("camera")?;
        let gimbal = Gimbal {
            pitch_deg: args.gimbal_pitch,
            ..Gimbal::default()
        };
        let mut cameras = Vec::new();
        for i in 0..usize::from(args.vehicles) {
            let addr = SocketAddr::new(args.bind, vehicle_port(args.camera_port, i));
            let mut cam = DroneCamera::new(rig.world(), model, addr, gimbal, args.camera_fps)?;
            if let Some(dir) = &args.frames_dir {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                cam.save_frames(dir.clone());
            }
            println!(
                "vehicle {} camera: tcp://{addr}; gst-launch-1.0 tcpclientsrc host={} port={} ! rawvideoparse width={w} height={h} format=rgb framerate={}/1 ! videoconvert ! autovideosink",
                i + 1,
                addr.ip(),
                addr.port(),
                args.camera_fps.round()
            );
            cameras.push(Some(cam));
        }
        rig.set_cameras(cameras);
    }
    Ok(rig)
}
