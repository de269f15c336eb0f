//! Inspection routes: tasks (list, create or assign), inspection packets by task or container, findings, training labels, and the risk selection at an inspection rate.
//!
//! Reading needs [`Permission::Inspect`], creating and assigning tasks
//! [`Permission::ManageInspections`], recording findings [`Permission::RecordFinding`]. The
//! work is the [`crate::inspection::InspectionDesk`]'s, run on the store's thread.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use customs::Finding;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::auth::{Caller, Permission, allows};
use super::{ApiError, ApiState, now_ms};
use crate::inspection::{DeskError, InspectionDesk, SelectionReport, parse_status};
use crate::store::Store;

fn api_error(e: DeskError) -> ApiError {
    match e {
        DeskError::UnknownContainer(c) => ApiError::NotFound(format!("container {c}")),
        DeskError::UnknownTask(id) => ApiError::NotFound(format!("inspection task {id}")),
        DeskError::BadRequest(m) => ApiError::BadRequest(m),
        DeskError::Conflict(m) => ApiError::Conflict(m),
        DeskError::Internal(m) => ApiError::Internal(m),
        DeskError::Store(e) => ApiError::Internal(e.to_string()),
    }
}

/// Runs `f` with the desk on the store's thread, with the time of the request.
async fn with_desk<T: Send + 'static>(
    state: &ApiState,
    f: impl FnOnce(&InspectionDesk, &mut Store, i64) -> Result<T, DeskError> + Send + 'static,
) -> Result<T, ApiError> {
    let desk = state.inspection.clone();
    let now = now_ms() as i64;
    state.with_store(move |s| f(&desk, s, now).map_err(api_error)).await
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(v)| v).map_err(|r| ApiError::BadRequest(r.body_text()))
}

fn task_id(p: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    p.map(|Path(v)| v)
        .map_err(|r| ApiError::BadRequest(format!("task id: {}", r.body_text())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    /// open, assigned, in_progress, completed or cancelled.
    pub status: Option<String>,
    #[serde(rename = "token")]
    pub _token: Option<String>,
}

/// A task in a list: the packet's risk, without the packet.
#[derive(Debug, Serialize)]
pub struct TaskSummary {
    pub id: i64,
    pub container_number: String,
    pub status: String,
    pub assigned_inspector: Option<String>,
    pub score: Option<f64>,
    pub level: Option<Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Inspection tasks, newest first; `?status=` keeps one status.
#[utoipa::path(get, path = "/api/v1/inspections/tasks", params(("status" = Option<String>, Query)), responses((status = 200, body = [Object]), (status = 400, body = super::error::ErrorBody)))]
pub async fn tasks(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    q: Result<Query<TaskQuery>, QueryRejection>,
) -> Result<Json<Vec<TaskSummary>>, ApiError> {
    caller.require(Permission::Inspect)?;
    let status = query(q)?.status;
    if let Some(s) = &status
        && parse_status(s).is_none()
    {
        return Err(ApiError::BadRequest(format!(
            "status: {s:?} is not one of open, assigned, in_progress, completed, cancelled"
        )));
    }
    let tasks = state
        .with_store(move |s| Ok(s.inspection_tasks(status.as_deref())?))
        .await?;
    Ok(Json(
        tasks
            .into_iter()
            .map(|t| TaskSummary {
                score: t.packet.pointer("/risk/score").and_then(Value::as_f64),
                level: t.packet.pointer("/risk/level").cloned(),
                id: t.id,
                container_number: t.container_number,
                status: t.status,
                assigned_inspector: t.assigned_inspector,
                created_at: t.created_at,
                updated_at: t.updated_at,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub container_number: String,
    /// The user name of the inspector who examines it.
    pub inspector: String,
}

/// Creates a task for a container assigned to an inspector, or assigns its standing task
/// (201 when a task row was written, 200 when it was already so).
#[utoipa::path(post, path = "/api/v1/inspections/tasks", request_body = AssignRequest, responses((status = 201, body = Object), (status = 200, body = Object), (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn assign(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    body: Result<Json<AssignRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ManageInspections)?;
    let Json(request) = body?;
    let inspector = request.inspector.trim().to_string();
    let (container, who) = (request.container_number.clone(), inspector.clone());
    let assignment = with_desk(&state, move |desk, store, now| {
        match store.user_by_name(&who)? {
            None => return Err(DeskError::BadRequest(format!("inspector: no user is named {who:?}"))),
            Some(u) if !allows(u.role, Permission::RecordFinding) => {
                return Err(DeskError::BadRequest(format!(
                    "inspector: {who} is a {}, who may not record findings",
                    u.role
                )));
            }
            Some(_) => {}
        }
        desk.create_or_assign(store, &container, &who, now)
    })
    .await?;
    state
        .audit(
            &caller,
            "inspection.assign",
            format!("inspection_task/{}", assignment.task.id),
            json!({
                "container": assignment.task.container_number,
                "inspector": inspector,
                "created": assignment.created,
            }),
        )
        .await;
    let status = if assignment.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(assignment)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketQuery {
    /// ISO 6346 container number (spaces, dashes and case ignored).
    pub container: Option<String>,
    #[serde(rename = "token")]
    pub _token: Option<String>,
}

/// The inspection packet of a container as it stands now: manifest lines, HS descriptions,
/// risk score and reasons, drone evidence with snapshot URLs, checklist.
#[utoipa::path(get, path = "/api/v1/inspections/packet", params(("container" = String, Query)), responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn packet(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    q: Result<Query<PacketQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::Inspect)?;
    let container = query(q)?
        .container
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| ApiError::BadRequest("container: missing (?container=MSCU1234565)".into()))?;
    let packet = with_desk(&state, move |desk, store, now| desk.packet(store, &container, now)).await?;
    serde_json::to_value(packet)
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// A task's packet: the one it was created with (its checklist is what the finding answers),
/// with the risk and drone evidence as they stand now.
#[utoipa::path(get, path = "/api/v1/inspections/tasks/{id}/packet", params(("id" = i64, Path)), responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn task_packet(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::Inspect)?;
    let id = task_id(id)?;
    Ok(Json(
        with_desk(&state, move |desk, store, now| desk.task_packet(store, id, now)).await?,
    ))
}

/// Records the assigned inspector's finding: checked against the task's checklist (a problem
/// is a 400 naming the item), stored, audited; the task is completed. Answers with its label
/// (201, `"duplicate": false`). A resend with a `client_ref` this inspector already recorded
/// on the task answers the earlier record (200, `"duplicate": true`); any other finding on a
/// completed task is a 409.
#[utoipa::path(post, path = "/api/v1/inspections/tasks/{id}/findings", params(("id" = i64, Path)), request_body = Object, responses((status = 201, body = Object), (status = 200, description = "a resend: the earlier record", body = Object), (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn record_finding(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<Finding>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require(Permission::RecordFinding)?;
    let id = task_id(id)?;
    let Json(finding) = body?;
    let inspector = caller.user.name.clone();
    let result = with_desk(&state, move |desk, store, now| {
        desk.record_finding(store, id, finding, &inspector, now)
    })
    .await;
    let details = match &result {
        Ok(r) => json!({
            "ok": true,
            "finding_id": r.finding_id,
            "container": r.task.container_number,
            "fraud": r.label.fraud,
            "critical_fraud": r.label.critical_fraud,
            "duplicate": r.duplicate,
        }),
        Err(e) => json!({ "ok": false, "error": e.to_string() }),
    };
    state
        .audit(&caller, "inspection.finding", format!("inspection_task/{id}"), details)
        .await;
    let recorded = result?;
    let status = if recorded.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let body = serde_json::to_value(recorded).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((status, Json(body)))
}

/// Every finding as JSON lines in the risk trainer's `--findings` format, one per finding and
/// bill of lading, joined with the declaration row: `scripts/train-risk --findings <file>`.
/// Findings that give no line are counted in `x-labels-skipped` and logged.
#[utoipa::path(get, path = "/api/v1/inspections/labels", responses((status = 200, content_type = "application/x-ndjson")))]
pub async fn labels(caller: Caller, State(state): State<Arc<ApiState>>) -> Result<Response, ApiError> {
    caller.require(Permission::Inspect)?;
    let (lines, skipped) = with_desk(&state, |desk, store, _| desk.labels(store)).await?;
    for s in &skipped {
        tracing::warn!("inspection labels: {s}");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_string()),
            (
                header::HeaderName::from_static("x-labels-skipped"),
                skipped.len().to_string(),
            ),
        ],
        crate::inspection::labels::to_jsonl(&lines),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionQuery {
    /// Percent of the containers (5 = 5 %); default: the configured rate.
    pub rate: Option<f64>,
    #[serde(rename = "token")]
    pub _token: Option<String>,
}

/// The containers (and their consignments) to examine at an inspection rate, with scores and
/// reasons: mandatory hits first and always, then the highest scores up to ⌈rate · n⌉.
#[utoipa::path(get, path = "/api/v1/risk/selection", params(("rate" = Option<f64>, Query)), responses((status = 200, body = Object), (status = 400, body = super::error::ErrorBody)))]
pub async fn selection(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    q: Result<Query<SelectionQuery>, QueryRejection>,
) -> Result<Json<SelectionReport>, ApiError> {
    caller.require(Permission::Inspect)?;
    let rate = query(q)?.rate;
    Ok(Json(
        with_desk(&state, move |desk, store, now| {
            desk.selection(store, rate.unwrap_or(desk.config().inspection_rate), now)
        })
        .await?,
    ))
}
