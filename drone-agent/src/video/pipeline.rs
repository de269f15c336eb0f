//! The running GStreamer pipeline: tee to H.264/RTP and to a leaky RGB appsink, with a bus thread turning failures into events.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::{Frame, QGC_VIDEO_BASE_PORT, VideoError, VideoEvent, VideoSource};

/// How often the bus thread looks at its stop flag.
const BUS_POLL: Duration = Duration::from_millis(100);

/// Where the encoded video goes and what detection receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoConfig {
    /// The ground station's address for the RTP/H.264 stream.
    pub rtp_host: String,
    /// 5600 + vehicle index, as QGroundControl expects (see [`VideoConfig::for_vehicle`]).
    pub rtp_port: u16,
    pub bitrate_kbps: u32,
    /// Frames between key frames: a ground station joining late waits at most this long for a
    /// picture (SPS/PPS are repeated with every key frame).
    pub keyframe_interval: u32,
    /// Detection frame size; None keeps the source's, which tiled detection wants.
    pub detection_width: Option<u32>,
    pub detection_height: Option<u32>,
    /// Detection frame rate cap; None passes every frame the detector is ready for.
    pub detection_fps: Option<u32>,
    /// Also feed an [`super::RtspServer`] listening on this in-process channel.
    pub rtsp_channel: Option<String>,
}

impl VideoConfig {
    /// Defaults for vehicle `index` (0-based) streaming to `rtp_host`: 2 Mbit/s, a key frame
    /// every 30 frames, detection at the source's size and rate.
    pub fn for_vehicle(rtp_host: impl Into<String>, index: u16) -> Self {
        VideoConfig {
            rtp_host: rtp_host.into(),
            rtp_port: QGC_VIDEO_BASE_PORT.saturating_add(index),
            bitrate_kbps: 2000,
            keyframe_interval: 30,
            detection_width: None,
            detection_height: None,
            detection_fps: None,
            rtsp_channel: None,
        }
    }

    /// The tee and both branches, after the source fragment.
    fn launch_branches(&self) -> String {
        let mut detect_caps = String::from("video/x-raw,format=RGB");
        if let Some(w) = self.detection_width {
            detect_caps.push_str(&format!(",width={w}"));
        }
        if let Some(h) = self.detection_height {
            detect_caps.push_str(&format!(",height={h}"));
        }
        // videorate drop-only never duplicates: detection should not see the same frame twice.
        let rate = match self.detection_fps {
            Some(fps) => {
                detect_caps.push_str(&format!(",framerate={fps}/1"));
                "videorate drop-only=true ! "
            }
            None => "",
        };
        // The RTSP server encodes for its own clients, only while some are connected.
        let rtsp = match &self.rtsp_channel {
            Some(channel) => format!(
                " split. ! queue leaky=downstream max-size-buffers=2 ! intervideosink channel=\"{}\"",
                channel.replace(['"', '\\'], "")
            ),
            None => String::new(),
        };
        format!(
            "tee name=split \
             split. ! queue name=rtp_queue ! videoconvert ! video/x-raw,format=I420 ! \
             x264enc name=encoder tune=zerolatency speed-preset=ultrafast bitrate={bitrate} key-int-max={keyint} ! \
             rtph264pay config-interval=1 pt=96 ! udpsink name=rtp_sink host=\"{host}\" port={port} async=false \
             split. ! queue name=detect_queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! \
             {rate}videoscale ! videoconvert ! {detect_caps} ! \
             appsink name=detect drop=true max-buffers=1 sync=false emit-signals=false{rtsp}",
            bitrate = self.bitrate_kbps.max(1),
            keyint = self.keyframe_interval.max(1),
            host = self.rtp_host.replace(['"', '\\'], ""),
            port = self.rtp_port,
        )
    }
}

/// A running video pipeline; stopped by [`VideoPipeline::stop`] or when dropped.
pub struct VideoPipeline {
    source: VideoSource,
    pipeline: gst::Pipeline,
    appsink: gst_app::AppSink,
    events: Receiver<VideoEvent>,
    error: Arc<Mutex<Option<VideoError>>>,
    stop: Arc<AtomicBool>,
    bus_thread: Option<JoinHandle<()>>,
}

impl VideoPipeline {
    /// Builds the pipeline and sets it playing. Failures GStreamer reports at once (missing
    /// plugin, missing device or file) come back here; later ones (an RTSP server that does not
    /// answer, a format no decoder takes) as [`VideoEvent::Error`].
    pub fn start(source: VideoSource, config: VideoConfig) -> Result<VideoPipeline, VideoError> {
        gst::init().map_err(|e| VideoError::Init(e.to_string()))?;
        let source_uri = source.to_string();
        let description = format!(
            "{} ! videoconvert ! {}",
            source.launch_fragment(),
            config.launch_branches()
        );
        tracing::debug!(%description, "video pipeline");
        let build = |message: String| VideoError::Build {
            source_uri: source_uri.clone(),
            message,
        };
        let pipeline = gst::parse::launch(&description)
            .map_err(|e| build(e.to_string()))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| build("gst-launch description did not give a pipeline".into()))?;
        let appsink = pipeline
            .by_name("detect")
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or_else(|| build("no appsink named `detect`".into()))?;
        let bus = pipeline.bus().ok_or_else(|| build("pipeline has no bus".into()))?;

        if pipeline.set_state(gst::State::Playing).is_err() {
            // The element that failed has posted why on the bus; without it, say what we know.
            let error = bus
                .iter_filtered(&[gst::MessageType::Error])
                .find_map(|m| match m.view() {
                    gst::MessageView::Error(err) => Some(element_error(&source_uri, err)),
                    _ => None,
                })
                .unwrap_or_else(|| VideoError::Element {
                    source_uri: source_uri.clone(),
                    element: "pipeline".into(),
                    message: "could not start".into(),
                    debug: None,
                });
            let _ = pipeline.set_state(gst::State::Null);
            return Err(error);
        }

        let (sender, events) = mpsc::channel();
        let error = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let watcher = BusWatcher {
            source_uri,
            pipeline: pipeline.clone(),
            bus,
            sender,
            error: error.clone(),
            stop: stop.clone(),
        };
        let bus_thread = std::thread::Builder::new()
            .name("video-bus".into())
            .spawn(move || watcher.run())
            .map_err(|e| VideoError::Init(format!("cannot start the bus thread: {e}")))?;
        Ok(VideoPipeline {
            source,
            pipeline,
            appsink,
            events,
            error,
            stop,
            bus_thread: Some(bus_thread),
        })
    }

    pub fn source(&self) -> &VideoSource {
        &self.source
    }

    /// The newest frame for detection, waiting up to `timeout`; None on timeout, after an
    /// error or at end of stream (see [`VideoPipeline::error`]).
    pub fn next_frame(&self, timeout: Duration) -> Option<Frame> {
        let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        let sample = self.appsink.try_pull_sample(gst::ClockTime::from_nseconds(nanos))?;
        frame_from_sample(&sample)
    }

    /// The next event from the bus, waiting up to `timeout`.
    pub fn next_event(&self, timeout: Duration) -> Option<VideoEvent> {
        // Timeout, or the bus thread has gone after stop: no event either way.
        self.events.recv_timeout(timeout).ok()
    }

    /// Waits up to `timeout` for the pipeline to fail or end; the error, if it did.
    pub fn wait_for_error(&self, timeout: Duration) -> Option<VideoError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(error) = self.error() {
                return Some(error);
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return None;
            }
            // Events are consumed here; the error itself stays in `self.error`.
            let _ = self.next_event(left.min(BUS_POLL));
        }
    }

    /// The error that stopped the pipeline, if any (end of stream counts).
    pub fn error(&self) -> Option<VideoError> {
        self.error.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Stops the pipeline and its bus thread, releasing the device, sockets and port.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.pipeline.set_state(gst::State::Null);
        if let Some(thread) = self.bus_thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for VideoPipeline {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Turns bus messages into events on its own thread, so the agent needs no GLib main loop.
struct BusWatcher {
    source_uri: String,
    pipeline: gst::Pipeline,
    bus: gst::Bus,
    sender: Sender<VideoEvent>,
    error: Arc<Mutex<Option<VideoError>>>,
    stop: Arc<AtomicBool>,
}

impl BusWatcher {
    fn run(self) {
        let poll = gst::ClockTime::from_mseconds(BUS_POLL.as_millis() as u64);
        while !self.stop.load(Ordering::Relaxed) {
            let Some(message) = self.bus.timed_pop(poll) else {
                continue;
            };
            let event = match message.view() {
                gst::MessageView::Error(err) => {
                    let error = element_error(&self.source_uri, err);
                    tracing::warn!(%error, "video pipeline failed");
                    self.fail(error.clone());
                    VideoEvent::Error(error)
                }
                gst::MessageView::Eos(_) => {
                    tracing::info!(source = %self.source_uri, "video source ended");
                    self.fail(VideoError::EndOfStream {
                        source_uri: self.source_uri.clone(),
                    });
                    VideoEvent::EndOfStream
                }
                gst::MessageView::Warning(w) => VideoEvent::Warning {
                    element: element_name(message.src()),
                    message: w.error().to_string(),
                },
                gst::MessageView::StateChanged(s)
                    if s.current() == gst::State::Playing
                        && message.src() == Some(self.pipeline.upcast_ref::<gst::Object>()) =>
                {
                    VideoEvent::Playing
                }
                _ => continue,
            };
            // The receiver may be gone while the pipeline winds down; nothing to tell then.
            let _ = self.sender.send(event);
        }
    }

    /// Records the first failure and stops the pipeline, so a dead source holds no device or port.
    fn fail(&self, error: VideoError) {
        let mut slot = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(error);
        }
        drop(slot);
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

fn element_name(src: Option<&gst::Object>) -> String {
    src.map(|s| s.name().to_string()).unwrap_or_else(|| "pipeline".into())
}

fn element_error(source_uri: &str, err: &gst::message::Error) -> VideoError {
    VideoError::Element {
        source_uri: source_uri.to_string(),
        element: element_name(err.src()),
        message: err.error().to_string(),
        // One line for the log: GStreamer splits its debug text over lines.
        debug: err.debug().map(|d| d.replace('\n', " ")),
    }
}

/// Copies an RGB sample into a tightly packed frame; None for a sample without size or data.
fn frame_from_sample(sample: &gst::Sample) -> Option<Frame> {
    let structure = sample.caps()?.structure(0)?;
    let width = u32::try_from(structure.get::<i32>("width").ok()?).ok()?;
    let height = u32::try_from(structure.get::<i32>("height").ok()?).ok()?;
    let buffer = sample.buffer()?;
    let map = buffer.map_readable().ok()?;
    let row = width as usize * 3;
    // GStreamer pads RGB rows to 4 bytes (e.g. width 161 gives 484-byte rows, not 483).
    let stride = if height == 0 { row } else { map.len() / height as usize };
    if stride < row || height == 0 {
        return None;
    }
    let mut rgb = Vec::with_capacity(row * height as usize);
    for y in 0..height as usize {
        rgb.extend_from_slice(map.get(y * stride..y * stride + row)?);
    }
    let pts = buffer.pts().map(|t| Duration::from_nanos(t.nseconds()));
    Some(Frame {
        width,
        height,
        rgb,
        pts,
    })
}
