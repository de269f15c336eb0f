//! MAVSDK, an independent peer, imports our QGroundControl .plan exports as the same items our encoders upload.
//!
//! Each test builds a plan with the library, writes it with [`export_plan`], has MAVSDK import
//! it (`interop/python/mavsdk_import_plan.py`: mavsdk_server plus a pymavlink vehicle stand-in
//! that reports ArduPilot, then `MissionRaw.import_qgroundcontrol_mission_from_string`), and
//! compares every field of MAVSDK's mission, fence and rally items with what
//! [`encode_mission`] / [`encode_fence`] / [`encode_rally`] make of the same plan.
//!
//! MAVSDK's importer (src/mavsdk/plugins/mission_raw/mission_import.cpp; seen here with
//! mavsdk_server 4.0.5) differs from our encoders in a few ways; [`as_mavsdk_imports`] applies exactly those to our items, so
//! any other difference fails. 1-3 do not change what a vehicle flies:
//!
//! 1. Home: for an ArduPilot vehicle MAVSDK inserts `plannedHomePosition` as mission seq 0, as
//!    our `home_item: true` does (for PX4 it would not, as `home_item: false`), but in
//!    `MAV_FRAME_GLOBAL_INT` (5) where we write `MAV_FRAME_GLOBAL` (0). In MISSION_ITEM_INT both
//!    mean degrees × 1e7 and altitude above mean sea level; MAVLink has superseded
//!    `MAV_FRAME_GLOBAL_INT` by `MAV_FRAME_GLOBAL` as a synonym (2024-03).
//! 2. `current`: MAVSDK sets 1 on the first item of each list. In the mission that is seq 1, the
//!    take-off, because it marks the first item before putting home in front of it. We send 0
//!    everywhere: which item is current is the vehicle's to decide.
//! 3. Fence and rally `autocontinue`: MAVSDK leaves it 0 (its fence and rally items are
//!    zero-initialised), we send 1 as for every item; fence and rally items are not flown.
//!
//! 4 and 5 are MAVSDK departures from MISSION_ITEM_INT that would change a mission; our planners
//! never make such items (typed items write 0, not NaN, for "no position", and use global
//! frames), so only a raw item imported from elsewhere can meet them:
//!
//! 4. An unset (NaN, `null` in the .plan) param5/param6 becomes x/y = 0 in MAVSDK, a real
//!    position; MAVLink and our encoder use `INT32_MAX` for "unset".
//! 5. Local frames: MAVSDK scales param5/param6 by 1e7 in every frame but `MAV_FRAME_MISSION`;
//!    MISSION_ITEM_INT defines metres × 1e4 for local frames, as we encode.
//!
//! MAVSDK also truncates, where we round, param5/param6 in `MAV_FRAME_MISSION`; our plans only
//! have 0 there, so that is not exercised (and not transformed).
//!
//! mavsdk_server's gRPC server binds 0.0.0.0, so the script runs in a network namespace with only
//! loopback (`unshare --net`, as root). Without one the tests print SKIPPED, or fail with
//! `PORTOPS_REQUIRE_PEERS=1`; `PORTOPS_ALLOW_WIDE_BIND=1` runs them without isolation instead.
//! A missing Python peer (`PORTOPS_PYTHON`, else `<workspace>/.venv/bin/python`) is handled the
//! same way.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use geo::{BooleanOps, MultiPolygon};
use mission::area::ZoneShape;
use mission::camera::Camera;
use mission::endurance::EnergyModel;
use mission::geodesy::{Geodetic, LatLon};
use mission::mavlink_items::{EncodeOptions, MISSION_ITEM_INT_DATA, encode_fence, encode_mission, encode_rally};
use mission::patterns::{self, FlightSettings};
use mission::plan::{
    FenceCircle, FencePolygon, GeoFence, MissionItem, Plan, PlanElement, RallyPoint, RawItem, cmd, frame,
};
use mission::qgc::export_plan;
use mission::scenario::PortScenario;
use mission::survey::{self, Altitude, SurveyRequest};
use serde_json::Value;

use testkit::{Isolation, TempFile, workspace_root};

const PEER: &str = "mavsdk";
/// Everything the script imports, and the server binary it starts.
const PROBE: &str = "import os, sys; os.environ['MAVLINK20'] = '1'; \
    import pymavlink.dialects.v20.common, grpc, mavsdk_grpc; \
    p = os.path.join(os.path.dirname(mavsdk_grpc.__file__), 'bin', 'mavsdk_server'); \
    os.access(p, os.X_OK) or sys.exit('no executable mavsdk_server at ' + p)";
/// The script gives up by itself after 55 s; this only catches one that hangs regardless.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(75);

fn python() -> Option<PathBuf> {
    testkit::python(PEER, PROBE)
}

/// One item as MAVSDK's MissionRaw reports it, or as we would send it; every MISSION_ITEM_INT
/// field that MissionRaw.MissionItem has (not the target ids, which it does not carry).
#[derive(Debug, Clone, Copy)]
struct Item {
    seq: i64,
    frame: i64,
    command: i64,
    current: i64,
    autocontinue: i64,
    params: [f32; 4],
    x: i64,
    y: i64,
    z: f32,
    mission_type: i64,
}

const ITEM_FIELDS: usize = 13;

impl Item {
    fn from_json(json: &Value, what: &str) -> Item {
        let fields = json
            .as_object()
            .unwrap_or_else(|| panic!("{what}: not an object: {json}"));
        assert_eq!(fields.len(), ITEM_FIELDS, "{what}: fields {json}");
        let int = |name: &str| {
            json[name]
                .as_i64()
                .unwrap_or_else(|| panic!("{what}: {name} is not an integer: {json}"))
        };
        // The script writes NaN as null. Its numbers are the f32 values MAVSDK holds, so
        // rounding them to f32 gives those values exactly.
        let float = |name: &str| match &json[name] {
            Value::Null => f32::NAN,
            v => v
                .as_f64()
                .unwrap_or_else(|| panic!("{what}: {name} is not a number: {json}")) as f32,
        };
        Item {
            seq: int("seq"),
            frame: int("frame"),
            command: int("command"),
            current: int("current"),
            autocontinue: int("autocontinue"),
            params: [float("param1"), float("param2"), float("param3"), float("param4")],
            x: int("x"),
            y: int("y"),
            z: float("z"),
            mission_type: int("mission_type"),
        }
    }

    fn ours(item: &MISSION_ITEM_INT_DATA) -> Item {
        Item {
            seq: item.seq.into(),
            frame: item.frame as i64,
            command: item.command as i64,
            current: item.current.into(),
            autocontinue: item.autocontinue.into(),
            params: [item.param1, item.param2, item.param3, item.param4],
            x: item.x.into(),
            y: item.y.into(),
            z: item.z,
            mission_type: item.mission_type as i64,
        }
    }

    /// Every field that differs, as "name: MAVSDK value, expected value". Floats compare as f32,
    /// NaN equal to NaN (both mean "unset").
    fn differences(&self, expected: &Item) -> Vec<String> {
        let ints = [
            ("seq", self.seq, expected.seq),
            ("frame", self.frame, expected.frame),
            ("command", self.command, expected.command),
            ("current", self.current, expected.current),
            ("autocontinue", self.autocontinue, expected.autocontinue),
            ("x", self.x, expected.x),
            ("y", self.y, expected.y),
            ("mission_type", self.mission_type, expected.mission_type),
        ];
        let floats = [
            ("param1", self.params[0], expected.params[0]),
            ("param2", self.params[1], expected.params[1]),
            ("param3", self.params[2], expected.params[2]),
            ("param4", self.params[3], expected.params[3]),
            ("z", self.z, expected.z),
        ];
        let ints = ints
            .into_iter()
            .filter(|(_, a, b)| a != b)
            .map(|(name, a, b)| format!("{name}: MAVSDK {a}, expected {b}"));
        let floats = floats
            .into_iter()
            .filter(|(_, a, b)| !(a == b || (a.is_nan() && b.is_nan())))
            .map(|(name, a, b)| format!("{name}: MAVSDK {a:?}, expected {b:?}"));
        ints.chain(floats).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum List {
    Mission,
    Fence,
    Rally,
}

/// MAVLink's marker for an unset integer x/y.
const UNSET_XY: i64 = i32::MAX as i64;
/// MAV_FRAME_LOCAL_NED .. MAV_FRAME_BODY_OFFSET_NED, MAV_FRAME_LOCAL_OFFSET_NED: frames whose
/// x/y MISSION_ITEM_INT defines as metres × 1e4 (only LOCAL_NED occurs in these tests).
fn is_local(frame_no: i64) -> bool {
    matches!(frame_no, 1 | 4 | 7 | 8 | 9 | 12..=21)
}

/// What MAVSDK's import makes of a list our encoder would upload: our items with exactly the
/// differences listed in the module documentation (numbered as there) applied.
fn as_mavsdk_imports(list: List, ours: &[MISSION_ITEM_INT_DATA]) -> Vec<Item> {
    ours.iter()
        .map(|item| {
            let mut item = Item::ours(item);
            let first_real_seq = if list == List::Mission { 1 } else { 0 };
            if list == List::Mission && item.seq == 0 {
                assert_eq!(item.frame, i64::from(frame::GLOBAL), "our home item");
                item.frame = i64::from(frame::GLOBAL_INT); // 1
            }
            if item.seq == first_real_seq {
                item.current = 1; // 2
            }
            if list != List::Mission {
                item.autocontinue = 0; // 3
            }
            for xy in [&mut item.x, &mut item.y] {
                if *xy == UNSET_XY {
                    *xy = 0; // 4
                } else if is_local(item.frame) {
                    *xy *= 1000; // 5: metres × 1e7 rather than × 1e4
                }
            }
            item
        })
        .collect()
}

/// MAVSDK's list against what it should be, every field of every item; all mismatches at once.
fn assert_same_items(list: List, theirs: &[Item], expected: &[Item]) {
    assert_eq!(
        theirs.len(),
        expected.len(),
        "{list:?}: MAVSDK imported {} items, we encode {}",
        theirs.len(),
        expected.len()
    );
    let problems: Vec<String> = theirs
        .iter()
        .zip(expected)
        .flat_map(|(t, e)| {
            t.differences(e)
                .into_iter()
                .map(move |d| format!("{list:?} seq {} (MAV_CMD {}): {d}", e.seq, e.command))
        })
        .collect();
    assert!(
        problems.is_empty(),
        "{} differences from MAVSDK:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// What MAVSDK imported.
struct Imported {
    mission: Vec<Item>,
    fence: Vec<Item>,
    rally: Vec<Item>,
}

/// Runs mavsdk_import_plan.py on a .plan file and reads its JSON.
fn mavsdk_import(python: &Path, isolation: &Isolation, plan_file: &Path) -> Imported {
    let script = "interop/python/mavsdk_import_plan.py";
    let mut command = match isolation {
        Isolation::Namespace => {
            let mut c = Command::new("unshare");
            // PY and PLAN come in through the environment, so no path is ever parsed by sh.
            c.args(testkit::NAMESPACE).args([
                "sh",
                "-c",
                &format!("{} && exec \"$PY\" {script} \"$PLAN\"", testkit::LOOPBACK_UP),
            ]);
            c
        }
        Isolation::WideBind => {
            let mut c = Command::new(python);
            c.arg(script).arg(plan_file);
            c
        }
    };
    command
        .current_dir(workspace_root())
        .env("PY", python)
        .env("PLAN", plan_file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let (status, stdout, stderr) = testkit::run_with_timeout(command, SCRIPT_TIMEOUT);
    eprintln!("MAVSDK import took {:.1} s", started.elapsed().as_secs_f64());
    let status = status.unwrap_or_else(|| {
        panic!("mavsdk_import_plan.py ran over {SCRIPT_TIMEOUT:?} and was killed; stderr:\n{stderr}")
    });
    assert!(status.success(), "mavsdk_import_plan.py failed ({status}):\n{stderr}");
    let json: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON from the script ({e}):\n{stdout}"));
    assert_eq!(
        json["import_call"], "import_qgroundcontrol_mission_from_string",
        "mavsdk-grpc 4 imports from a string"
    );
    let items = |key: &str| -> Vec<Item> {
        json[key]
            .as_array()
            .unwrap_or_else(|| panic!("no {key} array in {json}"))
            .iter()
            .enumerate()
            .map(|(i, item)| Item::from_json(item, &format!("{key}[{i}]")))
            .collect()
    };
    Imported {
        mission: items("mission_items"),
        fence: items("geofence_items"),
        rally: items("rally_items"),
    }
}

/// Both peers and the isolation, or None when the test must skip.
fn setup() -> Option<(PathBuf, Isolation)> {
    let python = python()?;
    let isolation = testkit::wide_bind_isolation(PEER, "mavsdk_server's gRPC port")?;
    Some((python, isolation))
}

/// ArduPilot addressing, as the stand-in reports ArduPilot: seq 0 is home (difference 1).
const OPTS: EncodeOptions = EncodeOptions {
    target_system: 1,
    target_component: 1,
    home_item: true,
};

/// Exports the plan, has MAVSDK import it, and checks all three lists against our encoders.
fn check_plan(python: &Path, isolation: &Isolation, plan: &Plan, tag: &str) -> Imported {
    let file = TempFile::new(PEER, tag, "plan");
    std::fs::write(&file.0, export_plan(plan)).expect("write .plan");
    let imported = mavsdk_import(python, isolation, &file.0);

    let mission = encode_mission(plan, &OPTS).expect("encode mission");
    let fence = encode_fence(&plan.fence, &OPTS).expect("encode fence");
    let rally = encode_rally(&plan.rally, &OPTS).expect("encode rally");
    assert_eq!(mission.len(), plan.mission_items().len() + 1, "home + items");
    assert_same_items(
        List::Mission,
        &imported.mission,
        &as_mavsdk_imports(List::Mission, &mission),
    );
    assert_same_items(List::Fence, &imported.fence, &as_mavsdk_imports(List::Fence, &fence));
    assert_same_items(List::Rally, &imported.rally, &as_mavsdk_imports(List::Rally, &rally));

    assert_fence_is(&imported.fence, &plan.fence);
    assert_rally_is(&imported.rally, &plan.rally);
    imported
}

fn e7(degrees: f64) -> i64 {
    (degrees * 1e7).round() as i64
}

/// MAVSDK's fence items against the plan model itself rather than our encoder: each polygon's
/// vertices in order with param1 = vertex count, then the circles with param1 = radius.
fn assert_fence_is(items: &[Item], fence: &GeoFence) {
    let mut items = items.iter();
    for (p, polygon) in fence.polygons.iter().enumerate() {
        let command = if polygon.inclusion {
            cmd::NAV_FENCE_POLYGON_VERTEX_INCLUSION
        } else {
            cmd::NAV_FENCE_POLYGON_VERTEX_EXCLUSION
        };
        for (v, vertex) in polygon.vertices.iter().enumerate() {
            let item = items
                .next()
                .unwrap_or_else(|| panic!("polygon {p}: vertex {v} missing"));
            assert_eq!(
                (item.command, item.frame, item.mission_type),
                (command.into(), frame::GLOBAL.into(), 1),
                "polygon {p} vertex {v}"
            );
            assert_eq!(
                item.params[0],
                polygon.vertices.len() as f32,
                "polygon {p}: vertex count"
            );
            assert_eq!(
                (item.x, item.y),
                (e7(vertex.lat), e7(vertex.lon)),
                "polygon {p} vertex {v}"
            );
        }
    }
    for (c, circle) in fence.circles.iter().enumerate() {
        let command = if circle.inclusion {
            cmd::NAV_FENCE_CIRCLE_INCLUSION
        } else {
            cmd::NAV_FENCE_CIRCLE_EXCLUSION
        };
        let item = items.next().unwrap_or_else(|| panic!("circle {c} missing"));
        assert_eq!(
            (item.command, item.frame),
            (command.into(), frame::GLOBAL.into()),
            "circle {c}"
        );
        assert_eq!(item.params[0], circle.radius_m as f32, "circle {c}: radius");
        assert_eq!(
            (item.x, item.y),
            (e7(circle.center.lat), e7(circle.center.lon)),
            "circle {c}: centre"
        );
    }
    assert!(items.next().is_none(), "MAVSDK has more fence items than the plan");
}

/// MAVSDK's rally items against the plan's points: NAV_RALLY_POINT, altitude above home.
fn assert_rally_is(items: &[Item], rally: &[RallyPoint]) {
    assert_eq!(items.len(), rally.len(), "rally points");
    for (r, (item, point)) in items.iter().zip(rally).enumerate() {
        assert_eq!(
            (item.command, item.frame, item.mission_type),
            (cmd::NAV_RALLY_POINT.into(), frame::GLOBAL_RELATIVE_ALT.into(), 2),
            "rally {r}"
        );
        assert_eq!(
            (item.x, item.y, item.z),
            (e7(point.position.lat), e7(point.position.lon), point.alt_m as f32),
            "rally {r}"
        );
    }
}

/// The `mission plan survey` recipe (src/bin/mission/main.rs) for the example port's Outer
/// Anchorage at 120 m, overlap 60/50, camera dji-m3e, every other option at its default.
fn outer_anchorage_survey() -> Plan {
    let path = workspace_root().join("data/scenarios/example-port.geojson");
    let text = std::fs::read_to_string(&path).expect("read the example scenario");
    let scenario = PortScenario::parse(&text).expect("parse the example scenario");
    let home = scenario.launch().expect("launch pad");
    let zone = scenario.zone("Outer Anchorage").expect("Outer Anchorage zone");
    // The CLI merges the zones it is given with a union, which also normalises the rings.
    let area = match &zone.shape {
        ZoneShape::Polygons(mp) => MultiPolygon(vec![]).union(mp),
        ZoneShape::Circle { .. } => panic!("Outer Anchorage is a polygon"),
    };
    let camera = Camera::parse("dji-m3e").expect("camera preset");
    let mut req = SurveyRequest::new(area, camera, Altitude::AboveHome(120.0), home.horizontal());
    req.fences = survey::fences_from_zones(&scenario.zones);
    req.front_overlap_pct = 60.0;
    req.side_overlap_pct = 50.0;
    req.turnaround_m = 10.0;
    req.fence_margin_m = 5.0;
    req.speed_m_s = 10.0;
    req.performance = EnergyModel::default();
    req.angle_deg = None;
    let sp = survey::plan_survey(&req).expect("plan the survey");
    let settings = FlightSettings {
        alt_m: sp.alt_m,
        speed_m_s: req.speed_m_s,
    };
    patterns::assemble(
        home,
        settings,
        &sp.transit_in,
        vec![PlanElement::Survey(sp.to_element(&req))],
        &sp.transit_out,
        scenario.geofence(),
        scenario.rally_points(),
    )
}

#[test]
fn mavsdk_imports_our_survey_plan_as_we_encode_it() {
    let Some((python, isolation)) = setup() else { return };
    let plan = outer_anchorage_survey();
    // The plan exercises what a real export has: a survey complex item among simple items,
    // a fence with inclusion and exclusion polygons and a circle, rally points.
    let survey_items = plan
        .elements
        .iter()
        .find_map(|e| match e {
            PlanElement::Survey(s) => Some(s.items.len()),
            _ => None,
        })
        .expect("a survey element");
    assert!(survey_items > 20, "survey with {survey_items} items");
    assert!(plan.fence.polygons.iter().any(|p| p.inclusion));
    assert!(plan.fence.polygons.iter().any(|p| !p.inclusion));
    assert!(!plan.fence.circles.is_empty());
    assert_eq!(plan.rally.len(), 2);

    let imported = check_plan(&python, &isolation, &plan, "survey");

    // Spot checks that the comparison compares the right things.
    let home = imported.mission[0];
    assert_eq!((home.command, home.frame), (16, 5), "home: NAV_WAYPOINT, GLOBAL_INT");
    assert_eq!(
        (home.x, home.y, home.z),
        (e7(plan.home.lat), e7(plan.home.lon), plan.home.alt as f32)
    );
    let takeoff = imported.mission[1];
    assert_eq!((takeoff.command, takeoff.current, takeoff.z), (22, 1, 120.0));
    assert!(takeoff.params[3].is_nan(), "take-off yaw stays unset");
    assert_eq!(imported.mission.last().map(|i| i.command), Some(20), "ends with RTL");
    let triggers = imported.mission.iter().filter(|i| i.command == 206).count();
    assert!(triggers >= 2, "camera trigger on and off: {triggers}");
}

/// Every kind of item our model types, a raw one with an unset position, one in a local frame,
/// and a fence with every shape MAVLink has; checks differences 4 and 5 occur where expected.
fn every_kind_plan() -> Plan {
    let mut plan = Plan::new(Geodetic::new(51.949, 4.142, 2.5));
    let items = vec![
        MissionItem::Takeoff {
            position: Some(LatLon::new(51.9491, 4.1421)),
            alt_m: 30.0,
        },
        MissionItem::Waypoint {
            position: LatLon::new(51.9501234, 4.1412345),
            alt_m: 40.0,
            hold_s: 2.0,
            acceptance_radius_m: 1.5,
        },
        MissionItem::ChangeSpeed { speed_m_s: 7.5 },
        MissionItem::CameraTriggerDistance { distance_m: 12.3 },
        MissionItem::waypoint(LatLon::new(51.95123456789, 4.13987654321), 45.7),
        MissionItem::LoiterTurns {
            center: LatLon::new(51.9520001, 4.1425002),
            alt_m: 50.0,
            radius_m: 25.0,
            turns: 2.0,
            clockwise: false,
        },
        MissionItem::Other(RawItem {
            command: 201, // DO_SET_ROI, position unset
            frame: frame::GLOBAL_RELATIVE_ALT,
            params: [0.0, 0.0, 0.0, f64::NAN, f64::NAN, f64::NAN, 10.0],
            autocontinue: false,
        }),
        MissionItem::Other(RawItem {
            command: cmd::NAV_WAYPOINT,
            frame: frame::LOCAL_NED,
            params: [0.0, 0.0, 0.0, f64::NAN, 12.5, -7.25, -20.0],
            autocontinue: true,
        }),
        MissionItem::CameraTriggerDistance { distance_m: 0.0 },
        MissionItem::Land {
            position: Some(LatLon::new(51.9489, 4.1419)),
        },
        MissionItem::ReturnToLaunch,
    ];
    plan.elements = items.into_iter().map(PlanElement::Item).collect();
    plan.fence = GeoFence {
        polygons: vec![
            FencePolygon {
                inclusion: true,
                vertices: vec![
                    LatLon::new(51.945, 4.135),
                    LatLon::new(51.955, 4.135),
                    LatLon::new(51.955, 4.150),
                    LatLon::new(51.945, 4.150),
                ],
            },
            FencePolygon {
                inclusion: false,
                vertices: vec![
                    LatLon::new(51.950, 4.140),
                    LatLon::new(51.951, 4.140),
                    LatLon::new(51.9505, 4.141),
                ],
            },
        ],
        circles: vec![
            FenceCircle {
                inclusion: true,
                center: LatLon::new(51.95, 4.142),
                radius_m: 800.0,
            },
            FenceCircle {
                inclusion: false,
                center: LatLon::new(51.9505, 4.1405),
                radius_m: 40.5,
            },
        ],
        max_alt_m: Some(120.0),
        breach_return: None,
    };
    plan.rally = vec![
        RallyPoint {
            position: LatLon::new(51.948, 4.144),
            alt_m: 25.0,
        },
        RallyPoint {
            position: LatLon::new(-33.953, -4.133),
            alt_m: 30.5,
        },
    ];
    plan
}

#[test]
fn mavsdk_imports_every_item_kind_as_we_encode_it() {
    let Some((python, isolation)) = setup() else { return };
    let plan = every_kind_plan();
    let imported = check_plan(&python, &isolation, &plan, "kinds");

    // Differences 4 and 5 are real here, not just allowed: seq 7 is DO_SET_ROI (seq 0 is home).
    let roi = imported.mission[7];
    assert_eq!((roi.command, roi.x, roi.y, roi.autocontinue), (201, 0, 0, 0));
    let local = imported.mission[8];
    assert_eq!((local.frame, local.x, local.y), (1, 125_000_000, -72_500_000));
    let takeoff = imported.mission[1];
    assert_eq!(
        (takeoff.x, takeoff.y),
        (519_491_000, 41_421_000),
        "take-off keeps its position"
    );
    let commands: Vec<i64> = imported.fence.iter().map(|i| i.command).collect();
    assert_eq!(commands, [5001, 5001, 5001, 5001, 5002, 5002, 5002, 5003, 5004]);
}
