//! Tests of the router's pure core: routing by target, signing on the air side, refusals.

use super::*;
use mavlink::dialects::ardupilotmega::{COMMAND_LONG_DATA, GLOBAL_POSITION_INT_DATA, MavCmd, PARAM_REQUEST_LIST_DATA};

fn key(b: u8) -> SigningKey {
    SigningKey {
        secret: [b; 32],
        link_id: 0,
    }
}

fn arm() -> MavMessage {
    MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        command: MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
        param1: 1.0,
        target_system: 1,
        target_component: 1,
        ..Default::default()
    })
}

fn decode_all(codec: &mut Codec, datagrams: &[(Link, Vec<u8>)], to: Link) -> Vec<(MavHeader, MavMessage)> {
    datagrams
        .iter()
        .filter(|(l, _)| *l == to)
        .flat_map(|(_, d)| codec.decode(d))
        .filter_map(Result::ok)
        .collect()
}

#[test]
fn signed_commands_reach_the_autopilot_and_unsigned_ones_do_not() {
    let mut r = Router::new(1, 1, Some(key(9)));
    let mut gcs = Codec::new(255, 190, Some(key(9)));
    let out = r.route(0.0, Link::Gcs(0), &gcs.encode(&arm()));
    let mut ap = Codec::new(1, 1, None);
    let got = decode_all(&mut ap, &out, Link::Autopilot);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].0.system_id, got[0].0.component_id),
        (255, 190),
        "the sender is kept"
    );
    let mut unsigned = Codec::new(255, 190, None);
    assert!(r.route(0.1, Link::Gcs(0), &unsigned.encode(&arm())).is_empty());
    let mut wrong = Codec::new(255, 190, Some(key(8)));
    assert!(r.route(0.2, Link::Gcs(0), &wrong.encode(&arm())).is_empty());
    let stats = r.stats();
    assert_eq!(stats.gcs_codecs[0].rejected(), 2, "{stats:?}");
}

#[test]
fn autopilot_telemetry_goes_signed_to_every_ground_station_and_updates_state() {
    let mut r = Router::new(1, 2, Some(key(3)));
    let mut ap = Codec::new(1, 1, None);
    let pos = MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
        lat: 443_975_000,
        lon: 89_005_000,
        alt: 64_000,
        relative_alt: 60_000,
        ..Default::default()
    });
    let out = r.route(5.0, Link::Autopilot, &ap.encode(&pos));
    assert_eq!(out.len(), 2);
    let mut gcs = Codec::new(255, 190, Some(key(3)));
    assert_eq!(
        decode_all(&mut gcs, &out, Link::Gcs(1)).len(),
        1,
        "verifies with the key"
    );
    let mut unkeyed = Codec::new(255, 190, Some(key(4)));
    assert!(
        decode_all(&mut unkeyed, &out, Link::Gcs(0)).is_empty(),
        "fails with another key"
    );
    assert_eq!(r.state().relative_alt_m, Some(60.0));
}

#[test]
fn messages_for_one_ground_station_go_only_to_its_link_and_the_agent_heartbeats() {
    let mut r = Router::new(1, 2, None);
    let mut a = Codec::new(255, 190, None);
    let mut b = Codec::new(250, 190, None);
    let list = |s| {
        MavMessage::PARAM_REQUEST_LIST(PARAM_REQUEST_LIST_DATA {
            target_system: s,
            target_component: 1,
        })
    };
    r.route(0.0, Link::Gcs(0), &a.encode(&list(1)));
    r.route(0.0, Link::Gcs(1), &b.encode(&list(1)));
    // The autopilot answers system 250 only.
    let mut ap = Codec::new(1, 1, None);
    let ack = MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        target_system: 250,
        target_component: 190,
        ..Default::default()
    });
    let out = r.route(0.1, Link::Autopilot, &ap.encode(&ack));
    assert_eq!(out.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![Link::Gcs(1)]);
    let beats = r.tick(1.0);
    assert_eq!(beats.len(), 3, "autopilot and both ground stations");
    let mut reader = Codec::new(255, 190, None);
    let (h, m) = &decode_all(&mut reader, &beats, Link::Gcs(0))[0];
    assert_eq!((h.system_id, h.component_id), (1, AGENT_COMPID));
    assert!(matches!(m, MavMessage::HEARTBEAT(hb) if hb.mavtype == MavType::MAV_TYPE_ONBOARD_CONTROLLER));
    assert!(r.tick(1.5).is_empty(), "once a second");
}
