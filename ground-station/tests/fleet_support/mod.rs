//! Shared by the fleet tests: simulated vehicles in this process, each on its own UDP port, and
//! a station that dials them.

// Each test file uses part of this module.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use ground_station::fleet::{Fleet, FleetConfig, Timing};
use mavlink_io::SigningKey;
use mission::geodesy::{Geodetic, destination};
use sim::autopilot::{Vehicle, VehicleConfig};
use sim::failures::TimedFailure;
use sim::link::VehicleLink;
use sim::runner::{BackgroundFleet, Endpoint, Fleet as SimFleet};

pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The example port's launch pad (data/scenarios/example-port.geojson).
pub const EXAMPLE_PORT: &str = include_str!("../../../data/scenarios/example-port.geojson");

/// Simulated vehicles running in a background thread, stopped when dropped.
pub struct Sim {
    pub addrs: Vec<SocketAddr>,
    _fleet: BackgroundFleet,
}

/// `n` vehicles (system ids 1..=n) 20 m apart eastwards from `home`, at `speedup`, signed with
/// `key` when given; `setup` may change each vehicle's link (parameters, failures).
pub fn start_sim(
    n: u8,
    home: Geodetic,
    key: Option<SigningKey>,
    speedup: f64,
    setup: impl FnMut(&mut VehicleLink),
) -> Sim {
    start_sim_with_failures(n, home, key, speedup, setup, vec![])
}

/// As [`start_sim`], with SIM_* parameter changes at set simulated times.
pub fn start_sim_with_failures(
    n: u8,
    home: Geodetic,
    key: Option<SigningKey>,
    speedup: f64,
    mut setup: impl FnMut(&mut VehicleLink),
    failures: Vec<TimedFailure>,
) -> Sim {
    let mut links = Vec::new();
    let mut endpoints = Vec::new();
    let mut addrs = Vec::new();
    for sysid in 1..=n {
        let start = destination(home.horizontal(), 90.0, 20.0 * f64::from(sysid - 1));
        let vehicle = Vehicle::new(VehicleConfig::new(sysid, start.with_alt(home.alt), 7));
        let mut link = VehicleLink::new(vehicle, key.clone(), 7);
        setup(&mut link);
        let ep = Endpoint::bind(SocketAddr::new(LOOPBACK, 0), vec![]).expect("bind a vehicle port");
        addrs.push(ep.local_addr().expect("vehicle address"));
        links.push(link);
        endpoints.push(ep);
    }
    let fleet = BackgroundFleet::start(SimFleet::new(links, endpoints, failures), Some(speedup), 3600.0);
    Sim { addrs, _fleet: fleet }
}

/// A station on an ephemeral loopback port dialling `addrs`.
pub fn station(addrs: &[SocketAddr], key: Option<SigningKey>) -> Fleet {
    let mut config = FleetConfig::new(SocketAddr::new(LOOPBACK, 0));
    config.dial = addrs.to_vec();
    config.signing = key;
    Fleet::start(config).expect("station starts")
}

/// Quick give-up timing for tests that expect silence.
pub fn impatient() -> Timing {
    Timing {
        timeout: Duration::from_millis(200),
        retries: 2,
        ..Timing::default()
    }
}

/// Waits for vehicle `sysid` with a GPS fix (the simulator needs a moment for one).
pub async fn ready(fleet: &Fleet, sysid: u8) {
    let found = fleet
        .wait_for(sysid, Duration::from_secs(20), |s| {
            s.gps.as_ref().is_some_and(|g| g.fix_type >= 3) && s.position.is_some()
        })
        .await;
    assert!(found.is_some(), "vehicle {sysid} not ready: {:?}", fleet.vehicle(sysid));
}
