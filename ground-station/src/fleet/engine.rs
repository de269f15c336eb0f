//! The I/O shell: one UDP socket for every vehicle, a codec per vehicle, and the pure machines
//! (state, mission transfers, commands) driven from one loop on the fleet's own thread.
//!
//! Each system id maps to the address it was last heard from, and everything for that vehicle
//! goes there. The station also sends its HEARTBEAT to the addresses it was told to dial, so
//! vehicles and agents that only answer known peers (ArduPilot's UDP server ports, the
//! simulator) learn where it is. Frames refused by a codec (unsigned on a signed link, bad
//! signature, replay, bad CRC) are counted per system id and never reach the state.

// REQUEST_DATA_STREAM is superseded by SET_MESSAGE_INTERVAL, but ArduPilot's streams are rated
// with it (its SRx_ parameters), as QGroundControl and MAVProxy do.
#![allow(deprecated)]

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use mavlink::MavHeader;
use mavlink::dialects::ardupilotmega::{
    COMMAND_LONG_DATA, HEARTBEAT_DATA, MavAutopilot, MavCmd, MavDataStream, MavMessage, MavModeFlag, MavState, MavType,
    REQUEST_DATA_STREAM_DATA,
};
use mavlink::dialects::common;
use mavlink_io::{Codec, RejectReason, SigningKey};
use tokio::net::UdpSocket;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::command::{CommandError, CommandExchange, VehicleCommand};
use super::state::{self, FleetEvent, LinkTracker, VehicleSnapshot};
use super::timing::Rtt;
use super::transfer::{ListKind, Outcome, Transfer};
use super::wire::{self, Direction, Piece, STATION_COMPID, STATION_SYSID, TappedFrame};
use super::{FleetConfig, MissionError, RejectedFrames, StationStats};

const HOME_POSITION_ID: u32 = 242;

/// How often links are checked (rates, loss, lost links) and stats published.
const HOUSEKEEPING: Duration = Duration::from_millis(250);

pub(super) enum TransferOp {
    Upload(Vec<common::MISSION_ITEM_INT_DATA>),
    Download,
    Clear,
}

pub(super) enum Request {
    Transfer {
        sysid: u8,
        list: ListKind,
        op: TransferOp,
        reply: oneshot::Sender<Result<Outcome, MissionError>>,
    },
    Command {
        sysid: u8,
        command: VehicleCommand,
        reply: oneshot::Sender<Result<(), CommandError>>,
    },
}

type TransferReply = oneshot::Sender<Result<Outcome, MissionError>>;
type CommandReply = oneshot::Sender<Result<(), CommandError>>;

struct Vehicle {
    addr: SocketAddr,
    compid: u8,
    tracker: LinkTracker,
    watch: watch::Sender<VehicleSnapshot>,
    rtt: Rtt,
    transfer: Option<(Transfer, TransferReply)>,
    transfers_waiting: VecDeque<(ListKind, TransferOp, TransferReply)>,
    command: Option<(CommandExchange, CommandReply)>,
    commands_waiting: VecDeque<(VehicleCommand, CommandReply)>,
    /// When the round-trip probe (MAV_CMD_REQUEST_MESSAGE for HOME_POSITION) went out.
    probe_sent: Option<Instant>,
}

/// The channels the engine shares with the [`super::Fleet`] handles.
pub(super) struct Channels {
    pub requests: mpsc::Receiver<Request>,
    pub events: broadcast::Sender<FleetEvent>,
    pub frames: broadcast::Sender<TappedFrame>,
    pub registry: Arc<RwLock<BTreeMap<u8, watch::Receiver<VehicleSnapshot>>>>,
    pub stats: Arc<Mutex<StationStats>>,
}

pub(super) struct Engine {
    socket: UdpSocket,
    /// The same socket for sending: a plain non-blocking send needs no readiness from the
    /// runtime (tokio's `try_send_to` refuses until the reactor has polled the socket once).
    sender: std::net::UdpSocket,
    config: FleetConfig,
    channels: Channels,
    /// One codec per system id heard (or dialled), vehicle or not: replay state and counters.
    codecs: HashMap<u8, Codec>,
    /// Heartbeats to dialled addresses no vehicle has answered from yet.
    station_codec: Codec,
    vehicles: BTreeMap<u8, Vehicle>,
    /// Vehicles with a transfer or command open.
    busy: BTreeSet<u8>,
    stats: StationStats,
    last_heartbeat: Option<Instant>,
}

fn key_for(config: &FleetConfig, sysid: u8) -> Option<SigningKey> {
    if config.unsigned_vehicles.contains(&sysid) {
        None
    } else {
        config.signing.clone()
    }
}

impl Engine {
    pub fn new(socket: UdpSocket, sender: std::net::UdpSocket, config: FleetConfig, channels: Channels) -> Self {
        let station_codec = Codec::new(STATION_SYSID, STATION_COMPID, config.signing.clone());
        Self {
            socket,
            sender,
            config,
            channels,
            codecs: HashMap::new(),
            station_codec,
            vehicles: BTreeMap::new(),
            busy: BTreeSet::new(),
            stats: StationStats::default(),
            last_heartbeat: None,
        }
    }

    /// Runs until every [`super::Fleet`] handle is gone.
    pub async fn run(mut self) {
        let mut buf = vec![0u8; 65_536];
        let mut next_housekeeping = Instant::now();
        loop {
            let now = Instant::now();
            if now >= next_housekeeping {
                self.housekeeping(now);
                next_housekeeping = now + HOUSEKEEPING;
            }
            let deadline = self
                .next_deadline()
                .map_or(next_housekeeping, |d| d.min(next_housekeeping));
            tokio::select! {
                received = self.socket.recv_from(&mut buf) => {
                    match received {
                        Ok((n, from)) => self.on_datagram(&buf[..n], from),
                        Err(e) => self.receive_error(&e),
                    }
                    // Drain what else is waiting before looking at timers again.
                    for _ in 0..256 {
                        match self.socket.try_recv_from(&mut buf) {
                            Ok((n, from)) => self.on_datagram(&buf[..n], from),
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) => self.receive_error(&e),
                        }
                    }
                }
                request = self.channels.requests.recv() => match request {
                    Some(request) => self.on_request(request),
                    None => break,
                },
                _ = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)) => {}
            }
            self.poll_exchanges(Instant::now());
        }
        tracing::info!("fleet link stopped");
    }

    fn receive_error(&mut self, e: &std::io::Error) {
        // ICMP "port unreachable" from a peer that went away shows up here on Linux.
        if !matches!(e.kind(), ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset) {
            tracing::warn!("UDP receive failed: {e}");
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.busy
            .iter()
            .filter_map(|sysid| self.vehicles.get(sysid))
            .flat_map(|v| {
                [
                    v.transfer.as_ref().and_then(|(t, _)| t.deadline()),
                    v.command.as_ref().and_then(|(c, _)| c.deadline()),
                ]
            })
            .flatten()
            .min()
    }

    fn on_datagram(&mut self, datagram: &[u8], from: SocketAddr) {
        self.stats.datagrams_in += 1;
        let now = Instant::now();
        let unix_us = wire::unix_us();
        for piece in wire::pieces(datagram) {
            let (bytes, sysid) = match piece {
                Piece::Frame { bytes, sysid } => (bytes, sysid),
                Piece::Junk(_) => {
                    self.stats.junk += 1;
                    continue;
                }
            };
            let config = &self.config;
            let codec = self
                .codecs
                .entry(sysid)
                .or_insert_with(|| Codec::new(STATION_SYSID, STATION_COMPID, key_for(config, sysid)));
            for decoded in codec.decode(bytes) {
                match decoded {
                    Ok((header, msg)) => self.on_message(now, unix_us, from, bytes, &header, &msg),
                    Err(rejected) => self.on_rejected(sysid, from, &rejected.reason),
                }
            }
        }
    }

    fn on_rejected(&mut self, sysid: u8, from: SocketAddr, reason: &RejectReason) {
        let counts = self.stats.rejected.entry(sysid).or_default();
        if counts.total() == 0 {
            // Once per system: a whole flight of refused telemetry would flood the log.
            tracing::warn!(sysid, %from, "refusing MAVLink frames: {reason}");
        }
        counts.count(reason);
    }

    fn on_message(
        &mut self,
        now: Instant,
        unix_us: u64,
        from: SocketAddr,
        bytes: &[u8],
        header: &MavHeader,
        msg: &MavMessage,
    ) {
        let Ok(sysid) = u8::try_from(header.system_id) else {
            self.stats.ignored += 1;
            return;
        };
        self.stats.frames_in += 1;
        if !self.vehicles.contains_key(&sysid) {
            match msg {
                MavMessage::HEARTBEAT(hb) if state::is_autopilot(hb) => self.discover(sysid, header.component_id, from),
                _ => {
                    self.stats.ignored += 1;
                    return;
                }
            }
        }
        if self.channels.frames.receiver_count() > 0 {
            let _ = self.channels.frames.send(TappedFrame {
                unix_us,
                direction: Direction::In,
                sysid,
                peer: from,
                bytes: Arc::from(bytes),
            });
        }
        let Some(v) = self.vehicles.get_mut(&sysid) else { return };
        if v.addr != from {
            tracing::info!(sysid, old = %v.addr, new = %from, "vehicle heard from a new address");
            v.addr = from;
            v.watch.send_modify(|s| s.link.peer = from.to_string());
        }
        let mut events = Vec::new();
        let tracker = &mut v.tracker;
        v.watch.send_modify(|snap| {
            state::apply(snap, tracker, now, unix_us / 1000, header, msg, &mut events);
        });
        let mut out = Vec::new();
        if let Some((transfer, _)) = &mut v.transfer {
            out.extend(transfer.handle(now, header, msg));
        }
        if let MavMessage::COMMAND_ACK(ack) = msg
            && ack.command == MavCmd::MAV_CMD_REQUEST_MESSAGE
            && let Some(sent) = v.probe_sent.take()
        {
            // The link's first round trip, so that the first upload already retransmits at its pace.
            v.rtt.sample(now.saturating_duration_since(sent));
        }
        if let Some((command, _)) = &mut v.command {
            if let MavMessage::STATUSTEXT(t) = msg
                && let Ok(text) = t.text.to_str()
            {
                command.vehicle_said(text);
            }
            command.handle(now, header, msg);
        }
        if events
            .iter()
            .any(|e| matches!(e, FleetEvent::ArmedChanged { armed: true, .. }))
        {
            // Arming moves home to where the vehicle is: ask for it again.
            out.push(request_message(sysid, v.compid, HOME_POSITION_ID));
        }
        for msg in out {
            self.send(sysid, &msg);
        }
        for event in events {
            let _ = self.channels.events.send(event);
        }
        self.finish_exchanges(sysid);
    }

    fn discover(&mut self, sysid: u8, compid: u8, from: SocketAddr) {
        let signed = key_for(&self.config, sysid).is_some();
        tracing::info!(sysid, compid, %from, signed, "vehicle discovered");
        let (tx, rx) = watch::channel(VehicleSnapshot::new(sysid, compid, from, signed));
        if let Ok(mut registry) = self.channels.registry.write() {
            registry.insert(sysid, rx);
        }
        self.vehicles.insert(
            sysid,
            Vehicle {
                addr: from,
                compid,
                tracker: LinkTracker::default(),
                watch: tx,
                rtt: Rtt::default(),
                transfer: None,
                transfers_waiting: VecDeque::new(),
                command: None,
                commands_waiting: VecDeque::new(),
                probe_sent: Some(Instant::now()),
            },
        );
        let _ = self.channels.events.send(FleetEvent::Discovered {
            sysid,
            peer: from.to_string(),
        });
        let mut hello = Vec::new();
        if self.config.stream_rate_hz > 0 {
            // ArduPilot streams little until a ground station asks (SRx_ parameters default to 0).
            let slow = (self.config.stream_rate_hz / 2).max(1);
            for (stream, rate) in [
                (MavDataStream::MAV_DATA_STREAM_EXTENDED_STATUS, slow),
                (MavDataStream::MAV_DATA_STREAM_POSITION, self.config.stream_rate_hz),
                (MavDataStream::MAV_DATA_STREAM_EXTRA1, self.config.stream_rate_hz),
                (MavDataStream::MAV_DATA_STREAM_EXTRA2, self.config.stream_rate_hz),
                (MavDataStream::MAV_DATA_STREAM_EXTRA3, slow),
            ] {
                hello.push(MavMessage::REQUEST_DATA_STREAM(REQUEST_DATA_STREAM_DATA {
                    req_message_rate: rate,
                    target_system: sysid,
                    target_component: compid,
                    req_stream_id: stream,
                    start_stop: 1,
                }));
            }
        }
        // Home, and the link's first round trip (see `probe_sent`).
        hello.push(request_message(sysid, compid, HOME_POSITION_ID));
        for msg in hello {
            self.send(sysid, &msg);
        }
    }

    fn on_request(&mut self, request: Request) {
        match request {
            Request::Transfer { sysid, list, op, reply } => match self.vehicles.get_mut(&sysid) {
                None => {
                    let _ = reply.send(Err(MissionError::UnknownVehicle(sysid)));
                }
                Some(v) => v.transfers_waiting.push_back((list, op, reply)),
            },
            Request::Command { sysid, command, reply } => match self.vehicles.get_mut(&sysid) {
                None => {
                    let _ = reply.send(Err(CommandError::UnknownVehicle(sysid)));
                }
                Some(v) => v.commands_waiting.push_back((command, reply)),
            },
        }
        let waiting: Vec<u8> = self
            .vehicles
            .iter()
            .filter(|(_, v)| {
                (v.transfer.is_none() && !v.transfers_waiting.is_empty())
                    || (v.command.is_none() && !v.commands_waiting.is_empty())
            })
            .map(|(s, _)| *s)
            .collect();
        for sysid in waiting {
            self.finish_exchanges(sysid);
        }
    }

    /// Replies to finished exchanges and starts the next waiting ones.
    fn finish_exchanges(&mut self, sysid: u8) {
        let now = Instant::now();
        let mission_timing = self.config.mission_timing;
        let command_timing = self.config.command_timing;
        let Some(v) = self.vehicles.get_mut(&sysid) else { return };
        let mut out = Vec::new();
        loop {
            if let Some((t, _)) = &mut v.transfer
                && let Some(result) = t.take_result()
            {
                v.rtt = t.rtt();
                if let Some((_, reply)) = v.transfer.take() {
                    let _ = reply.send(result.map_err(|source| MissionError::Transfer { sysid, source }));
                }
            }
            if v.transfer.is_some() {
                break;
            }
            let Some((list, op, reply)) = v.transfers_waiting.pop_front() else {
                break;
            };
            let target = (sysid, v.compid);
            let (transfer, first) = match op {
                TransferOp::Upload(items) => Transfer::upload(list, target, &items, mission_timing, v.rtt, now),
                TransferOp::Download => Transfer::download(list, target, mission_timing, v.rtt, now),
                TransferOp::Clear => Transfer::clear(list, target, mission_timing, v.rtt, now),
            };
            out.extend(first);
            v.transfer = Some((transfer, reply));
        }
        loop {
            if let Some((c, _)) = &mut v.command
                && let Some(result) = c.take_result()
            {
                v.rtt = c.rtt();
                if let Some((_, reply)) = v.command.take() {
                    let _ = reply.send(result);
                }
            }
            if v.command.is_some() {
                break;
            }
            let Some((command, reply)) = v.commands_waiting.pop_front() else {
                break;
            };
            let (exchange, first) = CommandExchange::start(command, (sysid, v.compid), command_timing, v.rtt, now);
            out.extend(first);
            v.command = Some((exchange, reply));
        }
        if v.transfer.is_some() || v.command.is_some() {
            self.busy.insert(sysid);
        } else {
            self.busy.remove(&sysid);
        }
        for msg in out {
            self.send(sysid, &msg);
        }
    }

    fn poll_exchanges(&mut self, now: Instant) {
        let busy: Vec<u8> = self.busy.iter().copied().collect();
        for sysid in busy {
            let Some(v) = self.vehicles.get_mut(&sysid) else {
                continue;
            };
            let mut out = Vec::new();
            if let Some((t, _)) = &mut v.transfer {
                out.extend(t.poll(now));
            }
            if let Some((c, _)) = &mut v.command {
                out.extend(c.poll(now));
            }
            for msg in out {
                self.send(sysid, &msg);
            }
            self.finish_exchanges(sysid);
        }
    }

    fn housekeeping(&mut self, now: Instant) {
        let heartbeat_due = self
            .last_heartbeat
            .is_none_or(|t| now.saturating_duration_since(t) >= self.config.heartbeat_interval);
        if heartbeat_due {
            self.last_heartbeat = Some(now);
            self.send_heartbeats();
        }
        let timeout = self.config.link_timeout;
        for (sysid, v) in &mut self.vehicles {
            let mut events = Vec::new();
            let rejected = self.codecs.get(sysid).map_or(0, |c| c.stats().rejected());
            let tracker = &mut v.tracker;
            v.watch.send_if_modified(|snap| {
                let counted = snap.link.rejected != rejected;
                snap.link.rejected = rejected;
                state::check_link(snap, tracker, now, timeout, &mut events) || counted
            });
            for event in events {
                let _ = self.channels.events.send(event);
            }
        }
        self.stats.vehicles = self.vehicles.len();
        if let Ok(mut shared) = self.channels.stats.lock() {
            *shared = self.stats.clone();
        }
    }

    fn send_heartbeats(&mut self) {
        let heartbeat = MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            custom_mode: 0,
            mavtype: MavType::MAV_TYPE_GCS,
            autopilot: MavAutopilot::MAV_AUTOPILOT_INVALID,
            base_mode: MavModeFlag::empty(),
            system_status: MavState::MAV_STATE_ACTIVE,
            mavlink_version: 3,
        });
        let now = Instant::now();
        let mut probes = Vec::new();
        for (sysid, v) in &mut self.vehicles {
            if v.rtt.smoothed().is_none() && v.transfer.is_none() {
                // Until a round trip is measured (the last probe may have been lost), ask again.
                v.probe_sent = Some(now);
                probes.push((*sysid, request_message(*sysid, v.compid, HOME_POSITION_ID)));
            }
        }
        let sysids: Vec<u8> = self.vehicles.keys().copied().collect();
        for sysid in sysids {
            self.send(sysid, &heartbeat);
        }
        for (sysid, probe) in probes {
            self.send(sysid, &probe);
        }
        let answered: BTreeSet<SocketAddr> = self.vehicles.values().map(|v| v.addr).collect();
        for addr in self.config.dial.clone() {
            if !answered.contains(&addr) {
                let frame = self.station_codec.encode(&heartbeat);
                self.send_frame(&frame, addr, 0);
            }
        }
    }

    /// Encodes `msg` with the vehicle's codec and sends it to where the vehicle was last heard.
    fn send(&mut self, sysid: u8, msg: &MavMessage) {
        let Some(addr) = self.vehicles.get(&sysid).map(|v| v.addr) else {
            return;
        };
        let config = &self.config;
        let codec = self
            .codecs
            .entry(sysid)
            .or_insert_with(|| Codec::new(STATION_SYSID, STATION_COMPID, key_for(config, sysid)));
        let frame = codec.encode(msg);
        self.send_frame(&frame, addr, sysid);
    }

    fn send_frame(&mut self, frame: &[u8], addr: SocketAddr, sysid: u8) {
        match self.sender.send_to(frame, addr) {
            Ok(_) => self.stats.frames_out += 1,
            // A full socket buffer drops the frame, as a radio would: the protocols retry.
            Err(e) => {
                self.stats.send_errors += 1;
                tracing::debug!(%addr, "UDP send failed: {e}");
            }
        }
        if self.channels.frames.receiver_count() > 0 {
            let _ = self.channels.frames.send(TappedFrame {
                unix_us: wire::unix_us(),
                direction: Direction::Out,
                sysid,
                peer: addr,
                bytes: Arc::from(frame),
            });
        }
    }
}

/// MAV_CMD_REQUEST_MESSAGE for one message id, sent without waiting for its ACK.
fn request_message(sysid: u8, compid: u8, msg_id: u32) -> MavMessage {
    MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        param1: msg_id as f32,
        command: MavCmd::MAV_CMD_REQUEST_MESSAGE,
        target_system: sysid,
        target_component: compid,
        ..COMMAND_LONG_DATA::default()
    })
}

impl RejectedFrames {
    fn count(&mut self, reason: &RejectReason) {
        let counter = match reason {
            RejectReason::Unsigned { .. } => &mut self.unsigned,
            RejectReason::BadSignature { .. } => &mut self.bad_signature,
            RejectReason::Replayed { .. } => &mut self.replayed,
            RejectReason::BadCrc { .. } => &mut self.bad_crc,
            _ => &mut self.other,
        };
        *counter += 1;
    }
}
