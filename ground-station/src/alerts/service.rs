//! The async service that ties ingest → alert engine → the station: every ingest event passes
//! through, each alert change follows it, and alert changes are published on the MQTT alerts
//! topic. Acknowledgements come in through [`AlertService::acknowledge`].

use std::time::{SystemTime, UNIX_EPOCH};

use contracts::mqtt::{Alert, AlertMessage, SCHEMA};
use rumqttc::{AsyncClient, QoS};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::engine::{AckError, AlertChange, AlertEngine};
use crate::ingest::IngestEvent;

/// What the service hands on, in order: an ingest event, then the alert changes it caused.
#[derive(Debug, Clone, PartialEq)]
pub enum StationEvent {
    Ingest(IngestEvent),
    Alert(AlertChange),
}

/// Publishes alert changes (QoS 1) with the station's MQTT client; never blocks the service.
#[derive(Debug, Clone)]
pub struct AlertPublisher {
    client: AsyncClient,
    next_msg_id: u64,
}

impl AlertPublisher {
    /// `client` is a connected station client (the ingest's, from `Ingest::client`).
    pub fn new(client: AsyncClient) -> Self {
        // msg_ids grow across restarts without storage: start from the clock, in µs.
        let start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_micros() as u64);
        Self {
            client,
            next_msg_id: start,
        }
    }

    /// The message for a change (msg_id stamped); queued without waiting. False when the
    /// client's queue is full or closed (logged): the change is still handed on to the station.
    pub fn publish(&mut self, change: &AlertChange) -> bool {
        let message = AlertMessage {
            schema: SCHEMA,
            msg_id: self.next_msg_id,
            event: change.kind,
            alert: change.alert.clone(),
        };
        self.next_msg_id += 1;
        let topic = contracts::mqtt::Topic::alert(&change.alert.alert_id);
        let bytes = match serde_json::to_vec(&message) {
            Ok(bytes) => bytes,
            Err(err) => {
                tracing::error!(error = %err, "cannot encode an alert");
                return false;
            }
        };
        match self
            .client
            .try_publish(topic.to_string(), QoS::AtLeastOnce, topic.retain(), bytes)
        {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(error = %err, alert = %change.alert.alert_id, "alert not published on MQTT");
                false
            }
        }
    }
}

enum Command {
    Acknowledge {
        id: String,
        officer: String,
        note: String,
        now_ms: u64,
        reply: oneshot::Sender<Result<Alert, AckError>>,
    },
    List {
        reply: oneshot::Sender<Vec<Alert>>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Ack(#[from] AckError),
    #[error("the alert service has stopped")]
    Stopped,
}

/// Handle to the running service.
pub struct AlertService {
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl AlertService {
    /// Runs the engine over `ingest`'s events until that channel closes; the station's events
    /// come out of the returned receiver.
    pub fn spawn(
        engine: AlertEngine,
        ingest: mpsc::Receiver<IngestEvent>,
        publisher: Option<AlertPublisher>,
    ) -> (Self, mpsc::Receiver<StationEvent>) {
        let (out, events) = mpsc::channel(1024);
        let (commands, command_rx) = mpsc::channel(16);
        let task = tokio::spawn(run(engine, ingest, command_rx, out, publisher));
        (Self { commands, task }, events)
    }

    /// Acknowledges an alert (time from the caller); the change also goes out as an event.
    pub async fn acknowledge(&self, id: &str, officer: &str, note: &str, now_ms: u64) -> Result<Alert, ServiceError> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Acknowledge {
            id: id.to_string(),
            officer: officer.to_string(),
            note: note.to_string(),
            now_ms,
            reply,
        };
        self.commands.send(command).await.map_err(|_| ServiceError::Stopped)?;
        Ok(answer.await.map_err(|_| ServiceError::Stopped)??)
    }

    /// Every alert the engine holds, by id.
    pub async fn alerts(&self) -> Result<Vec<Alert>, ServiceError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::List { reply })
            .await
            .map_err(|_| ServiceError::Stopped)?;
        answer.await.map_err(|_| ServiceError::Stopped)
    }

    /// Waits for the service to finish (after the ingest channel closed).
    pub async fn join(self) {
        drop(self.commands);
        let _ = self.task.await;
    }
}

async fn run(
    mut engine: AlertEngine,
    mut ingest: mpsc::Receiver<IngestEvent>,
    mut commands: mpsc::Receiver<Command>,
    out: mpsc::Sender<StationEvent>,
    mut publisher: Option<AlertPublisher>,
) {
    let emit = async |changes: Vec<AlertChange>, publisher: &mut Option<AlertPublisher>| -> bool {
        for change in changes {
            tracing::info!(
                alert = %change.alert.alert_id,
                kind = ?change.kind,
                severity = ?change.alert.severity,
                summary = %change.alert.summary,
                "alert"
            );
            if let Some(p) = publisher.as_mut() {
                p.publish(&change);
            }
            if out.send(StationEvent::Alert(change)).await.is_err() {
                return false;
            }
        }
        true
    };
    loop {
        tokio::select! {
            event = ingest.recv() => {
                let Some(event) = event else { return };
                let changes = match &event {
                    IngestEvent::Tracks(update) => engine.on_tracks(update),
                    IngestEvent::Snapshot(snapshot) => engine.on_snapshot(&snapshot.meta),
                    _ => Vec::new(),
                };
                if out.send(StationEvent::Ingest(event)).await.is_err() || !emit(changes, &mut publisher).await {
                    return;
                }
            }
            Some(command) = commands.recv() => match command {
                Command::Acknowledge { id, officer, note, now_ms, reply } => {
                    let result = engine.acknowledge(&id, &officer, &note, now_ms);
                    let _ = reply.send(result.as_ref().map(|c| c.alert.clone()).map_err(Clone::clone));
                    if let Ok(change) = result && !emit(vec![change], &mut publisher).await {
                        return;
                    }
                }
                Command::List { reply } => {
                    let _ = reply.send(engine.alerts().cloned().collect());
                }
            },
        }
    }
}
