//! Real GStreamer: test pattern to appsink and to a gst-launch RTP receiver, the simulator's camera as source, bad sources.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use drone_agent::video::{Frame, VideoConfig, VideoError, VideoPipeline, VideoSource};
use sim::camera::FrameServer;

/// Elements the pipeline and the receiver need, with the package that ships them.
const NEEDED: [(&str, &str); 9] = [
    ("videotestsrc", "gstreamer1.0-plugins-base"),
    ("appsink", "gstreamer1.0-plugins-base"),
    ("rawvideoparse", "gstreamer1.0-plugins-bad"),
    ("x264enc", "gstreamer1.0-plugins-ugly"),
    ("rtph264pay", "gstreamer1.0-plugins-good"),
    ("rtspsrc", "gstreamer1.0-plugins-good"),
    ("v4l2src", "gstreamer1.0-plugins-good"),
    ("avdec_h264", "gstreamer1.0-libav"),
    ("pngenc", "gstreamer1.0-plugins-good"),
];

/// Whether gst-launch-1.0 and every plugin are here; skip-or-fail through testkit otherwise.
fn gstreamer_ready() -> bool {
    let missing: Vec<String> = NEEDED
        .iter()
        .filter(|(element, _)| {
            !Command::new("gst-inspect-1.0")
                .arg(element)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(|(element, package)| format!("{element} ({package})"))
        .collect();
    let launch = Command::new("gst-launch-1.0")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if launch && missing.is_empty() {
        return true;
    }
    let problem = if launch {
        format!("missing elements: {}", missing.join(", "))
    } else {
        "no gst-launch-1.0".into()
    };
    testkit::peer_unavailable(
        "GStreamer",
        &problem,
        "run scripts/setup to install the GStreamer packages",
    );
    false
}

fn config(rtp_port: u16) -> VideoConfig {
    VideoConfig {
        bitrate_kbps: 500,
        keyframe_interval: 10,
        rtp_port,
        ..VideoConfig::for_vehicle("127.0.0.1", 0)
    }
}

/// Kills the receiver even when an assertion fails first.
struct Receiver(Child);

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn decode_png(path: &Path) -> Option<(u32, u32, Vec<u8>)> {
    let file = std::fs::File::open(path).ok()?;
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    buf.truncate(info.buffer_size());
    Some((info.width, info.height, buf))
}

#[test]
fn test_pattern_reaches_the_appsink_and_a_real_rtp_receiver() {
    if !gstreamer_ready() {
        return;
    }
    let port = testkit::free_udp_port();
    let dir = std::env::temp_dir().join(format!("portops-video-rtp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The receiver listens before the sender starts, so it sees the first key frame's SPS/PPS.
    let receiver = format!(
        "udpsrc port={port} caps=application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000 ! \
         rtph264depay ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB ! pngenc ! multifilesink location={}",
        dir.join("rx-%05d.png").display()
    );
    let receiver = Receiver(
        Command::new("gst-launch-1.0")
            .args(receiver.split_whitespace())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(500));

    let source: VideoSource = "test:?width=320&height=240&fps=30".parse().unwrap();
    let config = VideoConfig {
        detection_width: Some(160),
        detection_height: Some(120),
        ..config(port)
    };
    let started = Instant::now();
    let pipeline = VideoPipeline::start(source, config).unwrap();
    let mut frames: Vec<Frame> = Vec::new();
    while frames.len() < 5 && started.elapsed() < Duration::from_secs(10) {
        frames.extend(pipeline.next_frame(Duration::from_millis(500)));
    }
    let first_frames = started.elapsed();
    assert_eq!(
        frames.len(),
        5,
        "appsink gave {} frames; error: {:?}",
        frames.len(),
        pipeline.error()
    );
    for frame in &frames {
        assert_eq!((frame.width, frame.height, frame.rgb.len()), (160, 120, 160 * 120 * 3));
        assert!(frame.pts.is_some());
    }
    // The ball pattern is a white ball on black: the frame is neither blank nor saturated.
    let bright = frames[0].rgb.iter().filter(|&&b| b > 128).count();
    assert!(bright > 0 && bright < frames[0].rgb.len() / 2, "{bright} bright bytes");

    let first_png = dir.join("rx-00000.png");
    // Nobody pulls from the appsink meanwhile, as with a busy detector: 20 frames (2/3 s of
    // video) must still reach the ground station. multifilesink writes each file whole before
    // the next, so the first is complete too.
    let later_png = dir.join("rx-00020.png");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !later_png.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let received = started.elapsed();
    assert!(
        later_png.exists(),
        "the RTP receiver decoded fewer than 21 frames in 15 s"
    );
    assert!(pipeline.error().is_none(), "{:?}", pipeline.error());
    // After the pause the detector gets a fresh frame, not one queued from before it.
    let fresh = pipeline
        .next_frame(Duration::from_secs(2))
        .expect("a frame after the pause");
    let (before, after) = (frames[4].pts.unwrap_or_default(), fresh.pts.unwrap_or_default());
    assert!(
        after >= before + Duration::from_millis(300),
        "stale frame: {before:?} then {after:?}"
    );
    pipeline.stop();
    drop(receiver);
    let (width, height, rgb) = decode_png(&first_png).unwrap_or_else(|| panic!("no decodable {}", first_png.display()));
    assert_eq!((width, height), (320, 240));
    assert!(rgb.iter().any(|&b| b > 128), "the received frame is black");
    eprintln!("5 appsink frames after {first_frames:?}; 21 RTP frames decoded by gst-launch after {received:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn solid(value: u8, width: u32, height: u32) -> sim::camera::Frame {
    // A gradient plus a level per frame: tells frames apart and catches row or channel mix-ups.
    let rgb = (0..height)
        .flat_map(|y| (0..width).flat_map(move |x| [value, (x * 255 / width) as u8, (y * 255 / height) as u8]))
        .collect();
    sim::camera::Frame {
        time: 0.0,
        width,
        height,
        rgb,
        boxes: Vec::new(),
    }
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len().max(1) as f64
}

#[test]
fn simulator_camera_frames_arrive_unchanged() {
    if !gstreamer_ready() {
        return;
    }
    const W: u32 = 96;
    const H: u32 = 64;
    let sent: Vec<sim::camera::Frame> = [40u8, 120, 200, 250].iter().map(|&v| solid(v, W, H)).collect();
    let mut server = FrameServer::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let source: VideoSource = format!("sim://{addr}?width={W}&height={H}&fps=10").parse().unwrap();
    let started = Instant::now();
    let pipeline = VideoPipeline::start(source, config(testkit::free_udp_port())).unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    while server.client_count() == 0 {
        assert!(
            Instant::now() < deadline,
            "GStreamer never connected; error: {:?}",
            pipeline.error()
        );
        server.poll();
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut got: Vec<Frame> = Vec::new();
    for frame in &sent {
        server.send(frame);
        while server.has_pending() {
            assert!(Instant::now() < deadline, "the pipeline stopped reading");
            server.poll();
            std::thread::sleep(Duration::from_millis(2));
        }
        // Take each frame before sending the next: the appsink keeps only the newest.
        got.extend(pipeline.next_frame(Duration::from_secs(3)));
    }
    assert_eq!(server.frames_dropped(), 0);
    assert!(
        got.len() >= 3,
        "only {} of {} frames reached the appsink; error: {:?}",
        got.len(),
        sent.len(),
        pipeline.error()
    );
    for frame in &got {
        assert_eq!((frame.width, frame.height), (W, H));
        let (best, diff) = sent
            .iter()
            .enumerate()
            .map(|(i, s)| (i, mean_abs_diff(&frame.rgb, &s.rgb)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        assert!(
            diff < 1.0,
            "frame closest to sent frame {best} differs by {diff} on average"
        );
        let mean_r = frame.rgb.iter().step_by(3).map(|&r| f64::from(r)).sum::<f64>() / f64::from(W * H);
        assert!((mean_r - f64::from(sent[best].rgb[0])).abs() < 1.0, "mean red {mean_r}");
    }
    eprintln!(
        "{} of {} simulator frames matched after {:?}",
        got.len(),
        sent.len(),
        started.elapsed()
    );
    pipeline.stop();
}

/// Starts `text` and returns the error, from `start` or from the bus within `limit`.
fn failure(text: &str, limit: Duration) -> (VideoError, Duration) {
    let started = Instant::now();
    let source: VideoSource = text.parse().unwrap();
    let error = match VideoPipeline::start(source, config(testkit::free_udp_port())) {
        Err(error) => error,
        Ok(pipeline) => pipeline
            .wait_for_error(limit)
            .unwrap_or_else(|| panic!("{text}: no error within {limit:?}")),
    };
    (error, started.elapsed())
}

#[test]
fn bad_sources_give_clear_errors_quickly() {
    if !gstreamer_ready() {
        return;
    }
    let limit = Duration::from_secs(5);
    let cases = [
        ("v4l2:///dev/video9", "/dev/video9"),
        ("rtsp://127.0.0.1:1/nothing", "127.0.0.1:1"),
        ("file:///nonexistent.mp4", "/nonexistent.mp4"),
    ];
    for (text, names) in cases {
        let (error, took) = failure(text, limit);
        let message = error.to_string();
        eprintln!("{text}: {message} after {took:?}");
        assert!(took < limit, "{text}: took {took:?}");
        assert!(matches!(error, VideoError::Element { .. }), "{text}: {error:?}");
        assert!(
            message.contains("source"),
            "{text}: the failing element is not named: {message}"
        );
        assert!(message.contains(names), "{text}: {message}");
    }
}

#[test]
fn a_file_that_is_not_video_is_refused() {
    if !gstreamer_ready() {
        return;
    }
    let file = testkit::TempFile::new("video", "not-video", "mp4");
    std::fs::write(&file.0, vec![0x5a; 64 * 1024]).unwrap();
    let (error, took) = failure(&format!("file://{}", file.0.display()), Duration::from_secs(5));
    eprintln!("not a video: {error} after {took:?}");
    assert!(matches!(error, VideoError::Element { .. }), "{error:?}");
}

#[test]
fn the_rtsp_endpoint_serves_the_camera_to_a_real_rtsp_client() {
    if !gstreamer_ready() {
        return;
    }
    let server = drone_agent::video::RtspServer::start(&drone_agent::video::RtspConfig {
        address: "127.0.0.1".into(),
        port: 0,
        path: "/video".into(),
        channel: "rtsp-test".into(),
        bitrate_kbps: 500,
    })
    .expect("the RTSP server starts");
    assert!(server.url().starts_with("rtsp://127.0.0.1:") && server.url().ends_with("/video"));
    let camera = VideoPipeline::start(
        VideoSource::TestPattern {
            width: 320,
            height: 240,
            fps: 15,
        },
        VideoConfig {
            rtsp_channel: Some("rtsp-test".into()),
            ..config(testkit::free_udp_port())
        },
    )
    .expect("camera pipeline");
    // The agent's own RTSP source (rtspsrc ! decodebin) is the client: a real RTSP/RTP session.
    let client = VideoPipeline::start(
        VideoSource::Rtsp {
            url: server.url().to_string(),
        },
        config(testkit::free_udp_port()),
    )
    .expect("client pipeline");
    let frame = client.next_frame(Duration::from_secs(20));
    if let Some(e) = client.error() {
        panic!("the RTSP client failed: {e}");
    }
    let frame = frame.expect("a frame over RTSP within 20 s");
    assert_eq!((frame.width, frame.height), (320, 240));
    assert!(
        camera.next_frame(Duration::from_secs(1)).is_some(),
        "detection still gets frames"
    );
    client.stop();
    camera.stop();
}
