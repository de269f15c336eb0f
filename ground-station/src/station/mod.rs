//! The whole station wired together: storage, MQTT broker and ingest, alerts, the fleet's MAVLink links, flight recording and the HTTP API.
//!
//! [`Station::start`] is what the binary and the whole-flow test run; each part is a library
//! module of its own, this file only connects them.

mod config;
mod recorder;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use mavlink_io::SigningKey;
use mission::planner::PortContext;
use mission::scenario::PortScenario;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

pub use config::{StationConfig, UserSeed, VideoSection};

use crate::alerts::{AlertEngine, AlertPublisher, AlertService};
use crate::api::{ApiState, LiveEvent};
use crate::broker::StationBroker;
use crate::fleet::{Fleet, FleetConfig};
use crate::ingest::{Ingest, IngestOptions};
use crate::inspection::{DeskError, InspectionDesk};
use crate::store::{Role, Store};

/// The example port shipped with the project, used when the configuration names no scenario.
pub const EXAMPLE_SCENARIO: &str = include_str!("../../../data/scenarios/example-port.geojson");

#[derive(Debug, thiserror::Error)]
pub enum StationError {
    #[error("scenario {path}: {message}")]
    Scenario { path: String, message: String },
    #[error("storage: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("MQTT broker: {0}")]
    Broker(#[from] crate::broker::BrokerError),
    #[error("MAVLink links: {0}")]
    Fleet(#[from] crate::fleet::FleetError),
    #[error("HTTP on {addr}: {source}")]
    Http {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("customs data: {0}")]
    Customs(#[from] crate::inspection::CustomsDataError),
    #[error("inspection tasks: {0}")]
    Inspection(#[from] crate::inspection::DeskError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// A token issued at start-up for a seeded user (printed once; only its hash is stored).
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub name: String,
    pub role: Role,
    pub token: String,
}

/// A running station.
pub struct Station {
    pub http_addr: SocketAddr,
    pub mavlink_addr: SocketAddr,
    pub mqtt_addr: String,
    pub fleet: Fleet,
    pub store: Arc<Mutex<Store>>,
    pub tokens: Vec<IssuedToken>,
    pub api: Arc<ApiState>,
    _broker: StationBroker,
    tasks: Vec<JoinHandle<()>>,
}

impl Station {
    /// Starts every part; `signing` is the MAVLink key for the air links (None: unsigned).
    pub async fn start(config: StationConfig, signing: Option<SigningKey>) -> Result<Station, StationError> {
        let (scenario_text, scenario_name) = match &config.scenario {
            Some(path) => (
                std::fs::read_to_string(path).map_err(|e| StationError::Scenario {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?,
                path.display().to_string(),
            ),
            None => (EXAMPLE_SCENARIO.to_string(), "the example port".to_string()),
        };
        let scenario = PortScenario::parse(&scenario_text).map_err(|e| StationError::Scenario {
            path: scenario_name.clone(),
            message: e.to_string(),
        })?;
        let port = PortContext::from_scenario(scenario.clone(), None).map_err(|e| StationError::Scenario {
            path: scenario_name,
            message: e.to_string(),
        })?;
        for dir in [config.data_dir.join("flights"), config.data_dir.join("reports")] {
            std::fs::create_dir_all(&dir).map_err(|source| StationError::Io {
                what: format!("creating {}", dir.display()),
                source,
            })?;
        }

        let store = match &config.database {
            Some(path) => Store::open(path)?,
            None => Store::open_in_memory()?,
        };
        let tokens = seed_users(&store, &config.users)?;
        let store = Arc::new(Mutex::new(store));
        let inspection = start_inspection(&config, &scenario, &store).await?;

        let broker = config.mqtt.clone().start().await?;
        let mqtt_addr = format!("{}:{}", broker.station.host, broker.station.port);
        let (ingest, ingest_events) = Ingest::start(IngestOptions::new(broker.station.clone()));
        let alert_publisher = AlertPublisher::new(ingest.client());
        let (alerts, station_events) = AlertService::spawn(
            AlertEngine::new(&scenario, config.alerts.clone().unwrap_or_default()),
            ingest_events,
            Some(alert_publisher),
        );

        let mut fleet_config = FleetConfig::new(config.mavlink_listen);
        fleet_config.dial = config.dial.clone();
        fleet_config.signing = signing;
        fleet_config.unsigned_vehicles = config.unsigned_vehicles.clone();
        let fleet = Fleet::start(fleet_config)?;
        let mavlink_addr = fleet.local_addr();

        let video = match config.video.start() {
            Ok(bridge) => bridge.map(Arc::new),
            Err(e) => {
                tracing::warn!("live video disabled: {e}");
                None
            }
        };
        let (live, _) = broadcast::channel(1024);
        let api = Arc::new(ApiState {
            fleet: fleet.clone(),
            store: store.clone(),
            alerts: Arc::new(alerts),
            port: Arc::new(port),
            scenario_geojson: Arc::new(scenario_text),
            live: live.clone(),
            plans: Mutex::new(Default::default()),
            launched: Arc::new(Mutex::new(Default::default())),
            ingest: Some(Arc::new(ingest)),
            video,
            inspection,
        });

        let mut tasks = recorder::spawn(recorder::Recorder {
            fleet: fleet.clone(),
            store: store.clone(),
            live,
            launched: api.launched.clone(),
            plans: api.clone(),
            data_dir: config.data_dir.clone(),
            events: station_events,
        });

        let listener = tokio::net::TcpListener::bind(config.http)
            .await
            .map_err(|source| StationError::Http {
                addr: config.http,
                source,
            })?;
        let http_addr = listener.local_addr().map_err(|source| StationError::Http {
            addr: config.http,
            source,
        })?;
        let app = crate::api::router(api.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("HTTP server stopped: {e}");
            }
        }));
        Ok(Station {
            http_addr,
            mavlink_addr,
            mqtt_addr,
            fleet,
            store,
            tokens,
            api,
            _broker: broker,
            tasks,
        })
    }

    /// The token issued at start-up for the first seeded user with `role`.
    pub fn token_for(&self, role: Role) -> Option<&str> {
        self.tokens.iter().find(|t| t.role == role).map(|t| t.token.as_str())
    }

    pub fn shutdown(self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Loads the customs data and the risk model, and creates the tasks selection calls for that
/// the store lacks (idempotent), off the async threads.
async fn start_inspection(
    config: &StationConfig,
    scenario: &PortScenario,
    store: &Arc<Mutex<Store>>,
) -> Result<Arc<InspectionDesk>, StationError> {
    let (customs, scenario, store) = (config.customs.clone(), scenario.clone(), store.clone());
    let join = tokio::task::spawn_blocking(move || -> Result<Arc<InspectionDesk>, StationError> {
        let desk = InspectionDesk::load(&customs, &scenario)?;
        if customs.select_at_start {
            let store = store
                .lock()
                .map_err(|_| StationError::Inspection(DeskError::Internal("the store lock is poisoned".into())))?;
            let made = desk.create_selected_tasks(&store, crate::api::now_ms() as i64)?;
            tracing::info!(
                "inspection: {} of {} containers selected at {} %, {} new tasks, {} already there",
                made.selection.selected.len(),
                made.selection.containers,
                made.selection.rate_percent,
                made.created.len(),
                made.existing
            );
        }
        Ok(Arc::new(desk))
    });
    join.await
        .map_err(|e| StationError::Inspection(DeskError::Internal(e.to_string())))?
}

/// Creates the configured users when missing and issues each a fresh token for this run.
fn seed_users(store: &Store, users: &[UserSeed]) -> Result<Vec<IssuedToken>, StationError> {
    let now = crate::api::now_ms() as i64;
    let mut issued = Vec::new();
    for seed in users {
        let user = match store.user_by_name(&seed.name)? {
            Some(user) => user,
            None => store.create_user(&seed.name, seed.role, now)?,
        };
        let expires = seed.token_hours.map(|h| now + (h * 3_600_000.0) as i64);
        let token = store.issue_token(user.id, "issued at station start", now, expires)?;
        issued.push(IssuedToken {
            name: user.name,
            role: user.role,
            token,
        });
    }
    Ok(issued)
}

/// A flight's `.tlog`: named before the flight is stored (the store cannot add it later), so
/// by vehicle and start time; one flight per vehicle at a time keeps it unique.
pub(crate) fn tlog_path(data_dir: &std::path::Path, vehicle: &str, started_ms: i64) -> PathBuf {
    data_dir.join("flights").join(format!("{vehicle}-{started_ms}.tlog"))
}

/// A flight's report page.
pub(crate) fn report_path(data_dir: &std::path::Path, flight_id: i64) -> PathBuf {
    data_dir.join("reports").join(format!("flight-{flight_id}.html"))
}

/// Events the console needs, for tests and the binary's log.
pub fn describe(event: &LiveEvent) -> String {
    match event {
        LiveEvent::Vehicle(v) => format!("vehicle {} {}", v.sysid, v.mode),
        LiveEvent::Detections(b) => format!("{} detections from {}", b.detections.len(), b.drone_id),
        LiveEvent::Tracks(t) => format!("{} tracks from {}", t.tracks.len(), t.drone_id),
        LiveEvent::Alert(a) => format!("alert {} {:?}", a.alert.alert_id, a.event),
        LiveEvent::Flight {
            flight_id,
            vehicle,
            status,
        } => format!("flight {flight_id} of vehicle {vehicle}: {status}"),
    }
}
