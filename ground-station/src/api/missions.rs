//! Fleet and mission routes: who am I, the port map, vehicles, planning, launch and commands.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use mission::planner::{PlanRequest, PlannedMission};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::auth::{Caller, Permission};
use super::{ApiError, ApiState, now_ms};
use crate::fleet::{LaunchError, VehicleCommand, VehicleSnapshot};
use crate::store::NewMission;

#[derive(Debug, Serialize)]
pub struct Me {
    pub name: String,
    pub role: crate::store::Role,
    pub permissions: Vec<Permission>,
}

/// The signed-in user, their role and what it allows.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Object)))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        name: caller.user.name.clone(),
        role: caller.user.role,
        permissions: Permission::ALL
            .into_iter()
            .filter(|p| super::auth::allows(caller.user.role, *p))
            .collect(),
    })
}

/// The port scenario (zones, vessels, launch pad, rally points) as GeoJSON.
#[utoipa::path(get, path = "/api/v1/scenario", responses((status = 200, body = Object)))]
pub async fn scenario(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
) -> Result<axum::response::Response, ApiError> {
    caller.require(Permission::View)?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
        state.scenario_geojson.as_str().to_owned(),
    )
        .into_response())
}

/// Every vehicle the station has heard, with mode, position, battery, mission progress and link.
#[utoipa::path(get, path = "/api/v1/vehicles", responses((status = 200, body = [Object])))]
pub async fn vehicles(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
) -> Result<Json<Vec<VehicleSnapshot>>, ApiError> {
    caller.require(Permission::View)?;
    Ok(Json(state.fleet.vehicles()))
}

/// A plan made through the API: its id (the stored mission's) and what the planner says of it.
#[derive(Debug, Serialize)]
pub struct PlanResponse {
    pub plan_id: i64,
    #[serde(flatten)]
    pub planned: PlannedMission,
}

/// Plans a survey, perimeter patrol, orbit or route in the port; returns the route, time,
/// battery and any problem (an unsafe plan is returned with `ok: false`, never launched).
#[utoipa::path(post, path = "/api/v1/plans", request_body = Object, responses((status = 201, body = Object), (status = 400, body = super::error::ErrorBody)))]
pub async fn create_plan(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    body: Result<Json<PlanRequest>, JsonRejection>,
) -> Result<(axum::http::StatusCode, Json<PlanResponse>), ApiError> {
    caller.require(Permission::Plan)?;
    let Json(request) = body?;
    let port = state.port.clone();
    let request_for_plan = request.clone();
    let planned = tokio::task::spawn_blocking(move || mission::planner::plan(&port, &request_for_plan))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let record = NewMission {
        kind: pattern_kind(&request),
        area_name: Some(planned.title.clone()),
        plan: planned.plan.clone(),
        created_by: caller.user.name.clone(),
        created_at: now_ms() as i64,
    };
    let plan_id = state.with_store(move |s| Ok(s.insert_mission(&record)?)).await?;
    if let Ok(mut plans) = state.plans.lock() {
        plans.insert(plan_id, planned.clone());
    }
    state
        .audit(
            &caller,
            "mission.plan",
            format!("mission/{plan_id}"),
            json!({ "request": request }),
        )
        .await;
    Ok((axum::http::StatusCode::CREATED, Json(PlanResponse { plan_id, planned })))
}

fn pattern_kind(request: &PlanRequest) -> String {
    serde_json::to_value(request)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_else(|| "mission".into())
}

/// A plan made earlier.
#[utoipa::path(get, path = "/api/v1/plans/{id}", params(("id" = i64, Path)), responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_plan(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    Path(id): Path<i64>,
) -> Result<Json<PlanResponse>, ApiError> {
    caller.require(Permission::View)?;
    let planned = state
        .plans
        .lock()
        .ok()
        .and_then(|p| p.get(&id).cloned())
        .ok_or_else(|| ApiError::NotFound(format!("plan {id}")))?;
    Ok(Json(PlanResponse { plan_id: id, planned }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchRequest {
    /// A plan from `POST /api/v1/plans`.
    pub plan_id: i64,
}

/// Validates, uploads fence + rally + mission, arms, takes off and starts the mission; the
/// error names the step that failed (upload, arm, take-off...).
#[utoipa::path(post, path = "/api/v1/vehicles/{sysid}/launch", params(("sysid" = u8, Path)), request_body = LaunchRequest, responses((status = 200, body = Object), (status = 409, body = super::error::ErrorBody)))]
pub async fn launch(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    Path(sysid): Path<u8>,
    body: Result<Json<LaunchRequest>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Permission::Launch)?;
    let Json(request) = body?;
    let planned = state
        .plans
        .lock()
        .ok()
        .and_then(|p| p.get(&request.plan_id).cloned())
        .ok_or_else(|| ApiError::NotFound(format!("plan {}", request.plan_id)))?;
    if !planned.ok {
        return Err(ApiError::Conflict(format!(
            "plan {} is not safe to fly: {}",
            request.plan_id,
            planned
                .problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    if state.fleet.vehicle(sysid).is_none() {
        return Err(ApiError::NotFound(format!("vehicle {sysid}")));
    }
    if let Ok(mut launched) = state.launched.lock() {
        launched.insert(sysid, request.plan_id);
    }
    let outcome = state.fleet.launch(sysid, &planned.plan).await;
    state
        .audit(
            &caller,
            "mission.launch",
            format!("vehicle/{sysid}"),
            json!({ "plan_id": request.plan_id, "ok": outcome.is_ok(), "error": outcome.as_ref().err().map(ToString::to_string) }),
        )
        .await;
    match outcome {
        Ok(report) => Ok(Json(json!({
            "vehicle": sysid,
            "plan_id": request.plan_id,
            "uploaded": format!("{report:?}"),
        }))),
        Err(e @ LaunchError::Invalid { .. }) => Err(ApiError::Conflict(e.to_string())),
        Err(e) => Err(ApiError::Conflict(e.to_string())),
    }
}

/// Pause, resume, go to, orbit, return, land, or a mode change — checked against the vehicle's
/// COMMAND_ACK; a refusal comes back as 409 naming the MAV_RESULT.
#[utoipa::path(post, path = "/api/v1/vehicles/{sysid}/commands", params(("sysid" = u8, Path)), request_body = Object, responses((status = 200, body = Object), (status = 409, body = super::error::ErrorBody)))]
pub async fn command(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    Path(sysid): Path<u8>,
    body: Result<Json<VehicleCommand>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Permission::Command)?;
    let Json(command) = body?;
    command.validate().map_err(ApiError::BadRequest)?;
    if state.fleet.vehicle(sysid).is_none() {
        return Err(ApiError::NotFound(format!("vehicle {sysid}")));
    }
    let outcome = state.fleet.command(sysid, command).await;
    state
        .audit(
            &caller,
            "vehicle.command",
            format!("vehicle/{sysid}"),
            json!({ "command": command, "ok": outcome.is_ok(), "error": outcome.as_ref().err().map(ToString::to_string) }),
        )
        .await;
    outcome.map_err(|e| ApiError::Conflict(e.to_string()))?;
    Ok(Json(json!({ "vehicle": sysid, "done": command.describe() })))
}
