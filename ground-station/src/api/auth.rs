//! Who may do what: the role → permission table, and the bearer-token extractor every handler takes.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Serialize;

use super::ApiState;
use super::error::ApiError;
use crate::store::{Role, User};

/// Things the API lets a caller do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the fleet, the map, detections, alerts, flights and reports.
    View,
    /// Plan missions and see their route, time and battery (nothing flies).
    Plan,
    /// Upload and start a mission.
    Launch,
    /// Pause, resume, go to, orbit, return, land.
    Command,
    AcknowledgeAlert,
    /// Read inspection tasks and packets.
    Inspect,
    /// Record findings of an examination.
    RecordFinding,
    /// Create and assign inspection tasks.
    ManageInspections,
    /// Report training results.
    Train,
    /// Users, tokens and the audit log.
    Administer,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Permission::View,
        Permission::Plan,
        Permission::Launch,
        Permission::Command,
        Permission::AcknowledgeAlert,
        Permission::Inspect,
        Permission::RecordFinding,
        Permission::ManageInspections,
        Permission::Train,
        Permission::Administer,
    ];
}

/// The policy, in one place: an inspector examines containers but never commands a drone; a
/// trainee may plan to learn but never launches.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Officer => matches!(
            permission,
            View | Plan | Launch | Command | AcknowledgeAlert | Inspect | ManageInspections
        ),
        Role::Inspector => matches!(permission, View | Inspect | RecordFinding),
        Role::Trainee => matches!(permission, View | Plan | Train),
    }
}

/// The authenticated caller of a request (`Authorization: Bearer <token>`, or `?token=` for
/// the browser's WebSocket and `<img>` requests, which cannot set headers).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
}

impl Caller {
    /// Ok when the caller's role allows `permission`, a 403 naming both otherwise.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if allows(self.user.role, permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                role: self.user.role,
                permission,
            })
        }
    }
}

fn token_of(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION)
        && let Ok(text) = value.to_str()
        && let Some(token) = text.strip_prefix("Bearer ")
    {
        return Some(token.trim().to_string());
    }
    parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "token")
            .map(|(_, v)| v.to_string())
    })
}

impl FromRequestParts<Arc<ApiState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<ApiState>) -> Result<Self, Self::Rejection> {
        let token = token_of(parts).ok_or(ApiError::Unauthenticated("no bearer token"))?;
        let store = state.store.clone();
        let now = super::now_ms() as i64;
        let user = tokio::task::spawn_blocking(move || {
            let store = store
                .lock()
                .map_err(|_| ApiError::Internal("the store lock is poisoned".into()))?;
            store
                .authenticate(&token, now)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
        user.map(|user| Caller { user })
            .ok_or(ApiError::Unauthenticated("unknown, expired or revoked token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_table() {
        let can = |role, p| allows(role, p);
        // Everyone sees the picture.
        for role in Role::ALL {
            assert!(can(role, Permission::View), "{role}");
        }
        assert!(can(Role::Officer, Permission::Launch) && can(Role::Officer, Permission::Command));
        assert!(!can(Role::Trainee, Permission::Launch), "a trainee cannot launch");
        assert!(can(Role::Trainee, Permission::Plan), "but may plan to learn");
        assert!(
            !can(Role::Inspector, Permission::Command),
            "an inspector cannot command drones"
        );
        assert!(!can(Role::Inspector, Permission::Launch));
        assert!(can(Role::Inspector, Permission::RecordFinding));
        assert!(!can(Role::Officer, Permission::Administer));
        assert!(Permission::ALL.iter().all(|p| can(Role::Admin, *p)));
    }
}
