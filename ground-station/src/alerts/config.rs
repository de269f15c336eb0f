//! Alert rule thresholds and severities (serde, every field with a default).

use contracts::mqtt::Severity;
use serde::{Deserialize, Serialize};

fn classes(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertConfig {
    /// Tracks below this detector score are ignored by every rule.
    pub min_score: f32,
    /// A track unseen for longer than this, seconds, starts its dwell times again.
    pub max_gap_s: f64,
    /// Snapshot references remembered for tracks (the oldest are forgotten first).
    pub max_snapshot_refs: usize,
    /// Boats measured longer than this (the agent's `size_m`) are vessels, not the small
    /// boats the alongside and loitering rules are about: a tanker's own track lies on its
    /// hull's edge and would otherwise be "alongside" itself.
    pub small_boat_max_m: f64,
    pub restricted: RestrictedRule,
    pub alongside: AlongsideRule,
    pub loitering: LoiteringRule,
    pub exclusion: ExclusionRule,
}

impl Default for AlertConfig {
    fn default() -> Self {
        Self {
            min_score: 0.3,
            max_gap_s: 20.0,
            max_snapshot_refs: 10_000,
            small_boat_max_m: 35.0,
            restricted: RestrictedRule::default(),
            alongside: AlongsideRule::default(),
            loitering: LoiteringRule::default(),
            exclusion: ExclusionRule::default(),
        }
    }
}

/// A person or vehicle inside a `restricted` zone: raised at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RestrictedRule {
    pub enabled: bool,
    pub classes: Vec<String>,
    pub severity: Severity,
}

impl Default for RestrictedRule {
    fn default() -> Self {
        Self {
            enabled: true,
            classes: classes(&["person", "car", "truck", "bus", "motorcycle", "bicycle"]),
            severity: Severity::High,
        }
    }
}

/// A small boat close to the hull of a vessel at anchor (the hull is the rectangle of the
/// vessel's length and beam along its heading), slow, for a dwell time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlongsideRule {
    pub enabled: bool,
    pub classes: Vec<String>,
    /// Farthest from the hull's side that still counts as alongside, metres.
    pub max_gap_m: f64,
    /// How far inside the hull rectangle a boat may appear (geolocation error, flare of the
    /// hull) and still be a boat alongside; deeper in, it is the vessel itself.
    pub hull_tolerance_m: f64,
    pub max_speed_mps: f64,
    pub dwell_s: f64,
    pub severity: Severity,
}

impl Default for AlongsideRule {
    fn default() -> Self {
        Self {
            enabled: true,
            classes: classes(&["boat"]),
            max_gap_m: 15.0,
            hull_tolerance_m: 8.0,
            max_speed_mps: 3.0,
            dwell_s: 30.0,
            severity: Severity::Critical,
        }
    }
}

/// A small boat slow within a radius of a vessel at anchor for a longer dwell time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoiteringRule {
    pub enabled: bool,
    pub classes: Vec<String>,
    /// Distance from the vessel's hull, metres.
    pub radius_m: f64,
    pub max_speed_mps: f64,
    pub dwell_s: f64,
    pub severity: Severity,
}

impl Default for LoiteringRule {
    fn default() -> Self {
        Self {
            enabled: true,
            classes: classes(&["boat"]),
            radius_m: 250.0,
            max_speed_mps: 1.5,
            dwell_s: 120.0,
            severity: Severity::Medium,
        }
    }
}

/// Anything inside an `exclusion` zone: raised at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExclusionRule {
    pub enabled: bool,
    /// Exclusion zones (by name) this rule leaves out, e.g. an airport's control zone that
    /// bounds drones, not people.
    pub ignore_zones: Vec<String>,
    pub severity: Severity,
}

impl Default for ExclusionRule {
    fn default() -> Self {
        Self {
            enabled: true,
            ignore_zones: Vec::new(),
            severity: Severity::High,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_keep_the_defaults_and_unknown_keys_are_refused() {
        let c: AlertConfig = serde_json::from_str(r#"{"alongside": {"dwell_s": 45}}"#).unwrap();
        assert_eq!(c.alongside.dwell_s, 45.0);
        assert_eq!(c.alongside.max_gap_m, AlongsideRule::default().max_gap_m);
        assert_eq!(c.loitering, LoiteringRule::default());
        let err = serde_json::from_str::<AlertConfig>(r#"{"alongside": {"dwel_s": 45}}"#).unwrap_err();
        assert!(err.to_string().contains("dwel_s"), "{err}");
        let c: AlertConfig = serde_json::from_str(r#"{"exclusion": {"severity": "critical"}}"#).unwrap();
        assert_eq!(c.exclusion.severity, Severity::Critical);
    }
}
