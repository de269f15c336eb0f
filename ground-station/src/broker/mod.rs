//! The station's MQTT broker: embedded (rumqttd behind an ACL gate, the default) or external by URL.
//!
//! - [`accounts`]: per-client credentials and the contract's roles (drone, station, viewer);
//! - [`gate`]: per-topic permissions enforced in front of rumqttd, which has none of its own;
//! - [`embedded`]: [`EmbeddedBroker`], rumqttd on a private port plus the gate;
//! - [`endpoint`]: `mqtt://user:pass@host:port` for an external broker (Mosquitto is tested);
//! - [`mosquitto`]: Mosquitto's password file and acl_file from the same credentials.

pub mod accounts;
pub mod embedded;
pub mod endpoint;
pub mod gate;
pub mod mosquitto;

pub use accounts::{Accounts, ClientCredential, RoleKind};
pub use embedded::{EmbeddedBroker, EmbeddedConfig};
pub use endpoint::MqttEndpoint;
pub use gate::GateCounters;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("broker credentials: {0}")]
    Credentials(String),
    #[error("broker URL {0}")]
    Url(String),
    #[error("embedded broker: {0}")]
    Start(String),
}

/// Which broker the station uses.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BrokerConfig {
    /// Start rumqttd inside the station; `station_username` names the client in
    /// `config.clients` the station itself connects as.
    Embedded {
        #[serde(default)]
        config: EmbeddedConfig,
        station_username: String,
    },
    /// Use a running broker, e.g. `mqtt://station:secret@mosquitto.local:1883`.
    External { url: String },
}

/// The broker the station runs or uses, and how the station connects to it.
#[derive(Debug)]
pub struct StationBroker {
    /// Present when the station runs it; keep it alive as long as the station runs.
    pub embedded: Option<EmbeddedBroker>,
    pub station: MqttEndpoint,
}

impl BrokerConfig {
    /// Starts the embedded broker, or checks the external URL.
    pub async fn start(self) -> Result<StationBroker, BrokerError> {
        match self {
            BrokerConfig::External { url } => Ok(StationBroker {
                embedded: None,
                station: MqttEndpoint::parse_url(&url)?,
            }),
            BrokerConfig::Embedded {
                config,
                station_username,
            } => {
                let station = config
                    .clients
                    .iter()
                    .find(|c| c.username == station_username && c.role == RoleKind::Station)
                    .ok_or_else(|| {
                        BrokerError::Credentials(format!(
                            "station user `{station_username}` is not among the clients as a station"
                        ))
                    })?
                    .clone();
                let broker = EmbeddedBroker::start(config).await?;
                let mut endpoint = broker.endpoint(&station.username, &station.password);
                if broker.local_addr().ip().is_unspecified() {
                    // Listening on every interface: the station itself connects over loopback.
                    endpoint.host = "127.0.0.1".into();
                }
                Ok(StationBroker {
                    embedded: Some(broker),
                    station: endpoint,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_from_json_and_a_clear_error_for_a_missing_station() {
        let text = r#"{"kind": "embedded", "station_username": "station", "config": {
            "listen": "127.0.0.1:0",
            "clients": [{"role": "station", "username": "station", "password": "s"},
                        {"role": "drone", "username": "d1", "password": "x"}]}}"#;
        let config: BrokerConfig = serde_json::from_str(text).unwrap();
        let BrokerConfig::Embedded { config: embedded, .. } = &config else {
            panic!("{config:?}")
        };
        assert_eq!(embedded.clients.len(), 2);
        assert_eq!(embedded.max_packet_bytes, EmbeddedConfig::default().max_packet_bytes);
        let external: BrokerConfig = serde_json::from_str(r#"{"kind": "external", "url": "mqtt://s:p@h:1"}"#).unwrap();
        assert!(matches!(external, BrokerConfig::External { .. }));
        assert!(serde_json::from_str::<BrokerConfig>(r#"{"kind": "external", "url": "x", "port": 1}"#).is_err());

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let missing = BrokerConfig::Embedded {
            config: EmbeddedConfig::default(),
            station_username: "station".into(),
        };
        let err = runtime.block_on(missing.start()).unwrap_err().to_string();
        assert!(err.contains("station user `station`"), "{err}");
        let bad_url = BrokerConfig::External { url: "mqtt://h".into() };
        assert!(runtime.block_on(bad_url.start()).is_err());
    }
}
