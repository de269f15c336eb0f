//! MAVSDK (mavsdk_server, gRPC API) flies the `sim` binary: uploads a geofence and a mission, arms, starts it, sees it finish and land.
//!
//! `sim/tests/peers/mavsdk_fly.py` starts the simulator and mavsdk_server (`udpout://`, so
//! MAVSDK writes first and becomes the vehicle's peer) and drives MAVSDK through its gRPC
//! Python API; this test checks its JSON report. What a ground station built on MAVSDK would
//! rely on is asserted: the Geofence plugin's upload is accepted and reads back as the same
//! inclusion polygon, MissionRaw's upload is accepted and reads back unchanged, Action.arm and
//! MissionRaw.start_mission succeed, MissionRaw's progress goes through every item in order
//! to current == total, is_mission_finished says so, and the vehicle is seen in the air, then
//! disarmed on the ground at home after the RTL.
//!
//! mavsdk_server's gRPC server binds 0.0.0.0, so simulator, server and script run together in a
//! network namespace with only loopback (`unshare --net`, as root), in a PID namespace too, so
//! that killing the namespace's first process on a timeout takes every child with it. Without
//! a namespace the test prints SKIPPED, or fails with `PORTOPS_REQUIRE_PEERS=1`;
//! `PORTOPS_ALLOW_WIDE_BIND=1` runs it without isolation instead. A missing Python peer
//! (`PORTOPS_PYTHON`, else `<workspace>/.venv/bin/python`) is handled the same way.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::workspace_root;

const PEER: &str = "mavsdk";
/// Everything the script imports, and the server binary it starts.
const PROBE: &str = "import os, sys; import grpc, mavsdk_grpc; \
    from mavsdk_grpc.geofence import GeofenceData; from mavsdk_grpc.mission_raw import MissionItem; \
    p = os.path.join(os.path.dirname(mavsdk_grpc.__file__), 'bin', 'mavsdk_server'); \
    os.access(p, os.X_OK) or sys.exit('no executable mavsdk_server at ' + p)";
const SCRIPT: &str = "sim/tests/peers/mavsdk_fly.py";
/// The script gives up by itself after 150 s; this only catches one that hangs regardless.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);
/// Home as the example port uses it: lat, lon, alt AMSL.
const HOME: (&str, &str, &str) = ("44.3975", "8.9005", "4");
/// Vehicle 1's port inside a fresh namespace, where every port is free.
const NAMESPACE_PORT: u16 = 5760;
/// Items: home (0), take-off, three waypoints, RTL.
const MISSION_ITEMS: u64 = 6;
/// MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION.
const FENCE_INCLUSION_VERTEX: u64 = 5001;
/// RTL lands on home; the position estimate is within a few decimetres here.
const LANDED_WITHIN_M: f64 = 5.0;
const LANDED_BELOW_M: f64 = 1.0;

/// The script's command line: python, the script, home, then the simulator's own command.
fn flight_command(python: &std::path::Path, port: u16) -> Vec<String> {
    let home = format!("{},{},{}", HOME.0, HOME.1, HOME.2);
    let mut argv: Vec<String> = vec![python.display().to_string(), SCRIPT.into()];
    argv.extend([HOME.0, HOME.1, HOME.2, "--"].map(String::from));
    argv.push(env!("CARGO_BIN_EXE_sim").into());
    for arg in [
        "run",
        "--vehicles",
        "1",
        "--speedup",
        "10",
        "--home",
        &home,
        "--duration",
        "600",
    ] {
        argv.push(arg.into());
    }
    argv.extend(["--base-port".into(), port.to_string()]);
    argv
}

/// Runs the flight and returns the script's JSON report.
fn fly(python: &std::path::Path, isolation: &testkit::Isolation) -> Value {
    let mut command = match isolation {
        testkit::Isolation::Namespace => testkit::command_for(&flight_command(python, NAMESPACE_PORT), true),
        testkit::Isolation::WideBind => testkit::command_for(&flight_command(python, testkit::free_udp_port()), false),
    };
    command
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let (status, stdout, stderr) = testkit::run_with_timeout(command, SCRIPT_TIMEOUT);
    eprintln!(
        "MAVSDK flight took {:.1} s of wall time",
        started.elapsed().as_secs_f64()
    );
    let status =
        status.unwrap_or_else(|| panic!("{SCRIPT} ran over {SCRIPT_TIMEOUT:?} and was killed; stderr:\n{stderr}"));
    assert!(status.success(), "{SCRIPT} failed ({status}):\n{stderr}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("bad JSON from {SCRIPT} ({e}):\n{stdout}\n{stderr}"))
}

#[test]
fn mavsdk_uploads_fence_and_mission_arms_starts_and_sees_it_finish_and_land() {
    let Some(python) = testkit::python(PEER, PROBE) else {
        return;
    };
    let Some(isolation) = testkit::wide_bind_isolation(PEER, "mavsdk_server's gRPC port") else {
        return;
    };
    let report = fly(&python, &isolation);
    eprintln!("MAVSDK report: {report}");

    // Geofence plugin: accepted, and what the vehicle stores is the polygon, vertex by vertex.
    assert_eq!(report["fence_uploaded"], true, "{report}");
    let sent = report["fence_sent"].as_array().expect("fence_sent");
    let stored = report["fence_downloaded"].as_array().expect("fence_downloaded");
    assert_eq!(stored.len(), sent.len(), "one fence item per vertex: {report}");
    for (i, (item, vertex)) in stored.iter().zip(sent).enumerate() {
        assert_eq!(item["command"], FENCE_INCLUSION_VERTEX, "vertex {i}: {report}");
        assert_eq!(
            item["vertices"].as_f64(),
            Some(sent.len() as f64),
            "vertex {i}: count in param1"
        );
        assert_eq!((&item["x"], &item["y"]), (&vertex["x"], &vertex["y"]), "vertex {i}");
    }

    // MissionRaw: accepted, and read back as uploaded.
    assert_eq!(report["uploaded"], MISSION_ITEMS, "{report}");
    assert_eq!(report["downloaded"], true, "the mission read back differs: {report}");

    // Progress through every item in order, ending at current == total (the RTL reached).
    // A [0, total] before the start is the vehicle's MISSION_CURRENT of home, before the
    // subscription may or may not have caught it.
    let progress: Vec<&Value> = report["progress"]
        .as_array()
        .expect("progress")
        .iter()
        .skip_while(|p| p[0] == 0)
        .collect();
    let expected: Vec<Value> = (1..=MISSION_ITEMS)
        .map(|current| json!([current, MISSION_ITEMS]))
        .collect();
    assert_eq!(progress, expected.iter().collect::<Vec<_>>(), "{report}");
    assert_eq!(report["finished"], true, "MissionRaw.is_mission_finished: {report}");
    let modes = report["flight_modes"].as_array().expect("flight_modes");
    assert!(
        modes.contains(&json!("MISSION")),
        "flown in AUTO (MAVSDK's MISSION): {report}"
    );

    // It flew, came back and landed: disarmed on the ground at home.
    assert_eq!(report["in_air_seen"], true, "{report}");
    assert_eq!(report["landed"], true, "{report}");
    assert_eq!(report["in_air_at_end"], false, "{report}");
    let from_home = report["final_from_home_m"].as_f64().expect("final_from_home_m");
    assert!(from_home < LANDED_WITHIN_M, "landed {from_home} m from home: {report}");
    let alt = report["final_relative_alt_m"].as_f64().expect("final_relative_alt_m");
    assert!(alt.abs() < LANDED_BELOW_M, "landed at {alt} m above home: {report}");
}
