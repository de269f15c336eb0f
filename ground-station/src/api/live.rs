//! `/api/v1/live`: a WebSocket of [`LiveEvent`]s (vehicle states, detections, tracks, alerts, flights) as JSON text frames.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use tokio::sync::broadcast::error::RecvError;

use super::auth::{Caller, Permission};
use super::{ApiError, ApiState, LiveEvent};

/// Upgrades to a WebSocket; the current fleet is sent first, then every event as it happens.
/// A client too slow to keep up is told how many events it missed, not silently cut off.
#[utoipa::path(get, path = "/api/v1/live", responses((status = 101, description = "WebSocket of JSON events")))]
pub async fn live(
    caller: Caller,
    State(state): State<Arc<ApiState>>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    caller.require(Permission::View)?;
    Ok(upgrade.on_upgrade(move |socket| pump(socket, state)))
}

async fn send(socket: &mut WebSocket, event: &impl serde::Serialize) -> bool {
    match serde_json::to_string(event) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(e) => {
            tracing::error!("live event not encoded: {e}");
            true
        }
    }
}

async fn pump(mut socket: WebSocket, state: Arc<ApiState>) {
    let mut events = state.live.subscribe();
    for v in state.fleet.vehicles() {
        if !send(&mut socket, &LiveEvent::Vehicle(Box::new(v))).await {
            return;
        }
    }
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => if !send(&mut socket, &event).await { return },
                Err(RecvError::Lagged(missed)) => {
                    let note = serde_json::json!({"type": "lagged", "missed": missed});
                    if !send(&mut socket, &note).await { return }
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
