//! The HTTP + WebSocket API (axum) the console and the AR client use, described by an OpenAPI document at `/api/openapi.json`.
//!
//! Every route takes a [`auth::Caller`] (bearer token) and checks one [`auth::Permission`];
//! the role table is [`auth::allows`]. Handlers are thin: planning is `mission::planner`, flying
//! is [`crate::fleet::Fleet`], alerts are [`crate::alerts::AlertService`], history is the
//! [`crate::store::Store`].

pub mod auth;
mod console;
pub mod error;
mod inspections;
mod live;
mod missions;
mod training;
mod watch;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};
use mission::planner::{PlannedMission, PortContext};
use serde::Serialize;
use tokio::sync::broadcast;
use utoipa::OpenApi;

use crate::alerts::AlertService;
use crate::fleet::Fleet;
use crate::store::{AuditEvent, Store};

pub use error::ApiError;

/// Something the console shows as it happens (sent on `/api/v1/live`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    Vehicle(Box<crate::fleet::VehicleSnapshot>),
    Detections(contracts::mqtt::DetectionBatch),
    Tracks(contracts::mqtt::TrackUpdate),
    Alert(Box<contracts::mqtt::AlertMessage>),
    Flight {
        flight_id: i64,
        vehicle: u8,
        status: String,
    },
}

/// What the handlers share.
pub struct ApiState {
    pub fleet: Fleet,
    pub store: Arc<Mutex<Store>>,
    pub alerts: Arc<AlertService>,
    pub port: Arc<PortContext>,
    /// The scenario as GeoJSON, for the console's map (no internet tiles).
    pub scenario_geojson: Arc<String>,
    pub live: broadcast::Sender<LiveEvent>,
    /// Plans made through the API, by mission id (also stored).
    pub plans: Mutex<HashMap<i64, PlannedMission>>,
    /// Which mission each vehicle was launched with, for its flight record.
    pub launched: Arc<Mutex<HashMap<u8, i64>>>,
    /// The MQTT ingest, for its health counters and dead letters.
    pub ingest: Option<Arc<crate::ingest::Ingest>>,
    /// MJPEG of each vehicle's RTP video, when the station converts it.
    pub video: Option<Arc<crate::video::VideoBridge>>,
    /// Customs: manifests, risk, selection, inspection tasks, packets and findings.
    pub inspection: Arc<crate::inspection::InspectionDesk>,
}

/// Unix milliseconds, as the contract stamps every message.
pub use contracts::mqtt::now_ms;

impl ApiState {
    /// Runs `f` on the store off the async threads.
    pub async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = store
                .lock()
                .map_err(|_| ApiError::Internal("the store lock is poisoned".into()))?;
            f(&mut store)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    }

    /// Appends to the audit log: who did what to what.
    pub async fn audit(&self, caller: &auth::Caller, action: &str, target: String, details: serde_json::Value) {
        let event = AuditEvent {
            time: now_ms() as i64,
            who: caller.user.name.clone(),
            role: caller.user.role,
            action: action.to_string(),
            target,
            details,
        };
        if let Err(e) = self.with_store(move |s| Ok(s.append_audit(&event)?)).await {
            tracing::error!("audit record not written: {e}");
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Port field operations — ground station API",
        description = "Fleet, missions, detections, alerts, flights, reports, customs inspections and training results. Bearer tokens; roles officer, inspector, trainee, admin."
    ),
    paths(
        missions::me,
        missions::scenario,
        missions::vehicles,
        missions::create_plan,
        missions::get_plan,
        missions::launch,
        missions::command,
        watch::alerts,
        watch::acknowledge,
        watch::detections,
        watch::flights,
        watch::report_html,
        watch::snapshot,
        watch::alert_snapshot,
        watch::ingest_health,
        live::live,
        inspections::tasks,
        inspections::assign,
        inspections::packet,
        inspections::task_packet,
        inspections::record_finding,
        inspections::labels,
        inspections::selection,
        training::record_result,
        training::results,
    ),
    components(schemas(error::ErrorBody, missions::LaunchRequest, watch::AckRequest, inspections::AssignRequest)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole HTTP surface: API, OpenAPI document, live WebSocket and the console's files.
pub fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/api/openapi.json", get(|| async { axum::Json(ApiDoc::openapi()) }))
        .route("/api/v1/me", get(missions::me))
        .route("/api/v1/scenario", get(missions::scenario))
        .route("/api/v1/vehicles", get(missions::vehicles))
        .route("/api/v1/plans", post(missions::create_plan))
        .route("/api/v1/plans/{id}", get(missions::get_plan))
        .route("/api/v1/vehicles/{sysid}/launch", post(missions::launch))
        .route("/api/v1/vehicles/{sysid}/commands", post(missions::command))
        .route("/api/v1/alerts", get(watch::alerts))
        .route("/api/v1/alerts/{id}/acknowledge", post(watch::acknowledge))
        .route("/api/v1/alerts/{id}/snapshot", get(watch::alert_snapshot))
        .route("/api/v1/detections", get(watch::detections))
        .route("/api/v1/flights", get(watch::flights))
        .route("/api/v1/flights/{id}/report", get(watch::report_html))
        .route("/api/v1/snapshots/{id}", get(watch::snapshot))
        .route("/api/v1/ingest", get(watch::ingest_health))
        .route("/api/v1/video/{sysid}", get(watch::video))
        .route("/api/v1/live", get(live::live))
        .route(
            "/api/v1/inspections/tasks",
            get(inspections::tasks).post(inspections::assign),
        )
        .route("/api/v1/inspections/tasks/{id}/packet", get(inspections::task_packet))
        .route(
            "/api/v1/inspections/tasks/{id}/findings",
            post(inspections::record_finding),
        )
        .route("/api/v1/inspections/packet", get(inspections::packet))
        .route("/api/v1/inspections/labels", get(inspections::labels))
        .route("/api/v1/risk/selection", get(inspections::selection))
        .route(
            "/api/v1/training/results",
            get(training::results).post(training::record_result),
        )
        .merge(console::routes())
        .with_state(state)
}
