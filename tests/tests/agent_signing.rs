//! The drone agent between the simulator and a real pymavlink ground station: with the right
//! key a command gets through and the answer comes back signed; unsigned or wrongly signed, it
//! is refused (and counted), while the autopilot link stays unsigned.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;

use drone_agent::router::Router;
use drone_agent::router::udp::RouterThread;
use mavlink_io::SigningKey;
use mission::geodesy::Geodetic;
use sim::autopilot::{Vehicle, VehicleConfig};
use sim::link::VehicleLink;
use sim::runner::{BackgroundFleet, Endpoint, Fleet};
use testkit::workspace_root;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn ask(python: &std::path::Path, key: [u8; 32], mode: &str) -> (serde_json::Value, u64) {
    let vehicle = Vehicle::new(VehicleConfig::new(1, Geodetic::new(44.3975, 8.9005, 4.0), 5));
    let ep = Endpoint::bind(SocketAddr::new(LOOPBACK, 0), vec![]).expect("bind");
    let autopilot = ep.local_addr().expect("addr");
    let sim = BackgroundFleet::start(
        Fleet::new(vec![VehicleLink::new(vehicle, None, 5)], vec![ep], vec![]),
        Some(5.0),
        600.0,
    );
    let router = Router::new(
        1,
        1,
        Some(SigningKey {
            secret: key,
            link_id: 0,
        }),
    );
    let agent = RouterThread::start(router, autopilot, &[SocketAddr::new(LOOPBACK, 0)]).expect("agent starts");
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let out = Command::new(python)
        .arg(workspace_root().join("sim/tests/peers/signed_commands.py"))
        .args([&agent.gcs_addrs[0].port().to_string(), &hex, mode])
        .output()
        .expect("python runs");
    std::thread::sleep(std::time::Duration::from_millis(150));
    let refused = agent
        .shared
        .stats
        .lock()
        .map(|s| s.gcs_codecs[0].rejected())
        .unwrap_or(0);
    drop(agent);
    drop(sim);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    (
        serde_json::from_str(stdout.trim()).expect("JSON from the script"),
        refused,
    )
}

#[test]
fn only_rightly_signed_ground_station_traffic_crosses_the_agent() {
    let Some(python) = testkit::python(
        "pymavlink",
        "import os; os.environ['MAVLINK20'] = '1'; import pymavlink.mavutil",
    ) else {
        return;
    };
    let key = testkit::fresh_signing_key();
    let (unsigned, refused) = ask(&python, key, "none");
    assert_eq!(unsigned["ack"], serde_json::Value::Null, "{unsigned}");
    assert!(refused > 0, "unsigned frames are counted as refused");
    let (wrong, refused) = ask(&python, key, "wrong");
    assert_eq!(wrong["ack"], serde_json::Value::Null, "{wrong}");
    assert!(refused > 0);
    let (right, _) = ask(&python, key, "right");
    assert_eq!(right["ack"], 0, "ARM accepted through the agent: {right}");
    assert_eq!(
        right["ack_signed"], true,
        "and the answer is signed by the agent: {right}"
    );
}
