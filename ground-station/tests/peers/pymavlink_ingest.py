"""A pymavlink telemetry ingest: the benchmark's peer for the station's fleet link.

Usage: pymavlink_ingest.py PORT WARMUP_S WINDOW_S
Listens on UDP 127.0.0.1:PORT, parses every datagram with pymavlink (one parser per sender, as
a link), and keeps each system's latest position, attitude, speed, battery, GPS, mode and
mission progress in a dict. After WARMUP_S it measures its own CPU time for WINDOW_S and prints
{"cpu_s", "wall_s", "frames", "vehicles"} as JSON.
"""
import json
import os
import socket
import sys
import time

os.environ["MAVLINK20"] = "1"
from pymavlink.dialects.v20 import ardupilotmega as mavlink  # noqa: E402


def update(state, msg):
    kind = msg.get_type()
    s = state.setdefault(msg.get_srcSystem(), {})
    if kind == "GLOBAL_POSITION_INT":
        s["position"] = (msg.lat / 1e7, msg.lon / 1e7, msg.relative_alt / 1000, msg.alt / 1000)
        s["heading"] = msg.hdg / 100
    elif kind == "ATTITUDE":
        s["attitude"] = (msg.roll, msg.pitch, msg.yaw)
    elif kind == "VFR_HUD":
        s["speed"] = msg.groundspeed
    elif kind == "SYS_STATUS":
        s["battery"] = (msg.voltage_battery / 1000, msg.battery_remaining)
    elif kind == "GPS_RAW_INT":
        s["gps"] = (msg.fix_type, msg.satellites_visible)
    elif kind == "HEARTBEAT":
        s["mode"] = msg.custom_mode
        s["armed"] = bool(msg.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED)
    elif kind == "MISSION_CURRENT":
        s["mission"] = (msg.seq, msg.total)
    s["last"] = time.time()


def main():
    if len(sys.argv) != 4:
        print("usage: pymavlink_ingest.py PORT WARMUP_S WINDOW_S", file=sys.stderr)
        sys.exit(2)
    port, warmup, window = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    sock.settimeout(0.2)
    parsers, state = {}, {}
    start = time.time()
    measuring = None
    frames = 0
    while True:
        now = time.time()
        if measuring is None and now - start >= warmup:
            measuring = (now, time.process_time())
            frames = 0
        if measuring is not None and now - measuring[0] >= window:
            break
        try:
            data, addr = sock.recvfrom(65536)
        except socket.timeout:
            continue
        parser = parsers.get(addr)
        if parser is None:
            parser = parsers[addr] = mavlink.MAVLink(None, srcSystem=255, srcComponent=190)
        for msg in parser.parse_buffer(data) or []:
            update(state, msg)
            frames += 1
    print(json.dumps({
        "cpu_s": time.process_time() - measuring[1],
        "wall_s": time.time() - measuring[0],
        "frames": frames,
        "vehicles": len(state),
    }))


if __name__ == "__main__":
    main()
