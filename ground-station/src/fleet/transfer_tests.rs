//! The mission protocol machine without sockets: each exchange played message by message.

use super::*;
use mavlink::dialects::ardupilotmega::{MISSION_ITEM_DATA, MISSION_REQUEST_DATA};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);
const VEHICLE: (u8, u8) = (1, 1);

fn from_vehicle() -> MavHeader {
    MavHeader {
        system_id: 1,
        component_id: 1,
        sequence: 0,
    }
}

fn items(n: u16) -> Vec<common::MISSION_ITEM_INT_DATA> {
    (0..n)
        .map(|seq| common::MISSION_ITEM_INT_DATA {
            seq,
            x: 443_975_000 + i32::from(seq),
            y: 89_005_000,
            z: 30.0 + f32::from(seq),
            command: common::MavCmd::MAV_CMD_NAV_WAYPOINT,
            frame: common::MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
            autocontinue: 1,
            mission_type: common::MavMissionType::MAV_MISSION_TYPE_MISSION,
            ..Default::default()
        })
        .collect()
}

fn request_int(seq: u16, list: ListKind) -> MavMessage {
    MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
        seq,
        target_system: 255,
        target_component: 190,
        mission_type: list.wire(),
    })
}

fn request_legacy(seq: u16, list: ListKind) -> MavMessage {
    MavMessage::MISSION_REQUEST(MISSION_REQUEST_DATA {
        seq,
        target_system: 255,
        target_component: 190,
        mission_type: list.wire(),
    })
}

fn vehicle_ack(result: MavMissionResult, list: ListKind) -> MavMessage {
    MavMessage::MISSION_ACK(MISSION_ACK_DATA {
        target_system: 255,
        target_component: 190,
        mavtype: result,
        mission_type: list.wire(),
        opaque_id: 0,
    })
}

fn sent_item(out: &[MavMessage]) -> (u16, i32) {
    match out {
        [MavMessage::MISSION_ITEM_INT(item)] => (item.seq, item.x),
        other => panic!("expected one MISSION_ITEM_INT, got {other:?}"),
    }
}

#[test]
fn upload_answers_both_request_flavours_with_the_exact_items_and_ends_on_accepted() {
    let t0 = Instant::now();
    let list = items(3);
    let (mut up, first) = Transfer::upload(ListKind::Mission, VEHICLE, &list, Timing::default(), Rtt::default(), t0);
    match &first[..] {
        [MavMessage::MISSION_COUNT(c)] => {
            assert_eq!(
                (c.count, c.target_system, c.mission_type),
                (3, 1, ListKind::Mission.wire())
            )
        }
        other => panic!("{other:?}"),
    }
    let out = up.handle(t0 + MS, &from_vehicle(), &request_int(0, ListKind::Mission));
    assert_eq!(sent_item(&out), (0, list[0].x));
    // ArduPilot's legacy MISSION_REQUEST (id 40) gets MISSION_ITEM_INT too.
    let out = up.handle(t0 + 2 * MS, &from_vehicle(), &request_legacy(1, ListKind::Mission));
    assert_eq!(sent_item(&out), (1, list[1].x));
    let out = up.handle(t0 + 3 * MS, &from_vehicle(), &request_int(2, ListKind::Mission));
    match &out[..] {
        [MavMessage::MISSION_ITEM_INT(item)] => {
            assert_eq!(item.z, 32.0);
            assert_eq!((item.target_system, item.target_component), VEHICLE);
            assert_eq!(item.mission_type, ListKind::Mission.wire());
        }
        other => panic!("{other:?}"),
    }
    assert!(!up.is_finished());
    up.handle(
        t0 + 4 * MS,
        &from_vehicle(),
        &vehicle_ack(MavMissionResult::MAV_MISSION_ACCEPTED, ListKind::Mission),
    );
    assert_eq!(up.take_result(), Some(Ok(Outcome::Uploaded { count: 3 })));
    assert!(up.rtt().smoothed().is_some(), "round trips were timed");
}

#[test]
fn a_duplicate_request_is_answered_again_once_our_answer_could_have_been_lost() {
    let t0 = Instant::now();
    let list = items(4);
    let (mut up, _) = Transfer::upload(ListKind::Fence, VEHICLE, &list, Timing::default(), Rtt::default(), t0);
    up.handle(t0 + 10 * MS, &from_vehicle(), &request_int(0, ListKind::Fence));
    up.handle(t0 + 20 * MS, &from_vehicle(), &request_int(1, ListKind::Fence));
    let interval = up.attempts.interval(&up.timing, &up.rtt);
    assert!(interval < 100 * MS, "measured link: {interval:?}");
    // A copy right behind the first (it crossed our retransmission): not answered twice.
    assert!(
        up.handle(t0 + 21 * MS, &from_vehicle(), &request_int(1, ListKind::Fence))
            .is_empty()
    );
    // The vehicle asking again later (its own timeout): our item was lost, answer again.
    let later = t0 + 20 * MS + interval + MS;
    let out = up.handle(later, &from_vehicle(), &request_int(1, ListKind::Fence));
    assert_eq!(sent_item(&out), (1, list[1].x));
}

#[test]
fn silence_after_the_count_retransmits_it_five_times_then_fails_naming_what_it_waited_for() {
    let t0 = Instant::now();
    let (mut up, _) = Transfer::upload(
        ListKind::Rally,
        VEHICLE,
        &items(2),
        Timing::default(),
        Rtt::default(),
        t0,
    );
    let mut counts = 0;
    let mut now = t0;
    while let Some(deadline) = up.deadline() {
        now = deadline;
        for msg in up.poll(now) {
            assert!(matches!(msg, MavMessage::MISSION_COUNT(_)), "{msg:?}");
            counts += 1;
        }
    }
    assert_eq!(counts, 5, "5 retries of 1500 ms");
    assert_eq!(now - t0, 9000 * MS);
    let err = up.take_result().unwrap().unwrap_err();
    assert!(
        matches!(err, TransferError::TimedOut { retransmissions: 5, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("rally upload") && text.contains("first item request") && text.contains("5 retransmissions"),
        "{text}"
    );
}

#[test]
fn a_lost_item_is_sent_again_and_the_upload_goes_on() {
    let t0 = Instant::now();
    let list = items(3);
    let (mut up, _) = Transfer::upload(ListKind::Mission, VEHICLE, &list, Timing::default(), Rtt::default(), t0);
    up.handle(t0 + 2 * MS, &from_vehicle(), &request_int(0, ListKind::Mission));
    up.handle(t0 + 4 * MS, &from_vehicle(), &request_int(1, ListKind::Mission));
    // Item 1 is lost: nothing comes back; at the deadline item 1 goes out again.
    let deadline = up.deadline().unwrap();
    assert!(
        deadline - (t0 + 4 * MS) < 50 * MS,
        "a measured link retransmits quickly"
    );
    assert!(up.poll(deadline - MS).is_empty());
    assert_eq!(sent_item(&up.poll(deadline)), (1, list[1].x));
    up.handle(deadline + 2 * MS, &from_vehicle(), &request_int(2, ListKind::Mission));
    // The final ACK is lost: the last item goes out again, and the vehicle repeats its ACK.
    let deadline = up.deadline().unwrap();
    assert_eq!(sent_item(&up.poll(deadline)), (2, list[2].x));
    up.handle(
        deadline + MS,
        &from_vehicle(),
        &vehicle_ack(MavMissionResult::MAV_MISSION_ACCEPTED, ListKind::Mission),
    );
    assert_eq!(up.take_result(), Some(Ok(Outcome::Uploaded { count: 3 })));
    assert_eq!(up.retransmissions(), 2);
}

#[test]
fn a_refusal_names_the_item_and_the_result_code() {
    let t0 = Instant::now();
    let (mut up, _) = Transfer::upload(
        ListKind::Fence,
        VEHICLE,
        &items(5),
        Timing::default(),
        Rtt::default(),
        t0,
    );
    for seq in 0..3 {
        up.handle(t0, &from_vehicle(), &request_int(seq, ListKind::Fence));
    }
    up.handle(
        t0,
        &from_vehicle(),
        &vehicle_ack(MavMissionResult::MAV_MISSION_INVALID_PARAM1, ListKind::Fence),
    );
    let err = up.take_result().unwrap().unwrap_err();
    assert_eq!(
        err,
        TransferError::Refused {
            list: ListKind::Fence,
            op: Operation::Upload,
            at: Some(2),
            result: "MAV_MISSION_INVALID_PARAM1".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "fence upload: the vehicle refused item 2 with MAV_MISSION_INVALID_PARAM1"
    );
}

#[test]
fn no_space_before_any_item_refuses_the_list() {
    let t0 = Instant::now();
    let (mut up, _) = Transfer::upload(
        ListKind::Mission,
        VEHICLE,
        &items(2),
        Timing::default(),
        Rtt::default(),
        t0,
    );
    up.handle(
        t0,
        &from_vehicle(),
        &vehicle_ack(MavMissionResult::MAV_MISSION_NO_SPACE, ListKind::Mission),
    );
    let text = up.take_result().unwrap().unwrap_err().to_string();
    assert_eq!(
        text,
        "mission upload: the vehicle refused the list with MAV_MISSION_NO_SPACE"
    );
}

#[test]
fn out_of_order_requests_get_the_item_asked_for() {
    let t0 = Instant::now();
    let list = items(4);
    let (mut up, _) = Transfer::upload(ListKind::Mission, VEHICLE, &list, Timing::default(), Rtt::default(), t0);
    up.handle(t0, &from_vehicle(), &request_int(0, ListKind::Mission));
    assert_eq!(
        sent_item(&up.handle(t0, &from_vehicle(), &request_int(2, ListKind::Mission))),
        (2, list[2].x)
    );
    assert_eq!(
        sent_item(&up.handle(t0, &from_vehicle(), &request_int(1, ListKind::Mission))),
        (1, list[1].x)
    );
    // A vehicle that restarted asks from 0 again.
    assert_eq!(
        sent_item(&up.handle(t0, &from_vehicle(), &request_int(0, ListKind::Mission))),
        (0, list[0].x)
    );
    // Out of sequence is not fatal: ArduPilot keeps the upload open.
    up.handle(
        t0,
        &from_vehicle(),
        &vehicle_ack(MavMissionResult::MAV_MISSION_INVALID_SEQUENCE, ListKind::Mission),
    );
    assert!(!up.is_finished());
    up.handle(t0, &from_vehicle(), &request_int(3, ListKind::Mission));
    up.handle(
        t0,
        &from_vehicle(),
        &vehicle_ack(MavMissionResult::MAV_MISSION_ACCEPTED, ListKind::Mission),
    );
    assert_eq!(up.take_result(), Some(Ok(Outcome::Uploaded { count: 4 })));
}

#[test]
fn a_request_past_the_end_cancels_the_upload_with_a_clear_error() {
    let t0 = Instant::now();
    let (mut up, _) = Transfer::upload(
        ListKind::Mission,
        VEHICLE,
        &items(2),
        Timing::default(),
        Rtt::default(),
        t0,
    );
    let out = up.handle(t0, &from_vehicle(), &request_int(7, ListKind::Mission));
    assert!(
        matches!(&out[..], [MavMessage::MISSION_ACK(a)] if a.mavtype == MavMissionResult::MAV_MISSION_OPERATION_CANCELLED),
        "{out:?}"
    );
    let text = up.take_result().unwrap().unwrap_err().to_string();
    assert_eq!(
        text,
        "mission upload: the vehicle asked for item 7 of a 2-item list; upload cancelled"
    );
}

#[test]
fn accepted_after_only_some_items_is_an_error_but_a_stale_accept_before_any_request_is_not() {
    let t0 = Instant::now();
    let (mut up, _) = Transfer::upload(
        ListKind::Mission,
        VEHICLE,
        &items(3),
        Timing::default(),
        Rtt::default(),
        t0,
    );
    let accepted = vehicle_ack(MavMissionResult::MAV_MISSION_ACCEPTED, ListKind::Mission);
    up.handle(t0, &from_vehicle(), &accepted);
    assert!(!up.is_finished(), "a late copy of the previous upload's ACK");
    up.handle(t0, &from_vehicle(), &request_int(0, ListKind::Mission));
    up.handle(t0, &from_vehicle(), &accepted);
    assert_eq!(
        up.take_result(),
        Some(Err(TransferError::AcceptedEarly {
            list: ListKind::Mission,
            requested: 1,
            count: 3
        }))
    );
}

#[test]
fn other_senders_other_lists_and_other_ground_stations_are_ignored() {
    let t0 = Instant::now();
    let (mut up, _) = Transfer::upload(
        ListKind::Mission,
        VEHICLE,
        &items(2),
        Timing::default(),
        Rtt::default(),
        t0,
    );
    let other_vehicle = MavHeader {
        system_id: 2,
        ..from_vehicle()
    };
    assert!(
        up.handle(t0, &other_vehicle, &request_int(0, ListKind::Mission))
            .is_empty()
    );
    assert!(
        up.handle(t0, &from_vehicle(), &request_int(0, ListKind::Fence))
            .is_empty()
    );
    let for_another_gcs = MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
        seq: 0,
        target_system: 254,
        target_component: 190,
        mission_type: ListKind::Mission.wire(),
    });
    assert!(up.handle(t0, &from_vehicle(), &for_another_gcs).is_empty());
    assert!(!up.is_finished());
}

fn vehicle_item(seq: u16, x: i32, list: ListKind) -> MavMessage {
    MavMessage::MISSION_ITEM_INT(apm::MISSION_ITEM_INT_DATA {
        seq,
        x,
        y: 89_005_000,
        z: 40.0,
        command: apm::MavCmd::MAV_CMD_NAV_WAYPOINT,
        frame: apm::MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
        target_system: 255,
        target_component: 190,
        mission_type: list.wire(),
        autocontinue: 1,
        ..Default::default()
    })
}

#[test]
fn download_requests_each_item_ignores_copies_and_closes_with_an_ack() {
    let t0 = Instant::now();
    let (mut down, first) = Transfer::download(ListKind::Mission, VEHICLE, Timing::default(), Rtt::default(), t0);
    assert!(matches!(&first[..], [MavMessage::MISSION_REQUEST_LIST(_)]));
    let count = MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
        count: 3,
        target_system: 255,
        target_component: 190,
        mission_type: ListKind::Mission.wire(),
        opaque_id: 0,
    });
    let out = down.handle(t0, &from_vehicle(), &count);
    assert!(
        matches!(&out[..], [MavMessage::MISSION_REQUEST_INT(r)] if r.seq == 0),
        "{out:?}"
    );
    assert!(
        down.handle(t0, &from_vehicle(), &count).is_empty(),
        "a second COUNT is a copy"
    );
    let out = down.handle(t0, &from_vehicle(), &vehicle_item(0, 100, ListKind::Mission));
    assert!(matches!(&out[..], [MavMessage::MISSION_REQUEST_INT(r)] if r.seq == 1));
    assert!(
        down.handle(t0, &from_vehicle(), &vehicle_item(0, 100, ListKind::Mission))
            .is_empty()
    );
    // A vehicle answering with the legacy MISSION_ITEM (float degrees) is read too.
    let legacy = MavMessage::MISSION_ITEM(MISSION_ITEM_DATA {
        seq: 1,
        x: 44.5,
        y: 8.75,
        z: 40.0,
        command: apm::MavCmd::MAV_CMD_NAV_WAYPOINT,
        frame: apm::MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
        target_system: 255,
        target_component: 190,
        mission_type: ListKind::Mission.wire(),
        ..Default::default()
    });
    down.handle(t0, &from_vehicle(), &legacy);
    let out = down.handle(t0, &from_vehicle(), &vehicle_item(2, 300, ListKind::Mission));
    assert!(
        matches!(&out[..], [MavMessage::MISSION_ACK(a)] if a.mavtype == MavMissionResult::MAV_MISSION_ACCEPTED),
        "{out:?}"
    );
    let Some(Ok(Outcome::Downloaded(got))) = down.take_result() else {
        panic!("download did not finish")
    };
    assert_eq!(got.iter().map(|i| i.x).collect::<Vec<_>>(), vec![100, 445_000_000, 300]);
    assert_eq!(got[1].y, 87_500_000);
}

#[test]
fn a_lost_item_request_is_sent_again() {
    let t0 = Instant::now();
    let (mut down, _) = Transfer::download(ListKind::Rally, VEHICLE, Timing::default(), Rtt::default(), t0);
    let count = MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
        count: 1,
        target_system: 255,
        target_component: 190,
        mission_type: ListKind::Rally.wire(),
        opaque_id: 0,
    });
    down.handle(t0 + 3 * MS, &from_vehicle(), &count);
    let deadline = down.deadline().unwrap();
    let out = down.poll(deadline);
    assert!(
        matches!(&out[..], [MavMessage::MISSION_REQUEST_INT(r)] if r.seq == 0),
        "{out:?}"
    );
}

#[test]
fn clear_succeeds_on_accepted_and_names_a_refusal() {
    let t0 = Instant::now();
    let (mut clear, first) = Transfer::clear(ListKind::Fence, VEHICLE, Timing::default(), Rtt::default(), t0);
    assert!(matches!(&first[..], [MavMessage::MISSION_CLEAR_ALL(c)] if c.mission_type == ListKind::Fence.wire()));
    clear.handle(
        t0,
        &from_vehicle(),
        &vehicle_ack(MavMissionResult::MAV_MISSION_ACCEPTED, ListKind::Fence),
    );
    assert_eq!(clear.take_result(), Some(Ok(Outcome::Cleared)));
    let (mut clear, _) = Transfer::clear(ListKind::Mission, VEHICLE, Timing::default(), Rtt::default(), t0);
    clear.handle(
        t0,
        &from_vehicle(),
        &vehicle_ack(MavMissionResult::MAV_MISSION_ERROR, ListKind::Mission),
    );
    assert_eq!(
        clear.take_result().unwrap().unwrap_err().to_string(),
        "mission clear: the vehicle refused the list with MAV_MISSION_ERROR"
    );
}

#[test]
fn an_empty_upload_is_a_count_of_zero_accepted() {
    let t0 = Instant::now();
    let (mut up, first) = Transfer::upload(ListKind::Rally, VEHICLE, &[], Timing::default(), Rtt::default(), t0);
    assert!(matches!(&first[..], [MavMessage::MISSION_COUNT(c)] if c.count == 0));
    up.handle(
        t0,
        &from_vehicle(),
        &vehicle_ack(MavMissionResult::MAV_MISSION_ACCEPTED, ListKind::Rally),
    );
    assert_eq!(up.take_result(), Some(Ok(Outcome::Uploaded { count: 0 })));
}
