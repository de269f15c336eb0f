//! The port world around a fleet: moving boats, people and vehicles, each drone's camera
//! streaming frames, and a ground-truth file of where everything really was.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::camera::{CameraError, CameraModel, CameraPose, FrameServer, Gimbal, Renderer};
use crate::link::VehicleLink;
use crate::world::World;

/// The world moves at 10 Hz: people and boats need no more, and it keeps the fleet fast.
const WORLD_STEP_S: f64 = 0.1;

/// One drone's camera: rendered at `fps` of simulated time, served to GStreamer over TCP.
pub struct DroneCamera {
    renderer: Renderer,
    server: FrameServer,
    gimbal: Gimbal,
    period_s: f64,
    next_s: f64,
    frames_dir: Option<PathBuf>,
    frames: u64,
}

impl DroneCamera {
    pub fn new(
        world: &World,
        model: CameraModel,
        addr: SocketAddr,
        gimbal: Gimbal,
        fps: f64,
    ) -> Result<Self, RigError> {
        let renderer = Renderer::new(world, model)?;
        let server = FrameServer::bind(addr).map_err(|e| RigError::Bind(addr, e))?;
        Ok(Self {
            renderer,
            server,
            gimbal,
            period_s: 1.0 / fps.max(0.01),
            next_s: 0.0,
            frames_dir: None,
            frames: 0,
        })
    }

    /// Also write each frame as PNG plus its ground-truth boxes (JSON) into `dir`.
    pub fn save_frames(&mut self, dir: PathBuf) {
        self.frames_dir = Some(dir);
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.server.local_addr()
    }

    pub fn frames_rendered(&self) -> u64 {
        self.frames
    }

    fn step(&mut self, now: f64, world: &World, link: &VehicleLink) -> Result<(), RigError> {
        if now < self.next_s {
            return Ok(());
        }
        self.next_s = now + self.period_s;
        self.server.poll();
        // Nobody watching and nothing to save: skip the render.
        if self.server.client_count() == 0 && self.frames_dir.is_none() {
            return Ok(());
        }
        let v = link.vehicle();
        let pose = CameraPose {
            position: v.true_position(),
            attitude: v.body().attitude,
            gimbal: self.gimbal,
        };
        let frame = self.renderer.render(world, &pose);
        self.frames += 1;
        self.server.send(&frame);
        if let Some(dir) = &self.frames_dir {
            let stem = dir.join(format!("vehicle{}-{:06}", v.sysid(), self.frames));
            let png = File::create(stem.with_extension("png")).map_err(RigError::Write)?;
            frame.write_png(BufWriter::new(png))?;
            std::fs::write(stem.with_extension("json"), frame.boxes_json()).map_err(RigError::Write)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RigError {
    #[error(transparent)]
    Camera(#[from] CameraError),
    #[error("camera stream cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("writing ground truth or frames: {0}")]
    Write(std::io::Error),
}

/// The world, the cameras (one slot per vehicle, in fleet order) and the ground-truth log.
pub struct Rig {
    world: World,
    cameras: Vec<Option<DroneCamera>>,
    ground_truth: Option<BufWriter<File>>,
    next_world_s: f64,
    next_truth_s: f64,
}

impl Rig {
    pub fn new(world: World) -> Self {
        Self {
            world,
            cameras: Vec::new(),
            ground_truth: None,
            next_world_s: 0.0,
            next_truth_s: 0.0,
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn set_cameras(&mut self, cameras: Vec<Option<DroneCamera>>) {
        self.cameras = cameras;
    }

    pub fn cameras(&self) -> &[Option<DroneCamera>] {
        &self.cameras
    }

    /// Write where every object and drone was, once a simulated second, as JSON lines.
    pub fn log_ground_truth(&mut self, path: &std::path::Path) -> Result<(), RigError> {
        self.ground_truth = Some(BufWriter::new(File::create(path).map_err(RigError::Write)?));
        Ok(())
    }

    /// Advance to simulated time `now`; problems are logged, never fatal to the flight.
    pub fn step(&mut self, now: f64, links: &[VehicleLink]) {
        while self.next_world_s <= now {
            self.world.step(WORLD_STEP_S);
            self.next_world_s += WORLD_STEP_S;
        }
        for (camera, link) in self.cameras.iter_mut().zip(links) {
            if let Some(camera) = camera
                && let Err(e) = camera.step(now, &self.world, link)
            {
                tracing::warn!(sysid = link.sysid(), "camera: {e}");
            }
        }
        if now >= self.next_truth_s {
            self.next_truth_s = now + 1.0;
            if let Err(e) = self.write_truth(now, links) {
                tracing::warn!("ground truth not written: {e}");
                self.ground_truth = None;
            }
        }
    }

    fn write_truth(&mut self, now: f64, links: &[VehicleLink]) -> std::io::Result<()> {
        let Some(out) = self.ground_truth.as_mut() else {
            return Ok(());
        };
        self.world.write_ground_truth_jsonl(out)?;
        for link in links {
            let v = link.vehicle();
            let p = v.true_position();
            let record = serde_json::json!({
                "time": now, "vehicle": v.sysid(), "mode": v.mode().name(), "armed": v.armed(),
                "lat": p.lat, "lon": p.lon, "alt_amsl": p.alt,
            });
            serde_json::to_writer(&mut *out, &record).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }
}
