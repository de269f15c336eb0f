//! QGroundControl `.plan` import/export: real QGC files, lossless round trips, malformed input.

use mission::camera::Camera;
use mission::geodesy::{Geodetic, LatLon};
use mission::plan::{
    FenceCircle, FencePolygon, ForeignElement, GeoFence, MissionItem, Plan, PlanElement, RallyPoint, RawItem,
    SurveyElement, VehicleType,
};
use mission::qgc::{Import, QgcError, export_plan, import_plan};
use serde_json::{Value, json};

const FILES: [&str; 4] = [
    "ArduPilotSITL-ArduCopter.plan",
    "qgroundcontrol_sample_with_survey.plan",
    "qgroundcontrol_sample_with_structured_scan.plan",
    "multicopter_mission_geofence_avoid.plan",
];

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/qgc/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn import(name: &str) -> Import {
    import_plan(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn item(plan: &Plan, i: usize) -> &MissionItem {
    match &plan.elements[i] {
        PlanElement::Item(item) => item,
        other => panic!("element {i} is not a simple item: {other:?}"),
    }
}

fn raw(plan: &Plan, i: usize) -> &RawItem {
    match item(plan, i) {
        MissionItem::Other(raw) => raw,
        other => panic!("element {i} is typed: {other:?}"),
    }
}

/// Export, import again, and check that nothing changed and the export is stable.
fn assert_round_trip(plan: &Plan, what: &str) -> Import {
    let text = export_plan(plan);
    let again = import_plan(&text).unwrap_or_else(|e| panic!("{what}: exported plan does not import: {e}\n{text}"));
    assert_eq!(&again.plan, plan, "{what}: plan changed in the round trip");
    for w in &again.warnings {
        assert!(w.contains("kept as-is"), "{what}: unexpected warning on re-import: {w}");
    }
    assert_eq!(
        export_plan(&again.plan),
        text,
        "{what}: second export differs from the first"
    );
    again
}

/// Every key of `original` is in `exported` with an equal value (numbers compared as numbers).
fn assert_contains(exported: &Value, original: &Value, at: &str) {
    match (exported, original) {
        (Value::Object(e), Value::Object(o)) => {
            for (k, v) in o {
                let got = e.get(k).unwrap_or_else(|| panic!("{at}.{k} missing from export"));
                assert_contains(got, v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(o)) => {
            assert_eq!(e.len(), o.len(), "{at}: array length");
            for (i, (x, y)) in e.iter().zip(o).enumerate() {
                assert_contains(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(e), Value::Number(o)) => assert_eq!(e.as_f64(), o.as_f64(), "{at}"),
        _ => assert_eq!(exported, original, "{at}"),
    }
}

#[test]
fn qgc_ardupilot_copter_test_plan_imports() {
    let Import { plan, warnings } = import("ArduPilotSITL-ArduCopter.plan");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(plan.home, Geodetic::new(-35.363261, 149.16523, 584.0));
    assert_eq!(plan.vehicle, VehicleType::Multirotor);
    assert_eq!((plan.cruise_speed_m_s, plan.hover_speed_m_s), (15.0, 5.0));
    assert_eq!(plan.elements.len(), 11);
    assert_eq!(
        item(&plan, 0),
        &MissionItem::Takeoff {
            position: Some(LatLon::new(-35.3605661, 149.16523)),
            alt_m: 30.0
        }
    );
    assert_eq!(
        item(&plan, 1),
        &MissionItem::waypoint(LatLon::new(-35.3497863, 149.1817532), 60.0)
    );
    assert_eq!(item(&plan, 2), &MissionItem::ChangeSpeed { speed_m_s: 10.0 });
    // A waypoint in the AMSL frame is not the model's relative waypoint: kept raw, not lost.
    assert_eq!(
        (raw(&plan, 3).command, raw(&plan, 3).frame, raw(&plan, 3).params[6]),
        (16, 0, 734.0)
    );
    assert_eq!(raw(&plan, 4).command, 201);
    assert!(raw(&plan, 5).params[6].is_nan(), "null param7 is NaN");
    assert_eq!((raw(&plan, 7).command, raw(&plan, 7).frame), (16, 10));
    assert_eq!(
        item(&plan, 10),
        &MissionItem::Land {
            position: Some(LatLon::new(-35.3605661, 149.16523))
        }
    );
    assert!(plan.fence.is_empty() && plan.rally.is_empty());
}

#[test]
fn mavsdk_survey_sample_imports_as_a_survey() {
    let Import { plan, warnings } = import("qgroundcontrol_sample_with_survey.plan");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(plan.elements.len(), 2);
    let camera_mode = raw(&plan, 0);
    assert_eq!(camera_mode.command, 530);
    assert_eq!(camera_mode.params[1], 2.0);
    assert!(camera_mode.params[2..].iter().all(|p| p.is_nan()));

    let PlanElement::Survey(s) = &plan.elements[1] else {
        panic!("element 1 is not a survey: {:?}", plan.elements[1]);
    };
    assert_eq!(s.polygon.len(), 4);
    assert_eq!(s.polygon[0], LatLon::new(47.397924966150924, 8.545724712437675));
    assert_eq!(s.angle_deg, 90.0);
    assert_eq!(s.alt_m, 50.0);
    assert_eq!(
        (s.lane_spacing_m, s.trigger_distance_m, s.turnaround_m),
        (25.0, 25.0, 10.0)
    );
    assert_eq!(s.camera.name, "Manual (no camera specs)");
    assert!(!s.fly_alternate_transects);
    assert_eq!(s.items.len(), 12);
    assert_eq!(
        s.items[0],
        MissionItem::waypoint(LatLon::new(47.397705960554916, 8.546339694155481), 50.0)
    );
    assert_eq!(s.items[1], MissionItem::CameraTriggerDistance { distance_m: 25.0 });
    assert_eq!(s.items[11], MissionItem::CameraTriggerDistance { distance_m: 0.0 });
    let waypoints = s
        .items
        .iter()
        .filter(|i| matches!(i, MissionItem::Waypoint { .. }))
        .count();
    assert_eq!(waypoints, 8);
    // VisualTransectPoints are exactly the waypoints, so export derives them instead of storing them.
    let tsci = s.extra.get("TransectStyleComplexItem");
    assert!(
        tsci.is_none_or(|t| t.get("VisualTransectPoints").is_none()),
        "{:?}",
        s.extra
    );

    // Everything QGC wrote for the survey comes out of the export again, Items included.
    let exported: Value = serde_json::from_str(&export_plan(&plan)).unwrap();
    let original: Value = serde_json::from_str(&data("qgroundcontrol_sample_with_survey.plan")).unwrap();
    assert_contains(
        &exported["mission"]["items"][1],
        &original["mission"]["items"][1],
        "survey",
    );
}

#[test]
fn structure_scan_is_kept_verbatim_with_a_warning() {
    let Import { plan, warnings } = import("qgroundcontrol_sample_with_structured_scan.plan");
    assert_eq!(
        warnings,
        ["mission.items[1]: complex item 'StructureScan' kept as-is; it cannot be edited or validated"]
    );
    let PlanElement::Foreign(f) = &plan.elements[1] else {
        panic!("element 1 is not foreign");
    };
    assert_eq!(f.kind, "StructureScan");
    assert!(f.items.is_empty(), "a StructureScan does not list its items");
    assert_eq!(f.json["Layers"], json!(2));

    let exported: Value = serde_json::from_str(&export_plan(&plan)).unwrap();
    let original: Value = serde_json::from_str(&data("qgroundcontrol_sample_with_structured_scan.plan")).unwrap();
    assert_eq!(exported["mission"]["items"][1], original["mission"]["items"][1]);
}

#[test]
fn px4_geofence_plan_imports_polygons_and_circles() {
    let Import { plan, warnings } = import("multicopter_mission_geofence_avoid.plan");
    assert_eq!(
        warnings,
        [
            "plan: keys not kept: 'UUID'",
            "mission.items: SimpleItem keys not kept: 'MISSION_ITEM_ID', 'groupTag'"
        ]
    );
    assert_eq!(plan.home, Geodetic::new(47.3977444, 8.5455918, 489.338));
    assert_eq!(plan.elements.len(), 5);
    assert_eq!(
        item(&plan, 0),
        &MissionItem::Takeoff {
            position: Some(LatLon::new(47.3977508, 8.5456074)),
            alt_m: 20.0
        }
    );
    assert_eq!(
        item(&plan, 1),
        &MissionItem::waypoint(LatLon::new(47.396545599479346, 8.544490781870365), 20.0)
    );
    assert_eq!(item(&plan, 4), &MissionItem::ReturnToLaunch);

    let fence = &plan.fence;
    assert_eq!((fence.polygons.len(), fence.circles.len()), (2, 1));
    assert!(!fence.polygons[0].inclusion && fence.polygons[1].inclusion);
    assert_eq!(fence.polygons[0].vertices.len(), 4);
    assert_eq!(fence.polygons[0].vertices[0], LatLon::new(47.3991036, 8.5368519));
    assert_eq!(
        fence.polygons[1].vertices[3],
        LatLon::new(47.39365751759516, 8.53812458836515)
    );
    assert_eq!(
        fence.circles[0],
        FenceCircle {
            inclusion: false,
            center: LatLon::new(47.395306422855064, 8.54286777893347),
            radius_m: 111.05361447891983,
        }
    );
    assert_eq!(fence.max_alt_m, None);
    assert!(plan.rally.is_empty());
}

#[test]
fn vendored_files_survive_a_round_trip() {
    for name in FILES {
        assert_round_trip(&import(name).plan, name);
    }
}

/// A plan with every kind of content the model has.
fn everything_plan() -> Plan {
    let home = Geodetic::new(51.9496, 4.1453, 3.5);
    let p = |dn: f64, de: f64| LatLon::new(home.lat + dn * 1e-4, home.lon + de * 1e-4);
    let mut plan = Plan::new(home);
    plan.vehicle = VehicleType::FixedWing;
    plan.cruise_speed_m_s = 17.5;
    plan.hover_speed_m_s = 4.25;

    let simple = [
        MissionItem::Takeoff {
            position: Some(p(0.1, 0.1)),
            alt_m: 40.0,
        },
        MissionItem::Takeoff {
            position: None,
            alt_m: 35.0,
        },
        MissionItem::Waypoint {
            position: p(1.0, 2.0),
            alt_m: 60.5,
            hold_s: 3.0,
            acceptance_radius_m: 2.5,
        },
        MissionItem::ChangeSpeed { speed_m_s: 8.0 },
        MissionItem::CameraTriggerDistance { distance_m: 12.3 },
        MissionItem::LoiterTurns {
            center: p(3.0, -1.0),
            alt_m: 80.0,
            radius_m: 25.0,
            turns: 2.0,
            clockwise: true,
        },
        MissionItem::LoiterTurns {
            center: p(-3.0, 1.0),
            alt_m: 70.0,
            radius_m: 30.0,
            turns: 1.5,
            clockwise: false,
        },
        // DO_JUMP to sequence number 3 (the waypoint above), twice.
        MissionItem::Other(RawItem {
            command: 177,
            frame: 2,
            params: [3.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            autocontinue: true,
        }),
        // MAV_CMD_SET_CAMERA_MODE as QGC writes it: unset params, and no auto-continue.
        MissionItem::Other(RawItem {
            command: 530,
            frame: 2,
            params: [0.0, 2.0, f64::NAN, f64::NAN, f64::NAN, f64::NAN, f64::NAN],
            autocontinue: false,
        }),
    ];
    plan.elements.extend(simple.into_iter().map(PlanElement::Item));

    let camera = Camera::preset("sony-rx100").unwrap();
    let spacing = mission::camera::spacing(&camera, 50.0, 75.0, 65.0).unwrap();
    let trigger = MissionItem::CameraTriggerDistance {
        distance_m: spacing.trigger_m,
    };
    plan.elements.push(PlanElement::Survey(SurveyElement {
        polygon: vec![p(5.0, 5.0), p(5.0, 9.0), p(8.0, 9.0), p(8.0, 5.0)],
        angle_deg: 30.0,
        alt_m: 50.0,
        camera,
        front_overlap_pct: 75.0,
        side_overlap_pct: 65.0,
        lane_spacing_m: spacing.lane_m,
        trigger_distance_m: spacing.trigger_m,
        turnaround_m: 8.0,
        fly_alternate_transects: true,
        items: vec![
            MissionItem::waypoint(p(5.1, 5.1), 50.0),
            trigger.clone(),
            MissionItem::waypoint(p(5.1, 8.9), 50.0),
            MissionItem::CameraTriggerDistance { distance_m: 0.0 },
            MissionItem::waypoint(p(5.5, 8.9), 50.0),
            trigger,
            MissionItem::waypoint(p(5.5, 5.1), 50.0),
            MissionItem::CameraTriggerDistance { distance_m: 0.0 },
        ],
        extra: serde_json::Map::new(),
    }));

    let corridor_wp = MissionItem::waypoint(LatLon::new(51.95, 4.146), 45.0);
    plan.elements.push(PlanElement::Foreign(ForeignElement {
        kind: "CorridorScan".into(),
        json: json!({
            "type": "ComplexItem",
            "complexItemType": "CorridorScan",
            "version": 3,
            "CorridorWidth": 50,
            "EntryPoint": 0,
            "polyline": [[51.95, 4.146], [51.951, 4.147]],
            "TransectStyleComplexItem": {
                "version": 2,
                "Items": [{
                    "autoContinue": true, "command": 16, "doJumpId": 99, "frame": 3,
                    "params": [0, 0, 0, null, 51.95, 4.146, 45], "type": "SimpleItem"
                }]
            }
        }),
        items: vec![corridor_wp],
    }));
    plan.elements.push(PlanElement::Item(MissionItem::Land {
        position: Some(p(0.2, 0.2)),
    }));
    plan.elements
        .push(PlanElement::Item(MissionItem::Land { position: None }));
    plan.elements.push(PlanElement::Item(MissionItem::ReturnToLaunch));

    plan.fence = GeoFence {
        polygons: vec![
            FencePolygon {
                inclusion: true,
                vertices: vec![p(-10.0, -10.0), p(-10.0, 10.0), p(10.0, 10.0), p(10.0, -10.0)],
            },
            FencePolygon {
                inclusion: false,
                vertices: vec![p(1.0, 1.0), p(1.0, 1.5), p(1.5, 1.2)],
            },
        ],
        circles: vec![
            FenceCircle {
                inclusion: true,
                center: p(0.0, 0.0),
                radius_m: 1500.0,
            },
            FenceCircle {
                inclusion: false,
                center: p(2.0, -2.0),
                radius_m: 35.5,
            },
        ],
        max_alt_m: Some(120.0),
        breach_return: Some((LatLon::new(-10.0005, 0.0005), 30.0)),
    };
    plan.rally = vec![
        RallyPoint {
            position: p(-1.0, -1.0),
            alt_m: 30.0,
        },
        RallyPoint {
            position: p(1.0, -1.0),
            alt_m: 45.0,
        },
    ];
    plan
}

#[test]
fn a_plan_with_everything_survives_a_round_trip() {
    let plan = everything_plan();
    let again = assert_round_trip(&plan, "everything plan");
    assert_eq!(
        again.warnings,
        ["mission.items[10]: complex item 'CorridorScan' kept as-is; it cannot be edited or validated"]
    );

    let exported: Value = serde_json::from_str(&export_plan(&plan)).unwrap();
    // The foreign item goes out exactly as it came in.
    let PlanElement::Foreign(f) = &plan.elements[10] else {
        unreachable!()
    };
    assert_eq!(exported["mission"]["items"][10], f.json);
    // doJumpIds are 1-based sequence numbers, counting the survey's items.
    let items = exported["mission"]["items"].as_array().unwrap();
    assert_eq!(items[0]["doJumpId"], json!(1));
    assert_eq!(items[9]["TransectStyleComplexItem"]["Items"][0]["doJumpId"], json!(10));
    assert_eq!(items[11]["doJumpId"], json!(19));
    // QGroundControl's DO_JUMP names the target's doJumpId, which is its sequence number here.
    assert_eq!(items[7]["params"][0], json!(3));
    assert_eq!(items[2]["doJumpId"], json!(3));
}

#[test]
fn export_has_the_layout_qgroundcontrol_loads() {
    let v: Value = serde_json::from_str(&export_plan(&everything_plan())).unwrap();
    assert_eq!(v["fileType"], "Plan");
    assert_eq!(v["version"], 1);
    assert_eq!(v["groundStation"], "PortOps");
    let m = &v["mission"];
    assert_eq!((m["version"].clone(), m["firmwareType"].clone()), (json!(2), json!(3)));
    assert_eq!(
        (m["vehicleType"].clone(), m["globalPlanAltitudeMode"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(m["plannedHomePosition"], json!([51.9496, 4.1453, 3.5]));
    assert_eq!(
        (m["cruiseSpeed"].clone(), m["hoverSpeed"].clone()),
        (json!(17.5), json!(4.25))
    );

    let takeoff = &m["items"][0];
    assert_eq!(takeoff["type"], "SimpleItem");
    assert_eq!(
        (takeoff["command"].clone(), takeoff["frame"].clone()),
        (json!(22), json!(3))
    );
    assert_eq!(takeoff["params"].as_array().map(Vec::len), Some(7));
    assert_eq!(takeoff["params"][3], Value::Null, "NaN is written as null");
    assert_eq!(takeoff["Altitude"], json!(40));
    assert_eq!(takeoff["AltitudeMode"], json!(1));
    assert_eq!(takeoff["AMSLAltAboveTerrain"], Value::Null);
    assert_eq!(m["items"][3].get("Altitude"), None, "DO_CHANGE_SPEED has no altitude");
    assert_eq!(m["items"][8]["autoContinue"], json!(false));

    let survey = &m["items"][9];
    assert_eq!(
        (survey["type"].clone(), survey["complexItemType"].clone()),
        (json!("ComplexItem"), json!("survey"))
    );
    assert_eq!(survey["version"], 5);
    assert_eq!(survey["polygon"].as_array().map(Vec::len), Some(4));
    let t = &survey["TransectStyleComplexItem"];
    for key in [
        "TurnAroundDistance",
        "CameraTriggerInTurnAround",
        "HoverAndCapture",
        "Refly90Degrees",
        "CameraShots",
    ] {
        assert!(t.get(key).is_some(), "TransectStyleComplexItem.{key} missing");
    }
    assert!(t["CameraShots"].as_u64().unwrap() > 0);
    assert_eq!(
        t["VisualTransectPoints"].as_array().map(Vec::len),
        Some(4),
        "one point per waypoint"
    );
    assert_eq!(t["Items"].as_array().map(Vec::len), Some(8));
    assert_eq!(
        t["Items"][0].get("Altitude"),
        None,
        "items inside a complex item have no altitude keys"
    );
    let calc = &t["CameraCalc"];
    assert_eq!(calc["CameraName"], "sony-rx100");
    assert_eq!(
        (
            calc["DistanceToSurface"].clone(),
            calc["DistanceToSurfaceRelative"].clone()
        ),
        (json!(50), json!(true))
    );
    for key in [
        "FrontalOverlap",
        "SideOverlap",
        "AdjustedFootprintFrontal",
        "AdjustedFootprintSide",
        "SensorWidth",
        "SensorHeight",
        "ImageWidth",
        "ImageHeight",
        "FocalLength",
        "Landscape",
        "MinTriggerInterval",
        "ValueSetIsDistance",
        "ImageDensity",
        "FixedOrientation",
        "version",
    ] {
        assert!(calc.get(key).is_some(), "CameraCalc.{key} missing");
    }

    let fence = &v["geoFence"];
    assert_eq!(fence["version"], 2);
    assert_eq!(
        fence["polygons"][1],
        json!({"inclusion": false, "version": 1, "polygon": fence["polygons"][1]["polygon"]})
    );
    assert_eq!(fence["circles"][1]["circle"]["radius"], json!(35.5));
    assert_eq!(fence["circles"][1]["inclusion"], json!(false));
    assert_eq!(v["rallyPoints"]["version"], 2);
    assert_eq!(v["rallyPoints"]["points"][1].as_array().map(Vec::len), Some(3));
}

#[test]
fn imported_survey_keys_the_model_lacks_are_kept() {
    // A QGC 4.2-style survey: CameraCalc version 2 with DistanceMode, an entry corner, a preset name.
    let mut v: Value = serde_json::from_str(&data("qgroundcontrol_sample_with_survey.plan")).unwrap();
    let survey = &mut v["mission"]["items"][1];
    survey["entryLocation"] = json!(2);
    survey["complexItemPresetName"] = json!("harbour");
    survey["TransectStyleComplexItem"]["CameraShots"] = json!(159);
    let calc = &mut survey["TransectStyleComplexItem"]["CameraCalc"];
    calc["version"] = json!(2);
    calc["DistanceMode"] = json!(1);
    calc.as_object_mut().unwrap().remove("DistanceToSurfaceRelative");

    let Import { plan, warnings } = import_plan(&v.to_string()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let PlanElement::Survey(s) = &plan.elements[1] else {
        panic!("not a survey")
    };
    assert_eq!(s.extra["entryLocation"], json!(2));
    assert_eq!(s.extra["complexItemPresetName"], json!("harbour"));
    assert_eq!(s.extra["TransectStyleComplexItem"]["CameraShots"], json!(159));
    assert_eq!(
        s.extra["TransectStyleComplexItem"]["CameraCalc"]["DistanceMode"],
        json!(1)
    );
    assert_round_trip(&plan, "survey with extra keys");
    let exported: Value = serde_json::from_str(&export_plan(&plan)).unwrap();
    assert_contains(&exported["mission"]["items"][1], &v["mission"]["items"][1], "survey");
}

#[test]
fn a_survey_not_relative_to_home_is_kept_verbatim() {
    let mut v: Value = serde_json::from_str(&data("qgroundcontrol_sample_with_survey.plan")).unwrap();
    v["mission"]["items"][1]["TransectStyleComplexItem"]["CameraCalc"]["DistanceToSurfaceRelative"] = json!(false);
    let Import { plan, warnings } = import_plan(&v.to_string()).unwrap();
    assert_eq!(
        warnings,
        ["mission.items[1]: survey with an AMSL altitude kept as-is; it cannot be edited or validated"]
    );
    let PlanElement::Foreign(f) = &plan.elements[1] else {
        panic!("not foreign")
    };
    assert_eq!((f.kind.as_str(), f.items.len()), ("survey", 12));
    assert_round_trip(&plan, "AMSL survey");
}

#[test]
fn an_unknown_complex_item_is_a_warning_not_a_loss() {
    let mut v: Value = serde_json::from_str(&data("ArduPilotSITL-ArduCopter.plan")).unwrap();
    let odd =
        json!({"type": "ComplexItem", "complexItemType": "FancyScan", "version": 7, "stuff": [1, 2.5, {"x": null}]});
    v["mission"]["items"].as_array_mut().unwrap().insert(4, odd.clone());
    let Import { plan, warnings } = import_plan(&v.to_string()).unwrap();
    assert_eq!(
        warnings,
        ["mission.items[4]: complex item 'FancyScan' kept as-is; it cannot be edited or validated"]
    );
    assert_eq!(plan.elements.len(), 12);
    let PlanElement::Foreign(f) = &plan.elements[4] else {
        panic!("not foreign")
    };
    assert_eq!((f.kind.as_str(), &f.json), ("FancyScan", &odd));
    let exported: Value = serde_json::from_str(&export_plan(&plan)).unwrap();
    assert_eq!(exported["mission"]["items"][4], odd);
}

#[test]
fn do_jump_targets_follow_the_items_they_name() {
    // QGC files may number doJumpIds arbitrarily; DO_JUMP param1 names a doJumpId, not a position.
    let mut v: Value = serde_json::from_str(&data("multicopter_mission_geofence_avoid.plan")).unwrap();
    let items = v["mission"]["items"].as_array_mut().unwrap();
    for (i, it) in items.iter_mut().enumerate() {
        it["doJumpId"] = json!(100 + i);
    }
    items.insert(
        4,
        json!({"autoContinue": true, "command": 177, "doJumpId": 500, "frame": 2,
               "params": [102, 3, 0, 0, 0, 0, 0], "type": "SimpleItem"}),
    );
    let plan = import_plan(&v.to_string()).unwrap().plan;
    assert_eq!(raw(&plan, 4).params[0], 3.0, "doJumpId 102 is the third item");
    assert_round_trip(&plan, "DO_JUMP plan");

    v["mission"]["items"][4]["params"][0] = json!(7);
    let e = import_plan(&v.to_string()).unwrap_err();
    assert_eq!(e.to_string(), "mission.items[4]: DO_JUMP target doJumpId 7 not found");
}

/// A change that breaks a valid plan.
type Mutation = Box<dyn FnOnce(&mut Value)>;

fn error_for(mutate: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(&data("multicopter_mission_geofence_avoid.plan")).unwrap();
    mutate(&mut v);
    match import_plan(&v.to_string()) {
        Ok(_) => panic!("accepted a malformed plan"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_plans_are_rejected_saying_where() {
    let e = import_plan("{\n  \"fileType\": \"Plan\",\n  oops\n}").unwrap_err();
    assert!(matches!(e, QgcError::NotJson { line: 3, column: 3, .. }), "{e:?}");
    assert_eq!(e.to_string(), "not JSON: key must be a string at line 3, column 3");
    assert!(matches!(import_plan(""), Err(QgcError::NotJson { .. })));
    assert_eq!(
        import_plan("[1, 2]").unwrap_err().to_string(),
        "plan: expected an object, found an array"
    );

    let cases: Vec<(Mutation, &str)> = vec![
        (
            Box::new(|v| v["fileType"] = json!("Mission")),
            "fileType: expected 'Plan', found 'Mission'",
        ),
        (
            Box::new(|v| v["version"] = json!(2)),
            "plan: version 2 is not supported (supported: 1)",
        ),
        (
            Box::new(|v| v["mission"]["version"] = json!(1)),
            "mission: version 1 is not supported (supported: 2)",
        ),
        (
            Box::new(|v| v["geoFence"]["version"] = json!(3)),
            "geoFence: version 3 is not supported (supported: 1 (ignored), 2)",
        ),
        (
            Box::new(|v| v["rallyPoints"]["version"] = json!(5)),
            "rallyPoints: version 5 is not supported (supported: 1 (ignored), 2)",
        ),
        (
            Box::new(|v| v["geoFence"]["circles"][0]["version"] = json!(2)),
            "geoFence.circles[0]: version 2 is not supported (supported: 1)",
        ),
        (
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("fileType");
            }),
            "plan: missing 'fileType'",
        ),
        (
            Box::new(|v| {
                v["mission"].as_object_mut().unwrap().remove("items");
            }),
            "mission: missing 'items'",
        ),
        (
            Box::new(|v| {
                v["mission"]["items"][3].as_object_mut().unwrap().remove("command");
            }),
            "mission.items[3]: missing 'command'",
        ),
        (
            Box::new(|v| v["mission"]["items"][1]["params"].as_array_mut().unwrap().truncate(6)),
            "mission.items[1].params: expected 7 values, found 6",
        ),
        (
            Box::new(|v| v["mission"]["items"][0]["params"][4] = json!(91.5)),
            "mission.items[0].params[4]: latitude 91.5 out of range",
        ),
        (
            Box::new(|v| v["mission"]["items"][0]["params"][2] = json!("zero")),
            "mission.items[0].params[2]: expected a number or null, found a string",
        ),
        (
            Box::new(|v| v["mission"]["items"][2]["command"] = json!("16")),
            "mission.items[2].command: expected a number, found a string",
        ),
        (
            Box::new(|v| v["mission"]["items"][2]["command"] = json!(70000)),
            "mission.items[2].command: command 70000 out of range",
        ),
        (
            Box::new(|v| v["mission"]["items"][2]["type"] = json!("Waypoint")),
            "mission.items[2]: unknown item type 'Waypoint'",
        ),
        (
            Box::new(|v| v["geoFence"]["polygons"][1]["polygon"][2] = json!([123, 8.5])),
            "geoFence.polygons[1].polygon[2]: latitude 123 out of range",
        ),
        (
            Box::new(|v| v["geoFence"]["polygons"][0]["polygon"][0] = json!([47.3, 8.5, 10])),
            "geoFence.polygons[0].polygon[0]: expected 2 values, found 3",
        ),
        (
            Box::new(|v| v["geoFence"]["polygons"][0]["polygon"] = json!([[47.3, 8.5], [47.4, 8.5]])),
            "geoFence.polygons[0].polygon: a fence polygon needs at least 3 vertices, found 2",
        ),
        (
            Box::new(|v| v["geoFence"]["circles"][0]["circle"]["radius"] = json!(-5)),
            "geoFence.circles[0].circle.radius: radius -5 out of range",
        ),
        (
            Box::new(|v| v["geoFence"]["circles"][0]["circle"]["center"] = json!([47.3, 181])),
            "geoFence.circles[0].circle.center: longitude 181 out of range",
        ),
        (
            Box::new(|v| v["rallyPoints"]["points"] = json!([[47.3, 8.5, 30], [47.3, 8.5]])),
            "rallyPoints.points[1]: expected 3 values, found 2",
        ),
        (
            Box::new(|v| v["mission"]["plannedHomePosition"] = json!([-95, 8.5, 400])),
            "mission.plannedHomePosition: latitude -95 out of range",
        ),
    ];
    for (mutate, expected) in cases {
        assert_eq!(error_for(mutate), expected);
    }

    // Inside a survey, the path runs down to the item.
    let mut v: Value = serde_json::from_str(&data("qgroundcontrol_sample_with_survey.plan")).unwrap();
    v["mission"]["items"][1]["TransectStyleComplexItem"]["Items"][3]["params"] = json!([1, 2, 3]);
    assert_eq!(
        import_plan(&v.to_string()).unwrap_err().to_string(),
        "mission.items[1].TransectStyleComplexItem.Items[3].params: expected 7 values, found 3"
    );
}

#[test]
fn obsolete_fence_and_rally_sections_are_ignored_like_qgc_does() {
    let mut v: Value = serde_json::from_str(&data("ArduPilotSITL-ArduCopter.plan")).unwrap();
    v["geoFence"] = json!({"polygon": [[1, 2], [3, 4], [5, 6]], "version": 1});
    v["rallyPoints"] = json!({"points": [], "version": 1});
    let Import { plan, warnings } = import_plan(&v.to_string()).unwrap();
    assert!(plan.fence.is_empty() && plan.rally.is_empty());
    assert_eq!(
        warnings,
        ["geoFence: version 1 is obsolete and was ignored, as QGroundControl does"]
    );
}

#[test]
fn truncated_or_damaged_files_give_errors_not_panics() {
    for name in FILES {
        let text = data(name);
        for cut in (0..text.len()).step_by(13) {
            assert!(import_plan(&text[..cut]).is_err(), "{name} cut at {cut} imported");
        }
        // Swap every value of a kind for a wrong kind, one at a time.
        let bytes = text.as_bytes();
        for (i, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b':').step_by(5) {
            let rest = &text[i + 1..];
            let end = rest.find([',', '\n']).unwrap_or(rest.len());
            let _ = import_plan(&format!("{} \"x\"{}", &text[..=i], &rest[end..]));
        }
    }
}
