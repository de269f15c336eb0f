//! Raw RGB frames over TCP for GStreamer's `tcpclientsrc ! rawvideoparse`, never blocking the simulation.
//!
//! Each connected client receives whole frames, back to back, `width × height × 3` bytes of
//! row-major RGB each, with no header:
//!
//! ```text
//! gst-launch-1.0 tcpclientsrc host=127.0.0.1 port=P ! rawvideoparse width=W height=H \
//!     format=rgb framerate=F/1 ! videoconvert ! autovideosink
//! ```
//!
//! Sockets are non-blocking. A client still busy with an earlier frame when a new one is
//! sent skips the new one (frames are dropped whole, so the byte stream stays aligned); a
//! client whose socket fails is removed.

use std::io::{self, ErrorKind, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;

use super::Frame;

struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    /// The frame being written and how much of it has gone.
    pending: Option<(Arc<Vec<u8>>, usize)>,
}

impl Client {
    /// Writes what the socket takes now; Err when the client is gone.
    fn flush(&mut self) -> io::Result<()> {
        while let Some((data, sent)) = &mut self.pending {
            match self.stream.write(&data[*sent..]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => {
                    *sent += n;
                    if *sent == data.len() {
                        self.pending = None;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// A listening socket and its clients; see the module documentation.
pub struct FrameServer {
    listener: TcpListener,
    clients: Vec<Client>,
    frames_sent: u64,
    frames_dropped: u64,
}

impl FrameServer {
    /// Listens on `addr` (port 0 picks a free one; see [`FrameServer::local_addr`]).
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<FrameServer> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Ok(FrameServer {
            listener,
            clients: Vec::new(),
            frames_sent: 0,
            frames_dropped: 0,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Frames handed to a client in full or in part, counted once per client.
    pub fn frames_sent(&self) -> u64 {
        self.frames_sent
    }

    /// Frames a client skipped because it was still reading an earlier one.
    pub fn frames_dropped(&self) -> u64 {
        self.frames_dropped
    }

    /// Whether some client still has part of a frame to receive.
    pub fn has_pending(&self) -> bool {
        self.clients.iter().any(|c| c.pending.is_some())
    }

    /// Accepts waiting connections and pushes what the sockets take of pending frames.
    pub fn poll(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    // A client we cannot make non-blocking could stall the simulation: refuse it.
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    tracing::debug!(%peer, "video client connected");
                    self.clients.push(Client {
                        stream,
                        peer,
                        pending: None,
                    });
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // WouldBlock: nobody waiting. Other errors (out of descriptors...) are
                // transient for a listener; try again on the next call.
                Err(_) => break,
            }
        }
        self.clients.retain_mut(|c| match c.flush() {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(peer = %c.peer, error = %e, "video client removed");
                false
            }
        });
    }

    /// Sends a frame to every client that has finished the previous one.
    pub fn send(&mut self, frame: &Frame) {
        self.poll();
        if self.clients.is_empty() {
            return;
        }
        let data = Arc::new(frame.rgb.clone());
        for c in &mut self.clients {
            if c.pending.is_some() {
                self.frames_dropped += 1;
            } else {
                c.pending = Some((data.clone(), 0));
                self.frames_sent += 1;
            }
        }
        self.poll();
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::time::{Duration, Instant};

    use super::*;

    fn frame(value: u8) -> Frame {
        Frame {
            time: 0.0,
            width: 4,
            height: 2,
            rgb: vec![value; 24],
            boxes: Vec::new(),
        }
    }

    #[test]
    fn whole_frames_reach_a_client_and_a_closed_one_is_dropped() {
        let mut server = FrameServer::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(server.local_addr().unwrap()).unwrap();
        let start = Instant::now();
        while server.client_count() == 0 && start.elapsed() < Duration::from_secs(5) {
            server.poll();
            std::thread::sleep(Duration::from_millis(5));
        }
        server.send(&frame(7));
        server.send(&frame(9));
        while server.has_pending() {
            server.poll();
        }
        let mut got = vec![0u8; 48];
        client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        client.read_exact(&mut got).unwrap();
        assert!(got[..24].iter().all(|&b| b == 7) && got[24..].iter().all(|&b| b == 9));
        drop(client);
        let start = Instant::now();
        while server.client_count() > 0 && start.elapsed() < Duration::from_secs(5) {
            server.send(&frame(1));
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(server.client_count(), 0);
    }

    #[test]
    fn a_client_that_does_not_read_never_blocks_and_loses_whole_frames() {
        let mut server = FrameServer::bind("127.0.0.1:0").unwrap();
        let _client = TcpStream::connect(server.local_addr().unwrap()).unwrap();
        let big = Frame {
            rgb: vec![3; 1 << 20],
            width: 512,
            height: 683,
            ..frame(0)
        };
        let start = Instant::now();
        for _ in 0..50 {
            server.send(&big);
        }
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(server.frames_dropped() > 0, "{}", server.frames_sent());
    }
}
