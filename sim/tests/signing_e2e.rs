//! A vehicle given a signing key refuses unsigned and wrongly signed commands from a real
//! pymavlink ground station, obeys the rightly signed one, and signs what it sends.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;

use mission::geodesy::Geodetic;
use sim::autopilot::{Vehicle, VehicleConfig};
use sim::link::VehicleLink;
use sim::protocol::SigningKey;
use sim::runner::{BackgroundFleet, Endpoint, Fleet};
use testkit::workspace_root;

fn ask(python: &std::path::Path, key: &[u8; 32], mode: &str) -> serde_json::Value {
    let vehicle = Vehicle::new(VehicleConfig::new(1, Geodetic::new(44.3975, 8.9005, 4.0), 3));
    let link = VehicleLink::new(
        vehicle,
        Some(SigningKey {
            secret: *key,
            link_id: 0,
        }),
        3,
    );
    let ep = Endpoint::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0), vec![]).expect("bind");
    let port = ep.local_addr().expect("addr").port();
    let sim = BackgroundFleet::start(Fleet::new(vec![link], vec![ep], vec![]), Some(5.0), 600.0);
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let out = Command::new(python)
        .arg(workspace_root().join("sim/tests/peers/signed_commands.py"))
        .args([&port.to_string(), &hex, mode])
        .output()
        .expect("python runs");
    drop(sim);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).expect("JSON from the script")
}

#[test]
fn signed_vehicle_obeys_only_rightly_signed_commands() {
    let Some(python) = testkit::python(
        "pymavlink",
        "import os; os.environ['MAVLINK20'] = '1'; import pymavlink.mavutil",
    ) else {
        return;
    };
    let key = testkit::fresh_signing_key();
    let unsigned = ask(&python, &key, "none");
    assert_eq!(
        unsigned["ack"],
        serde_json::Value::Null,
        "unsigned ARM must get no answer: {unsigned}"
    );
    let wrong = ask(&python, &key, "wrong");
    assert_eq!(
        wrong["ack"],
        serde_json::Value::Null,
        "wrongly signed ARM must get no answer: {wrong}"
    );
    assert_eq!(
        wrong["heartbeat_signed"],
        serde_json::Value::Null,
        "and our frames fail its check: {wrong}"
    );
    let right = ask(&python, &key, "right");
    assert_eq!(
        right["ack"], 0,
        "rightly signed ARM is accepted (MAV_RESULT_ACCEPTED): {right}"
    );
    assert_eq!(right["ack_signed"], true, "the vehicle signs what it sends: {right}");
}
