//! A survey planned by `mission` and flown by `sim`: every item reached, the photos the plan
//! promised, no fence breached, and the planner's time and energy estimates close to the flight.

use mavlink::dialects::ardupilotmega::MavMessage;
use mission::camera::Camera;
use mission::endurance::{EnergyModel, estimate};
use mission::geodesy::distance_m;
use mission::mavlink_items::{EncodeOptions, encode_fence, encode_mission, encode_rally};
use mission::patterns::{FlightSettings, assemble};
use mission::plan::{MissionItem, PlanElement};
use mission::scenario::PortScenario;
use mission::survey::{Altitude, SurveyRequest, fences_from_zones, plan_survey};
use mission::validate::{Limits, validate};
use sim::autopilot::{CopterMode, Vehicle, VehicleConfig};
use sim::runner::STEP_S;

#[test]
fn the_anchorage_survey_flies_as_planned() {
    let scenario = PortScenario::parse(integration_tests::EXAMPLE_PORT).expect("example port");
    let home = scenario.launch().expect("launch pad");
    let mission::area::ZoneShape::Polygons(area) = &scenario.zone("Outer Anchorage").expect("anchorage").shape else {
        panic!("the anchorage is a polygon")
    };
    let mut req = SurveyRequest::new(
        area.clone(),
        Camera::preset("dji-m3e").unwrap(),
        Altitude::AboveHome(115.0),
        home.horizontal(),
    );
    req.front_overlap_pct = 60.0;
    req.side_overlap_pct = 40.0;
    req.speed_m_s = 15.0;
    req.fences = fences_from_zones(&scenario.zones);
    let survey = plan_survey(&req).expect("plans");
    let plan = assemble(
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
    );
    let model = EnergyModel::default();
    let report = validate(&plan, &Limits::default(), &model);
    assert!(report.is_ok(), "{:?}", report.problems);
    let predicted = estimate(&plan, &model);

    let opts = EncodeOptions::default();
    let mut v = Vehicle::new(VehicleConfig::new(1, home, 3));
    v.load_mission(encode_mission(&plan, &opts).unwrap());
    v.load_fence(&encode_fence(&plan.fence, &opts).unwrap()).unwrap();
    v.load_rally(&encode_rally(&plan.rally, &opts).unwrap()).unwrap();
    for (name, value) in [("FENCE_ENABLE", 1.0), ("FENCE_TYPE", 5.0), ("FENCE_ALT_MAX", 120.0)] {
        assert!(v.apply_param(name, value));
    }
    for _ in 0..(2.0 / STEP_S) as usize {
        v.step(STEP_S);
    }
    v.set_mode(CopterMode::Auto).unwrap();
    v.arm(false).expect("arms");
    let mut events = Vec::new();
    let mut flown_s = 0.0;
    while v.armed() && flown_s < 3600.0 {
        v.step(STEP_S);
        flown_s += STEP_S;
        events.extend(v.take_events());
    }
    assert!(!v.armed(), "landed within an hour");

    let texts: Vec<String> = events
        .iter()
        .filter_map(|m| match m {
            MavMessage::STATUSTEXT(t) => t.text.to_str().ok().map(str::to_string),
            _ => None,
        })
        .collect();
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("Fence breach") || t.contains("failsafe")),
        "{texts:?}"
    );
    let reached = events
        .iter()
        .filter(|m| matches!(m, MavMessage::MISSION_ITEM_REACHED(_)))
        .count();
    let nav_items = plan
        .mission_items()
        .iter()
        .filter(|i| {
            !matches!(
                i,
                MissionItem::ChangeSpeed { .. } | MissionItem::CameraTriggerDistance { .. }
            )
        })
        .count();
    assert_eq!(reached, nav_items, "every navigation item reached");
    let photos = events
        .iter()
        .filter(|m| matches!(m, MavMessage::CAMERA_FEEDBACK(_)))
        .count();
    let planned = survey.triggers.len();
    assert!(
        (photos as f64 - planned as f64).abs() <= planned as f64 * 0.1,
        "{photos} photos taken, {planned} planned"
    );
    assert!(distance_m(v.true_position().horizontal(), home.horizontal()) < 5.0);
    // The planner's endurance model against the simulated aircraft and battery.
    let time_error = (flown_s - predicted.time_s) / predicted.time_s;
    assert!(
        time_error.abs() < 0.10,
        "flew {flown_s:.0} s, planned {:.0} s",
        predicted.time_s
    );
    let used_wh = v.battery().consumed_wh();
    let energy_error = (used_wh - predicted.energy_wh) / predicted.energy_wh;
    assert!(
        energy_error.abs() < 0.10,
        "used {used_wh:.1} Wh, planned {:.1} Wh",
        predicted.energy_wh
    );
    eprintln!(
        "flew {flown_s:.0} s (planned {:.0}), used {used_wh:.1} Wh (planned {:.1}), {photos} photos ({planned} planned)",
        predicted.time_s, predicted.energy_wh
    );
}
