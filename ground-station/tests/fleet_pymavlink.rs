//! A real peer: a pymavlink vehicle that asks for mission, fence and rally items with the legacy
//! MISSION_REQUEST (id 40), as ArduPilot does, and reports what it received; every item must
//! arrive exactly as `mission::mavlink_items` encoded it.

mod fleet_support;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use fleet_support::{EXAMPLE_PORT, LOOPBACK, station};
use ground_station::fleet::{ListKind, encode_plan};
use mission::geodesy::destination;
use mission::patterns::{FlightSettings, assemble};
use mission::plan::{MissionItem, PlanElement};
use mission::scenario::PortScenario;
use serde_json::Value;

fn number(v: f32) -> Value {
    if v.is_nan() { Value::Null } else { serde_json::json!(v) }
}

#[tokio::test]
async fn a_pymavlink_vehicle_asking_with_legacy_mission_request_gets_every_item_exactly() {
    let Some(python) = testkit::python(
        "pymavlink",
        "import os; os.environ['MAVLINK20'] = '1'; import pymavlink.mavutil",
    ) else {
        return;
    };
    let scenario = PortScenario::parse(EXAMPLE_PORT).expect("example port");
    let home = scenario.launch().expect("launch pad");
    let corners = [0.0, 120.0, 240.0]
        .iter()
        .map(|&b| PlanElement::Item(MissionItem::waypoint(destination(home.horizontal(), b, 200.0), 40.0)))
        .collect();
    let plan = assemble(
        home,
        FlightSettings {
            alt_m: 40.0,
            speed_m_s: 12.0,
        },
        &[],
        corners,
        &[],
        scenario.geofence(),
        scenario.rally_points(),
    );
    let port = testkit::free_udp_port();
    let mut peer = Command::new(python);
    peer.arg(testkit::workspace_root().join("ground-station/tests/peers/legacy_vehicle.py"))
        .args([port.to_string(), "3".to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let run = tokio::task::spawn_blocking(move || testkit::run_with_timeout(peer, Duration::from_secs(90)));

    let fleet = station(&[SocketAddr::new(LOOPBACK, port)], None);
    let vehicle = fleet
        .wait_for(1, Duration::from_secs(30), |s| s.autopilot == "ARDUPILOTMEGA")
        .await;
    assert!(vehicle.is_some(), "the pymavlink vehicle was not discovered");
    let report = fleet.upload(1, &plan).await.expect("upload to the pymavlink vehicle");
    let (status, stdout, stderr) = run.await.expect("peer thread");
    assert!(status.is_some_and(|s| s.success()), "peer failed: {stderr}");
    let uploads: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l:?}: {e}")))
        .collect();
    let lists = encode_plan(1, 1, &plan).expect("encodes");
    assert_eq!(uploads.len(), 3, "{stdout}");
    assert_eq!(
        [report.fence, report.rally, report.mission],
        [lists[0].1.len(), lists[1].1.len(), lists[2].1.len()].map(|n| n as u16)
    );
    for (upload, (list, sent)) in uploads.iter().zip(&lists) {
        assert_eq!(
            upload["mission_type"],
            list.common() as u32,
            "upload order: fence, rally, mission"
        );
        assert_eq!(upload["count"], sent.len(), "{list}");
        let got = upload["items"].as_array().expect("items");
        assert_eq!(got.len(), sent.len(), "{list}");
        assert!(!got.is_empty(), "{list} has items");
        for (g, s) in got.iter().zip(sent) {
            assert_eq!(g["msg"], "MISSION_ITEM_INT", "answered with exact integer positions");
            assert_eq!(g["seq"], s.seq);
            assert_eq!(g["command"], s.command as u32, "{list} item {}", s.seq);
            assert_eq!(g["frame"], s.frame as u32);
            assert_eq!(
                (g["x"].as_i64(), g["y"].as_i64()),
                (Some(i64::from(s.x)), Some(i64::from(s.y)))
            );
            assert_eq!(g["z"], number(s.z));
            assert_eq!(
                g["params"],
                Value::Array(vec![
                    number(s.param1),
                    number(s.param2),
                    number(s.param3),
                    number(s.param4)
                ])
            );
            assert_eq!(g["autocontinue"], s.autocontinue);
        }
    }
    assert_eq!(lists[2].0, ListKind::Mission);
}
