//! Frame-to-MQTT latency at 5 fps: camera frame → tiled detection → tracking → geolocation → outbox → Mosquitto → a subscriber.
//!
//! The camera is emulated in-process: a thread makes a 1920×1080 frame every 200 ms (a port
//! scene rendered by the simulator with a real photograph of a person walking across it) and
//! keeps only the newest, like the pipeline's leaky queue. The perception thread takes the
//! newest frame when it is free, exactly as `drone-agent run` does, and publishes through the
//! real [`Publisher`] (fsynced outbox) to a real Mosquitto; a subscriber stamps arrival.
//! Latency = arrival − frame capture. Two cases: hovering (unchanged tiles are skipped) and
//! every tile run (a camera that moves).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use contracts::mqtt::{DetectionBatch, DroneId, Topic};
use drone_agent::detect::{Detector, FrameDetector, ImageView, TilingConfig};
use drone_agent::perception::{Perception, PerceptionConfig};
use drone_agent::publish::{Publisher, PublisherConfig};
use drone_agent::router::state::VehicleState;
use mission::geodesy::Geodetic;
use mission::scenario::PortScenario;
use nalgebra::UnitQuaternion;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use sim::camera::{CameraModel, CameraPose, Renderer};
use sim::world::World;

const W: usize = 1920;
const H: usize = 1080;
const FPS: u64 = 5;
const FRAMES: u64 = 60;
const PERSON: u32 = 200;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

struct Broker(Child, PathBuf);

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn mosquitto() -> Option<(Broker, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let dir = std::env::temp_dir().join(format!("agent-latency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
    )
    .ok()?;
    let child = Command::new("mosquitto")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let broker = Broker(child, dir);
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((broker, port))
}

/// A frame, its capture time (µs) and its index.
type Captured = (Arc<Vec<u8>>, u64, u64);

/// The newest frame; a slot of one, like a leaky queue.
#[derive(Default)]
struct Slot {
    frame: Mutex<Option<Captured>>,
    ready: Condvar,
}

fn scene() -> (Vec<u8>, Vec<u8>) {
    let scenario = PortScenario::parse(include_str!("../../data/scenarios/example-port.geojson")).expect("scenario");
    let mut world = World::from_scenario(&scenario, 7);
    world.step(30.0);
    let renderer = Renderer::new(&world, CameraModel::new(W as u32, H as u32, 80.0)).expect("renderer");
    let pose = CameraPose::level(Geodetic::new(44.3965, 8.9060, 60.0), 0.0, -60.0);
    let background = renderer.render(&world, &pose).rgb;
    let (rgb, w, h) =
        drone_agent::eval::load_rgb(&crate_dir().join("tests/data/astronaut.png")).expect("test photograph");
    let photo = image::RgbImage::from_raw(w as u32, h as u32, rgb).expect("photo");
    let person = image::imageops::resize(&photo, PERSON, PERSON, image::imageops::FilterType::Triangle).into_raw();
    (background, person)
}

fn compose(background: &[u8], person: &[u8], i: u64) -> Vec<u8> {
    let mut frame = background.to_vec();
    let side = PERSON as usize;
    // Walking: 6 px a frame across the lower half.
    let (x0, y0) = (200 + (i as usize * 6) % (W - side - 400), 600);
    for y in 0..side {
        let dst = ((y0 + y) * W + x0) * 3;
        frame[dst..dst + side * 3].copy_from_slice(&person[y * side * 3..(y + 1) * side * 3]);
    }
    frame
}

struct Figures {
    latencies_ms: Vec<f64>,
    processed: usize,
    produced: u64,
    detections: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn run_case(port: u16, skip: bool, background: &[u8], person: &[u8]) -> Figures {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let drone = DroneId::new("drone1").expect("id");
    let outbox = std::env::temp_dir().join(format!("agent-latency-outbox-{}-{skip}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outbox);

    // Subscriber first, so nothing published is missed.
    let (arrivals_tx, arrivals) = std::sync::mpsc::channel::<(u64, u64, usize)>();
    let topic = Topic::detections(&drone).to_string();
    runtime.block_on(async {
        let (client, mut events) = AsyncClient::new(MqttOptions::new("bench-sub", "127.0.0.1", port), 64);
        client.subscribe(topic, QoS::AtLeastOnce).await.expect("subscribe");
        let (subacked_tx, subacked) = tokio::sync::oneshot::channel();
        let mut subacked_tx = Some(subacked_tx);
        tokio::spawn(async move {
            let _keep = client;
            while let Ok(event) = events.poll().await {
                match event {
                    Event::Incoming(Packet::SubAck(_)) => {
                        if let Some(tx) = subacked_tx.take() {
                            let _ = tx.send(());
                        }
                    }
                    Event::Incoming(Packet::Publish(p)) => {
                        let arrived = now_us();
                        match serde_json::from_slice::<DetectionBatch>(&p.payload) {
                            Ok(b) => {
                                let _ = arrivals_tx.send((b.frame_time, arrived, b.detections.len()));
                            }
                            Err(e) => eprintln!("undecodable batch on {}: {e}", p.topic),
                        }
                    }
                    _ => {}
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(5), subacked).await.ok();
    });
    let publisher = runtime.block_on(async {
        let mut config = PublisherConfig::new("127.0.0.1", port, drone.clone(), "unused", outbox.clone());
        config.reconnect_delay = Duration::from_millis(100);
        Publisher::start(config).expect("publisher")
    });

    let detector = Detector::load(crate_dir().join("models/yolox_nano.onnx")).expect("model");
    let tiling = TilingConfig {
        skip_unchanged: if skip {
            TilingConfig::default().skip_unchanged
        } else {
            None
        },
        ..TilingConfig::default()
    };
    let mut perception = Perception::new(drone, FrameDetector::new(detector, tiling), PerceptionConfig::default());
    let vehicle = VehicleState {
        position: Some(Geodetic::new(44.3965, 8.9060, 60.0)),
        attitude: Some(UnitQuaternion::identity()),
        gimbal_pitch_yaw_deg: Some((-60.0, 0.0)),
        ..VehicleState::default()
    };

    let slot = Arc::new(Slot::default());
    let camera = std::thread::spawn({
        let (slot, background, person) = (slot.clone(), background.to_vec(), person.to_vec());
        move || {
            let start = Instant::now();
            for i in 0..FRAMES {
                let at = start + Duration::from_millis(i * 1000 / FPS);
                std::thread::sleep(at.saturating_duration_since(Instant::now()));
                let frame = Arc::new(compose(&background, &person, i));
                let captured = now_us();
                if let Ok(mut s) = slot.frame.lock() {
                    *s = Some((frame, captured, i));
                }
                slot.ready.notify_one();
            }
        }
    });

    let mut captured_at: HashMap<u64, u64> = HashMap::new();
    let mut processed = 0;
    loop {
        let next = {
            let mut guard = slot.frame.lock().expect("slot");
            let deadline = Instant::now() + Duration::from_secs(2);
            while guard.is_none() && Instant::now() < deadline {
                guard = slot
                    .ready
                    .wait_timeout(guard, Duration::from_millis(50))
                    .expect("slot")
                    .0;
            }
            guard.take()
        };
        let Some((frame, captured_us, index)) = next else { break };
        let time_ms = captured_us / 1000;
        captured_at.insert(time_ms, captured_us);
        let view = ImageView::new(&frame, W, H).expect("frame");
        let out = perception.process(&view, time_ms, Some(&vehicle)).expect("perception");
        processed += 1;
        if std::env::var_os("BENCH_DEBUG").is_some() {
            eprintln!(
                "frame {index}: {:?} dets, {} run {} skipped",
                out.detections.as_ref().map(|b| b.detections.len()),
                out.tiles_run,
                out.tiles_skipped
            );
        }
        runtime.block_on(async {
            for s in out.snapshots {
                publisher
                    .publish_snapshot(s.jpeg, s.meta)
                    .await
                    .expect("snapshot queued");
            }
            if let Some(batch) = out.detections {
                publisher.publish(batch).await.expect("detections queued");
            }
            if let Some(tracks) = out.tracks {
                publisher.publish(tracks).await.expect("tracks queued");
            }
        });
        if index + 1 == FRAMES {
            break;
        }
    }
    let _ = camera.join();
    runtime.block_on(async {
        let flushed = publisher.flushed(Duration::from_secs(10)).await;
        if std::env::var_os("BENCH_DEBUG").is_some() {
            eprintln!("flushed {flushed}: {:?}", publisher.stats());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        publisher.shutdown().await;
    });
    let _ = std::fs::remove_dir_all(&outbox);
    let mut latencies_ms = Vec::new();
    let mut detections = 0;
    for (frame_time, arrived, n) in arrivals.try_iter() {
        if let Some(captured) = captured_at.get(&frame_time) {
            latencies_ms.push(arrived.saturating_sub(*captured) as f64 / 1000.0);
            detections += n;
        }
    }
    latencies_ms.sort_by(f64::total_cmp);
    Figures {
        latencies_ms,
        processed,
        produced: FRAMES,
        detections,
    }
}

fn main() {
    let Some((_broker, port)) = mosquitto() else {
        println!("frame-to-MQTT latency: not measured (mosquitto is not installed or did not start)");
        return;
    };
    let (background, person) = scene();
    println!(
        "frame-to-MQTT latency, {W}×{H} at {FPS} fps for {} s, tract on 2 threads, fsynced outbox, Mosquitto on loopback:",
        FRAMES / FPS
    );
    for (name, skip) in [
        ("hovering (unchanged tiles skipped)", true),
        ("every tile run (moving camera)", false),
    ] {
        let f = run_case(port, skip, &background, &person);
        println!(
            "  {name}: p50 {:.0} ms, p99 {:.0} ms over {} batches; {} of {} frames processed ({:.1} fps), {} detections",
            percentile(&f.latencies_ms, 0.5),
            percentile(&f.latencies_ms, 0.99),
            f.latencies_ms.len(),
            f.processed,
            f.produced,
            f.processed as f64 * FPS as f64 / f.produced as f64,
            f.detections
        );
    }
}
