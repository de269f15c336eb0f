//! Real GStreamer reads the simulator's raw RGB stream: `tcpclientsrc ! rawvideoparse ! videoconvert ! pngenc`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mission::geodesy::Geodetic;
use mission::scenario::PortScenario;
use sim::camera::{CameraModel, CameraPose, Frame, FrameServer, Renderer};
use sim::world::World;

const WIDTH: u32 = 160;
const HEIGHT: u32 = 120;

fn gstreamer_available() -> bool {
    Command::new("gst-launch-1.0")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        info.color_type,
        png::ColorType::Rgb,
        "pngenc wrote {:?}",
        info.color_type
    );
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn gstreamer_decodes_the_frames_we_send() {
    if !gstreamer_available() {
        assert_ne!(
            std::env::var("PORTOPS_REQUIRE_PEERS").as_deref(),
            Ok("1"),
            "gst-launch-1.0 is missing (scripts/setup installs it)"
        );
        println!("SKIPPED: gst-launch-1.0 is not installed");
        return;
    }
    let scenario = PortScenario::parse(include_str!("../../data/scenarios/example-port.geojson")).unwrap();
    let mut world = World::from_scenario(&scenario, 1);
    let renderer = Renderer::new(&world, CameraModel::new(WIDTH, HEIGHT, 80.0)).unwrap();
    let pose = CameraPose::level(Geodetic::new(44.3960, 8.8990, 80.0), 200.0, -35.0);
    let frames: Vec<Frame> = (0..3)
        .map(|_| {
            world.step(0.5);
            renderer.render(&world, &pose)
        })
        .collect();

    let mut server = FrameServer::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("portops-camera-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let location = dir.join("frame-%05d.png");
    // The stream ends when we close the socket; tcpclientsrc then sends EOS and -e lets the
    // encoder finish. (num-buffers would count TCP reads of 4 KiB, not frames.)
    let pipeline = format!(
        "tcpclientsrc host=127.0.0.1 port={port} ! rawvideoparse width={WIDTH} height={HEIGHT} format=rgb \
         framerate=10/1 ! videoconvert ! pngenc ! multifilesink location={}",
        location.display()
    );
    let mut child = Command::new("gst-launch-1.0")
        .arg("-e")
        .args(pipeline.split_whitespace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(20);
    while server.client_count() == 0 {
        assert!(Instant::now() < deadline, "GStreamer never connected");
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "gst-launch-1.0 exited early ({status}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        server.poll();
        std::thread::sleep(Duration::from_millis(10));
    }
    for frame in &frames {
        server.send(frame);
        while server.has_pending() {
            assert!(Instant::now() < deadline, "GStreamer stopped reading");
            server.poll();
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    assert_eq!((server.frames_sent(), server.frames_dropped()), (3, 0));
    drop(server);

    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("gst-launch-1.0 did not finish after the stream closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    for (i, frame) in frames.iter().enumerate() {
        let (w, h, rgb) = decode(&dir.join(format!("frame-{i:05}.png")));
        assert_eq!((w, h), (WIDTH, HEIGHT));
        let diff: u64 = rgb.iter().zip(&frame.rgb).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
        let mean = diff as f64 / rgb.len() as f64;
        assert!(mean < 1.0, "frame {i}: mean difference {mean}");
    }
    assert!(!dir.join("frame-00003.png").exists(), "a fourth frame appeared");
    std::fs::remove_dir_all(&dir).unwrap();
}
