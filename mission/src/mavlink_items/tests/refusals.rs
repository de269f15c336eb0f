//! The decoders and encoders refuse malformed lists, naming the seq and the problem.

use super::*;

fn mission_items() -> Vec<MISSION_ITEM_INT_DATA> {
    encode_mission(&plan_with(every_variant()), &opts()).unwrap()
}

#[test]
fn out_of_order_seq_is_refused() {
    let mut items = mission_items();
    items.swap(2, 3);
    assert_eq!(
        decode_mission(&items, true).unwrap_err(),
        MavlinkItemError::OutOfSequence { index: 2, seq: 3 }
    );
    let mut items = mission_items();
    items.remove(4);
    assert_eq!(
        decode_mission(&items, true).unwrap_err(),
        MavlinkItemError::OutOfSequence { index: 4, seq: 5 }
    );
    let mut items = mission_items();
    items[0].seq = 1;
    assert!(matches!(
        decode_mission(&items, true),
        Err(MavlinkItemError::OutOfSequence { index: 0, seq: 1 })
    ));
}

#[test]
fn wrong_mission_type_is_refused() {
    let mut items = mission_items();
    items[5].mission_type = MavMissionType::MAV_MISSION_TYPE_FENCE;
    assert_eq!(
        decode_mission(&items, true).unwrap_err(),
        MavlinkItemError::WrongMissionType {
            seq: 5,
            expected: MavMissionType::MAV_MISSION_TYPE_MISSION,
            found: MavMissionType::MAV_MISSION_TYPE_FENCE,
        }
    );
    let rally = encode_rally(
        &[RallyPoint {
            position: LatLon::new(51.0, 4.0),
            alt_m: 20.0,
        }],
        &opts(),
    )
    .unwrap();
    assert!(matches!(
        decode_fence(&rally),
        Err(MavlinkItemError::WrongMissionType { seq: 0, .. })
    ));
}

#[test]
fn out_of_range_coordinates_are_refused() {
    let mut items = mission_items();
    items[3].x = 910_000_000; // 91°
    let err = decode_mission(&items, true).unwrap_err();
    assert!(matches!(
        err,
        MavlinkItemError::OutOfRange {
            seq: 3,
            what: "latitude",
            ..
        }
    ));
    assert!(err.to_string().starts_with("seq 3: latitude 91"), "{err}");

    let plan = plan_with(vec![MissionItem::waypoint(LatLon::new(45.0, 181.0), 30.0)]);
    assert!(matches!(
        encode_mission(&plan, &opts()),
        Err(MavlinkItemError::OutOfRange {
            seq: 1,
            what: "longitude",
            ..
        })
    ));
}

#[test]
fn bad_home_is_refused() {
    let mut items = mission_items();
    items[0].command = MavCmd::MAV_CMD_NAV_TAKEOFF;
    assert_eq!(
        decode_mission(&items, true).unwrap_err(),
        MavlinkItemError::BadHome {
            command: cmd::NAV_TAKEOFF,
            frame: frame::GLOBAL
        }
    );
    let mut plan = plan_with(vec![]);
    plan.home.lat = NAN;
    assert!(matches!(
        encode_mission(&plan, &opts()),
        Err(MavlinkItemError::OutOfRange { seq: 0, .. })
    ));
}

#[test]
fn commands_outside_the_common_dialect_cannot_be_encoded() {
    let plan = plan_with(vec![
        MissionItem::ReturnToLaunch,
        MissionItem::Other(RawItem {
            command: 1,
            frame: frame::MISSION,
            params: [0.0; 7],
            autocontinue: true,
        }),
    ]);
    assert_eq!(
        encode_mission(&plan, &opts()).unwrap_err(),
        MavlinkItemError::UnknownCommand { seq: 2, command: 1 }
    );
}

fn fence_items() -> Vec<MISSION_ITEM_INT_DATA> {
    encode_fence(&two_polygons_and_circles(), &opts()).unwrap()
}

#[test]
fn inconsistent_vertex_counts_are_refused() {
    let mut items = fence_items();
    items[2].param1 = 5.0;
    let err = decode_fence(&items).unwrap_err();
    assert!(
        matches!(err, MavlinkItemError::BadPolygon { seq: 2, start: 0, .. }),
        "{err}"
    );

    // A polygon that changes from inclusion to exclusion half way.
    let mut items = fence_items();
    items[5].command = MavCmd::MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION;
    let err = decode_fence(&items).unwrap_err();
    assert!(
        matches!(err, MavlinkItemError::BadPolygon { seq: 5, start: 4, .. }),
        "{err}"
    );

    // Count larger than what follows.
    let items = fence_items();
    let mut cut: Vec<_> = items[..6].to_vec();
    for item in &mut cut[4..] {
        item.param1 = 3.0;
    }
    let err = decode_fence(&cut).unwrap_err();
    assert!(
        matches!(err, MavlinkItemError::BadPolygon { seq: 4, start: 4, .. }),
        "{err}"
    );
}

#[test]
fn polygons_need_three_vertices() {
    let mut items = fence_items()[4..7].to_vec();
    for (seq, item) in (0u16..).zip(&mut items) {
        item.seq = seq;
    }
    let mut two = items[..2].to_vec();
    for item in &mut two {
        item.param1 = 2.0;
    }
    let err = decode_fence(&two).unwrap_err();
    assert!(
        matches!(err, MavlinkItemError::BadPolygon { seq: 0, start: 0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("at least 3"), "{err}");

    let fence = GeoFence {
        polygons: vec![FencePolygon {
            inclusion: true,
            vertices: vec![LatLon::new(51.0, 4.0), LatLon::new(51.1, 4.0)],
        }],
        ..GeoFence::default()
    };
    assert!(matches!(
        encode_fence(&fence, &opts()),
        Err(MavlinkItemError::BadPolygon { seq: 0, .. })
    ));
}

#[test]
fn several_inclusion_groups_are_refused() {
    let fence = GeoFence {
        polygons: vec![
            two_polygons_and_circles().polygons[0].clone(),
            two_polygons_and_circles().polygons[0].clone(),
        ],
        ..GeoFence::default()
    };
    let mut items = encode_fence(&fence, &opts()).unwrap();
    for item in &mut items[4..] {
        item.param2 = 1.0;
    }
    assert_eq!(
        decode_fence(&items).unwrap_err(),
        MavlinkItemError::InclusionGroups {
            seq: 4,
            first: 0,
            expected: 0.0,
            found: 1.0
        }
    );
}

#[test]
fn unknown_commands_in_fence_and_rally_lists_are_refused() {
    let mut items = fence_items();
    items[7].command = MavCmd::MAV_CMD_NAV_WAYPOINT;
    let err = decode_fence(&items).unwrap_err();
    assert_eq!(
        err,
        MavlinkItemError::UnexpectedCommand {
            seq: 7,
            command: 16,
            list: "fence"
        }
    );
    assert_eq!(err.to_string(), "seq 7: MAV_CMD 16 does not belong in a fence list");

    let mut rally = encode_rally(
        &[RallyPoint {
            position: LatLon::new(51.0, 4.0),
            alt_m: 20.0,
        }],
        &opts(),
    )
    .unwrap();
    rally[0].command = MavCmd::MAV_CMD_NAV_WAYPOINT;
    assert_eq!(
        decode_rally(&rally).unwrap_err(),
        MavlinkItemError::UnexpectedCommand {
            seq: 0,
            command: 16,
            list: "rally"
        }
    );
    rally[0].command = MavCmd::MAV_CMD_NAV_RALLY_POINT;
    rally[0].frame = MavFrame::MAV_FRAME_GLOBAL;
    assert!(matches!(
        decode_rally(&rally),
        Err(MavlinkItemError::WrongFrame { seq: 0, frame: 0, .. })
    ));
}

#[test]
fn bad_circles_and_vertices_are_refused() {
    let mut items = fence_items();
    items[8].param1 = -1.0;
    assert!(matches!(
        decode_fence(&items),
        Err(MavlinkItemError::OutOfRange {
            seq: 8,
            what: "circle radius",
            ..
        })
    ));
    let mut items = fence_items();
    items[1].x = i32::MAX; // unset
    assert!(matches!(
        decode_fence(&items),
        Err(MavlinkItemError::OutOfRange {
            seq: 1,
            what: "latitude",
            ..
        })
    ));
    let mut items = fence_items();
    items[1].frame = MavFrame::MAV_FRAME_LOCAL_NED;
    assert!(matches!(
        decode_fence(&items),
        Err(MavlinkItemError::WrongFrame { seq: 1, frame: 1, .. })
    ));
    let mut fence = two_polygons_and_circles();
    fence.circles[1].radius_m = NAN;
    assert!(matches!(
        encode_fence(&fence, &opts()),
        Err(MavlinkItemError::OutOfRange { seq: 8, .. })
    ));
}
