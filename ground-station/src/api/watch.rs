//! What the officer watches: alerts (and acknowledging them), detections, flights and their reports, snapshots, ingest health, live video.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use contracts::mqtt::Alert;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::auth::{Caller, Permission};
use super::{ApiError, ApiState, now_ms};
use crate::store::{DetectionRecord, FlightRecord};

/// Every alert the station holds, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", responses((status = 200, body = [Object])))]
pub async fn alerts(caller: Caller, State(state): State<Arc<ApiState>>) -> Result<Json<Vec<Alert>>, ApiError> {
    caller.require(Permission::View)?;
    let mut alerts = state
        .alerts
        .alerts()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    alerts.sort_by_key(|a| std::cmp::Reverse(a.last_seen));
    Ok(Json(alerts))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AckRequest {
    /// What the officer did about it.
    pub note: String,
}

/// Acknowledges an alert; acknowledging twice is refused with who did it first.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", params(("id" = String, Path)), request_body = AckRequest, responses((status = 200, body = Object), (status = 409, body = super::error::ErrorBody)))]
pub async fn acknowledge(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
    body: Result<Json<AckRequest>, JsonRejection>,
) -> Result<Json<Alert>, ApiError> {
    caller.require(Permission::AcknowledgeAlert)?;
    let Json(request) = body?;
    let result = state
        .alerts
        .acknowledge(&id, &caller.user.name, &request.note, now_ms())
        .await;
    state
        .audit(
            &caller,
            "alert.acknowledge",
            format!("alert/{id}"),
            json!({ "note": request.note, "ok": result.is_ok() }),
        )
        .await;
    match result {
        Ok(alert) => Ok(Json(alert)),
        Err(crate::alerts::ServiceError::Stopped) => Err(ApiError::Unavailable("the alert service".into())),
        Err(e) if e.to_string().contains("unknown") => Err(ApiError::NotFound(format!("alert {id}"))),
        Err(e) => Err(ApiError::Conflict(e.to_string())),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    /// Unix ms; default: the last hour.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// The caller's token, for browsers that cannot set headers (read by the auth extractor).
    #[serde(rename = "token")]
    pub _token: Option<String>,
}

/// Detections stored in a time range.
#[utoipa::path(get, path = "/api/v1/detections", params(("from" = Option<i64>, Query), ("to" = Option<i64>, Query)), responses((status = 200, body = [Object])))]
pub async fn detections(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    Query(range): Query<TimeRange>,
) -> Result<Json<Vec<DetectionRecord>>, ApiError> {
    caller.require(Permission::View)?;
    let to = range.to.unwrap_or(now_ms() as i64);
    let from = range.from.unwrap_or(to - 3_600_000);
    Ok(Json(
        state.with_store(move |s| Ok(s.detections_between(from, to)?)).await?,
    ))
}

/// Flights (in the air or landed), newest first, with their report summaries once written.
#[utoipa::path(get, path = "/api/v1/flights", responses((status = 200, body = [Object])))]
pub async fn flights(caller: Caller, State(state): State<Arc<ApiState>>) -> Result<Json<Vec<FlightRecord>>, ApiError> {
    caller.require(Permission::View)?;
    Ok(Json(state.with_store(|s| Ok(s.recent_flights(200)?)).await?))
}

/// A flight's report page (map picture and summary), HTML.
#[utoipa::path(get, path = "/api/v1/flights/{id}/report", params(("id" = i64, Path)), responses((status = 200, content_type = "text/html"), (status = 404, body = super::error::ErrorBody)))]
pub async fn report_html(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    caller.require(Permission::View)?;
    let flight = state
        .with_store(move |s| Ok(s.flight(id)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("flight {id}")))?;
    let path = flight
        .report_path
        .ok_or_else(|| ApiError::NotFound(format!("report of flight {id} (not written yet)")))?;
    let html = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("reading {path}: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// A snapshot JPEG by id.
#[utoipa::path(get, path = "/api/v1/snapshots/{id}", params(("id" = i64, Path)), responses((status = 200, content_type = "image/jpeg"), (status = 404, body = super::error::ErrorBody)))]
pub async fn snapshot(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    caller.require(Permission::View)?;
    snapshot_picture(&state, id).await
}

/// The picture of the track an alert is about (the snapshot stored with the alert), JPEG: the
/// console's thumbnail, since an alert names its snapshot by drone and message, not by id.
#[utoipa::path(get, path = "/api/v1/alerts/{id}/snapshot", params(("id" = String, Path)), responses((status = 200, content_type = "image/jpeg"), (status = 404, body = super::error::ErrorBody)))]
pub async fn alert_snapshot(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Permission::View)?;
    let alert = state
        .alerts
        .alerts()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?
        .into_iter()
        .find(|a| a.alert_id.as_str() == id)
        .ok_or_else(|| ApiError::NotFound(format!("alert {id}")))?;
    // One stored alert per (rule, drone, track): the recorder's record of this one.
    let (rule, drone, track) = (alert.rule.as_str(), alert.drone_id.to_string(), alert.track_id);
    let snapshot_id = state
        .with_store(move |s| {
            Ok(s.recent_alerts(ALERTS_SEARCHED)?
                .into_iter()
                .find(|r| r.rule == rule && r.drone == drone && r.track_id == track)
                .and_then(|r| r.snapshot_id))
        })
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("a snapshot of alert {id} (none received yet)")))?;
    snapshot_picture(&state, snapshot_id).await
}

/// How many stored alerts, newest first, an alert's snapshot is looked for among.
const ALERTS_SEARCHED: usize = 1000;

async fn snapshot_picture(state: &ApiState, id: i64) -> Result<Response, ApiError> {
    let image = state
        .with_store(move |s| Ok(s.snapshot_image(id)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("snapshot {id}")))?;
    let bytes = match (image.jpeg, image.path) {
        (Some(bytes), _) => bytes,
        (None, Some(path)) => tokio::fs::read(&path)
            .await
            .map_err(|e| ApiError::Internal(format!("reading {path}: {e}")))?,
        (None, None) => return Err(ApiError::NotFound(format!("snapshot {id}'s picture"))),
    };
    Ok(([(header::CONTENT_TYPE, image.content_type)], bytes).into_response())
}

/// MQTT ingest health: counters and the malformed messages kept (dead letters).
#[utoipa::path(get, path = "/api/v1/ingest", responses((status = 200, body = Object)))]
pub async fn ingest_health(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Permission::View)?;
    let Some(ingest) = &state.ingest else {
        return Err(ApiError::Unavailable("MQTT ingest".into()));
    };
    Ok(Json(json!({
        "stats": ingest.stats(),
        "dead_letters": ingest.dead_letters(),
        "fleet": state.fleet.stats(),
    })))
}

/// A vehicle's live video as MJPEG (`multipart/x-mixed-replace`), which an `<img>` plays.
pub async fn video(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    Path(sysid): Path<u8>,
) -> Result<Response, ApiError> {
    caller.require(Permission::View)?;
    let bridge = state
        .video
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("live video (the station runs without GStreamer)".into()))?;
    let frames = bridge
        .subscribe(sysid)
        .ok_or_else(|| ApiError::NotFound(format!("video of vehicle {sysid}")))?;
    let stream = crate::video::mjpeg_stream(frames);
    Ok((
        [(header::CONTENT_TYPE, crate::video::MJPEG_CONTENT_TYPE)],
        Body::from_stream(stream),
    )
        .into_response())
}
