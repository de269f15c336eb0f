//! Video: GStreamer pipeline from a camera, stream or file to RTP for the ground station and frames for detection.
//!
//! ```text
//! source ! decode ! tee ─ queue ! videoconvert ! x264enc ! rtph264pay ! udpsink (ground station)
//!                       ├ queue leaky=downstream max-size-buffers=1 ! videoconvert ! RGB ! appsink (detection)
//!                       └ queue leaky=downstream ! intervideosink ─▶ RTSP server (optional, encodes per client)
//! ```
//!
//! The detection branch keeps at most one frame and drops older ones, so a slow detector never
//! stalls the video sent to the ground station. Pipeline failures (missing device, unreachable
//! URL, unsupported format, end of stream) never panic: they come back as [`VideoError`] from
//! [`VideoPipeline::start`] or as [`VideoEvent`]s, so the agent keeps its MAVLink and MQTT duties.

mod pipeline;
mod rtsp;
mod source;

use std::time::Duration;

pub use self::pipeline::{VideoConfig, VideoPipeline};
pub use self::rtsp::{RtspConfig, RtspServer};
pub use self::source::VideoSource;

/// QGroundControl listens for vehicle N's H.264 RTP stream on UDP port 5600 + N.
pub const QGC_VIDEO_BASE_PORT: u16 = 5600;

/// One RGB frame for detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    /// Row-major RGB, 3 bytes a pixel, top row first, no row padding.
    pub rgb: Vec<u8>,
    /// Presentation time in the pipeline's running time, when the source gave one.
    pub pts: Option<Duration>,
}

/// What the pipeline reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoEvent {
    /// The pipeline reached PLAYING.
    Playing,
    /// Not fatal (a late frame, a renegotiation): logged by the agent.
    Warning { element: String, message: String },
    /// Fatal: the pipeline has stopped; [`VideoPipeline::error`] returns it too.
    Error(VideoError),
    /// The source ended (a file played out, a stream closed); the pipeline has stopped.
    EndOfStream,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VideoError {
    #[error("bad video source `{text}`: {reason}")]
    BadSource { text: String, reason: String },
    #[error("GStreamer is not usable: {0}")]
    Init(String),
    /// The pipeline could not be built: usually a missing plugin (x264enc, rtph264pay, v4l2src…).
    #[error("cannot build the video pipeline for {source_uri}: {message} (is the GStreamer plugin installed?)")]
    Build { source_uri: String, message: String },
    /// An element failed while starting or running.
    #[error("video source {source_uri}: {element}: {message}{}", debug_suffix(.debug))]
    Element {
        source_uri: String,
        element: String,
        message: String,
        debug: Option<String>,
    },
    #[error("video source {source_uri} ended")]
    EndOfStream { source_uri: String },
}

fn debug_suffix(debug: &Option<String>) -> String {
    debug.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
}
