//! Mission server under random message sequences: no panic, stored lists stay well-formed, replies go to the sender.

use super::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Count {
        peer: bool,
        n: u16,
        kind: u8,
    },
    Item {
        peer: bool,
        seq: u16,
        kind: u8,
        legacy: bool,
    },
    RequestList {
        peer: bool,
        kind: u8,
    },
    Request {
        peer: bool,
        seq: u16,
        kind: u8,
    },
    Ack {
        peer: bool,
        kind: u8,
    },
    Clear {
        peer: bool,
        kind: u8,
    },
    Wait(f64),
}

fn wire_type(kind: u8) -> WireType {
    [MISSION, FENCE, RALLY, WireType::MAV_MISSION_TYPE_ALL][usize::from(kind % 4)]
}

fn op() -> impl Strategy<Value = Op> {
    let peer = any::<bool>();
    prop_oneof![
        (peer, 0u16..6, 0u8..4).prop_map(|(peer, n, kind)| Op::Count { peer, n, kind }),
        (peer, 0u16..6, 0u8..4, any::<bool>()).prop_map(|(peer, seq, kind, legacy)| Op::Item {
            peer,
            seq,
            kind,
            legacy
        }),
        (peer, 0u8..4).prop_map(|(peer, kind)| Op::RequestList { peer, kind }),
        (peer, 0u16..6, 0u8..4).prop_map(|(peer, seq, kind)| Op::Request { peer, seq, kind }),
        (peer, 0u8..4).prop_map(|(peer, kind)| Op::Ack { peer, kind }),
        (peer, 0u8..4).prop_map(|(peer, kind)| Op::Clear { peer, kind }),
        (0.0f64..4.0).prop_map(Op::Wait),
    ]
}

/// The message for an op; rally/fence items are rally points (valid in a rally list only).
fn message(op: &Op) -> Option<MavMessage> {
    let target = |kind: u8| (wire_type(kind), 1u8, 1u8);
    Some(match *op {
        Op::Count { n, kind, .. } => count(n, wire_type(kind)),
        Op::Item { seq, kind, legacy, .. } => {
            let mut item = waypoint(seq);
            item.mission_type = wire_type(kind);
            if kind % 4 == 2 {
                item.command = MavCmd::MAV_CMD_NAV_RALLY_POINT;
            }
            if legacy {
                MavMessage::MISSION_ITEM(items::int_to_legacy(&item))
            } else {
                MavMessage::MISSION_ITEM_INT(item)
            }
        }
        Op::RequestList { kind, .. } => {
            let (mission_type, target_system, target_component) = target(kind);
            MavMessage::MISSION_REQUEST_LIST(MISSION_REQUEST_LIST_DATA {
                target_system,
                target_component,
                mission_type,
            })
        }
        Op::Request { seq, kind, .. } => {
            let (mission_type, target_system, target_component) = target(kind);
            MavMessage::MISSION_REQUEST_INT(MISSION_REQUEST_INT_DATA {
                seq,
                target_system,
                target_component,
                mission_type,
            })
        }
        Op::Ack { kind, .. } => MavMessage::MISSION_ACK(MISSION_ACK_DATA {
            target_system: 1,
            target_component: 1,
            mavtype: R::MAV_MISSION_ACCEPTED,
            mission_type: wire_type(kind),
            opaque_id: 0,
        }),
        Op::Clear { kind, .. } => {
            let (mission_type, target_system, target_component) = target(kind);
            MavMessage::MISSION_CLEAR_ALL(MISSION_CLEAR_ALL_DATA {
                target_system,
                target_component,
                mission_type,
            })
        }
        Op::Wait(_) => return None,
    })
}

fn sender_of(op: &Op) -> MavHeader {
    let peer = match *op {
        Op::Count { peer, .. }
        | Op::Item { peer, .. }
        | Op::RequestList { peer, .. }
        | Op::Request { peer, .. }
        | Op::Ack { peer, .. }
        | Op::Clear { peer, .. } => peer,
        Op::Wait(_) => true,
    };
    if peer { GCS } else { OTHER }
}

proptest! {
    #[test]
    fn random_sequences_keep_the_server_consistent(ops in proptest::collection::vec(op(), 1..60)) {
        let mut s = server();
        let mut now = 0.0;
        for op in &ops {
            let reply = match (op, message(op)) {
                (Op::Wait(dt), _) => {
                    now += dt;
                    s.poll(now)
                }
                (_, Some(msg)) => {
                    let from = sender_of(op);
                    let reply = s.handle(now, &from, &msg);
                    for m in &reply.messages {
                        if let Some(target) = mavlink::Message::target_system_id(m) {
                            prop_assert_eq!(u32::from(target), from.system_id, "reply to the sender: {:?}", m);
                        }
                    }
                    reply
                }
                (_, None) => unreachable!("only Wait has no message"),
            };
            for event in &reply.events {
                prop_assert!(!matches!(event, MissionEvent::Uploaded(MavMissionType::MAV_MISSION_TYPE_ALL)));
            }
            let store = s.store();
            for (list, t) in [
                (&store.mission, MavMissionType::MAV_MISSION_TYPE_MISSION),
                (&store.fence, MavMissionType::MAV_MISSION_TYPE_FENCE),
                (&store.rally, MavMissionType::MAV_MISSION_TYPE_RALLY),
            ] {
                for (i, item) in list.iter().enumerate() {
                    prop_assert_eq!(usize::from(item.seq), i);
                    prop_assert_eq!(item.mission_type, t);
                }
            }
            prop_assert!(store.fence.is_empty(), "no valid fence can be built from these items");
        }
    }
}
