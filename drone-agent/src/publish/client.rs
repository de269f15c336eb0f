//! The MQTT publisher: a tokio task owning rumqttc's event loop and the outbox (thin shell over
//! [`Outbox`] and [`Link`]).
//!
//! QoS 1, persistent session (`clean_session = false`), client id = drone id, per-drone
//! username/password, keep-alive, a retained `presence` message with an `online: false` last
//! will. Each message is stored in the outbox before it is handed to the client; at most
//! `window` are in flight; PUBACK deletes it; a lost connection is retried every
//! `reconnect_delay` and the outbox replayed in order.

use contracts::mqtt::now_ms;
use std::path::PathBuf;
use std::time::Duration;

use contracts::mqtt::{DroneId, Message, Presence, Qos, SCHEMA, SnapshotMeta, Topic};
use rumqttc::{AsyncClient, ConnectReturnCode, Event, EventLoop, LastWill, MqttOptions, Outgoing, Packet};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::link::Link;
use super::outbox::{Durability, Outbox, OutboxError};

/// 1 MiB: a full-HD JPEG at quality 85 is a few hundred kB; a snapshot crop far less.
pub const DEFAULT_MAX_PAYLOAD: usize = 1 << 20;

/// Room for the fixed header, topic and packet id around a payload.
const PACKET_OVERHEAD: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct PublisherConfig {
    pub host: String,
    pub port: u16,
    pub drone_id: DroneId,
    /// Broker username; the drone id unless the deployment says otherwise.
    pub username: String,
    pub password: String,
    pub keep_alive: Duration,
    pub outbox_dir: PathBuf,
    pub durability: Durability,
    /// Most messages in flight (sent, not acknowledged) at once.
    pub window: usize,
    pub reconnect_delay: Duration,
    /// Largest payload accepted (a snapshot JPEG is the big one); larger ones are refused when
    /// published. The broker must accept packets this big (Mosquitto does by default).
    pub max_payload_bytes: usize,
}

impl PublisherConfig {
    pub fn new(host: &str, port: u16, drone_id: DroneId, password: &str, outbox_dir: PathBuf) -> Self {
        Self {
            host: host.to_string(),
            port,
            username: drone_id.to_string(),
            drone_id,
            password: password.to_string(),
            keep_alive: Duration::from_secs(15),
            outbox_dir,
            durability: Durability::Fsync,
            window: 32,
            reconnect_delay: Duration::from_millis(500),
            max_payload_bytes: DEFAULT_MAX_PAYLOAD,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    #[error("the publisher task has stopped")]
    Stopped,
}

/// What the publisher is doing, for status displays and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublisherStats {
    pub connected: bool,
    /// Messages in the outbox, not yet acknowledged by the broker.
    pub pending: usize,
    /// Messages acknowledged since start.
    pub delivered: u64,
    pub connects: u64,
    pub last_error: Option<String>,
}

type MakePayload = Box<dyn FnOnce(u64) -> Result<Vec<u8>, serde_json::Error> + Send>;

enum Command {
    Publish {
        topic: String,
        qos: Qos,
        retain: bool,
        make: MakePayload,
        reply: oneshot::Sender<Result<u64, OutboxError>>,
    },
    Shutdown,
}

/// Handle to the publisher task; dropping it stops the task (undelivered messages stay on disk).
pub struct Publisher {
    tx: mpsc::Sender<Command>,
    stats: watch::Receiver<PublisherStats>,
    task: tokio::task::JoinHandle<()>,
}

fn qos(q: Qos) -> rumqttc::QoS {
    match q {
        Qos::AtMostOnce => rumqttc::QoS::AtMostOnce,
        Qos::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
    }
}

impl Publisher {
    /// Opens the outbox and starts the task (call inside a tokio runtime). Connecting happens in
    /// the background: publishing works, to the outbox, while the broker is unreachable.
    pub fn start(config: PublisherConfig) -> Result<Self, PublishError> {
        let mut outbox = Outbox::open(&config.outbox_dir, config.durability)?;
        outbox.set_max_payload(config.max_payload_bytes);
        let mut options = MqttOptions::new(config.drone_id.as_str(), &config.host, config.port);
        options.set_credentials(&config.username, &config.password);
        options.set_keep_alive(config.keep_alive);
        options.set_clean_session(false);
        // rumqttc's default limit is 10 kB, which a snapshot exceeds.
        let packet = config.max_payload_bytes.saturating_add(PACKET_OVERHEAD);
        options.set_max_packet_size(packet, packet);
        options.set_inflight(u16::try_from(config.window + 2).unwrap_or(u16::MAX));
        let presence = |online| {
            let p = Presence {
                schema: SCHEMA,
                drone_id: config.drone_id.clone(),
                online,
                time: now_ms(),
            };
            serde_json::to_vec(&p).unwrap_or_default()
        };
        let presence_topic = Topic::presence(&config.drone_id).to_string();
        options.set_last_will(LastWill::new(
            &presence_topic,
            presence(false),
            rumqttc::QoS::AtLeastOnce,
            true,
        ));
        let (client, eventloop) = AsyncClient::new(options, config.window + 8);
        let (tx, rx) = mpsc::channel(64);
        let initial = PublisherStats {
            pending: outbox.pending(),
            ..PublisherStats::default()
        };
        let (stats_tx, stats) = watch::channel(initial);
        let task = Task {
            client,
            outbox,
            link: Link::default(),
            stats: stats_tx,
            presence_topic,
            online: presence(true),
        };
        let task = tokio::spawn(task.run(eventloop, rx, config.window, config.reconnect_delay));
        Ok(Self { tx, stats, task })
    }

    /// Stores `msg` (stamped with its new msg_id) in the outbox; returns the id once it is durable.
    pub async fn publish<M: Message + Send + 'static>(&self, msg: M) -> Result<u64, PublishError> {
        let topic = msg.topic();
        let mut msg = msg;
        let make = Box::new(move |id| {
            msg.set_msg_id(id);
            serde_json::to_vec(&msg)
        });
        self.enqueue(topic, make).await
    }

    /// The JPEG on `.../snapshots/{track_id}`, then its meta (JPEG first: see `contracts::mqtt`).
    /// Returns the meta's msg_id.
    pub async fn publish_snapshot(&self, jpeg: Vec<u8>, meta: SnapshotMeta) -> Result<u64, PublishError> {
        let topic = Topic::snapshot(&meta.drone_id, meta.track_id);
        self.enqueue(topic, Box::new(move |_| Ok(jpeg))).await?;
        self.publish(meta).await
    }

    async fn enqueue(&self, topic: Topic, make: MakePayload) -> Result<u64, PublishError> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Publish {
            topic: topic.to_string(),
            qos: topic.qos(),
            retain: topic.retain(),
            make,
            reply,
        };
        self.tx.send(command).await.map_err(|_| PublishError::Stopped)?;
        Ok(answer.await.map_err(|_| PublishError::Stopped)??)
    }

    pub fn stats(&self) -> PublisherStats {
        self.stats.borrow().clone()
    }

    /// Waits until the outbox is empty (every message acknowledged); false on timeout.
    pub async fn flushed(&self, timeout: Duration) -> bool {
        let mut stats = self.stats.clone();
        tokio::time::timeout(timeout, stats.wait_for(|s| s.pending == 0))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Disconnects cleanly (the broker discards the last will); undelivered messages stay on disk.
    pub async fn shutdown(self) {
        let _ = self.tx.send(Command::Shutdown).await;
        let _ = self.task.await;
    }
}

struct Task {
    client: AsyncClient,
    outbox: Outbox,
    link: Link,
    stats: watch::Sender<PublisherStats>,
    presence_topic: String,
    online: Vec<u8>,
}

impl Task {
    async fn run(
        mut self,
        mut eventloop: EventLoop,
        mut rx: mpsc::Receiver<Command>,
        window: usize,
        reconnect_delay: Duration,
    ) {
        let mut retry_at: Option<Instant> = None;
        loop {
            self.fill(window);
            let pending = self.outbox.pending();
            self.stats.send_if_modified(|s| {
                let changed = s.pending != pending || s.connected != self.link.connected();
                s.pending = pending;
                s.connected = self.link.connected();
                changed
            });
            tokio::select! {
                command = rx.recv() => match command {
                    Some(Command::Publish { topic, qos, retain, make, reply }) => {
                        let _ = reply.send(self.outbox.enqueue(&topic, qos, retain, make));
                    }
                    Some(Command::Shutdown) | None => {
                        if self.link.connected() {
                            let _ = self.client.try_disconnect();
                            let _ = tokio::time::timeout(Duration::from_secs(1), eventloop.poll()).await;
                        }
                        return;
                    }
                },
                () = async { if let Some(at) = retry_at { tokio::time::sleep_until(at).await } }, if retry_at.is_some() => {
                    retry_at = None;
                }
                event = eventloop.poll(), if retry_at.is_none() => match event {
                    Ok(event) => self.on_event(event),
                    Err(err) => {
                        // rumqttc moved what it had in flight or queued to `pending`, to resend
                        // it; the outbox replays it instead, in order, after the reconnect.
                        eventloop.pending.clear();
                        self.link.on_disconnect();
                        tracing::warn!(error = %err, "MQTT connection lost; retrying");
                        self.stats.send_modify(|s| s.last_error = Some(err.to_string()));
                        retry_at = Some(Instant::now() + reconnect_delay);
                    }
                },
            }
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Incoming(Packet::ConnAck(ack)) if ack.code == ConnectReturnCode::Success => {
                self.link.on_connack();
                self.stats.send_modify(|s| s.connects += 1);
                let online = self.online.clone();
                if self
                    .client
                    .try_publish(&self.presence_topic, rumqttc::QoS::AtLeastOnce, true, online)
                    .is_ok()
                {
                    self.link.on_queued(None);
                }
            }
            Event::Outgoing(Outgoing::Publish(pkid)) => self.link.on_outgoing(pkid),
            Event::Incoming(Packet::PubAck(ack)) => {
                if let Some(msg_id) = self.link.on_puback(ack.pkid) {
                    match self.outbox.ack(msg_id) {
                        Ok(true) => self.stats.send_modify(|s| s.delivered += 1),
                        Ok(false) => {}
                        Err(err) => tracing::error!(error = %err, msg_id, "cannot delete a delivered message"),
                    }
                }
            }
            _ => {}
        }
    }

    /// Hands outbox messages to the client, oldest first, up to `window` unacknowledged.
    fn fill(&mut self, window: usize) {
        while self.link.connected() && self.link.unacked() < window {
            let Some(msg_id) = self.outbox.next_after(self.link.cursor()) else {
                return;
            };
            let record = match self.outbox.read(msg_id) {
                // Stored by an earlier run with a larger limit: it would fail the connection
                // on every retry and block everything behind it.
                Ok(record) if record.payload.len() > self.outbox.max_payload() => {
                    tracing::error!(
                        msg_id,
                        bytes = record.payload.len(),
                        "oversized outbox message set aside"
                    );
                    self.outbox.quarantine(msg_id);
                    continue;
                }
                Ok(record) => record,
                Err(err) => {
                    tracing::error!(error = %err, msg_id, "unreadable outbox message set aside");
                    self.outbox.quarantine(msg_id);
                    continue;
                }
            };
            if self
                .client
                .try_publish(record.topic, qos(record.qos), record.retain, record.payload)
                .is_err()
            {
                return; // the request channel is full: the next event makes room
            }
            self.link.on_queued(Some(msg_id));
        }
    }
}
