//! The whole agent binary: simulator autopilot → router → vehicle state; a video file of a real photograph → GStreamer → detection → tracks → geolocation → snapshots → a real Mosquitto → a station subscriber.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use contracts::mqtt::{ClientRole, DroneId, Payload, TrackState, acl_file, decode_payload};
use mission::geodesy::{Geodetic, LatLon, distance_m};
use rumqttc::{Client, Event, MqttOptions, Packet, QoS};
use sim::autopilot::{Vehicle, VehicleConfig};
use sim::link::VehicleLink;
use sim::runner::{BackgroundFleet, Endpoint, Fleet};
use testkit::mosquitto::Mosquitto;

const HOME: (f64, f64, f64) = (44.3975, 8.9005, 4.0);

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A 10 s, 5 fps H.264 clip of the astronaut (200 px, as a person seen from the air) on grey.
fn person_clip(dir: &Path) -> Option<PathBuf> {
    let (rgb, w, h) = drone_agent::eval::load_rgb(&crate_dir().join("tests/data/astronaut.png")).ok()?;
    let photo = image::RgbImage::from_raw(w as u32, h as u32, rgb)?;
    let person = image::imageops::resize(&photo, 200, 200, image::imageops::FilterType::Triangle);
    let mut canvas = image::RgbImage::from_pixel(1280, 720, image::Rgb([114, 114, 114]));
    image::imageops::replace(&mut canvas, &person, 500, 250);
    let still = dir.join("still.png");
    canvas.save(&still).ok()?;
    let clip = dir.join("person.mp4");
    let status = Command::new("gst-launch-1.0")
        .args(["-q", "multifilesrc"])
        .arg(format!("location={}", still.display()))
        .args([
            "loop=true",
            "num-buffers=50",
            "caps=image/png,framerate=5/1",
            "!",
            "pngdec",
            "!",
            "videoconvert",
            "!",
            "x264enc",
            "!",
            "mp4mux",
            "!",
            "filesink",
        ])
        .arg(format!("location={}", clip.display()))
        .status()
        .ok()?;
    status.success().then_some(clip)
}

struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_agent_publishes_geolocated_detections_tracks_and_a_snapshot_from_a_video_file() {
    let password = "drone1-secret";
    let acl = acl_file(&[
        ClientRole::Drone(DroneId::new("drone1").expect("id")),
        ClientRole::Station {
            username: "station".into(),
        },
    ])
    .expect("acl");
    let Some(broker) = Mosquitto::start(&[("drone1", password), ("station", "station-secret")], &acl) else {
        return;
    };
    let Some(clip) = person_clip(broker.dir()) else {
        testkit::peer_unavailable(
            "GStreamer",
            "could not encode a test clip with gst-launch-1.0",
            "scripts/setup",
        );
        return;
    };

    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let home = Geodetic::new(HOME.0, HOME.1, HOME.2);
    let endpoint = Endpoint::bind(SocketAddr::new(loopback, 0), vec![]).expect("bind");
    let autopilot = endpoint.local_addr().expect("addr");
    let sim = BackgroundFleet::start(
        Fleet::new(
            vec![VehicleLink::new(Vehicle::new(VehicleConfig::new(1, home, 3)), None, 5)],
            vec![endpoint],
            vec![],
        ),
        Some(1.0),
        600.0,
    );

    let config = broker.dir().join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "vehicle = 1\nautopilot = \"{autopilot}\"\ngcs = [\"127.0.0.1:0\"]\n\n\
             [mqtt]\nhost = \"127.0.0.1\"\nport = {port}\noutbox = \"{outbox}\"\n\n\
             [video]\nsource = \"file://{clip}\"\nrtp_port = {rtp}\nrestart_delay_s = 0.5\n",
            port = broker.port(),
            outbox = broker.dir().join("outbox").display(),
            clip = clip.display(),
            rtp = testkit::free_udp_port(),
        ),
    )
    .expect("agent.toml");
    let key: String = testkit::fresh_signing_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    // The station listens before the agent starts.
    let mut options = MqttOptions::new("station", "127.0.0.1", broker.port());
    options.set_credentials("station", "station-secret");
    options.set_max_packet_size(1 << 21, 1 << 21);
    let (client, mut connection) = Client::new(options, 64);
    client
        .subscribe("portops/v1/drones/drone1/#", QoS::AtLeastOnce)
        .expect("subscribe");

    let mut child = Command::new(env!("CARGO_BIN_EXE_drone-agent"))
        .args(["run", "--config"])
        .arg(&config)
        .args(["--duration", "170"])
        .env("AGENT_SIGNING_KEY", &key)
        .env("AGENT_MQTT_PASSWORD", password)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("drone-agent starts");
    let stdout = child.stdout.take().expect("stdout");
    let agent = Agent(child);
    let printed = std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<_>>());

    let deadline = Instant::now() + Duration::from_secs(160);
    let (mut located_person, mut new_track, mut snapshot_jpeg, mut snapshot_meta, mut status) =
        (None, None, None, None, false);
    let mut detection_ids = BTreeSet::new();
    for event in connection.iter() {
        assert!(
            Instant::now() < deadline,
            "timed out: person {located_person:?}, track {new_track:?}, jpeg {}, meta {snapshot_meta:?}, status {status}",
            snapshot_jpeg.is_some()
        );
        let Ok(Event::Incoming(Packet::Publish(p))) = event else {
            continue;
        };
        match decode_payload(&p.topic, &p.payload).unwrap_or_else(|e| panic!("the agent published a bad payload: {e}"))
        {
            Payload::Detections(batch) => {
                assert!(detection_ids.insert(batch.msg_id), "msg_id {} twice", batch.msg_id);
                if let Some(d) = batch.detections.iter().find(|d| d.class == "person" && d.lat.is_some()) {
                    located_person = Some(d.clone());
                }
            }
            Payload::Tracks(update) => {
                if let Some(t) = update.tracks.iter().find(|t| t.state == TrackState::New) {
                    new_track = Some(t.clone());
                }
            }
            Payload::SnapshotJpeg { jpeg, .. } => snapshot_jpeg = Some(jpeg),
            Payload::SnapshotMeta(meta) => snapshot_meta = Some(meta),
            Payload::Status(s) => status |= s.drone_id.as_str() == "drone1",
            _ => {}
        }
        if located_person.is_some() && new_track.is_some() && snapshot_meta.is_some() && status {
            break;
        }
    }
    drop(agent);
    let _ = sim.stop();
    let printed = printed.join().unwrap_or_default();

    let person = located_person.expect("a geolocated person");
    let at = LatLon::new(person.lat.unwrap_or_default(), person.lon.unwrap_or_default());
    // The vehicle stands at home, 4 m above the sea plane, looking straight down.
    assert!(distance_m(at, LatLon::new(HOME.0, HOME.1)) < 15.0, "{person:?}");
    let track = new_track.expect("a new track");
    assert_eq!(track.class, "person");
    let meta = snapshot_meta.expect("snapshot meta");
    let jpeg = snapshot_jpeg.expect("the snapshot JPEG");
    assert_eq!(
        meta.jpeg_bytes,
        jpeg.len() as u64,
        "the meta describes the JPEG before it"
    );
    let picture = image::load_from_memory(&jpeg).expect("a decodable JPEG");
    assert_eq!((picture.width(), picture.height()), (meta.width, meta.height));
    assert!(
        printed.iter().any(|l| l.starts_with("video: file://")),
        "the agent said where its video goes: {printed:?}"
    );
}
