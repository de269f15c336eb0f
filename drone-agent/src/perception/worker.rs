//! The perception thread: pulls frames from the video pipeline, runs [`Perception`] on them and hands the messages to the publisher.
//!
//! Video failures never stop the agent: the worker logs them, counts them and restarts the
//! pipeline after a delay, while MAVLink routing and status publishing go on. The hand-over
//! channel is bounded and blocking: if the publisher falls behind, detection waits (the
//! pipeline's leaky queue drops frames upstream) rather than a message being dropped.

use contracts::mqtt::now_ms;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{FrameOutput, Perception};
use crate::detect::ImageView;
use crate::router::state::VehicleState;
use crate::video::{VideoConfig, VideoEvent, VideoPipeline, VideoSource};

/// One frame's messages and when the frame left the pipeline (for latency figures).
#[derive(Debug)]
pub struct Processed {
    pub output: FrameOutput,
    pub captured: Instant,
}

/// Counters the agent prints and a health report could show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerStats {
    pub frames: u64,
    pub detections: u64,
    pub unlocated: u64,
    pub tiles_run: u64,
    pub tiles_skipped: u64,
    pub pipeline_starts: u64,
    pub video_errors: u64,
    pub detect_errors: u64,
    pub last_error: Option<String>,
}

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub source: VideoSource,
    pub video: VideoConfig,
    /// Wait before restarting a failed or ended pipeline.
    pub restart_delay: Duration,
}

/// A running perception thread; stopped by [`PerceptionWorker::stop`] or when dropped.
pub struct PerceptionWorker {
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<WorkerStats>>,
    thread: Option<JoinHandle<()>>,
}

impl PerceptionWorker {
    /// Starts the thread. `vehicle` returns the vehicle state at the moment of a frame.
    pub fn start(
        config: WorkerConfig,
        perception: Perception,
        vehicle: impl Fn() -> Option<VehicleState> + Send + 'static,
        out: mpsc::Sender<Processed>,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(WorkerStats::default()));
        let thread = std::thread::Builder::new().name("perception".into()).spawn({
            let (stop, stats) = (stop.clone(), stats.clone());
            move || run(config, perception, vehicle, out, &stop, &stats)
        })?;
        Ok(Self {
            stop,
            stats,
            thread: Some(thread),
        })
    }

    pub fn stats(&self) -> WorkerStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn stop(mut self) -> WorkerStats {
        self.halt();
        self.stats()
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for PerceptionWorker {
    fn drop(&mut self) {
        self.halt();
    }
}

fn record(stats: &Mutex<WorkerStats>, f: impl FnOnce(&mut WorkerStats)) {
    if let Ok(mut s) = stats.lock() {
        f(&mut s);
    }
}

/// Sleeps up to `total` in short steps; false when asked to stop meanwhile.
fn pause(stop: &AtomicBool, total: Duration) -> bool {
    let until = Instant::now() + total;
    while Instant::now() < until {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    !stop.load(Ordering::Relaxed)
}

fn run(
    config: WorkerConfig,
    mut perception: Perception,
    vehicle: impl Fn() -> Option<VehicleState>,
    out: mpsc::Sender<Processed>,
    stop: &AtomicBool,
    stats: &Mutex<WorkerStats>,
) {
    while !stop.load(Ordering::Relaxed) {
        record(stats, |s| s.pipeline_starts += 1);
        let pipeline = match VideoPipeline::start(config.source.clone(), config.video.clone()) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!("video: {e}; retrying in {:?}", config.restart_delay);
                record(stats, |s| {
                    s.video_errors += 1;
                    s.last_error = Some(e.to_string());
                });
                if pause(stop, config.restart_delay) {
                    continue;
                }
                return;
            }
        };
        tracing::info!(
            "video: {} playing; RTP to {}:{}",
            config.source,
            config.video.rtp_host,
            config.video.rtp_port
        );
        let ended = loop {
            if stop.load(Ordering::Relaxed) {
                break None;
            }
            while let Some(event) = pipeline.next_event(Duration::ZERO) {
                match event {
                    VideoEvent::Warning { element, message } => tracing::warn!("video: {element}: {message}"),
                    VideoEvent::Error(e) => {
                        record(stats, |s| {
                            s.video_errors += 1;
                            s.last_error = Some(e.to_string());
                        });
                        tracing::error!("video: {e}");
                    }
                    VideoEvent::EndOfStream | VideoEvent::Playing => {}
                }
            }
            if let Some(e) = pipeline.error() {
                break Some(e.to_string());
            }
            let Some(frame) = pipeline.next_frame(Duration::from_millis(200)) else {
                continue;
            };
            let (captured, time_ms) = (Instant::now(), now_ms());
            let Ok(view) = ImageView::new(&frame.rgb, frame.width as usize, frame.height as usize) else {
                continue;
            };
            let state = vehicle();
            match perception.process(&view, time_ms, state.as_ref()) {
                Ok(output) => {
                    record(stats, |s| {
                        s.frames += 1;
                        s.detections += output.detections.as_ref().map_or(0, |b| b.detections.len() as u64);
                        s.unlocated += output.unlocated as u64;
                        s.tiles_run += output.tiles_run as u64;
                        s.tiles_skipped += output.tiles_skipped as u64;
                    });
                    if out.blocking_send(Processed { output, captured }).is_err() {
                        return; // the publisher has gone: the agent is shutting down
                    }
                }
                Err(e) => {
                    tracing::warn!("detection failed on a frame: {e}");
                    record(stats, |s| {
                        s.detect_errors += 1;
                        s.last_error = Some(e.to_string());
                    });
                }
            }
        };
        pipeline.stop();
        match ended {
            None => return,
            Some(e) => {
                tracing::warn!("video stopped ({e}); restarting in {:?}", config.restart_delay);
                if !pause(stop, config.restart_delay) {
                    return;
                }
            }
        }
    }
}
