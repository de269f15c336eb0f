//! The station against simulated ArduPilot Copters in this process, over UDP on loopback:
//! discovery on one socket, a survey's fence, rally and mission uploaded and read back, a
//! launch flown in AUTO, pause and resume, go-to, orbit, return and land, and refusals.

mod fleet_support;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use fleet_support::{EXAMPLE_PORT, LOOPBACK, impatient, ready, start_sim, start_sim_with_failures, station};
use ground_station::fleet::state::Position;
use ground_station::fleet::{
    CommandError, Direction, Fleet, FleetConfig, FleetEvent, FlightMode, LaunchStep, ListKind, MissionError,
    TransferError, VehicleCommand, VehicleSnapshot, encode_plan,
};
use mission::camera::Camera;
use mission::geodesy::{Geodetic, LatLon, destination, distance_m};
use mission::patterns::{FlightSettings, assemble};
use mission::plan::{GeoFence, MissionItem, Plan, PlanElement};
use mission::scenario::PortScenario;
use mission::survey::{Altitude, SurveyRequest, fences_from_zones, plan_survey};
use sim::failures::TimedFailure;

fn launch_pad() -> Geodetic {
    PortScenario::parse(EXAMPLE_PORT)
        .expect("example port")
        .launch()
        .expect("launch pad")
}

/// The survey of the outer anchorage (as the README's demo), with the port's fence and rally points.
fn anchorage_survey() -> Plan {
    let scenario = PortScenario::parse(EXAMPLE_PORT).expect("example port");
    let home = scenario.launch().expect("launch pad");
    let mission::area::ZoneShape::Polygons(area) = &scenario.zone("Outer Anchorage").expect("anchorage").shape else {
        panic!("the anchorage is a polygon")
    };
    let mut req = SurveyRequest::new(
        area.clone(),
        Camera::preset("dji-m3e").expect("camera"),
        Altitude::AboveHome(115.0),
        home.horizontal(),
    );
    req.front_overlap_pct = 60.0;
    req.side_overlap_pct = 40.0;
    req.speed_m_s = 15.0;
    req.fences = fences_from_zones(&scenario.zones);
    let survey = plan_survey(&req).expect("survey plans");
    assemble(
        home,
        FlightSettings {
            alt_m: survey.alt_m,
            speed_m_s: 15.0,
        },
        &survey.transit_in,
        vec![PlanElement::Survey(survey.to_element(&req))],
        &survey.transit_out,
        scenario.geofence(),
        scenario.rally_points(),
    )
}

/// A small square route 250 m out from `home` at 30 m, 10 m/s.
fn square_route(home: Geodetic) -> Plan {
    let corners: Vec<PlanElement> = [(0.0, 250.0), (90.0, 250.0), (180.0, 250.0), (270.0, 250.0)]
        .iter()
        .map(|&(bearing, d)| PlanElement::Item(MissionItem::waypoint(destination(home.horizontal(), bearing, d), 30.0)))
        .collect();
    assemble(
        home,
        FlightSettings {
            alt_m: 30.0,
            speed_m_s: 10.0,
        },
        &[],
        corners,
        &[],
        GeoFence::default(),
        vec![],
    )
}

#[tokio::test]
async fn three_vehicles_are_discovered_on_one_socket_with_their_telemetry() {
    let home = launch_pad();
    let sim = start_sim(3, home, None, 5.0, |_| {});
    let fleet = station(&sim.addrs, None);
    let mut frames = fleet.frames();
    for sysid in 1..=3 {
        ready(&fleet, sysid).await;
    }
    // Rates are computed over a window: give it two checks.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let vehicles = fleet.vehicles();
    assert_eq!(vehicles.iter().map(|v| v.sysid).collect::<Vec<_>>(), vec![1, 2, 3]);
    let peers: BTreeSet<String> = vehicles.iter().map(|v| v.link.peer.clone()).collect();
    assert_eq!(peers.len(), 3, "each vehicle answered at its own address: {peers:?}");
    for (v, addr) in vehicles.iter().zip(&sim.addrs) {
        assert_eq!(v.link.peer, addr.to_string());
        assert!(v.link.connected);
        assert_eq!(v.mode, "STABILIZE");
        assert!(!v.armed);
        assert_eq!(v.autopilot, "ARDUPILOTMEGA");
        let p = v.position.expect("position");
        let expected = destination(home.horizontal(), 90.0, 20.0 * f64::from(v.sysid - 1));
        assert!(distance_m(LatLon::new(p.lat, p.lon), expected) < 10.0, "{p:?}");
        assert!(p.alt_rel_m.abs() < 2.0, "{p:?}");
        assert!(v.battery.remaining_pct.is_some_and(|b| b > 90), "{:?}", v.battery);
        assert!(v.battery.voltage_v.is_some_and(|volts| volts > 20.0), "{:?}", v.battery);
        assert!(v.gps.as_ref().is_some_and(|g| g.satellites.is_some_and(|s| s >= 6)));
        assert!(v.link.rx_rate_hz > 5.0, "telemetry flows: {:?}", v.link);
        assert_eq!(v.link.lost, 0, "no loss on loopback: {:?}", v.link);
        let home_pos = v.home.expect("HOME_POSITION was requested and answered");
        assert!((home_pos.alt_amsl_m - home.alt).abs() < 0.5);
    }
    // One socket: every vehicle sent to the same station port, and the tap saw all of them.
    let mut tapped = BTreeSet::new();
    while let Ok(frame) = frames.try_recv() {
        if frame.direction == Direction::In {
            tapped.insert(frame.sysid);
        }
    }
    assert_eq!(tapped, BTreeSet::from([1, 2, 3]));
    let stats = fleet.stats();
    assert_eq!(stats.vehicles, 3);
    assert!(stats.rejected.is_empty(), "{stats:?}");
}

#[tokio::test]
async fn a_survey_with_fence_and_rally_uploads_and_reads_back_equal() {
    let plan = anchorage_survey();
    let sim = start_sim(1, plan.home, None, 5.0, |_| {});
    let fleet = station(&sim.addrs, None);
    ready(&fleet, 1).await;
    let report = fleet.upload(1, &plan).await.expect("upload");
    let lists = encode_plan(1, 1, &plan).expect("encodes");
    assert_eq!(report.fence, lists[0].1.len() as u16);
    assert_eq!(report.rally, lists[1].1.len() as u16);
    assert_eq!(report.mission, lists[2].1.len() as u16);
    assert!(
        report.fence >= 4 && report.rally >= 1 && report.mission > 20,
        "{report:?}"
    );
    for (list, sent) in lists {
        let got = fleet.download(1, list).await.expect("download");
        let sent: Vec<_> = sent
            .into_iter()
            .map(|mut item| {
                item.target_system = 0;
                item.target_component = 0;
                item
            })
            .collect();
        assert_eq!(got.len(), sent.len(), "{list}");
        for (g, s) in got.iter().zip(&sent) {
            // Debug text, because unset params are NaN and NaN != NaN.
            assert_eq!(format!("{g:?}"), format!("{s:?}"), "{list} item {}", s.seq);
        }
    }
    // The mission as the vehicle will fly it decodes back to the plan's items.
    let mission = fleet.download(1, ListKind::Mission).await.expect("download");
    let (_, decoded) = mission::mavlink_items::decode_mission(&mission, true).expect("decodes");
    let kinds = |items: &[MissionItem]| items.iter().map(std::mem::discriminant).collect::<Vec<_>>();
    assert_eq!(kinds(&decoded), kinds(&plan.mission_items()));

    // Clearing leaves ArduPilot's home item only.
    fleet.clear(1, ListKind::Rally).await.expect("clear rally");
    assert!(fleet.download(1, ListKind::Rally).await.expect("download").is_empty());
}

#[tokio::test]
async fn a_list_the_vehicle_refuses_names_the_item_and_the_result() {
    let plan = anchorage_survey();
    let sim = start_sim(1, plan.home, None, 5.0, |_| {});
    let fleet = station(&sim.addrs, None);
    ready(&fleet, 1).await;
    let [(_, mut fence), ..] = encode_plan(1, 1, &plan).expect("encodes");
    // A polygon whose first vertex says the polygon has 99 vertices.
    fence[0].param1 = 99.0;
    let last = fence.len() as u16 - 1;
    let err = fleet.upload_list(1, ListKind::Fence, fence).await.unwrap_err();
    let MissionError::Transfer {
        sysid: 1,
        source: TransferError::Refused { list, at, result, .. },
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*list, *at), (ListKind::Fence, Some(last)));
    assert!(result.starts_with("MAV_MISSION_"), "{result}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "fence upload: the vehicle refused item {last} with MAV_MISSION_"
        )),
        "{text}"
    );
    assert_eq!(
        fleet.upload(9, &plan).await.unwrap_err(),
        MissionError::UnknownVehicle(9),
        "nothing is sent to a vehicle never heard"
    );
}

async fn wait(fleet: &Fleet, what: &str, secs: u64, pred: impl FnMut(&VehicleSnapshot) -> bool) -> VehicleSnapshot {
    match fleet.wait_for(1, Duration::from_secs(secs), pred).await {
        Some(s) => s,
        None => panic!("timed out waiting for {what}: {:#?}", fleet.vehicle(1)),
    }
}

fn horizontal(p: Option<Position>) -> LatLon {
    let p = p.expect("position");
    LatLon::new(p.lat, p.lon)
}

#[tokio::test]
async fn launch_flies_auto_and_the_officer_can_pause_resume_redirect_orbit_return_and_land() {
    let home = launch_pad();
    let plan = square_route(home);
    let sim = start_sim(1, home, None, 20.0, |_| {});
    let fleet = station(&sim.addrs, None);
    ready(&fleet, 1).await;
    let report = fleet.launch(1, &plan).await.expect("launch");
    assert_eq!(report.mission, 8, "home, take-off, speed, 4 corners, RTL");
    wait(&fleet, "AUTO and armed", 10, |s| s.mode == "AUTO" && s.armed).await;
    let s = wait(&fleet, "the second corner", 30, |s| {
        s.mission.current_seq.is_some_and(|c| c >= 5)
    })
    .await;
    assert!(s.mission.reached_count >= 2, "{:?}", s.mission);
    assert_eq!(s.mission.total, Some(7));

    // Pause: LOITER holds position and the mission does not advance.
    fleet.command(1, VehicleCommand::Pause).await.expect("pause");
    wait(&fleet, "LOITER", 5, |s| s.mode == "LOITER").await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let held = fleet.vehicle(1).expect("vehicle");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let later = fleet.vehicle(1).expect("vehicle");
    let drift = distance_m(horizontal(held.position), horizontal(later.position));
    assert!(drift < 3.0, "held within 3 m over 20 simulated s, moved {drift:.1} m");
    assert_eq!(held.mission.current_seq, later.mission.current_seq);

    // Resume: AUTO carries on from the item it was flying.
    let paused_at = later.mission.current_seq.expect("current item");
    fleet.command(1, VehicleCommand::Resume).await.expect("resume");
    wait(&fleet, "AUTO again", 5, |s| s.mode == "AUTO").await;
    wait(&fleet, "the next item", 30, |s| {
        s.mission.current_seq.is_some_and(|c| c > paused_at)
    })
    .await;

    // Go to a point north of home.
    let target = destination(home.horizontal(), 0.0, 150.0);
    fleet
        .command(
            1,
            VehicleCommand::GoTo {
                lat: target.lat,
                lon: target.lon,
                alt_m: 40.0,
            },
        )
        .await
        .expect("go to");
    let s = wait(&fleet, "the go-to point", 30, |s| {
        s.mode == "GUIDED"
            && s.position.is_some_and(|p| {
                distance_m(LatLon::new(p.lat, p.lon), target) < 5.0 && (p.alt_rel_m - 40.0).abs() < 3.0
            })
    })
    .await;
    assert_eq!(s.mode, "GUIDED");

    // Orbit that point at 60 m.
    fleet
        .command(
            1,
            VehicleCommand::Orbit {
                lat: target.lat,
                lon: target.lon,
                alt_m: 40.0,
                radius_m: 60.0,
                speed_m_s: 8.0,
                turns: 0.0,
            },
        )
        .await
        .expect("orbit");
    wait(&fleet, "the orbit circle", 30, |s| {
        s.position
            .is_some_and(|p| (distance_m(LatLon::new(p.lat, p.lon), target) - 60.0).abs() < 8.0)
    })
    .await;
    let mut bearings = Vec::new();
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let here = horizontal(fleet.vehicle(1).expect("vehicle").position);
        let r = distance_m(here, target);
        assert!((r - 60.0).abs() < 10.0, "on the circle: {r:.1} m from the centre");
        bearings.push(mission::geodesy::bearing_deg(target, here));
    }
    let swept = bearings
        .windows(2)
        .map(|w| (w[1] - w[0]).rem_euclid(360.0))
        .sum::<f64>();
    assert!(swept > 60.0, "it goes round: {bearings:?}");

    // Return, then land on the way in.
    fleet.command(1, VehicleCommand::ReturnToLaunch).await.expect("RTL");
    wait(&fleet, "RTL", 5, |s| s.mode == "RTL").await;
    wait(&fleet, "coming home", 60, |s| {
        s.position
            .is_some_and(|p| distance_m(LatLon::new(p.lat, p.lon), home.horizontal()) < 30.0)
    })
    .await;
    fleet.command(1, VehicleCommand::Land).await.expect("land");
    wait(&fleet, "LAND", 5, |s| s.mode == "LAND").await;
    let s = wait(&fleet, "landed and disarmed", 60, |s| !s.armed).await;
    assert!(s.position.is_some_and(|p| p.alt_rel_m.abs() < 1.0), "{:?}", s.position);
    assert!(
        s.status_texts
            .iter()
            .any(|t| t.text.to_lowercase().contains("disarming")),
        "{:?}",
        s.status_texts
    );
}

#[tokio::test]
async fn refused_commands_and_launches_say_which_step_and_which_mav_result() {
    let home = launch_pad();
    let sim = start_sim(1, home, None, 5.0, |link| {
        assert!(link.set_param("SIM_GPS_DISABLE", 1.0));
    });
    let fleet = station(&sim.addrs, None);
    wait(&fleet, "the vehicle", 20, |s| !s.mode.is_empty()).await;

    let err = fleet
        .command(1, VehicleCommand::Takeoff { alt_m: 20.0 })
        .await
        .unwrap_err();
    let CommandError::Refused { result, said, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(result, "MAV_RESULT_FAILED");
    assert_eq!(said.as_deref(), Some("Takeoff: not armed"));
    assert_eq!(
        err.to_string(),
        "vehicle 1: take off to 20 m (MAV_CMD_NAV_TAKEOFF) refused with MAV_RESULT_FAILED: the vehicle said \
         \"Takeoff: not armed\""
    );

    let err = fleet.launch(1, &square_route(home)).await.unwrap_err();
    assert_eq!(err.step(), LaunchStep::Arm, "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("launch on vehicle 1 failed at step 'arm': ")
            && text.contains("MAV_RESULT_FAILED")
            && text.contains("PreArm: GPS"),
        "{text}"
    );

    let mut too_high = square_route(home);
    too_high
        .elements
        .push(PlanElement::Item(MissionItem::waypoint(home.horizontal(), 500.0)));
    let err = fleet.launch(1, &too_high).await.unwrap_err();
    assert_eq!(err.step(), LaunchStep::Validate);
    assert!(err.to_string().contains("500 m"), "{err}");

    assert_eq!(
        fleet
            .command(
                7,
                VehicleCommand::SetMode {
                    mode: FlightMode::Guided
                }
            )
            .await,
        Err(CommandError::UnknownVehicle(7))
    );
}

#[tokio::test]
async fn a_silent_vehicle_is_lost_its_commands_time_out_and_it_is_regained() {
    let home = launch_pad();
    let outage = |at: f64, value: f64| TimedFailure {
        at,
        vehicle: Some(1),
        param: "SIM_LINK_LOSS".into(),
        value,
    };
    // Every frame lost both ways from 4 s to 24 s of simulated time (0.8 s to 4.8 s at 5×).
    let sim = start_sim_with_failures(1, home, None, 5.0, |_| {}, vec![outage(4.0, 100.0), outage(24.0, 0.0)]);
    let mut config = FleetConfig::new(SocketAddr::new(LOOPBACK, 0));
    config.dial = sim.addrs.clone();
    config.link_timeout = Duration::from_millis(600);
    config.command_timing = impatient();
    let fleet = Fleet::start(config).expect("station");
    let mut events = fleet.subscribe();
    wait(&fleet, "the vehicle", 5, |s| !s.mode.is_empty()).await;
    wait(&fleet, "the link lost", 10, |s| !s.link.connected).await;
    let err = fleet.command(1, VehicleCommand::Land).await.unwrap_err();
    // Patience is the timing's (200 ms × 3); on this measured link retransmissions come faster.
    let CommandError::TimedOut {
        retransmissions,
        waited,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(
        *retransmissions >= 2 && *waited >= Duration::from_millis(600),
        "{err:?}"
    );
    assert!(err.to_string().contains("got no COMMAND_ACK"), "{err}");
    let s = wait(&fleet, "the link back", 20, |s| s.link.connected).await;
    assert_eq!(s.link.drops, 1);
    // Events go out right after the snapshot changes: read until the regained one.
    let mut seen = Vec::new();
    while let Ok(Ok(e)) = tokio::time::timeout(Duration::from_secs(1), events.recv()).await {
        if matches!(e, FleetEvent::LinkLost { .. } | FleetEvent::LinkRegained { .. }) {
            seen.push(e.clone());
        }
        if e == (FleetEvent::LinkRegained { sysid: 1 }) {
            break;
        }
    }
    assert_eq!(
        seen,
        vec![FleetEvent::LinkLost { sysid: 1 }, FleetEvent::LinkRegained { sysid: 1 }]
    );
    fleet
        .command(
            1,
            VehicleCommand::SetMode {
                mode: FlightMode::Guided,
            },
        )
        .await
        .expect("commands work again");
}
