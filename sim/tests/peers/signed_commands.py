"""A ground-station peer (pymavlink) sending ARM to a signed simulator with no key, a wrong key or the right key."""
import json
import os
import sys
import time

os.environ["MAVLINK20"] = "1"
from pymavlink import mavutil  # noqa: E402


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("none", "wrong", "right"):
        print(json.dumps({"error": "usage: signed_commands.py PORT KEY_HEX none|wrong|right"}))
        sys.exit(2)
    port, key_hex, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    master = mavutil.mavlink_connection(f"udpout:127.0.0.1:{port}", source_system=255, source_component=190)
    if mode != "none":
        key = bytes.fromhex(key_hex)
        if mode == "wrong":
            key = bytes(b ^ 0xFF for b in key)
        # Unsigned frames are refused by pymavlink too once signing is on; that is the point.
        master.setup_signing(key, sign_outgoing=True)
    heartbeat_signed = None
    ack = None
    ack_signed = None
    deadline = time.time() + 6.0
    sent = 0.0
    while time.time() < deadline:
        if time.time() - sent > 0.5:
            master.mav.heartbeat_send(mavutil.mavlink.MAV_TYPE_GCS, mavutil.mavlink.MAV_AUTOPILOT_INVALID, 0, 0, 0)
            # Force-arm, so that the answer does not depend on pre-arm checks.
            master.mav.command_long_send(1, 1, mavutil.mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 0, 1, 21196, 0, 0, 0, 0, 0)
            sent = time.time()
        msg = master.recv_match(blocking=True, timeout=0.2)
        if msg is None:
            continue
        if msg.get_type() == "HEARTBEAT" and heartbeat_signed is None:
            heartbeat_signed = bool(getattr(msg, "_signed", False))
        if msg.get_type() == "COMMAND_ACK" and msg.command == mavutil.mavlink.MAV_CMD_COMPONENT_ARM_DISARM:
            ack = msg.result
            ack_signed = bool(getattr(msg, "_signed", False))
            break
    print(json.dumps({"ack": ack, "ack_signed": ack_signed, "heartbeat_signed": heartbeat_signed}))


if __name__ == "__main__":
    main()
