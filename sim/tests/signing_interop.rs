//! MAVLink 2 signing between our codec and pymavlink, both ways: right key accepted, wrong key and unsigned refused.
//!
//! Runs `sim/tests/peers/signing_peer.py` with the interpreter in `PORTOPS_PYTHON`, else
//! `<workspace>/.venv/bin/python`. Without one that can import pymavlink the tests print
//! SKIPPED, or fail when `PORTOPS_REQUIRE_PEERS=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

use mavlink::MavHeader;
use mavlink::dialects::ardupilotmega::{COMMAND_LONG_DATA, HEARTBEAT_DATA, MavCmd, MavMessage};
use serde_json::Value;
use sim::protocol::{Codec, RejectReason, SigningKey};
use testkit::{TempFile, workspace_root};

const KEY: [u8; 32] = *b"port-ops signing interop key 32b";
const WRONG: [u8; 32] = *b"some other key, thirty-two bytes";

fn python() -> Option<PathBuf> {
    testkit::python(
        "pymavlink",
        "import os; os.environ['MAVLINK20'] = '1'; import pymavlink.mavutil, pymavlink.dialects.v20.ardupilotmega",
    )
}

fn hex(key: &[u8; 32]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs the peer and returns its JSON Lines output.
fn peer(python: &Path, command: &str, key: &str, file: &Path) -> Vec<Value> {
    let mut c = Command::new(python);
    c.arg(workspace_root().join("sim/tests/peers/signing_peer.py"))
        .args([command, key])
        .arg(file);
    testkit::json_lines(c, &format!("signing_peer.py {command}"))
}

fn arm() -> MavMessage {
    MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        param1: 1.0,
        command: MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
        target_system: 255,
        target_component: 190,
        ..Default::default()
    })
}

fn heartbeat() -> MavMessage {
    MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        custom_mode: 3,
        mavlink_version: 3,
        ..Default::default()
    })
}

/// Our two signed frames (system 1, component 1) in a file.
fn our_frames(key: [u8; 32]) -> TempFile {
    let mut codec = Codec::new(
        1,
        1,
        Some(SigningKey {
            secret: key,
            link_id: 2,
        }),
    );
    let bytes = [codec.encode(&arm()), codec.encode(&heartbeat())].concat();
    let file = TempFile::new("signing", "ours", "bin");
    std::fs::write(&file.0, bytes).expect("write frames");
    file
}

#[test]
fn pymavlink_verifies_our_signed_frames_with_the_right_key_only() {
    let Some(python) = python() else { return };
    let file = our_frames(KEY);

    let lines = peer(&python, "verify", &hex(&KEY), &file.0);
    assert_eq!(lines.len(), 3, "two frames and a summary: {lines:?}");
    for (line, name) in lines.iter().zip(["COMMAND_LONG", "HEARTBEAT"]) {
        assert_eq!(line["ok"], true, "{line}");
        assert_eq!(
            (line["name"].as_str(), line["signed"].as_bool()),
            (Some(name), Some(true))
        );
        assert_eq!((line["sysid"].as_u64(), line["compid"].as_u64()), (Some(1), Some(1)));
    }
    assert_eq!(lines[0]["fields"]["command"], 400);
    assert_eq!(lines[0]["fields"]["param1"], 1.0);
    assert_eq!(lines[1]["fields"]["custom_mode"], 3);
    assert_eq!(lines[2]["summary"]["goodsig"], 2);

    let lines = peer(&python, "verify", &hex(&WRONG), &file.0);
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines[..2] {
        assert_eq!(line["ok"], false, "a wrong key must not verify: {line}");
        assert_eq!(line["reason"], "Invalid signature");
    }
    assert_eq!(lines[2]["summary"]["badsig"], 2);
}

/// pymavlink's frames (signed with `key`, or unsigned for "none") and what it says it wrote.
fn their_frames(python: &Path, key: &str) -> (Vec<u8>, Vec<Value>) {
    let file = TempFile::new("signing", "theirs", "bin");
    let lines = peer(python, "sign", key, &file.0);
    (std::fs::read(&file.0).expect("read pymavlink frames"), lines)
}

#[test]
fn our_codec_accepts_pymavlink_signed_frames_with_the_right_key_only() {
    let Some(python) = python() else { return };
    let (signed, lines) = their_frames(&python, &hex(&KEY));
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["signed"] == true), "{lines:?}");

    let mut vehicle = Codec::new(
        1,
        1,
        Some(SigningKey {
            secret: KEY,
            link_id: 0,
        }),
    );
    let decoded: Vec<(MavHeader, MavMessage)> = vehicle
        .decode(&signed)
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("right key refused: {e}")))
        .collect();
    assert_eq!(decoded.len(), 2);
    assert_eq!((decoded[0].0.system_id, decoded[0].0.component_id), (255, 190));
    let MavMessage::COMMAND_LONG(cmd) = &decoded[0].1 else {
        panic!("{:?}", decoded[0].1)
    };
    assert_eq!(
        (cmd.command, cmd.param1, cmd.target_system),
        (MavCmd::MAV_CMD_COMPONENT_ARM_DISARM, 1.0, 1)
    );
    assert!(matches!(decoded[1].1, MavMessage::HEARTBEAT(_)));
    assert_eq!(vehicle.stats().accepted, 2);

    let mut wrong = Codec::new(
        1,
        1,
        Some(SigningKey {
            secret: WRONG,
            link_id: 0,
        }),
    );
    let reasons: Vec<RejectReason> = wrong
        .decode(&signed)
        .into_iter()
        .map(|r| r.unwrap_err().reason)
        .collect();
    assert_eq!(
        reasons,
        [
            RejectReason::BadSignature { msg_id: 76 },
            RejectReason::BadSignature { msg_id: 0 }
        ]
    );
    assert_eq!(wrong.stats().bad_signature, 2);
}

#[test]
fn our_signed_codec_refuses_pymavlink_unsigned_frames() {
    let Some(python) = python() else { return };
    let (unsigned, lines) = their_frames(&python, "none");
    assert!(lines.iter().all(|l| l["signed"] == false), "{lines:?}");

    let mut vehicle = Codec::new(
        1,
        1,
        Some(SigningKey {
            secret: KEY,
            link_id: 0,
        }),
    );
    let reasons: Vec<RejectReason> = vehicle
        .decode(&unsigned)
        .into_iter()
        .map(|r| r.unwrap_err().reason)
        .collect();
    assert_eq!(
        reasons,
        [
            RejectReason::Unsigned { msg_id: 76 },
            RejectReason::Unsigned { msg_id: 0 }
        ]
    );
    // The same frames are fine on a link without a key.
    let mut open = Codec::new(1, 1, None);
    assert!(open.decode(&unsigned).iter().all(Result::is_ok));
}
