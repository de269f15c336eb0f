//! Shared by the HTTP API tests: a scratch folder, the station on loopback ports, and a client with a bearer token.

// Each test file uses part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use ground_station::station::{Station, StationConfig};
use ground_station::store::Role;
use serde_json::Value;
use tokio::runtime::Runtime;

/// A scratch folder removed at the end.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("station-api-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The station on ephemeral loopback ports, unsigned MAVLink, embedded broker with a station
/// client, the given database (None: in memory), files under `data_dir`.
pub fn start(rt: &Runtime, data_dir: &Path, database: Option<PathBuf>) -> Station {
    let config = StationConfig {
        database,
        ..StationConfig::on_loopback(data_dir, "station-secret", vec![])
    };
    rt.block_on(Station::start(config, None)).expect("the station starts")
}

/// One user of the API.
pub struct Client {
    base: String,
    token: String,
    http: ureq::Agent,
}

impl Client {
    /// The seeded user of `role`.
    pub fn new(station: &Station, role: Role) -> Client {
        Client::with_token(station, station.token_for(role).expect("a seeded user of that role"))
    }

    pub fn with_token(station: &Station, token: &str) -> Client {
        Client {
            base: format!("http://{}", station.http_addr),
            token: token.to_string(),
            http: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(120)))
                .build()
                .into(),
        }
    }

    pub fn get_text(&self, path: &str) -> (u16, String) {
        let mut r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default())
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        let (status, text) = self.get_text(path);
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_text(path, &body.to_string())
    }

    /// Posts `body` as it is, labelled JSON (for bodies that are not).
    pub fn post_text(&self, path: &str, body: &str) -> (u16, Value) {
        let mut r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The `message` of an error body.
pub fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or_default()
}
