//! The web console in headless Chromium (Debian's, driven by Playwright: tests/peers/console.py)
//! against a whole station in this process with three simulated Copters and a drone publishing
//! over MQTT: the page loads, draws the port, lists the drones, shows alerts live (with their
//! snapshot) and acknowledges one, plans a survey of the anchorage and launches it on drone 1,
//! which the station then reports in AUTO; a trainee cannot launch, in the page or by force.

mod fleet_support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use contracts::mqtt::{DroneId, SCHEMA, SnapshotMeta, Track, TrackState, TrackUpdate};
use drone_agent::publish::{Durability, Publisher, PublisherConfig};
use fleet_support::{EXAMPLE_PORT, ready, start_sim};
use geo::InteriorPoint;
use ground_station::broker::ClientCredential;
use ground_station::station::{Station, StationConfig};
use ground_station::store::Role;
use mission::scenario::PortScenario;
use serde_json::Value;

const PROBE: &str = "import os, sys; import playwright.sync_api; \
    path = os.environ.get('PORTOPS_CHROMIUM', '/usr/bin/chromium'); \
    sys.exit(0 if os.path.exists(path) else f'no Chromium at {path} (apt-get install chromium)')";
const WHOLE_RUN: Duration = Duration::from_secs(240);

use ground_station::api::now_ms;

/// A station on loopback ports with an embedded broker that knows drone `d1`, unsigned air links.
fn config(data_dir: &std::path::Path, dial: Vec<SocketAddr>) -> StationConfig {
    StationConfig {
        dial,
        ..StationConfig::on_loopback(
            data_dir,
            "pw-station",
            vec![ClientCredential::drone(&DroneId::new("d1").expect("id"), "pw-d1")],
        )
    }
}

/// A point inside the port's restricted customs area, where a person raises an alert at once.
fn inside_customs_area() -> (f64, f64) {
    let scenario = PortScenario::parse(EXAMPLE_PORT).expect("example port");
    let zone = scenario.zone("Customs Examination Area").expect("the restricted zone");
    let mission::area::ZoneShape::Polygons(area) = &zone.shape else {
        panic!("the customs area is a polygon")
    };
    let p = area.interior_point().expect("a point inside");
    (p.y(), p.x())
}

/// A small grey JPEG with a lighter figure: the "snapshot" of the person.
fn snapshot_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(160, 120, |x, y| {
        let figure = (70..90).contains(&x) && (30..100).contains(&y);
        image::Rgb(if figure { [220, 200, 180] } else { [60, 70, 80] })
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
        .encode_image(&image)
        .expect("encode a JPEG");
    jpeg
}

/// Publishes a snapshot of track `track_id`, then the track: a person in the customs area.
async fn person_in_customs_area(publisher: &Publisher, drone: &DroneId, track_id: u64) {
    let (lat, lon) = inside_customs_area();
    let t = now_ms();
    let jpeg = snapshot_jpeg();
    let meta = SnapshotMeta {
        schema: SCHEMA,
        msg_id: 0,
        drone_id: drone.clone(),
        track_id,
        time: t,
        content_type: "image/jpeg".into(),
        jpeg_bytes: jpeg.len() as u64,
        width: 160,
        height: 120,
        class: "person".into(),
        lat: Some(lat),
        lon: Some(lon),
    };
    publisher.publish_snapshot(jpeg, meta).await.expect("snapshot queued");
    let update = TrackUpdate {
        schema: SCHEMA,
        msg_id: 0,
        drone_id: drone.clone(),
        time: t,
        tracks: vec![Track {
            track_id,
            class: "person".into(),
            score: 0.9,
            state: TrackState::New,
            lat,
            lon,
            error_m: 3.0,
            vel_n_mps: 0.0,
            vel_e_mps: 0.0,
            first_seen: t,
            last_seen: t,
            size_m: None,
        }],
    };
    publisher.publish(update).await.expect("tracks queued");
    assert!(
        publisher.flushed(Duration::from_secs(10)).await,
        "{:?}",
        publisher.stats()
    );
}

async fn wait_for_alerts(station: &Station, n: usize) -> Vec<contracts::mqtt::Alert> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let alerts = station.api.alerts.alerts().await.expect("alert service");
        if alerts.len() >= n {
            return alerts;
        }
        assert!(Instant::now() < deadline, "{n} alert(s) not raised: {alerts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Each JSON line of the script by its "check".
fn check<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["check"] == name)
        .unwrap_or_else(|| panic!("no `{name}` line from console.py: {lines:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_plans_and_launches_from_the_console_and_a_trainee_cannot() {
    let Some(python) = testkit::python("Playwright + Chromium", PROBE) else {
        return;
    };
    let home = PortScenario::parse(EXAMPLE_PORT)
        .expect("example port")
        .launch()
        .expect("launch pad");
    let sim = start_sim(3, home, None, 10.0, |_| {});
    let data_dir = std::env::temp_dir().join(format!("portops-console-{}", std::process::id()));
    let station = Station::start(config(&data_dir, sim.addrs.clone()), None)
        .await
        .expect("the station starts");
    for sysid in 1..=3 {
        ready(&station.fleet, sysid).await;
    }
    let officer = station.token_for(Role::Officer).expect("officer token").to_string();
    let trainee = station.token_for(Role::Trainee).expect("trainee token").to_string();

    // Drone d1 publishes as the agent does; one alert exists before the page opens.
    let drone = DroneId::new("d1").expect("id");
    let outbox = testkit::TempFile::new("gs-console", "outbox", "d");
    let (host, port) = station.mqtt_addr.rsplit_once(':').expect("host:port");
    let mut pc = PublisherConfig::new(
        host,
        port.parse().expect("port"),
        drone.clone(),
        "pw-d1",
        outbox.0.clone(),
    );
    pc.durability = Durability::NoFsync;
    let publisher = Publisher::start(pc).expect("publisher");
    person_in_customs_area(&publisher, &drone, 41).await;
    let before = wait_for_alerts(&station, 1).await;
    assert!(
        before[0].snapshot.is_some(),
        "the alert carries its snapshot: {before:?}"
    );

    // PORTOPS_CONSOLE_SCREENSHOT=path keeps the officer's page for a look; else a temp file.
    let keep = std::env::var_os("PORTOPS_CONSOLE_SCREENSHOT").map(std::path::PathBuf::from);
    let screenshot = testkit::TempFile::new("gs-console", "page", "png");
    let screenshot_path = keep.clone().unwrap_or_else(|| screenshot.0.clone());
    let mut command = Command::new(&python);
    command
        .arg(testkit::workspace_root().join("ground-station/tests/peers/console.py"))
        .arg(format!("http://{}", station.http_addr))
        .args([&officer, &trainee])
        .arg(&screenshot_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run console.py");
    let (lines_tx, lines_rx) = mpsc::channel::<Value>();
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("console.py printed `{line}`: {e}"));
            if lines_tx.send(value).is_err() {
                return;
            }
        }
    });
    let stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());

    // Follow the script; raise the second alert when it asks, while its page is open.
    let started = Instant::now();
    let mut lines = Vec::new();
    let status = loop {
        match lines_rx.try_recv() {
            Ok(line) => {
                if line["check"] == "ready_for_alert" {
                    person_in_customs_area(&publisher, &drone, 42).await;
                }
                lines.push(line);
                continue;
            }
            Err(mpsc::TryRecvError::Empty | mpsc::TryRecvError::Disconnected) => {}
        }
        if let Some(status) = child.try_wait().expect("wait for console.py") {
            break Some(status);
        }
        if started.elapsed() > WHOLE_RUN {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    reader.join().expect("stdout reader");
    lines.extend(lines_rx.try_iter());
    let stderr = errors.join().unwrap_or_default();
    assert!(
        status.is_some_and(|s| s.success()),
        "console.py failed ({status:?}) after {lines:#?}\n{stderr}"
    );

    // The link's token was taken and removed from the address bar.
    let signin = check(&lines, "signin");
    assert_eq!(signin["whoami"], "officer · officer");
    assert_eq!(signin["url_has_token"], false);

    // The map: every zone of the port drawn, with its kind; the vessels with their names.
    let map = check(&lines, "map");
    let zones = map["zones"].as_array().expect("zones");
    let scenario = PortScenario::parse(EXAMPLE_PORT).expect("example port");
    assert_eq!(zones.len(), scenario.zones.len(), "{zones:#?}");
    assert!(zones.iter().all(|z| z["drawn"] == true), "{zones:#?}");
    for (name, kind) in [
        ("Operational fence", "fence"),
        ("Customs Examination Area", "restricted"),
        ("Example Airport CTR", "exclusion"),
        ("Outer Anchorage", "anchorage"),
        ("Quay B", "quay"),
        ("Berth 4", "berth"),
        ("Container Terminal Yard", "container_yard"),
    ] {
        assert!(
            zones.iter().any(|z| z["name"] == name && z["kind"] == kind),
            "{name} ({kind}) in {zones:#?}"
        );
    }
    let vessels = map["vessels"].as_array().expect("vessels");
    assert_eq!(vessels.len(), scenario.vessels().count());
    assert!(vessels.iter().any(|v| v == "MT Nordic Pearl"));
    assert!(
        map["scale"]
            .as_str()
            .is_some_and(|s| s.ends_with(" m") || s.ends_with(" km"))
    );

    // The three drones, each a row and a marker, with what the station knows of them.
    let fleet = check(&lines, "fleet");
    let rows = fleet["rows"].as_array().expect("rows");
    assert_eq!(
        rows.iter()
            .map(|r| r["testid"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["vehicle-1", "vehicle-2", "vehicle-3"]
    );
    assert_eq!(fleet["markers"], 3);
    for row in rows {
        assert_eq!(row["mode"], "STABILIZE", "{row}");
        assert!(row["gps"].as_str().is_some_and(|g| g.starts_with("3D")), "{row}");
    }

    // Alerts: the first from the GET with its thumbnail, the second live, the first acknowledged.
    let loaded = check(&lines, "alerts_loaded");
    let first = &loaded["alerts"][0];
    assert_eq!(first["id"], before[0].alert_id.as_str());
    assert_eq!(first["severity"], "high");
    assert!(
        first["thumb"].as_u64().is_some_and(|w| w == 160),
        "the snapshot shows: {first}"
    );
    let shown = check(&lines, "alerts");
    assert_eq!(shown["markers"], 2);
    assert_eq!(shown["alerts"].as_array().map(Vec::len), Some(2));
    let after = station.api.alerts.alerts().await.expect("alert service");
    let acked = after
        .iter()
        .find(|a| a.alert_id.as_str() == shown["acknowledged"])
        .expect("the acknowledged alert");
    let ack = acked
        .acknowledgement
        .as_ref()
        .expect("acknowledged through the console");
    assert_eq!(
        (ack.officer.as_str(), ack.note.as_str()),
        ("officer", "patrol sent to the examination area")
    );
    assert_eq!(after.iter().filter(|a| a.acknowledgement.is_none()).count(), 1);

    // The plan: route and estimate on the page, as the planner made them.
    let plan = check(&lines, "plan");
    assert_eq!(plan["title"], "Survey — Outer Anchorage");
    assert_eq!(plan["verdict"], "Safe to fly");
    assert!(plan["route_points"].as_u64().is_some_and(|n| n >= 10), "{plan}");
    let planned = station
        .api
        .plans
        .lock()
        .expect("plans")
        .get(&plan["plan_id"].as_i64().expect("plan id"))
        .cloned()
        .expect("the page's plan is the station's");
    assert_eq!(plan["route_points"].as_u64(), Some(planned.route.len() as u64));
    assert_eq!(plan["photos"], planned.photos.to_string());
    assert_eq!(
        plan["distance"],
        format!("{:.2} km", planned.estimate.distance_m / 1000.0)
    );
    assert!(planned.coverage_pct.is_some_and(|c| c >= 95.0));
    assert_eq!(plan["launch_disabled_without_drone"], true);

    // The launch: AUTO on the page, through the API, and in the station's own state.
    let launch = check(&lines, "launch");
    assert_eq!(launch["page_mode"], "AUTO");
    assert_eq!(launch["armed"], "armed");
    assert_eq!(launch["api_modes"]["1"], "AUTO");
    assert_eq!(launch["api_modes"]["2"], "STABILIZE");
    assert_eq!(launch["commands_enabled"], true);
    let video_note = launch["video"]["note"].as_str().unwrap_or("");
    assert!(
        video_note.starts_with("No live video: live video (the station runs without GStreamer) is not available"),
        "the station's reason, verbatim: {video_note}"
    );
    assert!(
        launch["flights"]
            .as_str()
            .is_some_and(|f| f.contains("#1 drone 1 · flying")),
        "{launch}"
    );
    // Pause, go to a point clicked on the map, resume: each acknowledged, each audited.
    let commands = launch["commands"].as_array().expect("commands");
    let modes: Vec<&str> = commands.iter().filter_map(|c| c["mode"].as_str()).collect();
    assert_eq!(modes, ["LOITER", "GUIDED", "AUTO"]);
    assert!(
        commands[0]["status"]
            .as_str()
            .is_some_and(|s| s.starts_with("Drone 1: pause")),
        "{commands:?}"
    );
    assert!(
        commands[1]["status"]
            .as_str()
            .is_some_and(|s| s.starts_with("Drone 1: go to 44.")),
        "{commands:?}"
    );
    let v1 = station.fleet.vehicle(1).expect("vehicle 1");
    assert!(
        v1.armed && (v1.mode == "AUTO" || v1.mode == "RTL" || v1.mode == "LAND"),
        "{v1:?}"
    );
    for (who, errors) in [
        ("officer", check(&lines, "officer_errors")),
        ("trainee", check(&lines, "trainee_errors")),
    ] {
        assert_eq!(errors["exceptions"], Value::Array(vec![]), "{who}'s page threw");
    }
    assert!(
        std::fs::metadata(&screenshot_path).is_ok_and(|m| m.len() > 10_000),
        "a screenshot"
    );

    // The trainee: may plan, may not launch, command or acknowledge; the station refuses anyway.
    let t = check(&lines, "trainee");
    assert_eq!(t["whoami"], "trainee · trainee");
    assert_eq!(
        t["refused"],
        "401 unauthenticated: not signed in: unknown, expired or revoked token"
    );
    assert_eq!(t["plan_verdict"], "Safe to fly");
    assert_eq!(t["launch_disabled"], true);
    assert_eq!(t["launch_title"], "A trainee may not launch missions");
    assert_eq!(t["commands_disabled"], true);
    assert_eq!(t["ack_disabled"], Value::Array(vec![Value::Bool(true)]));
    assert_eq!(t["forced_status"], 403);
    assert_eq!(t["forced_body"]["error"], "forbidden");
    assert!(
        t["forced_body"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("trainee")),
        "{t}"
    );
    let v2 = station.fleet.vehicle(2).expect("vehicle 2");
    assert!(
        !v2.armed && v2.mode == "STABILIZE",
        "the forced launch did nothing: {v2:?}"
    );
    let audit = station.store.lock().expect("store").audit_log(100).expect("audit log");
    let launches: Vec<_> = audit.iter().filter(|e| e.event.action == "mission.launch").collect();
    assert_eq!(launches.len(), 1, "only the officer's launch: {launches:?}");
    assert_eq!(launches[0].event.who, "officer");
    let commanded: Vec<&str> = audit
        .iter()
        .filter(|e| e.event.action == "vehicle.command" && e.event.who == "officer")
        .filter_map(|e| e.event.details["command"]["command"].as_str())
        .collect();
    assert_eq!(commanded.len(), 3, "{commanded:?}");
    for command in ["pause", "go_to", "resume"] {
        assert!(commanded.contains(&command), "{command} audited: {commanded:?}");
    }

    publisher.shutdown().await;
    station.shutdown();
    let _ = std::fs::remove_dir_all(&data_dir);
    // The outbox is a directory, which TempFile's drop does not remove.
    let _ = std::fs::remove_dir_all(&outbox.0);
}
