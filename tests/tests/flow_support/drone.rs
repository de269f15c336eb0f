//! The simulated drone and its companion computer in one thread: an ArduPilot Copter SITL over
//! MAVLink/UDP to the station, the port world, the camera rendered from the drone's true pose,
//! and the agent's perception (tracking, geolocation, snapshots) fed by [`GroundTruthDetector`].
//!
//! Everything runs in lockstep on simulated time, so a flight sped up many times still gives the
//! agent frames at the right simulated instants, stamped `epoch_ms + simulated seconds`: the
//! station's dwell times (measured on the tracks' timestamps) come out right.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use contracts::mqtt::DroneId;
use drone_agent::detect::{Detection, Detector, FrameDetector, ImageView, TilingConfig, class_id};
use drone_agent::perception::{FrameOutput, Perception, PerceptionConfig};
use drone_agent::router::state::VehicleState;
use mission::geodesy::{Geodetic, LatLon, bearing_deg, destination, distance_m};
use mission::scenario::PortScenario;
use sim::autopilot::{CopterMode, Task, Vehicle, VehicleConfig};
use sim::camera::{CameraModel, CameraPose, Frame, Gimbal, Renderer};
use sim::link::VehicleLink;
use sim::rig::Rig;
use sim::runner::{Endpoint, Fleet};
use sim::world::World;
use tokio::sync::mpsc;

/// The agent's camera: small frames keep the software renderer (≈ 65 ms a frame in a debug
/// build) from dominating the test; the boat alongside still spans a dozen pixels or more.
const CAMERA: (u32, u32, f64) = (480, 270, 80.0);
/// Frames the agent takes per simulated second.
const AGENT_FPS: f64 = 2.0;
/// Frames are rendered only while the boat alongside may be in view: within this distance of
/// the drone with the camera straight down (the footprint's half-diagonal at 115 m is ≈ 110 m),
/// or of the orbit's centre while the camera looks at it. Elsewhere the agent gets empty frames.
const RENDER_RANGE_M: f64 = 140.0;
const ORBIT_RENDER_RANGE_M: f64 = 300.0;
/// Simulated seconds per wall second while the ground station is in the loop (launch, the
/// hand-over at the end of the survey, the orbit): its commands time out in wall time.
const SLOW_SPEEDUP: f64 = 20.0;
/// The vehicle's seed (GPS noise, wind).
const SEED: u64 = 7;
/// The world's seed (who is where, how the tanker swings about her anchor). In this world the
/// tanker rides within ~3° of her charted heading from about 1065 to 1290 s of simulated time,
/// when the drone, done with the survey, watches her: the station's alongside rule measures a
/// boat against the vessel's charted hull (it has no live heading), so a tanker swung further
/// puts the boat beside her metres off that hull.
const WORLD_SEED: u64 = 36;

/// THE ONE TEST DOUBLE: stands in for the neural detector (YOLOX), which seldom recognises the
/// simulator's flat-shaded renders because no real photograph of the simulated world exists. It
/// reports the renderer's ground-truth boxes of each frame as detections, under the COCO class a
/// detector trained on COCO would use (vessels and small craft are both "boat"; containers have
/// no COCO class). Everything after it is the agent's and the station's real code.
pub struct GroundTruthDetector {
    /// Boxes smaller than this on either side are left out, as a detector would miss them.
    pub min_side_px: f64,
    /// Objects hidden more than this by nearer ones are left out.
    pub max_occluded: f64,
}

impl GroundTruthDetector {
    /// The detections of a frame, each with the world object it is (for the test's checks).
    pub fn detect(&self, frame: &Frame) -> Vec<(u32, Detection)> {
        frame
            .boxes
            .iter()
            .filter(|b| b.occluded_fraction <= self.max_occluded)
            .filter(|b| b.bbox[2] - b.bbox[0] >= self.min_side_px && b.bbox[3] - b.bbox[1] >= self.min_side_px)
            .filter_map(|b| {
                let name = b.class.coco_name()?;
                let detection = Detection {
                    bbox: b.bbox.map(|v| v as f32),
                    class_id: class_id(name)?,
                    class_name: name.to_string(),
                    // Less sure of what is partly hidden, as a detector is.
                    score: (0.9 * (1.0 - b.occluded_fraction)) as f32,
                };
                Some((b.id, detection))
            })
            .collect()
    }
}

/// What the agent made of the boat alongside and its vessel, known by the ground truth of the
/// boxes it was given: the officer's eyes on the snapshots, for the test.
#[derive(Debug, Clone, Default)]
pub struct Sightings {
    /// The agent's tracks that followed the boat alongside, and the anchored vessel.
    pub boat_tracks: BTreeSet<u64>,
    pub vessel_tracks: BTreeSet<u64>,
    /// The boat's latest geolocated detection (Unix ms, position): where the map shows it.
    pub boat_fix: Option<(u64, LatLon)>,
}

/// Where the boat alongside really was at one agent frame.
#[derive(Debug, Clone, Copy)]
pub struct TruthSample {
    /// The frame's timestamp (epoch + simulated time), Unix ms.
    pub time_ms: u64,
    pub boat: LatLon,
    /// How far the vessel has swung from her charted heading, degrees.
    pub vessel_swing_deg: f64,
}

/// The drone as the test may look at it while it flies (simulator truth).
#[derive(Debug, Clone, Default)]
pub struct DroneView {
    pub sim_s: f64,
    pub armed: bool,
    pub mode: Option<CopterMode>,
    pub position: Option<Geodetic>,
    pub images_taken: u16,
    /// Simulated time of the first arming.
    pub armed_at_s: Option<f64>,
}

/// What the drone and its agent did, when the thread ends.
#[derive(Debug, Default)]
pub struct DroneLog {
    pub sim_s: f64,
    pub wall_s: f64,
    pub frames: u64,
    pub frames_rendered: u64,
    pub render_s: f64,
    /// Ground-truth boxes of the boat alongside handed to the agent.
    pub boat_boxes: u64,
    pub truth: Vec<TruthSample>,
    pub home: Option<Geodetic>,
}

pub struct DroneSetup {
    pub scenario: PortScenario,
    /// The station's MAVLink socket: the vehicle's telemetry goes there (it answers any peer).
    pub station_mavlink: SocketAddr,
    /// Unix ms of simulated time 0.
    pub epoch_ms: u64,
    pub model: PathBuf,
    /// None: as fast as possible while the station only watches (AUTO survey, return, landing).
    pub fast_speedup: Option<f64>,
}

/// The drone running in its own thread; stopped when dropped.
pub struct SimulatedDrone {
    pub vessel_name: String,
    pub view: Arc<Mutex<DroneView>>,
    pub sightings: Arc<Mutex<Sightings>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<DroneLog>>,
}

impl SimulatedDrone {
    /// Builds vehicle, world and agent, then flies; the agent's messages go to `out`.
    pub fn start(setup: DroneSetup, out: mpsc::Sender<FrameOutput>) -> SimulatedDrone {
        let home = setup.scenario.launch().expect("the scenario has a launch pad");
        let world = World::from_scenario(&setup.scenario, WORLD_SEED);
        let (boat, vessel) = world.alongside().expect("the world has a boat coming alongside");
        let vessel_name = world.object(vessel).expect("the anchored vessel").name.clone();
        let charted_heading_deg = setup
            .scenario
            .vessels()
            .find(|(site, _)| site.name == vessel_name)
            .map(|(_, v)| v.heading_deg)
            .expect("the vessel is charted");
        let vehicle = Vehicle::new(VehicleConfig::new(1, home, SEED));
        let endpoint = Endpoint::bind(
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            vec![setup.station_mavlink],
        )
        .expect("a UDP port for the vehicle");
        let mut fleet = Fleet::new(vec![VehicleLink::new(vehicle, None, SEED)], vec![endpoint], vec![]);
        let (w, h, hfov) = CAMERA;
        let renderer = Renderer::new(&world, CameraModel::new(w, h, hfov)).expect("camera model");
        fleet.rig = Some(Rig::new(world));
        let detector = Detector::load(&setup.model).expect("the vendored YOLOX model loads");
        let perception = Perception::new(
            DroneId::new("drone1").expect("drone id"),
            FrameDetector::new(detector, TilingConfig::default()),
            PerceptionConfig {
                hfov_deg: hfov,
                ..PerceptionConfig::default()
            },
        );
        let stop = Arc::new(AtomicBool::new(false));
        let view = Arc::new(Mutex::new(DroneView::default()));
        let sightings = Arc::new(Mutex::new(Sightings::default()));
        let agent = Agent {
            perception,
            renderer,
            detector: GroundTruthDetector {
                min_side_px: 3.0,
                max_occluded: 0.5,
            },
            blank: vec![0; (w * h * 3) as usize],
            out,
            epoch_ms: setup.epoch_ms,
            boat,
            vessel,
            charted_heading_deg,
            sightings: sightings.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("sim-drone".into())
            .spawn({
                let (stop, view) = (stop.clone(), view.clone());
                move || fly(fleet, agent, setup.fast_speedup, &stop, &view)
            })
            .expect("simulator thread");
        SimulatedDrone {
            vessel_name,
            view,
            sightings,
            stop,
            thread: Some(thread),
        }
    }

    pub fn view(&self) -> DroneView {
        self.view.lock().map(|v| v.clone()).unwrap_or_default()
    }

    pub fn sightings(&self) -> Sightings {
        self.sightings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Stops the simulation and returns what happened.
    pub fn stop(mut self) -> DroneLog {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().and_then(|t| t.join().ok()).unwrap_or_default()
    }
}

impl Drop for SimulatedDrone {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The companion computer's side: camera frames in, MQTT-ready messages out.
struct Agent {
    perception: Perception,
    renderer: Renderer,
    detector: GroundTruthDetector,
    /// An empty frame for the instants nothing is rendered.
    blank: Vec<u8>,
    out: mpsc::Sender<FrameOutput>,
    epoch_ms: u64,
    boat: u32,
    vessel: u32,
    charted_heading_deg: f64,
    sightings: Arc<Mutex<Sightings>>,
}

/// Simulated time paced against the wall clock at a speed-up that may change.
struct Pace {
    speedup: Option<f64>,
    wall: Instant,
    sim: f64,
}

impl Pace {
    fn set(&mut self, speedup: Option<f64>, sim: f64) {
        if speedup != self.speedup {
            *self = Pace {
                speedup,
                wall: Instant::now(),
                sim,
            };
        }
    }

    fn wait(&self, sim: f64) {
        let Some(speedup) = self.speedup else { return };
        let due = Duration::from_secs_f64((sim - self.sim).max(0.0) / speedup);
        let elapsed = self.wall.elapsed();
        if due > elapsed + Duration::from_millis(1) {
            std::thread::sleep(due - elapsed);
        }
    }
}

/// Fast while the station merely watches; paced while it talks to the vehicle (or waits for
/// the officer): launching, at the mission's last item (the hand-over), orbiting, on the ground.
fn speedup_for(v: &Vehicle, fast: Option<f64>) -> Option<f64> {
    let last = v.mission_items().len().saturating_sub(1) as u16;
    let surveying = v.mode() == CopterMode::Auto && v.mission_seq() < last;
    let returning = matches!(v.mode(), CopterMode::Rtl | CopterMode::Land);
    if v.armed() && (surveying || returning) {
        fast
    } else {
        Some(SLOW_SPEEDUP)
    }
}

fn fly(mut fleet: Fleet, mut agent: Agent, fast: Option<f64>, stop: &AtomicBool, view: &Mutex<DroneView>) -> DroneLog {
    let start = Instant::now();
    let mut log = DroneLog {
        home: Some(fleet.links[0].vehicle().home()),
        ..DroneLog::default()
    };
    let mut pace = Pace {
        speedup: Some(SLOW_SPEEDUP),
        wall: Instant::now(),
        sim: 0.0,
    };
    let (mut next_frame, mut next_check) = (0.0, 0.0);
    while !stop.load(Ordering::Relaxed) {
        fleet.step();
        let now = fleet.time();
        if now >= next_frame {
            next_frame = now + 1.0 / AGENT_FPS;
            if !agent.frame(&fleet, now, &mut log) {
                break;
            }
        }
        if now >= next_check {
            next_check = now + 0.05;
            let v = fleet.links[0].vehicle();
            pace.set(speedup_for(v, fast), now);
            if let Ok(mut shared) = view.lock() {
                let armed_at_s = shared.armed_at_s.or(v.armed().then_some(now));
                *shared = DroneView {
                    sim_s: now,
                    armed: v.armed(),
                    mode: Some(v.mode()),
                    position: Some(v.true_position()),
                    images_taken: v.images_taken(),
                    armed_at_s,
                };
            }
        }
        pace.wait(now);
    }
    log.sim_s = fleet.time();
    log.wall_s = start.elapsed().as_secs_f64();
    log
}

impl Agent {
    /// One camera frame at simulated time `now`; false once nobody takes the messages.
    fn frame(&mut self, fleet: &Fleet, now: f64, log: &mut DroneLog) -> bool {
        let (Some(rig), Some(link)) = (fleet.rig.as_ref(), fleet.links.first()) else {
            return false;
        };
        let world = rig.world();
        let (Some(boat), Some(vessel)) = (world.object(self.boat), world.object(self.vessel)) else {
            return false;
        };
        let time_ms = self.epoch_ms + (now * 1000.0).round() as u64;
        log.truth.push(TruthSample {
            time_ms,
            boat: boat.position,
            vessel_swing_deg: (vessel.heading_deg - self.charted_heading_deg + 540.0).rem_euclid(360.0) - 180.0,
        });
        let v = link.vehicle();
        let position = v.true_position();
        let gimbal = gimbal_for(v);
        let state = VehicleState {
            position: Some(position),
            relative_alt_m: Some(position.alt - v.home().alt),
            attitude: Some(v.body().attitude),
            // What MOUNT_STATUS would report for this stabilised gimbal.
            gimbal_pitch_yaw_deg: Some((gimbal.pitch_deg, gimbal.yaw_deg)),
            armed: v.armed(),
            last_heard_s: Some(now),
            ..VehicleState::default()
        };
        let visible = match orbit_centre(v) {
            Some(centre) => distance_m(centre, boat.position) <= ORBIT_RENDER_RANGE_M,
            None => distance_m(position.horizontal(), boat.position) <= RENDER_RANGE_M,
        };
        let (w, h) = (CAMERA.0 as usize, CAMERA.1 as usize);
        let output = if v.armed() && visible {
            let started = Instant::now();
            let pose = CameraPose {
                position,
                attitude: v.body().attitude,
                gimbal,
            };
            let frame = self.renderer.render(world, &pose);
            log.render_s += started.elapsed().as_secs_f64();
            log.frames_rendered += 1;
            log.boat_boxes += frame.boxes.iter().filter(|b| b.id == self.boat).count() as u64;
            let (objects, detections): (Vec<u32>, Vec<Detection>) = self.detector.detect(&frame).into_iter().unzip();
            let image = ImageView::new(&frame.rgb, w, h).expect("the renderer's frame size");
            let output = self
                .perception
                .process_detections(&image, &detections, time_ms, Some(&state));
            self.note(&objects, &output);
            output
        } else {
            let image = ImageView::new(&self.blank, w, h).expect("the blank frame's size");
            self.perception.process_detections(&image, &[], time_ms, Some(&state))
        };
        log.frames += 1;
        let anything = output.detections.is_some() || output.tracks.is_some() || !output.snapshots.is_empty();
        !anything || self.out.blocking_send(output).is_ok()
    }

    /// Which of the agent's detections were the boat and the vessel (the output keeps the
    /// order of the detections it was given).
    fn note(&self, objects: &[u32], output: &FrameOutput) {
        let (Some(batch), Ok(mut seen)) = (&output.detections, self.sightings.lock()) else {
            return;
        };
        for (object, d) in objects.iter().zip(&batch.detections) {
            if *object == self.boat {
                seen.boat_tracks.extend(d.track_id);
                if let (Some(lat), Some(lon)) = (d.lat, d.lon) {
                    seen.boat_fix = Some((batch.frame_time, LatLon::new(lat, lon)));
                }
            } else if *object == self.vessel {
                seen.vessel_tracks.extend(d.track_id);
            }
        }
    }
}

/// The centre of the orbit the vehicle flies, if it orbits.
fn orbit_centre(v: &Vehicle) -> Option<LatLon> {
    let Task::Orbit { center_ne, .. } = v.task() else {
        return None;
    };
    let (north, east) = (center_ne[0], center_ne[1]);
    Some(destination(
        v.home().horizontal(),
        east.atan2(north).to_degrees(),
        north.hypot(east),
    ))
}

/// Straight down, except while orbiting: then the gimbal looks at the orbit's centre, as a
/// region of interest set on the centre makes it do.
fn gimbal_for(v: &Vehicle) -> Gimbal {
    let Some(centre) = orbit_centre(v) else {
        return Gimbal::default();
    };
    let here = v.true_position();
    let ground_m = distance_m(here.horizontal(), centre);
    // The world's plane is sea level: the camera's height above it is its altitude AMSL.
    let pitch_deg = -here.alt.max(1.0).atan2(ground_m).to_degrees();
    let heading_deg = v.body().attitude.euler_angles().2.to_degrees();
    let yaw_deg = (bearing_deg(here.horizontal(), centre) - heading_deg + 540.0).rem_euclid(360.0) - 180.0;
    Gimbal {
        pitch_deg,
        yaw_deg,
        stabilised: true,
    }
}
