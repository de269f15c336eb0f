#!/usr/bin/env python3
"""MAVSDK (mavsdk_server + gRPC API) flies the simulator: geofence and mission upload, arm, start, finish, land.

    mavsdk_fly.py HOME_LAT HOME_LON HOME_ALT -- SIM_COMMAND...

Starts SIM_COMMAND (the simulator, one vehicle listening on 127.0.0.1:SIM_PORT, where SIM_PORT is
taken from its `--base-port`), then mavsdk_server with `udpout://127.0.0.1:SIM_PORT` (the
simulator answers only peers that have written to it; mavsdk_server's heartbeats do that), and
through MAVSDK's gRPC API (`mavsdk_grpc.System`):

1. waits for the vehicle and for MAVSDK's health checks (global position and home);
2. uploads an inclusion polygon (about 1 km square around home) with the Geofence plugin, and
   downloads the fence back;
3. uploads a mission with MissionRaw: home at seq 0 (ArduPilot keeps home there), NAV_TAKEOFF,
   three NAV_WAYPOINTs, NAV_RETURN_TO_LAUNCH, and downloads it back;
4. arms (Action.arm), starts the mission (MissionRaw.start_mission, which sets AUTO), records
   every MissionRaw progress update until current == total, then waits for the disarm after
   the RTL landing.

Prints one JSON object: uploaded (items MAVSDK uploaded), downloaded (the mission read back
equals the upload, `current` aside), fence_uploaded, fence_sent and fence_downloaded (the
vertices, and the raw fence items read back), progress ([current, total] pairs in arrival
order), finished (MissionRaw.is_mission_finished once disarmed), landed (disarmed after having
been in the air), in_air_seen, in_air_at_end, final_from_home_m and final_relative_alt_m (where
MAVSDK saw it after landing), flight_modes (MAVSDK's names, changes only), statustext, flight_s
(from the mission start until progress reached total), wall_s. Exit status 1 and a message on
stderr (with both children's log tails) when a step fails outright.

SAFETY: mavsdk_server's gRPC server binds 0.0.0.0; run this inside a network namespace with only
loopback, as sim/tests/mavsdk_peer.rs does. Every wait has a timeout, the whole run is capped at
RUN_LIMIT_S, and both children die with this process (PR_SET_PDEATHSIG).
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
import time

import grpc
import mavsdk_grpc
from mavsdk_grpc import System
from mavsdk_grpc.action import ActionError
from mavsdk_grpc.geofence import GeofenceData, GeofenceError, FenceType, Point, Polygon
from mavsdk_grpc.mission_raw import MissionItem, MissionRawError

HOST = "127.0.0.1"
# The whole run; the Rust test kills us a little after this in case we hang regardless.
RUN_LIMIT_S = 150
GRPC_READY_TIMEOUT_S = 20
CONNECT_TIMEOUT_S = 20
HEALTH_TIMEOUT_S = 30
TRANSFER_TIMEOUT_S = 30
COMMAND_TIMEOUT_S = 15
# Take-off, four legs of 180-250 m (the last one the RTL) and the landing take about 130
# simulated seconds: about 13 s of wall time at the test's 10x.
FLIGHT_TIMEOUT_S = 75
DISARM_TIMEOUT_S = 30
FINISHED_TIMEOUT_S = 5
FINISHED_POLL_S = 0.2
CHILD_EXIT_TIMEOUT_S = 5

# MAVLink numbers used in the mission (common.xml).
MAV_FRAME_GLOBAL = 0
MAV_FRAME_GLOBAL_RELATIVE_ALT = 3
MAV_CMD_NAV_WAYPOINT = 16
MAV_CMD_NAV_RETURN_TO_LAUNCH = 20
MAV_CMD_NAV_TAKEOFF = 22
MAV_MISSION_TYPE_MISSION = 0

TAKEOFF_ALT_M = 20.0
# North and east offsets of the waypoints from home, metres, with their altitudes above home.
WAYPOINTS = [(150.0, 100.0, 25.0), (150.0, -150.0, 30.0), (-100.0, -150.0, 25.0)]
# Half the side of the inclusion square: 1 km square around home, every waypoint well inside.
FENCE_HALF_SIDE_M = 500.0
EARTH_RADIUS_M = 6_378_137.0

# mavsdk_server colours its log lines.
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


class FlightFailure(Exception):
    """A step that did not happen as a ground station expects; the message says which and why."""


def offset(lat, lon, north_m, east_m):
    """The point north_m, east_m from lat, lon (flat earth: fine for a few hundred metres)."""
    dlat = math.degrees(north_m / EARTH_RADIUS_M)
    dlon = math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return lat + dlat, lon + dlon


def distance_m(lat1, lon1, lat2, lon2):
    """Flat-earth distance, metres: fine for a few hundred metres."""
    north = math.radians(lat2 - lat1) * EARTH_RADIUS_M
    east = math.radians(lon2 - lon1) * EARTH_RADIUS_M * math.cos(math.radians(lat1))
    return math.hypot(north, east)


def e7(degrees):
    return int(round(degrees * 1e7))


def mission_items(lat, lon, alt_amsl):
    """Home (seq 0, AMSL, as ArduPilot stores it), take-off, the waypoints, RTL: MISSION_ITEM_INT fields."""

    def item(seq, frame, command, params, x, y, z):
        # MAVSDK's uploader refuses a list without exactly one current item (CURRENT_INVALID);
        # its own .plan importer marks the first item after home, so do we.
        current = 1 if seq == 1 else 0
        return MissionItem(seq, frame, command, current, 1, *params, x, y, z, MAV_MISSION_TYPE_MISSION)

    items = [item(0, MAV_FRAME_GLOBAL, MAV_CMD_NAV_WAYPOINT, (0, 0, 0, 0), e7(lat), e7(lon), alt_amsl)]
    items.append(item(1, MAV_FRAME_GLOBAL_RELATIVE_ALT, MAV_CMD_NAV_TAKEOFF, (0, 0, 0, 0), 0, 0, TAKEOFF_ALT_M))
    for north, east, alt in WAYPOINTS:
        wlat, wlon = offset(lat, lon, north, east)
        items.append(
            item(len(items), MAV_FRAME_GLOBAL_RELATIVE_ALT, MAV_CMD_NAV_WAYPOINT, (0, 0, 0, 0), e7(wlat), e7(wlon), alt)
        )
    items.append(item(len(items), MAV_FRAME_GLOBAL_RELATIVE_ALT, MAV_CMD_NAV_RETURN_TO_LAUNCH, (0, 0, 0, 0), 0, 0, 0))
    return items


def fence_square(lat, lon):
    corners = [(1, 1), (1, -1), (-1, -1), (-1, 1)]
    return [Point(*offset(lat, lon, n * FENCE_HALF_SIDE_M, e * FENCE_HALF_SIDE_M)) for n, e in corners]


def free_tcp_port():
    """A TCP port free on 127.0.0.1 now, for mavsdk_server's gRPC server (bound soon after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def die_with_parent():
    # PR_SET_PDEATHSIG: if this script dies (the test's timeout kills it), the child goes too,
    # rather than living on with a 0.0.0.0 gRPC port or a flying simulator. It fires when the
    # forking thread ends; children are started from the main thread, which lives as long as
    # the script.
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def start_child(argv, log_file):
    return subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
    )


def stop_child(child):
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=CHILD_EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=CHILD_EXIT_TIMEOUT_S)


def log_tail(log_file, lines=40):
    log_file.flush()
    log_file.seek(0)
    text = ANSI_COLOUR.sub("", log_file.read().decode("utf-8", errors="replace"))
    return "\n".join(text.splitlines()[-lines:])


async def first(stream, predicate, timeout, what):
    """The first item of a MAVSDK stream for which predicate holds, or FlightFailure after timeout."""

    async def scan():
        async for value in stream:
            if predicate(value):
                return value
        raise FlightFailure(f"{what}: the stream ended")

    try:
        return await asyncio.wait_for(scan(), timeout)
    except asyncio.TimeoutError as err:
        raise FlightFailure(f"{what}: not within {timeout} s") from err


async def call(awaitable, timeout, what):
    """A MAVSDK call with a timeout; its errors become FlightFailure with MAVSDK's result."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except asyncio.TimeoutError as err:
        raise FlightFailure(f"{what}: no answer within {timeout} s") from err
    except (ActionError, GeofenceError, MissionRawError) as err:
        raise FlightFailure(f"{what} refused by MAVSDK: {err}") from err


def item_tuple(item):
    # Floats through f32 on the wire: compare the f32 values MAVSDK hands back with ours rounded.
    return tuple(
        getattr(item, name)
        for name in ("seq", "frame", "command", "autocontinue", "x", "y", "mission_type")
    ) + tuple(round(getattr(item, name), 3) for name in ("param1", "param2", "param3", "param4", "z"))


async def finished_within(drone, timeout):
    deadline = time.monotonic() + timeout
    while True:
        if await call(drone.mission_raw.is_mission_finished(), COMMAND_TIMEOUT_S, "is_mission_finished"):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(FINISHED_POLL_S)


async def fly(grpc_port, home):
    lat, lon, alt = home
    drone = System(mavsdk_server_address=HOST, port=grpc_port)
    # With a server address, connect() only opens the gRPC channel and waits until it is up.
    await call(drone.connect(), GRPC_READY_TIMEOUT_S, "mavsdk_server's gRPC")
    await first(drone.core.connection_state(), lambda s: s.is_connected, CONNECT_TIMEOUT_S, "vehicle discovery")
    await first(
        drone.telemetry.health(),
        lambda h: h.is_global_position_ok and h.is_home_position_ok,
        HEALTH_TIMEOUT_S,
        "MAVSDK health: global position and home",
    )

    result = {"statustext": [], "flight_modes": []}
    watchers = []

    async def watch_texts():
        async for text in drone.telemetry.status_text():
            result["statustext"].append(f"{text.type.name}: {text.text}")

    async def watch_modes():
        async for mode in drone.telemetry.flight_mode():
            if not result["flight_modes"] or result["flight_modes"][-1] != mode.name:
                result["flight_modes"].append(mode.name)

    watchers.append(asyncio.ensure_future(watch_texts()))
    watchers.append(asyncio.ensure_future(watch_modes()))
    try:
        corners = fence_square(lat, lon)
        fence = GeofenceData([Polygon(corners, FenceType.INCLUSION)], [])
        await call(drone.geofence.upload_geofence(fence), TRANSFER_TIMEOUT_S, "geofence upload")
        result["fence_uploaded"] = True
        # Read back as raw items: the vertices in order, each an inclusion vertex of a 4-gon.
        fence_items = await call(drone.mission_raw.download_geofence(), TRANSFER_TIMEOUT_S, "geofence download")
        result["fence_downloaded"] = [
            {"command": i.command, "vertices": i.param1, "x": i.x, "y": i.y} for i in fence_items
        ]
        result["fence_sent"] = [{"x": e7(p.latitude_deg), "y": e7(p.longitude_deg)} for p in corners]

        items = mission_items(lat, lon, alt)
        await call(drone.mission_raw.upload_mission(items), TRANSFER_TIMEOUT_S, "mission upload")
        result["uploaded"] = len(items)
        back = await call(drone.mission_raw.download_mission(), TRANSFER_TIMEOUT_S, "mission download")
        result["downloaded"] = [item_tuple(i) for i in back] == [item_tuple(i) for i in items]
        if not result["downloaded"]:
            result["downloaded_items"] = [str(i) for i in back]

        progress = []
        result["progress"] = progress
        done = asyncio.Event()

        async def watch_progress():
            async for p in drone.mission_raw.mission_progress():
                progress.append([p.current, p.total])
                if p.total > 0 and p.current == p.total:
                    done.set()

        in_air = {"seen": False}

        async def watch_in_air():
            async for flying in drone.telemetry.in_air():
                if flying:
                    in_air["seen"] = True

        watchers.append(asyncio.ensure_future(watch_progress()))
        watchers.append(asyncio.ensure_future(watch_in_air()))

        await call(drone.action.arm(), COMMAND_TIMEOUT_S, "arm")
        await call(drone.mission_raw.start_mission(), COMMAND_TIMEOUT_S, "start mission (AUTO)")
        started = time.monotonic()
        try:
            await asyncio.wait_for(done.wait(), FLIGHT_TIMEOUT_S)
        except asyncio.TimeoutError:
            result["flight_timeout"] = f"mission progress did not reach total within {FLIGHT_TIMEOUT_S} s"
        result["flight_s"] = round(time.monotonic() - started, 1)
        # The RTL ends with ArduPilot's automatic disarm after landing.
        try:
            await first(drone.telemetry.armed(), lambda armed: not armed, DISARM_TIMEOUT_S, "disarm after RTL")
            result["landed"] = in_air["seen"]
        except FlightFailure as err:
            result["landed"] = False
            result["landed_error"] = str(err)
        result["in_air_seen"] = in_air["seen"]
        result["in_air_at_end"] = await first(drone.telemetry.in_air(), lambda _: True, COMMAND_TIMEOUT_S, "in_air")
        # Where MAVSDK sees it come down: RTL lands at home.
        at = await first(drone.telemetry.position(), lambda _: True, COMMAND_TIMEOUT_S, "position")
        result["final_from_home_m"] = round(distance_m(lat, lon, at.latitude_deg, at.longitude_deg), 2)
        result["final_relative_alt_m"] = round(at.relative_altitude_m, 2)
        # MAVSDK 4 decides "finished" from MISSION_CURRENT's mission_state when the vehicle reports
        # one (MAVSDK PR 2596), and that can arrive just after the last MISSION_ITEM_REACHED that
        # completed the progress: ask until it says so, for a bounded while.
        result["finished"] = await finished_within(drone, FINISHED_TIMEOUT_S)
    finally:
        for w in watchers:
            w.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
    return result


def sim_port(sim_argv):
    for flag, value in zip(sim_argv, sim_argv[1:]):
        if flag == "--base-port":
            return int(value)
    raise FlightFailure("the simulator command has no --base-port")


def run(home, sim_argv):
    port = sim_port(sim_argv)
    grpc_port = free_tcp_port()
    with tempfile.TemporaryFile() as sim_log, tempfile.TemporaryFile() as server_log:
        sim = start_child(sim_argv, sim_log)
        server = None
        try:
            server = start_child(
                [
                    os.path.join(os.path.dirname(mavsdk_grpc.__file__), "bin", "mavsdk_server"),
                    "-p",
                    str(grpc_port),
                    # udpout: mavsdk_server sends first (its heartbeat), which makes it the
                    # simulator's peer; a udpin server would never hear from the simulator.
                    f"udpout://{HOST}:{port}",
                ],
                server_log,
            )
            try:
                started = time.monotonic()
                result = asyncio.run(fly(grpc_port, home))
                result["wall_s"] = round(time.monotonic() - started, 1)
                return result
            except grpc.RpcError as err:
                raise FlightFailure(f"gRPC error: {err}") from err
        except FlightFailure as err:
            exits = [f"{name} exited with {c.returncode}" for name, c in (("sim", sim), ("mavsdk_server", server))
                     if c is not None and c.poll() is not None]
            raise FlightFailure(
                f"{err}{'; ' if exits else ''}{'; '.join(exits)}\n"
                f"--- mavsdk_server log (tail) ---\n{log_tail(server_log)}\n"
                f"--- sim log (tail) ---\n{log_tail(sim_log)}"
            ) from err
        finally:
            if server is not None:
                stop_child(server)
            stop_child(sim)


def on_alarm(_signum, _frame):
    # A wait that ignored its timeout (inside gRPC's C core, say): leave anyway; the children
    # die with us (PR_SET_PDEATHSIG).
    sys.stderr.write(f"mavsdk_fly.py: gave up after {RUN_LIMIT_S} s\n")
    sys.stderr.flush()
    os._exit(3)


def main(argv):
    if len(argv) < 6 or argv[4] != "--":
        sys.stderr.write(__doc__)
        return 2
    home = (float(argv[1]), float(argv[2]), float(argv[3]))
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(RUN_LIMIT_S)
    try:
        result = run(home, argv[5:])
    except (FlightFailure, OSError, subprocess.SubprocessError) as err:
        sys.stderr.write(f"mavsdk_fly.py: {err}\n")
        return 1
    finally:
        signal.alarm(0)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
