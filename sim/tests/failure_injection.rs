//! Failure injection from a scenario file and the command line, link loss, and determinism.

use mavlink::dialects::ardupilotmega::{MavMessage, PARAM_REQUEST_READ_DATA};
use mission::geodesy::{Geodetic, destination, distance_m};
use sim::autopilot::{CopterMode, Vehicle, VehicleConfig};
use sim::failures::{parse_file, parse_spec};
use sim::link::VehicleLink;
use sim::protocol::Codec;
use sim::runner::{Fleet, Pacer, STEP_S};

const HOME: Geodetic = Geodetic::new(44.3975, 8.9005, 4.0);

/// A vehicle airborne at 40 m in GUIDED, heading for a point `distance` m north-east.
fn airborne(sysid: u8, seed: u64, distance: f64) -> VehicleLink {
    let start = destination(HOME.horizontal(), 90.0, 10.0 * f64::from(sysid));
    let mut v = Vehicle::new(VehicleConfig::new(sysid, start.with_alt(HOME.alt), seed));
    let link_ready = |v: &mut Vehicle, seconds: f64| {
        for _ in 0..(seconds / STEP_S) as usize {
            v.step(STEP_S);
        }
    };
    link_ready(&mut v, 2.0);
    v.set_mode(CopterMode::Guided).unwrap();
    v.arm(false).unwrap();
    v.takeoff(40.0).unwrap();
    link_ready(&mut v, 20.0);
    v.guided_goto(destination(start, 45.0, distance), 40.0).unwrap();
    VehicleLink::new(v, None, seed)
}

fn run(fleet: &mut Fleet, until: f64) {
    fleet.run(&Pacer::new(None), Some(until), |_| false);
}

#[test]
fn a_scenario_file_fails_one_vehicle_and_spares_the_other() {
    let plan = parse_file(
        r#"
        [[failure]]
        at = 10
        vehicle = 1
        kind = "gps_loss"
        "#,
    )
    .unwrap();
    let mut fleet = Fleet::new(vec![airborne(1, 5, 300.0), airborne(2, 5, 300.0)], vec![], plan);
    run(&mut fleet, 15.0);
    assert_eq!(fleet.links[0].vehicle().mode(), CopterMode::Land, "GPS lost → LAND");
    assert_eq!(
        fleet.links[1].vehicle().mode(),
        CopterMode::Guided,
        "vehicle 2 untouched"
    );
    assert_eq!(fleet.links[0].params().get("SIM_GPS_DISABLE"), Some(1.0));
    run(&mut fleet, 120.0);
    assert!(!fleet.links[0].vehicle().armed(), "landed and disarmed");
}

#[test]
fn command_line_failures_apply_at_their_time() {
    let plan = vec![
        parse_spec("5:battery_sag=12@1").unwrap(),
        parse_spec("5:wind=9").unwrap(),
    ];
    let mut fleet = Fleet::new(vec![airborne(1, 6, 0.5), airborne(2, 6, 0.5)], vec![], plan);
    let hold = fleet.links[1].vehicle().true_position().horizontal();
    run(&mut fleet, 4.0);
    assert_eq!(fleet.links[1].params().get("SIM_WIND_SPD"), Some(0.0), "not yet");
    // A pack sagging 12× drops to ~18 V (3.0 V/cell) under hover load: below the critical
    // 3.3 V/cell (on by default), so the battery failsafe lands it where it is.
    run(&mut fleet, 70.0);
    assert_eq!(fleet.links[0].vehicle().mode(), CopterMode::Land);
    assert_eq!(fleet.links[1].params().get("SIM_WIND_SPD"), Some(9.0));
    // Vehicle 2 holds its position against the 9 m/s wind.
    assert_eq!(fleet.links[1].vehicle().mode(), CopterMode::Guided);
    assert!(distance_m(fleet.links[1].vehicle().true_position().horizontal(), hold) < 3.0);
}

#[test]
fn link_loss_drops_the_configured_share_each_way() {
    let mut link = airborne(1, 8, 0.5);
    assert!(link.set_param("SIM_LINK_LOSS", 30.0));
    let mut gcs = Codec::new(255, 190, None);
    let mut answered = 0;
    let asked = 1000;
    for _ in 0..asked {
        let ask = MavMessage::PARAM_REQUEST_READ(PARAM_REQUEST_READ_DATA {
            param_index: -1,
            target_system: 1,
            target_component: 1,
            param_id: "WPNAV_SPEED".into(),
        });
        let replies = link.receive(&gcs.encode(&ask));
        answered += replies.len();
    }
    // Both directions lose 30 %: 0.7 × 0.7 = 49 % come back.
    let share = answered as f64 / f64::from(asked);
    assert!((0.42..=0.56).contains(&share), "{share}");
    let stats = link.stats();
    assert!(stats.lost_in > 250 && stats.lost_out > 150, "{stats:?}");
}

#[test]
fn the_same_seed_flies_the_same_flight() {
    let flight = |seed: u64| {
        let mut link = airborne(1, seed, 400.0);
        link.set_param("SIM_WIND_SPD", 6.0);
        link.set_param("SIM_WIND_TURB", 2.0);
        let mut fleet = Fleet::new(vec![link], vec![], vec![]);
        run(&mut fleet, 60.0);
        fleet.links[0].vehicle().true_position()
    };
    assert_eq!(flight(21), flight(21));
    assert_ne!(flight(21), flight(22));
}
