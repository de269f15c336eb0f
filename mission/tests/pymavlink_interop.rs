//! Our MISSION_ITEM_INT frames against pymavlink: it decodes what we encode, we decode what it encodes.
//!
//! Runs `interop/python/mission_frames.py` with the interpreter in `PORTOPS_PYTHON`, else
//! `<workspace>/.venv/bin/python`. Without one that can import pymavlink the tests print
//! SKIPPED, or fail when `PORTOPS_REQUIRE_PEERS=1` (CI, where scripts/setup has run).

use std::path::{Path, PathBuf};
use std::process::Command;

use mavlink::dialects::common::{MavMessage, MavMissionType};
use mavlink::{MavHeader, MavlinkReader, MavlinkVersion};
use mission::geodesy::{Geodetic, LatLon};
use mission::mavlink_items::{
    EncodeOptions, MISSION_ITEM_INT_DATA, decode_fence, decode_mission, decode_rally, encode_fence, encode_mission,
    encode_rally,
};
use mission::plan::{FenceCircle, FencePolygon, GeoFence, MissionItem, Plan, PlanElement, RallyPoint, RawItem};
use serde_json::Value;

use testkit::{TempFile, workspace_root};

const GCS_SYSTEM: u8 = 255;
const GCS_COMPONENT: u8 = 190;

/// The Python interpreter with pymavlink, or None (after saying why) when the peers are not
/// installed and not required.
fn python() -> Option<PathBuf> {
    testkit::python(
        "pymavlink",
        "import os; os.environ['MAVLINK20'] = '1'; import pymavlink.dialects.v20.common",
    )
}

/// Runs mission_frames.py and returns its JSON Lines output.
fn run_script(python: &Path, command: &str, file: &Path) -> Vec<Value> {
    let mut c = Command::new(python);
    c.arg(workspace_root().join("interop/python/mission_frames.py"))
        .arg(command)
        .arg(file);
    testkit::json_lines(c, &format!("mission_frames.py {command}"))
}

fn reference_plan() -> (Plan, GeoFence, Vec<RallyPoint>) {
    let mut plan = Plan::new(Geodetic::new(51.949, 4.142, 2.5));
    let items = vec![
        MissionItem::Takeoff {
            position: None,
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
            command: 183, // DO_SET_SERVO
            frame: 2,
            params: [9.0, 1500.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            autocontinue: true,
        }),
        MissionItem::Other(RawItem {
            command: 201, // DO_SET_ROI, position unset
            frame: 3,
            params: [0.0, 0.0, 0.0, f64::NAN, f64::NAN, f64::NAN, 10.0],
            autocontinue: false,
        }),
        MissionItem::CameraTriggerDistance { distance_m: 0.0 },
        MissionItem::ReturnToLaunch,
        MissionItem::Land { position: None },
    ];
    plan.elements = items.into_iter().map(PlanElement::Item).collect();
    let fence = GeoFence {
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
                radius_m: 40.0,
            },
        ],
        max_alt_m: Some(120.0),
        breach_return: None,
    };
    let rally = vec![
        RallyPoint {
            position: LatLon::new(51.948, 4.144),
            alt_m: 25.0,
        },
        RallyPoint {
            position: LatLon::new(51.953, -4.133),
            alt_m: 30.0,
        },
    ];
    (plan, fence, rally)
}

/// A JSON number (or null for NaN) compared with an f32 field. The script's floats are the
/// f32 values (decode) or the values before f32 rounding (encode); rounding the JSON value to
/// f32 compares both exactly, and is immune to serde_json's last-bit float parsing.
fn assert_f32(json: &Value, ours: f32, what: &str) {
    match json {
        Value::Null => assert!(ours.is_nan(), "{what}: pymavlink NaN, ours {ours}"),
        Value::Number(n) => {
            let theirs = n.as_f64().expect("number") as f32;
            assert_eq!(theirs, ours, "{what}");
        }
        other => panic!("{what}: expected a number, got {other}"),
    }
}

fn assert_int(json: &Value, ours: i64, what: &str) {
    assert_eq!(json.as_i64(), Some(ours), "{what}: pymavlink {json}, ours {ours}");
}

/// Every field of a MISSION_ITEM_INT message against pymavlink's JSON for it.
fn assert_same_message(json: &Value, header: MavHeader, item: &MISSION_ITEM_INT_DATA) {
    let what = format!("mission_type {:?} seq {}", item.mission_type, item.seq);
    assert_eq!(json["msgid"], 73, "{what}: msgid");
    assert_eq!(json["name"], "MISSION_ITEM_INT", "{what}: name");
    assert_int(&json["sysid"], i64::from(header.system_id), &format!("{what} sysid"));
    assert_int(
        &json["compid"],
        i64::from(header.component_id),
        &format!("{what} compid"),
    );
    let f = &json["fields"];
    let ints = [
        ("target_system", i64::from(item.target_system)),
        ("target_component", i64::from(item.target_component)),
        ("seq", i64::from(item.seq)),
        ("frame", item.frame as i64),
        ("command", item.command as i64),
        ("current", i64::from(item.current)),
        ("autocontinue", i64::from(item.autocontinue)),
        ("x", i64::from(item.x)),
        ("y", i64::from(item.y)),
        ("mission_type", item.mission_type as i64),
    ];
    for (name, ours) in ints {
        assert_int(&f[name], ours, &format!("{what} {name}"));
    }
    let floats = [
        ("param1", item.param1),
        ("param2", item.param2),
        ("param3", item.param3),
        ("param4", item.param4),
        ("z", item.z),
    ];
    for (name, ours) in floats {
        assert_f32(&f[name], ours, &format!("{what} {name}"));
    }
    let names = f.as_object().expect("fields object").len();
    assert_eq!(
        names,
        ints.len() + floats.len(),
        "{what}: pymavlink has fields we did not compare: {f}"
    );
}

#[test]
fn pymavlink_decodes_what_we_encode() {
    let Some(python) = python() else { return };
    let (plan, fence, rally) = reference_plan();
    let opts = EncodeOptions {
        target_system: 3,
        target_component: 1,
        home_item: true,
    };
    let items: Vec<MISSION_ITEM_INT_DATA> = [
        encode_mission(&plan, &opts).expect("encode mission"),
        encode_fence(&fence, &opts).expect("encode fence"),
        encode_rally(&rally, &opts).expect("encode rally"),
    ]
    .concat();
    assert_eq!(items.len(), 12 + 9 + 2);

    let file = TempFile::new("pymavlink", "ours", "bin");
    let mut bytes = Vec::new();
    let mut headers = Vec::new();
    for (sequence, item) in (0u8..).zip(&items) {
        let header = MavHeader {
            system_id: GCS_SYSTEM.into(),
            component_id: GCS_COMPONENT,
            sequence,
        };
        mavlink::write_v2_msg(&mut bytes, header, &MavMessage::MISSION_ITEM_INT(item.clone()))
            .expect("serialise frame");
        headers.push(header);
    }
    std::fs::write(&file.0, &bytes).expect("write frames");

    let decoded = run_script(&python, "decode", &file.0);
    assert_eq!(decoded.len(), items.len(), "pymavlink message count");
    for ((json, header), item) in decoded.iter().zip(headers).zip(&items) {
        assert_same_message(json, header, item);
    }
    // Spot checks that the comparison compares the right things.
    assert!(
        decoded[1]["fields"]["param4"].is_null(),
        "take-off yaw NaN travels as NaN"
    );
    assert_eq!(decoded[2]["fields"]["x"], 519_501_234);
    assert_eq!(decoded[8]["fields"]["x"], i32::MAX, "unset position marker");
    assert_eq!(decoded[12]["fields"]["mission_type"], 1);
    assert_eq!(decoded[12]["fields"]["param1"], 4.0, "vertex count");
    assert_eq!(decoded[22]["fields"]["command"], 5100);
}

/// The script's message JSON as the item it describes, for the decoders.
fn expected_raw(json: &Value) -> RawItem {
    let f = &json["fields"];
    let float = |name: &str| f[name].as_f64().map_or(f64::NAN, |v| f64::from(v as f32));
    let int = |name: &str| f[name].as_i64().expect("integer field");
    let frame = u8::try_from(int("frame")).expect("frame");
    let scale = match frame {
        0 | 3 | 5 | 6 | 10 | 11 => 1e7,
        2 => 1.0,
        _ => 1e4,
    };
    RawItem {
        command: u16::try_from(int("command")).expect("command"),
        frame,
        params: [
            float("param1"),
            float("param2"),
            float("param3"),
            float("param4"),
            int("x") as f64 / scale,
            int("y") as f64 / scale,
            float("z"),
        ],
        autocontinue: int("autocontinue") != 0,
    }
}

#[test]
fn we_decode_what_pymavlink_encodes() {
    let Some(python) = python() else { return };
    let file = TempFile::new("pymavlink", "theirs", "bin");
    let expected = run_script(&python, "encode", &file.0);
    let bytes = std::fs::read(&file.0).expect("read pymavlink frames");

    let mut reader = MavlinkReader::new(&bytes[..]);
    let mut items = Vec::new();
    loop {
        match reader.read_message::<MavMessage>(MavlinkVersion::V2) {
            Ok((header, MavMessage::MISSION_ITEM_INT(item))) => {
                assert_eq!((header.system_id, header.component_id), (255, 190));
                items.push((header, item));
            }
            Ok((_, other)) => panic!("unexpected message {other:?}"),
            Err(mavlink::error::MessageReadError::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(e) => panic!("reading pymavlink frames: {e}"),
        }
    }
    // The reader skips frames with a bad CRC, so the count proves none was dropped.
    assert_eq!(items.len(), expected.len(), "frames read vs items pymavlink wrote");
    for ((header, item), json) in items.iter().zip(&expected) {
        assert_same_message(json, *header, item);
    }

    let of_type = |t: MavMissionType| -> (Vec<MISSION_ITEM_INT_DATA>, Vec<&Value>) {
        items
            .iter()
            .zip(&expected)
            .filter(|((_, item), _)| item.mission_type == t)
            .map(|((_, item), json)| (item.clone(), json))
            .unzip()
    };

    // Mission: home first (ArduPilot), then the items, typed where the model knows them.
    let (mission, mission_json) = of_type(MavMissionType::MAV_MISSION_TYPE_MISSION);
    let (home, decoded) = decode_mission(&mission, true).expect("decode pymavlink mission");
    let home = home.expect("home item");
    let home_raw = expected_raw(mission_json[0]);
    assert_eq!(
        (home.lat, home.lon, home.alt),
        (home_raw.params[4], home_raw.params[5], home_raw.params[6])
    );
    assert_eq!(decoded.len(), mission_json.len() - 1);
    for (item, json) in decoded.iter().zip(&mission_json[1..]) {
        assert_eq!(item.to_raw(), expected_raw(json), "{}", item.describe());
    }
    let kinds: Vec<&str> = decoded
        .iter()
        .map(|item| match item {
            MissionItem::Takeoff { .. } => "takeoff",
            MissionItem::Waypoint { .. } => "waypoint",
            MissionItem::ChangeSpeed { .. } => "speed",
            MissionItem::LoiterTurns { .. } => "loiter",
            MissionItem::ReturnToLaunch => "rtl",
            MissionItem::Other(_) => "other",
            _ => "unexpected",
        })
        .collect();
    assert_eq!(
        kinds,
        ["takeoff", "waypoint", "speed", "waypoint", "loiter", "other", "rtl"]
    );
    assert_eq!(
        decoded[2],
        MissionItem::ChangeSpeed { speed_m_s: 7.5 },
        "DO_CHANGE_SPEED"
    );
    assert!(matches!(
        decoded[4],
        MissionItem::LoiterTurns { clockwise: false, radius_m, turns, .. } if radius_m == 25.0 && turns == 2.0
    ));

    // Fence: one inclusion polygon and one exclusion circle.
    let (fence_items, fence_json) = of_type(MavMissionType::MAV_MISSION_TYPE_FENCE);
    let fence = decode_fence(&fence_items).expect("decode pymavlink fence");
    assert_eq!(fence.polygons.len(), 1);
    assert!(fence.polygons[0].inclusion);
    let vertices: Vec<LatLon> = fence_json[..3]
        .iter()
        .map(|json| {
            let raw = expected_raw(json);
            LatLon::new(raw.params[4], raw.params[5])
        })
        .collect();
    assert_eq!(fence.polygons[0].vertices, vertices);
    let circle_raw = expected_raw(fence_json[3]);
    assert_eq!(
        fence.circles,
        [FenceCircle {
            inclusion: false,
            center: LatLon::new(circle_raw.params[4], circle_raw.params[5]),
            radius_m: circle_raw.params[0],
        }]
    );

    // Rally: one point.
    let (rally_items, rally_json) = of_type(MavMissionType::MAV_MISSION_TYPE_RALLY);
    let rally = decode_rally(&rally_items).expect("decode pymavlink rally");
    let raw = expected_raw(rally_json[0]);
    assert_eq!(
        rally,
        [RallyPoint {
            position: LatLon::new(raw.params[4], raw.params[5]),
            alt_m: raw.params[6],
        }]
    );
}
