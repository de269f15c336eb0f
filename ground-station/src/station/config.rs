//! `station.toml`: every key has a default that runs the station alone on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::alerts::AlertConfig;
use crate::broker::{BrokerConfig, ClientCredential, EmbeddedConfig};
use crate::inspection::InspectionConfig;
use crate::store::Role;
use crate::video::VideoBridge;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StationConfig {
    /// The API and console.
    pub http: SocketAddr,
    /// The MAVLink socket every vehicle (or agent) talks to.
    pub mavlink_listen: SocketAddr,
    /// Vehicles or agents to call first (their UDP ports).
    pub dial: Vec<SocketAddr>,
    /// File with the MAVLink signing key (64 hex digits); STATION_SIGNING_KEY overrides it.
    pub signing_key_file: Option<PathBuf>,
    /// Run the air links unsigned (a bench only): without it a key is required.
    pub allow_unsigned: bool,
    /// Vehicles whose links stay unsigned even though the station signs.
    pub unsigned_vehicles: Vec<u8>,
    /// The embedded broker (default) or an external one by URL.
    pub mqtt: BrokerConfig,
    /// SQLite file; None keeps everything in memory (tests).
    pub database: Option<PathBuf>,
    /// Flight logs (.tlog) and reports.
    pub data_dir: PathBuf,
    /// Port scenario GeoJSON; None: the example port compiled into the station.
    pub scenario: Option<PathBuf>,
    pub alerts: Option<AlertConfig>,
    pub video: VideoSection,
    /// Customs: manifests, declarations, inspection rate, drone evidence radius.
    pub customs: InspectionConfig,
    /// Users created at first start; each gets a fresh token at every start (printed once).
    pub users: Vec<UserSeed>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSeed {
    pub name: String,
    pub role: Role,
    /// Lifetime of the start-up token; None: until revoked.
    #[serde(default)]
    pub token_hours: Option<f64>,
}

/// Live video: which vehicles' RTP streams the station decodes for the console.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VideoSection {
    /// Vehicle system ids; vehicle N's stream arrives on base_port + N - 1 (QGroundControl's 5600 + index).
    pub vehicles: Vec<u8>,
    pub base_port: u16,
    /// Address the RTP ports listen on: every interface by default, as QGroundControl does,
    /// since agents send from the airframe.
    pub listen: std::net::IpAddr,
}

impl Default for VideoSection {
    fn default() -> Self {
        Self {
            vehicles: Vec::new(),
            base_port: 5600,
            listen: std::net::IpAddr::from([0, 0, 0, 0]),
        }
    }
}

impl VideoSection {
    /// The bridge, when some vehicle's video is wanted.
    pub fn start(&self) -> Result<Option<VideoBridge>, String> {
        if self.vehicles.is_empty() {
            return Ok(None);
        }
        let feeds: Vec<(u8, u16)> = self
            .vehicles
            .iter()
            .map(|&v| (v, self.base_port.saturating_add(u16::from(v.saturating_sub(1)))))
            .collect();
        VideoBridge::start_on(self.listen, &feeds, crate::video::DecodeSettings::default())
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

impl StationConfig {
    /// A station on ephemeral loopback ports with unsigned MAVLink (a bench), an embedded
    /// broker whose clients are the station (`station`, with `station_password`) and `clients`,
    /// the database in memory and files under `data_dir`: what tests and demos start.
    pub fn on_loopback(data_dir: impl Into<PathBuf>, station_password: &str, clients: Vec<ClientCredential>) -> Self {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let mut all = vec![ClientCredential::station("station", station_password)];
        all.extend(clients);
        Self {
            http: loopback,
            mavlink_listen: loopback,
            allow_unsigned: true,
            mqtt: BrokerConfig::Embedded {
                config: EmbeddedConfig {
                    listen: loopback,
                    clients: all,
                    ..EmbeddedConfig::default()
                },
                station_username: "station".into(),
            },
            database: None,
            data_dir: data_dir.into(),
            ..Self::default()
        }
    }
}

impl Default for StationConfig {
    fn default() -> Self {
        let seed = |name: &str, role| UserSeed {
            name: name.into(),
            role,
            token_hours: Some(12.0),
        };
        Self {
            http: SocketAddr::from(([127, 0, 0, 1], 8080)),
            mavlink_listen: SocketAddr::from(([127, 0, 0, 1], 14550)),
            dial: Vec::new(),
            signing_key_file: None,
            allow_unsigned: false,
            unsigned_vehicles: Vec::new(),
            mqtt: BrokerConfig::Embedded {
                config: EmbeddedConfig::default(),
                station_username: "station".into(),
            },
            database: Some(PathBuf::from("station.db")),
            data_dir: PathBuf::from("station-data"),
            scenario: None,
            alerts: None,
            video: VideoSection::default(),
            customs: InspectionConfig::default(),
            users: vec![
                seed("officer", Role::Officer),
                seed("inspector", Role::Inspector),
                seed("trainee", Role::Trainee),
                seed("admin", Role::Admin),
            ],
        }
    }
}
