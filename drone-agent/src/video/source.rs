//! Where the agent's video comes from, parsed from a URI-like string, and the GStreamer elements that read it.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::VideoError;

/// Frame size and rate of the built-in test pattern when `test:` gives none.
const TEST_DEFAULT: (u32, u32, u32) = (640, 480, 30);
/// The simulator sends frames at its camera rate; 5 fps is what `sim` uses by default.
const SIM_DEFAULT_FPS: u32 = 5;

/// A video source, written as a URI-like string (see [`VideoSource::from_str`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoSource {
    /// A V4L2 camera: `v4l2:///dev/video0`.
    V4l2 { device: PathBuf },
    /// An RTSP camera or server: `rtsp://host:port/path` (also `rtsps://`).
    Rtsp { url: String },
    /// A video file GStreamer can demux and decode: `file:///path/clip.mp4`.
    File { path: PathBuf },
    /// GStreamer's moving test pattern: `test:` or `test:?width=320&height=240&fps=15`.
    TestPattern { width: u32, height: u32, fps: u32 },
    /// The simulator's camera, raw RGB frames over TCP with no header, so the size must be given:
    /// `sim://127.0.0.1:7100?width=1280&height=720&fps=5`.
    Sim {
        host: String,
        port: u16,
        width: u32,
        height: u32,
        fps: u32,
    },
}

impl VideoSource {
    /// The source elements as a `gst-launch` fragment ending in raw video, with the element
    /// that reads the source named `source` so that errors can be traced to it.
    pub(crate) fn launch_fragment(&self) -> String {
        match self {
            // decodebin also handles cameras that only offer MJPEG or H.264.
            VideoSource::V4l2 { device } => format!(
                "v4l2src name=source device={} ! decodebin",
                quote(&device.to_string_lossy())
            ),
            VideoSource::Rtsp { url } => format!("rtspsrc name=source location={} latency=200 ! decodebin", quote(url)),
            VideoSource::File { path } => {
                format!(
                    "filesrc name=source location={} ! decodebin",
                    quote(&path.to_string_lossy())
                )
            }
            // is-live makes the pattern arrive at its frame rate, like a camera, not as fast as
            // the encoder can take it.
            VideoSource::TestPattern { width, height, fps } => format!(
                "videotestsrc name=source is-live=true pattern=ball ! \
                 video/x-raw,width={width},height={height},framerate={fps}/1"
            ),
            VideoSource::Sim {
                host,
                port,
                width,
                height,
                fps,
            } => format!(
                "tcpclientsrc name=source host={} port={port} ! \
                 rawvideoparse width={width} height={height} format=rgb framerate={fps}/1",
                quote(host)
            ),
        }
    }
}

/// A double-quoted `gst-launch` property value, so paths with spaces or `!` stay one value.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl fmt::Display for VideoSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VideoSource::V4l2 { device } => write!(f, "v4l2://{}", device.display()),
            VideoSource::Rtsp { url } => f.write_str(url),
            VideoSource::File { path } => write!(f, "file://{}", path.display()),
            VideoSource::TestPattern { width, height, fps } => {
                write!(f, "test:?width={width}&height={height}&fps={fps}")
            }
            VideoSource::Sim {
                host,
                port,
                width,
                height,
                fps,
            } => {
                write!(f, "sim://{host}:{port}?width={width}&height={height}&fps={fps}")
            }
        }
    }
}

impl FromStr for VideoSource {
    type Err = VideoError;

    /// Parses `v4l2:///dev/videoN`, `rtsp://…`, `rtsps://…`, `file:///abs/path`, `test:[?…]` or
    /// `sim://host:port?width=W&height=H[&fps=F]`.
    fn from_str(text: &str) -> Result<Self, VideoError> {
        let bad = |reason: &str| VideoError::BadSource {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let text_trimmed = text.trim();
        let (scheme, rest) = text_trimmed
            .split_once(':')
            .ok_or_else(|| bad("no scheme; expected v4l2:, rtsp:, file:, test: or sim:"))?;
        match scheme.to_ascii_lowercase().as_str() {
            "v4l2" => {
                let path = absolute_path(rest).ok_or_else(|| bad("expected v4l2:///dev/videoN"))?;
                Ok(VideoSource::V4l2 { device: path })
            }
            "file" => {
                let path = absolute_path(rest).ok_or_else(|| bad("expected file:///absolute/path"))?;
                Ok(VideoSource::File { path })
            }
            "rtsp" | "rtsps" => {
                let host = rest.strip_prefix("//").unwrap_or("");
                if host.is_empty() || host.starts_with('/') {
                    return Err(bad("expected rtsp://host[:port]/path"));
                }
                Ok(VideoSource::Rtsp {
                    url: text_trimmed.to_string(),
                })
            }
            "test" => {
                let query = rest.strip_prefix('?').unwrap_or(rest);
                let (mut width, mut height, mut fps) = TEST_DEFAULT;
                for (key, value) in query_pairs(query).map_err(|r| bad(&r))? {
                    match key {
                        "width" => width = positive(key, value).map_err(|r| bad(&r))?,
                        "height" => height = positive(key, value).map_err(|r| bad(&r))?,
                        "fps" => fps = positive(key, value).map_err(|r| bad(&r))?,
                        other => return Err(bad(&format!("unknown parameter `{other}` (width, height, fps)"))),
                    }
                }
                Ok(VideoSource::TestPattern { width, height, fps })
            }
            "sim" => {
                let rest = rest
                    .strip_prefix("//")
                    .ok_or_else(|| bad("expected sim://host:port?width=W&height=H"))?;
                let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
                let (host, port) = authority
                    .rsplit_once(':')
                    .ok_or_else(|| bad("missing port; expected sim://host:port?width=W&height=H"))?;
                if host.is_empty() {
                    return Err(bad("missing host"));
                }
                let port: u16 = port.parse().map_err(|_| bad(&format!("bad port `{port}`")))?;
                let (mut width, mut height, mut fps) = (None, None, SIM_DEFAULT_FPS);
                for (key, value) in query_pairs(query).map_err(|r| bad(&r))? {
                    match key {
                        "width" => width = Some(positive(key, value).map_err(|r| bad(&r))?),
                        "height" => height = Some(positive(key, value).map_err(|r| bad(&r))?),
                        "fps" => fps = positive(key, value).map_err(|r| bad(&r))?,
                        other => return Err(bad(&format!("unknown parameter `{other}` (width, height, fps)"))),
                    }
                }
                // Raw frames carry no header: without the size the byte stream cannot be cut.
                let (Some(width), Some(height)) = (width, height) else {
                    return Err(bad("the simulator's raw stream needs width= and height="));
                };
                Ok(VideoSource::Sim {
                    host: host.to_string(),
                    port,
                    width,
                    height,
                    fps,
                })
            }
            other => Err(bad(&format!(
                "unknown scheme `{other}`; expected v4l2, rtsp, file, test or sim"
            ))),
        }
    }
}

/// `///abs/path` or `/abs/path` → `/abs/path`; None for relative or empty paths.
fn absolute_path(rest: &str) -> Option<PathBuf> {
    let path = rest.strip_prefix("//").unwrap_or(rest);
    (path.starts_with('/') && path.len() > 1).then(|| PathBuf::from(path))
}

fn query_pairs(query: &str) -> Result<Vec<(&str, &str)>, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').ok_or_else(|| format!("parameter `{p}` has no value")))
        .collect()
}

fn positive(key: &str, value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{key} must be a positive integer, not `{value}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_and_prints_back() {
        let cases = [
            "v4l2:///dev/video0",
            "rtsp://cam.local:8554/live",
            "file:///tmp/clip.mp4",
            "test:?width=320&height=240&fps=15",
            "sim://127.0.0.1:7100?width=1280&height=720&fps=5",
        ];
        for text in cases {
            let source: VideoSource = text.parse().unwrap();
            assert_eq!(source.to_string(), text);
        }
        assert_eq!(
            "test:".parse::<VideoSource>().unwrap(),
            VideoSource::TestPattern {
                width: 640,
                height: 480,
                fps: 30
            }
        );
    }

    #[test]
    fn bad_strings_say_what_is_wrong() {
        let cases = [
            ("/dev/video0", "scheme"),
            ("http://x/y", "unknown scheme"),
            ("file://relative.mp4", "absolute"),
            ("rtsp://", "host"),
            ("sim://127.0.0.1?width=2&height=2", "port"),
            ("sim://127.0.0.1:70000?width=2&height=2", "bad port"),
            ("sim://127.0.0.1:7100", "width= and height="),
            ("test:?width=0", "positive"),
            ("test:?colour=red", "unknown parameter"),
        ];
        for (text, want) in cases {
            let err = text.parse::<VideoSource>().unwrap_err().to_string();
            assert!(err.contains(want) && err.contains(text), "{text}: {err}");
        }
    }

    #[test]
    fn quoted_values_survive_gst_launch_syntax() {
        assert_eq!(quote(r#"/a b/"x"\y"#), r#""/a b/\"x\"\\y""#);
    }
}
