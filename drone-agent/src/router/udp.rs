//! The router's sockets: UDP to the autopilot (we write first, as to SITL or a UDP serial
//! bridge) and one UDP port per ground-station link that answers whoever writes to it.

use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Link, Router, RouterStats, VehicleState};

/// What the running router shares with the rest of the agent.
#[derive(Debug, Default)]
pub struct Shared {
    pub state: Mutex<VehicleState>,
    pub stats: Mutex<RouterStats>,
}

struct GcsPort {
    socket: UdpSocket,
    peers: Vec<SocketAddr>,
}

/// A router running on its own thread until dropped.
pub struct RouterThread {
    pub gcs_addrs: Vec<SocketAddr>,
    pub shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RouterThread {
    /// Bind the ground-station ports and start routing to and from `autopilot`.
    pub fn start(mut router: Router, autopilot: SocketAddr, gcs_binds: &[SocketAddr]) -> std::io::Result<Self> {
        let ap = UdpSocket::bind(if autopilot.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
        ap.set_nonblocking(true)?;
        let mut ports = Vec::new();
        for addr in gcs_binds {
            let socket = UdpSocket::bind(addr)?;
            socket.set_nonblocking(true)?;
            ports.push(GcsPort {
                socket,
                peers: Vec::new(),
            });
        }
        let gcs_addrs = ports.iter().map(|p| p.socket.local_addr()).collect::<Result<_, _>>()?;
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (s, flag) = (shared.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let mut buf = vec![0u8; 65_536];
            let mut last_publish = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                let now = start.elapsed().as_secs_f64();
                let mut out = router.tick(now);
                let mut busy = false;
                loop {
                    match ap.recv_from(&mut buf) {
                        Ok((n, _)) => {
                            busy = true;
                            out.extend(router.route(now, Link::Autopilot, &buf[..n]));
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
                        Err(e) => {
                            tracing::warn!("autopilot link: {e}");
                            break;
                        }
                    }
                }
                for (i, port) in ports.iter_mut().enumerate() {
                    loop {
                        match port.socket.recv_from(&mut buf) {
                            Ok((n, from)) => {
                                busy = true;
                                if !port.peers.contains(&from) {
                                    tracing::info!(%from, "ground station on link {i}");
                                    port.peers.push(from);
                                }
                                out.extend(router.route(now, Link::Gcs(i), &buf[..n]));
                            }
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
                            Err(e) => {
                                tracing::warn!("ground-station link {i}: {e}");
                                break;
                            }
                        }
                    }
                }
                for (link, datagram) in out {
                    match link {
                        Link::Autopilot => {
                            let _ = ap.send_to(&datagram, autopilot);
                        }
                        Link::Gcs(i) => {
                            if let Some(port) = ports.get(i) {
                                for peer in &port.peers {
                                    let _ = port.socket.send_to(&datagram, peer);
                                }
                            }
                        }
                    }
                }
                if last_publish.elapsed() >= Duration::from_millis(100) {
                    last_publish = Instant::now();
                    if let Ok(mut st) = s.state.lock() {
                        *st = router.state().clone();
                    }
                    if let Ok(mut st) = s.stats.lock() {
                        *st = router.stats();
                    }
                }
                if !busy {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        });
        Ok(Self {
            gcs_addrs,
            shared,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for RouterThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
