#!/usr/bin/env python3
"""Import a QGroundControl .plan file with MAVSDK (mavsdk_server, gRPC API) and print the items it makes.

    mavsdk_import_plan.py PLAN_FILE

Prints one JSON object {"mission_items": [...], "geofence_items": [...], "rally_items": [...]},
each item with every MissionRaw.MissionItem field (seq, frame, command, current, autocontinue,
param1..param4, x, y, z, mission_type); NaN floats are written as null because JSON has none.
Also "import_call": the MissionRaw method used.

How: mavsdk_server (from the mavsdk-grpc wheel) listens for MAVLink on udpin://127.0.0.1:PORT
and serves gRPC on another free port. MAVSDK creates its plugins only once it has discovered a
system, so a test stand-in for a vehicle (pymavlink, system 1 component 1, an ArduPilot
quadrotor) sends heartbeats to it and answers its requests. The import itself runs inside
mavsdk_server; it reads the stand-in's autopilot type (ArduPilot adds a home item).

SAFETY: mavsdk_server's gRPC server binds 0.0.0.0. Run this inside a network namespace with
only loopback (`unshare --net`), as mission/tests/mavsdk_plan_import.rs does. Everything this
script contacts is 127.0.0.1.

Every wait has a timeout and the whole run is capped at RUN_LIMIT_S; any failure exits non-zero
with a message on stderr (and the tail of mavsdk_server's log).
"""

import asyncio
import ctypes
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

# pymavlink picks MAVLink 1 definitions (no `mission_type` extension) unless this is set
# before the first import.
os.environ["MAVLINK20"] = "1"

from pymavlink import mavutil  # noqa: E402
from pymavlink.dialects.v20 import common as mavlink2  # noqa: E402

# Since v4 the `mavsdk` package is the native binding (System is not built from a server
# address there); the gRPC API that talks to mavsdk_server is the `mavsdk_grpc` package.
import grpc  # noqa: E402
import mavsdk_grpc  # noqa: E402
from mavsdk_grpc import System  # noqa: E402
from mavsdk_grpc.mission_raw import MissionRawError  # noqa: E402

HOST = "127.0.0.1"
# Hard cap for the whole script (the Rust test allows a little more before killing it).
RUN_LIMIT_S = 55
# mavsdk_server starts its gRPC server only once it has discovered a system, from the stand-in's
# first heartbeat (sent at once); about a second here.
GRPC_READY_TIMEOUT_S = 15
CONNECT_TIMEOUT_S = 20
IMPORT_TIMEOUT_S = 15
SERVER_EXIT_TIMEOUT_S = 5
THREAD_JOIN_TIMEOUT_S = 3

# mavsdk_server colours its log lines.
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")

ITEM_FIELDS = (
    "seq",
    "frame",
    "command",
    "current",
    "autocontinue",
    "param1",
    "param2",
    "param3",
    "param4",
    "x",
    "y",
    "z",
    "mission_type",
)


class ImportFailure(Exception):
    """Something on the way to MAVSDK's import went wrong; the message says what."""


def mavsdk_server_path():
    path = os.path.join(os.path.dirname(mavsdk_grpc.__file__), "bin", "mavsdk_server")
    if not os.access(path, os.X_OK):
        raise ImportFailure(f"mavsdk_server not found or not executable at {path}")
    return path


def free_port(kind):
    """A port that is free on 127.0.0.1 now. The OS picks it; the caller binds it soon after."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class VehicleStandIn(threading.Thread):
    """TEST STAND-IN for a vehicle, not a simulator: just enough MAVLink for MAVSDK to discover it.

    It sends HEARTBEAT as system 1 component 1 (MAV_TYPE_QUADROTOR, MAV_AUTOPILOT_ARDUPILOTMEGA)
    at 1 Hz to mavsdk_server, answers a request for AUTOPILOT_VERSION with that message, and
    acknowledges every other COMMAND_LONG/COMMAND_INT addressed to it as unsupported, so that
    MAVSDK does not wait on retries. It flies nothing and keeps no mission.
    """

    SYSTEM_ID = 1
    COMPONENT_ID = 1
    HEARTBEAT_PERIOD_S = 1.0
    RECV_TIMEOUT_S = 0.1

    def __init__(self, mavlink_port):
        super().__init__(name="vehicle-stand-in", daemon=True)
        self.stop_event = threading.Event()
        self.error = None
        # udpout: MAVSDK answers to the address it heard the heartbeat from, this socket.
        self.conn = mavutil.mavlink_connection(
            f"udpout:{HOST}:{mavlink_port}",
            source_system=self.SYSTEM_ID,
            source_component=self.COMPONENT_ID,
            dialect="common",
        )

    def run(self):
        try:
            next_heartbeat = 0.0
            while not self.stop_event.is_set():
                now = time.monotonic()
                if now >= next_heartbeat:
                    self.send_heartbeat()
                    next_heartbeat = now + self.HEARTBEAT_PERIOD_S
                msg = self.conn.recv_match(blocking=True, timeout=self.RECV_TIMEOUT_S)
                if msg is not None:
                    self.handle(msg)
        except (OSError, ValueError, mavutil.mavlink.MAVError) as err:
            self.error = f"vehicle stand-in stopped: {err!r}"
        finally:
            self.conn.close()

    def send_heartbeat(self):
        self.conn.mav.heartbeat_send(
            mavlink2.MAV_TYPE_QUADROTOR,
            mavlink2.MAV_AUTOPILOT_ARDUPILOTMEGA,
            mavlink2.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED,
            0,
            mavlink2.MAV_STATE_STANDBY,
        )

    def handle(self, msg):
        if msg.get_type() not in ("COMMAND_LONG", "COMMAND_INT"):
            return
        if msg.target_system not in (0, self.SYSTEM_ID) or msg.target_component not in (0, self.COMPONENT_ID):
            return
        wants_version = (
            msg.command == mavlink2.MAV_CMD_REQUEST_MESSAGE
            and int(msg.param1) == mavlink2.MAVLINK_MSG_ID_AUTOPILOT_VERSION
        ) or msg.command == mavlink2.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES
        if wants_version:
            self.send_autopilot_version()
            result = mavlink2.MAV_RESULT_ACCEPTED
        else:
            result = mavlink2.MAV_RESULT_UNSUPPORTED
        self.conn.mav.command_ack_send(
            msg.command,
            result,
            target_system=msg.get_srcSystem(),
            target_component=msg.get_srcComponent(),
        )

    def send_autopilot_version(self):
        capabilities = (
            mavlink2.MAV_PROTOCOL_CAPABILITY_MISSION_INT
            | mavlink2.MAV_PROTOCOL_CAPABILITY_COMMAND_INT
            | mavlink2.MAV_PROTOCOL_CAPABILITY_MISSION_FENCE
            | mavlink2.MAV_PROTOCOL_CAPABILITY_MISSION_RALLY
            | mavlink2.MAV_PROTOCOL_CAPABILITY_MAVLINK2
        )
        self.conn.mav.autopilot_version_send(
            capabilities,
            0,  # flight_sw_version: a stand-in has none
            0,
            0,
            0,
            [0] * 8,
            [0] * 8,
            [0] * 8,
            0,
            0,
            0,
        )


def start_server(grpc_port, mavlink_port, log_file):
    def die_with_parent():
        # PR_SET_PDEATHSIG: if this script is killed (the test's timeout), the server goes too
        # instead of living on with a 0.0.0.0 gRPC port. It fires when the forking thread ends:
        # the main thread, which lives as long as the script. (preexec_fn is only safe before
        # other threads exist, which is why the server starts before the stand-in.)
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)

    return subprocess.Popen(
        [mavsdk_server_path(), "-p", str(grpc_port), f"udpin://{HOST}:{mavlink_port}"],
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )


def stop_server(server):
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=SERVER_EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=SERVER_EXIT_TIMEOUT_S)


def json_value(value):
    # JSON has no NaN; null is how QGroundControl writes an unset param too.
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def item_json(item):
    return {name: json_value(getattr(item, name)) for name in ITEM_FIELDS}


async def wait_connected(drone):
    async for state in drone.core.connection_state():
        if state.is_connected:
            return


async def import_plan(grpc_port, plan_path, plan_text):
    drone = System(mavsdk_server_address=HOST, port=grpc_port)
    try:
        # With a server address, connect() only opens the gRPC channel and waits until it is up.
        await asyncio.wait_for(drone.connect(), GRPC_READY_TIMEOUT_S)
    except asyncio.TimeoutError as err:
        raise ImportFailure(
            f"mavsdk_server's gRPC on port {grpc_port} not up in {GRPC_READY_TIMEOUT_S} s "
            "(it starts once the vehicle stand-in is discovered)"
        ) from err
    try:
        await asyncio.wait_for(wait_connected(drone), CONNECT_TIMEOUT_S)
    except asyncio.TimeoutError as err:
        raise ImportFailure(f"MAVSDK did not discover the vehicle stand-in in {CONNECT_TIMEOUT_S} s") from err

    mission_raw = drone.mission_raw
    # mavsdk-grpc 4.x has the string form; older releases only read a file path.
    if hasattr(mission_raw, "import_qgroundcontrol_mission_from_string"):
        call = "import_qgroundcontrol_mission_from_string"
        request = mission_raw.import_qgroundcontrol_mission_from_string(plan_text)
    else:
        call = "import_qgroundcontrol_mission"
        request = mission_raw.import_qgroundcontrol_mission(plan_path)
    try:
        data = await asyncio.wait_for(request, IMPORT_TIMEOUT_S)
    except asyncio.TimeoutError as err:
        raise ImportFailure(f"{call} did not answer in {IMPORT_TIMEOUT_S} s") from err
    except MissionRawError as err:
        # str(err) goes on to repeat the whole plan text; the result before it is what matters.
        raise ImportFailure(f"{call} failed: {str(err).split('; origin:')[0]}") from err
    return {
        "import_call": call,
        "mission_items": [item_json(i) for i in data.mission_items],
        "geofence_items": [item_json(i) for i in data.geofence_items],
        "rally_items": [item_json(i) for i in data.rally_items],
    }


def log_tail(log_file, lines=30):
    log_file.flush()
    log_file.seek(0)
    text = ANSI_COLOUR.sub("", log_file.read().decode("utf-8", errors="replace"))
    return "\n".join(text.splitlines()[-lines:])


def run(plan_path):
    with open(plan_path, encoding="utf-8") as f:
        plan_text = f.read()
    mavlink_port = free_port(socket.SOCK_DGRAM)
    grpc_port = free_port(socket.SOCK_STREAM)
    with tempfile.TemporaryFile() as server_log:
        server = start_server(grpc_port, mavlink_port, server_log)
        stand_in = None
        try:
            stand_in = VehicleStandIn(mavlink_port)
            stand_in.start()
            try:
                result = asyncio.run(import_plan(grpc_port, plan_path, plan_text))
            except ImportFailure as err:
                if stand_in.error:
                    raise ImportFailure(f"{err}; {stand_in.error}") from err
                if server.poll() is not None:
                    raise ImportFailure(f"{err}; mavsdk_server exited with {server.returncode}") from err
                raise
            except grpc.RpcError as err:
                # The gRPC call itself failed (server gone, channel closed): say so with its log.
                raise ImportFailure(f"gRPC error: {err}") from err
        except ImportFailure as err:
            raise ImportFailure(f"{err}\n--- mavsdk_server log (tail) ---\n{log_tail(server_log)}") from err
        finally:
            if stand_in is not None:
                stand_in.stop_event.set()
                stand_in.join(THREAD_JOIN_TIMEOUT_S)
            stop_server(server)
    if stand_in.is_alive():
        raise ImportFailure("the vehicle stand-in thread did not stop")
    return result


def on_alarm(_signum, _frame):
    # A wait that ignored its timeout (inside gRPC's C core, say): leave anyway. The server
    # dies with us (PR_SET_PDEATHSIG).
    sys.stderr.write(f"mavsdk_import_plan.py: gave up after {RUN_LIMIT_S} s\n")
    sys.stderr.flush()
    os._exit(3)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(RUN_LIMIT_S)
    try:
        result = run(argv[1])
    except (ImportFailure, OSError, subprocess.SubprocessError) as err:
        sys.stderr.write(f"mavsdk_import_plan.py: {err}\n")
        return 1
    finally:
        signal.alarm(0)
    # allow_nan=False: an infinity would otherwise print as invalid JSON.
    print(json.dumps(result, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
