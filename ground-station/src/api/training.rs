//! Training routes: VR training results reported by the AR client, and the list a trainee or an instructor reads.
//!
//! Reporting needs [`Permission::Train`] and is always in the caller's own name. Reading: a
//! caller with [`Permission::ManageInspections`] or [`Permission::Administer`] sees everyone's
//! results (`?trainee=` keeps one trainee's), one with only [`Permission::Train`] their own.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use customs::training::TrainingResult;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Caller, Permission, allows};
use super::{ApiError, ApiState, now_ms};
use crate::store::TrainingRecord;

/// Stores one scored run in the caller's name: 201 `{"id", "duplicate": false}` the first
/// time, 200 with the earlier id and `"duplicate": true` when the caller already reported its
/// `client_ref` (nothing is stored twice). An empty `trainee` is the caller; another name, or
/// an impossible result, is a 400 naming the field.
#[utoipa::path(post, path = "/api/v1/training/results", request_body = Object, responses((status = 201, body = Object), (status = 200, description = "a resend: the earlier id", body = Object), (status = 400, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn record_result(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    body: Result<Json<TrainingResult>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require(Permission::Train)?;
    let Json(result) = body?;
    let client_ref = result.client_ref.trim().to_string();
    let outcome = store_result(&state, &caller, result).await;
    let details = match &outcome {
        Ok((r, added)) => json!({
            "ok": true,
            "id": added.id,
            "duplicate": added.duplicate,
            "client_ref": r.client_ref,
            "scenario_id": r.scenario_id,
            "level": r.level,
            "score": r.score,
            "passed": r.passed,
        }),
        Err(e) => json!({ "ok": false, "client_ref": client_ref, "error": e.to_string() }),
    };
    state
        .audit(
            &caller,
            "training.result",
            format!("trainee/{}", caller.user.name),
            details,
        )
        .await;
    let (_, added) = outcome?;
    let status = if added.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(json!({ "id": added.id, "duplicate": added.duplicate }))))
}

/// Checks a result for the caller and stores it; answers with what was stored.
async fn store_result(
    state: &ApiState,
    caller: &Caller,
    mut result: TrainingResult,
) -> Result<(TrainingResult, crate::store::TrainingAdded), ApiError> {
    let me = &caller.user.name;
    let trainee = result.trainee.trim();
    if trainee.is_empty() {
        result.trainee = me.clone();
    } else if trainee != me {
        return Err(ApiError::BadRequest(format!(
            "trainee: {:?} is not the signed-in user {me:?} (leave it empty to report as yourself)",
            result.trainee
        )));
    } else {
        result.trainee = trainee.to_string();
    }
    result.check().map_err(|p| ApiError::BadRequest(p.to_string()))?;
    result.client_ref = result.client_ref.trim().to_string();
    let now = now_ms() as i64;
    state
        .with_store(move |s| {
            let added = s.add_training_result(&result, now)?;
            Ok((result, added))
        })
        .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsQuery {
    /// Only this trainee's results (instructors; a trainee may name only themself).
    pub trainee: Option<String>,
    #[serde(rename = "token")]
    pub _token: Option<String>,
}

/// Training results, newest first: a trainee's own, or (officers and admins) everyone's,
/// `?trainee=` keeping one trainee's.
#[utoipa::path(get, path = "/api/v1/training/results", params(("trainee" = Option<String>, Query)), responses((status = 200, body = [Object]), (status = 400, body = super::error::ErrorBody), (status = 403, body = super::error::ErrorBody)))]
pub async fn results(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    q: Result<Query<ResultsQuery>, QueryRejection>,
) -> Result<Json<Vec<TrainingRecord>>, ApiError> {
    let role = caller.user.role;
    let instructor = allows(role, Permission::ManageInspections) || allows(role, Permission::Administer);
    if !instructor {
        caller.require(Permission::Train)?;
    }
    let wanted = q
        .map(|Query(v)| v)
        .map_err(|r| ApiError::BadRequest(r.body_text()))?
        .trainee
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let trainee = match wanted {
        Some(t) if instructor || t == caller.user.name => Some(t),
        Some(_) => {
            return Err(ApiError::Forbidden {
                role,
                permission: Permission::ManageInspections,
            });
        }
        None if instructor => None,
        None => Some(caller.user.name.clone()),
    };
    Ok(Json(
        state
            .with_store(move |s| Ok(s.training_results(trainee.as_deref())?))
            .await?,
    ))
}
