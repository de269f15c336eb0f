//! Mission server tests: uploads, downloads, errors, timeouts and clears, driven message by message.

#![allow(deprecated)]

use super::*;
use ::mission::geodesy::{Geodetic, LatLon};
use ::mission::mavlink_items::{EncodeOptions, decode_mission, encode_fence, encode_mission, encode_rally};
use ::mission::plan::{FencePolygon, GeoFence, MissionItem, Plan, PlanElement, RallyPoint};
use apm::{
    MISSION_CLEAR_ALL_DATA, MISSION_ITEM_DATA, MISSION_REQUEST_LIST_DATA, MISSION_SET_CURRENT_DATA, MavCmd, MavFrame,
    MavMissionType as WireType,
};

const GCS: MavHeader = MavHeader {
    system_id: 255,
    component_id: 190,
    sequence: 0,
};
const OTHER: MavHeader = MavHeader {
    system_id: 254,
    component_id: 191,
    sequence: 0,
};
const MISSION: WireType = WireType::MAV_MISSION_TYPE_MISSION;
const FENCE: WireType = WireType::MAV_MISSION_TYPE_FENCE;
const RALLY: WireType = WireType::MAV_MISSION_TYPE_RALLY;
use MavMissionResult as R;

fn server() -> MissionServer {
    MissionServer::new(1, 1, MissionConfig::default())
}

fn count(n: u16, mission_type: WireType) -> MavMessage {
    MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
        count: n,
        target_system: 1,
        target_component: 1,
        mission_type,
        opaque_id: 0,
    })
}

fn waypoint(seq: u16) -> apm::MISSION_ITEM_INT_DATA {
    apm::MISSION_ITEM_INT_DATA {
        x: 519_500_000 + i32::from(seq),
        y: 41_400_000,
        z: 30.0,
        seq,
        command: MavCmd::MAV_CMD_NAV_WAYPOINT,
        target_system: 1,
        target_component: 1,
        frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
        autocontinue: 1,
        ..Default::default()
    }
}

/// Common-dialect items from the `mission` crate's encoders, as a peer would send them.
fn wire(items: &[MISSION_ITEM_INT_DATA]) -> Vec<apm::MISSION_ITEM_INT_DATA> {
    items.iter().map(|i| items::from_common(i).unwrap()).collect()
}

fn only(reply: &Reply<MissionEvent>) -> &MavMessage {
    assert_eq!(
        reply.messages.len(),
        1,
        "expected one message, got {:?}",
        reply.messages
    );
    &reply.messages[0]
}

/// The MISSION_ACK result in a reply, checking it goes to `to` and is of `mission_type`.
fn ack_of(reply: &Reply<MissionEvent>, to: MavHeader, mission_type: WireType) -> R {
    let ack = reply.messages.iter().find_map(|m| match m {
        MavMessage::MISSION_ACK(a) => Some(a),
        _ => None,
    });
    let ack = ack.unwrap_or_else(|| panic!("no MISSION_ACK in {:?}", reply.messages));
    assert_eq!(
        (ack.target_system, ack.target_component),
        (to.system_id as u8, to.component_id)
    );
    assert_eq!(ack.mission_type, mission_type);
    ack.mavtype
}

/// The seq of a MISSION_REQUEST_INT (false) or MISSION_REQUEST (true) reply.
fn requested(reply: &Reply<MissionEvent>) -> (u16, bool) {
    match only(reply) {
        MavMessage::MISSION_REQUEST_INT(r) => (r.seq, false),
        MavMessage::MISSION_REQUEST(r) => (r.seq, true),
        other => panic!("expected a request, got {other:?}"),
    }
}

/// Uploads `items` from GCS and returns the final reply.
fn upload(s: &mut MissionServer, mission_type: WireType, items: &[apm::MISSION_ITEM_INT_DATA]) -> Reply<MissionEvent> {
    let mut reply = s.handle(0.0, &GCS, &count(items.len() as u16, mission_type));
    for item in items {
        assert_eq!(requested(&reply), (item.seq, false));
        reply = s.handle(0.1, &GCS, &MavMessage::MISSION_ITEM_INT(item.clone()));
    }
    reply
}

fn port_fence(vertices: usize) -> GeoFence {
    let ring = [(51.945, 4.135), (51.955, 4.135), (51.955, 4.150), (51.945, 4.150)];
    GeoFence {
        polygons: vec![FencePolygon {
            inclusion: true,
            vertices: ring[..vertices].iter().map(|&(a, b)| LatLon::new(a, b)).collect(),
        }],
        circles: vec![],
        max_alt_m: None,
        breach_return: None,
    }
}

#[test]
fn mission_upload_requests_each_item_and_stores_the_list() {
    let mut s = server();
    let items: Vec<_> = (0..3).map(waypoint).collect();
    let reply = upload(&mut s, MISSION, &items);
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_ACCEPTED);
    assert_eq!(
        reply.events,
        [MissionEvent::Uploaded(MavMissionType::MAV_MISSION_TYPE_MISSION)]
    );
    let stored = &s.store().mission;
    assert_eq!(stored.len(), 3);
    for (i, item) in stored.iter().enumerate() {
        assert_eq!((usize::from(item.seq), item.x), (i, 519_500_000 + i as i32));
        assert_eq!(item.mission_type, MavMissionType::MAV_MISSION_TYPE_MISSION);
    }
    assert!(!s.busy(MavMissionType::MAV_MISSION_TYPE_MISSION));
}

#[test]
fn requests_are_addressed_to_the_uploader() {
    let mut s = server();
    let reply = s.handle(0.0, &GCS, &count(2, MISSION));
    let MavMessage::MISSION_REQUEST_INT(r) = only(&reply) else {
        panic!("{reply:?}")
    };
    assert_eq!(
        (r.target_system, r.target_component, r.seq, r.mission_type),
        (255, 190, 0, MISSION)
    );
}

#[test]
fn legacy_items_are_accepted_and_switch_to_legacy_requests() {
    let mut s = server();
    let reply = s.handle(0.0, &GCS, &count(2, MISSION));
    assert_eq!(requested(&reply), (0, false));
    let legacy = |seq| {
        MavMessage::MISSION_ITEM(MISSION_ITEM_DATA {
            x: 51.95,
            y: 4.14,
            z: 20.0,
            seq,
            command: MavCmd::MAV_CMD_NAV_WAYPOINT,
            frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
            target_system: 1,
            target_component: 1,
            ..Default::default()
        })
    };
    let reply = s.handle(0.1, &GCS, &legacy(0));
    assert_eq!(
        requested(&reply),
        (1, true),
        "MISSION_REQUEST (id 40) after a legacy item"
    );
    let reply = s.handle(0.2, &GCS, &legacy(1));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_ACCEPTED);
    assert_eq!(s.store().mission[1].x, (f64::from(51.95f32) * 1e7).round() as i32);
}

#[test]
fn out_of_order_item_is_refused_and_the_upload_goes_on() {
    let mut s = server();
    s.handle(0.0, &GCS, &count(3, MISSION));
    let reply = s.handle(0.1, &GCS, &MavMessage::MISSION_ITEM_INT(waypoint(2)));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_INVALID_SEQUENCE);
    assert!(s.busy(MavMissionType::MAV_MISSION_TYPE_MISSION));
    let reply = s.handle(0.2, &GCS, &MavMessage::MISSION_ITEM_INT(waypoint(0)));
    assert_eq!(requested(&reply), (1, false));
}

#[test]
fn repeated_item_is_answered_with_the_next_request() {
    let mut s = server();
    s.handle(0.0, &GCS, &count(3, MISSION));
    s.handle(0.1, &GCS, &MavMessage::MISSION_ITEM_INT(waypoint(0)));
    let reply = s.handle(0.2, &GCS, &MavMessage::MISSION_ITEM_INT(waypoint(0)));
    assert_eq!(requested(&reply), (1, false));
}

#[test]
fn count_over_capacity_is_no_space() {
    let mut s = MissionServer::new(
        1,
        1,
        MissionConfig {
            capacity: [10, 10, 2],
            ..MissionConfig::default()
        },
    );
    let reply = s.handle(0.0, &GCS, &count(3, RALLY));
    assert_eq!(ack_of(&reply, GCS, RALLY), R::MAV_MISSION_NO_SPACE);
    assert!(reply.messages.iter().any(|m| matches!(m, MavMessage::STATUSTEXT(_))));
    assert!(!s.busy(MavMissionType::MAV_MISSION_TYPE_RALLY));
}

#[test]
fn another_uploader_is_denied_while_the_first_may_restart() {
    let mut s = server();
    s.handle(0.0, &GCS, &count(3, MISSION));
    let reply = s.handle(0.1, &OTHER, &count(2, MISSION));
    assert_eq!(ack_of(&reply, OTHER, MISSION), R::MAV_MISSION_DENIED);
    let reply = s.handle(0.2, &OTHER, &MavMessage::MISSION_ITEM_INT(waypoint(0)));
    assert_eq!(ack_of(&reply, OTHER, MISSION), R::MAV_MISSION_DENIED);
    // Another type is independent.
    let reply = s.handle(0.3, &OTHER, &count(1, RALLY));
    assert_eq!(requested(&reply), (0, false));
    // The first uploader starts over with a new count.
    s.handle(0.4, &GCS, &MavMessage::MISSION_ITEM_INT(waypoint(0)));
    let reply = s.handle(0.5, &GCS, &count(1, MISSION));
    assert_eq!(requested(&reply), (0, false));
    let reply = s.handle(0.6, &GCS, &MavMessage::MISSION_ITEM_INT(waypoint(0)));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_ACCEPTED);
    assert_eq!(s.store().mission.len(), 1);
}

#[test]
fn item_without_upload_is_an_error_but_a_repeated_last_item_gets_the_ack_again() {
    let mut s = server();
    let reply = s.handle(0.0, &GCS, &MavMessage::MISSION_ITEM_INT(waypoint(0)));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_ERROR);
    upload(&mut s, MISSION, &[waypoint(0), waypoint(1)]);
    // Our final ACK was lost and the peer sends its last item again.
    let reply = s.handle(1.0, &GCS, &MavMessage::MISSION_ITEM_INT(waypoint(1)));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_ACCEPTED);
    assert!(reply.events.is_empty(), "no second Uploaded event");
}

#[test]
fn unanswered_request_is_repeated_five_times_then_cancelled() {
    let mut s = server();
    s.handle(10.0, &GCS, &count(2, MISSION));
    assert!(s.poll(11.4).is_empty());
    for retry in 1..=5 {
        let reply = s.poll(10.0 + 1.5 * f64::from(retry));
        assert_eq!(requested(&reply), (0, false), "retry {retry}");
    }
    let reply = s.poll(19.0);
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_OPERATION_CANCELLED);
    assert!(!s.busy(MavMissionType::MAV_MISSION_TYPE_MISSION));
    assert!(s.poll(30.0).is_empty());
}

#[test]
fn an_item_restores_the_retries() {
    let mut s = server();
    s.handle(0.0, &GCS, &count(2, MISSION));
    for retry in 1..=4 {
        s.poll(1.5 * f64::from(retry));
    }
    s.handle(6.5, &GCS, &MavMessage::MISSION_ITEM_INT(waypoint(0)));
    for retry in 1..=5 {
        let reply = s.poll(6.5 + 1.5 * f64::from(retry));
        assert_eq!(requested(&reply), (1, false), "retry {retry} after the item");
    }
}

#[test]
fn cancel_ack_from_the_uploader_ends_the_upload_silently() {
    let mut s = server();
    s.store_mut().mission = vec![items::to_common(&waypoint(0)).unwrap()];
    s.handle(0.0, &GCS, &count(3, MISSION));
    let cancel = MavMessage::MISSION_ACK(MISSION_ACK_DATA {
        target_system: 1,
        target_component: 1,
        mavtype: R::MAV_MISSION_OPERATION_CANCELLED,
        mission_type: MISSION,
        opaque_id: 0,
    });
    assert!(s.handle(0.1, &GCS, &cancel).is_empty());
    assert!(!s.busy(MavMissionType::MAV_MISSION_TYPE_MISSION));
    assert_eq!(s.store().mission.len(), 1, "the stored list is untouched");
}

#[test]
fn count_of_zero_clears_the_list() {
    let mut s = server();
    upload(&mut s, MISSION, &[waypoint(0)]);
    let reply = s.handle(1.0, &GCS, &count(0, MISSION));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_ACCEPTED);
    assert_eq!(
        reply.events,
        [MissionEvent::Cleared(MavMissionType::MAV_MISSION_TYPE_MISSION)]
    );
    assert!(s.store().mission.is_empty());
}

#[test]
fn mission_from_the_mission_crate_round_trips_through_an_upload() {
    let mut plan = Plan::new(Geodetic::new(51.949, 4.142, 2.5));
    plan.elements = vec![
        PlanElement::Item(MissionItem::Takeoff {
            position: None,
            alt_m: 30.0,
        }),
        PlanElement::Item(MissionItem::waypoint(LatLon::new(51.9501234, 4.1412345), 40.0)),
        PlanElement::Item(MissionItem::ReturnToLaunch),
    ];
    let sent = encode_mission(&plan, &EncodeOptions::default()).unwrap();
    let mut s = server();
    let reply = upload(&mut s, MISSION, &wire(&sent));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_ACCEPTED);
    let (home, decoded) = decode_mission(&s.store().mission, true).unwrap();
    assert_eq!(home.unwrap().lat, 51.949);
    assert_eq!(decoded.len(), 3);
    assert_eq!(decoded[2], MissionItem::ReturnToLaunch);
}

#[test]
fn valid_fence_is_stored_and_an_invalid_one_refused_keeping_the_old() {
    let mut s = server();
    let good = encode_fence(&port_fence(4), &EncodeOptions::default()).unwrap();
    let reply = upload(&mut s, FENCE, &wire(&good));
    assert_eq!(ack_of(&reply, GCS, FENCE), R::MAV_MISSION_ACCEPTED);
    assert_eq!(
        reply.events,
        [MissionEvent::Uploaded(MavMissionType::MAV_MISSION_TYPE_FENCE)]
    );
    assert_eq!(s.store().fence.len(), 4);

    // Two vertices that each claim a 2-vertex polygon: the fence decoder refuses it.
    let mut bad = wire(&good[..2]);
    for item in &mut bad {
        item.param1 = 2.0;
    }
    let reply = upload(&mut s, FENCE, &bad);
    assert_eq!(ack_of(&reply, GCS, FENCE), R::MAV_MISSION_INVALID);
    assert!(reply.events.is_empty());
    assert!(
        reply.messages.iter().any(|m| matches!(m, MavMessage::STATUSTEXT(_))),
        "says why"
    );
    assert_eq!(s.store().fence.len(), 4, "the previous fence stays");
}

#[test]
fn rally_points_are_validated() {
    let points = [RallyPoint {
        position: LatLon::new(51.948, 4.144),
        alt_m: 25.0,
    }];
    let good = wire(&encode_rally(&points, &EncodeOptions::default()).unwrap());
    let mut s = server();
    let reply = upload(&mut s, RALLY, &good);
    assert_eq!(ack_of(&reply, GCS, RALLY), R::MAV_MISSION_ACCEPTED);
    let mut amsl = good.clone();
    amsl[0].frame = MavFrame::MAV_FRAME_GLOBAL_INT;
    let reply = upload(&mut s, RALLY, &amsl);
    assert_eq!(ack_of(&reply, GCS, RALLY), R::MAV_MISSION_UNSUPPORTED_FRAME);
    let mut waypoint_in_rally = good;
    waypoint_in_rally[0].command = MavCmd::MAV_CMD_NAV_WAYPOINT;
    let reply = upload(&mut s, RALLY, &waypoint_in_rally);
    assert_eq!(ack_of(&reply, GCS, RALLY), R::MAV_MISSION_UNSUPPORTED);
}

#[test]
fn bad_items_end_the_upload_with_their_code() {
    let mut s = server();
    s.handle(0.0, &GCS, &count(2, MISSION));
    let mut item = waypoint(0);
    item.command = MavCmd::MAV_CMD_DO_SEND_SCRIPT_MESSAGE;
    let reply = s.handle(0.1, &GCS, &MavMessage::MISSION_ITEM_INT(item));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_UNSUPPORTED);
    assert!(!s.busy(MavMissionType::MAV_MISSION_TYPE_MISSION));

    s.handle(1.0, &GCS, &count(2, MISSION));
    let mut item = waypoint(0);
    item.y = 1_900_000_000;
    let reply = s.handle(1.1, &GCS, &MavMessage::MISSION_ITEM_INT(item));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_INVALID_PARAM6_Y);

    let mut guided = waypoint(0);
    guided.current = 2;
    let reply = s.handle(2.0, &GCS, &MavMessage::MISSION_ITEM_INT(guided));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_UNSUPPORTED);
}

#[path = "tests_download.rs"]
mod download;

#[path = "tests_fuzz.rs"]
mod fuzz;
