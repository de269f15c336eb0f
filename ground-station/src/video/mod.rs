//! Live video for the console: each vehicle's RTP/H.264 stream (UDP 5600 + index) decoded by GStreamer and re-served as MJPEG.
//!
//! ```text
//! udpsrc port=P ! rtpjitterbuffer ! rtph264depay ! avdec_h264 ! videoconvert ! videoscale
//!   ! video/x-raw,width=640 ! jpegenc ! appsink ──▶ watch channel (latest JPEG) ──▶ mjpeg_stream
//! ```
//!
//! Browsers play `multipart/x-mixed-replace` JPEG parts in a plain `<img>`, so the console needs
//! no player and no codec. The pure parts (the pipeline description, the multipart framing, the
//! element check) live here; [`pipeline`] is the GStreamer shell. A vehicle that sends nothing
//! yet simply has no frame: its pipeline waits on its port, which is not an error.

mod pipeline;

use std::sync::Arc;

use tokio::sync::watch;

pub use pipeline::VideoBridge;

/// What `/api/v1/video/{sysid}` answers with.
pub const MJPEG_CONTENT_TYPE: &str = "multipart/x-mixed-replace; boundary=frame";

/// The multipart boundary named in [`MJPEG_CONTENT_TYPE`].
pub const MJPEG_BOUNDARY: &str = "frame";

/// The latest JPEG of one vehicle's video; None until its first frame.
pub type FrameReceiver = watch::Receiver<Option<Arc<Vec<u8>>>>;

/// Width the console shows; the height follows the stream's aspect ratio.
pub const DEFAULT_WIDTH: u32 = 640;
/// JPEG quality, 0..=100.
pub const DEFAULT_QUALITY: u32 = 70;
/// Jitter buffer, ms: enough for loopback and a good radio link, small enough to steer by.
pub const DEFAULT_LATENCY_MS: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VideoError {
    #[error("GStreamer is not usable: {0}")]
    Init(String),
    /// Elements the bridge needs are not installed, each with the Debian package that has it.
    #[error("GStreamer elements missing: {} (install the packages named)", .0.join(", "))]
    MissingElements(Vec<String>),
    #[error("video of vehicle {sysid} appears twice (ports {first} and {second})")]
    DuplicateVehicle { sysid: u8, first: u16, second: u16 },
    #[error("video of vehicle {sysid} on UDP port {port}: cannot build the pipeline: {message}")]
    Build { sysid: u8, port: u16, message: String },
    /// Usually the port is taken by another program (QGroundControl listens on 5600 too).
    #[error("video of vehicle {sysid} on UDP port {port}: cannot start: {message}")]
    Start { sysid: u8, port: u16, message: String },
}

/// Every element the bridge uses, with the Debian package that ships it.
pub const NEEDED_ELEMENTS: [(&str, &str); 9] = [
    ("udpsrc", "gstreamer1.0-plugins-good"),
    ("rtpjitterbuffer", "gstreamer1.0-plugins-good"),
    ("rtph264depay", "gstreamer1.0-plugins-good"),
    ("avdec_h264", "gstreamer1.0-libav"),
    ("videoconvert", "gstreamer1.0-plugins-base"),
    ("videoscale", "gstreamer1.0-plugins-base"),
    ("jpegenc", "gstreamer1.0-plugins-good"),
    ("appsink", "gstreamer1.0-plugins-base"),
    ("capsfilter", "gstreamer1.0 (core)"),
];

/// The elements of [`NEEDED_ELEMENTS`] that `installed` says are absent, as "element (package)".
pub fn missing_elements(installed: impl Fn(&str) -> bool) -> Vec<String> {
    NEEDED_ELEMENTS
        .iter()
        .filter(|(element, _)| !installed(element))
        .map(|(element, package)| format!("{element} ({package})"))
        .collect()
}

/// How one vehicle's stream is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeSettings {
    pub width: u32,
    pub quality: u32,
    pub latency_ms: u32,
}

impl Default for DecodeSettings {
    fn default() -> Self {
        Self {
            width: DEFAULT_WIDTH,
            quality: DEFAULT_QUALITY,
            latency_ms: DEFAULT_LATENCY_MS,
        }
    }
}

/// The gst-launch description for the stream on UDP `address:port`, ending in an appsink named `jpeg`.
///
/// The appsink keeps one buffer and drops older ones: a slow consumer sees the newest picture,
/// never a growing backlog. `videoscale` keeps the aspect ratio (only the width is fixed).
pub fn pipeline_description(address: std::net::IpAddr, port: u16, settings: DecodeSettings) -> String {
    format!(
        "udpsrc name=src address=\"{address}\" port={port} reuse=false \
         caps=\"application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000\" ! \
         rtpjitterbuffer latency={latency} drop-on-latency=true ! rtph264depay ! avdec_h264 ! \
         videoconvert ! videoscale ! video/x-raw,width={width},pixel-aspect-ratio=1/1 ! \
         jpegenc quality={quality} ! appsink name=jpeg sync=false max-buffers=1 drop=true emit-signals=false",
        latency = settings.latency_ms,
        width = settings.width.clamp(16, 4096),
        quality = settings.quality.min(100),
    )
}

/// One multipart part: boundary, headers, the JPEG, and the line end that precedes the next
/// boundary.
pub fn mjpeg_part(jpeg: &[u8]) -> bytes::Bytes {
    let head = format!(
        "--{MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
        jpeg.len()
    );
    let mut part = Vec::with_capacity(head.len() + jpeg.len() + 2);
    part.extend_from_slice(head.as_bytes());
    part.extend_from_slice(jpeg);
    part.extend_from_slice(b"\r\n");
    bytes::Bytes::from(part)
}

/// The multipart body: the current JPEG at once (if there is one), then one part per new JPEG.
/// The stream ends when the bridge stops (its sender is dropped).
pub fn mjpeg_stream(
    frames: FrameReceiver,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold((frames, true), |(mut frames, first)| async move {
        if first {
            let current = frames.borrow_and_update().clone();
            if let Some(jpeg) = current {
                return Some((Ok(mjpeg_part(&jpeg)), (frames, false)));
            }
        }
        loop {
            // Err: the bridge has gone, so the video has ended.
            frames.changed().await.ok()?;
            // A frame replaced while we waited is skipped: the newest is what matters.
            let latest = frames.borrow_and_update().clone();
            if let Some(jpeg) = latest {
                return Some((Ok(mjpeg_part(&jpeg)), (frames, false)));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[test]
    fn a_part_has_the_boundary_headers_and_the_exact_length() {
        let part = mjpeg_part(&[0xff, 0xd8, 1, 2, 0xff, 0xd9]);
        let head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 6\r\n\r\n";
        assert_eq!(&part[..head.len()], head);
        assert_eq!(&part[head.len()..], &[0xff, 0xd8, 1, 2, 0xff, 0xd9, b'\r', b'\n']);
        assert!(MJPEG_CONTENT_TYPE.ends_with(&format!("boundary={MJPEG_BOUNDARY}")));
    }

    #[test]
    fn the_description_names_the_port_and_clamps_settings() {
        let text = pipeline_description(
            std::net::IpAddr::from([127, 0, 0, 1]),
            5601,
            DecodeSettings {
                width: 1,
                quality: 900,
                latency_ms: 50,
            },
        );
        assert!(text.contains("address=\"127.0.0.1\" port=5601"), "{text}");
        assert!(text.contains("width=16,"), "{text}");
        assert!(text.contains("quality=100"), "{text}");
        assert!(text.contains("latency=50"), "{text}");
        assert!(text.contains("appsink name=jpeg"), "{text}");
    }

    #[test]
    fn missing_elements_name_their_packages() {
        let missing = missing_elements(|e| e != "avdec_h264");
        assert_eq!(missing, vec!["avdec_h264 (gstreamer1.0-libav)".to_string()]);
        let text = VideoError::MissingElements(missing).to_string();
        assert!(text.contains("avdec_h264 (gstreamer1.0-libav)"), "{text}");
        assert!(missing_elements(|_| true).is_empty());
    }

    #[tokio::test]
    async fn the_stream_sends_the_current_frame_then_each_new_one_and_ends_with_the_bridge() {
        let (tx, rx) = watch::channel(None);
        let mut stream = Box::pin(mjpeg_stream(rx));
        // No frame yet: nothing is sent (not an error), until one arrives.
        let pending = tokio::time::timeout(std::time::Duration::from_millis(50), stream.next()).await;
        assert!(pending.is_err(), "no part before the first frame");
        tx.send_replace(Some(Arc::new(vec![1, 2, 3])));
        let part = stream.next().await.expect("a part").expect("no error");
        assert!(part.ends_with(&[1, 2, 3, b'\r', b'\n']));
        tx.send_replace(Some(Arc::new(vec![4])));
        let part = stream.next().await.expect("a part").expect("no error");
        assert!(part.ends_with(&[4, b'\r', b'\n']));
        drop(tx);
        assert!(stream.next().await.is_none(), "the stream ends with the bridge");

        // A late subscriber gets the latest picture at once.
        let (tx, rx) = watch::channel(Some(Arc::new(vec![9])));
        let mut stream = Box::pin(mjpeg_stream(rx));
        let part = stream.next().await.expect("a part").expect("no error");
        assert!(part.ends_with(&[9, b'\r', b'\n']));
        drop(tx);
    }
}
