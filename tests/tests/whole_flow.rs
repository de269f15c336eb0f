//! The officer's whole flow (issue #5), through the station's HTTP API: plan a survey of the
//! outer anchorage, launch it on a simulated drone that flies it faster than real time, see the
//! agent's detections of a boat alongside the tanker at anchor reach the station over MQTT, get
//! the boat-alongside alert, and end the flight (return, land, disarm) with a report whose
//! coverage is at least 95 %.
//!
//! The survey's lanes keep the boat in the camera for a few seconds at a time, never the 30 s of
//! dwell the alongside rule needs. So, as an officer would, once the survey has flown its last
//! lane and the mission reaches its final item (the return), the officer picks the small boat
//! the survey saw alongside the tanker (its stored detection, `GET /api/v1/detections`) and
//! commands an orbit of it (`POST /api/v1/vehicles/1/commands {"command":"orbit",...}`); the
//! simulated gimbal looks at the orbit's centre meanwhile. When the boat's alert is up
//! (`GET /api/v1/alerts`), the officer commands the return (`return_to_launch`); the drone lands
//! and disarms, and the station writes the report (`GET /api/v1/flights`).
//!
//! Real: the station (fleet over MAVLink/UDP, embedded broker, ingest, alert engine, store,
//! recorder, tlog, report, API), the simulated ArduPilot Copter and port world, and the agent's
//! tracker, geolocation (from the drone's true pose), snapshot JPEGs and MQTT publisher. The one
//! test double is `GroundTruthDetector` (in `flow_support/drone.rs`), which hands the renderer's
//! ground-truth boxes to the agent in place of the neural detector. Frames are stamped with
//! simulated time (the test's start + simulated seconds), so dwell times come out right. The
//! world's seed is one where the tanker rides near her charted heading while the drone watches
//! her (see `WORLD_SEED`): the station judges "alongside" against the charted hull.

mod flow_support;

use std::path::Path;
use std::time::{Duration, Instant};

use flow_support::drone::{DroneLog, DroneSetup, Sightings, SimulatedDrone, TruthSample};
use flow_support::{DRONE, Officer, now_ms, spawn_publisher, start_station};
use ground_station::store::Role;
use mission::endurance::EnergyModel;
use mission::geodesy::{LatLon, distance_m};
use mission::plan::{MissionItem, Plan};
use mission::scenario::PortScenario;
use serde_json::{Value, json};
use sim::autopilot::CopterMode;

/// Close enough for the boat to span a few pixels more than the detector's minimum, slow enough
/// that the part of each lap from which the tanker's hull does not hide it lasts over 30 s.
const ORBIT_RADIUS_M: f64 = 80.0;
const ORBIT_SPEED_M_S: f64 = 8.0;

/// The demo survey of the README: 115 m, 60/40 overlap, DJI Mavic 3 Enterprise, 15 m/s.
fn survey_request() -> Value {
    json!({
        "kind": "survey",
        "area": "Outer Anchorage",
        "camera": "dji-m3e",
        "front_overlap_pct": 60,
        "side_overlap_pct": 40,
        "flight": {"altitude_m": 115, "speed_m_s": 15}
    })
}

fn vehicle_one(vehicles: &Value) -> Option<&Value> {
    vehicles.as_array()?.iter().find(|v| v["sysid"] == 1)
}

fn latlon(v: &Value) -> Option<LatLon> {
    Some(LatLon::new(v["lat"].as_f64()?, v["lon"].as_f64()?))
}

/// The boat's true position at the frame nearest to `time_ms`.
fn boat_at(truth: &[TruthSample], time_ms: u64) -> LatLon {
    truth
        .iter()
        .min_by_key(|s| s.time_ms.abs_diff(time_ms))
        .expect("the agent took frames")
        .boat
}

/// The charted position of a vessel, from the scenario the station serves for its map.
fn charted(officer: &Officer, name: &str) -> LatLon {
    let (status, geojson) = officer.get("/api/v1/scenario");
    assert_eq!(status, 200, "{geojson}");
    let feature = geojson["features"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["properties"]["name"] == name))
        .unwrap_or_else(|| panic!("{name} is on the station's map"));
    let c = &feature["geometry"]["coordinates"];
    LatLon::new(c[1].as_f64().expect("latitude"), c[0].as_f64().expect("longitude"))
}

/// The planner's time for the return it ends with: from the last position back home at cruise
/// speed, then down (as `mission::endurance::estimate` counts it).
fn return_s(plan: &Plan) -> f64 {
    let items = plan.mission_items();
    let (last, alt) = items
        .iter()
        .take_while(|i| !matches!(i, MissionItem::ReturnToLaunch))
        .filter_map(MissionItem::target)
        .last()
        .expect("the plan flies somewhere");
    let model = EnergyModel::default();
    let home = plan.home.horizontal();
    distance_m(last, home) / plan.cruise_speed_m_s + alt / model.descent_rate_m_s
}

fn navigation_items(plan: &Plan) -> usize {
    plan.mission_items()
        .iter()
        .filter(|i| {
            !matches!(
                i,
                MissionItem::ChangeSpeed { .. } | MissionItem::CameraTriggerDistance { .. }
            )
        })
        .count()
}

#[test]
fn an_officer_surveys_the_anchorage_and_is_alerted_to_a_boat_alongside_the_tanker() {
    let wall = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let scratch = tempfile::tempdir().expect("scratch folder");
    let station = start_station(&runtime, &scratch.path().join("station"));
    let officer = Officer::new(
        station.http_addr,
        station.token_for(Role::Officer).expect("an officer's token"),
    );

    let (to_publisher, from_agent) = tokio::sync::mpsc::channel(256);
    let publisher = spawn_publisher(&runtime, &station.mqtt_addr, &scratch.path().join("outbox"), from_agent);
    let epoch_ms = now_ms();
    let drone = SimulatedDrone::start(
        DroneSetup {
            scenario: PortScenario::parse(integration_tests::EXAMPLE_PORT).expect("example port"),
            station_mavlink: station.mavlink_addr,
            epoch_ms,
            model: testkit::workspace_root().join("drone-agent/models/yolox_nano.onnx"),
            fast_speedup: None,
        },
        to_publisher,
    );

    // The officer plans the survey and reads its estimate.
    let (status, planned) = officer.post("/api/v1/plans", &survey_request());
    assert_eq!(status, 201, "{planned}");
    assert_eq!(planned["ok"], true, "safe to fly: {}", planned["problems"]);
    let plan_id = planned["plan_id"].as_i64().expect("plan id");
    let estimate = &planned["estimate"];
    let planned_s = estimate["time_s"].as_f64().expect("flight time");
    let battery_pct = estimate["battery_used_pct"].as_f64().expect("battery use");
    assert!(
        planned_s > 600.0
            && battery_pct > 0.0
            && battery_pct <= estimate["battery_available_pct"].as_f64().expect("budget"),
        "{estimate}"
    );
    assert!(
        planned["photos"].as_u64().is_some_and(|n| n > 100),
        "{}",
        planned["photos"]
    );
    assert!(
        planned["coverage_pct"].as_f64().is_some_and(|c| c >= 99.0),
        "{}",
        planned["coverage_pct"]
    );
    let plan: Plan = serde_json::from_value(planned["plan"].clone()).expect("the plan as JSON");

    // The drone shows up on the console with a GPS fix, and the officer launches.
    officer
        .poll(
            "/api/v1/vehicles",
            Duration::from_millis(100),
            Duration::from_secs(60),
            |vs| {
                vehicle_one(vs)
                    .filter(|v| v["gps"]["fix_type"].as_u64().is_some_and(|f| f >= 3) && v["position"].is_object())
                    .cloned()
            },
        )
        .expect("vehicle 1 discovered with a fix");
    let (status, launched) = officer.post("/api/v1/vehicles/1/launch", &json!({ "plan_id": plan_id }));
    assert_eq!(status, 200, "{launched}");

    // The survey flies in AUTO to its last item (the return to launch).
    let at_last = officer
        .poll(
            "/api/v1/vehicles",
            Duration::from_millis(100),
            Duration::from_secs(400),
            |vs| {
                let v = vehicle_one(vs)?;
                let m = &v["mission"];
                (v["mode"] == "AUTO" && m["total"].as_u64().is_some_and(|t| t > 0) && m["current_seq"] == m["total"])
                    .then(|| v.clone())
            },
        )
        .unwrap_or_else(|| panic!("the survey never reached its last item: {:?}", drone.view()));
    let view = drone.view();
    let surveyed_s = view.sim_s - view.armed_at_s.expect("armed");
    eprintln!(
        "survey: {surveyed_s:.0} s simulated by {:.1} s wall",
        wall.elapsed().as_secs_f64()
    );
    // MISSION_CURRENT at the last item says every earlier one was flown; the MISSION_ITEM_REACHED
    // the station counted are one message each, so a burst lost on a loaded machine (UDP, ~1 kHz
    // of telemetry at this speed) may take one or two.
    let expected = navigation_items(&plan) as u64 - 1;
    let reached = at_last["mission"]["reached_count"].as_u64().unwrap_or(0);
    assert!(
        reached <= expected && reached * 10 >= expected * 9,
        "{reached} of the {expected} navigation items before the return reported reached: {at_last}"
    );

    // The officer picks the small boat seen alongside the tanker on the survey (the test knows
    // it by the ground truth of its box, the officer by its snapshot), and orbits it.
    let vessel = drone.vessel_name.clone();
    let centre = match drone.sightings().boat_fix {
        Some((time_ms, fix)) => stored_detection(&officer, time_ms, fix),
        None => charted(&officer, &vessel),
    };
    let orbit = json!({"command": "orbit", "lat": centre.lat, "lon": centre.lon, "alt_m": 115.0,
                       "radius_m": ORBIT_RADIUS_M, "speed_m_s": ORBIT_SPEED_M_S, "turns": 0.0});
    let (status, answer) = officer.post("/api/v1/vehicles/1/commands", &orbit);
    assert_eq!(status, 200, "{answer}");
    let orbit_s = drone.view().sim_s;

    let boat_alert = officer.poll(
        "/api/v1/alerts",
        Duration::from_millis(250),
        Duration::from_secs(240),
        |alerts| {
            let boat = drone.sightings().boat_tracks;
            alerts
                .as_array()?
                .iter()
                .find(|a| a["rule"] == "boat_alongside" && a["track_id"].as_u64().is_some_and(|t| boat.contains(&t)))
                .cloned()
        },
    );
    let orbited_s = drone.view().sim_s - orbit_s;
    let (status, answer) = officer.post("/api/v1/vehicles/1/commands", &json!({"command": "return_to_launch"}));
    assert_eq!(status, 200, "{answer}");

    // Landing and disarming end the flight; the station writes its report.
    let flight = officer.poll(
        "/api/v1/flights",
        Duration::from_millis(250),
        Duration::from_secs(240),
        |flights| {
            flights
                .as_array()?
                .iter()
                .find(|f| f["mission_id"] == plan_id && f["report"].is_object())
                .cloned()
        },
    );
    let planned_to_last_s = planned_s - return_s(&plan);
    let landed = drone.view();
    let sightings = drone.sightings();
    let log = drone.stop();
    let published = runtime.block_on(publisher).expect("the publisher task");
    let (_, alerts) = officer.get("/api/v1/alerts");
    eprintln!(
        "whole flow: {:.0} s wall; {:.0} s simulated ({:.0}× overall); survey {surveyed_s:.0} s to its last item (planned {planned_to_last_s:.0} s, {planned_s:.0} s with the return), orbit {orbited_s:.0} s; \
         {} frames, {} rendered in {:.1} s, {} boat boxes; {} messages delivered; {} alerts",
        wall.elapsed().as_secs_f64(),
        log.sim_s,
        log.sim_s / log.wall_s,
        log.frames,
        log.frames_rendered,
        log.render_s,
        log.boat_boxes,
        published.stats.delivered,
        alerts.as_array().map_or(0, Vec::len),
    );
    let alert = boat_alert.unwrap_or_else(|| {
        let from = epoch_ms + (orbit_s * 1000.0) as u64;
        let swing: Vec<String> = log
            .truth
            .iter()
            .filter(|t| t.time_ms >= from)
            .step_by(20)
            .map(|t| format!("{:.1}°", t.vessel_swing_deg))
            .collect();
        panic!(
            "no boat-alongside alert on the boat after {orbited_s:.0} s of orbit; the tanker's swing from her charted \
             heading meanwhile, every 10 s: {swing:?}; {sightings:?}; alerts: {alerts}"
        )
    });
    let flight = flight.unwrap_or_else(|| panic!("no flight report; the drone: {landed:?}"));

    check_store(&station, epoch_ms, &log, &alert);
    check_alert(&alert, &alerts, &vessel, &log, &sightings);
    check_flight(&flight, &landed, &log);
    // The planner's time against the flight, both up to the final item.
    assert!(
        (surveyed_s - planned_to_last_s).abs() < 0.10 * planned_to_last_s,
        "survey flew {surveyed_s:.0} s up to its last item, planned {planned_to_last_s:.0} s"
    );
    assert!(
        published.refused.is_empty(),
        "the agent's outbox refused messages: {published:?}"
    );
    assert_eq!(
        published.stats.pending, 0,
        "everything the agent queued was delivered: {published:?}"
    );
    station.shutdown();
}

/// The agent's detections of the boat alongside, geolocated where it really was, and the boat's
/// alert with its snapshot are in the station's database.
fn check_store(station: &ground_station::station::Station, epoch_ms: u64, log: &DroneLog, alert: &Value) {
    let to = epoch_ms + (log.sim_s * 1000.0) as u64;
    let store = station.store.lock().expect("store");
    let rows = store
        .detections_between(epoch_ms as i64, to as i64)
        .expect("detections read back");
    let stored_alerts = store
        .alerts_between(epoch_ms as i64, to as i64)
        .expect("alerts read back");
    drop(store);
    let track = alert["track_id"].as_u64();
    assert!(
        stored_alerts
            .iter()
            .any(|a| a.rule == "boat_alongside" && Some(a.track_id) == track && a.snapshot_id.is_some()),
        "the boat's alert and its snapshot are stored: {stored_alerts:?}"
    );
    let boats: Vec<_> = rows.iter().filter(|d| d.class == "boat" && d.drone == DRONE).collect();
    assert!(!boats.is_empty(), "boat detections stored: {} rows in all", rows.len());
    let on_the_boat = boats
        .iter()
        .filter(|d| {
            let Some(at) = d.lat.zip(d.lon).map(|(lat, lon)| LatLon::new(lat, lon)) else {
                return false;
            };
            distance_m(at, boat_at(&log.truth, d.time as u64)) < 15.0
        })
        .count();
    let batches: std::collections::BTreeSet<u64> = boats.iter().map(|d| d.msg_id).collect();
    assert!(
        on_the_boat > 0,
        "some of {} boat detections ({} batches) lie within 15 m of the boat alongside",
        boats.len(),
        batches.len()
    );
}

/// The boat's alert: about the tanker, on a track of the boat, where the boat really was, after
/// the dwell, with the snapshot of the track.
fn check_alert(alert: &Value, alerts: &Value, vessel: &str, log: &DroneLog, sightings: &Sightings) {
    assert_eq!(alert["vessel"], vessel, "{alert}");
    assert_eq!(alert["drone_id"], DRONE, "{alert}");
    assert_eq!(alert["class"], "boat", "{alert}");
    assert_eq!(alert["severity"], "critical", "{alert}");
    let (first, last) = (
        alert["first_seen"].as_u64().unwrap_or(0),
        alert["last_seen"].as_u64().unwrap_or(0),
    );
    assert!(last >= first + 30_000, "dwell of 30 s on the tracks' clock: {alert}");
    let at = latlon(alert).expect("alert position");
    let off = distance_m(at, boat_at(&log.truth, last));
    eprintln!("alert: {} ({off:.1} m from the boat)", alert["summary"]);
    assert!(off < 15.0, "the alert is {off:.1} m from the boat: {alert}");
    assert!(
        alert["snapshot"].is_object(),
        "the track's snapshot came with it: {alert}"
    );
    let on_hull: Vec<&Value> = alerts
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| {
            a["track_id"]
                .as_u64()
                .is_some_and(|t| sightings.vessel_tracks.contains(&t))
        })
        .collect();
    // Known: the tanker is a "boat" to a COCO detector, and seen obliquely the bottom of its box
    // is its near side at the waterline, so its own track may be taken for a boat alongside.
    eprintln!("alerts on the tanker's own tracks: {}", on_hull.len());
}

/// Where the station stored the detection the agent made at `time_ms` near `fix`, read back
/// through the API as the officer's map shows it.
fn stored_detection(officer: &Officer, time_ms: u64, fix: LatLon) -> LatLon {
    let (status, rows) = officer.get(&format!("/api/v1/detections?from={time_ms}&to={time_ms}"));
    assert_eq!(status, 200, "{rows}");
    rows.as_array()
        .into_iter()
        .flatten()
        .filter_map(latlon)
        .min_by(|a, b| distance_m(*a, fix).total_cmp(&distance_m(*b, fix)))
        .filter(|at| distance_m(*at, fix) < 0.5)
        .unwrap_or_else(|| panic!("the boat's detection at {time_ms} reached the station: {rows}"))
}

/// The flight: landed and disarmed at home, a non-empty tlog, a report covering the anchorage.
fn check_flight(flight: &Value, landed: &flow_support::drone::DroneView, log: &DroneLog) {
    assert_eq!(flight["status"], "landed", "{flight}");
    assert!(!landed.armed, "{landed:?}");
    assert_eq!(landed.mode, Some(CopterMode::Rtl), "landed by the return: {landed:?}");
    let home = log.home.expect("home");
    let at = landed.position.expect("position");
    assert!(
        distance_m(at.horizontal(), home.horizontal()) < 5.0,
        "landed at home: {landed:?}"
    );
    let tlog = flight["tlog_path"].as_str().expect("tlog path");
    let bytes = std::fs::metadata(Path::new(tlog)).map(|m| m.len()).unwrap_or(0);
    assert!(bytes > 0, "{tlog} holds the flight's MAVLink");
    let report = &flight["report"];
    let coverage = report["coverage_pct"].as_f64().expect("coverage");
    assert!(coverage >= 95.0, "coverage {coverage:.1} %: {report}");
    assert_eq!(report["coverage_source"], "camera_feedback", "{report}");
    let photos = report["photos"].as_u64().unwrap_or(0);
    // Each photo is one CAMERA_FEEDBACK: a burst of telemetry lost on a loaded machine may take some.
    let taken = u64::from(landed.images_taken);
    assert!(
        photos <= taken && photos * 10 >= taken * 9,
        "{photos} of the {taken} photos the vehicle took are in the log: {report}"
    );
    eprintln!("report: {report}");
}
