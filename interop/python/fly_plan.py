"""A minimal ground station (pymavlink): upload mission, fence and rally to a vehicle, arm, fly AUTO, report.

Usage: fly_plan.py PORT ITEMS_JSON [--timeout S] [--fence-enable]
ITEMS_JSON is what `mission mavlink plan.plan` prints: {"params": {...}, "mission": [...], "fence": [...], "rally": [...]}.
Progress goes to stderr; a JSON summary to stdout.
"""
import argparse
import json
import os
import sys
import time

os.environ["MAVLINK20"] = "1"
from pymavlink import mavutil  # noqa: E402

MISSION_TYPES = {"mission": 0, "fence": 1, "rally": 2}


class Failure(Exception):
    """Anything that stops the flight, with the reason."""


def log(text):
    print(text, file=sys.stderr, flush=True)


class GroundStation:
    def __init__(self, port, deadline):
        self.master = mavutil.mavlink_connection(f"udpout:127.0.0.1:{port}", source_system=255, source_component=190)
        self.deadline = deadline
        self.last_heartbeat = 0.0
        self.reached = []
        self.texts = []
        self.heartbeat()
        if self.master.wait_heartbeat(timeout=10) is None:
            raise Failure("no HEARTBEAT from the vehicle")
        self.target = (self.master.target_system, self.master.target_component)

    def heartbeat(self):
        if time.time() - self.last_heartbeat > 1.0:
            self.master.mav.heartbeat_send(mavutil.mavlink.MAV_TYPE_GCS, mavutil.mavlink.MAV_AUTOPILOT_INVALID, 0, 0, 0)
            self.last_heartbeat = time.time()

    def recv(self, types, timeout):
        end = min(time.time() + timeout, self.deadline)
        while time.time() < end:
            self.heartbeat()
            msg = self.master.recv_match(blocking=True, timeout=0.2)
            if msg is None:
                continue
            kind = msg.get_type()
            if kind == "STATUSTEXT":
                self.texts.append(msg.text)
                log(f"vehicle: {msg.text}")
            elif kind == "MISSION_ITEM_REACHED" and msg.seq not in self.reached:
                self.reached.append(msg.seq)
            if kind in types:
                return msg
        return None

    def upload(self, name, items):
        """The standard mission protocol, answering MISSION_REQUEST_INT and legacy MISSION_REQUEST."""
        kind = MISSION_TYPES[name]
        self.master.mav.mission_count_send(*self.target, len(items), kind)
        while True:
            msg = self.recv(("MISSION_REQUEST_INT", "MISSION_REQUEST", "MISSION_ACK"), 5)
            if msg is None:
                raise Failure(f"{name} upload: no answer from the vehicle")
            if msg.get_type() == "MISSION_ACK":
                if msg.type != mavutil.mavlink.MAV_MISSION_ACCEPTED:
                    raise Failure(f"{name} upload refused: MISSION_ACK {msg.type}")
                return
            it = items[msg.seq]
            # JSON has no NaN: null params are MAVLink's "unset".
            p = [float("nan") if v is None else v for v in it["params"]]
            self.master.mav.mission_item_int_send(
                *self.target, msg.seq, it["frame"], it["command"], 0, it.get("autocontinue", 1),
                p[0], p[1], p[2], p[3], it["x"], it["y"], it["z"], kind)

    def command(self, cmd, *params):
        p = list(params) + [0.0] * (7 - len(params))
        self.master.mav.command_long_send(*self.target, cmd, 0, *p)
        while True:
            ack = self.recv(("COMMAND_ACK",), 5)
            if ack is None:
                raise Failure(f"no COMMAND_ACK for command {cmd}")
            if ack.command == cmd:
                return ack.result

    def set_param(self, name, value):
        self.master.mav.param_set_send(*self.target, name.encode(), value, mavutil.mavlink.MAV_PARAM_TYPE_REAL32)
        msg = self.recv(("PARAM_VALUE",), 5)
        if msg is None or msg.param_id != name:
            raise Failure(f"parameter {name} not confirmed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("items")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--fence-enable", action="store_true")
    args = parser.parse_args()
    with open(args.items, encoding="utf-8") as f:
        lists = json.load(f)
    gcs = None
    try:
        gcs = GroundStation(args.port, time.time() + args.timeout)
        uploaded = {}
        for name in ("fence", "rally", "mission"):
            items = lists.get(name, [])
            if items:
                gcs.upload(name, items)
            uploaded[name] = len(items)
            log(f"uploaded {len(items)} {name} items")
        for name, value in lists.get("params", {}).items():
            gcs.set_param(name, value)
            log(f"set {name} = {value}")
        if args.fence_enable:
            gcs.set_param("FENCE_ENABLE", 1)
        if gcs.command(mavutil.mavlink.MAV_CMD_DO_SET_MODE, mavutil.mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, 4) != 0:
            raise Failure("GUIDED refused")
        if gcs.command(mavutil.mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 1) != 0:
            raise Failure("arming refused")
        if gcs.command(mavutil.mavlink.MAV_CMD_DO_SET_MODE, mavutil.mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, 3) != 0:
            raise Failure("AUTO refused")
        log("armed; flying AUTO")
        landed = False
        last_report = 0.0
        while time.time() < gcs.deadline:
            msg = gcs.recv(("HEARTBEAT", "GLOBAL_POSITION_INT"), 1)
            if msg is None:
                continue
            if msg.get_type() == "GLOBAL_POSITION_INT" and time.time() - last_report > 2.0:
                last_report = time.time()
                log(f"at {msg.lat / 1e7:.6f},{msg.lon / 1e7:.6f} {msg.relative_alt / 1000:.0f} m; "
                    f"items reached {len(gcs.reached)}")
            if msg.get_type() == "HEARTBEAT" and msg.get_srcSystem() == gcs.target[0] and gcs.reached:
                if not msg.base_mode & mavutil.mavlink.MAV_MODE_FLAG_SAFETY_ARMED:
                    landed = True
                    break
        print(json.dumps({"uploaded": uploaded, "reached": gcs.reached, "landed": landed, "statustext": gcs.texts}))
    except (Failure, OSError, KeyError, ValueError) as e:
        print(json.dumps({"error": str(e), "statustext": gcs.texts if gcs else []}))
        sys.exit(1)


if __name__ == "__main__":
    main()
