//! Perception: one frame in, the MQTT messages out — tiled detection, tracking, geolocation and snapshots of new tracks.
//!
//! [`Perception`] is the pure core (no threads, no sockets, time passed in): the agent's
//! [`worker`] feeds it frames from the video pipeline and the vehicle state from the MAVLink
//! router, and hands what it returns to the MQTT publisher. Every detection of a frame is
//! reported, geolocated when the camera pose allows it and without a position otherwise.

mod snapshot;
pub mod worker;

use std::collections::HashMap;

use contracts::mqtt::{self, DroneId, SCHEMA, TrackState};
use mission::geodesy::{LatLon, LocalFrame};
use nalgebra::{UnitQuaternion, Vector2};
use serde::{Deserialize, Serialize};

use crate::detect::{DetectError, Detection, FrameDetector, ImageView};
use crate::geolocate::{CameraState, Geolocation, Geolocator, GimbalAngles, Intrinsics};
use crate::router::state::VehicleState;
use crate::track::{Track, Tracker, TrackerConfig};

pub use snapshot::{SnapshotError, encode_snapshot};

/// Weight of a new velocity measurement against the running estimate.
const VELOCITY_GAIN: f64 = 0.3;

/// How frames become messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerceptionConfig {
    /// Horizontal field of view of the camera, degrees (intrinsics come from it and the frame size).
    pub hfov_deg: f64,
    /// Altitude above mean sea level of the plane detections stand on (sea level by default).
    pub plane_alt_m: f64,
    /// Gimbal pitch/yaw used when the autopilot reports no MOUNT_STATUS (a fixed camera).
    pub default_gimbal_pitch_deg: f64,
    pub default_gimbal_yaw_deg: f64,
    /// Seconds between two updates of a track that merely moved (new and lost ones go at once).
    pub track_update_interval_s: f64,
    /// JPEG quality of the snapshots of new tracks (1..=100).
    pub snapshot_quality: u8,
    /// Context kept around a snapshot's box, as a fraction of its size on each side.
    pub snapshot_margin: f32,
    pub tracker: TrackerConfig,
}

impl Default for PerceptionConfig {
    fn default() -> Self {
        Self {
            hfov_deg: 80.0,
            plane_alt_m: 0.0,
            default_gimbal_pitch_deg: -90.0,
            default_gimbal_yaw_deg: 0.0,
            track_update_interval_s: 1.0,
            snapshot_quality: 85,
            snapshot_margin: 0.5,
            tracker: TrackerConfig::default(),
        }
    }
}

/// A JPEG of a new track with its description.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub jpeg: Vec<u8>,
    pub meta: mqtt::SnapshotMeta,
}

/// What one frame produced, ready to publish (msg_ids are stamped by the outbox).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FrameOutput {
    /// Every detection of the frame; None when it had none.
    pub detections: Option<mqtt::DetectionBatch>,
    /// Tracks born, lost, or due for an update.
    pub tracks: Option<mqtt::TrackUpdate>,
    /// One per track born in this frame.
    pub snapshots: Vec<Snapshot>,
    pub tiles_run: usize,
    pub tiles_skipped: usize,
    /// Detections reported without a position (no fix, or above the horizon).
    pub unlocated: usize,
}

/// What the core remembers of a confirmed track between frames.
#[derive(Debug, Clone)]
struct TrackMemory {
    first_seen_ms: u64,
    last_seen_ms: u64,
    last_published_ms: Option<u64>,
    class: String,
    score: f32,
    /// Last ground position, its error (m) and when it was measured.
    fix: Option<(LatLon, f64, u64)>,
    /// Smoothed ground velocity north/east, m/s.
    velocity_ne: Vector2<f64>,
    /// Largest ground extent of the latest measured box, metres.
    size_m: Option<f64>,
}

/// Frames in, messages out.
#[derive(Debug)]
pub struct Perception {
    drone_id: DroneId,
    config: PerceptionConfig,
    detector: FrameDetector,
    tracker: Tracker,
    tracks: HashMap<u64, TrackMemory>,
    /// When each live tracker id (tentative ones too) was first detected, Unix ms.
    births: HashMap<u64, u64>,
}

impl Perception {
    pub fn new(drone_id: DroneId, detector: FrameDetector, config: PerceptionConfig) -> Self {
        Self {
            drone_id,
            tracker: Tracker::new(config.tracker.clone()),
            config,
            detector,
            tracks: HashMap::new(),
            births: HashMap::new(),
        }
    }

    pub fn config(&self) -> &PerceptionConfig {
        &self.config
    }

    /// Runs one RGB frame taken at `time_ms` (Unix milliseconds) with the vehicle as `vehicle`
    /// knew it then.
    pub fn process(
        &mut self,
        frame: &ImageView<'_>,
        time_ms: u64,
        vehicle: Option<&VehicleState>,
    ) -> Result<FrameOutput, DetectError> {
        let found = self.detector.detect_frame(frame)?;
        let mut out = self.process_detections(frame, &found.detections, time_ms, vehicle);
        out.tiles_run = found.tiles_run;
        out.tiles_skipped = found.tiles_skipped;
        Ok(out)
    }

    /// Everything after detection, for detections found elsewhere (another detector, or a
    /// simulator's ground-truth boxes in a test that is about the rest of the chain).
    pub fn process_detections(
        &mut self,
        frame: &ImageView<'_>,
        detections: &[Detection],
        time_ms: u64,
        vehicle: Option<&VehicleState>,
    ) -> FrameOutput {
        let confirmed = self.tracker.update(detections);
        let live: Vec<u64> = self.tracker.tracks().iter().map(|t| t.id).collect();
        self.births.retain(|id, _| live.contains(id));
        for id in &live {
            self.births.entry(*id).or_insert(time_ms);
        }
        let geolocator = Geolocator::new(
            Intrinsics::from_hfov(frame.width as u32, frame.height as u32, self.config.hfov_deg),
            self.config.plane_alt_m,
        );
        let camera = vehicle.and_then(|v| self.camera_state(v));
        let locate = |bbox: &[f32; 4]| -> Option<Geolocation> {
            let cam = camera.as_ref()?;
            // The bottom centre of the box is where the object meets the ground or the water.
            let u = f64::from(bbox[0] + bbox[2]) / 2.0;
            let v = f64::from(bbox[3]);
            geolocator.locate(u, v, cam).ok()
        };

        let mut out = FrameOutput::default();
        let detections: Vec<mqtt::Detection> = detections
            .iter()
            .map(|d| {
                let fix = locate(&d.bbox);
                out.unlocated += usize::from(fix.is_none());
                mqtt::Detection {
                    class: d.class_name.clone(),
                    score: d.score,
                    bbox: bbox(&d.bbox),
                    lat: fix.map(|g| g.position.lat),
                    lon: fix.map(|g| g.position.lon),
                    error_m: fix.map(|g| g.error_m),
                    track_id: track_of(d, &confirmed),
                }
            })
            .collect();
        if !detections.is_empty() {
            out.detections = Some(mqtt::DetectionBatch {
                schema: SCHEMA,
                msg_id: 0,
                drone_id: self.drone_id.clone(),
                frame_time: time_ms,
                detections,
            });
        }

        let mut changed = Vec::new();
        for t in &confirmed {
            let measured = t.misses == 0;
            let fix = if measured { locate(&t.bbox) } else { None };
            let born = !self.tracks.contains_key(&t.id);
            let first_seen_ms = self.births.get(&t.id).copied().unwrap_or(time_ms);
            let memory = self.tracks.entry(t.id).or_insert_with(|| TrackMemory {
                first_seen_ms,
                last_seen_ms: time_ms,
                last_published_ms: None,
                class: t.class_name.clone(),
                score: t.score,
                fix: None,
                velocity_ne: Vector2::zeros(),
                size_m: None,
            });
            if measured {
                memory.last_seen_ms = time_ms;
                memory.score = t.score;
                if let Some(cam) = camera.as_ref() {
                    memory.size_m = ground_size(&geolocator, cam, &t.bbox).or(memory.size_m);
                }
            }
            if let Some(g) = fix {
                update_fix(memory, g, time_ms);
            }
            if born {
                match snapshot::snapshot(frame, t, &self.drone_id, time_ms, memory.fix, &self.config) {
                    Ok(s) => out.snapshots.push(s),
                    Err(e) => tracing::warn!("track {}: no snapshot: {e}", t.id),
                }
            }
            let due = memory
                .last_published_ms
                .is_none_or(|last| time_ms.saturating_sub(last) as f64 >= self.config.track_update_interval_s * 1000.0);
            // A track is published once it has a position: the station places tracks on the map.
            if memory.fix.is_some() && due {
                let state = if memory.last_published_ms.is_none() {
                    TrackState::New
                } else {
                    TrackState::Updated
                };
                memory.last_published_ms = Some(time_ms);
                changed.push(message_track(t.id, memory, state));
            }
        }
        let lost: Vec<u64> = self.tracks.keys().copied().filter(|id| !live.contains(id)).collect();
        for id in lost {
            if let Some(memory) = self.tracks.remove(&id)
                && memory.last_published_ms.is_some()
            {
                changed.push(message_track(id, &memory, TrackState::Lost));
            }
        }
        if !changed.is_empty() {
            changed.sort_by_key(|t| t.track_id);
            out.tracks = Some(mqtt::TrackUpdate {
                schema: SCHEMA,
                msg_id: 0,
                drone_id: self.drone_id.clone(),
                time: time_ms,
                tracks: changed,
            });
        }
        out
    }

    /// The camera pose from the vehicle's telemetry; None until position and attitude are known.
    fn camera_state(&self, v: &VehicleState) -> Option<CameraState> {
        let (pitch, yaw) = v
            .gimbal_pitch_yaw_deg
            .unwrap_or((self.config.default_gimbal_pitch_deg, self.config.default_gimbal_yaw_deg));
        Some(CameraState {
            position: v.position?,
            attitude: v.attitude.unwrap_or_else(UnitQuaternion::identity),
            gimbal: GimbalAngles {
                pitch_deg: pitch,
                yaw_deg: yaw,
                // ArduPilot's MOUNT_STATUS angles are earth-frame for a stabilised gimbal.
                stabilised: v.gimbal_pitch_yaw_deg.is_some(),
            },
        })
        .filter(|_| v.attitude.is_some())
    }
}

fn bbox(b: &[f32; 4]) -> mqtt::BBox {
    mqtt::BBox {
        x: b[0],
        y: b[1],
        w: b[2] - b[0],
        h: b[3] - b[1],
    }
}

/// The confirmed track a detection was associated with this frame (the tracker copies the box).
fn track_of(d: &Detection, confirmed: &[Track]) -> Option<u64> {
    confirmed
        .iter()
        .find(|t| t.misses == 0 && t.class_id == d.class_id && t.bbox == d.bbox)
        .map(|t| t.id)
}

/// Takes a new ground fix and folds the motion since the last one into the velocity.
fn update_fix(memory: &mut TrackMemory, g: Geolocation, time_ms: u64) {
    if let Some((previous, _, at_ms)) = memory.fix {
        let dt = time_ms.saturating_sub(at_ms) as f64 / 1000.0;
        if dt > 0.0 {
            let moved = LocalFrame::at(previous).to_local(g.position);
            // The local plane is East/North; the contract wants North/East.
            let measured = Vector2::new(moved.y, moved.x) / dt;
            // Light smoothing: a box's bottom edge jitters by a pixel or two between frames.
            memory.velocity_ne += VELOCITY_GAIN * (measured - memory.velocity_ne);
        }
    }
    memory.fix = Some((g.position, g.error_m, time_ms));
}

/// The box's largest extent on the ground: its bottom edge's width, or its height projected
/// from the bottom edge to the top (an upper bound for tall objects seen obliquely).
fn ground_size(geolocator: &Geolocator, cam: &CameraState, bbox: &[f32; 4]) -> Option<f64> {
    let at = |u: f32, v: f32| {
        geolocator
            .locate(f64::from(u), f64::from(v), cam)
            .ok()
            .map(|g| g.position)
    };
    let (x_mid, bottom, top) = ((bbox[0] + bbox[2]) / 2.0, bbox[3], bbox[1]);
    let width = mission::geodesy::distance_m(at(bbox[0], bottom)?, at(bbox[2], bottom)?);
    let length = mission::geodesy::distance_m(at(x_mid, bottom)?, at(x_mid, top)?);
    Some(width.max(length))
}

fn message_track(id: u64, m: &TrackMemory, state: TrackState) -> mqtt::Track {
    let (position, error_m, _) = m.fix.unwrap_or((LatLon::new(0.0, 0.0), f64::MAX, 0));
    mqtt::Track {
        track_id: id,
        class: m.class.clone(),
        score: m.score,
        state,
        lat: position.lat,
        lon: position.lon,
        error_m,
        vel_n_mps: m.velocity_ne.x,
        vel_e_mps: m.velocity_ne.y,
        first_seen: m.first_seen_ms,
        last_seen: m.last_seen_ms,
        size_m: m.size_m,
    }
}

#[cfg(test)]
mod tests;
