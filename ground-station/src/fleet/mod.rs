//! The fleet: MAVLink links to many vehicles over one UDP socket, their live state, missions
//! (mission, fence, rally) and commands, each checked against the vehicle's answer.
//!
//! [`Fleet::start`] binds the socket and runs the link on a thread of its own (so its CPU time
//! is measurable, and a busy API cannot delay acknowledgements); the [`Fleet`] handle is cheap
//! to clone and its methods are async. The station is system 255, component 190
//! (MAV_COMP_ID_MISSIONPLANNER).
//!
//! Signing: with [`FleetConfig::signing`] set, every link is signed (MAVLink 2 signing with the
//! station's key) and frames a vehicle sends unsigned or badly signed are refused and counted
//! ([`Fleet::stats`]) — such a vehicle is never discovered — unless its system id is listed in
//! [`FleetConfig::unsigned_vehicles`]. Without a key the station signs nothing and accepts any
//! frame with a good CRC; a vehicle that requires signing then ignores the station, so its
//! commands time out.
//!
//! Pure parts: [`state`] (telemetry → snapshot), [`transfer`] (mission protocol), [`command`]
//! (command protocol), [`timing`] (retries); the socket loop is `engine`.

pub mod command;
mod engine;
mod launch;
mod lists;
pub mod state;
pub mod timing;
pub mod transfer;
pub mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use mavlink::dialects::common::MISSION_ITEM_INT_DATA;
use mavlink_io::SigningKey;
use mission::mavlink_items::{EncodeOptions, MavlinkItemError, encode_fence, encode_mission, encode_rally};
use mission::plan::Plan;
use serde::Serialize;
use thiserror::Error;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

pub use command::{CommandError, FlightMode, VehicleCommand};
pub use launch::{LaunchError, LaunchOptions, LaunchStep};
pub use state::{FleetEvent, VehicleSnapshot};
pub use timing::Timing;
pub use transfer::{ListKind, TransferError};
pub use wire::{Direction, STATION_COMPID, STATION_SYSID, TappedFrame};

use engine::{Channels, Engine, Request, TransferOp};
use transfer::Outcome;

/// How the station listens, whom it dials, and how it signs.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// Where the station listens (e.g. 0.0.0.0:14550). Port 0 picks a free one.
    pub listen: SocketAddr,
    /// Vehicles or agents to contact first (their UDP ports): the station sends them its
    /// HEARTBEAT until they answer.
    pub dial: Vec<SocketAddr>,
    /// The station's signing key: every link is signed with it.
    pub signing: Option<SigningKey>,
    /// Vehicles whose links are configured unsigned even though the station has a key.
    pub unsigned_vehicles: Vec<u8>,
    /// Silence after which a link counts as lost.
    pub link_timeout: Duration,
    pub heartbeat_interval: Duration,
    pub mission_timing: Timing,
    pub command_timing: Timing,
    /// Telemetry rate asked of each vehicle on discovery (REQUEST_DATA_STREAM), Hz; 0 asks nothing.
    pub stream_rate_hz: u16,
}

impl FleetConfig {
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            dial: Vec::new(),
            signing: None,
            unsigned_vehicles: Vec::new(),
            link_timeout: Duration::from_secs(3),
            heartbeat_interval: Duration::from_secs(1),
            mission_timing: Timing::default(),
            command_timing: Timing::default(),
            stream_rate_hz: 4,
        }
    }
}

/// Frames refused from one system id, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RejectedFrames {
    pub unsigned: u64,
    pub bad_signature: u64,
    pub replayed: u64,
    pub bad_crc: u64,
    /// Unknown messages, unparsable payloads, unsupported flags.
    pub other: u64,
}

impl RejectedFrames {
    pub fn total(&self) -> u64 {
        self.unsigned + self.bad_signature + self.replayed + self.bad_crc + self.other
    }
}

/// Station-wide counters, published by the link every 250 ms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StationStats {
    pub vehicles: usize,
    pub datagrams_in: u64,
    /// Frames accepted by a codec.
    pub frames_in: u64,
    pub frames_out: u64,
    /// Accepted frames from systems that are not (yet) vehicles: ground stations, agents.
    pub ignored: u64,
    /// Bytes that were not MAVLink frames (one per stretch).
    pub junk: u64,
    pub send_errors: u64,
    /// Refused frames by system id (signing, CRC).
    pub rejected: BTreeMap<u8, RejectedFrames>,
}

#[derive(Debug, Error)]
pub enum FleetError {
    #[error("cannot listen on UDP {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot start the fleet link's runtime or thread: {0}")]
    Start(std::io::Error),
}

/// Why a list could not be uploaded, downloaded or cleared.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MissionError {
    #[error("no vehicle {0} has been heard")]
    UnknownVehicle(u8),
    #[error("vehicle {sysid}: {source}")]
    Transfer { sysid: u8, source: TransferError },
    #[error("vehicle {sysid}: the plan's {list} list cannot be put on the wire: {source}")]
    Encode {
        sysid: u8,
        list: ListKind,
        source: MavlinkItemError,
    },
    #[error("the fleet link has stopped")]
    Stopped,
}

/// What an upload of a whole plan sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UploadReport {
    pub fence: u16,
    pub rally: u16,
    pub mission: u16,
}

struct Shared {
    requests: mpsc::Sender<Request>,
    events: broadcast::Sender<FleetEvent>,
    frames: broadcast::Sender<TappedFrame>,
    registry: Arc<RwLock<BTreeMap<u8, watch::Receiver<VehicleSnapshot>>>>,
    stats: Arc<Mutex<StationStats>>,
    local_addr: SocketAddr,
}

/// The handle on the fleet link. The link stops when the last handle is dropped.
#[derive(Clone)]
pub struct Fleet {
    shared: Arc<Shared>,
}

impl Fleet {
    /// Binds the socket and starts the link on its own thread ("fleet-io").
    pub fn start(config: FleetConfig) -> Result<Self, FleetError> {
        let std_socket = std::net::UdpSocket::bind(config.listen).map_err(|source| FleetError::Bind {
            addr: config.listen,
            source,
        })?;
        std_socket.set_nonblocking(true).map_err(FleetError::Start)?;
        let local_addr = std_socket.local_addr().map_err(FleetError::Start)?;
        let sender = std_socket.try_clone().map_err(FleetError::Start)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(FleetError::Start)?;
        let (requests_tx, requests_rx) = mpsc::channel(1024);
        let (events, _) = broadcast::channel(4096);
        let (frames, _) = broadcast::channel(16_384);
        let registry = Arc::new(RwLock::new(BTreeMap::new()));
        let stats = Arc::new(Mutex::new(StationStats::default()));
        let channels = Channels {
            requests: requests_rx,
            events: events.clone(),
            frames: frames.clone(),
            registry: registry.clone(),
            stats: stats.clone(),
        };
        std::thread::Builder::new()
            .name("fleet-io".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::UdpSocket::from_std(std_socket) {
                        Ok(socket) => Engine::new(socket, sender, config, channels).run().await,
                        Err(e) => tracing::error!("fleet link cannot use its socket: {e}"),
                    }
                });
            })
            .map_err(FleetError::Start)?;
        tracing::info!(%local_addr, "fleet link listening");
        Ok(Self {
            shared: Arc::new(Shared {
                requests: requests_tx,
                events,
                frames,
                registry,
                stats,
                local_addr,
            }),
        })
    }

    /// The address the station listens on (vehicles send here).
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// Every vehicle heard so far, by system id.
    pub fn vehicles(&self) -> Vec<VehicleSnapshot> {
        self.shared
            .registry
            .read()
            .map(|r| r.values().map(|rx| rx.borrow().clone()).collect())
            .unwrap_or_default()
    }

    pub fn vehicle(&self, sysid: u8) -> Option<VehicleSnapshot> {
        self.watch(sysid).map(|rx| rx.borrow().clone())
    }

    /// A vehicle's snapshot as it changes (every accepted frame updates it).
    pub fn watch(&self, sysid: u8) -> Option<watch::Receiver<VehicleSnapshot>> {
        self.shared.registry.read().ok().and_then(|r| r.get(&sysid).cloned())
    }

    /// Discrete events: discovery, lost and regained links, modes, arming, texts, mission progress.
    /// A receiver that falls more than 4096 events behind loses the oldest.
    pub fn subscribe(&self) -> broadcast::Receiver<FleetEvent> {
        self.shared.events.subscribe()
    }

    /// Every frame in and out (accepted ones in), timestamped, for `.tlog` files. Frames are
    /// only copied while someone listens; a receiver more than 16384 frames behind loses the oldest.
    pub fn frames(&self) -> broadcast::Receiver<TappedFrame> {
        self.shared.frames.subscribe()
    }

    pub fn stats(&self) -> StationStats {
        self.shared.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits until vehicle `sysid` exists and `ready` holds for its snapshot; the snapshot, or
    /// None after `timeout`.
    pub async fn wait_for(
        &self,
        sysid: u8,
        timeout: Duration,
        mut ready: impl FnMut(&VehicleSnapshot) -> bool,
    ) -> Option<VehicleSnapshot> {
        let work = async {
            let mut rx = loop {
                if let Some(rx) = self.watch(sysid) {
                    break rx;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            rx.wait_for(|s| ready(s)).await.ok().map(|s| s.clone())
        };
        tokio::time::timeout(timeout, work).await.ok().flatten()
    }

    /// Sends a command and waits for the vehicle's COMMAND_ACK.
    pub async fn command(&self, sysid: u8, command: VehicleCommand) -> Result<(), CommandError> {
        let (reply, answer) = oneshot::channel();
        self.shared
            .requests
            .send(Request::Command { sysid, command, reply })
            .await
            .map_err(|_| CommandError::Stopped)?;
        answer.await.unwrap_or(Err(CommandError::Stopped))
    }

    async fn transfer(&self, sysid: u8, list: ListKind, op: TransferOp) -> Result<Outcome, MissionError> {
        let (reply, answer) = oneshot::channel();
        self.shared
            .requests
            .send(Request::Transfer { sysid, list, op, reply })
            .await
            .map_err(|_| MissionError::Stopped)?;
        answer.await.unwrap_or(Err(MissionError::Stopped))
    }

    /// Uploads one list as it is (`seq` renumbered by position). Returns the count sent.
    pub async fn upload_list(
        &self,
        sysid: u8,
        list: ListKind,
        items: Vec<MISSION_ITEM_INT_DATA>,
    ) -> Result<u16, MissionError> {
        match self.transfer(sysid, list, TransferOp::Upload(items)).await? {
            Outcome::Uploaded { count } => Ok(count),
            _ => Err(MissionError::Stopped),
        }
    }

    /// Reads a list back from the vehicle (targets zeroed, so lists compare by content).
    pub async fn download(&self, sysid: u8, list: ListKind) -> Result<Vec<MISSION_ITEM_INT_DATA>, MissionError> {
        match self.transfer(sysid, list, TransferOp::Download).await? {
            Outcome::Downloaded(items) => Ok(items),
            _ => Err(MissionError::Stopped),
        }
    }

    pub async fn clear(&self, sysid: u8, list: ListKind) -> Result<(), MissionError> {
        self.transfer(sysid, list, TransferOp::Clear).await.map(|_| ())
    }

    /// The plan's fence, rally and mission lists for a vehicle, as they go on the wire.
    pub fn encode_plan(
        &self,
        sysid: u8,
        plan: &Plan,
    ) -> Result<[(ListKind, Vec<MISSION_ITEM_INT_DATA>); 3], MissionError> {
        let compid = self.vehicle(sysid).map_or(1, |v| v.compid);
        encode_plan(sysid, compid, plan)
    }

    /// Uploads the plan's fence, rally points and mission, in that order (an empty list clears
    /// the vehicle's). The fence's ceiling is a parameter (FENCE_ALT_MAX), not an item, and is
    /// not set here.
    pub async fn upload(&self, sysid: u8, plan: &Plan) -> Result<UploadReport, MissionError> {
        let [(_, fence), (_, rally), (_, mission)] = self.encode_plan(sysid, plan)?;
        Ok(UploadReport {
            fence: self.upload_list(sysid, ListKind::Fence, fence).await?,
            rally: self.upload_list(sysid, ListKind::Rally, rally).await?,
            mission: self.upload_list(sysid, ListKind::Mission, mission).await?,
        })
    }
}

/// A plan as the three lists (fence, rally, mission) for one vehicle, home at mission seq 0.
pub fn encode_plan(
    sysid: u8,
    compid: u8,
    plan: &Plan,
) -> Result<[(ListKind, Vec<MISSION_ITEM_INT_DATA>); 3], MissionError> {
    let opts = EncodeOptions {
        target_system: sysid,
        target_component: compid,
        home_item: true,
    };
    let err = |list| move |source| MissionError::Encode { sysid, list, source };
    Ok([
        (
            ListKind::Fence,
            encode_fence(&plan.fence, &opts).map_err(err(ListKind::Fence))?,
        ),
        (
            ListKind::Rally,
            encode_rally(&plan.rally, &opts).map_err(err(ListKind::Rally))?,
        ),
        (
            ListKind::Mission,
            encode_mission(plan, &opts).map_err(err(ListKind::Mission))?,
        ),
    ])
}
