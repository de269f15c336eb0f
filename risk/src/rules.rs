//! Rules beside the model: each a pure function of a plain input, firing with a reason, a
//! severity and a weight in log-odds that [`crate::score`] adds to the model's.
//!
//! The station fills [`RuleInput`] from the manifest (container number and its ISO 6346 check,
//! seals, goods), the seal seen at the gate or by the inspector, and drone detections; the
//! statistics (weights per HS heading, fraud rates per origin and route) come from the
//! artefact's training tables via [`RuleStats`]. A seal mismatch is mandatory: the consignment
//! is examined whatever its score (see [`crate::select`]).

use serde::{Deserialize, Serialize};

use crate::declaration::{Declaration, prefix_chars};
use crate::features::Encoders;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleId {
    ContainerCheckDigit,
    SealMismatch,
    WeightOutlier,
    FirstTimeImporter,
    RiskyOrigin,
    RiskyRoute,
    DroneEvidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// A rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleHit {
    pub rule: RuleId,
    pub severity: Severity,
    /// Added to the fraud log-odds.
    pub log_odds: f64,
    /// Examined whatever the score.
    pub mandatory: bool,
    pub reason: String,
}

/// One drone detection near a container, from the station's alert feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroneDetection {
    /// Detector class ("person", "boat", "car", "truck", ...).
    pub class: String,
    /// Distance from the container in metres.
    pub distance_m: f64,
    pub confidence: f64,
}

/// What the rules look at; every part is optional, and a rule without its input does not fire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleInput {
    pub container_number: Option<String>,
    /// The ISO 6346 check, done by the caller (the customs crate owns ISO 6346).
    pub container_check_digit_valid: Option<bool>,
    /// Seals on the manifest.
    pub manifest_seals: Vec<String>,
    /// Seals seen on the container; None when nobody has looked.
    pub observed_seals: Option<Vec<String>>,
    /// HS code as declared (at least the four-digit heading).
    pub hs_code: Option<String>,
    /// Declared weight in kg (the data set's net mass per declaration).
    pub declared_weight_kg: Option<f64>,
    pub importer_id: Option<String>,
    /// Earlier declarations by the importer, when the caller knows; else the training history.
    pub importer_prior_declarations: Option<u64>,
    /// ISO country codes.
    pub origin: Option<String>,
    pub departure: Option<String>,
    /// Transit countries or ports of call, checked against the watch list.
    pub transit: Vec<String>,
    pub drone_detections: Vec<DroneDetection>,
}

impl RuleInput {
    /// What a bare declaration says (no container, seals or drones).
    pub fn from_declaration(d: &Declaration) -> RuleInput {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        RuleInput {
            hs_code: some(&d.hs6),
            declared_weight_kg: d.net_mass,
            importer_id: some(&d.importer),
            origin: some(&d.origin),
            departure: some(&d.departure),
            ..RuleInput::default()
        }
    }
}

/// Thresholds and weights; the defaults are documented in risk/README.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleConfig {
    /// |robust z| of ln(weight) against the HS heading beyond which a weight is an outlier.
    pub weight_z: f64,
    /// Training declarations a heading needs before its weights are trusted.
    pub weight_min_count: u64,
    /// An origin or route is risky at this multiple of the average fraud rate...
    pub risky_rate_ratio: f64,
    /// ...with at least this many training declarations.
    pub risky_min_count: u64,
    /// Origins and transit countries always treated as risky (intelligence, not statistics).
    pub watch_countries: Vec<String>,
    pub drone_radius_m: f64,
    pub drone_classes: Vec<String>,
    pub drone_min_confidence: f64,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig {
            weight_z: 3.5,
            weight_min_count: 20,
            risky_rate_ratio: 1.5,
            risky_min_count: 30,
            watch_countries: Vec::new(),
            drone_radius_m: 50.0,
            drone_classes: ["person", "boat", "car", "truck", "motorcycle", "bicycle"]
                .map(String::from)
                .to_vec(),
            drone_min_confidence: 0.5,
        }
    }
}

/// Training statistics the rules need, read from the artefact's tables.
pub trait RuleStats {
    /// (median ln kg, MAD of ln kg, declarations) for an HS heading.
    fn heading_weight(&self, hs4: &str) -> Option<(f64, f64, u64)>;
    /// Training declarations of an importer.
    fn importer_count(&self, importer: &str) -> Option<u64>;
    /// (smoothed fraud rate / average, declarations) of an origin.
    fn origin_risk(&self, origin: &str) -> Option<(f64, u64)>;
    /// (smoothed fraud rate / average, declarations) of departure country × origin.
    fn route_risk(&self, departure: &str, origin: &str) -> Option<(f64, u64)>;
}

impl RuleStats for Encoders {
    fn heading_weight(&self, hs4: &str) -> Option<(f64, f64, u64)> {
        let e = self.lookup_key("hs4", hs4)?;
        Some((e.median_log_mass?, e.mad_log_mass?, e.mass_count?))
    }
    fn importer_count(&self, importer: &str) -> Option<u64> {
        Some(self.lookup_key("importer", importer).map_or(0, |e| e.n))
    }
    fn origin_risk(&self, origin: &str) -> Option<(f64, u64)> {
        let e = self.lookup_key("origin", origin)?;
        Some((self.rate(e.fraud, e.n, crate::Target::Fraud) / self.prior.fraud, e.n))
    }
    fn route_risk(&self, departure: &str, origin: &str) -> Option<(f64, u64)> {
        let e = self.lookup_key("departure|origin", &format!("{departure}{}{origin}", self.separator()))?;
        Some((self.rate(e.fraud, e.n, crate::Target::Fraud) / self.prior.fraud, e.n))
    }
}

fn hit(rule: RuleId, severity: Severity, log_odds: f64, mandatory: bool, reason: String) -> Option<RuleHit> {
    Some(RuleHit {
        rule,
        severity,
        log_odds,
        mandatory,
        reason,
    })
}

/// The container number fails its ISO 6346 check digit.
pub fn container_check_digit(input: &RuleInput) -> Option<RuleHit> {
    if input.container_check_digit_valid != Some(false) {
        return None;
    }
    let number = input.container_number.as_deref().unwrap_or("(unknown)");
    hit(
        RuleId::ContainerCheckDigit,
        Severity::High,
        1.5,
        false,
        format!("container number {number} fails the ISO 6346 check digit"),
    )
}

fn seal_norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A seal seen on the container differs from the manifest's (or one is missing). Mandatory.
pub fn seal_mismatch(input: &RuleInput) -> Option<RuleHit> {
    let observed = input.observed_seals.as_ref()?;
    let mut manifest: Vec<String> = input
        .manifest_seals
        .iter()
        .map(|s| seal_norm(s))
        .filter(|s| !s.is_empty())
        .collect();
    let mut seen: Vec<String> = observed
        .iter()
        .map(|s| seal_norm(s))
        .filter(|s| !s.is_empty())
        .collect();
    manifest.sort();
    manifest.dedup();
    seen.sort();
    seen.dedup();
    if manifest == seen {
        return None;
    }
    let list = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
    hit(
        RuleId::SealMismatch,
        Severity::High,
        2.5,
        true,
        format!(
            "seal on the manifest ({}) differs from the seal seen ({})",
            list(&manifest),
            list(&seen)
        ),
    )
}

/// Declared weight far from the usual for its HS heading (robust z of ln kg, MAD-scaled).
pub fn weight_outlier(input: &RuleInput, stats: &dyn RuleStats, config: &RuleConfig) -> Option<RuleHit> {
    let w = input.declared_weight_kg.filter(|w| w.is_finite() && *w > 0.0)?;
    let hs = input.hs_code.as_deref()?;
    let hs4 = prefix_chars(hs, 4);
    let (median, mad, count) = stats.heading_weight(hs4)?;
    if count < config.weight_min_count {
        return None;
    }
    // A heading whose weights are nearly all equal still allows a factor of ~1.4 either way.
    let scale = (1.4826 * mad).max(0.1);
    let z = (w.ln() - median) / scale;
    if z.abs() <= config.weight_z {
        return None;
    }
    let usual = median.exp();
    let (factor, side) = if z > 0.0 {
        (w / usual, "above")
    } else {
        (usual / w, "below")
    };
    hit(
        RuleId::WeightOutlier,
        Severity::Medium,
        0.7,
        false,
        format!(
            "declared weight {w} kg is {factor:.0}× {side} the usual {usual:.0} kg for HS heading {hs4} ({count} declarations)"
        ),
    )
}

/// The importer has no earlier declarations.
pub fn first_time_importer(input: &RuleInput, stats: &dyn RuleStats) -> Option<RuleHit> {
    let id = input.importer_id.as_deref()?;
    let prior = input.importer_prior_declarations.or_else(|| stats.importer_count(id))?;
    if prior > 0 {
        return None;
    }
    hit(
        RuleId::FirstTimeImporter,
        Severity::Low,
        0.3,
        false,
        format!("importer {id} has no earlier declarations"),
    )
}

/// Origin on the watch list, or with a fraud rate well above the average.
pub fn risky_origin(input: &RuleInput, stats: &dyn RuleStats, config: &RuleConfig) -> Option<RuleHit> {
    let origin = input.origin.as_deref()?;
    if config.watch_countries.iter().any(|c| c.eq_ignore_ascii_case(origin)) {
        return hit(
            RuleId::RiskyOrigin,
            Severity::Medium,
            0.7,
            false,
            format!("origin {origin} is on the watch list"),
        );
    }
    let (ratio, n) = stats.origin_risk(origin)?;
    if n < config.risky_min_count || ratio < config.risky_rate_ratio {
        return None;
    }
    hit(
        RuleId::RiskyOrigin,
        Severity::Medium,
        0.5,
        false,
        format!("origin {origin} has {ratio:.1}× the average fraud rate ({n} declarations)"),
    )
}

/// Shipped from or through a watched country, or a departure × origin pair with a high rate.
pub fn risky_route(input: &RuleInput, stats: &dyn RuleStats, config: &RuleConfig) -> Option<RuleHit> {
    let watched = input
        .departure
        .iter()
        .chain(&input.transit)
        .find(|c| config.watch_countries.iter().any(|w| w.eq_ignore_ascii_case(c)));
    if let Some(c) = watched {
        return hit(
            RuleId::RiskyRoute,
            Severity::Medium,
            0.7,
            false,
            format!("route passes {c}, on the watch list"),
        );
    }
    let (dep, origin) = (input.departure.as_deref()?, input.origin.as_deref()?);
    let (ratio, n) = stats.route_risk(dep, origin)?;
    if n < config.risky_min_count || ratio < config.risky_rate_ratio {
        return None;
    }
    hit(
        RuleId::RiskyRoute,
        Severity::Medium,
        0.5,
        false,
        format!("goods of {origin} origin shipped from {dep}: {ratio:.1}× the average fraud rate ({n} declarations)"),
    )
}

/// Drone detections of the watched classes within the radius of the container.
pub fn drone_evidence(input: &RuleInput, config: &RuleConfig) -> Option<RuleHit> {
    let near: Vec<&DroneDetection> = input
        .drone_detections
        .iter()
        .filter(|d| d.distance_m.is_finite() && d.distance_m >= 0.0 && d.distance_m <= config.drone_radius_m)
        .filter(|d| d.confidence >= config.drone_min_confidence)
        .filter(|d| config.drone_classes.iter().any(|c| c.eq_ignore_ascii_case(&d.class)))
        .collect();
    if near.is_empty() {
        return None;
    }
    let mut classes: Vec<(String, usize)> = Vec::new();
    for d in &near {
        let class = d.class.to_lowercase();
        match classes.iter_mut().find(|(c, _)| *c == class) {
            Some(c) => c.1 += 1,
            None => classes.push((class, 1)),
        }
    }
    classes.sort();
    let what: Vec<String> = classes.iter().map(|(c, n)| format!("{n} {c}")).collect();
    let severity = if near.len() >= 3 {
        Severity::High
    } else {
        Severity::Medium
    };
    // Each further detection adds less; three or more weigh like a failed check digit.
    let log_odds = (0.6 + 0.3 * (near.len() - 1) as f64).min(1.5);
    hit(
        RuleId::DroneEvidence,
        severity,
        log_odds,
        false,
        format!(
            "drone saw {} within {:.0} m of the container",
            what.join(", "),
            config.drone_radius_m
        ),
    )
}

/// Every rule that fires, most severe (then heaviest) first.
pub fn evaluate(input: &RuleInput, stats: &dyn RuleStats, config: &RuleConfig) -> Vec<RuleHit> {
    let mut hits: Vec<RuleHit> = [
        container_check_digit(input),
        seal_mismatch(input),
        weight_outlier(input, stats, config),
        first_time_importer(input, stats),
        risky_origin(input, stats, config),
        risky_route(input, stats, config),
        drone_evidence(input, config),
    ]
    .into_iter()
    .flatten()
    .collect();
    hits.sort_by(|a, b| {
        b.mandatory
            .cmp(&a.mandatory)
            .then(b.severity.cmp(&a.severity))
            .then(b.log_odds.total_cmp(&a.log_odds))
            .then(a.rule.cmp(&b.rule))
    });
    hits
}
