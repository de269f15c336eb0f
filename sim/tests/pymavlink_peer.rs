//! pymavlink, as a ground station, flies a mission on the simulator over UDP: it uploads with the
//! standard protocol, arms, switches to AUTO and sees every MISSION_ITEM_REACHED and the landing.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;

use mission::geodesy::{Geodetic, destination};
use mission::mavlink_items::{EncodeOptions, encode_mission, items_to_json};
use mission::plan::{MissionItem, Plan, PlanElement};
use sim::autopilot::{Vehicle, VehicleConfig};
use sim::link::VehicleLink;
use sim::runner::{BackgroundFleet, Endpoint, Fleet};
use testkit::{TempFile, workspace_root};

const HOME: Geodetic = Geodetic::new(44.3975, 8.9005, 4.0);

/// A simulator with one vehicle on an ephemeral port, running in a thread at `speedup`.
fn start_sim(speedup: f64) -> (u16, BackgroundFleet) {
    let vehicle = Vehicle::new(VehicleConfig::new(1, HOME, 7));
    let link = VehicleLink::new(vehicle, None, 7);
    let ep = Endpoint::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0), vec![]).expect("bind");
    let port = ep.local_addr().expect("local addr").port();
    // Bounded: 30 simulated minutes at most, whatever the peer does.
    (
        port,
        BackgroundFleet::start(Fleet::new(vec![link], vec![ep], vec![]), Some(speedup), 1800.0),
    )
}

#[test]
fn pymavlink_uploads_arms_flies_auto_and_sees_every_item_and_the_landing() {
    let Some(python) = testkit::python(
        "pymavlink",
        "import os; os.environ['MAVLINK20'] = '1'; import pymavlink.mavutil",
    ) else {
        return;
    };
    let h = HOME.horizontal();
    let a = destination(h, 30.0, 120.0);
    let b = destination(a, 120.0, 120.0);
    let mut plan = Plan::new(HOME);
    plan.elements = vec![
        PlanElement::Item(MissionItem::Takeoff {
            position: None,
            alt_m: 25.0,
        }),
        PlanElement::Item(MissionItem::waypoint(a, 25.0)),
        PlanElement::Item(MissionItem::ChangeSpeed { speed_m_s: 8.0 }),
        PlanElement::Item(MissionItem::waypoint(b, 35.0)),
        PlanElement::Item(MissionItem::ReturnToLaunch),
    ];
    let items = encode_mission(&plan, &EncodeOptions::default()).expect("encodes");
    let json = serde_json::json!({ "mission": items_to_json(&items) });
    let file = TempFile::new("pymavlink", "mission", "json");
    std::fs::write(&file.0, json.to_string()).unwrap();

    let (port, sim) = start_sim(25.0);
    let out = Command::new(&python)
        .arg(workspace_root().join("interop/python/fly_plan.py"))
        .arg(port.to_string())
        .arg(&file.0)
        .output()
        .expect("python runs");
    drop(sim);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "script failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON from the script");
    assert_eq!(result["uploaded"]["mission"], 6, "home + 5 items requested and sent");
    // Navigation items: take-off 1, waypoints 2 and 4, RTL 5.
    assert_eq!(result["reached"], serde_json::json!([1, 2, 4, 5]), "{result}");
    assert_eq!(result["landed"], true, "{result}");
}
