//! The `mission` command line end to end over the example port: plans that fly, plans that are
//! refused with their reasons, and bad input that is explained.

use std::path::PathBuf;
use std::process::{Command, Output};

use mission::plan::MissionItem;
use mission::scenario::PortScenario;

fn scenario_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/scenarios/example-port.geojson")
}

fn mission(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mission"))
        .args(args)
        .output()
        .expect("the mission binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mission-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn anchorage_survey_is_written_validated_and_reimported() {
    let dir = temp_dir("survey");
    let (plan_path, svg_path) = (dir.join("survey.plan"), dir.join("survey.svg"));
    let scenario = scenario_path();
    let out = mission(&[
        "plan",
        "survey",
        "--scenario",
        scenario.to_str().unwrap(),
        "--area",
        "Outer Anchorage",
        "--alt",
        "115",
        "--overlap",
        "60/40",
        "--camera",
        "dji-m3e",
        "--speed",
        "15",
        "--out",
        plan_path.to_str().unwrap(),
        "--preview",
        svg_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("coverage 100.00%") || text(&out).contains("coverage 99."),
        "{}",
        text(&out)
    );

    let imported = mission::qgc::import_plan(&std::fs::read_to_string(&plan_path).unwrap()).expect("our .plan imports");
    let items = imported.plan.mission_items();
    assert!(matches!(items.first(), Some(MissionItem::Takeoff { alt_m, .. }) if *alt_m == 115.0));
    assert_eq!(items.last(), Some(&MissionItem::ReturnToLaunch));
    let triggers_on = items
        .iter()
        .filter(|i| matches!(i, MissionItem::CameraTriggerDistance { distance_m } if *distance_m > 0.0))
        .count();
    let triggers_off = items
        .iter()
        .filter(|i| matches!(i, MissionItem::CameraTriggerDistance { distance_m } if *distance_m == 0.0))
        .count();
    assert!(
        triggers_on > 5 && triggers_on == triggers_off,
        "camera on and off once per lane"
    );
    // The scenario's fence comes with the plan: one inclusion, the airport and the fuel buoy.
    assert_eq!(imported.plan.fence.polygons.iter().filter(|p| p.inclusion).count(), 1);
    assert_eq!(imported.plan.fence.max_alt_m, Some(120.0));
    assert_eq!(imported.plan.rally.len(), 2);

    let report = mission::validate::validate(&imported.plan, &Default::default(), &Default::default());
    assert!(report.is_ok(), "{:?}", report.problems);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"));
    assert!(svg.contains("Outer Anchorage"));

    let check = mission(&[
        "validate",
        plan_path.to_str().unwrap(),
        "--scenario",
        scenario.to_str().unwrap(),
    ]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("OK"));
}

#[test]
fn a_survey_too_long_for_the_battery_is_refused_with_the_reason() {
    let scenario = scenario_path();
    let out = mission(&[
        "plan",
        "survey",
        "--scenario",
        scenario.to_str().unwrap(),
        "--area",
        "Port of Example",
    ]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(t.contains("endurance: the flight needs"), "{t}");
    assert!(t.contains("not safe to fly"), "{t}");
}

#[test]
fn a_route_across_the_airport_is_refused_unless_it_detours() {
    let scenario = PortScenario::parse(&std::fs::read_to_string(scenario_path()).unwrap()).unwrap();
    let airport = scenario.zone("Example Airport CTR").expect("airport zone");
    let mission::area::ZoneShape::Circle { center, radius_m } = airport.shape else {
        panic!("the airport zone is a circle")
    };
    // Two points just outside the control zone, inside the fence: the straight leg between
    // them is a chord that cuts 20 m into the circle.
    let at = |bearing: f64| mission::geodesy::destination(center, bearing, radius_m + 40.0);
    let (a, b) = (at(108.0), at(130.0));
    let waypoints = format!("{:.7},{:.7};{:.7},{:.7}", a.lat, a.lon, b.lat, b.lon);
    let path = scenario_path();
    let straight = mission(&[
        "plan",
        "route",
        "--scenario",
        path.to_str().unwrap(),
        "--waypoints",
        &waypoints,
    ]);
    assert!(!straight.status.success(), "{}", text(&straight));
    assert!(
        text(&straight).contains("enters exclusion 'Example Airport CTR'"),
        "{}",
        text(&straight)
    );
    let detour = mission(&[
        "plan",
        "route",
        "--scenario",
        path.to_str().unwrap(),
        "--waypoints",
        &waypoints,
        "--avoid",
    ]);
    assert!(detour.status.success(), "{}", text(&detour));
}

#[test]
fn bad_input_is_explained() {
    let scenario = scenario_path();
    let out = mission(&[
        "plan",
        "survey",
        "--scenario",
        scenario.to_str().unwrap(),
        "--area",
        "Atlantis",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("'Atlantis' is neither a file nor a zone of the scenario (zones: Operational fence"),
        "{}",
        text(&out)
    );

    let out = mission(&[
        "plan",
        "survey",
        "--scenario",
        scenario.to_str().unwrap(),
        "--area",
        "Outer Anchorage",
        "--overlap",
        "75",
    ]);
    assert!(text(&out).contains("--overlap must be FRONT/SIDE"), "{}", text(&out));

    let dir = temp_dir("bad");
    let bad = dir.join("bow-tie.geojson");
    std::fs::write(
        &bad,
        r#"{"type":"Feature","properties":{"name":"Quay X","kind":"area"},
            "geometry":{"type":"Polygon","coordinates":[[[8.9,44.4],[8.91,44.41],[8.91,44.4],[8.9,44.41],[8.9,44.4]]]}}"#,
    )
    .unwrap();
    let out = mission(&[
        "plan",
        "survey",
        "--launch",
        "44.39,8.9",
        "--area",
        bad.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(t.contains("Quay X") && t.contains("self-intersection"), "{t}");

    let out = mission(&["validate", dir.join("missing.plan").to_str().unwrap()]);
    assert!(text(&out).contains("reading"), "{}", text(&out));
}

#[test]
fn flying_at_the_fence_ceiling_is_refused() {
    let scenario = scenario_path();
    let out = mission(&[
        "plan",
        "survey",
        "--scenario",
        scenario.to_str().unwrap(),
        "--area",
        "Outer Anchorage",
        "--alt",
        "120",
        "--overlap",
        "60/50",
        "--camera",
        "dji-m3e",
        "--speed",
        "12",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("within 2 m of the fence ceiling of 120 m"),
        "{}",
        text(&out)
    );
}
