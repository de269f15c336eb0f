//! A vehicle's MAVLink side as a ground station sees it, bytes in and out without sockets:
//! stream rates, command acknowledgements, home at mission item 0, SETUP_SIGNING.

use mavlink::dialects::ardupilotmega::{
    COMMAND_LONG_DATA, MISSION_REQUEST_INT_DATA, MISSION_REQUEST_LIST_DATA, MavCmd, MavMessage, MavResult,
    SETUP_SIGNING_DATA,
};
use mission::geodesy::Geodetic;
use sim::autopilot::{Vehicle, VehicleConfig};
use sim::link::VehicleLink;
use sim::protocol::{Codec, SigningKey};
use sim::runner::STEP_S;

const HOME: Geodetic = Geodetic::new(44.3975, 8.9005, 4.0);

struct Gcs {
    codec: Codec,
}

impl Gcs {
    fn new() -> Self {
        Self {
            codec: Codec::new(255, 190, None),
        }
    }

    fn send(&mut self, link: &mut VehicleLink, msg: MavMessage) -> Vec<MavMessage> {
        let replies = link.receive(&self.codec.encode(&msg));
        self.read(&replies)
    }

    fn read(&mut self, datagrams: &[Vec<u8>]) -> Vec<MavMessage> {
        datagrams
            .iter()
            .flat_map(|d| self.codec.decode(d))
            .filter_map(|r| r.ok().map(|(_, m)| m))
            .collect()
    }

    /// Run the vehicle for `seconds`, collecting what it sends.
    fn listen(&mut self, link: &mut VehicleLink, seconds: f64) -> Vec<MavMessage> {
        let mut out = Vec::new();
        for _ in 0..(seconds / STEP_S).round() as usize {
            let datagrams = link.tick(STEP_S);
            out.extend(self.read(&datagrams));
        }
        out
    }
}

fn command(cmd: MavCmd, p: [f32; 7]) -> MavMessage {
    MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        param1: p[0],
        param2: p[1],
        param3: p[2],
        param4: p[3],
        param5: p[4],
        param6: p[5],
        param7: p[6],
        command: cmd,
        target_system: 1,
        target_component: 1,
        confirmation: 0,
    })
}

fn ack_of(msgs: &[MavMessage], cmd: MavCmd) -> Option<MavResult> {
    msgs.iter().find_map(|m| match m {
        MavMessage::COMMAND_ACK(a) if a.command == cmd => Some(a.result),
        _ => None,
    })
}

fn count(msgs: &[MavMessage], pred: impl Fn(&MavMessage) -> bool) -> usize {
    msgs.iter().filter(|m| pred(m)).count()
}

fn link(signing: Option<SigningKey>) -> VehicleLink {
    VehicleLink::new(Vehicle::new(VehicleConfig::new(1, HOME, 4)), signing, 4)
}

#[test]
fn set_message_interval_changes_a_stream_rate() {
    let mut l = link(None);
    let mut gcs = Gcs::new();
    let gpi = |m: &MavMessage| matches!(m, MavMessage::GLOBAL_POSITION_INT(_));
    let before = count(&gcs.listen(&mut l, 10.0), gpi);
    assert!((38..=42).contains(&before), "default 4 Hz: {before} in 10 s");
    let reply = gcs.send(
        &mut l,
        command(
            MavCmd::MAV_CMD_SET_MESSAGE_INTERVAL,
            [33.0, 100_000.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
    );
    assert_eq!(
        ack_of(&reply, MavCmd::MAV_CMD_SET_MESSAGE_INTERVAL),
        Some(MavResult::MAV_RESULT_ACCEPTED)
    );
    let after = count(&gcs.listen(&mut l, 10.0), gpi);
    assert!((98..=102).contains(&after), "10 Hz: {after} in 10 s");
    let heartbeats = count(&gcs.listen(&mut l, 10.0), |m| matches!(m, MavMessage::HEARTBEAT(_)));
    assert!((9..=11).contains(&heartbeats));
}

#[test]
fn every_command_is_acknowledged_even_the_unsupported() {
    let mut l = link(None);
    let mut gcs = Gcs::new();
    gcs.listen(&mut l, 2.0);
    let reply = gcs.send(
        &mut l,
        command(MavCmd::MAV_CMD_DO_SET_SERVO, [9.0, 1500.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    );
    assert_eq!(
        ack_of(&reply, MavCmd::MAV_CMD_DO_SET_SERVO),
        Some(MavResult::MAV_RESULT_UNSUPPORTED)
    );
    assert!(
        reply.iter().any(|m| matches!(m, MavMessage::STATUSTEXT(_))),
        "and says so"
    );
    let reply = gcs.send(
        &mut l,
        command(MavCmd::MAV_CMD_REQUEST_MESSAGE, [148.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    );
    assert_eq!(
        ack_of(&reply, MavCmd::MAV_CMD_REQUEST_MESSAGE),
        Some(MavResult::MAV_RESULT_ACCEPTED)
    );
    let next = gcs.listen(&mut l, 0.1);
    assert_eq!(
        count(&next, |m| matches!(m, MavMessage::AUTOPILOT_VERSION(_))),
        1,
        "sent once, on request"
    );
    let reply = gcs.send(
        &mut l,
        command(MavCmd::MAV_CMD_NAV_TAKEOFF, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0]),
    );
    assert_eq!(
        ack_of(&reply, MavCmd::MAV_CMD_NAV_TAKEOFF),
        Some(MavResult::MAV_RESULT_FAILED),
        "not armed"
    );
}

#[test]
fn an_empty_mission_still_holds_home_at_item_0() {
    let mut l = link(None);
    let mut gcs = Gcs::new();
    let count_reply = gcs.send(
        &mut l,
        MavMessage::MISSION_REQUEST_LIST(MISSION_REQUEST_LIST_DATA {
            target_system: 1,
            target_component: 1,
            mission_type: Default::default(),
        }),
    );
    let Some(MavMessage::MISSION_COUNT(c)) = count_reply.first() else {
        panic!("{count_reply:?}")
    };
    assert_eq!(c.count, 1);
    let item = gcs.send(
        &mut l,
        MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
            seq: 0,
            target_system: 1,
            target_component: 1,
            mission_type: Default::default(),
        }),
    );
    let Some(MavMessage::MISSION_ITEM_INT(home)) = item.first() else {
        panic!("{item:?}")
    };
    assert_eq!(
        (home.x, home.y),
        ((HOME.lat * 1e7).round() as i32, (HOME.lon * 1e7).round() as i32)
    );
    assert!((home.z - 4.0).abs() < 1e-3, "AMSL altitude");
}

#[test]
fn setup_signing_installs_a_key_and_unsigned_traffic_is_then_refused() {
    let mut l = link(None);
    let mut gcs = Gcs::new();
    let secret = [7u8; 32];
    let reply = gcs.send(
        &mut l,
        MavMessage::SETUP_SIGNING(SETUP_SIGNING_DATA {
            initial_timestamp: 0,
            target_system: 1,
            target_component: 1,
            secret_key: secret,
        }),
    );
    assert!(
        reply
            .iter()
            .any(|m| matches!(m, MavMessage::STATUSTEXT(t) if t.text.to_str().unwrap_or("").contains("Signing")))
    );
    // An unsigned command is now refused without a word.
    let reply = gcs.send(
        &mut l,
        command(MavCmd::MAV_CMD_REQUEST_MESSAGE, [148.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    );
    assert!(reply.is_empty(), "{reply:?}");
    assert!(l.stats().codec.rejected() >= 1);
    // Signed with the key, it is answered.
    let mut signed = Gcs {
        codec: Codec::new(255, 190, Some(SigningKey { secret, link_id: 0 })),
    };
    let reply = signed.send(
        &mut l,
        command(MavCmd::MAV_CMD_REQUEST_MESSAGE, [148.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    );
    assert_eq!(
        ack_of(&reply, MavCmd::MAV_CMD_REQUEST_MESSAGE),
        Some(MavResult::MAV_RESULT_ACCEPTED)
    );
}
