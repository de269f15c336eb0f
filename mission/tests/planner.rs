//! `mission::planner` over the example port: each pattern planned as the station's API will plan
//! it, cross-checked against the planner's own parts (survey, validation, endurance); unsafe
//! plans returned with their problems; requests no plan can be made from refused with the reason.

use mission::geodesy::{Geodetic, LatLon, destination, distance_m};
use mission::plan::{MissionItem, Plan};
use mission::planner::{self, FlightOptions, Pattern, PlanRequest, PlannedMission, PlannerError, PortContext, Target};
use mission::scenario::{PortScenario, SiteKind};
use mission::validate::Severity;

const PORT: &str = include_str!("../../data/scenarios/example-port.geojson");

fn scenario() -> PortScenario {
    PortScenario::parse(PORT).expect("the example port parses")
}

fn port() -> PortContext {
    PortContext::from_scenario(scenario(), None).expect("the example port has a launch pad")
}

/// The demo survey: 115 m, 60/40 overlap, 15 m/s (fits one battery).
fn anchorage_survey(area: &str) -> PlanRequest {
    PlanRequest {
        pattern: Pattern::Survey {
            area: area.into(),
            camera: "dji-m3e".into(),
            gsd_cm: None,
            front_overlap_pct: 60.0,
            side_overlap_pct: 40.0,
            angle_deg: None,
            turnaround_m: 10.0,
            fence_margin_m: 5.0,
        },
        flight: FlightOptions {
            altitude_m: 115.0,
            speed_m_s: 15.0,
            ..FlightOptions::default()
        },
    }
}

fn errors(m: &PlannedMission) -> Vec<String> {
    m.problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect()
}

/// The plan re-checked by the validator on its own fence, as a vehicle would receive it.
fn assert_agrees_with_validator(m: &PlannedMission) {
    let report = mission::validate::validate(&m.plan, &Default::default(), &Default::default());
    assert_eq!(report.is_ok(), m.ok, "{:?} vs {:?}", report.problems, m.problems);
    assert_eq!(report.estimate.distance_m, m.estimate.distance_m);
    assert_eq!(report.estimate.energy_wh, m.estimate.energy_wh);
}

fn assert_round_trip(m: &PlannedMission) {
    let home = m.plan.home.horizontal();
    assert_eq!(m.route.first(), Some(&home));
    assert_eq!(m.route.last(), Some(&home), "the route ends back at launch");
    assert_eq!(m.plan.mission_items().last(), Some(&MissionItem::ReturnToLaunch));
}

#[test]
fn survey_of_the_anchorage_is_safe_covered_and_estimated() {
    let ctx = port();
    let m = planner::plan(&ctx, &anchorage_survey("Outer Anchorage")).expect("plans");
    assert!(m.ok, "{:?}", m.problems);
    assert!(errors(&m).is_empty());
    assert_eq!(m.title, "Survey — Outer Anchorage");

    let items = m.plan.mission_items();
    let triggers_on = items
        .iter()
        .filter(|i| matches!(i, MissionItem::CameraTriggerDistance { distance_m } if *distance_m > 0.0))
        .count();
    assert!(triggers_on > 5, "camera switched on per lane, got {triggers_on}");
    assert!(matches!(items.first(), Some(MissionItem::Takeoff { alt_m, .. }) if *alt_m == 115.0));
    assert!(m.photos > 100, "photos {}", m.photos);
    let coverage = m.coverage_pct.expect("a survey reports coverage");
    assert!(coverage >= 99.0, "coverage {coverage}");

    assert!(m.estimate.distance_m > 10_000.0 && m.estimate.time_s > 0.0 && m.estimate.energy_wh > 0.0);
    assert!(m.estimate.battery_used_pct > 0.0 && m.estimate.battery_used_pct <= m.estimate.battery_available_pct);
    assert_eq!(m.estimate.battery_available_pct, 75.0);
    assert_agrees_with_validator(&m);
    assert_round_trip(&m);
    // The scenario's fence and rally points travel with the plan.
    assert_eq!(m.plan.fence.max_alt_m, Some(120.0));
    assert_eq!(m.plan.rally.len(), 2);

    // The same survey planned directly: same photos and coverage.
    let (_, area) = ctx.area("Outer Anchorage").unwrap();
    let mut req = mission::survey::SurveyRequest::new(
        area,
        mission::camera::Camera::preset("dji-m3e").unwrap(),
        mission::survey::Altitude::AboveHome(115.0),
        ctx.home.horizontal(),
    );
    req.fences = ctx.fences.clone();
    req.front_overlap_pct = 60.0;
    req.side_overlap_pct = 40.0;
    req.speed_m_s = 15.0;
    let direct = mission::survey::plan_survey(&req).unwrap();
    assert_eq!(m.photos, direct.stats.triggers);
    assert_eq!(coverage, direct.stats.coverage_pct);

    assert!(m.notes.iter().any(|n| n.starts_with("coverage ")), "{:?}", m.notes);
    assert!(m.notes.iter().any(|n| n.starts_with("battery ")), "{:?}", m.notes);
    assert!(m.preview_svg.starts_with("<svg") || m.preview_svg.starts_with("<?xml"));
    assert!(m.preview_svg.contains("Outer Anchorage"));
}

#[test]
fn a_zone_may_be_named_by_a_unique_part_of_its_name() {
    let m = planner::plan(&port(), &anchorage_survey("anchorage")).expect("plans");
    assert_eq!(m.title, "Survey — Outer Anchorage");
    match planner::plan(&port(), &anchorage_survey("Berth")) {
        Err(e @ PlannerError::AmbiguousZone { .. }) => {
            let text = e.to_string();
            assert!(text.contains("Berth 1") && text.contains("Berth 6"), "{text}");
        }
        other => panic!("expected an ambiguous zone, got {other:?}"),
    }
}

#[test]
fn an_orbit_of_a_vessel_by_name_circles_it_at_the_radius() {
    let ctx = port();
    let vessel = scenario().site("MT Nordic Pearl").expect("the tanker").position;
    let request = PlanRequest::new(Pattern::Orbit {
        target: Target::Site("mt nordic pearl".into()),
        radius_m: 120.0,
        turns: 3,
        clockwise: true,
    });
    let m = planner::plan(&ctx, &request).expect("plans");
    assert!(m.ok, "{:?}", m.problems);
    assert_eq!(m.title, "Orbit — MT Nordic Pearl");
    let orbit = m
        .plan
        .mission_items()
        .into_iter()
        .find_map(|i| match i {
            MissionItem::LoiterTurns {
                center,
                radius_m,
                turns,
                ..
            } => Some((center, radius_m, turns)),
            _ => None,
        })
        .expect("an orbit item");
    assert_eq!(orbit, (vessel, 120.0, 3.0));
    // Drawn as a lap of the circle, never through the vessel.
    let on_circle = m
        .route
        .iter()
        .filter(|p| (distance_m(**p, vessel) - 120.0).abs() < 1.0)
        .count();
    assert!(on_circle >= 36, "{on_circle} route points on the circle");
    assert!(m.route.iter().all(|p| distance_m(*p, vessel) > 119.0));
    assert_eq!((m.photos, m.coverage_pct), (0, None));
    assert_agrees_with_validator(&m);
    assert_round_trip(&m);

    let by_point = planner::plan(
        &ctx,
        &PlanRequest::new(Pattern::Orbit {
            target: Target::Point(vessel),
            radius_m: 120.0,
            turns: 3,
            clockwise: true,
        }),
    )
    .expect("plans");
    assert_eq!(by_point.plan.mission_items(), m.plan.mission_items());
}

/// Two points just outside the airport's control zone: the straight leg cuts 20 m into it.
fn across_the_airport() -> Vec<LatLon> {
    let airport = scenario().zone("Example Airport CTR").cloned().expect("airport zone");
    let mission::area::ZoneShape::Circle { center, radius_m } = airport.shape else {
        panic!("the airport zone is a circle")
    };
    vec![
        destination(center, 108.0, radius_m + 40.0),
        destination(center, 130.0, radius_m + 40.0),
    ]
}

#[test]
fn a_route_detours_around_the_airport_or_is_unsafe_without_avoid() {
    let ctx = port();
    let waypoints = across_the_airport();
    let m = planner::plan(
        &ctx,
        &PlanRequest::new(Pattern::Route {
            waypoints: waypoints.clone(),
            avoid: true,
        }),
    )
    .expect("plans");
    assert!(m.ok, "{:?}", m.problems);
    assert_eq!(m.title, "Waypoint route");
    for w in &waypoints {
        // Routes go through a local metric frame and back: equal to well under a millimetre.
        assert!(
            m.route.iter().any(|p| distance_m(*p, *w) < 0.001),
            "waypoint {w:?} flown"
        );
    }
    assert!(m.route.len() > waypoints.len() + 2, "a detour adds corners");
    assert_agrees_with_validator(&m);
    assert_round_trip(&m);

    let straight = planner::plan(
        &ctx,
        &PlanRequest::new(Pattern::Route {
            waypoints,
            avoid: false,
        }),
    )
    .expect("an unsafe plan is still a plan");
    assert!(!straight.ok);
    let errs = errors(&straight);
    assert!(
        errs.iter()
            .any(|e| e.contains("enters exclusion 'Example Airport CTR'")),
        "{errs:?}"
    );
}

#[test]
fn a_perimeter_patrol_flies_its_laps_inside_the_port() {
    let ctx = port();
    // Two laps of the port need 15 m/s to fit one battery (README: 58 % at 15 m/s).
    let flight = FlightOptions {
        speed_m_s: 15.0,
        ..FlightOptions::default()
    };
    let request = |pattern| PlanRequest {
        pattern,
        flight: flight.clone(),
    };
    let one = planner::plan(&ctx, &request(Pattern::perimeter("Port of Example"))).expect("plans");
    let two = planner::plan(
        &ctx,
        &request(Pattern::Perimeter {
            area: "Port of Example".into(),
            laps: 2,
            margin_m: 30.0,
            clockwise: true,
        }),
    )
    .expect("plans");
    assert!(one.ok && two.ok, "{:?} {:?}", one.problems, two.problems);
    assert_eq!(two.title, "Perimeter patrol — Port of Example");
    assert!(two.estimate.distance_m > one.estimate.distance_m * 1.5);
    assert_agrees_with_validator(&two);
    assert_round_trip(&two);
}

#[test]
fn an_area_from_a_file_is_planned_by_its_name() {
    let zones = mission::area::kml::parse_kml(include_str!("data/areas/port.kml")).expect("kml");
    let area = planner::merge_zones("port.kml", &zones).expect("polygons");
    let mut ctx = PortContext::without_scenario(Geodetic::new(44.39, 8.9, 0.0));
    ctx.add_area("port.kml", area);
    let m = planner::plan(&ctx, &PlanRequest::new(Pattern::perimeter("port.kml"))).expect("plans");
    assert!(m.ok, "{:?}", m.problems);
    assert!(
        m.plan.fence.is_empty() && m.plan.rally.is_empty(),
        "no scenario, no fence"
    );
}

#[test]
fn an_unsafe_request_comes_back_with_its_problems() {
    let mut request = anchorage_survey("Outer Anchorage");
    request.flight.altitude_m = 150.0;
    let m = planner::plan(&port(), &request).expect("an unsafe plan is still a plan");
    assert!(!m.ok);
    let errs = errors(&m);
    assert!(
        errs.iter().any(|e| e.contains("above the ceiling of 120 m")),
        "{errs:?}"
    );
    // Every altitude error is tied to the item it concerns.
    assert!(
        m.problems
            .iter()
            .filter(|p| p.message.contains("ceiling"))
            .all(|p| p.item.is_some())
    );

    let long = planner::plan(&port(), &PlanRequest::new(Pattern::survey("Port of Example"))).expect("plans");
    assert!(!long.ok);
    assert!(
        errors(&long).iter().any(|e| e.contains("endurance")),
        "{:?}",
        long.problems
    );
    assert!(long.estimate.battery_used_pct > long.estimate.battery_available_pct);
}

#[test]
fn unknown_names_are_refused_with_the_known_ones() {
    let ctx = port();
    let err = planner::plan(&ctx, &PlanRequest::new(Pattern::survey("Atlantis"))).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PlannerError::UnknownZone { .. }), "{err:?}");
    assert!(text.contains("'Atlantis'"), "{text}");
    for zone in ["Operational fence", "Outer Anchorage", "Customs Examination Area"] {
        assert!(text.contains(zone), "{text}");
    }

    let err = planner::plan(
        &ctx,
        &PlanRequest::new(Pattern::orbit(Target::Site("Flying Dutchman".into()))),
    )
    .unwrap_err();
    assert!(matches!(err, PlannerError::UnknownSite { .. }), "{err:?}");
    assert!(err.to_string().contains("MT Nordic Pearl"), "{err}");

    let err = planner::plan(&ctx, &PlanRequest::new(Pattern::survey("Example Airport CTR"))).unwrap_err();
    assert_eq!(err.to_string(), "Example Airport CTR has no polygon to fly");

    let bare = PortContext::without_scenario(Geodetic::new(44.39, 8.9, 0.0));
    let err = planner::plan(&bare, &PlanRequest::new(Pattern::survey("Outer Anchorage"))).unwrap_err();
    assert!(err.to_string().contains("no scenario loaded"), "{err}");
}

#[test]
fn bad_numbers_and_names_are_refused_saying_which() {
    let ctx = port();
    let mut request = anchorage_survey("Outer Anchorage");
    request.flight.speed_m_s = 0.0;
    let err = planner::plan(&ctx, &request).unwrap_err();
    assert!(
        err.to_string().contains("flight.speed_m_s must be a positive number"),
        "{err}"
    );

    let mut request = anchorage_survey("Outer Anchorage");
    request.flight.reserve_pct = 100.0;
    let err = planner::plan(&ctx, &request).unwrap_err();
    assert!(err.to_string().contains("flight.reserve_pct"), "{err}");

    let mut request = anchorage_survey("Outer Anchorage");
    if let Pattern::Survey { camera, .. } = &mut request.pattern {
        *camera = "hasselblad".into();
    }
    let err = planner::plan(&ctx, &request).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown camera preset 'hasselblad' (known: sony-rx100, dji-m3e"),
        "{err}"
    );

    let mut waypoints = across_the_airport();
    waypoints.push(LatLon::new(95.0, 8.9));
    let err = planner::plan(&ctx, &PlanRequest::new(Pattern::Route { waypoints, avoid: true })).unwrap_err();
    assert!(
        err.to_string().starts_with("waypoint 3 95,8.9 is not a valid position"),
        "{err}"
    );

    let err = planner::plan(
        &ctx,
        &PlanRequest::new(Pattern::Perimeter {
            area: "Outer Anchorage".into(),
            laps: 0,
            margin_m: 30.0,
            clockwise: true,
        }),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "planning a patrol of Outer Anchorage: laps must be positive, got 0"
    );

    let err = planner::plan(
        &ctx,
        &PlanRequest::new(Pattern::Orbit {
            target: Target::Site("Example Airport CTR".into()),
            radius_m: 50.0,
            turns: 1,
            clockwise: true,
        }),
    )
    .unwrap_err();
    assert!(
        matches!(err, PlannerError::UnknownSite { .. }),
        "a zone is not a site: {err}"
    );
}

#[test]
fn the_launch_point_comes_from_the_request_or_the_scenario() {
    let mut no_pad = scenario();
    no_pad.sites.retain(|s| s.kind != SiteKind::Launch);
    assert!(matches!(
        PortContext::from_scenario(no_pad.clone(), None),
        Err(PlannerError::NoLaunch)
    ));
    let pad = scenario().launch().expect("a launch pad");
    let ctx = PortContext::from_scenario(no_pad, Some(pad)).expect("launch given");
    let m = planner::plan(&ctx, &anchorage_survey("Outer Anchorage")).expect("plans");
    assert_eq!(m.plan.home, pad);
    assert!(matches!(
        PortContext::from_scenario(scenario(), Some(Geodetic::new(44.0, 200.0, 0.0))),
        Err(PlannerError::BadPosition { .. })
    ));
}

#[test]
fn a_planned_mission_serialises_for_the_console() {
    let m = planner::plan(&port(), &anchorage_survey("Outer Anchorage")).expect("plans");
    let json = serde_json::to_value(&m).expect("serialises");
    assert_eq!(json["ok"], true);
    assert_eq!(json["title"], "Survey — Outer Anchorage");
    assert_eq!(json["photos"].as_u64(), Some(m.photos as u64));
    assert_eq!(json["route"].as_array().map(Vec::len), Some(m.route.len()));
    assert!(json["estimate"]["energy_wh"].as_f64().is_some_and(|e| e > 0.0));
    let plan: Plan = serde_json::from_value(json["plan"].clone()).expect("the plan reads back");
    assert_eq!(plan, m.plan);
}
