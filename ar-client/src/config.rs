//! The client's settings: station address, sign-in token and where it keeps its queue and
//! trainee records. TOML file, then environment (`PORTOPS_STATION_URL`, `PORTOPS_TOKEN`,
//! `PORTOPS_AR_DATA`), then command line.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    #[serde(default)]
    pub station: StationSection,
    /// Outbox and trainee records (default `ar-data`).
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationSection {
    /// `http://host:8080`
    pub url: Option<String>,
    /// A file holding the bearer token (never the token itself in the config).
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    Parse { path: PathBuf, reason: String },
}

impl ClientConfig {
    pub fn load(path: Option<&Path>) -> Result<ClientConfig, ConfigError> {
        let mut config = match path {
            None => ClientConfig::default(),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ConfigError::Read {
                    path: p.to_path_buf(),
                    reason: e.to_string(),
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: p.to_path_buf(),
                    reason: e.to_string(),
                })?
            }
        };
        if let Ok(url) = std::env::var("PORTOPS_STATION_URL") {
            config.station.url = Some(url);
        }
        if let Ok(dir) = std::env::var("PORTOPS_AR_DATA") {
            config.data_dir = Some(dir.into());
        }
        Ok(config)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| PathBuf::from("ar-data"))
    }

    /// The token: `PORTOPS_TOKEN`, else the configured file; none means offline use only.
    pub fn token(&self) -> Result<Option<String>, ConfigError> {
        if let Ok(token) = std::env::var("PORTOPS_TOKEN")
            && !token.trim().is_empty()
        {
            return Ok(Some(token.trim().to_string()));
        }
        match &self.station.token_file {
            None => Ok(None),
            Some(p) => std::fs::read_to_string(p)
                .map(|t| Some(t.trim().to_string()))
                .map_err(|e| ConfigError::Read {
                    path: p.clone(),
                    reason: e.to_string(),
                }),
        }
    }
}
