//! The alert rule engine: pure (no I/O, no clock), fed with track updates and snapshot metas.
//!
//! Each observation of a track (its `last_seen`) is tested against every rule. Zone rules fire
//! at once; the vessel rules need their condition to hold over consecutive observations for a
//! dwell time. One alert per (drone, track, rule): a new observation that still meets the rule
//! updates that alert (position, last seen, revision), never raises another. A loitering alert
//! is not raised for a track that already has an alongside alert (the stronger finding).

use std::collections::{BTreeMap, HashMap};

use contracts::mqtt::{
    Acknowledgement, Alert, AlertEventKind, AlertId, AlertRule, DroneId, Severity, SnapshotMeta, SnapshotRef, Track,
    TrackState, TrackUpdate,
};
use mission::scenario::PortScenario;

use super::config::AlertConfig;
use super::geometry::PortGeometry;

/// An alert that was raised, updated or acknowledged, with its new state.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertChange {
    pub kind: AlertEventKind,
    pub alert: Alert,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    #[error("no alert `{0}`")]
    Unknown(String),
    #[error("alert `{id}` was already acknowledged by {officer} at {time} (Unix ms)")]
    AlreadyAcknowledged { id: String, officer: String, time: u64 },
    #[error("an acknowledgement needs the officer's name")]
    NoOfficer,
}

type TrackKey = (DroneId, u64);
type RuleKey = (DroneId, u64, AlertRule);

/// A vessel rule's condition holding since `since`, about `vessel`.
#[derive(Debug, Clone)]
struct Dwell {
    vessel: String,
    since: u64,
    last: u64,
}

/// What a rule found in one observation.
struct Finding {
    rule: AlertRule,
    severity: Severity,
    zone: Option<String>,
    vessel: Option<String>,
    since: u64,
    summary: String,
}

#[derive(Debug)]
pub struct AlertEngine {
    config: AlertConfig,
    geometry: PortGeometry,
    alerts: BTreeMap<AlertId, Alert>,
    by_rule: HashMap<RuleKey, AlertId>,
    dwell: HashMap<RuleKey, Dwell>,
    last_seen: HashMap<TrackKey, u64>,
    snapshots: HashMap<TrackKey, SnapshotRef>,
}

/// `{rule}-{drone}-{track}`, or with the drone id hashed when that would pass 64 characters.
fn alert_id(drone: &DroneId, track: u64, rule: AlertRule) -> AlertId {
    let plain = format!("{rule}-{drone}-{track}");
    let id = if plain.len() <= 64 {
        plain
    } else {
        // FNV-1a: stable across runs and builds, unlike the std hasher.
        let hash = drone.as_str().bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{rule}-{hash:016x}-{track}")
    };
    // Rule names, ids and digits are all of [A-Za-z0-9_-], and at most 64 long.
    AlertId::new(id.clone()).unwrap_or_else(|_| unreachable!("alert id {id} outside the contract"))
}

impl AlertEngine {
    pub fn new(scenario: &PortScenario, config: AlertConfig) -> Self {
        Self {
            geometry: PortGeometry::new(scenario),
            config,
            alerts: BTreeMap::new(),
            by_rule: HashMap::new(),
            dwell: HashMap::new(),
            last_seen: HashMap::new(),
            snapshots: HashMap::new(),
        }
    }

    pub fn config(&self) -> &AlertConfig {
        &self.config
    }

    pub fn alerts(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.values()
    }

    pub fn get(&self, id: &str) -> Option<&Alert> {
        AlertId::new(id).ok().and_then(|id| self.alerts.get(&id))
    }

    /// The tracks of one update; returns the alerts raised or updated.
    pub fn on_tracks(&mut self, update: &TrackUpdate) -> Vec<AlertChange> {
        let mut changes = Vec::new();
        for track in &update.tracks {
            self.observe(&update.drone_id, track, &mut changes);
        }
        changes
    }

    /// A snapshot of a track: remembered, and attached to the track's alerts (which are updated).
    pub fn on_snapshot(&mut self, meta: &SnapshotMeta) -> Vec<AlertChange> {
        let snapshot = SnapshotRef {
            drone_id: meta.drone_id.clone(),
            track_id: meta.track_id,
            msg_id: meta.msg_id,
            time: meta.time,
            jpeg_bytes: meta.jpeg_bytes,
            width: meta.width,
            height: meta.height,
        };
        let key = (meta.drone_id.clone(), meta.track_id);
        if self.snapshots.get(&key).is_some_and(|s| s.time > meta.time) {
            return Vec::new(); // an older picture arriving late
        }
        if !self.snapshots.contains_key(&key) && self.snapshots.len() >= self.config.max_snapshot_refs.max(1) {
            let oldest = self
                .snapshots
                .iter()
                .min_by_key(|(_, s)| s.time)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.snapshots.remove(&oldest);
            }
        }
        self.snapshots.insert(key, snapshot.clone());
        let mut changes = Vec::new();
        for rule in AlertRule::ALL {
            let Some(id) = self.by_rule.get(&(meta.drone_id.clone(), meta.track_id, rule)) else {
                continue;
            };
            if let Some(alert) = self.alerts.get_mut(id) {
                alert.snapshot = Some(snapshot.clone());
                alert.revision += 1;
                changes.push(AlertChange {
                    kind: AlertEventKind::Updated,
                    alert: alert.clone(),
                });
            }
        }
        changes
    }

    /// An officer acknowledges an alert, once.
    pub fn acknowledge(&mut self, id: &str, officer: &str, note: &str, now_ms: u64) -> Result<AlertChange, AckError> {
        let officer = officer.trim();
        if officer.is_empty() {
            return Err(AckError::NoOfficer);
        }
        let alert = AlertId::new(id)
            .ok()
            .and_then(|key| self.alerts.get_mut(&key))
            .ok_or_else(|| AckError::Unknown(id.to_string()))?;
        if let Some(ack) = &alert.acknowledgement {
            return Err(AckError::AlreadyAcknowledged {
                id: id.to_string(),
                officer: ack.officer.clone(),
                time: ack.time,
            });
        }
        alert.acknowledgement = Some(Acknowledgement {
            officer: officer.to_string(),
            time: now_ms,
            note: note.to_string(),
        });
        alert.revision += 1;
        Ok(AlertChange {
            kind: AlertEventKind::Acknowledged,
            alert: alert.clone(),
        })
    }

    fn observe(&mut self, drone: &DroneId, track: &Track, changes: &mut Vec<AlertChange>) {
        let key = (drone.clone(), track.track_id);
        if track.state == TrackState::Lost {
            self.forget(&key);
            return;
        }
        let at = track.last_seen;
        match self.last_seen.get(&key) {
            Some(&prev) if at < prev => return, // out of order: older than what was seen
            Some(&prev) if at - prev > (self.config.max_gap_s * 1000.0) as u64 => self.forget_dwell(&key),
            _ => {}
        }
        self.last_seen.insert(key.clone(), at);
        if track.score < self.config.min_score || !track.lat.is_finite() || !track.lon.is_finite() {
            return;
        }
        let p = self.geometry.local(track.lat, track.lon);
        let class = track.class.as_str();
        let mut findings = Vec::new();
        let c = &self.config;
        if c.restricted.enabled
            && c.restricted.classes.iter().any(|k| k == class)
            && let Some(zone) = self.geometry.restricted.iter().find(|z| z.contains(p))
        {
            findings.push(Finding {
                rule: AlertRule::RestrictedZone,
                severity: c.restricted.severity,
                zone: Some(zone.name.clone()),
                vessel: None,
                since: at,
                summary: format!("{class} in restricted zone {}", zone.name),
            });
        }
        if c.exclusion.enabled
            && let Some(zone) = self
                .geometry
                .exclusion
                .iter()
                .find(|z| !c.exclusion.ignore_zones.contains(&z.name) && z.contains(p))
        {
            findings.push(Finding {
                rule: AlertRule::ExclusionZone,
                severity: c.exclusion.severity,
                zone: Some(zone.name.clone()),
                vessel: None,
                since: at,
                summary: format!("{class} inside exclusion zone {}", zone.name),
            });
        }
        let speed = track.vel_n_mps.hypot(track.vel_e_mps);
        let tolerance = c.alongside.hull_tolerance_m;
        let small = track.size_m.is_none_or(|size| size <= c.small_boat_max_m);
        let near = (small && !self.geometry.inside_a_hull(p, tolerance))
            .then(|| self.geometry.nearest_anchored(p))
            .flatten()
            .map(|(hull, d)| (hull.name.clone(), d));
        let alongside = near.as_ref().filter(|(_, d)| {
            c.alongside.enabled
                && c.alongside.classes.iter().any(|k| k == class)
                && *d >= -tolerance
                && *d <= c.alongside.max_gap_m
                && speed <= c.alongside.max_speed_mps
        });
        let loitering = near.as_ref().filter(|(_, d)| {
            c.loitering.enabled
                && c.loitering.classes.iter().any(|k| k == class)
                && *d <= c.loitering.radius_m
                && speed <= c.loitering.max_speed_mps
        });
        let (alongside_dwell, loitering_dwell) = (c.alongside.dwell_s, c.loitering.dwell_s);
        let (alongside_severity, loitering_severity) = (c.alongside.severity, c.loitering.severity);
        if let Some((vessel, since)) = self.dwell(
            drone,
            track.track_id,
            AlertRule::BoatAlongside,
            alongside,
            at,
            alongside_dwell,
        ) {
            let gap = near.as_ref().map_or(0.0, |(_, d)| d.max(0.0));
            findings.push(Finding {
                rule: AlertRule::BoatAlongside,
                severity: alongside_severity,
                zone: None,
                summary: format!(
                    "{class} alongside {vessel} ({gap:.0} m from the hull) for {:.0} s",
                    (at - since) as f64 / 1000.0
                ),
                vessel: Some(vessel),
                since,
            });
        }
        let has_alongside = self
            .by_rule
            .contains_key(&(drone.clone(), track.track_id, AlertRule::BoatAlongside))
            || findings.iter().any(|f| f.rule == AlertRule::BoatAlongside);
        if let Some((vessel, since)) = self.dwell(
            drone,
            track.track_id,
            AlertRule::BoatLoitering,
            loitering,
            at,
            loitering_dwell,
        ) && !has_alongside
        {
            let distance = near.as_ref().map_or(0.0, |(_, d)| d.max(0.0));
            findings.push(Finding {
                rule: AlertRule::BoatLoitering,
                severity: loitering_severity,
                zone: None,
                summary: format!(
                    "{class} loitering {distance:.0} m from {vessel} at {speed:.1} m/s for {:.0} s",
                    (at - since) as f64 / 1000.0
                ),
                vessel: Some(vessel),
                since,
            });
        }
        for finding in findings {
            changes.push(self.raise_or_update(drone, track, finding));
        }
    }

    /// Tracks a vessel rule's dwell; Some((vessel, since)) once the condition has held for
    /// `dwell_s` (and on every later observation while it holds).
    fn dwell(
        &mut self,
        drone: &DroneId,
        track_id: u64,
        rule: AlertRule,
        holds: Option<&(String, f64)>,
        at: u64,
        dwell_s: f64,
    ) -> Option<(String, u64)> {
        let key = (drone.clone(), track_id, rule);
        let Some((vessel, _)) = holds else {
            self.dwell.remove(&key);
            return None;
        };
        let entry = self.dwell.entry(key).or_insert_with(|| Dwell {
            vessel: vessel.clone(),
            since: at,
            last: at,
        });
        if entry.vessel != *vessel {
            *entry = Dwell {
                vessel: vessel.clone(),
                since: at,
                last: at,
            };
        }
        entry.last = at;
        (entry.last - entry.since >= (dwell_s * 1000.0) as u64).then(|| (entry.vessel.clone(), entry.since))
    }

    fn raise_or_update(&mut self, drone: &DroneId, track: &Track, f: Finding) -> AlertChange {
        let key = (drone.clone(), track.track_id, f.rule);
        let snapshot = self.snapshots.get(&(drone.clone(), track.track_id)).cloned();
        if let Some(alert) = self.by_rule.get(&key).and_then(|id| self.alerts.get_mut(id)) {
            alert.lat = track.lat;
            alert.lon = track.lon;
            alert.error_m = track.error_m;
            alert.class = track.class.clone();
            alert.last_seen = alert.last_seen.max(track.last_seen);
            alert.zone = f.zone;
            alert.vessel = f.vessel;
            alert.summary = f.summary;
            if snapshot.is_some() {
                alert.snapshot = snapshot;
            }
            alert.revision += 1;
            return AlertChange {
                kind: AlertEventKind::Updated,
                alert: alert.clone(),
            };
        }
        let id = alert_id(drone, track.track_id, f.rule);
        let alert = Alert {
            alert_id: id.clone(),
            rule: f.rule,
            severity: f.severity,
            drone_id: drone.clone(),
            track_id: track.track_id,
            class: track.class.clone(),
            lat: track.lat,
            lon: track.lon,
            error_m: track.error_m,
            zone: f.zone,
            vessel: f.vessel,
            summary: f.summary,
            first_seen: f.since,
            last_seen: track.last_seen,
            revision: 0,
            snapshot,
            acknowledgement: None,
        };
        self.by_rule.insert(key, id.clone());
        self.alerts.insert(id, alert.clone());
        AlertChange {
            kind: AlertEventKind::Raised,
            alert,
        }
    }

    fn forget_dwell(&mut self, key: &TrackKey) {
        for rule in AlertRule::ALL {
            self.dwell.remove(&(key.0.clone(), key.1, rule));
        }
    }

    /// A lost track: its dwell times and bookkeeping go; its alerts stay.
    fn forget(&mut self, key: &TrackKey) {
        self.forget_dwell(key);
        self.last_seen.remove(key);
        self.snapshots.remove(key);
    }
}
