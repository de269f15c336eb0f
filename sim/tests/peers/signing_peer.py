"""pymavlink as the other end of a signed link, without sockets: signs frames into a file, or verifies frames from one.

Usage:
  signing_peer.py sign KEY_HEX|none OUT_FILE   write a signed (or, with "none", unsigned) COMMAND_LONG
                                               (arm, to 1/1) and HEARTBEAT from system 255/190; print
                                               one JSON line per frame
  signing_peer.py verify KEY_HEX IN_FILE       parse the frames with signing on (unsigned refused);
                                               print one JSON line per frame, then a summary line

The key goes through mavutil's own setup_signing, as a ground station would set it.
"""
import json
import os
import sys
import types

os.environ["MAVLINK20"] = "1"
from pymavlink import mavutil  # noqa: E402
from pymavlink.dialects.v20 import ardupilotmega as mavlink  # noqa: E402


def link(key_hex, sign_outgoing):
    mav = mavlink.MAVLink(None, srcSystem=255, srcComponent=190)
    # As mavutil connections do: a refused frame becomes BAD_DATA with its reason.
    mav.robust_parsing = True
    if key_hex != "none":
        # mavfile.setup_signing only touches `.mav`, so a stand-in carries it.
        mavutil.mavfile.setup_signing(
            types.SimpleNamespace(mav=mav), bytes.fromhex(key_hex), sign_outgoing=sign_outgoing, link_id=5
        )
    return mav


def sign(key_hex, out_file):
    mav = link(key_hex, sign_outgoing=True)
    messages = [
        mav.command_long_encode(1, 1, mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 0, 1, 0, 0, 0, 0, 0, 0),
        mav.heartbeat_encode(mavlink.MAV_TYPE_GCS, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, mavlink.MAV_STATE_ACTIVE),
    ]
    frames = b""
    for msg in messages:
        frame = msg.pack(mav)
        frames += frame
        print(json.dumps({"name": msg.get_type(), "signed": bool(frame[2] & 1), "len": len(frame)}))
    with open(out_file, "wb") as f:
        f.write(frames)


def verify(key_hex, in_file):
    mav = link(key_hex, sign_outgoing=False)
    with open(in_file, "rb") as f:
        data = f.read()
    for msg in mav.parse_buffer(data) or []:
        if msg.get_type() == "BAD_DATA":
            print(json.dumps({"ok": False, "reason": str(msg.reason)}))
            continue
        fields = {k: v for k, v in msg.to_dict().items() if isinstance(v, (int, float))}
        print(json.dumps({
            "ok": True,
            "name": msg.get_type(),
            "sysid": msg.get_srcSystem(),
            "compid": msg.get_srcComponent(),
            "signed": bool(getattr(msg, "_signed", False)),
            "fields": fields,
        }))
    s = mav.signing
    print(json.dumps({"summary": {"goodsig": s.goodsig_count, "badsig": s.badsig_count}}))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("sign", "verify"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    command, key_hex, path = sys.argv[1:]
    if command == "sign":
        sign(key_hex, path)
    else:
        verify(key_hex, path)


if __name__ == "__main__":
    main()
