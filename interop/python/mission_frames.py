#!/usr/bin/env python3
"""Check our MISSION_ITEM_INT frames against pymavlink, the reference MAVLink implementation.

    mission_frames.py decode FILE   parse concatenated MAVLink 2 frames, print one JSON object
                                    per message (JSON Lines)
    mission_frames.py encode FILE   write a reference mission, fence and rally list as
                                    MISSION_ITEM_INT frames, print the items written as JSON Lines

Each JSON line is {"msgid", "name", "sysid", "compid", "fields": {every message field}};
NaN floats are written as null because JSON has no NaN.  Exits non-zero with a message on
any failure (unreadable file, bad CRC, trailing bytes, unknown message).
"""

import json
import math
import os
import struct
import sys

# pymavlink picks MAVLink 1 definitions (no `mission_type` extension) unless this is set
# before the first import.
os.environ["MAVLINK20"] = "1"

from pymavlink.dialects.v20 import common as mavlink2  # noqa: E402

SYSID = 255  # ground station
COMPID = 190  # MAV_COMP_ID_MISSIONPLANNER
TARGET_SYSTEM = 1
TARGET_COMPONENT = 1

GLOBAL = mavlink2.MAV_FRAME_GLOBAL
MISSION = mavlink2.MAV_FRAME_MISSION
GLOBAL_RELATIVE_ALT = mavlink2.MAV_FRAME_GLOBAL_RELATIVE_ALT
NAN = float("nan")


class FrameError(Exception):
    """A file that is not a clean sequence of MAVLink 2 frames."""


def _json_value(value):
    # JSON has no NaN; null is how QGroundControl writes an unset param too.
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    return value


def message_json(msg, sysid, compid):
    """One message as a JSON-ready dict, every field in definition order."""
    return {
        "msgid": msg.get_msgId(),
        "name": msg.get_type(),
        "sysid": sysid,
        "compid": compid,
        "fields": {name: _json_value(getattr(msg, name)) for name in msg.get_fieldnames()},
    }


def print_json_lines(objects):
    for obj in objects:
        # allow_nan=False: an infinity would otherwise print as invalid JSON.
        print(json.dumps(obj, allow_nan=False))


def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    mav = mavlink2.MAVLink(None)
    mav.robust_parsing = False  # raise on a bad CRC or prefix rather than skipping it
    messages = mav.parse_buffer(data) or []
    if mav.buf_len() != 0:
        raise FrameError(f"{mav.buf_len()} trailing bytes after {len(messages)} messages")
    out = []
    for msg in messages:
        if msg.get_type() == "BAD_DATA":
            raise FrameError(f"bad data: {msg.reason}")
        out.append(message_json(msg, msg.get_srcSystem(), msg.get_srcComponent()))
    if not out:
        raise FrameError(f"no MAVLink frames in {path}")
    print_json_lines(out)


def _deg_e7(deg):
    return int(round(deg * 1e7))


def reference_items():
    """(mission_type, frame, command, autocontinue, params1-4, x, y, z) for each list."""
    home = (51.9490000, 4.1420000, 2.5)
    wp1 = (51.9501234, 4.1412345)
    wp2 = (51.9512345, 4.1398765)
    orbit = (51.9520001, 4.1425002)
    mission = [
        # ArduPilot convention: seq 0 is home, AMSL.
        (GLOBAL, mavlink2.MAV_CMD_NAV_WAYPOINT, 1, 0, 0, 0, 0, _deg_e7(home[0]), _deg_e7(home[1]), home[2]),
        # Yaw NaN = "unset" (MAVLink's convention), as our encoder writes it.
        (GLOBAL_RELATIVE_ALT, mavlink2.MAV_CMD_NAV_TAKEOFF, 1, 0, 0, 0, NAN, 0, 0, 30.0),
        (GLOBAL_RELATIVE_ALT, mavlink2.MAV_CMD_NAV_WAYPOINT, 1, 2.0, 1.5, 0, NAN, _deg_e7(wp1[0]), _deg_e7(wp1[1]), 40.0),
        (MISSION, mavlink2.MAV_CMD_DO_CHANGE_SPEED, 1, 1.0, 7.5, -1.0, 0, 0, 0, 0.0),
        (GLOBAL_RELATIVE_ALT, mavlink2.MAV_CMD_NAV_WAYPOINT, 1, 0, 0, 0, NAN, _deg_e7(wp2[0]), _deg_e7(wp2[1]), 45.5),
        # Counter-clockwise orbit: negative radius.
        (GLOBAL_RELATIVE_ALT, mavlink2.MAV_CMD_NAV_LOITER_TURNS, 1, 2.0, 0, -25.0, 0, _deg_e7(orbit[0]), _deg_e7(orbit[1]), 50.0),
        # A command the plan model keeps verbatim (MissionItem::Other).
        (MISSION, mavlink2.MAV_CMD_DO_SET_SERVO, 1, 9.0, 1500.0, 0, 0, 0, 0, 0.0),
        (MISSION, mavlink2.MAV_CMD_NAV_RETURN_TO_LAUNCH, 1, 0, 0, 0, 0, 0, 0, 0.0),
    ]
    fence = [
        # One inclusion polygon (param1 = vertex count, param2 = inclusion group) ...
        (GLOBAL, mavlink2.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, 1, 3, 0, 0, 0, _deg_e7(51.9450000), _deg_e7(4.1350000), 0.0),
        (GLOBAL, mavlink2.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, 1, 3, 0, 0, 0, _deg_e7(51.9550000), _deg_e7(4.1350000), 0.0),
        (GLOBAL, mavlink2.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, 1, 3, 0, 0, 0, _deg_e7(51.9500000), _deg_e7(4.1500000), 0.0),
        # ... and an exclusion circle (param1 = radius).
        (GLOBAL, mavlink2.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION, 1, 40.0, 0, 0, 0, _deg_e7(51.9505000), _deg_e7(4.1405000), 0.0),
    ]
    rally = [
        (GLOBAL_RELATIVE_ALT, mavlink2.MAV_CMD_NAV_RALLY_POINT, 1, 0, 0, 0, 0, _deg_e7(51.9480000), _deg_e7(4.1440000), 25.0),
    ]
    return [
        (mavlink2.MAV_MISSION_TYPE_MISSION, mission),
        (mavlink2.MAV_MISSION_TYPE_FENCE, fence),
        (mavlink2.MAV_MISSION_TYPE_RALLY, rally),
    ]


def encode(path):
    out = []
    with open(path, "wb") as f:
        mav = mavlink2.MAVLink(f, srcSystem=SYSID, srcComponent=COMPID)
        for mission_type, items in reference_items():
            for seq, (frame, command, autocontinue, p1, p2, p3, p4, x, y, z) in enumerate(items):
                msg = mav.mission_item_int_encode(
                    TARGET_SYSTEM, TARGET_COMPONENT, seq, frame, command, 0, autocontinue,
                    float(p1), float(p2), float(p3), float(p4), x, y, float(z), mission_type,
                )
                mav.send(msg)
                out.append(message_json(msg, SYSID, COMPID))
    print_json_lines(out)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("decode", "encode"):
        print(__doc__, file=sys.stderr)
        return 2
    command, path = argv[1], argv[2]
    try:
        if command == "decode":
            decode(path)
        else:
            encode(path)
    except (OSError, ValueError, struct.error, FrameError, mavlink2.MAVError) as err:
        print(f"mission_frames.py {command} {path}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
