//! MAVProxy, as a ground station, uploads a waypoint file and fence files to the `sim` binary and reads them back.
//!
//! Each test writes the files MAVProxy users keep (QGC WPL 110 waypoints, and fences both as
//! QGC WPL 110 and as MAVProxy's classic list of points), runs
//! `sim/tests/peers/mavproxy_session.py` (the simulator plus `mavproxy.py
//! --master=udpout:...`, commands fed on stdin once the link is up) and asserts on what
//! MAVProxy printed: that it loaded and sent every item, that the vehicle acknowledged the
//! upload with MAV_MISSION_ACCEPTED, and that `wp list` / `fence list` read back what a real
//! ArduPilot would store: the items as sent, except mission item 0, which ArduPilot always
//! reads back as its own home (AP_Mission::read_cmd_from_storage), whatever was uploaded there.
//!
//! MAVProxy opens no listening port here (a `udpout` master, no `--out`), so isolation is not
//! needed for safety; the simulator and MAVProxy still run in a network and PID namespace when
//! `unshare` allows (a fixed port, nothing shared with other tests, everything killed on a
//! timeout), and on a free loopback port otherwise. A missing Python peer (`PORTOPS_PYTHON`,
//! else `<workspace>/.venv/bin/python`) prints SKIPPED, or fails with `PORTOPS_REQUIRE_PEERS=1`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use mission::geodesy::{LatLon, destination};
use serde_json::{Value, json};
use testkit::{TempFile, workspace_root};

const PEER: &str = "mavproxy";
const PROBE: &str = "import os; os.environ['MAVLINK20'] = '1'; import MAVProxy.mavproxy, pymavlink.mavwp";
const SCRIPT: &str = "sim/tests/peers/mavproxy_session.py";
/// The script gives up by itself after 120 s; this only catches one that hangs regardless.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(150);
/// The vehicle's home: lat, lon, alt AMSL.
const HOME: (f64, f64, f64) = (44.3975, 8.9005, 4.0);
const NAMESPACE_PORT: u16 = 5760;
/// Step timeouts: MAVProxy starts and hears the vehicle in a second or two, and a transfer of a
/// few items takes well under a second.
const CONNECT_TIMEOUT_S: u64 = 30;
const STEP_TIMEOUT_S: u64 = 10;
/// MAVProxy sends int(degrees × 1e7), truncating, then prints degrees with 10 decimals.
const DEG_TOLERANCE: f64 = 1.5e-7;

/// One mission item as a QGC WPL 110 line holds it (degrees for global positions).
#[derive(Debug, Clone, Copy, PartialEq)]
struct WplItem {
    current: u8,
    frame: u8,
    command: u16,
    params: [f64; 4],
    x: f64,
    y: f64,
    z: f64,
    autocontinue: u8,
}

impl WplItem {
    fn new(frame: u8, command: u16, params: [f64; 4], at: Option<LatLon>, z: f64) -> Self {
        let (x, y) = at.map_or((0.0, 0.0), |p| (p.lat, p.lon));
        Self {
            current: 0,
            frame,
            command,
            params,
            x,
            y,
            z,
            autocontinue: 1,
        }
    }
}

/// A QGC WPL 110 file: header, then seq, current, frame, command, param1-4, x, y, z, autocontinue.
fn write_wpl(path: &Path, items: &[WplItem]) {
    let mut text = String::from("QGC WPL 110\n");
    for (seq, i) in items.iter().enumerate() {
        let [p1, p2, p3, p4] = i.params;
        text.push_str(&format!(
            "{seq}\t{}\t{}\t{}\t{p1}\t{p2}\t{p3}\t{p4}\t{:.8}\t{:.8}\t{}\t{}\n",
            i.current, i.frame, i.command, i.x, i.y, i.z, i.autocontinue
        ));
    }
    std::fs::write(path, text).expect("write the WPL file");
}

/// An item as `wp list` / `fence list` print it:
/// `command frame x y z p1=.. p2=.. p3=.. p4=.. cur=.. auto=..`.
fn parse_listed(line: &str) -> Option<WplItem> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() != 11 {
        return None;
    }
    let value = |i: usize, key: &str| fields[i].strip_prefix(key)?.parse::<f64>().ok();
    Some(WplItem {
        command: fields[0].parse().ok()?,
        frame: fields[1].parse().ok()?,
        x: fields[2].parse().ok()?,
        y: fields[3].parse().ok()?,
        z: fields[4].parse().ok()?,
        params: [value(5, "p1=")?, value(6, "p2=")?, value(7, "p3=")?, value(8, "p4=")?],
        current: fields[9].strip_prefix("cur=")?.parse().ok()?,
        autocontinue: fields[10].strip_prefix("auto=")?.parse().ok()?,
    })
}

/// Every field that differs between what was read back and what is expected; `current` is
/// left out (which item is current is the vehicle's to say). Params are printed with one decimal.
fn differences(read: &WplItem, expected: &WplItem) -> Vec<String> {
    let mut out = Vec::new();
    if (read.command, read.frame, read.autocontinue) != (expected.command, expected.frame, expected.autocontinue) {
        out.push(format!(
            "command/frame/autocontinue {:?}, expected {:?}",
            (read.command, read.frame, read.autocontinue),
            (expected.command, expected.frame, expected.autocontinue)
        ));
    }
    for (name, r, e, tolerance) in [
        ("x", read.x, expected.x, DEG_TOLERANCE),
        ("y", read.y, expected.y, DEG_TOLERANCE),
        ("z", read.z, expected.z, 1e-4),
    ] {
        if (r - e).abs() > tolerance {
            out.push(format!("{name} {r}, expected {e}"));
        }
    }
    for (k, (r, e)) in read.params.iter().zip(expected.params).enumerate() {
        if (r - e).abs() > 0.051 {
            out.push(format!("param{} {r}, expected {e}", k + 1));
        }
    }
    out
}

/// One MAVProxy command and the output line(s) that end it.
fn step(command: Option<String>, expect: &str, count: usize) -> Value {
    json!({"command": command, "expect": expect, "count": count, "timeout_s": STEP_TIMEOUT_S})
}

fn connected() -> Value {
    json!({"command": null, "expect": r"^Detected vehicle 1:1 ", "timeout_s": CONNECT_TIMEOUT_S})
}

/// A load ends with the vehicle's MISSION_ACK, whatever its result.
fn load(module: &str, file: &Path, mission_type: &str) -> Value {
    step(
        Some(format!("{module} load {}", file.display())),
        &format!(r"^Got MISSION_ACK: TYPE_{mission_type}: "),
        1,
    )
}

/// A list ends with its `count` item lines.
fn list(module: &str, count: usize) -> Value {
    step(
        Some(format!("{module} list")),
        r"^\d+ \d+ -?\d+\.\d{10} -?\d+\.\d{10} ",
        count,
    )
}

/// How the session runs: in namespaces (fixed port) or on the host's loopback (a free port).
enum Isolation {
    Namespace,
    HostLoopback,
}

fn isolation() -> Isolation {
    match testkit::namespace_problem() {
        None => Isolation::Namespace,
        Some(problem) => {
            // MAVProxy opens no listening port here, so running outside is safe, only shared.
            eprintln!("note: no network namespace ({problem}); MAVProxy and sim use a free loopback port");
            Isolation::HostLoopback
        }
    }
}

/// What MAVProxy printed during one step, and whether the step ended as expected.
struct StepOutput {
    command: String,
    done: bool,
    lines: Vec<String>,
}

/// Runs the steps against a fresh simulator: each step's output, in order, up to the first
/// step that did not end as expected (the session stops there).
fn session(python: &Path, steps: &[Value]) -> Vec<StepOutput> {
    let steps_file = TempFile::new(PEER, "steps", "json");
    std::fs::write(&steps_file.0, serde_json::to_string(steps).unwrap()).expect("write the steps");
    let isolation = isolation();
    let port = match isolation {
        Isolation::Namespace => NAMESPACE_PORT,
        Isolation::HostLoopback => testkit::free_udp_port(),
    };
    let home = format!("{},{},{}", HOME.0, HOME.1, HOME.2);
    let mut argv: Vec<String> = vec![python.display().to_string(), SCRIPT.into()];
    argv.push(steps_file.0.display().to_string());
    argv.push("--".into());
    argv.push(env!("CARGO_BIN_EXE_sim").into());
    for arg in [
        "run",
        "--vehicles",
        "1",
        "--speedup",
        "10",
        "--home",
        &home,
        "--duration",
        "600",
    ] {
        argv.push(arg.into());
    }
    argv.extend(["--base-port".into(), port.to_string()]);
    let mut command = testkit::command_for(&argv, matches!(isolation, Isolation::Namespace));
    command
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let (status, stdout, stderr) = testkit::run_with_timeout(command, SCRIPT_TIMEOUT);
    eprintln!(
        "MAVProxy session took {:.1} s of wall time",
        started.elapsed().as_secs_f64()
    );
    let status =
        status.unwrap_or_else(|| panic!("{SCRIPT} ran over {SCRIPT_TIMEOUT:?} and was killed; stderr:\n{stderr}"));
    assert!(status.success(), "{SCRIPT} failed ({status}):\n{stderr}");
    let report: Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("bad JSON from {SCRIPT} ({e}):\n{stdout}"));
    let results = report["steps"].as_array().expect("steps");
    results
        .iter()
        .map(|r| StepOutput {
            command: r["command"]
                .as_str()
                .unwrap_or("(none: waiting for the link)")
                .to_string(),
            done: r["done"] == true,
            lines: r["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .map(|l| l.as_str().unwrap().to_string())
                .collect(),
        })
        .collect()
}

/// The lines of step `i`, which must have ended as expected; otherwise say which step did not,
/// with what MAVProxy printed.
fn lines_of(out: &[StepOutput], i: usize) -> &[String] {
    let step = out.get(i).unwrap_or_else(|| {
        let last = out.last().expect("at least one step ran");
        panic!(
            "the session stopped at step {} ({}); MAVProxy printed:\n{}",
            out.len() - 1,
            last.command,
            last.lines.join("\n")
        )
    });
    assert!(
        step.done,
        "step {i} ({}) did not complete; MAVProxy printed:\n{}",
        step.command,
        step.lines.join("\n")
    );
    &step.lines
}

fn has_line(lines: &[String], wanted: &str) -> bool {
    lines.iter().any(|l| l == wanted)
}

/// The items a list step printed, in order.
fn listed(lines: &[String]) -> Vec<WplItem> {
    lines.iter().filter_map(|l| parse_listed(l)).collect()
}

/// The read-back list against the expected one: every difference of every item at once.
fn assert_same_items(what: &str, read: &[WplItem], expected: &[WplItem]) {
    assert_eq!(read.len(), expected.len(), "{what}: read back {read:#?}");
    let problems: Vec<String> = read
        .iter()
        .zip(expected)
        .enumerate()
        .flat_map(|(seq, (r, e))| {
            differences(r, e)
                .into_iter()
                .map(move |d| format!("{what} seq {seq}: {d}"))
        })
        .collect();
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn python() -> Option<PathBuf> {
    testkit::python(PEER, PROBE)
}

fn home() -> LatLon {
    LatLon::new(HOME.0, HOME.1)
}

/// MAV_FRAME_GLOBAL, MAV_FRAME_MISSION, MAV_FRAME_GLOBAL_RELATIVE_ALT.
const GLOBAL: u8 = 0;
const MISSION: u8 = 2;
const RELATIVE: u8 = 3;

#[test]
fn mavproxy_uploads_a_waypoint_file_and_reads_back_the_same_mission() {
    let Some(python) = python() else { return };
    let h = home();
    // Item 0 as a planner writes it: a planned home that is not where the vehicle is.
    let planned_home = destination(h, 45.0, 60.0);
    let mut first = WplItem::new(GLOBAL, 16, [0.0; 4], Some(planned_home), 10.0);
    first.current = 1;
    let items = vec![
        first,
        WplItem::new(RELATIVE, 22, [0.0; 4], None, 20.0),
        // Waypoint with a 2 s hold; speed change (ground, 8 m/s, throttle unchanged); loiter 5 s.
        WplItem::new(
            RELATIVE,
            16,
            [2.0, 0.0, 0.0, 0.0],
            Some(destination(h, 30.0, 150.0)),
            25.0,
        ),
        WplItem::new(MISSION, 178, [1.0, 8.0, -1.0, 0.0], None, 0.0),
        WplItem::new(RELATIVE, 16, [0.0; 4], Some(destination(h, 300.0, 180.0)), 30.0),
        WplItem::new(
            RELATIVE,
            19,
            [5.0, 0.0, 0.0, 0.0],
            Some(destination(h, 200.0, 90.0)),
            30.0,
        ),
        WplItem::new(RELATIVE, 20, [0.0; 4], None, 0.0),
    ];
    let file = TempFile::new(PEER, "mission", "txt");
    write_wpl(&file.0, &items);
    let n = items.len();

    let out = session(&python, &[connected(), load("wp", &file.0, "MISSION"), list("wp", n)]);
    lines_of(&out, 0);
    let loaded = lines_of(&out, 1);
    let name = file.0.display();
    assert!(
        has_line(loaded, &format!("Loaded {n} waypoints from {name}")),
        "{loaded:#?}"
    );
    assert!(has_line(loaded, &format!("Sent all {n} waypoints")), "{loaded:#?}");
    assert!(
        has_line(loaded, "Got MISSION_ACK: TYPE_MISSION: ACCEPTED"),
        "{loaded:#?}"
    );
    let listing = lines_of(&out, 2);
    assert!(
        listing[0].starts_with(&format!("Requesting {n} waypoints")),
        "{listing:#?}"
    );

    // What the vehicle stores: the items as sent, but item 0 is the vehicle's own home.
    let mut expected = items.clone();
    expected[0] = WplItem::new(GLOBAL, 16, [0.0; 4], Some(h), HOME.2);
    assert_same_items("mission", &listed(listing), &expected);
}

#[test]
fn mavproxy_uploads_a_fence_file_and_reads_back_the_same_fence() {
    let Some(python) = python() else { return };
    let h = home();
    // An inclusion square of 800 m around home (param1: vertex count) and an exclusion
    // circle of 40 m (param1: radius), as `fence save` writes them.
    let mut items: Vec<WplItem> = [45.0, 135.0, 225.0, 315.0]
        .iter()
        .map(|&bearing| {
            WplItem::new(
                GLOBAL,
                5001,
                [4.0, 0.0, 0.0, 0.0],
                Some(destination(h, bearing, 565.7)),
                0.0,
            )
        })
        .collect();
    items.push(WplItem::new(
        GLOBAL,
        5004,
        [40.0, 0.0, 0.0, 0.0],
        Some(destination(h, 0.0, 120.0)),
        0.0,
    ));
    let file = TempFile::new(PEER, "fence", "txt");
    write_wpl(&file.0, &items);
    let n = items.len();

    let out = session(
        &python,
        &[connected(), load("fence", &file.0, "FENCE"), list("fence", n)],
    );
    lines_of(&out, 0);
    let loaded = lines_of(&out, 1);
    assert!(
        has_line(loaded, &format!("Loaded {n} fence items from {}", file.0.display())),
        "{loaded:#?}"
    );
    assert!(has_line(loaded, &format!("Sent all {n} fence items")), "{loaded:#?}");
    assert!(has_line(loaded, "Got MISSION_ACK: TYPE_FENCE: ACCEPTED"), "{loaded:#?}");
    assert_same_items("fence", &listed(lines_of(&out, 2)), &items);
}

#[test]
fn mavproxy_uploads_a_classic_fence_points_file_with_its_return_point() {
    let Some(python) = python() else { return };
    let h = home();
    // MAVProxy's classic fence file: the return point, the vertices, the first vertex again to
    // close the polygon. MAVProxy sends it as NAV_FENCE_RETURN_POINT (5000) and one
    // NAV_FENCE_POLYGON_VERTEX_INCLUSION (5001, param1 = 4) per vertex; ArduPilot's
    // MissionItemProtocol_Fence accepts all of them (AC_PolyFenceType::RETURN_POINT).
    let vertices: Vec<LatLon> = [45.0, 135.0, 225.0, 315.0]
        .iter()
        .map(|&b| destination(h, b, 565.7))
        .collect();
    let mut points = vec![h];
    points.extend(&vertices);
    points.push(vertices[0]);
    let text: String = points.iter().map(|p| format!("{:.9} {:.9}\n", p.lat, p.lon)).collect();
    let file = TempFile::new(PEER, "fencepoints", "txt");
    std::fs::write(&file.0, text).expect("write the fence points file");

    let n = 1 + vertices.len();
    let out = session(
        &python,
        &[connected(), load("fence", &file.0, "FENCE"), list("fence", n)],
    );
    lines_of(&out, 0);
    let loaded = lines_of(&out, 1);
    assert!(has_line(loaded, &format!("Sent all {n} fence items")), "{loaded:#?}");
    // The vehicle's STATUSTEXT about a refusal arrives after its MISSION_ACK: show it too.
    let after: Vec<&String> = out.iter().skip(1).flat_map(|s| &s.lines).collect();
    assert!(
        has_line(loaded, "Got MISSION_ACK: TYPE_FENCE: ACCEPTED"),
        "the vehicle must accept a fence with a return point, as ArduPilot does; MAVProxy printed: {after:#?}"
    );
    // MAVProxy sends these with autocontinue 0.
    let point = |command: u16, param1: f64, at: LatLon| WplItem {
        autocontinue: 0,
        ..WplItem::new(GLOBAL, command, [param1, 0.0, 0.0, 0.0], Some(at), 0.0)
    };
    let mut expected = vec![point(5000, 0.0, h)];
    expected.extend(vertices.iter().map(|&v| point(5001, vertices.len() as f64, v)));
    assert_same_items("fence", &listed(lines_of(&out, 2)), &expected);
}
