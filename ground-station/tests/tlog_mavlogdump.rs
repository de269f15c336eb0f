//! A tlog of a simulated flight, both directions, read by pymavlink's `mavlogdump.py`: every
//! message, with its type, sender, time and values. A truncated copy reads as far as it goes.
//!
//! Runs pymavlink from `PORTOPS_PYTHON`, else `<workspace>/.venv/bin/python`; without it the
//! peer check prints SKIPPED (fails with `PORTOPS_REQUIRE_PEERS=1`).

use std::process::Command;

use ground_station::tlog::{TlogProblem, TlogWriter, decode, read_tlog_file};
use mavlink::Message;
use mavlink::dialects::ardupilotmega::{COMMAND_LONG_DATA, HEARTBEAT_DATA, MavCmd, MavMessage, MavType};
use mission::geodesy::{Geodetic, LatLon, destination};
use mission::mavlink_items::{EncodeOptions, encode_mission};
use mission::plan::{MissionItem, Plan, PlanElement};
use serde_json::Value;
use sim::autopilot::{CopterMode, Vehicle, VehicleConfig, telemetry};
use sim::runner::STEP_S;
use testkit::TempFile;

/// Wall-clock origin of the simulated flight (2023-11-14T22:13:20Z), microseconds.
const EPOCH_US: u64 = 1_700_000_000_000_000;

/// One message as logged: when, who, what.
struct Logged {
    time_us: u64,
    sysid: u8,
    message: MavMessage,
}

/// A short AUTO flight (take-off, 150 m out taking photos, return) logged like a station:
/// vehicle telemetry at 4 Hz and its events, the station's heartbeats and commands.
fn fly() -> Vec<Logged> {
    let home = Geodetic {
        lat: 44.3994604,
        lon: 8.8974826,
        alt: 4.0,
    };
    let mut plan = Plan::new(home);
    let out = destination(home.horizontal(), 180.0, 150.0);
    for item in [
        MissionItem::Takeoff {
            position: None,
            alt_m: 30.0,
        },
        MissionItem::CameraTriggerDistance { distance_m: 25.0 },
        MissionItem::waypoint(out, 30.0),
        MissionItem::CameraTriggerDistance { distance_m: 0.0 },
        MissionItem::ReturnToLaunch,
    ] {
        plan.elements.push(PlanElement::Item(item));
    }
    let mut v = Vehicle::new(VehicleConfig::new(1, home, 7));
    v.load_mission(encode_mission(&plan, &EncodeOptions::default()).expect("encodes"));
    let mut log = Vec::new();
    let mut t = 0.0f64;
    let stamp = |t: f64| EPOCH_US + (t * 1e6) as u64;
    let gcs_heartbeat = MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        mavtype: MavType::MAV_TYPE_GCS,
        mavlink_version: 3,
        ..Default::default()
    });
    for _ in 0..(2.0 / STEP_S) as usize {
        v.step(STEP_S);
        t += STEP_S;
    }
    v.set_mode(CopterMode::Auto).expect("AUTO");
    log.push(Logged {
        time_us: stamp(t),
        sysid: 255,
        message: MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
            command: MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            param1: 1.0,
            target_system: 1,
            target_component: 1,
            ..Default::default()
        }),
    });
    v.arm(false).expect("arms");
    let mut k = 0u64;
    while v.armed() && t < 600.0 {
        v.step(STEP_S);
        t += STEP_S;
        k += 1;
        for message in v.take_events() {
            log.push(Logged {
                time_us: stamp(t),
                sysid: 1,
                message,
            });
        }
        if k.is_multiple_of(100) {
            let s = v.snapshot();
            for message in [
                telemetry::heartbeat(&s),
                telemetry::global_position_int(&s),
                telemetry::sys_status(&s),
                telemetry::vfr_hud(&s),
                telemetry::attitude(&s),
            ] {
                log.push(Logged {
                    time_us: stamp(t),
                    sysid: 1,
                    message,
                });
            }
        }
        if k.is_multiple_of(400) {
            log.push(Logged {
                time_us: stamp(t),
                sysid: 255,
                message: gcs_heartbeat.clone(),
            });
        }
    }
    assert!(!v.armed(), "landed");
    log
}

fn write(log: &[Logged]) -> TempFile {
    let file = TempFile::new("tlog", "flight", "tlog");
    let mut vehicle = mavlink_io::Codec::new(1, 1, None);
    let mut gcs = mavlink_io::Codec::new(255, 190, None);
    let mut w = TlogWriter::create(&file.0).expect("creates the tlog");
    for m in log {
        let codec = if m.sysid == 1 { &mut vehicle } else { &mut gcs };
        w.write_frame(m.time_us, &codec.encode(&m.message)).expect("writes");
    }
    w.finish().expect("flushes");
    file
}

/// The fields this test checks, as pymavlink names them, with their values.
fn expected_fields(m: &MavMessage) -> Vec<(&'static str, f64)> {
    match m {
        MavMessage::GLOBAL_POSITION_INT(g) => vec![
            ("lat", f64::from(g.lat)),
            ("lon", f64::from(g.lon)),
            ("relative_alt", f64::from(g.relative_alt)),
            ("hdg", f64::from(g.hdg)),
            ("vx", f64::from(g.vx)),
        ],
        MavMessage::SYS_STATUS(s) => vec![
            ("voltage_battery", f64::from(s.voltage_battery)),
            ("battery_remaining", f64::from(s.battery_remaining)),
        ],
        MavMessage::HEARTBEAT(h) => vec![("custom_mode", f64::from(h.custom_mode))],
        MavMessage::CAMERA_FEEDBACK(c) => vec![
            ("lat", f64::from(c.lat)),
            ("lng", f64::from(c.lng)),
            ("img_idx", f64::from(c.img_idx)),
            ("alt_rel", f64::from(c.alt_rel)),
        ],
        MavMessage::MISSION_ITEM_REACHED(r) => vec![("seq", f64::from(r.seq))],
        MavMessage::COMMAND_LONG(c) => vec![("command", c.command as u32 as f64), ("param1", f64::from(c.param1))],
        MavMessage::VFR_HUD(h) => vec![("groundspeed", f64::from(h.groundspeed)), ("alt", f64::from(h.alt))],
        MavMessage::ATTITUDE(a) => vec![("yaw", f64::from(a.yaw))],
        _ => Vec::new(),
    }
}

#[test]
fn mavlogdump_reads_every_message_of_our_tlog() {
    let log = fly();
    let file = write(&log);
    // Our own reader first: every record back, nothing wrong.
    let read = read_tlog_file(&file.0).expect("reads");
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.records.len(), log.len());
    let (msgs, undecoded) = decode(&read.records);
    assert_eq!((msgs.len(), undecoded), (log.len(), 0));
    let photos = log
        .iter()
        .filter(|m| matches!(m.message, MavMessage::CAMERA_FEEDBACK(_)))
        .count();
    assert!(photos >= 4, "{photos} photos on a 150 m leg every 25 m");

    let Some(python) = testkit::python(
        "pymavlink",
        // Importing the script would run it: look it up instead.
        "import os, sys, importlib.util; os.environ['MAVLINK20'] = '1'; import pymavlink.mavutil; \
         sys.exit(0 if importlib.util.find_spec('pymavlink.tools.mavlogdump') else 'no pymavlink.tools.mavlogdump')",
    ) else {
        return;
    };
    let mut c = Command::new(python);
    c.env("MAVLINK20", "1")
        .args(["-m", "pymavlink.tools.mavlogdump", "--format", "json", "--show-source"])
        .args(["--dialect", "ardupilotmega"])
        .arg(&file.0);
    let dumped = testkit::json_lines(c, "mavlogdump.py");
    let bad: Vec<&Value> = dumped.iter().filter(|d| d["meta"]["type"] == "BAD_DATA").collect();
    assert!(bad.is_empty(), "mavlogdump found bad data: {bad:?}");
    assert_eq!(dumped.len(), log.len(), "every message, no more");
    for (i, (ours, theirs)) in log.iter().zip(&dumped).enumerate() {
        let meta = &theirs["meta"];
        assert_eq!(meta["type"], ours.message.message_name(), "message {i}");
        assert_eq!(meta["srcSystem"], u64::from(ours.sysid), "message {i}");
        let ts = meta["timestamp"].as_f64().expect("timestamp");
        assert!((ts - ours.time_us as f64 / 1e6).abs() < 1e-5, "message {i}: {ts}");
        for (field, value) in expected_fields(&ours.message) {
            let got = theirs["data"][field].as_f64().unwrap_or(f64::NAN);
            assert!(
                (got - value).abs() <= 1e-6 * value.abs().max(1.0),
                "message {i} {} {field}: {got} vs {value}",
                meta["type"]
            );
        }
    }
    let text: Vec<&str> = dumped
        .iter()
        .filter(|d| d["meta"]["type"] == "STATUSTEXT")
        .filter_map(|d| d["data"]["text"].as_str())
        .collect();
    assert!(!text.is_empty(), "the vehicle's messages are in the log too");
}

#[test]
fn a_tlog_cut_in_its_last_record_reads_to_there_and_says_so() {
    let log = fly();
    let file = write(&log);
    let bytes = std::fs::read(&file.0).expect("reads");
    let cut = TempFile::new("tlog", "cut", "tlog");
    std::fs::write(&cut.0, &bytes[..bytes.len() - 5]).expect("writes");
    let read = read_tlog_file(&cut.0).expect("reads");
    assert_eq!(read.records.len(), log.len() - 1);
    match read.problems.as_slice() {
        [TlogProblem::Truncated { record, offset, .. }] => {
            assert_eq!(*record, log.len() - 1);
            let last_len = read.records.iter().map(|r| 8 + r.frame.len() as u64).sum::<u64>();
            assert_eq!(*offset, last_len, "where the last record starts");
        }
        other => panic!("{other:?}"),
    }
    // A station restarted mid-flight appends to the cut log: the stub is skipped, nothing after it lost.
    let mut w = TlogWriter::append(&cut.0).expect("opens");
    let mut codec = mavlink_io::Codec::new(255, 190, None);
    let hb = MavMessage::HEARTBEAT(HEARTBEAT_DATA::default());
    w.write_frame(log[log.len() - 1].time_us + 1_000_000, &codec.encode(&hb))
        .expect("writes");
    w.finish().expect("flushes");
    let again = read_tlog_file(&cut.0).expect("reads");
    assert_eq!(again.records.len(), log.len());
    assert!(
        matches!(again.problems.as_slice(), [TlogProblem::Skipped { after, .. }] if *after == log.len() - 1),
        "{:?}",
        again.problems
    );
    // The report side can still use what was read.
    let (track, photos, _) = ground_station::report::from_tlog(&read, 1);
    assert!(!track.is_empty() && !photos.is_empty());
    let far = track
        .iter()
        .map(|p| mission::geodesy::distance_m(LatLon::new(p.lat, p.lon), LatLon::new(44.3994604, 8.8974826)))
        .fold(0.0, f64::max);
    assert!((140.0..170.0).contains(&far), "flew {far:.0} m out");
}
