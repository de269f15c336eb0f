#!/usr/bin/env python3
"""Drive MAVProxy against the simulator: feed it commands on stdin, step by step, and report what it printed.

    mavproxy_session.py STEPS_JSON -- SIM_COMMAND...

Starts SIM_COMMAND (the simulator, one vehicle on 127.0.0.1:SIM_PORT, SIM_PORT taken from its
`--base-port`), then MAVProxy with `--master=udpout:127.0.0.1:SIM_PORT` (MAVProxy's heartbeats
make it the simulator's peer), `--mav20` and `--no-state` (no logs written). MAVProxy reads
commands on stdin; `--cmd` would run them before the link is up, so each command is written
only once the previous step is done.

STEPS_JSON is a file holding a list of steps: {"command": "wp load FILE" or null, "expect":
REGEX, "count": N (default 1), "timeout_s": T}. A step writes its command (if any), then waits
until N new output lines match REGEX (re.search, after MAVProxy's "MODE> " prompt is removed),
or T seconds. A step that times out ends the session (later steps would only act on a link in
an unknown state).

Prints one JSON object: {"steps": [{"command", "done", "lines": [what MAVProxy printed while the
step ran]}], "wall_s"}. The Rust test asserts on those lines. Exit status 1 and a message on
stderr (with the simulator's and MAVProxy's output tails) when something fails outright;
every wait has a timeout, the whole run is capped at RUN_LIMIT_S, and both children die with
this process (PR_SET_PDEATHSIG).
"""

import ctypes
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

RUN_LIMIT_S = 120
EXIT_TIMEOUT_S = 10
CHILD_EXIT_TIMEOUT_S = 5
HOST = "127.0.0.1"
# MAVProxy prefixes a line with its prompt ("STABILIZE> ", "MAV> ") when it prints while one
# is shown; the prompt is not part of the message.
PROMPT = re.compile(r"^(?:[A-Z0-9_]+> )+")


class SessionFailure(Exception):
    """The session could not run; the message says why."""


def die_with_parent():
    # PR_SET_PDEATHSIG: if this script dies (the test's timeout kills it), the child goes too.
    # It fires when the forking thread ends; children are started from the main thread, which
    # lives as long as the script.
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def stop_child(child):
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=CHILD_EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=CHILD_EXIT_TIMEOUT_S)


def sim_port(sim_argv):
    for flag, value in zip(sim_argv, sim_argv[1:]):
        if flag == "--base-port":
            return int(value)
    raise SessionFailure("the simulator command has no --base-port")


def read_lines(pipe, lines, transcript):
    """Every line MAVProxy prints, into a queue (for the steps) and the transcript (for errors)."""
    for raw in iter(pipe.readline, ""):
        line = PROMPT.sub("", raw.rstrip("\n"))
        transcript.append(line)
        lines.put(line)
    lines.put(None)


def run_step(step, mavproxy, lines):
    """Writes the step's command, then collects output until `count` lines match or time runs out."""
    expect = re.compile(step["expect"])
    needed = step.get("count", 1)
    seen = []
    # What arrived since the last step ended (parameter downloads, status) belongs to no step;
    # it stays in the transcript but must not satisfy this step's expectation.
    while True:
        try:
            if lines.get_nowait() is None:
                raise SessionFailure(f"MAVProxy exited before step {step!r}")
        except queue.Empty:
            break
    if step.get("command"):
        mavproxy.stdin.write(step["command"] + "\n")
        mavproxy.stdin.flush()
    deadline = time.monotonic() + step["timeout_s"]
    matched = 0
    while matched < needed:
        left = deadline - time.monotonic()
        if left <= 0:
            return {"command": step.get("command"), "done": False, "lines": seen}
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            continue
        if line is None:
            raise SessionFailure(f"MAVProxy exited during step {step!r}")
        seen.append(line)
        if expect.search(line):
            matched += 1
    return {"command": step.get("command"), "done": True, "lines": seen}


def tail(text_or_lines, lines=40):
    if isinstance(text_or_lines, list):
        return "\n".join(text_or_lines[-lines:])
    return "\n".join(text_or_lines.splitlines()[-lines:])


def run(steps, sim_argv):
    port = sim_port(sim_argv)
    with tempfile.TemporaryFile() as sim_log:
        sim = subprocess.Popen(
            sim_argv, stdin=subprocess.DEVNULL, stdout=sim_log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
        )
        mavproxy = None
        transcript = []
        try:
            env = dict(os.environ, MAVLINK20="1")
            mavproxy = subprocess.Popen(
                # -u: unbuffered, so each line arrives when MAVProxy prints it.
                [sys.executable, "-u", "-m", "MAVProxy.mavproxy", f"--master=udpout:{HOST}:{port}", "--mav20",
                 "--no-state"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
                preexec_fn=die_with_parent,
            )
            lines = queue.Queue()
            reader = threading.Thread(target=read_lines, args=(mavproxy.stdout, lines, transcript), daemon=True)
            reader.start()
            started = time.monotonic()
            results = []
            for step in steps:
                result = run_step(step, mavproxy, lines)
                results.append(result)
                if not result["done"]:
                    break
            try:
                mavproxy.stdin.write("exit\n")
                mavproxy.stdin.close()
                mavproxy.wait(timeout=EXIT_TIMEOUT_S)
            except (OSError, subprocess.TimeoutExpired):
                # It is stopped below either way; its output so far is what counts.
                pass
            return {"steps": results, "wall_s": round(time.monotonic() - started, 1)}
        except (SessionFailure, OSError) as err:
            sim_log.seek(0)
            raise SessionFailure(
                f"{err}\n--- MAVProxy output (tail) ---\n{tail(transcript)}\n"
                f"--- sim log (tail) ---\n{tail(sim_log.read().decode('utf-8', errors='replace'))}"
            ) from err
        finally:
            if mavproxy is not None:
                stop_child(mavproxy)
            stop_child(sim)


def on_alarm(_signum, _frame):
    # A wait that ignored its timeout: leave anyway; the children die with us (PDEATHSIG).
    sys.stderr.write(f"mavproxy_session.py: gave up after {RUN_LIMIT_S} s\n")
    sys.stderr.flush()
    os._exit(3)


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        steps = json.load(f)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(RUN_LIMIT_S)
    try:
        result = run(steps, argv[3:])
    except (SessionFailure, OSError, subprocess.SubprocessError) as err:
        sys.stderr.write(f"mavproxy_session.py: {err}\n")
        return 1
    finally:
        signal.alarm(0)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
