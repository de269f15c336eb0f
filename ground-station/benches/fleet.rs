//! Fleet link benchmark (`cargo bench -p ground-station --bench fleet`): telemetry ingest for
//! 10, 50 and 100 vehicles at 10 Hz (the link thread's CPU share, update latency p50/p99), and a
//! 500-item mission upload to the simulator's mission server, clean and through a relay losing
//! 30 % of frames each way (time p50/p99, successes). Peers measured in the same run: pymavlink
//! parsing the same telemetry into per-vehicle state, and pymavlink uploading the same mission.
//!
//! Arguments: `--ingest-secs S` (default 10), `--attempts N` (default 100), `--only ingest|upload`.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ground_station::fleet::{Fleet, FleetConfig, ListKind};
use mavlink::Message;
use mavlink::dialects::ardupilotmega::{
    ATTITUDE_DATA, BATTERY_STATUS_DATA, GLOBAL_POSITION_INT_DATA, GPS_RAW_INT_DATA, GpsFixType, HEARTBEAT_DATA,
    MISSION_CURRENT_DATA, MavAutopilot, MavMessage, MavModeFlag, MavState, MavType, SYS_STATUS_DATA, VFR_HUD_DATA,
};
use mavlink_io::Codec;
use mission::geodesy::{Geodetic, destination};
use mission::mavlink_items::{EncodeOptions, encode_mission, items_to_json};
use mission::plan::{MissionItem, Plan, PlanElement};
use sim::autopilot::{Vehicle, VehicleConfig};
use sim::link::VehicleLink;
use sim::runner::STEP_S;

const HOME: (f64, f64, f64) = (44.3975, 8.9005, 4.0);
const LOCALHOST: [u8; 4] = [127, 0, 0, 1];

fn main() -> Result<()> {
    let mut ingest_secs = 10.0;
    let mut attempts = 100;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ingest-secs" => ingest_secs = args.next().context("--ingest-secs S")?.parse()?,
            "--attempts" => attempts = args.next().context("--attempts N")?.parse()?,
            "--only" => only = Some(args.next().context("--only ingest|upload")?),
            _ => {} // cargo bench passes --bench
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("fleet benchmark: {cores} CPUs, release build, loopback UDP");
    if only.as_deref() != Some("upload") {
        println!("\n## Telemetry ingest, 10 Hz per vehicle ({ingest_secs} s measured after 2 s warm-up)");
        println!("vehicles | frames/s in | link thread CPU | latency p50 | p99 | max | delivered");
        let mut ours_100 = None;
        for n in [10, 50, 100] {
            let r = runtime.block_on(ingest(n, Duration::from_secs_f64(ingest_secs)))?;
            if n == 100 {
                ours_100 = Some(r.cpu_pct);
            }
            println!(
                "{n:>8} | {:>11.0} | {:>13.1} % | {:>8.2} ms | {:>5.2} ms | {:>6.2} ms | {:.2} %",
                r.rate, r.cpu_pct, r.p50_ms, r.p99_ms, r.max_ms, r.delivered_pct
            );
        }
        let window = Duration::from_secs_f64(ingest_secs);
        match pymavlink_ingest(100, window) {
            Ok((rate, cpu_pct)) => {
                println!(
                    "pymavlink (peer), 100 vehicles: {rate:.0} frames/s parsed into per-vehicle state, CPU {cpu_pct:.1} %"
                );
                if let Some(ours) = ours_100 {
                    println!("ratio (CPU, 100 vehicles): station {:.2}× pymavlink's", ours / cpu_pct);
                }
            }
            Err(e) => println!("pymavlink peer not measured: {e:#}"),
        }
        println!("goals: 100 vehicles within one core (< 100 %), p99 < 50 ms");
    }
    if only.as_deref() != Some("ingest") {
        let items = mission_of(500)?;
        println!("\n## Mission upload, {} items, {attempts} attempts each", items.len());
        println!("case | p50 | p99 | max | succeeded");
        let clean = runtime.block_on(uploads(&items, attempts, 0.0))?;
        print_uploads("station, clean loopback", &clean);
        let lossy = runtime.block_on(uploads(&items, attempts, 0.3))?;
        print_uploads("station, 30 % loss each way", &lossy);
        match pymavlink_uploads(&items, attempts.min(20)) {
            Ok(peer) => {
                print_uploads("pymavlink, clean loopback (peer)", &peer);
                if let (Some(ours), Some(theirs)) = (percentile(&clean.times, 0.5), percentile(&peer.times, 0.5)) {
                    println!("ratio (clean p50): station {:.2}× pymavlink's time", ours / theirs);
                }
            }
            Err(e) => println!("pymavlink peer not measured: {e:#}"),
        }
        println!("goals: < 200 ms clean, < 5 s at 30 % loss, every attempt succeeds");
    }
    Ok(())
}

struct IngestResult {
    rate: f64,
    cpu_pct: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    delivered_pct: f64,
}

/// CPU time of this process's thread named `name` (the newest one), from the kernel's scheduler
/// statistics (nanoseconds), or its tick counters when those are missing.
fn thread_cpu(name: &str) -> Result<Duration> {
    let mut best: Option<(u64, std::path::PathBuf)> = None;
    for entry in std::fs::read_dir("/proc/self/task")? {
        let path = entry?.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let tid: u64 = path
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.parse().ok())
            .unwrap_or(0);
        if comm.trim() == name && best.as_ref().is_none_or(|(t, _)| tid > *t) {
            best = Some((tid, path));
        }
    }
    let (_, path) = best.with_context(|| format!("no thread named {name}"))?;
    if let Ok(text) = std::fs::read_to_string(path.join("schedstat"))
        && let Some(ns) = text.split_whitespace().next().and_then(|v| v.parse::<u64>().ok())
    {
        return Ok(Duration::from_nanos(ns));
    }
    let stat = std::fs::read_to_string(path.join("stat"))?;
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(Duration::from_millis(ticks * 10))
}

/// One message kind of a synthetic vehicle: a real frame, re-sequenced and re-checksummed per send.
struct Template {
    frame: Vec<u8>,
    crc_extra: u8,
}

impl Template {
    fn new(codec: &mut Codec, msg: &MavMessage) -> Self {
        Self {
            frame: codec.encode(msg),
            crc_extra: MavMessage::extra_crc(msg.message_id()),
        }
    }

    fn with_sequence(&mut self, seq: u8) -> &[u8] {
        let len = self.frame.len();
        self.frame[4] = seq;
        let crc = mavlink::calculate_crc(&self.frame[1..len - 2], self.crc_extra);
        self.frame[len - 2..].copy_from_slice(&crc.to_le_bytes());
        &self.frame
    }
}

/// ArduPilot's usual stream: position, attitude and HUD at 10 Hz, status, GPS, battery and
/// mission progress at 2 Hz, HEARTBEAT at 1 Hz.
fn templates(sysid: u8) -> (Vec<Template>, Vec<Template>, Template) {
    let mut codec = Codec::new(sysid, 1, None);
    let fast = [
        MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
            lat: 443_975_000 + i32::from(sysid) * 100,
            lon: 89_005_000,
            alt: 64_000,
            relative_alt: 60_000,
            vx: 1000,
            hdg: 9000,
            ..Default::default()
        }),
        MavMessage::ATTITUDE(ATTITUDE_DATA {
            roll: 0.05,
            yaw: 1.57,
            ..Default::default()
        }),
        MavMessage::VFR_HUD(VFR_HUD_DATA {
            groundspeed: 10.0,
            alt: 64.0,
            heading: 90,
            throttle: 45,
            ..Default::default()
        }),
    ];
    let slow = [
        MavMessage::SYS_STATUS(SYS_STATUS_DATA {
            voltage_battery: 24_200,
            current_battery: 1800,
            battery_remaining: 80,
            ..Default::default()
        }),
        MavMessage::GPS_RAW_INT(GPS_RAW_INT_DATA {
            fix_type: GpsFixType::GPS_FIX_TYPE_3D_FIX,
            satellites_visible: 15,
            ..Default::default()
        }),
        MavMessage::BATTERY_STATUS(BATTERY_STATUS_DATA {
            battery_remaining: 80,
            ..Default::default()
        }),
        MavMessage::MISSION_CURRENT(MISSION_CURRENT_DATA {
            seq: 7,
            total: 40,
            ..Default::default()
        }),
    ];
    let heartbeat = MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        custom_mode: 3,
        mavtype: MavType::MAV_TYPE_QUADROTOR,
        autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
        base_mode: MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED,
        system_status: MavState::MAV_STATE_ACTIVE,
        mavlink_version: 3,
    });
    (
        fast.iter().map(|m| Template::new(&mut codec, m)).collect(),
        slow.iter().map(|m| Template::new(&mut codec, m)).collect(),
        Template::new(&mut codec, &heartbeat),
    )
}

/// Synthetic vehicles on one thread ("synth-senders"), each on its own socket, ticks spread
/// evenly over the 100 ms period. Send times go to `sent[sysid * 256 + seq]` (ns since `epoch`).
fn start_senders(
    n: u8,
    station: SocketAddr,
    epoch: Instant,
    sent: Arc<Vec<AtomicU64>>,
    frames_sent: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> Result<JoinHandle<()>> {
    let mut vehicles = Vec::new();
    for sysid in 1..=n {
        let socket = UdpSocket::bind(SocketAddr::from((LOCALHOST, 0)))?;
        vehicles.push((sysid, socket, templates(sysid), 0u8));
    }
    Ok(std::thread::Builder::new()
        .name("synth-senders".into())
        .spawn(move || {
            let period = Duration::from_millis(100);
            let step = period / u32::from(n);
            let start = Instant::now();
            let mut j: u64 = 0;
            while !stop.load(Ordering::Relaxed) {
                let due = start + step * u32::try_from(j).unwrap_or(u32::MAX);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let k = j / u64::from(n);
                let (sysid, socket, (fast, slow, heartbeat), seq) = &mut vehicles[(j % u64::from(n)) as usize];
                let send = |t: &mut Template, seq: &mut u8| {
                    let at = u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    sent[usize::from(*sysid) * 256 + usize::from(*seq)].store(at, Ordering::Relaxed);
                    if socket.send_to(t.with_sequence(*seq), station).is_ok() {
                        frames_sent.fetch_add(1, Ordering::Relaxed);
                    }
                    *seq = seq.wrapping_add(1);
                };
                for t in fast.iter_mut() {
                    send(t, seq);
                }
                if k.is_multiple_of(5) {
                    for t in slow.iter_mut() {
                        send(t, seq);
                    }
                }
                if k.is_multiple_of(10) {
                    send(heartbeat, seq);
                }
                j += 1;
            }
        })?)
}

async fn ingest(n: u8, window: Duration) -> Result<IngestResult> {
    let mut config = FleetConfig::new(SocketAddr::from((LOCALHOST, 0)));
    config.stream_rate_hz = 0;
    let fleet = Fleet::start(config)?;
    let epoch = Instant::now();
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..256 * 256).map(|_| AtomicU64::new(0)).collect());
    let frames_sent = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let senders = start_senders(
        n,
        fleet.local_addr(),
        epoch,
        sent.clone(),
        frames_sent.clone(),
        stop.clone(),
    )?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while fleet.vehicles().len() < usize::from(n) {
        if Instant::now() > deadline {
            bail!("only {} of {n} vehicles discovered", fleet.vehicles().len());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut watches: Vec<_> = (1..=n).filter_map(|s| fleet.watch(s).map(|w| (s, w))).collect();
    let mut last_seen: HashMap<u8, Instant> = HashMap::new();
    let mut latencies_ns: Vec<u64> = Vec::new();
    let cpu0 = thread_cpu("fleet-io")?;
    let frames0 = (frames_sent.load(Ordering::Relaxed), fleet.stats().frames_in);
    let t0 = Instant::now();
    // Sample every vehicle's latest update every 2 ms: each one carries the time the link applied
    // it and the sequence number of the frame, whose send time the senders recorded.
    while t0.elapsed() < window {
        for (sysid, rx) in &mut watches {
            let Some(stamp) = rx.borrow().last_update else { continue };
            if last_seen.insert(*sysid, stamp.at) == Some(stamp.at) {
                continue;
            }
            let sent_ns = sent[usize::from(*sysid) * 256 + usize::from(stamp.sequence)].load(Ordering::Relaxed);
            let applied_ns = u64::try_from(stamp.at.duration_since(epoch).as_nanos()).unwrap_or(0);
            if sent_ns > 0 && applied_ns >= sent_ns {
                latencies_ns.push(applied_ns - sent_ns);
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let wall = t0.elapsed();
    let cpu = thread_cpu("fleet-io")? - cpu0;
    // Let the link publish its counters once more before reading them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let _ = senders.join();
    let sent_in_window = frames_sent.load(Ordering::Relaxed) - frames0.0;
    let received = fleet.stats().frames_in - frames0.1;
    latencies_ns.sort_unstable();
    let ms = |q: f64| percentile_ns(&latencies_ns, q);
    Ok(IngestResult {
        rate: received as f64 / wall.as_secs_f64(),
        cpu_pct: 100.0 * cpu.as_secs_f64() / wall.as_secs_f64(),
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        max_ms: ms(1.0),
        delivered_pct: 100.0 * (received as f64 / sent_in_window.max(1) as f64).min(1.0),
    })
}

fn percentile_ns(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i] as f64 / 1e6
}

fn percentile(times: &[f64], q: f64) -> Option<f64> {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let i = ((sorted.len().checked_sub(1)?) as f64 * q).round() as usize;
    sorted.get(i).copied()
}

/// A 500-item mission list: home, take-off, then waypoints on a 10 × 50 grid around home.
fn mission_of(count: usize) -> Result<Vec<mavlink::dialects::common::MISSION_ITEM_INT_DATA>> {
    let home = Geodetic::new(HOME.0, HOME.1, HOME.2);
    let mut plan = Plan::new(home);
    plan.elements.push(PlanElement::Item(MissionItem::Takeoff {
        position: None,
        alt_m: 40.0,
    }));
    for i in 0..count.saturating_sub(2) {
        let p = destination(
            destination(home.horizontal(), 0.0, 20.0 * (i / 50) as f64),
            90.0,
            10.0 * (i % 50) as f64,
        );
        plan.elements.push(PlanElement::Item(MissionItem::waypoint(p, 40.0)));
    }
    Ok(encode_mission(&plan, &EncodeOptions::default())?)
}

/// The simulator's vehicle link (codec, mission server, autopilot) answering on a UDP socket as
/// soon as a datagram arrives, its clock stepped at 400 Hz in wall time (so the mission
/// server's own 1.5 s timeouts are real).
fn start_vehicle(stop: Arc<AtomicBool>) -> Result<(SocketAddr, JoinHandle<()>)> {
    let socket = UdpSocket::bind(SocketAddr::from((LOCALHOST, 0)))?;
    let addr = socket.local_addr()?;
    let vehicle = Vehicle::new(VehicleConfig::new(1, Geodetic::new(HOME.0, HOME.1, HOME.2), 3));
    let mut link = VehicleLink::new(vehicle, None, 3);
    let thread = std::thread::Builder::new().name("sim-vehicle".into()).spawn(move || {
        let mut buf = vec![0u8; 65_536];
        let mut peers: Vec<SocketAddr> = Vec::new();
        let start = Instant::now();
        let mut sim_s = 0.0;
        while !stop.load(Ordering::Relaxed) {
            let ahead = sim_s + STEP_S - start.elapsed().as_secs_f64();
            let _ = socket.set_read_timeout(Some(Duration::from_secs_f64(ahead.max(0.0002))));
            if let Ok((n, from)) = socket.recv_from(&mut buf) {
                if !peers.contains(&from) {
                    peers.push(from);
                }
                for reply in link.receive(&buf[..n]) {
                    let _ = socket.send_to(&reply, from);
                }
            }
            while sim_s + STEP_S <= start.elapsed().as_secs_f64() {
                sim_s += STEP_S;
                for datagram in link.tick(STEP_S) {
                    for p in &peers {
                        let _ = socket.send_to(&datagram, p);
                    }
                }
            }
        }
    })?;
    Ok((addr, thread))
}

/// A UDP relay between the station and `vehicle` dropping `loss` of the datagrams each way;
/// the station dials the returned address.
fn start_relay(vehicle: SocketAddr, loss: f64, stop: Arc<AtomicBool>) -> Result<(SocketAddr, Vec<JoinHandle<()>>)> {
    let front = UdpSocket::bind(SocketAddr::from((LOCALHOST, 0)))?;
    let back = UdpSocket::bind(SocketAddr::from((LOCALHOST, 0)))?;
    let addr = front.local_addr()?;
    for s in [&front, &back] {
        s.set_read_timeout(Some(Duration::from_millis(50)))?;
    }
    let station: Arc<std::sync::Mutex<Option<SocketAddr>>> = Arc::default();
    let mut threads = Vec::new();
    for (direction, seed) in [(0u8, 0x9E37_79B9_7F4A_7C15u64), (1, 0xD1B5_4A32_D192_ED03)] {
        let (from, to) = if direction == 0 {
            (front.try_clone()?, back.try_clone()?)
        } else {
            (back.try_clone()?, front.try_clone()?)
        };
        let (station, stop) = (station.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            let mut rng = seed;
            let mut buf = vec![0u8; 65_536];
            while !stop.load(Ordering::Relaxed) {
                let Ok((n, src)) = from.recv_from(&mut buf) else {
                    continue;
                };
                // xorshift64*: a fixed seed, so every run loses the same pattern.
                rng ^= rng >> 12;
                rng ^= rng << 25;
                rng ^= rng >> 27;
                let draw = (rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
                if draw < loss {
                    continue;
                }
                let dest = if direction == 0 {
                    if let Ok(mut s) = station.lock() {
                        *s = Some(src);
                    }
                    Some(vehicle)
                } else {
                    station.lock().ok().and_then(|s| *s)
                };
                if let Some(dest) = dest {
                    let _ = to.send_to(&buf[..n], dest);
                }
            }
        }));
    }
    Ok((addr, threads))
}

struct Uploads {
    times: Vec<f64>,
    failures: usize,
    first_error: Option<String>,
}

fn print_uploads(case: &str, u: &Uploads) {
    let ms = |q| percentile(&u.times, q).map_or("-".to_string(), |s| format!("{:.0} ms", s * 1000.0));
    println!(
        "{case} | {} | {} | {} | {}/{}",
        ms(0.5),
        ms(0.99),
        ms(1.0),
        u.times.len(),
        u.times.len() + u.failures
    );
    if let Some(e) = &u.first_error {
        println!("  first failure: {e}");
    }
}

async fn uploads(
    items: &[mavlink::dialects::common::MISSION_ITEM_INT_DATA],
    attempts: usize,
    loss: f64,
) -> Result<Uploads> {
    let stop = Arc::new(AtomicBool::new(false));
    let (vehicle, vehicle_thread) = start_vehicle(stop.clone())?;
    let (dial, relay_threads) = if loss > 0.0 {
        start_relay(vehicle, loss, stop.clone())?
    } else {
        (vehicle, Vec::new())
    };
    let mut config = FleetConfig::new(SocketAddr::from((LOCALHOST, 0)));
    config.dial = vec![dial];
    let fleet = Fleet::start(config)?;
    if fleet.wait_for(1, Duration::from_secs(20), |_| true).await.is_none() {
        bail!("the simulated vehicle was not discovered");
    }
    // The link's round trip is probed at discovery and every second until measured.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut out = Uploads {
        times: Vec::new(),
        failures: 0,
        first_error: None,
    };
    for _ in 0..attempts {
        let t = Instant::now();
        match fleet.upload_list(1, ListKind::Mission, items.to_vec()).await {
            Ok(_) => out.times.push(t.elapsed().as_secs_f64()),
            Err(e) => {
                out.failures += 1;
                out.first_error.get_or_insert(e.to_string());
            }
        }
    }
    drop(fleet);
    stop.store(true, Ordering::Relaxed);
    let _ = vehicle_thread.join();
    for t in relay_threads {
        let _ = t.join();
    }
    Ok(out)
}

/// The Python interpreter with the peers (`PORTOPS_PYTHON`, else the workspace's `.venv`).
fn python() -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = std::env::var_os("PORTOPS_PYTHON").map_or_else(|| root.join(".venv/bin/python"), Into::into);
    if !python.exists() {
        bail!("{} does not exist (scripts/setup installs it)", python.display());
    }
    Ok((python, root))
}

/// pymavlink parsing the same synthetic stream into per-vehicle state (the peer): frames/s and
/// CPU share of its process.
fn pymavlink_ingest(n: u8, window: Duration) -> Result<(f64, f64)> {
    let (python, root) = python()?;
    let port = UdpSocket::bind(SocketAddr::from((LOCALHOST, 0)))?.local_addr()?.port();
    let warmup = 3.0;
    let child = Command::new(&python)
        .arg(root.join("ground-station/tests/peers/pymavlink_ingest.py"))
        .args([port.to_string(), warmup.to_string(), window.as_secs_f64().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the pymavlink peer")?;
    // Python's imports take a moment; frames sent before it binds are lost, which warm-up covers.
    std::thread::sleep(Duration::from_secs(1));
    let stop = Arc::new(AtomicBool::new(false));
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..256 * 256).map(|_| AtomicU64::new(0)).collect());
    let senders = start_senders(
        n,
        SocketAddr::from((LOCALHOST, port)),
        Instant::now(),
        sent,
        Arc::new(AtomicU64::new(0)),
        stop.clone(),
    )?;
    let out = child.wait_with_output();
    stop.store(true, Ordering::Relaxed);
    let _ = senders.join();
    let out = out.context("waiting for the pymavlink peer")?;
    if !out.status.success() {
        bail!("pymavlink peer failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).context("the peer's JSON")?;
    let wall = report["wall_s"].as_f64().context("wall_s")?;
    let cpu = report["cpu_s"].as_f64().context("cpu_s")?;
    let frames = report["frames"].as_f64().context("frames")?;
    if report["vehicles"].as_u64() != Some(u64::from(n)) {
        bail!("the peer saw {} vehicles, not {n}", report["vehicles"]);
    }
    Ok((frames / wall, 100.0 * cpu / wall))
}

/// pymavlink's upload of the same items to the same kind of vehicle (the peer), clean.
fn pymavlink_uploads(items: &[mavlink::dialects::common::MISSION_ITEM_INT_DATA], attempts: usize) -> Result<Uploads> {
    let (python, root) = python()?;
    let json = std::env::temp_dir().join(format!("portops-fleet-bench-{}.json", std::process::id()));
    std::fs::write(&json, items_to_json(items).to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let (vehicle, thread) = start_vehicle(stop.clone())?;
    let out = Command::new(&python)
        .arg(root.join("ground-station/tests/peers/pymavlink_upload.py"))
        .args([
            vehicle.port().to_string(),
            json.display().to_string(),
            attempts.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output();
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    let _ = std::fs::remove_file(&json);
    let out = out.context("running the pymavlink peer")?;
    if !out.status.success() {
        bail!("pymavlink peer failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).context("the peer's JSON")?;
    let times = report["times_s"]
        .as_array()
        .context("times_s")?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    Ok(Uploads {
        times,
        failures: report["failures"].as_u64().unwrap_or(0) as usize,
        first_error: None,
    })
}
