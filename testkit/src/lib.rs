//! Test helpers shared by the crates' interop tests: the Python peers' interpreter, the skip-or-fail rule, temp files, a real Mosquitto ([`mosquitto`]).
//!
//! The interpreter is `PORTOPS_PYTHON`, else `<workspace>/.venv/bin/python`. A peer that is not
//! there makes a test print SKIPPED and return, or fail when `PORTOPS_REQUIRE_PEERS=1` (CI, where
//! scripts/setup has installed the peers).

pub mod mosquitto;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Reports a peer that cannot run: panics when peers are required, else prints SKIPPED, so
/// that a developer without the peers still gets a green `cargo test` but CI cannot.
pub fn peer_unavailable(peer: &str, problem: &str, remedy: &str) {
    if std::env::var("PORTOPS_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("{peer} interop cannot run: {problem} ({remedy})");
    }
    eprintln!("SKIPPED {peer} interop: {problem} ({remedy})");
}

/// The Python interpreter, if it runs `probe` (code that imports what the peer needs and exits
/// non-zero, with the reason as the last stderr line, when something is missing). None after
/// [`peer_unavailable`] otherwise.
pub fn python(peer: &str, probe: &str) -> Option<PathBuf> {
    let python = std::env::var_os("PORTOPS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    let problem = if !python.exists() {
        Some(format!("{} does not exist", python.display()))
    } else {
        match Command::new(&python).args(["-c", probe]).output() {
            Ok(out) if out.status.success() => None,
            Ok(out) => Some(format!(
                "{} cannot run the {peer} probe: {}",
                python.display(),
                // The traceback's last line says what is missing.
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").trim()
            )),
            Err(err) => Some(format!("cannot run {}: {err}", python.display())),
        }
    };
    match problem {
        None => Some(python),
        Some(problem) => {
            peer_unavailable(peer, &problem, "run scripts/setup to install the peers");
            None
        }
    }
}

/// A fresh path in the temp directory, removed when dropped.
pub struct TempFile(pub PathBuf);

impl TempFile {
    /// `portops-<peer>-<pid>-<tag>-<n>.<ext>`: unique per process and call, so tests running in
    /// parallel never share a file.
    pub fn new(peer: &str, tag: &str, ext: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Self(std::env::temp_dir().join(format!("portops-{peer}-{}-{tag}-{n}.{ext}", std::process::id())))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs a command, killing it after `limit`; the exit status (None when killed), stdout, stderr.
///
/// Both pipes are drained on threads: a child that fills a pipe would otherwise block and
/// never exit. The caller sets up the pipes (`Stdio::piped()`) it wants back.
pub fn run_with_timeout(
    mut command: Command,
    limit: std::time::Duration,
) -> (Option<std::process::ExitStatus>, String, String) {
    use std::io::Read;
    let what = format!("{:?}", command.get_program());
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("waiting for {what}: {e}")) {
            break Some(status);
        }
        if std::time::Instant::now() >= deadline {
            // In a PID namespace this kills everything inside; outside, the peer scripts'
            // children die with them (PR_SET_PDEATHSIG).
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    (status, stdout, stderr)
}

/// A UDP port free on loopback now.
pub fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind((std::net::Ipv4Addr::LOCALHOST, 0)).expect("bind an ephemeral UDP port");
    socket.local_addr().expect("local address").port()
}

/// `unshare` arguments for a peer test's own hosts: a new network namespace with only loopback,
/// and a PID namespace whose first process takes every other one with it when it dies
/// (`--kill-child`: when `unshare` itself is killed on a timeout).
pub const NAMESPACE: [&str; 5] = ["--net", "--pid", "--fork", "--kill-child", "--"];
/// What runs first inside the namespace: its loopback starts down.
pub const LOOPBACK_UP: &str = "ip link set lo up";

/// Why a loopback-only namespace cannot be made here, or None when it can.
pub fn namespace_problem() -> Option<String> {
    let probe = Command::new("unshare")
        .args(NAMESPACE)
        .args(["sh", "-c", LOOPBACK_UP])
        .stdin(std::process::Stdio::null())
        .output();
    match probe {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "`unshare {}` failed ({}): {}",
            NAMESPACE.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Some("`unshare` is not installed".to_string()),
        Err(err) => Some(format!("cannot run unshare: {err}")),
    }
}

/// How a peer that opens a port on every interface (mavsdk_server's gRPC) may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// In fresh network and PID namespaces with only loopback: nothing outside can reach it.
    Namespace,
    /// As is, because `PORTOPS_ALLOW_WIDE_BIND=1` says this host may open such a port.
    WideBind,
}

/// The isolation for `peer`, or None after [`peer_unavailable`] when it may not run here.
pub fn wide_bind_isolation(peer: &str, what_binds: &str) -> Option<Isolation> {
    let Some(problem) = namespace_problem() else {
        return Some(Isolation::Namespace);
    };
    if std::env::var("PORTOPS_ALLOW_WIDE_BIND").as_deref() == Ok("1") {
        eprintln!(
            "WARNING: no network namespace ({problem}); PORTOPS_ALLOW_WIDE_BIND=1, so {what_binds} \
             binds 0.0.0.0 on this host while the test runs"
        );
        return Some(Isolation::WideBind);
    }
    peer_unavailable(
        peer,
        &format!("no loopback-only network namespace for {what_binds}: {problem}"),
        "run as root with util-linux and iproute2, which scripts/setup installs, \
         or set PORTOPS_ALLOW_WIDE_BIND=1 where that port may be open",
    );
    None
}

/// A MAVLink signing key made for one test run and never stored (secrets stay out of the repo).
pub fn fresh_signing_key() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS per process; mix in time and a counter per byte.
    let state = std::collections::hash_map::RandomState::new();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::array::from_fn(|i| {
        let mut h = state.build_hasher();
        h.write_u128(nanos);
        h.write_usize(i);
        h.finish() as u8
    })
}

/// Runs a peer script that prints JSON Lines, failing the test with its stderr when it fails.
pub fn json_lines(mut command: Command, what: &str) -> Vec<serde_json::Value> {
    let out = command.output().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{what}: bad JSON {line:?}: {e}")))
        .collect()
}

/// `argv` run inside a fresh loopback-only network namespace (see [`NAMESPACE`]), or as is.
/// The arguments reach the program as "$0" "$@", so no path is ever parsed by sh.
pub fn command_for(argv: &[String], namespace: bool) -> Command {
    if namespace {
        let mut c = Command::new("unshare");
        c.args(NAMESPACE)
            .args(["sh", "-c", &format!("{LOOPBACK_UP} && exec \"$0\" \"$@\"")])
            .args(argv);
        c
    } else {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        c
    }
}
