//! The real station in-process for the AR client's tests: started on loopback, read and
//! driven over HTTP as its seeded users.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use ground_station::station::{Station, StationConfig};
use ground_station::store::Role;

/// The station on ephemeral loopback ports with its files under `data_dir`; keep the runtime.
pub fn start(data_dir: &Path) -> (tokio::runtime::Runtime, Station) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let config = StationConfig::on_loopback(data_dir, "station-secret", vec![]);
    let station = rt.block_on(Station::start(config, None)).expect("the station starts");
    (rt, station)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn bearer(station: &Station, role: Role) -> String {
    format!(
        "Bearer {}",
        station.token_for(role).expect("a seeded user of that role")
    )
}

/// GET as the seeded user of `role`; the body as text.
pub fn get_text(station: &Station, role: Role, path: &str) -> String {
    agent()
        .get(format!("http://{}{path}", station.http_addr))
        .header("Authorization", bearer(station, role))
        .call()
        .expect("GET")
        .body_mut()
        .read_to_string()
        .unwrap_or_default()
}

/// GET as the seeded user of `role`; the body as JSON (null when it is not).
pub fn get_json(station: &Station, role: Role, path: &str) -> serde_json::Value {
    serde_json::from_str(&get_text(station, role, path)).unwrap_or_default()
}

/// The officer assigns `container` to the seeded inspector; returns the task id.
pub fn assign(station: &Station, container: &str) -> i64 {
    let mut r = agent()
        .post(format!("http://{}/api/v1/inspections/tasks", station.http_addr))
        .header("Authorization", bearer(station, Role::Officer))
        .send_json(serde_json::json!({"container_number": container, "inspector": "inspector"}))
        .expect("assign");
    assert!(r.status().is_success(), "assigning {container}: {}", r.status());
    let body: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap_or_default()).expect("JSON");
    body["task"]["id"].as_i64().expect("task id")
}
