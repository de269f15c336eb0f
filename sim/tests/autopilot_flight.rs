//! Whole flights of one simulated Copter without sockets: missions, guided commands, failsafes
//! and failure injection, asserting the resulting mode and position.

use mavlink::dialects::ardupilotmega::{MavCmd, MavMessage, MavResult};
use mission::geodesy::{Geodetic, destination, distance_m};
use mission::mavlink_items::{EncodeOptions, encode_fence, encode_mission};
use mission::plan::{FencePolygon, GeoFence, MissionItem, Plan, PlanElement};
use sim::autopilot::{CommandParams, CopterMode, Vehicle, VehicleConfig};

const HOME: Geodetic = Geodetic::new(44.3975, 8.9005, 4.0);
const DT: f64 = 1.0 / 400.0;

fn vehicle() -> Vehicle {
    let mut v = Vehicle::new(VehicleConfig::new(1, HOME, 42));
    // Let the GPS get its first fixes.
    run(&mut v, 2.0);
    v
}

fn run(v: &mut Vehicle, seconds: f64) -> Vec<MavMessage> {
    let mut events = Vec::new();
    for _ in 0..(seconds / DT).round() as usize {
        v.step(DT);
        events.extend(v.take_events());
    }
    events
}

/// Run until `done` holds (checked every simulated second) or `limit` seconds pass.
fn run_until(v: &mut Vehicle, limit: f64, mut done: impl FnMut(&Vehicle) -> bool) -> Vec<MavMessage> {
    let mut events = Vec::new();
    let mut t = 0.0;
    while t < limit && !done(v) {
        events.extend(run(v, 1.0));
        t += 1.0;
    }
    assert!(
        done(v),
        "condition not reached in {limit} s: mode {} armed {} at {:?}",
        v.mode(),
        v.armed(),
        v.true_position()
    );
    events
}

fn cmd(v: &mut Vehicle, c: MavCmd, p: [f32; 7]) -> MavResult {
    v.command(c, CommandParams(p))
        .expect("the vehicle handles this command")
}

fn texts(events: &[MavMessage]) -> Vec<String> {
    events
        .iter()
        .filter_map(|m| match m {
            MavMessage::STATUSTEXT(t) => t.text.to_str().ok().map(|s| s.trim_end_matches('\0').to_string()),
            _ => None,
        })
        .collect()
}

fn square_mission() -> Plan {
    let mut plan = Plan::new(HOME);
    let h = HOME.horizontal();
    let a = destination(h, 0.0, 150.0);
    let b = destination(a, 90.0, 150.0);
    plan.elements = vec![
        PlanElement::Item(MissionItem::Takeoff {
            position: None,
            alt_m: 30.0,
        }),
        PlanElement::Item(MissionItem::ChangeSpeed { speed_m_s: 12.0 }),
        PlanElement::Item(MissionItem::waypoint(a, 30.0)),
        PlanElement::Item(MissionItem::CameraTriggerDistance { distance_m: 20.0 }),
        PlanElement::Item(MissionItem::waypoint(b, 40.0)),
        PlanElement::Item(MissionItem::CameraTriggerDistance { distance_m: 0.0 }),
        PlanElement::Item(MissionItem::ReturnToLaunch),
    ];
    plan
}

#[test]
fn auto_mission_reaches_every_item_and_lands_home() {
    let mut v = vehicle();
    let items = encode_mission(&square_mission(), &EncodeOptions::default()).unwrap();
    assert_eq!(items.len(), 8, "home + 7 items");
    v.load_mission(items);
    v.set_mode(CopterMode::Auto).unwrap();
    assert_eq!(
        cmd(
            &mut v,
            MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MavResult::MAV_RESULT_ACCEPTED
    );
    let events = run_until(&mut v, 400.0, |v| !v.armed());
    let reached: Vec<u16> = events
        .iter()
        .filter_map(|m| match m {
            MavMessage::MISSION_ITEM_REACHED(r) => Some(r.seq),
            _ => None,
        })
        .collect();
    // Navigation items: take-off (1), waypoints (3, 5) and RTL (7).
    assert_eq!(reached, vec![1, 3, 5, 7], "{:?}", texts(&events));
    let photos = events
        .iter()
        .filter(|m| matches!(m, MavMessage::CAMERA_FEEDBACK(_)))
        .count();
    // 150 m leg at a trigger every 20 m: 1 at the start + 7 more.
    assert!((7..=10).contains(&photos), "{photos} photos");
    let landed = v.true_position();
    assert!(
        distance_m(landed.horizontal(), HOME.horizontal()) < 3.0,
        "landed {landed:?}"
    );
    assert!(v.body().on_ground);
}

#[test]
fn guided_takeoff_goto_orbit_and_land() {
    let mut v = vehicle();
    assert_eq!(
        cmd(
            &mut v,
            MavCmd::MAV_CMD_NAV_TAKEOFF,
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 20.0]
        ),
        MavResult::MAV_RESULT_FAILED,
        "not armed"
    );
    v.set_mode(CopterMode::Guided).unwrap();
    cmd(
        &mut v,
        MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
        [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    );
    assert_eq!(
        cmd(
            &mut v,
            MavCmd::MAV_CMD_NAV_TAKEOFF,
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 20.0]
        ),
        MavResult::MAV_RESULT_ACCEPTED
    );
    run_until(&mut v, 30.0, |v| v.true_position().alt - HOME.alt > 19.0);
    let target = destination(HOME.horizontal(), 45.0, 200.0);
    let p = [0.0, 0.0, 0.0, 0.0, target.lat as f32, target.lon as f32, 25.0];
    assert_eq!(
        cmd(&mut v, MavCmd::MAV_CMD_DO_REPOSITION, p),
        MavResult::MAV_RESULT_ACCEPTED
    );
    run_until(&mut v, 60.0, |v| {
        distance_m(v.true_position().horizontal(), target) < 3.0
    });
    let centre = destination(target, 90.0, 60.0);
    let orbit = [40.0, 5.0, 0.0, 1.0, centre.lat as f32, centre.lon as f32, 25.0];
    assert_eq!(
        cmd(&mut v, MavCmd::MAV_CMD_DO_ORBIT, orbit),
        MavResult::MAV_RESULT_ACCEPTED
    );
    let mut radii = Vec::new();
    for _ in 0..40 {
        run(&mut v, 1.0);
        radii.push(distance_m(v.true_position().horizontal(), centre));
    }
    let on_circle: Vec<f64> = radii.iter().copied().skip(15).collect();
    assert!(
        on_circle.iter().all(|r| (r - 40.0).abs() < 6.0),
        "orbit radii {on_circle:?}"
    );
    assert_eq!(
        cmd(&mut v, MavCmd::MAV_CMD_NAV_LAND, [0.0; 7]),
        MavResult::MAV_RESULT_ACCEPTED
    );
    assert_eq!(v.mode(), CopterMode::Land);
    run_until(&mut v, 120.0, |v| !v.armed());
    assert!(v.body().on_ground);
}

#[test]
fn prearm_checks_refuse_with_reasons() {
    let mut v = vehicle();
    v.apply_param("SIM_GPS_DISABLE", 1.0);
    run(&mut v, 2.0);
    v.set_mode(CopterMode::Loiter).unwrap();
    let events = {
        let r = cmd(
            &mut v,
            MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        );
        assert_eq!(r, MavResult::MAV_RESULT_FAILED);
        v.take_events()
    };
    assert!(
        texts(&events).iter().any(|t| t.contains("PreArm: GPS")),
        "{:?}",
        texts(&events)
    );
    v.apply_param("SIM_GPS_DISABLE", 0.0);
    run(&mut v, 2.0);
    v.apply_param("FENCE_ENABLE", 1.0);
    assert_eq!(
        cmd(
            &mut v,
            MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MavResult::MAV_RESULT_FAILED
    );
    assert!(
        texts(&v.take_events())
            .iter()
            .any(|t| t.contains("Fence enabled but no fence loaded"))
    );
    // Forced arming skips the checks, as ArduPilot's 21196.
    assert_eq!(
        cmd(
            &mut v,
            MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            [1.0, 21196.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MavResult::MAV_RESULT_ACCEPTED
    );
}

/// Take off in GUIDED and fly 300 m north at 40 m.
fn airborne_north() -> Vehicle {
    let mut v = vehicle();
    v.set_mode(CopterMode::Guided).unwrap();
    v.arm(false).unwrap();
    v.takeoff(40.0).unwrap();
    run_until(&mut v, 40.0, |v| v.true_position().alt - HOME.alt > 39.0);
    let north = destination(HOME.horizontal(), 0.0, 300.0);
    v.guided_goto(north, 40.0).unwrap();
    run_until(&mut v, 60.0, |v| {
        distance_m(v.true_position().horizontal(), north) < 3.0
    });
    v
}

fn back_home_and_landed(v: &mut Vehicle, limit: f64) {
    run_until(v, limit, |v| !v.armed());
    assert!(
        distance_m(v.true_position().horizontal(), HOME.horizontal()) < 5.0,
        "{:?}",
        v.true_position()
    );
}

#[test]
fn gcs_heartbeat_loss_returns_home() {
    let mut v = airborne_north();
    v.apply_param("FS_GCS_ENABLE", 1.0);
    v.heard_heartbeat(255);
    let events = run(&mut v, 6.0);
    assert_eq!(v.mode(), CopterMode::Rtl, "{:?}", texts(&events));
    assert!(texts(&events).iter().any(|t| t.contains("GCS failsafe")));
    back_home_and_landed(&mut v, 200.0);
}

#[test]
fn battery_low_returns_and_critical_lands() {
    let mut v = airborne_north();
    v.apply_param("BATT_LOW_VOLT", 23.0);
    v.apply_param("BATT_FS_LOW_ACT", 2.0);
    v.apply_param("BATT_CRT_VOLT", 21.0);
    v.apply_param("BATT_FS_CRT_ACT", 1.0);
    // A sagging pack drops the voltage under load below the low threshold.
    v.apply_param("SIM_BATT_SAG", 8.0);
    run_until(&mut v, 30.0, |v| v.mode() == CopterMode::Rtl);
    v.apply_param("SIM_BATT_SAG", 25.0);
    let events = run_until(&mut v, 60.0, |v| v.mode() == CopterMode::Land);
    assert!(
        texts(&events).iter().any(|t| t.contains("critical")),
        "{:?}",
        texts(&events)
    );
    run_until(&mut v, 200.0, |v| !v.armed());
}

#[test]
fn fence_breach_returns_home() {
    let mut v = vehicle();
    let h = HOME.horizontal();
    let fence = GeoFence {
        polygons: vec![FencePolygon {
            inclusion: true,
            vertices: [(-200.0, -200.0), (200.0, -200.0), (200.0, 200.0), (-200.0, 200.0)]
                .iter()
                .map(|&(n, e): &(f64, f64)| destination(destination(h, 0.0, n), 90.0, e))
                .collect(),
        }],
        ..GeoFence::default()
    };
    v.load_fence(&encode_fence(&fence, &EncodeOptions::default()).unwrap())
        .unwrap();
    v.apply_param("FENCE_ENABLE", 1.0);
    v.set_mode(CopterMode::Guided).unwrap();
    v.arm(false).unwrap();
    v.takeoff(30.0).unwrap();
    run_until(&mut v, 30.0, |v| v.true_position().alt - HOME.alt > 29.0);
    v.guided_goto(destination(h, 0.0, 400.0), 30.0).unwrap();
    let events = run_until(&mut v, 60.0, |v| v.mode() == CopterMode::Rtl);
    assert!(
        texts(&events).iter().any(|t| t.contains("Fence breach")),
        "{:?}",
        texts(&events)
    );
    back_home_and_landed(&mut v, 200.0);
}

#[test]
fn gps_loss_lands_where_it_is() {
    let mut v = airborne_north();
    let here = v.true_position().horizontal();
    v.apply_param("SIM_GPS_DISABLE", 1.0);
    let events = run_until(&mut v, 10.0, |v| v.mode() == CopterMode::Land);
    assert!(
        texts(&events).iter().any(|t| t.contains("GPS lost")),
        "{:?}",
        texts(&events)
    );
    run_until(&mut v, 120.0, |v| !v.armed());
    assert!(distance_m(v.true_position().horizontal(), here) < 15.0);
}

#[test]
fn gps_glitch_moves_the_vehicle_by_the_glitch() {
    let mut v = airborne_north();
    let before = v.true_position().horizontal();
    // 50 m north: the estimate jumps north, so the vehicle flies 50 m south to "stay put".
    v.apply_param("SIM_GPS_GLITCH_X", 50.0 / 111_320.0);
    run(&mut v, 30.0);
    let after = v.true_position().horizontal();
    let moved = distance_m(before, after);
    assert!((moved - 50.0).abs() < 8.0, "moved {moved} m");
    assert!(after.lat < before.lat);
}

#[test]
fn gps_jamming_degrades_the_fix_and_wind_pushes_without_moving_a_holding_vehicle() {
    let mut v = airborne_north();
    v.apply_param("SIM_WIND_SPD", 10.0);
    v.apply_param("SIM_WIND_DIR", 270.0);
    let hold = v.true_position().horizontal();
    run(&mut v, 30.0);
    assert!(
        distance_m(v.true_position().horizontal(), hold) < 3.0,
        "holds against 10 m/s wind"
    );
    v.apply_param("SIM_GPS_JAM", 1.0);
    let mut sats = Vec::new();
    for _ in 0..20 {
        run(&mut v, 1.0);
        sats.push(v.gps().sats);
    }
    assert!(
        sats.iter().copied().min().unwrap_or(99) < 6,
        "jamming lowers the satellite count: {sats:?}"
    );
}
