//! The rumqttc shell of ingest: one persistent QoS 1 subscription to every drone's subtree.
//!
//! Acknowledgements are manual: a message is PUBACKed only once its event is in the channel,
//! so a station that stops before handing it on gets it again from its persistent session.

use contracts::mqtt::now_ms;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use contracts::mqtt::filters;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS, SubscribeReasonCode};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::core::{DeadLetter, IngestCore, IngestEvent, IngestLimits, IngestStats};
use crate::broker::MqttEndpoint;

#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub endpoint: MqttEndpoint,
    /// `{username}.ingest` by default (see `contracts::mqtt::may_use_client_id`).
    pub client_id: String,
    pub keep_alive: Duration,
    pub reconnect_delay: Duration,
    pub channel_capacity: usize,
    pub max_packet_bytes: usize,
    pub limits: IngestLimits,
}

impl IngestOptions {
    pub fn new(endpoint: MqttEndpoint) -> Self {
        Self {
            client_id: format!("{}.ingest", endpoint.username),
            endpoint,
            keep_alive: Duration::from_secs(15),
            reconnect_delay: Duration::from_millis(500),
            channel_capacity: 1024,
            max_packet_bytes: 4 * 1024 * 1024,
            limits: IngestLimits::default(),
        }
    }
}

/// Connection state, beside the core's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkState {
    pub connected: bool,
    /// True once the broker granted the subscription on the current connection.
    pub subscribed: bool,
    pub connects: u64,
    pub last_error: Option<String>,
}

/// A running subscriber; dropping it stops nothing, call [`Ingest::shutdown`].
pub struct Ingest {
    client: AsyncClient,
    core: Arc<Mutex<IngestCore>>,
    link: watch::Receiver<LinkState>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

fn lock(core: &Mutex<IngestCore>) -> MutexGuard<'_, IngestCore> {
    // A panic while holding the lock leaves plain counters behind: still worth reading.
    core.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Ingest {
    /// Starts the subscriber (inside a tokio runtime); events arrive on the returned channel.
    pub fn start(options: IngestOptions) -> (Self, mpsc::Receiver<IngestEvent>) {
        let e = &options.endpoint;
        let mut mqtt = MqttOptions::new(options.client_id.clone(), e.host.clone(), e.port);
        mqtt.set_credentials(e.username.clone(), e.password.clone());
        mqtt.set_keep_alive(options.keep_alive);
        mqtt.set_clean_session(false);
        mqtt.set_manual_acks(true);
        mqtt.set_max_packet_size(options.max_packet_bytes, options.max_packet_bytes);
        let (client, eventloop) = AsyncClient::new(mqtt, 64);
        let core = Arc::new(Mutex::new(IngestCore::new(options.limits.clone())));
        let (tx, rx) = mpsc::channel(options.channel_capacity.max(1));
        let (link_tx, link) = watch::channel(LinkState::default());
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run(
            client.clone(),
            eventloop,
            core.clone(),
            tx,
            link_tx,
            stop_rx,
            options.reconnect_delay,
        ));
        let ingest = Self {
            client,
            core,
            link,
            stop,
            task,
        };
        (ingest, rx)
    }

    pub fn stats(&self) -> IngestStats {
        lock(&self.core).stats().clone()
    }

    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        lock(&self.core).dead_letters().cloned().collect()
    }

    pub fn link_state(&self) -> LinkState {
        self.link.borrow().clone()
    }

    /// Waits until the subscription is granted; false on timeout.
    pub async fn subscribed(&self, timeout: Duration) -> bool {
        let mut link = self.link.clone();
        tokio::time::timeout(timeout, link.wait_for(|l| l.subscribed))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// The station's MQTT client on this connection, to publish alerts with (the station's
    /// ACL lets it write `portops/v1/alerts/#`).
    pub fn client(&self) -> AsyncClient {
        self.client.clone()
    }

    /// Disconnects and stops the task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn run(
    client: AsyncClient,
    mut eventloop: EventLoop,
    core: Arc<Mutex<IngestCore>>,
    tx: mpsc::Sender<IngestEvent>,
    link: watch::Sender<LinkState>,
    mut stop: watch::Receiver<bool>,
    reconnect_delay: Duration,
) {
    loop {
        let event = tokio::select! {
            event = eventloop.poll() => event,
            _ = stop.changed() => {
                let _ = client.try_disconnect();
                let _ = tokio::time::timeout(Duration::from_secs(1), eventloop.poll()).await;
                return;
            }
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                link.send_modify(|l| {
                    l.connected = true;
                    l.subscribed = false;
                    l.connects += 1;
                });
                // Also with a resumed session: subscribing again is harmless and covers a
                // broker that lost the session.
                if let Err(err) = client.try_subscribe(filters::ALL_DRONES, QoS::AtLeastOnce) {
                    tracing::error!(error = %err, "cannot queue the ingest subscription");
                }
            }
            Ok(Event::Incoming(Packet::SubAck(ack))) => {
                if ack.return_codes.contains(&SubscribeReasonCode::Failure) {
                    let why = format!("broker refused the subscription to {}", filters::ALL_DRONES);
                    tracing::error!("{why}: check the station's ACL");
                    link.send_modify(|l| l.last_error = Some(why));
                } else {
                    link.send_modify(|l| l.subscribed = true);
                }
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let payload = publish.payload.clone();
                let event = lock(&core).handle(&publish.topic, payload, now_ms());
                if let Some(event) = event
                    && tx.send(event).await.is_err()
                {
                    tracing::info!("ingest receiver dropped; stopping");
                    let _ = client.try_disconnect();
                    return;
                }
                if let Err(err) = client.try_ack(&publish) {
                    tracing::warn!(error = %err, topic = %publish.topic, "cannot acknowledge");
                }
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(error = %err, "MQTT ingest connection lost; retrying");
                link.send_modify(|l| {
                    l.connected = false;
                    l.subscribed = false;
                    l.last_error = Some(err.to_string());
                });
                tokio::select! {
                    () = tokio::time::sleep(reconnect_delay) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}
