//! Codec tests: framing, rejection reasons and counters, signing policy.

use super::*;
use mavlink::dialects::ardupilotmega::{COMMAND_LONG_DATA, HEARTBEAT_DATA, MavCmd, RADIO_STATUS_DATA};

const KEY: [u8; 32] = [7; 32];

fn key(secret: [u8; 32]) -> Option<SigningKey> {
    Some(SigningKey { secret, link_id: 3 })
}

fn heartbeat() -> MavMessage {
    MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        custom_mode: 4,
        mavlink_version: 3,
        ..Default::default()
    })
}

fn arm() -> MavMessage {
    MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        param1: 1.0,
        command: MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
        target_system: 1,
        target_component: 1,
        ..Default::default()
    })
}

fn accepted(results: &[Decoded]) -> Vec<(MavHeader, MavMessage)> {
    results.iter().filter_map(|r| r.as_ref().ok().cloned()).collect()
}

fn reasons(results: &[Decoded]) -> Vec<RejectReason> {
    results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| e.reason.clone()))
        .collect()
}

#[test]
fn encoded_frames_decode_with_our_header_and_sequence() {
    let mut gcs = Codec::new(255, 190, None);
    let mut vehicle = Codec::new(1, 1, None);
    let first = gcs.encode(&arm());
    let second = gcs.encode(&heartbeat());
    assert_eq!(first[0], mavlink::MAV_STX_V2, "MAVLink 2");
    let decoded = accepted(&vehicle.decode(&[first, second].concat()));
    assert_eq!(decoded.len(), 2);
    assert_eq!(
        decoded[0].0,
        MavHeader {
            system_id: 255,
            component_id: 190,
            sequence: 0
        }
    );
    assert_eq!(decoded[0].1, arm());
    assert_eq!((decoded[1].0.sequence, &decoded[1].1), (1, &heartbeat()));
    assert_eq!((gcs.stats().sent, vehicle.stats().accepted), (2, 2));
}

#[test]
fn sequence_wraps_after_255() {
    let mut codec = Codec::new(1, 1, None);
    for _ in 0..256 {
        codec.encode(&heartbeat());
    }
    let frame = codec.encode(&heartbeat());
    assert_eq!(frame[4], 0, "sequence byte of the 257th frame");
}

#[test]
fn mavlink_1_frames_decode_too() {
    let mut v1 = Vec::new();
    let header = MavHeader {
        system_id: 255,
        component_id: 0,
        sequence: 9,
    };
    mavlink::write_v1_msg(&mut v1, header, &heartbeat()).unwrap();
    let mut vehicle = Codec::new(1, 1, None);
    let decoded = accepted(&vehicle.decode(&v1));
    assert_eq!(decoded, [(header, heartbeat())]);
}

#[test]
fn a_bad_crc_is_one_rejection_and_the_next_frame_survives() {
    let mut gcs = Codec::new(255, 190, None);
    let mut corrupt = gcs.encode(&arm());
    corrupt[12] ^= 0x55;
    let good = gcs.encode(&heartbeat());
    let mut vehicle = Codec::new(1, 1, None);
    let results = vehicle.decode(&[corrupt, good].concat());
    assert_eq!(reasons(&results), [RejectReason::BadCrc { msg_id: 76 }]);
    assert_eq!(accepted(&results).len(), 1);
    assert!(results[0].is_err() && results[1].is_ok(), "in datagram order");
    assert_eq!((vehicle.stats().bad_crc, vehicle.stats().rejected()), (1, 1));
}

#[test]
fn unknown_message_ids_are_named() {
    // A MAVLink 2 frame for id 60000, which no dialect we know defines, with a checksum
    // computed the only way we can: CRC_EXTRA 0.
    let mut frame = vec![mavlink::MAV_STX_V2, 1, 0, 0, 0, 255, 190, 0x60, 0xEA, 0x00, 42];
    let crc = calculate_crc(&frame[1..], 0);
    frame.extend(crc.to_le_bytes());
    let mut vehicle = Codec::new(1, 1, None);
    assert_eq!(
        reasons(&vehicle.decode(&frame)),
        [RejectReason::UnknownMessage { msg_id: 60000 }]
    );
    // With any other checksum it is still unknown, not a bad CRC.
    let last = frame.len() - 1;
    frame[last] ^= 1;
    assert_eq!(
        reasons(&vehicle.decode(&frame)),
        [RejectReason::UnknownMessage { msg_id: 60000 }]
    );
    assert_eq!(vehicle.stats().unknown_message, 2);
}

#[test]
fn junk_and_truncated_frames_are_rejected() {
    let mut gcs = Codec::new(255, 190, None);
    let mut vehicle = Codec::new(1, 1, None);
    let results = vehicle.decode(b"hello");
    assert_eq!(reasons(&results), [RejectReason::Junk { len: 5 }]);
    let frame = gcs.encode(&heartbeat());
    let results = vehicle.decode(&frame[..frame.len() - 3]);
    assert!(matches!(reasons(&results)[..], [RejectReason::Truncated { .. }]));
    assert_eq!(vehicle.stats().framing, 2);
    assert!(vehicle.decode(&[]).is_empty());
}

#[test]
fn signed_link_accepts_only_frames_signed_with_its_key() {
    let mut gcs = Codec::new(255, 190, key(KEY));
    let mut wrong = Codec::new(255, 190, key([8; 32]));
    let mut unsigned = Codec::new(255, 190, None);
    let mut vehicle = Codec::new(1, 1, key(KEY));

    let signed = gcs.encode(&arm());
    assert_eq!(signed[2] & 0x01, 0x01, "signed flag");
    assert_eq!(signed.len(), 10 + usize::from(signed[1]) + 2 + 13);
    assert_eq!(
        accepted(&vehicle.decode(&signed)),
        [(
            MavHeader {
                system_id: 255,
                component_id: 190,
                sequence: 0
            },
            arm()
        )]
    );
    assert_eq!(
        reasons(&vehicle.decode(&wrong.encode(&arm()))),
        [RejectReason::BadSignature { msg_id: 76 }]
    );
    assert_eq!(
        reasons(&vehicle.decode(&unsigned.encode(&arm()))),
        [RejectReason::Unsigned { msg_id: 76 }]
    );
    // The same signed frame again is a replay.
    assert_eq!(
        reasons(&vehicle.decode(&signed)),
        [RejectReason::Replayed { msg_id: 76 }]
    );
    // A newer frame of the same stream is fine.
    assert_eq!(accepted(&vehicle.decode(&gcs.encode(&heartbeat()))).len(), 1);
    let stats = vehicle.stats();
    assert_eq!(
        (stats.accepted, stats.bad_signature, stats.unsigned, stats.replayed),
        (2, 1, 1, 1)
    );
}

#[test]
fn signed_link_refuses_mavlink_1_but_takes_unsigned_radio_status() {
    let mut vehicle = Codec::new(1, 1, key(KEY));
    let mut v1 = Vec::new();
    mavlink::write_v1_msg(&mut v1, MavHeader::default(), &heartbeat()).unwrap();
    assert_eq!(reasons(&vehicle.decode(&v1)), [RejectReason::Unsigned { msg_id: 0 }]);
    let radio = MavMessage::RADIO_STATUS(RADIO_STATUS_DATA {
        rssi: 200,
        ..Default::default()
    });
    let frame = Codec::new(51, 68, None).encode(&radio);
    assert_eq!(accepted(&vehicle.decode(&frame)).len(), 1);
}

#[test]
fn without_a_key_signed_frames_are_accepted() {
    let mut gcs = Codec::new(255, 190, key(KEY));
    let mut vehicle = Codec::new(1, 1, None);
    assert_eq!(accepted(&vehicle.decode(&gcs.encode(&arm()))).len(), 1);
}

#[test]
fn setup_signing_installs_a_key_and_a_zero_key_removes_it() {
    let mut vehicle = Codec::new(1, 1, None);
    let mut setup = SETUP_SIGNING_DATA {
        initial_timestamp: 0,
        target_system: 1,
        target_component: 1,
        secret_key: KEY,
    };
    assert!(vehicle.apply_setup_signing(&setup));
    assert_eq!(vehicle.signing_key().map(|k| k.secret), Some(KEY));
    let mut unsigned = Codec::new(255, 190, None);
    assert_eq!(
        reasons(&vehicle.decode(&unsigned.encode(&arm()))).len(),
        1,
        "now refused"
    );
    // Our own frames are signed from now on, and verify with the key.
    let frame = vehicle.encode(&heartbeat());
    assert_eq!(accepted(&Codec::new(255, 190, key(KEY)).decode(&frame)).len(), 1);

    setup.secret_key = [0; 32];
    assert!(!vehicle.apply_setup_signing(&setup));
    assert!(vehicle.signing_key().is_none());
    assert_eq!(
        accepted(&vehicle.decode(&unsigned.encode(&arm()))).len(),
        1,
        "accepted again"
    );
}

#[test]
fn debug_output_never_shows_the_secret() {
    let codec = Codec::new(1, 1, key([0xAB; 32]));
    let text = format!("{codec:?}");
    assert!(text.contains("link_id: 3"));
    assert!(!text.contains("171"), "171 = 0xAB: {text}");
}

fn not_a_marker() -> impl proptest::strategy::Strategy<Value = u8> {
    use proptest::prelude::*;
    any::<u8>().prop_filter("not a start-of-frame byte", |b| {
        *b != mavlink::MAV_STX && *b != mavlink::MAV_STX_V2
    })
}

proptest::proptest! {
    #[test]
    fn any_datagram_decodes_without_panic_and_every_result_is_counted(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        signed in proptest::prelude::any::<bool>(),
    ) {
        let mut codec = Codec::new(1, 1, if signed { key(KEY) } else { None });
        let results = codec.decode(&bytes);
        let stats = codec.stats();
        proptest::prop_assert_eq!(stats.accepted + stats.rejected(), results.len() as u64);
    }

    #[test]
    fn a_frame_between_junk_is_found(
        before in proptest::collection::vec(not_a_marker(), 0..40),
        after in proptest::collection::vec(not_a_marker(), 0..40),
    ) {
        let frame = Codec::new(255, 190, None).encode(&arm());
        let datagram = [before.clone(), frame, after.clone()].concat();
        let mut vehicle = Codec::new(1, 1, None);
        let results = vehicle.decode(&datagram);
        let messages: Vec<MavMessage> = accepted(&results).into_iter().map(|(_, m)| m).collect();
        proptest::prop_assert_eq!(messages, vec![arm()]);
        let junk = usize::from(!before.is_empty()) + usize::from(!after.is_empty());
        proptest::prop_assert_eq!(results.len(), 1 + junk);
    }
}

#[test]
fn keys_are_read_from_64_hex_digits() {
    let key = SigningKey::from_hex(&format!(" {}\n", "0a".repeat(32))).unwrap();
    assert_eq!((key.secret, key.link_id), ([10u8; 32], 0));
    for bad in ["", "0a", &"zz".repeat(32), &"0a".repeat(33), &"é".repeat(32)] {
        assert_eq!(SigningKey::from_hex(bad), Err(BadKey), "{bad:?}");
    }
}

#[test]
fn the_air_link_key_comes_from_a_file_or_is_required_unless_allowed() {
    // An environment variable nobody sets, so that only the file and the policy decide.
    const UNSET: &str = "PORTOPS_TEST_SIGNING_KEY_NEVER_SET";
    let dir = std::env::temp_dir().join(format!("mavlink-io-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.key");
    std::fs::write(&good, format!("{}\n", "07".repeat(32))).unwrap();
    let key = SigningKey::from_env_or_file(UNSET, Some(&good), "signing_key_file", false)
        .unwrap()
        .expect("a key");
    assert_eq!(key.secret, KEY);

    let missing = SigningKey::from_env_or_file(UNSET, None, "signing_key_file", false).unwrap_err();
    let text = missing.to_string();
    assert!(text.contains(UNSET) && text.contains("signing_key_file"), "{text}");
    assert!(
        SigningKey::from_env_or_file(UNSET, None, "signing_key_file", true)
            .unwrap()
            .is_none()
    );

    let bad = dir.join("bad.key");
    std::fs::write(&bad, "not hex").unwrap();
    let err = SigningKey::from_env_or_file(UNSET, Some(&bad), "signing_key_file", true).unwrap_err();
    assert!(matches!(err, KeySourceError::Bad { .. }), "{err}");
    assert!(err.to_string().contains("bad.key"), "{err}");
    let absent = dir.join("absent.key");
    let err = SigningKey::from_env_or_file(UNSET, Some(&absent), "signing_key_file", true).unwrap_err();
    assert!(matches!(err, KeySourceError::Unreadable { .. }), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
