//! Reasons for a model score: TreeSHAP contributions grouped into factors and phrased for an
//! officer ("unit value 8× below the usual for HS 8471.30", "importer first seen").
//!
//! Features that describe the same thing (an importer's count and fraud rates; the unit value
//! and its ratios to the HS medians) are one factor: their contributions are added, so a reason
//! says how far that factor moved the log-odds.

use crate::artefact::{FeatureSpec, Target};
use crate::declaration::Declaration;
use crate::features::Encoders;
use crate::{RiskModel, model::Ensemble};

/// One factor behind a score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Factor {
    /// Stable name of the factor: a table ("importer", "hs6|origin"), a field, or "unit_value".
    pub key: String,
    /// Sum of its features' SHAP values, in log-odds (positive raises the risk).
    pub impact: f64,
    pub text: String,
}

/// The factor a feature belongs to.
pub fn factor_of(spec: &FeatureSpec) -> String {
    match spec {
        FeatureSpec::Number { field, .. } | FeatureSpec::Ratio { field, .. } => match field.as_str() {
            "unit_value" => "unit_value".into(),
            "same_country" => "departure|origin".into(),
            f => f.into(),
        },
        FeatureSpec::Category { field, .. } => field.clone(),
        FeatureSpec::Count { table, .. } | FeatureSpec::Rate { table, .. } => table.clone(),
    }
}

/// "8471.30" for HS 847130.
pub fn hs_display(hs6: &str) -> String {
    if hs6.len() == 6 && hs6.is_ascii() {
        format!("{}.{}", &hs6[..4], &hs6[4..])
    } else {
        hs6.to_string()
    }
}

/// Declarations a key needs before a reason quotes its rate as a multiple of the average.
pub const RATE_MIN_HISTORY: u64 = 20;

fn times(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.0}×")
    } else {
        format!("{r:.1}×")
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() { "(none)" } else { s }
}

fn label_of(table: &str, d: &Declaration) -> String {
    match table {
        "importer" => format!("importer {}", or_none(&d.importer)),
        "declarant" => format!("declarant {}", or_none(&d.declarant)),
        "seller" if d.seller.is_empty() => "declarations without a seller".into(),
        "seller" => format!("seller {}", d.seller),
        "courier" if d.courier.is_empty() => "declarations without a courier".into(),
        "courier" => format!("courier {}", d.courier),
        "hs6" => format!("HS {}", hs_display(&d.hs6)),
        "hs4" => format!("HS heading {}", d.hs4()),
        "hs2" => format!("HS chapter {}", d.hs2()),
        "origin" => format!("origin {}", or_none(&d.origin)),
        "departure" => format!("departure country {}", or_none(&d.departure)),
        "departure|origin" => format!(
            "goods of {} origin shipped from {}",
            or_none(&d.origin),
            or_none(&d.departure)
        ),
        "hs6|origin" => format!("HS {} from {}", hs_display(&d.hs6), or_none(&d.origin)),
        "hs4|origin" => format!("HS heading {} from {}", d.hs4(), or_none(&d.origin)),
        "importer|hs6" => format!("importer {} with HS {}", or_none(&d.importer), hs_display(&d.hs6)),
        "declarant|hs6" => format!("declarant {} with HS {}", or_none(&d.declarant), hs_display(&d.hs6)),
        "office|hs6" => format!("HS {} at office {}", hs_display(&d.hs6), or_none(&d.office)),
        other => other.to_string(),
    }
}

/// The sentence for one factor of one declaration.
pub fn phrase(encoders: &Encoders, key: &str, d: &Declaration, target: Target) -> String {
    let what = match target {
        Target::Fraud => "fraud",
        Target::Critical => "critical-fraud",
    };
    match key {
        "unit_value" => {
            let Some(uv) = d.unit_value() else {
                return "no usable unit value (net mass or price missing or zero)".into();
            };
            let median = |table: &str| {
                encoders
                    .lookup(table, d)
                    .and_then(|e| e.median_unit_value)
                    .filter(|m| *m > 0.0)
            };
            let (median, against) = match (median("hs6"), median("hs4")) {
                (Some(m), _) => (m, format!("HS {}", hs_display(&d.hs6))),
                (None, Some(m)) => (m, format!("HS heading {}", d.hs4())),
                (None, None) => return format!("unit value {uv:.2} per kg (no usual value known for HS {})", d.hs6),
            };
            let r = uv / median;
            if (0.8..1.25).contains(&r) {
                format!("unit value about the usual for {against} ({r:.2}×)")
            } else if r < 1.0 {
                format!("unit value {} below the usual for {against}", times(1.0 / r))
            } else {
                format!("unit value {} above the usual for {against}", times(r))
            }
        }
        "net_mass" => match d.net_mass {
            None => "net mass not declared".into(),
            Some(m) => match encoders.lookup("hs4", d).and_then(|e| e.median_log_mass) {
                Some(l) => format!("net mass {m} kg (usual for HS heading {}: {:.0} kg)", d.hs4(), l.exp()),
                None => format!("net mass {m} kg"),
            },
        },
        "item_price" => d
            .item_price
            .map_or("no declared value".into(), |p| format!("declared value {p}")),
        "tax_rate" => d.tax_rate.map_or("no tax rate".into(), |t| format!("tax rate {t} %")),
        "office" => format!("customs office {}", or_none(&d.office)),
        "process" => format!("process type {}", or_none(&d.process)),
        "import_type" => format!("import type {}", or_none(&d.import_type)),
        "import_use" => format!("import use {}", or_none(&d.import_use)),
        "payment" => format!("payment type {}", or_none(&d.payment)),
        "transport" => format!("mode of transport {}", or_none(&d.transport)),
        "tax_type" => format!("tax type {}", or_none(&d.tax_type)),
        "origin_indicator" => format!("origin indicator {}", or_none(&d.origin_indicator)),
        table if encoders.has_table(table) => {
            let label = label_of(table, d);
            let entry = encoders.lookup(table, d).filter(|e| e.n > 0);
            let Some(e) = entry else {
                return if table == "importer" {
                    format!("{label} first seen (no earlier declarations)")
                } else {
                    format!("{label}: first seen (not in the training history)")
                };
            };
            let (pos, prior) = match target {
                Target::Fraud => (e.fraud, encoders.prior.fraud),
                Target::Critical => (e.critical, encoders.prior.critical),
            };
            let history = format!("{pos} of {} earlier declarations", e.n);
            if e.n < RATE_MIN_HISTORY {
                // Too few to quote a rate: say what was found.
                let found = if target == Target::Fraud {
                    "fraud"
                } else {
                    "critical fraud"
                };
                return format!("{label}: {found} found in {history} (average {:.1} %)", 100.0 * prior);
            }
            let ratio = pos as f64 / e.n as f64 / prior;
            if (0.9..1.1).contains(&ratio) {
                format!("{label} has about the average {what} rate ({history})")
            } else {
                format!("{label} has {} the average {what} rate ({history})", times(ratio))
            }
        }
        other => other.to_string(),
    }
}

/// Every factor of a declaration for one model, largest impact first.
pub fn factors(model: &RiskModel, d: &Declaration, x: &[f64], target: Target) -> Vec<Factor> {
    let e: &Ensemble = model.ensemble(target);
    let phi = e.contributions(x);
    let mut groups: Vec<(String, f64)> = Vec::new();
    for (spec, v) in model.encoders.specs().iter().zip(&phi) {
        let key = factor_of(spec);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some(g) => g.1 += v,
            None => groups.push((key, *v)),
        }
    }
    let mut out: Vec<Factor> = groups
        .into_iter()
        .map(|(key, impact)| Factor {
            text: phrase(&model.encoders, &key, d, target),
            key,
            impact,
        })
        .collect();
    // Ties broken by key so that the order never depends on the spec's order alone.
    out.sort_by(|a, b| b.impact.total_cmp(&a.impact).then_with(|| a.key.cmp(&b.key)));
    out
}

/// The `max` factors that raised the score most (positive impact only).
pub fn reasons(model: &RiskModel, d: &Declaration, x: &[f64], target: Target, max: usize) -> Vec<Factor> {
    factors(model, d, x, target)
        .into_iter()
        .filter(|f| f.impact > 0.0)
        .take(max)
        .collect()
}
