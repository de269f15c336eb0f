//! The GStreamer shell of the video bridge: one decoding pipeline per vehicle, its appsink feeding a watch channel, a bus thread that logs failures and restarts.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::watch;

use super::{DecodeSettings, FrameReceiver, VideoError, missing_elements, pipeline_description};

/// How often a bus thread looks at its stop flag.
const BUS_POLL: Duration = Duration::from_millis(100);
/// Wait before restarting a pipeline that failed (a sender restarting, a corrupt stream).
const RESTART_AFTER: Duration = Duration::from_secs(1);

/// One vehicle's pipeline and what it has produced.
struct Feed {
    sysid: u8,
    port: u16,
    pipeline: gst::Pipeline,
    frames: FrameReceiver,
    count: Arc<AtomicU64>,
    error: Arc<Mutex<Option<String>>>,
}

/// The latest JPEG of each vehicle's video; the pipelines stop when it is dropped.
pub struct VideoBridge {
    feeds: Vec<Feed>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for VideoBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let feeds: Vec<(u8, u16)> = self.feeds.iter().map(|f| (f.sysid, f.port)).collect();
        f.debug_struct("VideoBridge").field("feeds", &feeds).finish()
    }
}

impl VideoBridge {
    /// Decodes each `(sysid, udp_port)` RTP/H.264 stream, listening on every interface (the
    /// drones send from the radio network, as to QGroundControl's 5600 + index).
    pub fn start(feeds: &[(u8, u16)]) -> Result<VideoBridge, VideoError> {
        Self::start_on(IpAddr::from([0, 0, 0, 0]), feeds, DecodeSettings::default())
    }

    /// As [`VideoBridge::start`], listening on `address` only, with these decode settings.
    pub fn start_on(address: IpAddr, feeds: &[(u8, u16)], settings: DecodeSettings) -> Result<VideoBridge, VideoError> {
        for (i, &(sysid, port)) in feeds.iter().enumerate() {
            if let Some(&(_, first)) = feeds[..i].iter().find(|(other, _)| *other == sysid) {
                return Err(VideoError::DuplicateVehicle {
                    sysid,
                    first,
                    second: port,
                });
            }
        }
        gst::init().map_err(|e| VideoError::Init(e.to_string()))?;
        let missing = missing_elements(|name| gst::ElementFactory::find(name).is_some());
        if !missing.is_empty() {
            return Err(VideoError::MissingElements(missing));
        }
        let mut bridge = VideoBridge {
            feeds: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            threads: Vec::new(),
        };
        // On an error, `bridge` is dropped and stops the pipelines already started.
        for &(sysid, port) in feeds {
            let feed = build(address, sysid, port, settings)?;
            play(&feed)?;
            let watcher = BusWatcher {
                sysid,
                port,
                pipeline: feed.pipeline.clone(),
                error: feed.error.clone(),
                stop: bridge.stop.clone(),
            };
            let thread = std::thread::Builder::new()
                .name(format!("video-{sysid}"))
                .spawn(move || watcher.run())
                .map_err(|e| VideoError::Init(format!("cannot start a bus thread: {e}")))?;
            bridge.threads.push(thread);
            bridge.feeds.push(feed);
        }
        tracing::info!(?feeds, "live video bridge listening");
        Ok(bridge)
    }

    /// The latest JPEG of vehicle `sysid` (None inside until its first frame); None when its
    /// video is not converted.
    pub fn subscribe(&self, sysid: u8) -> Option<watch::Receiver<Option<Arc<Vec<u8>>>>> {
        self.feed(sysid).map(|f| f.frames.clone())
    }

    /// The vehicles whose video is converted, with their UDP ports.
    pub fn feeds(&self) -> Vec<(u8, u16)> {
        self.feeds.iter().map(|f| (f.sysid, f.port)).collect()
    }

    /// JPEGs made so far for vehicle `sysid`.
    pub fn frames_made(&self, sysid: u8) -> Option<u64> {
        self.feed(sysid).map(|f| f.count.load(Ordering::Relaxed))
    }

    /// The latest pipeline failure of vehicle `sysid`, if any (it is restarted after one).
    pub fn last_error(&self, sysid: u8) -> Option<String> {
        self.feed(sysid)
            .and_then(|f| f.error.lock().unwrap_or_else(PoisonError::into_inner).clone())
    }

    fn feed(&self, sysid: u8) -> Option<&Feed> {
        self.feeds.iter().find(|f| f.sysid == sysid)
    }
}

impl Drop for VideoBridge {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for feed in &self.feeds {
            let _ = feed.pipeline.set_state(gst::State::Null);
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn build(address: IpAddr, sysid: u8, port: u16, settings: DecodeSettings) -> Result<Feed, VideoError> {
    let fail = |message: String| VideoError::Build { sysid, port, message };
    let description = pipeline_description(address, port, settings);
    let pipeline = gst::parse::launch(&description)
        .map_err(|e| fail(e.to_string()))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| fail("the description did not give a pipeline".into()))?;
    let appsink = pipeline
        .by_name("jpeg")
        .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
        .ok_or_else(|| fail("no appsink named `jpeg`".into()))?;
    let (sender, frames) = watch::channel(None);
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    appsink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let buffer = sample.buffer().ok_or(gst::FlowError::Error)?;
                let map = buffer.map_readable().map_err(|_| gst::FlowError::Error)?;
                // send_replace: the picture is kept even while no browser watches.
                sender.send_replace(Some(Arc::new(map.as_slice().to_vec())));
                counter.fetch_add(1, Ordering::Relaxed);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    Ok(Feed {
        sysid,
        port,
        pipeline,
        frames,
        count,
        error: Arc::new(Mutex::new(None)),
    })
}

/// Sets the pipeline playing; a port already taken fails here, with the element's reason.
fn play(feed: &Feed) -> Result<(), VideoError> {
    if feed.pipeline.set_state(gst::State::Playing).is_ok() {
        return Ok(());
    }
    let message = feed
        .pipeline
        .bus()
        .and_then(|bus| {
            bus.iter_filtered(&[gst::MessageType::Error])
                .find_map(|m| match m.view() {
                    gst::MessageView::Error(err) => Some(describe(err)),
                    _ => None,
                })
        })
        .unwrap_or_else(|| "the pipeline refused to start".into());
    let _ = feed.pipeline.set_state(gst::State::Null);
    Err(VideoError::Start {
        sysid: feed.sysid,
        port: feed.port,
        message,
    })
}

fn describe(err: &gst::message::Error) -> String {
    let element = err
        .src()
        .map(|s| s.name().to_string())
        .unwrap_or_else(|| "pipeline".into());
    match err.debug() {
        // One line for the log: GStreamer splits its debug text over lines.
        Some(debug) => format!("{element}: {} ({})", err.error(), debug.replace('\n', " ")),
        None => format!("{element}: {}", err.error()),
    }
}

/// Watches one pipeline's bus on its own thread (no GLib main loop needed): failures are logged,
/// kept for [`VideoBridge::last_error`], and the pipeline restarted.
struct BusWatcher {
    sysid: u8,
    port: u16,
    pipeline: gst::Pipeline,
    error: Arc<Mutex<Option<String>>>,
    stop: Arc<AtomicBool>,
}

impl BusWatcher {
    fn run(self) {
        let Some(bus) = self.pipeline.bus() else {
            tracing::error!(sysid = self.sysid, "video pipeline has no bus");
            return;
        };
        let poll = gst::ClockTime::from_mseconds(BUS_POLL.as_millis() as u64);
        while !self.stop.load(Ordering::Relaxed) {
            let Some(message) = bus.timed_pop(poll) else {
                continue;
            };
            let failure = match message.view() {
                gst::MessageView::Error(err) => describe(err),
                // A UDP source never ends by itself; something upstream of us said so.
                gst::MessageView::Eos(_) => "end of stream".to_string(),
                gst::MessageView::Warning(w) => {
                    tracing::debug!(sysid = self.sysid, "video warning: {}", w.error());
                    continue;
                }
                _ => continue,
            };
            tracing::warn!(
                sysid = self.sysid,
                port = self.port,
                "live video failed, restarting: {failure}"
            );
            *self.error.lock().unwrap_or_else(PoisonError::into_inner) = Some(failure);
            let _ = self.pipeline.set_state(gst::State::Null);
            self.pause(RESTART_AFTER);
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            if self.pipeline.set_state(gst::State::Playing).is_err() {
                tracing::warn!(sysid = self.sysid, port = self.port, "live video did not restart");
            }
        }
    }

    /// Sleeps, waking early when the bridge stops.
    fn pause(&self, total: Duration) {
        let deadline = std::time::Instant::now() + total;
        while !self.stop.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
            std::thread::sleep(BUS_POLL);
        }
    }
}
