//! Simulator speed: simulated seconds per wall second for 1 and 50 vehicles flying, with the
//! default telemetry streams sent over UDP to a ground-station socket, camera off and on.
//!
//! Run with `scripts/bench` (or `cargo bench -p sim --bench realtime`). ArduPilot SITL, the peer
//! a drone engineer would compare with, cannot be built here (no toolchain download), so the
//! figures are absolute; FACTS.md records it at "tens of times real time" on this machine.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use mission::geodesy::{Geodetic, destination};
use mission::scenario::PortScenario;
use sim::autopilot::{CopterMode, Vehicle, VehicleConfig};
use sim::camera::{CameraModel, Gimbal};
use sim::link::VehicleLink;
use sim::rig::{DroneCamera, Rig};
use sim::runner::{Endpoint, Fleet, Pacer};
use sim::world::World;

const PORT: &str = include_str!("../../data/scenarios/example-port.geojson");

const HOME: Geodetic = Geodetic::new(44.3975, 8.9005, 4.0);

/// A ground-station socket that counts what it receives, in a thread of its own.
struct Sink {
    addr: SocketAddr,
    packets: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Sink {
    fn start() -> Sink {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind sink");
        socket
            .set_read_timeout(Some(std::time::Duration::from_millis(50)))
            .expect("timeout");
        let addr = socket.local_addr().expect("addr");
        let (packets, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let (p, s) = (packets.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !s.load(Ordering::Relaxed) {
                if socket.recv(&mut buf).is_ok() {
                    p.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        Sink { addr, packets, stop }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// `n` vehicles airborne in GUIDED, each flying to a point 2 km away, telemetry to `sink`.
fn fleet(n: usize, sink: SocketAddr) -> Fleet {
    let mut links = Vec::new();
    let mut endpoints = Vec::new();
    for i in 0..n {
        let start = destination(HOME.horizontal(), 90.0, 5.0 * i as f64);
        let mut v = Vehicle::new(VehicleConfig::new((i + 1) as u8, start.with_alt(HOME.alt), 11));
        for _ in 0..800 {
            v.step(sim::runner::STEP_S);
        }
        v.set_mode(CopterMode::Guided).expect("guided");
        v.arm(false).expect("arms");
        v.takeoff(40.0).expect("takes off");
        for _ in 0..(15.0 / sim::runner::STEP_S) as usize {
            v.step(sim::runner::STEP_S);
        }
        v.guided_goto(destination(start, 30.0 + 5.0 * i as f64, 2000.0), 40.0)
            .expect("goes");
        links.push(VehicleLink::new(v, None, 11));
        let ep = Endpoint::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0), vec![sink]).expect("bind");
        endpoints.push(ep);
    }
    Fleet::new(links, endpoints, vec![])
}

/// The port world with a 1280×720 camera at 5 frames per simulated second on every drone,
/// each watched by a TCP client that drains it (frames are only rendered when watched).
fn add_cameras(f: &mut Fleet, stop: &Arc<AtomicBool>) -> Arc<AtomicU64> {
    let scenario = PortScenario::parse(PORT).expect("example port parses");
    let mut rig = Rig::new(World::from_scenario(&scenario, 11));
    let model = CameraModel::new(1280, 720, 80.0);
    let bytes = Arc::new(AtomicU64::new(0));
    let mut cameras = Vec::new();
    for _ in 0..f.links.len() {
        let cam = DroneCamera::new(
            rig.world(),
            model,
            (Ipv4Addr::LOCALHOST, 0).into(),
            Gimbal::default(),
            5.0,
        )
        .expect("camera");
        let addr = cam.local_addr().expect("camera addr");
        let (stop, bytes) = (stop.clone(), bytes.clone());
        std::thread::spawn(move || {
            let Ok(mut s) = std::net::TcpStream::connect(addr) else {
                return;
            };
            let _ = s.set_read_timeout(Some(std::time::Duration::from_millis(50)));
            let mut buf = vec![0u8; 1 << 20];
            while !stop.load(Ordering::Relaxed) {
                if let Ok(n) = std::io::Read::read(&mut s, &mut buf) {
                    bytes.fetch_add(n as u64, Ordering::Relaxed);
                }
            }
        });
        cameras.push(Some(cam));
    }
    rig.set_cameras(cameras);
    f.rig = Some(rig);
    bytes
}

fn measure(label: &str, n: usize, simulated_s: f64, camera: bool) {
    let sink = Sink::start();
    let mut f = fleet(n, sink.addr);
    let stop = Arc::new(AtomicBool::new(false));
    let frame_bytes = camera.then(|| add_cameras(&mut f, &stop));
    let t = Instant::now();
    let summary = f.run(&Pacer::new(None), Some(f.time() + simulated_s), |_| false);
    let wall = t.elapsed().as_secs_f64();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let packets = sink.packets.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    println!(
        "{label}: {:.0} simulated s in {wall:.2} s wall = {:.1}× real time; {} telemetry packets ({:.0}/simulated s per vehicle)",
        summary.simulated_s,
        summary.simulated_s / wall,
        packets,
        packets as f64 / summary.simulated_s / n as f64
    );
    if let Some(bytes) = frame_bytes {
        let frames = f.rig.as_ref().map_or(0, |r| {
            r.cameras().iter().flatten().map(|c| c.frames_rendered()).sum::<u64>()
        });
        println!(
            "  camera: {frames} frames rendered ({:.1} ms each of wall time), {:.0} MB streamed",
            wall * 1000.0 / frames.max(1) as f64,
            bytes.load(Ordering::Relaxed) as f64 / 1e6
        );
    }
}

fn main() {
    println!("Simulator speed, as fast as possible, 400 Hz physics, default telemetry streams over UDP");
    measure("1 vehicle, camera off", 1, 120.0, false);
    measure("50 vehicles, camera off", 50, 20.0, false);
    measure("1 vehicle, camera on (1280×720, 5 fps)", 1, 20.0, true);
    measure("50 vehicles, camera on (1280×720, 5 fps)", 50, 1.0, true);
}
