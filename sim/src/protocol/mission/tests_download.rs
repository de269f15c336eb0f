//! Mission server tests: downloads, clears, set-current and addressing.

use super::*;

fn request_list(mission_type: WireType) -> MavMessage {
    MavMessage::MISSION_REQUEST_LIST(MISSION_REQUEST_LIST_DATA {
        target_system: 1,
        target_component: 1,
        mission_type,
    })
}

fn request_int(seq: u16, mission_type: WireType) -> MavMessage {
    MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
        seq,
        target_system: 1,
        target_component: 1,
        mission_type,
    })
}

fn peer_ack(mission_type: WireType) -> MavMessage {
    MavMessage::MISSION_ACK(MISSION_ACK_DATA {
        target_system: 1,
        target_component: 1,
        mavtype: R::MAV_MISSION_ACCEPTED,
        mission_type,
        opaque_id: 0,
    })
}

fn clear_all(mission_type: WireType) -> MavMessage {
    MavMessage::MISSION_CLEAR_ALL(MISSION_CLEAR_ALL_DATA {
        target_system: 1,
        target_component: 1,
        mission_type,
    })
}

/// A server holding a 3-item mission and a 4-vertex fence.
fn loaded() -> MissionServer {
    let mut s = server();
    upload(&mut s, MISSION, &(0..3).map(waypoint).collect::<Vec<_>>());
    upload(
        &mut s,
        FENCE,
        &wire(&encode_fence(&port_fence(4), &EncodeOptions::default()).unwrap()),
    );
    s
}

#[test]
fn download_answers_count_then_each_item_in_kind() {
    let mut s = loaded();
    let reply = s.handle(5.0, &OTHER, &request_list(FENCE));
    let MavMessage::MISSION_COUNT(c) = only(&reply) else {
        panic!("{reply:?}")
    };
    assert_eq!(
        (c.count, c.mission_type, c.target_system, c.target_component),
        (4, FENCE, 254, 191)
    );
    assert!(s.busy(MavMissionType::MAV_MISSION_TYPE_FENCE));
    for seq in 0..4 {
        let reply = s.handle(5.1, &OTHER, &request_int(seq, FENCE));
        let MavMessage::MISSION_ITEM_INT(item) = only(&reply) else {
            panic!("{reply:?}")
        };
        let stored = &s.store().fence[usize::from(seq)];
        assert_eq!(
            (item.seq, item.x, item.y, item.param1),
            (seq, stored.x, stored.y, stored.param1)
        );
        assert_eq!(item.command as u32, stored.command as u32);
        assert_eq!(item.frame as u8, stored.frame as u8);
        assert_eq!(
            (item.target_system, item.target_component, item.mission_type),
            (254, 191, FENCE)
        );
    }
    assert!(s.handle(5.2, &OTHER, &peer_ack(FENCE)).is_empty());
    assert!(
        !s.busy(MavMissionType::MAV_MISSION_TYPE_FENCE),
        "the final ACK closes it"
    );
}

#[test]
fn legacy_request_gets_a_legacy_item() {
    let mut s = loaded();
    let legacy = MavMessage::MISSION_REQUEST(MISSION_REQUEST_DATA {
        seq: 2,
        target_system: 1,
        target_component: 1,
        mission_type: MISSION,
    });
    let reply = s.handle(1.0, &GCS, &legacy);
    let MavMessage::MISSION_ITEM(item) = only(&reply) else {
        panic!("{reply:?}")
    };
    assert_eq!(
        (item.seq, item.command, item.frame),
        (
            2,
            MavCmd::MAV_CMD_NAV_WAYPOINT,
            MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
        )
    );
    assert!((f64::from(item.x) - 51.9500002).abs() < 1e-5, "lat {}", item.x);
}

#[test]
fn request_past_the_end_is_invalid_sequence() {
    let mut s = loaded();
    let reply = s.handle(1.0, &GCS, &request_int(3, MISSION));
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_INVALID_SEQUENCE);
}

#[test]
fn idle_download_times_out() {
    let mut s = loaded();
    s.handle(1.0, &GCS, &request_list(MISSION));
    s.handle(2.0, &GCS, &request_int(0, MISSION));
    s.poll(10.9);
    assert!(
        s.busy(MavMissionType::MAV_MISSION_TYPE_MISSION),
        "9 s after the last request, not before"
    );
    assert!(s.poll(11.0).is_empty(), "a download times out silently");
    assert!(!s.busy(MavMissionType::MAV_MISSION_TYPE_MISSION));
}

#[test]
fn uploads_and_downloads_of_one_type_exclude_each_other() {
    let mut s = loaded();
    s.handle(1.0, &GCS, &request_list(MISSION));
    let reply = s.handle(1.1, &OTHER, &count(1, MISSION));
    assert_eq!(
        ack_of(&reply, OTHER, MISSION),
        R::MAV_MISSION_DENIED,
        "another peer is reading"
    );
    let reply = s.handle(1.2, &GCS, &count(1, MISSION));
    assert_eq!(requested(&reply), (0, false), "the reader itself may start an upload");
    let reply = s.handle(1.3, &OTHER, &request_list(MISSION));
    assert_eq!(
        ack_of(&reply, OTHER, MISSION),
        R::MAV_MISSION_DENIED,
        "no reading during an upload"
    );
    let reply = s.handle(1.4, &OTHER, &request_int(0, MISSION));
    assert_eq!(ack_of(&reply, OTHER, MISSION), R::MAV_MISSION_DENIED);
}

#[test]
fn clear_all_by_type_and_for_all_types() {
    let mut s = loaded();
    let reply = s.handle(1.0, &GCS, &clear_all(FENCE));
    assert_eq!(ack_of(&reply, GCS, FENCE), R::MAV_MISSION_ACCEPTED);
    assert_eq!(
        reply.events,
        [MissionEvent::Cleared(MavMissionType::MAV_MISSION_TYPE_FENCE)]
    );
    assert!(s.store().fence.is_empty() && s.store().mission.len() == 3);

    let reply = s.handle(2.0, &GCS, &clear_all(WireType::MAV_MISSION_TYPE_ALL));
    assert_eq!(
        ack_of(&reply, GCS, WireType::MAV_MISSION_TYPE_ALL),
        R::MAV_MISSION_ACCEPTED
    );
    assert_eq!(reply.events.len(), 3);
    assert_eq!(*s.store(), MissionStore::default());
}

#[test]
fn clear_during_an_upload_is_an_error() {
    let mut s = loaded();
    s.handle(1.0, &GCS, &count(2, MISSION));
    let reply = s.handle(1.1, &OTHER, &clear_all(WireType::MAV_MISSION_TYPE_ALL));
    assert_eq!(
        ack_of(&reply, OTHER, WireType::MAV_MISSION_TYPE_ALL),
        R::MAV_MISSION_ERROR
    );
    assert_eq!(s.store().mission.len(), 3);
}

#[test]
fn set_current_is_an_event_for_existing_items_only() {
    let mut s = loaded();
    let set = |seq| {
        MavMessage::MISSION_SET_CURRENT(MISSION_SET_CURRENT_DATA {
            seq,
            target_system: 1,
            target_component: 1,
        })
    };
    let reply = s.handle(1.0, &GCS, &set(2));
    assert_eq!(reply.events, [MissionEvent::SetCurrent(2)]);
    assert!(reply.messages.is_empty(), "the autopilot sends MISSION_CURRENT");
    let reply = s.handle(1.0, &GCS, &set(3));
    assert!(reply.events.is_empty());
    assert!(matches!(only(&reply), MavMessage::STATUSTEXT(_)));
}

#[test]
fn messages_for_other_systems_or_components_are_ignored() {
    let mut s = loaded();
    let mut list = MISSION_REQUEST_LIST_DATA {
        target_system: 2,
        target_component: 1,
        mission_type: MISSION,
    };
    assert!(
        s.handle(1.0, &GCS, &MavMessage::MISSION_REQUEST_LIST(list.clone()))
            .is_empty()
    );
    list.target_system = 1;
    list.target_component = 191;
    assert!(
        s.handle(1.0, &GCS, &MavMessage::MISSION_REQUEST_LIST(list.clone()))
            .is_empty()
    );
    list.target_system = 0;
    list.target_component = 0;
    let reply = s.handle(1.0, &GCS, &MavMessage::MISSION_REQUEST_LIST(list));
    assert!(
        matches!(only(&reply), MavMessage::MISSION_COUNT(c) if c.count == 3),
        "broadcast is ours"
    );
}

#[test]
fn partial_lists_are_unsupported() {
    let mut s = loaded();
    let partial = MavMessage::MISSION_WRITE_PARTIAL_LIST(apm::MISSION_WRITE_PARTIAL_LIST_DATA {
        start_index: 1,
        end_index: 2,
        target_system: 1,
        target_component: 1,
        mission_type: MISSION,
    });
    let reply = s.handle(1.0, &GCS, &partial);
    assert_eq!(ack_of(&reply, GCS, MISSION), R::MAV_MISSION_UNSUPPORTED);
}
