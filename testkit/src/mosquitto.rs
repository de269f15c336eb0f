//! A real Mosquitto for tests: its own temp directory, a free loopback port, a password file and
//! an ACL file, persistence, and stop (SIGTERM) / restart on the same port.
//!
//! Mosquitto is stopped with SIGTERM, which makes it save its persistence file: with SIGKILL a
//! message the broker acknowledged but had not yet forwarded would be lost by the broker.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A Mosquitto process with its files; killed and its directory removed on drop.
pub struct Mosquitto {
    dir: PathBuf,
    conf: PathBuf,
    port: u16,
    child: Option<Child>,
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether `mosquitto` and `mosquitto_passwd` are installed; reports them missing through
/// [`crate::peer_unavailable`] (SKIPPED, or a failure when peers are required) when not.
pub fn available() -> bool {
    if installed("mosquitto") && installed("mosquitto_passwd") {
        return true;
    }
    crate::peer_unavailable(
        "mosquitto",
        "`mosquitto`/`mosquitto_passwd` not on PATH",
        "apt install mosquitto",
    );
    false
}

/// A TCP port free on loopback now.
pub fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind an ephemeral TCP port");
    listener.local_addr().expect("local address").port()
}

impl Mosquitto {
    /// Starts Mosquitto with these `(username, password)` pairs (hashed by `mosquitto_passwd`)
    /// and this `acl_file` text; None (after [`available`] reported why) when not installed.
    pub fn start(users: &[(&str, &str)], acl: &str) -> Option<Self> {
        if !available() {
            return None;
        }
        let dir = Self::make_dir();
        let passwd = dir.join("passwd");
        std::fs::write(&passwd, "").expect("create the password file");
        for (user, password) in users {
            let status = Command::new("mosquitto_passwd")
                .arg("-b")
                .arg(&passwd)
                .args([user, password])
                .status()
                .expect("run mosquitto_passwd");
            assert!(status.success(), "mosquitto_passwd failed for {user}");
        }
        Some(Self::launch(dir, acl))
    }

    /// Starts Mosquitto with a ready password file (`user:$7$...` lines, as the code under test
    /// generates them) and `acl_file` text; None when not installed.
    pub fn start_with_password_file(password_file: &str, acl: &str) -> Option<Self> {
        if !available() {
            return None;
        }
        let dir = Self::make_dir();
        std::fs::write(dir.join("passwd"), password_file).expect("write the password file");
        Some(Self::launch(dir, acl))
    }

    fn make_dir() -> PathBuf {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("portops-mosquitto-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(dir.join("db")).expect("create the broker's temp directory");
        dir
    }

    fn launch(dir: PathBuf, acl: &str) -> Self {
        std::fs::write(dir.join("acl"), acl).expect("write the ACL file");
        let port = free_tcp_port();
        // Run as whoever runs the test: as root Mosquitto would otherwise switch to the
        // `mosquitto` user, who cannot read our temp files.
        let whoami = Command::new("id")
            .arg("-un")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|_| "root".into());
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "user {whoami}\nlistener {port} 127.0.0.1\nallow_anonymous false\npassword_file {}\nacl_file {}\n\
                 persistence true\npersistence_location {}/\nlog_dest file {}\nlog_type all\n",
                dir.join("passwd").display(),
                dir.join("acl").display(),
                dir.join("db").display(),
                dir.join("mosquitto.log").display(),
            ),
        )
        .expect("write mosquitto.conf");
        let mut broker = Self {
            dir,
            conf,
            port,
            child: None,
        };
        broker.restart();
        broker
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The broker's temp directory (removed on drop): a place for the test's other files too.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What Mosquitto logged so far (connections, refusals, ACL denials).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("mosquitto.log")).unwrap_or_default()
    }

    pub fn running(&self) -> bool {
        self.child.is_some()
    }

    /// SIGTERM, and waits for it to exit (it saves its persistence file first). No-op when stopped.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while child.try_wait().ok().flatten().is_none() {
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("mosquitto did not stop on SIGTERM within 5 s");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts it (again) with the same files and port, and waits until it listens.
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mosquitto");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            if Instant::now() >= deadline {
                let log = self.log();
                panic!(
                    "mosquitto did not listen on port {} within 5 s; its log:\n{log}",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
