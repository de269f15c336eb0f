//! The agent's configuration: a TOML file, with secrets from files or the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use drone_agent::perception::PerceptionConfig;
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
    pub video: VideoSection,
    pub detect: DetectSection,
    pub perception: PerceptionConfig,
}

/// The camera and where its video goes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VideoSection {
    /// `v4l2:///dev/video0`, `rtsp://...`, `file:///...`, `test:`, `sim://host:port?width=..&height=..&fps=..`;
    /// None: no video and no detection (MAVLink and status only).
    pub source: Option<String>,
    /// Where the RTP/H.264 stream goes (the ground station).
    pub rtp_host: String,
    /// None: 5600 + vehicle index (vehicle 1 streams to 5600), as QGroundControl expects.
    pub rtp_port: Option<u16>,
    pub bitrate_kbps: u32,
    /// Frames a second handed to detection (the stream itself keeps the source's rate).
    pub detection_fps: Option<u32>,
    /// Seconds before a failed or ended source is tried again.
    pub restart_delay_s: f64,
    /// Also serve the camera over RTSP on this port (8554 is usual); None: RTP only.
    pub rtsp_port: Option<u16>,
    pub rtsp_address: String,
    pub rtsp_path: String,
}

/// The detector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DetectSection {
    /// The YOLOX-nano ONNX model; None: the one vendored with the agent (DETECT_MODEL overrides).
    pub model: Option<PathBuf>,
    /// COCO class names reported; None: the port's (person, bicycle, car, motorcycle, bus, truck, boat).
    pub classes: Option<Vec<String>>,
    pub score_threshold: f32,
    /// Worker threads for tiles (both cores of a companion computer by default).
    pub threads: usize,
    /// Reuse the detections of tiles that did not change; false runs every tile of every frame.
    pub skip_unchanged: bool,
}

impl Default for VideoSection {
    fn default() -> Self {
        Self {
            source: None,
            rtp_host: "127.0.0.1".into(),
            rtp_port: None,
            bitrate_kbps: 2000,
            detection_fps: Some(5),
            restart_delay_s: 5.0,
            rtsp_port: None,
            rtsp_address: "0.0.0.0".into(),
            rtsp_path: "/video".into(),
        }
    }
}

impl Default for DetectSection {
    fn default() -> Self {
        Self {
            model: None,
            classes: None,
            score_threshold: 0.3,
            threads: 2,
            skip_unchanged: true,
        }
    }
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
            video: VideoSection::default(),
            detect: DetectSection::default(),
            perception: PerceptionConfig::default(),
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
        Ok(SigningKey::from_env_or_file(
            "AGENT_SIGNING_KEY",
            self.signing_key_file.as_deref(),
            "signing_key_file",
            self.allow_unsigned,
        )?)
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

impl DetectSection {
    /// The detector's configuration, refusing class names COCO does not have.
    pub fn detector_config(&self) -> Result<drone_agent::detect::DetectorConfig> {
        let classes = match &self.classes {
            None => Some(drone_agent::detect::DEFAULT_CLASSES.to_vec()),
            Some(names) => Some(
                names
                    .iter()
                    .map(|n| {
                        drone_agent::detect::class_id(n)
                            .with_context(|| format!("detect.classes: `{n}` is not a COCO class"))
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        Ok(drone_agent::detect::DetectorConfig {
            score_threshold: self.score_threshold,
            classes,
            ..drone_agent::detect::DetectorConfig::default()
        })
    }
}
