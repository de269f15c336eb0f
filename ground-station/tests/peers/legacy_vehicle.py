"""A vehicle (pymavlink) that takes mission, fence and rally uploads the way ArduPilot does.

It asks for every item with the legacy MISSION_REQUEST (id 40), asks again after 1 s of silence,
accepts MISSION_ITEM_INT or MISSION_ITEM, and answers the last item with MISSION_ACK(ACCEPTED).

Usage: legacy_vehicle.py PORT UPLOADS
Listens on UDP 127.0.0.1:PORT as system 1, component 1 (an ArduPilot quadrotor), sends a
HEARTBEAT every 0.5 s to whoever wrote to it last, takes UPLOADS uploads, then exits. Prints one
JSON line per upload: {"mission_type", "count", "requests", "items": [...]}, with NaN as null.
"""
import json
import math
import os
import sys
import time

os.environ["MAVLINK20"] = "1"
from pymavlink import mavutil  # noqa: E402

MAV = mavutil.mavlink


def number(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def item_record(msg):
    return {
        "seq": msg.seq,
        "msg": msg.get_type(),
        "command": msg.command,
        "frame": msg.frame,
        "x": msg.x,
        "y": msg.y,
        "z": number(msg.z),
        "params": [number(msg.param1), number(msg.param2), number(msg.param3), number(msg.param4)],
        "autocontinue": msg.autocontinue,
    }


def main():
    if len(sys.argv) != 3:
        print("usage: legacy_vehicle.py PORT UPLOADS", file=sys.stderr)
        sys.exit(2)
    port, uploads = int(sys.argv[1]), int(sys.argv[2])
    master = mavutil.mavlink_connection(f"udpin:127.0.0.1:{port}", source_system=1, source_component=1)
    deadline = time.time() + 60
    last_heartbeat = 0.0
    done = 0
    upload = None
    while done < uploads:
        if time.time() > deadline:
            print("legacy_vehicle: timed out", file=sys.stderr)
            sys.exit(1)
        if time.time() - last_heartbeat > 0.5:
            master.mav.heartbeat_send(MAV.MAV_TYPE_QUADROTOR, MAV.MAV_AUTOPILOT_ARDUPILOTMEGA,
                                      MAV.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, 0, MAV.MAV_STATE_STANDBY)
            last_heartbeat = time.time()
        if upload is not None and time.time() - upload["asked_at"] > 1.0:
            # ArduPilot asks again when an item does not come.
            master.mav.mission_request_send(upload["from"][0], upload["from"][1], len(upload["items"]),
                                            upload["mission_type"])
            upload["requests"] += 1
            upload["asked_at"] = time.time()
        msg = master.recv_match(blocking=True, timeout=0.05)
        if msg is None:
            continue
        kind = msg.get_type()
        if kind == "MISSION_COUNT" and msg.target_system == 1:
            upload = {
                "mission_type": msg.mission_type,
                "count": msg.count,
                "items": [],
                "requests": 1,
                "from": (msg.get_srcSystem(), msg.get_srcComponent()),
                "asked_at": time.time(),
            }
            if msg.count == 0:
                master.mav.mission_ack_send(upload["from"][0], upload["from"][1], MAV.MAV_MISSION_ACCEPTED,
                                            msg.mission_type)
                print(json.dumps({k: upload[k] for k in ("mission_type", "count", "requests", "items")}), flush=True)
                upload = None
                done += 1
                continue
            master.mav.mission_request_send(upload["from"][0], upload["from"][1], 0, msg.mission_type)
        elif kind in ("MISSION_ITEM_INT", "MISSION_ITEM") and upload is not None:
            if msg.mission_type != upload["mission_type"] or msg.seq != len(upload["items"]):
                continue  # a copy of an item we have
            upload["items"].append(item_record(msg))
            if len(upload["items"]) < upload["count"]:
                master.mav.mission_request_send(upload["from"][0], upload["from"][1], len(upload["items"]),
                                                upload["mission_type"])
                upload["requests"] += 1
                upload["asked_at"] = time.time()
            else:
                master.mav.mission_ack_send(upload["from"][0], upload["from"][1], MAV.MAV_MISSION_ACCEPTED,
                                            upload["mission_type"])
                print(json.dumps({k: upload[k] for k in ("mission_type", "count", "requests", "items")}), flush=True)
                upload = None
                done += 1
    # Answer a late retransmission of the last item with the ACK again, as ArduPilot does.
    end = time.time() + 0.5
    while time.time() < end:
        msg = master.recv_match(blocking=True, timeout=0.05)
        if msg is not None and msg.get_type() in ("MISSION_ITEM_INT", "MISSION_ITEM"):
            master.mav.mission_ack_send(msg.get_srcSystem(), msg.get_srcComponent(), MAV.MAV_MISSION_ACCEPTED,
                                        msg.mission_type)


if __name__ == "__main__":
    main()
