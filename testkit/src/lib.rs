//! Test helpers shared by the crates' interop tests: the Python peers' interpreter, the skip-or-fail rule, temp files.
//!
//! The interpreter is `PORTOPS_PYTHON`, else `<workspace>/.venv/bin/python`. A peer that is not
//! there makes a test print SKIPPED and return, or fail when `PORTOPS_REQUIRE_PEERS=1` (CI, where
//! scripts/setup has installed the peers).

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
