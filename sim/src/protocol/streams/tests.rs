//! Stream scheduler tests: defaults, group rates, message intervals, one-shots, pacing.

#![allow(deprecated)]

use super::*;

/// How many times each id is due when `due` runs every `step` seconds over [0, `secs`).
fn counts(s: &mut StreamScheduler, from: f64, secs: f64, step: f64) -> std::collections::BTreeMap<u32, usize> {
    let mut counts = std::collections::BTreeMap::new();
    let ticks = (secs / step).round() as usize;
    for tick in 0..ticks {
        for msg_id in s.due(from + tick as f64 * step) {
            *counts.entry(msg_id).or_insert(0) += 1;
        }
    }
    counts
}

fn data_stream(stream: MavDataStream, hz: u16, start: u8) -> MavMessage {
    MavMessage::REQUEST_DATA_STREAM(REQUEST_DATA_STREAM_DATA {
        req_message_rate: hz,
        target_system: 1,
        target_component: 1,
        req_stream_id: stream,
        start_stop: start,
    })
}

#[test]
fn defaults_are_due_at_once_sorted_and_unique() {
    let mut s = StreamScheduler::new();
    let due = s.due(0.0);
    let mut sorted = due.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(due, sorted);
    for msg_id in [
        id::HEARTBEAT,
        id::SYS_STATUS,
        id::GPS_RAW_INT,
        id::ATTITUDE,
        id::GLOBAL_POSITION_INT,
        id::MISSION_CURRENT,
        id::VFR_HUD,
        id::BATTERY_STATUS,
        id::HOME_POSITION,
        id::EXTENDED_SYS_STATE,
    ] {
        assert!(due.contains(&msg_id), "{msg_id} missing from {due:?}");
    }
    assert!(
        !due.contains(&id::RAW_IMU) && !due.contains(&id::RC_CHANNELS),
        "off by default"
    );
    assert!(s.due(0.0).is_empty(), "nothing twice at the same time");
}

#[test]
fn default_rates_over_ten_seconds() {
    let mut s = StreamScheduler::new();
    let c = counts(&mut s, 0.0, 10.0, 0.01);
    assert_eq!(c[&id::HEARTBEAT], 10);
    assert_eq!(c[&id::SYS_STATUS], 20);
    assert_eq!(c[&id::BATTERY_STATUS], 20);
    assert_eq!(c[&id::ATTITUDE], 40);
    assert_eq!(c[&id::GLOBAL_POSITION_INT], 40);
    assert_eq!(c[&id::HOME_POSITION], 5);
}

#[test]
fn request_data_stream_sets_and_stops_a_group() {
    let mut s = StreamScheduler::new();
    assert!(s.handle_request_data_stream(&data_stream(MavDataStream::MAV_DATA_STREAM_POSITION, 10, 1), 1, 1));
    let c = counts(&mut s, 0.0, 10.0, 0.01);
    assert_eq!(c[&id::GLOBAL_POSITION_INT], 100);
    assert_eq!(c[&id::LOCAL_POSITION_NED], 100, "the whole group");
    assert_eq!(c[&id::ATTITUDE], 40, "other groups untouched");

    assert!(s.handle_request_data_stream(&data_stream(MavDataStream::MAV_DATA_STREAM_POSITION, 10, 0), 1, 1));
    let c = counts(&mut s, 10.0, 5.0, 0.01);
    assert!(!c.contains_key(&id::GLOBAL_POSITION_INT));
    assert_eq!(s.interval_s(id::GLOBAL_POSITION_INT), None);
}

#[test]
fn request_for_all_streams_leaves_heartbeat_and_home() {
    let mut s = StreamScheduler::new();
    // Broadcast (target 0) is for us too.
    let mut all_off = data_stream(MavDataStream::MAV_DATA_STREAM_ALL, 0, 1);
    if let MavMessage::REQUEST_DATA_STREAM(d) = &mut all_off {
        (d.target_system, d.target_component) = (0, 0);
    }
    assert!(s.handle_request_data_stream(&all_off, 1, 1));
    let c = counts(&mut s, 0.0, 4.0, 0.01);
    assert_eq!(
        c.keys().copied().collect::<Vec<_>>(),
        [id::HEARTBEAT, id::HOME_POSITION]
    );
    assert!(s.handle_request_data_stream(&data_stream(MavDataStream::MAV_DATA_STREAM_ALL, 5, 1), 1, 1));
    let c = counts(&mut s, 4.0, 2.0, 0.01);
    assert_eq!((c[&id::RAW_IMU], c[&id::VFR_HUD], c[&id::RC_CHANNELS]), (10, 10, 10));
}

#[test]
fn request_data_stream_for_someone_else_changes_nothing() {
    let mut s = StreamScheduler::new();
    assert!(!s.handle_request_data_stream(&data_stream(MavDataStream::MAV_DATA_STREAM_EXTRA1, 0, 0), 2, 1));
    assert!(!s.handle_request_data_stream(&data_stream(MavDataStream::MAV_DATA_STREAM_RAW_CONTROLLER, 5, 1), 1, 1));
    assert_eq!(s.interval_s(id::ATTITUDE), Some(0.25));
}

#[test]
fn set_interval_sets_disables_and_restores() {
    let mut s = StreamScheduler::new();
    assert_eq!(s.set_interval(id::ATTITUDE, 50_000.0), MavResult::MAV_RESULT_ACCEPTED);
    assert_eq!(counts(&mut s, 0.0, 5.0, 0.01)[&id::ATTITUDE], 100);
    assert_eq!(s.set_interval(id::ATTITUDE, -1.0), MavResult::MAV_RESULT_ACCEPTED);
    assert!(!counts(&mut s, 5.0, 2.0, 0.01).contains_key(&id::ATTITUDE));
    assert_eq!(s.set_interval(id::ATTITUDE, 0.0), MavResult::MAV_RESULT_ACCEPTED);
    assert_eq!(s.interval_s(id::ATTITUDE), Some(0.25));
    // Off-by-default messages can be switched on.
    assert_eq!(s.set_interval(id::RAW_IMU, 1_000_000.0), MavResult::MAV_RESULT_ACCEPTED);
    assert_eq!(counts(&mut s, 7.0, 3.0, 0.01)[&id::RAW_IMU], 3);
}

#[test]
fn set_interval_refusals() {
    let mut s = StreamScheduler::new();
    assert_eq!(s.set_interval(id::HEARTBEAT, -1.0), MavResult::MAV_RESULT_DENIED);
    assert_eq!(
        s.set_interval(id::HEARTBEAT, 500_000.0),
        MavResult::MAV_RESULT_ACCEPTED,
        "faster is fine"
    );
    assert_eq!(s.set_interval(9999, 100_000.0), MavResult::MAV_RESULT_FAILED);
    assert_eq!(s.set_interval(id::ATTITUDE, -5.0), MavResult::MAV_RESULT_FAILED);
    assert_eq!(s.set_interval(id::ATTITUDE, f64::NAN), MavResult::MAV_RESULT_FAILED);
    assert_eq!(s.interval_s(id::ATTITUDE), Some(0.25));
}

#[test]
fn last_request_wins_between_interval_and_group() {
    let mut s = StreamScheduler::new();
    s.set_interval(id::ATTITUDE, 50_000.0);
    s.handle_request_data_stream(&data_stream(MavDataStream::MAV_DATA_STREAM_EXTRA1, 2, 1), 1, 1);
    assert_eq!(s.interval_s(id::ATTITUDE), Some(0.5));
}

#[test]
fn one_shot_requests_come_once_without_duplicates() {
    let mut s = StreamScheduler::new();
    s.due(0.0);
    s.request_once(148); // AUTOPILOT_VERSION: not streamed
    s.request_once(id::HOME_POSITION);
    s.request_once(148);
    assert_eq!(s.due(0.1), [148, id::HOME_POSITION]);
    assert!(s.due(0.11).is_empty());
    // A one-shot that is also periodically due appears once.
    s.request_once(id::HEARTBEAT);
    assert_eq!(s.due(1.0).iter().filter(|&&m| m == id::HEARTBEAT).count(), 1);
}

#[test]
fn a_long_gap_does_not_burst() {
    let mut s = StreamScheduler::new();
    s.due(0.0);
    assert!(s.due(10.0).contains(&id::HEARTBEAT));
    assert!(!s.due(10.5).contains(&id::HEARTBEAT), "paced from the late send");
    assert!(s.due(11.0).contains(&id::HEARTBEAT));
}
