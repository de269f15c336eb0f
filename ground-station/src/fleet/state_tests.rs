//! Vehicle state from telemetry messages, without sockets.

use super::*;
use mavlink::dialects::ardupilotmega::{
    GLOBAL_POSITION_INT_DATA, GPS_RAW_INT_DATA, GpsFixType, MISSION_CURRENT_DATA, MISSION_ITEM_REACHED_DATA,
    MavSeverity, MavState, STATUSTEXT_DATA, SYS_STATUS_DATA,
};

const MS: Duration = Duration::from_millis(1);

fn header(component_id: u8, sequence: u8) -> MavHeader {
    MavHeader {
        system_id: 1,
        component_id,
        sequence,
    }
}

fn snapshot() -> VehicleSnapshot {
    VehicleSnapshot::new(1, 1, "127.0.0.1:5760".parse().unwrap(), true)
}

fn heartbeat(custom_mode: u32, armed: bool) -> MavMessage {
    let mut base = MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED;
    if armed {
        base |= MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED;
    }
    MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        custom_mode,
        mavtype: MavType::MAV_TYPE_QUADROTOR,
        autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
        base_mode: base,
        system_status: MavState::MAV_STATE_ACTIVE,
        mavlink_version: 3,
    })
}

#[test]
fn only_autopilots_are_vehicles() {
    let hb = |mavtype, autopilot| HEARTBEAT_DATA {
        mavtype,
        autopilot,
        ..HEARTBEAT_DATA::default()
    };
    assert!(is_autopilot(&hb(
        MavType::MAV_TYPE_QUADROTOR,
        MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA
    )));
    assert!(!is_autopilot(&hb(
        MavType::MAV_TYPE_GCS,
        MavAutopilot::MAV_AUTOPILOT_INVALID
    )));
    assert!(!is_autopilot(&hb(
        MavType::MAV_TYPE_ONBOARD_CONTROLLER,
        MavAutopilot::MAV_AUTOPILOT_INVALID
    )));
    // A companion computer that claims an autopilot type is still not a vehicle.
    assert!(!is_autopilot(&hb(
        MavType::MAV_TYPE_ONBOARD_CONTROLLER,
        MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA
    )));
    assert!(!is_autopilot(&hb(
        MavType::MAV_TYPE_CAMERA,
        MavAutopilot::MAV_AUTOPILOT_INVALID
    )));
}

#[test]
fn telemetry_fills_the_snapshot_and_changes_raise_events() {
    let mut snap = snapshot();
    let mut link = LinkTracker::default();
    let mut events = Vec::new();
    let t0 = Instant::now();
    let mut feed = |seq: u8, msg: MavMessage, events: &mut Vec<FleetEvent>| {
        apply(
            &mut snap,
            &mut link,
            t0 + u32::from(seq) * MS,
            1000,
            &header(1, seq),
            &msg,
            events,
        );
    };
    feed(0, heartbeat(4, false), &mut events);
    feed(1, heartbeat(4, true), &mut events);
    feed(
        2,
        MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
            lat: 443_975_000,
            lon: 89_005_000,
            alt: 34_500,
            relative_alt: 30_500,
            vx: 300,
            vy: 400,
            vz: -100,
            hdg: 9000,
            ..Default::default()
        }),
        &mut events,
    );
    feed(
        3,
        MavMessage::SYS_STATUS(SYS_STATUS_DATA {
            voltage_battery: 24_600,
            current_battery: 1250,
            battery_remaining: 87,
            ..Default::default()
        }),
        &mut events,
    );
    feed(
        4,
        MavMessage::GPS_RAW_INT(GPS_RAW_INT_DATA {
            fix_type: GpsFixType::GPS_FIX_TYPE_3D_FIX,
            satellites_visible: 14,
            ..Default::default()
        }),
        &mut events,
    );
    feed(
        5,
        MavMessage::MISSION_CURRENT(MISSION_CURRENT_DATA {
            seq: 3,
            total: 12,
            ..Default::default()
        }),
        &mut events,
    );
    feed(
        6,
        MavMessage::MISSION_ITEM_REACHED(MISSION_ITEM_REACHED_DATA { seq: 2 }),
        &mut events,
    );
    feed(
        7,
        MavMessage::STATUSTEXT(STATUSTEXT_DATA {
            severity: MavSeverity::MAV_SEVERITY_WARNING,
            text: "PreArm: GPS 1: Bad fix".into(),
            ..Default::default()
        }),
        &mut events,
    );
    let snap = snap;
    assert_eq!(snap.mode, "GUIDED");
    assert!(snap.armed);
    assert_eq!(snap.autopilot, "ARDUPILOTMEGA");
    let p = snap.position.unwrap();
    assert_eq!((p.lat, p.lon, p.alt_rel_m, p.alt_amsl_m), (44.3975, 8.9005, 30.5, 34.5));
    assert_eq!(snap.heading_deg, Some(90.0));
    assert_eq!(snap.ground_speed_m_s, Some(5.0));
    assert_eq!(snap.climb_m_s, Some(1.0));
    assert_eq!(snap.battery.voltage_v, Some(24.6));
    assert_eq!(snap.battery.current_a, Some(12.5));
    assert_eq!(snap.battery.remaining_pct, Some(87));
    let gps = snap.gps.clone().unwrap();
    assert_eq!(
        (gps.fix_type, gps.fix.as_str(), gps.satellites),
        (3, "3D_FIX", Some(14))
    );
    assert_eq!(snap.mission.current_seq, Some(3));
    assert_eq!(snap.mission.total, Some(12));
    assert_eq!(snap.mission.last_reached, Some(2));
    assert_eq!(snap.status_texts[0].text, "PreArm: GPS 1: Bad fix");
    assert_eq!(snap.status_texts[0].severity, "WARNING");
    assert_eq!(snap.link.received, 8);
    assert_eq!(snap.link.lost, 0);
    assert_eq!(
        events,
        vec![
            FleetEvent::ModeChanged {
                sysid: 1,
                mode: "GUIDED".into()
            },
            FleetEvent::ArmedChanged { sysid: 1, armed: true },
            FleetEvent::MissionCurrent {
                sysid: 1,
                seq: 3,
                total: 12
            },
            FleetEvent::MissionItemReached { sysid: 1, seq: 2 },
            FleetEvent::StatusText {
                sysid: 1,
                severity: "WARNING".into(),
                text: "PreArm: GPS 1: Bad fix".into()
            },
        ]
    );
    let json = serde_json::to_value(&snap).unwrap();
    assert_eq!(json["mode"], "GUIDED");
    assert_eq!(json["position"]["alt_rel_m"], 30.5);
    assert!(json.get("last_update").is_none());
}

#[test]
fn sequence_gaps_count_as_loss_per_component() {
    let mut snap = snapshot();
    let mut link = LinkTracker::default();
    let mut events = Vec::new();
    let t0 = Instant::now();
    // Autopilot 0, 1, (2, 3 lost), 4; the agent (component 191) has its own sequence.
    for (comp, seq) in [(1, 0), (191, 200), (1, 1), (191, 201), (1, 4), (1, 5), (191, 202)] {
        apply(
            &mut snap,
            &mut link,
            t0,
            0,
            &header(comp, seq),
            &heartbeat(0, false),
            &mut events,
        );
    }
    assert_eq!((snap.link.received, snap.link.lost), (7, 2));
    // Wrapping 255 → 0 is not a gap.
    apply(
        &mut snap,
        &mut link,
        t0,
        0,
        &header(7, 255),
        &heartbeat(0, false),
        &mut events,
    );
    apply(
        &mut snap,
        &mut link,
        t0,
        0,
        &header(7, 0),
        &heartbeat(0, false),
        &mut events,
    );
    assert_eq!(snap.link.lost, 2);
    check_link(
        &mut snap,
        &mut link,
        t0 + 1000 * MS,
        Duration::from_secs(3),
        &mut events,
    );
    // The first check only starts the window.
    apply(
        &mut snap,
        &mut link,
        t0 + 1100 * MS,
        0,
        &header(1, 9),
        &heartbeat(0, false),
        &mut events,
    );
    check_link(
        &mut snap,
        &mut link,
        t0 + 2000 * MS,
        Duration::from_secs(3),
        &mut events,
    );
    assert_eq!(snap.link.rx_rate_hz, 1.0);
    assert_eq!(snap.link.loss_pct, 75.0, "3 lost (6, 7, 8) for 1 received");
}

#[test]
fn silence_loses_the_link_and_a_frame_regains_it() {
    let mut snap = snapshot();
    let mut link = LinkTracker::default();
    let mut events = Vec::new();
    let t0 = Instant::now();
    apply(
        &mut snap,
        &mut link,
        t0,
        0,
        &header(1, 0),
        &heartbeat(0, false),
        &mut events,
    );
    events.clear();
    let timeout = Duration::from_secs(3);
    check_link(&mut snap, &mut link, t0 + 2999 * MS, timeout, &mut events);
    assert!(snap.link.connected);
    assert!(check_link(&mut snap, &mut link, t0 + 3000 * MS, timeout, &mut events));
    assert!(!snap.link.connected);
    assert_eq!(snap.link.drops, 1);
    apply(
        &mut snap,
        &mut link,
        t0 + 4000 * MS,
        0,
        &header(1, 1),
        &heartbeat(0, false),
        &mut events,
    );
    assert!(snap.link.connected);
    assert_eq!(
        events,
        vec![FleetEvent::LinkLost { sysid: 1 }, FleetEvent::LinkRegained { sysid: 1 }]
    );
}

#[test]
fn only_the_autopilot_component_moves_the_vehicle_and_texts_are_capped() {
    let mut snap = snapshot();
    let mut link = LinkTracker::default();
    let mut events = Vec::new();
    let t0 = Instant::now();
    let position = MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
        lat: 1,
        ..Default::default()
    });
    apply(&mut snap, &mut link, t0, 0, &header(191, 0), &position, &mut events);
    assert_eq!(
        snap.position, None,
        "the agent's copy of a position is not the autopilot's"
    );
    for i in 0..30u8 {
        let text = MavMessage::STATUSTEXT(STATUSTEXT_DATA {
            severity: MavSeverity::MAV_SEVERITY_INFO,
            text: format!("text {i}").as_str().into(),
            ..Default::default()
        });
        apply(&mut snap, &mut link, t0, 0, &header(191, i + 1), &text, &mut events);
    }
    assert_eq!(snap.status_texts.len(), 20);
    assert_eq!(snap.status_texts[0].text, "text 10");
    assert_eq!(snap.status_texts[19].text, "text 29");
}
