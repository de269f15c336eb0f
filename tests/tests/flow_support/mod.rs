//! The whole flow's cast: the station started as the binary starts it (on loopback ports and a
//! scratch folder), the officer as an HTTP client of its API, and the agent's MQTT publisher.

pub mod drone;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use contracts::mqtt::DroneId;
use drone_agent::perception::FrameOutput;
use drone_agent::publish::{Publisher, PublisherConfig, PublisherStats};
use ground_station::broker::ClientCredential;
use ground_station::station::{Station, StationConfig};
use serde_json::Value;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

pub const DRONE: &str = "drone1";
const DRONE_PASSWORD: &str = "drone1-secret";

pub use contracts::mqtt::now_ms;

/// The station on ephemeral loopback ports, unsigned MAVLink, embedded broker with the station
/// and drone1 as clients, database in memory, flight logs and reports under `data_dir`.
pub fn start_station(rt: &Runtime, data_dir: &Path) -> Station {
    let drone = DroneId::new(DRONE).expect("drone id");
    let config = StationConfig::on_loopback(
        data_dir,
        "station-secret",
        vec![ClientCredential::drone(&drone, DRONE_PASSWORD)],
    );
    rt.block_on(Station::start(config, None)).expect("the station starts")
}

/// What the publisher did: its figures, and the messages it could not queue (with why).
#[derive(Debug)]
pub struct Published {
    pub stats: PublisherStats,
    pub refused: Vec<String>,
}

/// The agent's publisher as drone1, fed the perception's messages in the order the agent
/// binary queues them (snapshots of new tracks, detections, tracks). Ends once the channel
/// closes and everything queued was acknowledged (or 30 s passed). A message it cannot queue is
/// noted and the rest go on, as in the agent, so that the flight is not held up.
pub fn spawn_publisher(
    rt: &Runtime,
    mqtt_addr: &str,
    outbox: &Path,
    mut rx: mpsc::Receiver<FrameOutput>,
) -> tokio::task::JoinHandle<Published> {
    let (host, port) = mqtt_addr.rsplit_once(':').expect("host:port");
    let config = PublisherConfig::new(
        host,
        port.parse().expect("broker port"),
        DroneId::new(DRONE).expect("drone id"),
        DRONE_PASSWORD,
        outbox.to_path_buf(),
    );
    let publisher = rt
        .block_on(async { Publisher::start(config) })
        .expect("the publisher starts");
    rt.spawn(async move {
        let mut refused = Vec::new();
        while let Some(out) = rx.recv().await {
            for s in out.snapshots {
                if let Err(e) = publisher.publish_snapshot(s.jpeg, s.meta).await {
                    refused.push(format!("snapshot: {e}"));
                }
            }
            if let Some(batch) = out.detections
                && let Err(e) = publisher.publish(batch).await
            {
                refused.push(format!("detections: {e}"));
            }
            if let Some(tracks) = out.tracks
                && let Err(e) = publisher.publish(tracks).await
            {
                refused.push(format!("tracks: {e}"));
            }
        }
        publisher.flushed(Duration::from_secs(30)).await;
        let stats = publisher.stats();
        publisher.shutdown().await;
        Published { stats, refused }
    })
}

/// The patrol officer at the console: a bearer token and the station's HTTP API.
pub struct Officer {
    base: String,
    token: String,
    http: ureq::Agent,
}

impl Officer {
    pub fn new(addr: SocketAddr, token: &str) -> Officer {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Officer {
            base: format!("http://{addr}"),
            token: token.to_string(),
            http,
        }
    }

    /// GET `path`: the status and the body as JSON (Null when it is not JSON).
    pub fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        read(response)
    }

    /// POST `body` as JSON to `path`.
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .send_json(body)
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        read(response)
    }

    /// Asks `path` every `every` until `found` picks something out of the answer.
    pub fn poll<T>(
        &self,
        path: &str,
        every: Duration,
        within: Duration,
        mut found: impl FnMut(&Value) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + within;
        loop {
            let (status, body) = self.get(path);
            assert_eq!(status, 200, "GET {path}: {body}");
            if let Some(t) = found(&body) {
                return Some(t);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(every);
        }
    }
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
