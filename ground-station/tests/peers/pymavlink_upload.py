"""A pymavlink ground station timing mission uploads: the benchmark's peer for the station's upload.

Usage: pymavlink_upload.py PORT ITEMS_JSON ATTEMPTS
Talks to the vehicle at UDP 127.0.0.1:PORT as system 254, component 190; uploads the mission
list in ITEMS_JSON (as `mission::mavlink_items::items_to_json` writes it) ATTEMPTS times,
answering MISSION_REQUEST_INT and MISSION_REQUEST as interop/python/fly_plan.py does, and
prints {"times_s": [...], "failures": n} as JSON.
"""
import json
import os
import sys
import time

os.environ["MAVLINK20"] = "1"
from pymavlink import mavutil  # noqa: E402

MAV = mavutil.mavlink


def upload(master, target, items, timeout):
    master.mav.mission_count_send(target[0], target[1], len(items), MAV.MAV_MISSION_TYPE_MISSION)
    end = time.time() + timeout
    while time.time() < end:
        msg = master.recv_match(type=["MISSION_REQUEST_INT", "MISSION_REQUEST", "MISSION_ACK"], blocking=True,
                                timeout=0.5)
        if msg is None or msg.get_srcSystem() != target[0]:
            continue
        if msg.get_type() == "MISSION_ACK":
            if msg.mission_type != MAV.MAV_MISSION_TYPE_MISSION:
                continue
            return msg.type == MAV.MAV_MISSION_ACCEPTED
        if msg.mission_type != MAV.MAV_MISSION_TYPE_MISSION or msg.seq >= len(items):
            continue
        it = items[msg.seq]
        p = [float("nan") if v is None else v for v in it["params"]]
        master.mav.mission_item_int_send(target[0], target[1], msg.seq, it["frame"], it["command"], 0,
                                         it["autocontinue"], p[0], p[1], p[2], p[3], it["x"], it["y"], it["z"],
                                         MAV.MAV_MISSION_TYPE_MISSION)
    return False


def main():
    if len(sys.argv) != 4:
        print("usage: pymavlink_upload.py PORT ITEMS_JSON ATTEMPTS", file=sys.stderr)
        sys.exit(2)
    port, path, attempts = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    master = mavutil.mavlink_connection(f"udpout:127.0.0.1:{port}", source_system=254, source_component=190)
    master.mav.heartbeat_send(MAV.MAV_TYPE_GCS, MAV.MAV_AUTOPILOT_INVALID, 0, 0, 0)
    if master.wait_heartbeat(timeout=10) is None:
        print("pymavlink_upload: no HEARTBEAT from the vehicle", file=sys.stderr)
        sys.exit(1)
    target = (master.target_system, master.target_component)
    times, failures = [], 0
    for _ in range(attempts):
        start = time.perf_counter()
        if upload(master, target, items, 30.0):
            times.append(time.perf_counter() - start)
        else:
            failures += 1
    print(json.dumps({"times_s": times, "failures": failures}))


if __name__ == "__main__":
    main()
