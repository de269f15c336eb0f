//! The agent's configuration: a TOML file, with secrets from files or the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use mavlink_io::SigningKey;
use serde::Deserialize;

/// `agent.toml`. Every key has a default that runs against `sim run` on one machine.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentConfig {
    /// The vehicle's MAVLink system id (1..N); also the drone's MQTT id "drone{N}".
    pub vehicle: u8,
    /// The autopilot's UDP endpoint (SITL, or a serial-to-UDP bridge on the airframe).
    pub autopilot: SocketAddr,
    /// Ground-station links: UDP ports that answer whoever writes to them.
    pub gcs: Vec<SocketAddr>,
    /// File holding the MAVLink signing key (64 hex digits); AGENT_SIGNING_KEY overrides it.
    pub signing_key_file: Option<PathBuf>,
    /// Allow unsigned ground-station links (a bench only): without it a key is required.
    pub allow_unsigned: bool,
    pub mqtt: MqttConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MqttConfig {
    /// None: no MQTT (MAVLink routing only).
    pub host: Option<String>,
    pub port: u16,
    /// Username, "drone{vehicle}" when absent.
    pub username: Option<String>,
    /// File holding the password; AGENT_MQTT_PASSWORD overrides it.
    pub password_file: Option<PathBuf>,
    /// Store-and-forward outbox.
    pub outbox: PathBuf,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            vehicle: 1,
            autopilot: SocketAddr::from(([127, 0, 0, 1], 5760)),
            gcs: vec![SocketAddr::from(([127, 0, 0, 1], 14550))],
            signing_key_file: None,
            allow_unsigned: false,
            mqtt: MqttConfig::default(),
        }
    }
}

impl Default for MqttConfig {
    fn default() -> Self {
        Self {
            host: None,
            port: 1883,
            username: None,
            password_file: None,
            outbox: PathBuf::from("outbox"),
        }
    }
}

impl AgentConfig {
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("config {}", path.display()))
    }

    /// The signing key from AGENT_SIGNING_KEY or `signing_key_file`; None only when
    /// `allow_unsigned` says the links may go unsigned.
    pub fn signing_key(&self) -> Result<Option<SigningKey>> {
        let hex = match (std::env::var("AGENT_SIGNING_KEY"), &self.signing_key_file) {
            (Ok(hex), _) => hex,
            (Err(_), Some(path)) => {
                std::fs::read_to_string(path).with_context(|| format!("reading the signing key {}", path.display()))?
            }
            (Err(_), None) if self.allow_unsigned => return Ok(None),
            (Err(_), None) => bail!(
                "ground-station links cross the air and must be signed: set AGENT_SIGNING_KEY or signing_key_file \
                 (or allow_unsigned = true on a bench)"
            ),
        };
        Ok(Some(SigningKey::from_hex(&hex)?))
    }

    pub fn mqtt_password(&self) -> Result<String> {
        if let Ok(p) = std::env::var("AGENT_MQTT_PASSWORD") {
            return Ok(p);
        }
        match &self.mqtt.password_file {
            Some(path) => Ok(std::fs::read_to_string(path)
                .with_context(|| format!("reading the MQTT password {}", path.display()))?
                .trim()
                .to_string()),
            None => bail!("MQTT needs a password: set AGENT_MQTT_PASSWORD or mqtt.password_file"),
        }
    }
}
