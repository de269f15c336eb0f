//! MAVLink 2 signing between the station and simulated vehicles: with the same key commands go
//! through and everything the station sends is signed; an unsigned station is ignored by a
//! signed vehicle; a signed station refuses (and counts) an unsigned or wrongly signed vehicle
//! unless that vehicle's link is configured unsigned.

mod fleet_support;

use std::net::SocketAddr;
use std::time::Duration;

use fleet_support::{LOOPBACK, impatient, ready, start_sim, station};
use ground_station::fleet::{CommandError, Direction, Fleet, FleetConfig, FlightMode, VehicleCommand};
use mavlink_io::SigningKey;
use mission::geodesy::Geodetic;

fn home() -> Geodetic {
    Geodetic::new(44.3975, 8.9005, 4.0)
}

fn key(secret: [u8; 32]) -> SigningKey {
    SigningKey { secret, link_id: 0 }
}

const GUIDED: VehicleCommand = VehicleCommand::SetMode {
    mode: FlightMode::Guided,
};

#[tokio::test]
async fn with_the_same_key_commands_go_through_and_the_station_signs_everything() {
    let secret = testkit::fresh_signing_key();
    let sim = start_sim(1, home(), Some(key(secret)), 5.0, |_| {});
    let fleet = station(&sim.addrs, Some(key(secret)));
    let mut frames = fleet.frames();
    ready(&fleet, 1).await;
    fleet.command(1, GUIDED).await.expect("a signed command is obeyed");
    let s = fleet
        .wait_for(1, Duration::from_secs(5), |s| s.mode == "GUIDED")
        .await
        .expect("mode changed");
    assert!(s.link.signed);
    assert_eq!(s.link.rejected, 0);
    let mut out = 0;
    while let Ok(frame) = frames.try_recv() {
        if frame.direction == Direction::Out {
            out += 1;
            // MAVLink 2, incompatibility flag 0x01: signed, with the 13-byte signature.
            assert_eq!((frame.bytes[0], frame.bytes[2] & 1), (0xFD, 1), "{:?}", frame.bytes);
        }
    }
    assert!(out > 0);
}

#[tokio::test]
async fn an_unsigned_station_is_ignored_by_a_signed_vehicle() {
    let sim = start_sim(1, home(), Some(key(testkit::fresh_signing_key())), 5.0, |_| {});
    let mut config = FleetConfig::new(SocketAddr::new(LOOPBACK, 0));
    config.dial = sim.addrs.clone();
    config.command_timing = impatient();
    let fleet = Fleet::start(config).expect("station");
    // Without a key the station reads the vehicle's signed telemetry...
    ready(&fleet, 1).await;
    assert!(!fleet.vehicle(1).expect("vehicle").link.signed);
    // ...but the vehicle does not obey what the station sends.
    let err = fleet.command(1, GUIDED).await.unwrap_err();
    assert!(matches!(err, CommandError::TimedOut { .. }), "{err:?}");
    assert_eq!(fleet.vehicle(1).expect("vehicle").mode, "STABILIZE");
}

#[tokio::test]
async fn a_signed_station_refuses_an_unsigned_vehicle_unless_its_link_is_configured_unsigned() {
    let secret = testkit::fresh_signing_key();
    let sim = start_sim(1, home(), None, 5.0, |_| {});
    let fleet = station(&sim.addrs, Some(key(secret)));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(fleet.vehicles().is_empty(), "never discovered: {:?}", fleet.vehicles());
    let stats = fleet.stats();
    let refused = stats.rejected.get(&1).cloned().unwrap_or_default();
    assert!(refused.unsigned > 0, "counted as unsigned: {stats:?}");
    assert_eq!(fleet.command(1, GUIDED).await, Err(CommandError::UnknownVehicle(1)));
    drop(fleet);

    let mut config = FleetConfig::new(SocketAddr::new(LOOPBACK, 0));
    config.dial = sim.addrs.clone();
    config.signing = Some(key(secret));
    config.unsigned_vehicles = vec![1];
    let fleet = Fleet::start(config).expect("station");
    ready(&fleet, 1).await;
    assert!(!fleet.vehicle(1).expect("vehicle").link.signed);
    fleet.command(1, GUIDED).await.expect("obeyed over the unsigned link");
}

#[tokio::test]
async fn a_wrong_key_is_refused_as_a_bad_signature() {
    let mine = testkit::fresh_signing_key();
    let theirs = mine.map(|b| b ^ 0x5A);
    let sim = start_sim(1, home(), Some(key(theirs)), 5.0, |_| {});
    let fleet = station(&sim.addrs, Some(key(mine)));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(fleet.vehicles().is_empty());
    let stats = fleet.stats();
    let refused = stats.rejected.get(&1).cloned().unwrap_or_default();
    assert!(refused.bad_signature > 0 && refused.unsigned == 0, "{stats:?}");
}
