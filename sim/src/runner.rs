//! The I/O shell: a UDP endpoint per vehicle, lockstep time paced to a speed-up, failure plans.

use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::failures::TimedFailure;
use crate::link::VehicleLink;

/// Physics and autopilot rate: 400 Hz, as ArduCopter's main loop.
pub const STEP_S: f64 = 1.0 / 400.0;

/// A vehicle's UDP port: ArduPilot's `-I` instances are 10 ports apart.
pub fn vehicle_port(base: u16, index: usize) -> u16 {
    base.saturating_add(10 * index as u16)
}

/// Time pacing: simulated time runs `speedup` times wall time, or as fast as possible.
#[derive(Debug, Clone)]
pub struct Pacer {
    speedup: Option<f64>,
    start: Instant,
}

impl Pacer {
    pub fn new(speedup: Option<f64>) -> Self {
        Self {
            speedup: speedup.filter(|s| s.is_finite() && *s > 0.0),
            start: Instant::now(),
        }
    }

    /// Sleep until wall time catches up with simulated time `sim_s` (no-op when as fast as possible).
    pub fn wait_for(&self, sim_s: f64) {
        let Some(speedup) = self.speedup else { return };
        let due = Duration::from_secs_f64(sim_s / speedup);
        let elapsed = self.start.elapsed();
        // Sleeping is coarse; only sleep when a millisecond or more ahead.
        if due > elapsed + Duration::from_millis(1) {
            std::thread::sleep(due - elapsed);
        }
    }

    pub fn wall_elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

/// One vehicle's UDP port: it answers every peer that has sent to it, and pushes to fixed outputs.
pub struct Endpoint {
    socket: UdpSocket,
    peers: Vec<SocketAddr>,
    outputs: Vec<SocketAddr>,
    buf: Vec<u8>,
}

impl Endpoint {
    pub fn bind(addr: SocketAddr, outputs: Vec<SocketAddr>) -> std::io::Result<Self> {
        let socket = UdpSocket::bind(addr)?;
        socket.set_nonblocking(true)?;
        Ok(Self {
            socket,
            peers: Vec::new(),
            outputs,
            buf: vec![0; 65_536],
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Every datagram waiting, with its sender (who becomes a peer).
    pub fn receive(&mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            match self.socket.recv_from(&mut self.buf) {
                Ok((n, from)) => {
                    if !self.peers.contains(&from) && !self.outputs.contains(&from) {
                        tracing::info!(%from, "new MAVLink peer");
                        self.peers.push(from);
                    }
                    out.push(self.buf[..n].to_vec());
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                // ICMP "port unreachable" from a peer that went away shows up here on Linux.
                Err(e) if e.kind() == ErrorKind::ConnectionRefused || e.kind() == ErrorKind::ConnectionReset => {
                    continue;
                }
                Err(e) => {
                    tracing::warn!("UDP receive failed: {e}");
                    break;
                }
            }
        }
        out
    }

    pub fn send(&mut self, datagram: &[u8]) {
        for to in self.peers.iter().chain(self.outputs.iter()) {
            // A full socket buffer drops the datagram, as a radio would; the protocols retry.
            if let Err(e) = self.socket.send_to(datagram, to)
                && e.kind() != ErrorKind::WouldBlock
                && e.kind() != ErrorKind::ConnectionRefused
            {
                tracing::debug!(%to, "UDP send failed: {e}");
            }
        }
    }
}

/// Simulated vehicles with their endpoints, stepped together in lockstep.
pub struct Fleet {
    pub links: Vec<VehicleLink>,
    pub endpoints: Vec<Endpoint>,
    /// The port world and the drones' cameras, when simulated.
    pub rig: Option<crate::rig::Rig>,
    failures: Vec<TimedFailure>,
    time: f64,
    next_net_poll: f64,
    last_net_wall: Instant,
}

/// What a run did, for the command line and the benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub simulated_s: f64,
    pub wall_s: f64,
}

impl RunSummary {
    pub fn speedup(&self) -> f64 {
        if self.wall_s > 0.0 {
            self.simulated_s / self.wall_s
        } else {
            f64::INFINITY
        }
    }
}

impl Fleet {
    pub fn new(links: Vec<VehicleLink>, endpoints: Vec<Endpoint>, mut failures: Vec<TimedFailure>) -> Self {
        failures.sort_by(|a, b| a.at.total_cmp(&b.at));
        Self {
            links,
            endpoints,
            rig: None,
            failures,
            time: 0.0,
            next_net_poll: 0.0,
            last_net_wall: Instant::now(),
        }
    }

    pub fn time(&self) -> f64 {
        self.time
    }

    /// One lockstep step of every vehicle; sockets are served every 10 ms of simulated time
    /// or every wall millisecond, whichever comes first.
    pub fn step(&mut self) {
        self.time += STEP_S;
        while self.failures.first().is_some_and(|f| f.at <= self.time) {
            let f = self.failures.remove(0);
            for link in self
                .links
                .iter_mut()
                .filter(|l| f.vehicle.is_none_or(|v| v == l.sysid()))
            {
                tracing::warn!(sysid = link.sysid(), "injecting failure: {} = {}", f.param, f.value);
                link.set_param(&f.param, f.value);
            }
        }
        let poll = self.time >= self.next_net_poll || self.last_net_wall.elapsed() >= Duration::from_millis(1);
        for (i, link) in self.links.iter_mut().enumerate() {
            if poll && let Some(ep) = self.endpoints.get_mut(i) {
                for datagram in ep.receive() {
                    for reply in link.receive(&datagram) {
                        ep.send(&reply);
                    }
                }
            }
            let out = link.tick(STEP_S);
            if let Some(ep) = self.endpoints.get_mut(i) {
                for datagram in out {
                    ep.send(&datagram);
                }
            }
        }
        if poll {
            self.next_net_poll = self.time + 0.01;
            self.last_net_wall = Instant::now();
        }
        if let Some(rig) = self.rig.as_mut() {
            rig.step(self.time, &self.links);
        }
    }

    /// Run until `until` seconds of simulated time (for ever when None), paced by `pacer`,
    /// stopping early when `stop` returns true (checked every simulated second).
    pub fn run(&mut self, pacer: &Pacer, until: Option<f64>, mut stop: impl FnMut(&Fleet) -> bool) -> RunSummary {
        let start_sim = self.time;
        let mut next_check = self.time + 1.0;
        while until.is_none_or(|u| self.time < u) {
            self.step();
            pacer.wait_for(self.time - start_sim);
            if self.time >= next_check {
                next_check += 1.0;
                if stop(self) {
                    break;
                }
            }
        }
        RunSummary {
            simulated_s: self.time - start_sim,
            wall_s: pacer.wall_elapsed().as_secs_f64(),
        }
    }
}

/// A fleet running in a thread of its own, stopped when dropped: for tests and tools that
/// talk to the simulator from the same process.
pub struct BackgroundFleet {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<RunSummary>>,
}

impl BackgroundFleet {
    /// Run `fleet` at `speedup` (None: as fast as possible) for at most `limit` simulated seconds.
    pub fn start(mut fleet: Fleet, speedup: Option<f64>, limit: f64) -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let pacer = Pacer::new(speedup);
            fleet.run(&pacer, Some(limit), |_| flag.load(Ordering::Relaxed))
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Stop and wait for the thread; what the run did.
    pub fn stop(mut self) -> Option<RunSummary> {
        self.halt()
    }

    fn halt(&mut self) -> Option<RunSummary> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.take().and_then(|t| t.join().ok())
    }
}

impl Drop for BackgroundFleet {
    fn drop(&mut self) {
        self.halt();
    }
}
