//! Round trips plan → MISSION_ITEM_INT → plan, and the decoders' refusals.

use mavlink::dialects::common::{MavCmd, MavFrame, MavMissionType};

use super::*;
use crate::geodesy::{Geodetic, LatLon};
use crate::plan::{
    FenceCircle, FencePolygon, GeoFence, MissionItem, Plan, PlanElement, RallyPoint, RawItem, cmd, frame,
};

const NAN: f64 = f64::NAN;

fn opts() -> EncodeOptions {
    EncodeOptions::default()
}

/// Every MissionItem variant, with positions on the 1e-7° grid and params exact in f32, so
/// the round trip must reproduce them exactly.
fn every_variant() -> Vec<MissionItem> {
    vec![
        MissionItem::Takeoff {
            position: None,
            alt_m: 30.0,
        },
        MissionItem::Takeoff {
            position: Some(LatLon::new(51.9490001, 4.1420001)),
            alt_m: 35.5,
        },
        MissionItem::Waypoint {
            position: LatLon::new(51.9501234, 4.1412345),
            alt_m: 40.0,
            hold_s: 2.0,
            acceptance_radius_m: 1.5,
        },
        MissionItem::ChangeSpeed { speed_m_s: 7.5 },
        MissionItem::CameraTriggerDistance { distance_m: 12.25 },
        MissionItem::LoiterTurns {
            center: LatLon::new(-33.8567844, 151.2152967),
            alt_m: 50.0,
            radius_m: 25.0,
            turns: 2.0,
            clockwise: true,
        },
        MissionItem::LoiterTurns {
            center: LatLon::new(-33.8567844, -151.2152967),
            alt_m: 50.0,
            radius_m: 30.0,
            turns: 1.5,
            clockwise: false,
        },
        MissionItem::CameraTriggerDistance { distance_m: 0.0 },
        // Commands the model keeps raw: a DO command, a global one with an unset (NaN)
        // position and param, and a local-frame one in metres.
        MissionItem::Other(RawItem {
            command: 183, // DO_SET_SERVO
            frame: frame::MISSION,
            params: [9.0, 1500.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            autocontinue: true,
        }),
        MissionItem::Other(RawItem {
            command: 201, // DO_SET_ROI
            frame: frame::GLOBAL_RELATIVE_ALT,
            params: [0.0, 0.0, 0.0, NAN, NAN, NAN, 10.0],
            autocontinue: false,
        }),
        MissionItem::Other(RawItem {
            command: cmd::NAV_WAYPOINT,
            frame: frame::LOCAL_NED,
            params: [0.0, 0.0, 0.0, 0.0, 12.3456, -7.5, -20.0],
            autocontinue: true,
        }),
        MissionItem::ReturnToLaunch,
        MissionItem::Land {
            position: Some(LatLon::new(51.9480000, 4.1440000)),
        },
        MissionItem::Land { position: None },
    ]
}

fn plan_with(items: Vec<MissionItem>) -> Plan {
    let mut plan = Plan::new(Geodetic::new(51.9490000, 4.1420000, 2.5));
    plan.elements = items.into_iter().map(PlanElement::Item).collect();
    plan
}

fn two_polygons_and_circles() -> GeoFence {
    GeoFence {
        polygons: vec![
            FencePolygon {
                inclusion: true,
                vertices: vec![
                    LatLon::new(51.9450000, 4.1350000),
                    LatLon::new(51.9550000, 4.1350000),
                    LatLon::new(51.9550000, 4.1500000),
                    LatLon::new(51.9450000, 4.1500000),
                ],
            },
            FencePolygon {
                inclusion: false,
                vertices: vec![
                    LatLon::new(51.9500000, 4.1400000),
                    LatLon::new(51.9510000, 4.1400000),
                    LatLon::new(51.9505000, 4.1410000),
                ],
            },
        ],
        circles: vec![
            FenceCircle {
                inclusion: true,
                center: LatLon::new(51.9500000, 4.1420000),
                radius_m: 800.0,
            },
            FenceCircle {
                inclusion: false,
                center: LatLon::new(51.9505000, 4.1405000),
                radius_m: 40.0,
            },
        ],
        max_alt_m: None,
        breach_return: None,
    }
}

#[test]
fn breach_return_point_leads_the_fence_list_and_comes_back() {
    // As MAVProxy's classic fence files carry it, and ArduPilot stores it.
    let fence = GeoFence {
        breach_return: Some((LatLon::new(51.9490000, 4.1390000), 25.0)),
        ..two_polygons_and_circles()
    };
    let items = encode_fence(&fence, &EncodeOptions::default()).unwrap();
    assert_eq!(items[0].command as u16, 5000);
    assert_eq!(
        items.len(),
        encode_fence(&two_polygons_and_circles(), &EncodeOptions::default())
            .unwrap()
            .len()
            + 1
    );
    assert_eq!(decode_fence(&items).unwrap(), fence);
    // A second return point is refused, naming its seq.
    let mut two = vec![items[0].clone(), items[0].clone()];
    two[1].seq = 1;
    assert!(matches!(
        decode_fence(&two),
        Err(MavlinkItemError::UnexpectedCommand {
            seq: 1,
            command: 5000,
            list: "fence"
        })
    ));
}

#[test]
fn enum_lookup_matches_the_generated_dialect() {
    assert_eq!(mav_cmd(16), Some(MavCmd::MAV_CMD_NAV_WAYPOINT));
    assert_eq!(mav_cmd(5100), Some(MavCmd::MAV_CMD_NAV_RALLY_POINT));
    assert_eq!(mav_cmd(1), None);
    assert_eq!(mav_frame(3), Some(MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT));
    assert_eq!(mav_frame(2), Some(MavFrame::MAV_FRAME_MISSION));
    assert_eq!(mav_frame(200), None);
}

#[test]
fn every_variant_survives_the_round_trip_exactly() {
    let plan = plan_with(every_variant());
    let items = encode_mission(&plan, &opts()).unwrap();
    assert_eq!(items.len(), every_variant().len() + 1);
    let (home, decoded) = decode_mission(&items, true).unwrap();
    assert_eq!(home, Some(plan.home));
    assert_eq!(decoded, every_variant());
}

#[test]
fn wire_fields_follow_the_conventions() {
    let plan = plan_with(every_variant());
    let items = encode_mission(
        &plan,
        &EncodeOptions {
            target_system: 7,
            target_component: 1,
            home_item: true,
        },
    )
    .unwrap();
    let home = &items[0];
    assert_eq!(home.command, MavCmd::MAV_CMD_NAV_WAYPOINT);
    assert_eq!(home.frame, MavFrame::MAV_FRAME_GLOBAL);
    assert_eq!((home.x, home.y, home.z), (519_490_000, 41_420_000, 2.5));
    for (seq, item) in items.iter().enumerate() {
        assert_eq!(usize::from(item.seq), seq);
        assert_eq!(item.mission_type, MavMissionType::MAV_MISSION_TYPE_MISSION);
        assert_eq!((item.target_system, item.target_component, item.current), (7, 1, 0));
    }
    // Takeoff: frame relative, yaw unset, no position.
    let takeoff = &items[1];
    assert_eq!(takeoff.command, MavCmd::MAV_CMD_NAV_TAKEOFF);
    assert_eq!(takeoff.frame, MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT);
    assert!(takeoff.param4.is_nan());
    assert_eq!((takeoff.x, takeoff.y, takeoff.z), (0, 0, 30.0));
    // Waypoint: degrees × 1e7.
    let wp = &items[3];
    assert_eq!((wp.x, wp.y), (519_501_234, 41_412_345));
    assert_eq!((wp.param1, wp.param2), (2.0, 1.5));
    // Counter-clockwise orbit: negative radius, negative longitude.
    let orbit = &items[7];
    assert_eq!((orbit.param3, orbit.y), (-30.0, -1_512_152_967));
    // DO_SET_ROI with NaN position: the unset marker, and autocontinue 0.
    let roi = &items[10];
    assert_eq!((roi.x, roi.y, roi.autocontinue), (i32::MAX, i32::MAX, 0));
    // Local frame: metres × 1e4.
    let local = &items[11];
    assert_eq!((local.x, local.y, local.z), (123_456, -75_000, -20.0));
    // Mission frame: plain integers.
    let servo = &items[9];
    assert_eq!(
        (servo.frame, servo.param1, servo.x),
        (MavFrame::MAV_FRAME_MISSION, 9.0, 0)
    );
}

#[test]
fn px4_style_has_no_home_item() {
    let plan = plan_with(every_variant());
    let items = encode_mission(
        &plan,
        &EncodeOptions {
            home_item: false,
            ..opts()
        },
    )
    .unwrap();
    assert_eq!(items.len(), every_variant().len());
    assert_eq!(items[0].command, MavCmd::MAV_CMD_NAV_TAKEOFF);
    let (home, decoded) = decode_mission(&items, false).unwrap();
    assert_eq!(home, None);
    assert_eq!(decoded, every_variant());
}

#[test]
fn arbitrary_coordinates_come_back_within_a_tenth_of_a_microdegree() {
    let original = LatLon::new(51.951_234_567_89, -4.141_234_987_65);
    let plan = plan_with(vec![MissionItem::Waypoint {
        position: original,
        alt_m: 42.123,
        hold_s: 0.1,
        acceptance_radius_m: 0.0,
    }]);
    let items = encode_mission(&plan, &opts()).unwrap();
    let (_, decoded) = decode_mission(&items, true).unwrap();
    match &decoded[..] {
        [
            MissionItem::Waypoint {
                position,
                alt_m,
                hold_s,
                ..
            },
        ] => {
            assert!((position.lat - original.lat).abs() <= 0.5e-7);
            assert!((position.lon - original.lon).abs() <= 0.5e-7);
            // f32 on the wire.
            assert_eq!(*alt_m, f64::from(42.123f32));
            assert_eq!(*hold_s, f64::from(0.1f32));
        }
        other => panic!("expected one waypoint, got {other:?}"),
    }
}

#[test]
fn surveys_expand_into_the_mission_list() {
    let mut plan = plan_with(vec![MissionItem::Takeoff {
        position: None,
        alt_m: 30.0,
    }]);
    plan.elements.push(PlanElement::Foreign(crate::plan::ForeignElement {
        kind: "CorridorScan".into(),
        json: serde_json::json!({}),
        items: vec![
            MissionItem::waypoint(LatLon::new(51.95, 4.14), 30.0),
            MissionItem::waypoint(LatLon::new(51.96, 4.15), 30.0),
        ],
    }));
    let items = encode_mission(&plan, &opts()).unwrap();
    assert_eq!(items.len(), 4);
    let (_, decoded) = decode_mission(&items, true).unwrap();
    assert_eq!(decoded, plan.mission_items());
}

#[test]
fn fence_round_trip_with_two_polygons_and_circles() {
    let mut fence = two_polygons_and_circles();
    fence.max_alt_m = Some(120.0);
    let items = encode_fence(&fence, &opts()).unwrap();
    assert_eq!(items.len(), 4 + 3 + 2);
    for item in &items {
        assert_eq!(item.mission_type, MavMissionType::MAV_MISSION_TYPE_FENCE);
        assert_eq!(item.frame, MavFrame::MAV_FRAME_GLOBAL);
    }
    assert_eq!(items[0].command, MavCmd::MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION);
    assert_eq!((items[0].param1, items[0].param2), (4.0, 0.0));
    assert_eq!(items[4].command, MavCmd::MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION);
    assert_eq!(items[6].param1, 3.0);
    assert_eq!(items[7].command, MavCmd::MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION);
    assert_eq!(items[7].param1, 800.0);
    assert_eq!(items[8].command, MavCmd::MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION);

    let decoded = decode_fence(&items).unwrap();
    // The ceiling is a parameter, not an item.
    fence.max_alt_m = None;
    assert_eq!(decoded, fence);
}

#[test]
fn adjacent_polygons_of_the_same_size_stay_apart() {
    let triangle = |inclusion, lat: f64| FencePolygon {
        inclusion,
        vertices: vec![
            LatLon::new(lat, 4.0),
            LatLon::new(lat + 0.01, 4.0),
            LatLon::new(lat, 4.01),
        ],
    };
    let fence = GeoFence {
        polygons: vec![triangle(true, 51.0), triangle(true, 52.0), triangle(false, 51.5)],
        ..GeoFence::default()
    };
    let decoded = decode_fence(&encode_fence(&fence, &opts()).unwrap()).unwrap();
    assert_eq!(decoded, fence);
}

#[test]
fn rally_round_trip() {
    let points = vec![
        RallyPoint {
            position: LatLon::new(51.9480000, 4.1440000),
            alt_m: 25.0,
        },
        RallyPoint {
            position: LatLon::new(51.9530000, 4.1330000),
            alt_m: 30.5,
        },
    ];
    let items = encode_rally(&points, &opts()).unwrap();
    assert!(items.iter().all(|i| i.command == MavCmd::MAV_CMD_NAV_RALLY_POINT
        && i.frame == MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT
        && i.mission_type == MavMissionType::MAV_MISSION_TYPE_RALLY));
    assert_eq!(decode_rally(&items).unwrap(), points);
    assert_eq!(decode_rally(&[]).unwrap(), vec![]);
}

#[test]
fn empty_lists_decode_to_nothing() {
    assert_eq!(decode_mission(&[], true).unwrap(), (None, vec![]));
    assert_eq!(decode_fence(&[]).unwrap(), GeoFence::default());
}

mod refusals;
