//! One container's risk, as pure functions: drone evidence near its stack, the `risk` rule input of each bill of lading in it, their assessments, and the customs risk summary an inspector reads.
//!
//! A container holds goods of one or more bills of lading; each bill is scored with its customs
//! declaration (joined by bill of lading number) and a rule input built from the manifest: the
//! ISO 6346 check of the container number, the declared seals, the HS code and weight of the
//! bill's principal goods item in this container, the importer, origin and route (countries of
//! the UN/LOCODEs), and the drone detections near the container. The container takes its
//! riskiest bill's score; its reasons are the heaviest of all its bills'.

use std::collections::HashMap;

use customs::inspection::{DroneEvidence, Reason, RiskLevel, RiskSummary};
use customs::iso6346::ContainerNumber;
use customs::manifest::{Consignment, GoodsItem, Manifest};
use mission::geodesy::{LatLon, distance_m};
use risk::declaration::Date;
use risk::rules::DroneDetection;
use risk::{Assessment, Declaration, Level, ReasonSource, RuleInput, Scorer};
use serde::Serialize;

use super::data::PortCustoms;
use crate::store::{AlertRecord, DetectionRecord};

/// How many reasons a container's summary keeps.
pub const SUMMARY_REASONS: usize = 6;
/// How many sightings a packet lists (the most recent).
pub const MAX_EVIDENCE: usize = 50;

/// One tracked object seen near a container: its best detection, and its distance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sighting {
    pub evidence: DroneEvidence,
    pub distance_m: f64,
}

/// Detections within `radius_m` of `at`, one per tracked object (its most confident detection,
/// latest time), newest first; the snapshot is the one an alert on that track carries.
///
/// One per track, because a person walking past for a minute is hundreds of detections but one
/// observation: the drone-evidence rule counts observations.
pub fn sightings_near(
    detections: &[DetectionRecord],
    alerts: &[AlertRecord],
    at: LatLon,
    radius_m: f64,
) -> Vec<Sighting> {
    let mut snapshots: HashMap<(&str, u64), (i64, i64)> = HashMap::new();
    for a in alerts {
        if let Some(id) = a.snapshot_id {
            let e = snapshots
                .entry((a.drone.as_str(), a.track_id))
                .or_insert((a.updated_at, id));
            if a.updated_at >= e.0 {
                *e = (a.updated_at, id);
            }
        }
    }
    let mut best: HashMap<(String, String), Sighting> = HashMap::new();
    for d in detections {
        let (Some(lat), Some(lon)) = (d.lat, d.lon) else {
            continue;
        };
        let distance = distance_m(at, LatLon { lat, lon });
        if !(distance.is_finite() && distance <= radius_m) {
            continue;
        }
        let object = match d.track_id {
            Some(t) => format!("track {t}"),
            None => format!("message {} #{}", d.msg_id, d.idx),
        };
        let snapshot = d
            .track_id
            .and_then(|t| snapshots.get(&(d.drone.as_str(), t)))
            .map(|s| s.1);
        let sighting = Sighting {
            evidence: DroneEvidence {
                snapshot_id: snapshot.map(|id| id.to_string()),
                snapshot_url: snapshot.map(|id| format!("/api/v1/snapshots/{id}")),
                lat,
                lon,
                time: d.time.max(0) as u64,
                class: d.class.clone(),
                score: Some(d.score as f32),
                drone_id: Some(d.drone.clone()),
            },
            distance_m: distance,
        };
        match best.entry((d.drone.clone(), object)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(sighting);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let kept = o.get_mut();
                let latest = kept.evidence.time.max(sighting.evidence.time);
                if sighting.evidence.score > kept.evidence.score {
                    *kept = sighting;
                }
                kept.evidence.time = latest;
            }
        }
    }
    let mut out: Vec<Sighting> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.evidence
            .time
            .cmp(&a.evidence.time)
            .then(a.distance_m.total_cmp(&b.distance_m))
            .then(a.evidence.drone_id.cmp(&b.evidence.drone_id))
    });
    out.truncate(MAX_EVIDENCE);
    out
}

/// The sightings as the rules read them.
pub fn detections_for_rules(sightings: &[Sighting]) -> Vec<DroneDetection> {
    sightings
        .iter()
        .map(|s| DroneDetection {
            class: s.evidence.class.clone(),
            distance_m: s.distance_m,
            confidence: f64::from(s.evidence.score.unwrap_or(0.0)),
        })
        .collect()
}

/// The bill's goods item in this container that weighs most (the first on a tie or without weights).
pub fn principal_item<'a>(goods: &[&'a GoodsItem], container: &str) -> Option<&'a GoodsItem> {
    let mut best: Option<(&GoodsItem, f64)> = None;
    for g in goods {
        let kg = g.gross_kg_in(container).unwrap_or(0.0);
        if best.is_none_or(|(_, b)| kg > b) {
            best = Some((g, kg));
        }
    }
    best.map(|(g, _)| g)
}

fn digits(code: &str) -> String {
    code.chars().filter(char::is_ascii_digit).collect()
}

fn country(code: Option<&customs::manifest::UnLocode>) -> Option<String> {
    code.map(|c| c.country().to_string()).filter(|c| c.len() == 2)
}

/// The rule input for one bill of lading in a container (or for an empty container: `bill` None).
pub fn rule_input(
    manifest: &Manifest,
    container: &str,
    bill: Option<(&Consignment, &[&GoodsItem])>,
    declaration: Option<&Declaration>,
    detections: Vec<DroneDetection>,
) -> RuleInput {
    let equipment = manifest.equipment(container);
    let number = equipment.map_or(container, |e| e.number.as_str());
    let principal = bill.and_then(|(_, goods)| principal_item(goods, container));
    let route = bill.map_or_else(|| manifest.route.clone(), |(c, _)| c.route.or(&manifest.route));
    let loading = country(route.loading.as_ref().or(manifest.departure_port.as_ref()));
    // The vessel's last port before this one, when it is not where the goods were loaded.
    let transit: Vec<String> = country(manifest.departure_port.as_ref())
        .filter(|c| Some(c) != loading.as_ref())
        .into_iter()
        .collect();
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    RuleInput {
        container_number: Some(number.to_string()),
        container_check_digit_valid: Some(ContainerNumber::parse(number).is_ok()),
        manifest_seals: equipment
            .map(|e| e.seals.iter().map(|s| s.number.clone()).collect())
            .unwrap_or_default(),
        // Nobody has looked at the seals before the examination.
        observed_seals: None,
        hs_code: principal
            .and_then(|g| g.hs_code.as_deref())
            .map(digits)
            .filter(|d| d.len() >= 4),
        declared_weight_kg: principal.and_then(|g| g.gross_kg_in(container)),
        importer_id: declaration.and_then(|d| some(&d.importer)),
        importer_prior_declarations: None,
        origin: declaration.and_then(|d| some(&d.origin)).or_else(|| loading.clone()),
        departure: loading,
        transit,
        drone_detections: detections,
    }
}

/// The declaration the model scores: the linked row, else one made from the manifest alone
/// (id, date, HS code, countries and mass; every code the manifest lacks left empty).
pub fn declaration_for(
    manifest: &Manifest,
    container: &str,
    bill: Option<(&Consignment, &[&GoodsItem])>,
    linked: Option<&Declaration>,
) -> Declaration {
    if let Some(d) = linked {
        return d.clone();
    }
    let input = rule_input(manifest, container, bill, None, Vec::new());
    let date = [&manifest.arrival, &manifest.issued, &manifest.departure]
        .into_iter()
        .flatten()
        .find_map(|t| t.get(..10).and_then(Date::parse))
        .unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        });
    Declaration {
        id: bill.map_or_else(|| container.to_string(), |(c, _)| c.bill_of_lading.clone()),
        date,
        office: String::new(),
        process: String::new(),
        import_type: String::new(),
        import_use: String::new(),
        payment: String::new(),
        transport: String::new(),
        declarant: String::new(),
        importer: String::new(),
        seller: String::new(),
        courier: String::new(),
        hs6: input
            .hs_code
            .as_deref()
            .map(|h| h.chars().take(6).collect())
            .unwrap_or_default(),
        departure: input.departure.unwrap_or_default(),
        origin: input.origin.unwrap_or_default(),
        tax_rate: None,
        tax_type: String::new(),
        origin_indicator: String::new(),
        net_mass: input.declared_weight_kg,
        item_price: None,
        labels: None,
    }
}

/// One bill of lading's share of a container's risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillRisk {
    /// None for a container without goods on the manifest.
    pub bill_of_lading: Option<String>,
    /// The customs declaration scored, when one is linked to the bill.
    pub declaration_id: Option<String>,
    pub score: f64,
    pub level: RiskLevel,
    pub mandatory: bool,
    pub fraud_prob: f64,
    pub critical_prob: f64,
    pub reasons: Vec<Reason>,
    pub rule_input: RuleInput,
}

/// A container's risk: its riskiest bill's score, the reasons of all its bills.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerRisk {
    pub container: String,
    pub manifest_document: String,
    pub stack: Option<String>,
    pub score: f64,
    pub level: RiskLevel,
    pub mandatory: bool,
    pub bills: Vec<BillRisk>,
    pub summary: RiskSummary,
    pub evidence: Vec<DroneEvidence>,
}

pub fn level(l: Level) -> RiskLevel {
    match l {
        Level::Low => RiskLevel::Low,
        Level::Medium => RiskLevel::Medium,
        Level::High => RiskLevel::High,
    }
}

/// A `risk` reason in the customs crate's form; the factor is the rule's name or `model_<target>`.
pub fn reason(r: &risk::Reason) -> Reason {
    let name = |v: serde_json::Result<serde_json::Value>| {
        v.ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    };
    let factor = match &r.source {
        ReasonSource::Model(target) => format!("model_{}", name(serde_json::to_value(target))),
        ReasonSource::Rule(rule) => name(serde_json::to_value(rule)),
    };
    Reason {
        factor,
        text: r.text.clone(),
        weight: r.weight,
    }
}

/// A container without goods: nothing for the model to read (no HS code, importer, value),
/// so the model's prior (the training average) stands in for it and the rules do the rest.
pub fn assess_rules_only(scorer: &Scorer<'_>, id: &str, input: &RuleInput) -> Assessment {
    let prior = &scorer.model.encoders.prior;
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let p = risk::Prediction {
        fraud_raw: logit(prior.fraud),
        fraud_prob: prior.fraud,
        critical_raw: logit(prior.critical),
        critical_prob: prior.critical,
    };
    let hits = risk::rules::evaluate(input, &scorer.model.encoders, &scorer.rules);
    let (score, level, mandatory) = risk::score::combine(&p, &hits);
    Assessment {
        declaration_id: id.to_string(),
        fraud_prob: prior.fraud,
        critical_prob: prior.critical,
        score,
        level,
        mandatory,
        reasons: hits
            .iter()
            .map(|h| risk::Reason {
                source: ReasonSource::Rule(h.rule),
                text: h.reason.clone(),
                weight: h.log_odds,
            })
            .collect(),
        rule_hits: hits,
    }
}

fn bill_risk(bill: Option<String>, linked: bool, a: &Assessment, input: RuleInput) -> BillRisk {
    let mut reasons: Vec<Reason> = a.reasons.iter().map(reason).collect();
    if !linked {
        reasons.push(Reason {
            factor: "no_declaration".into(),
            text: match &bill {
                Some(b) => {
                    format!("no customs declaration is linked to bill of lading {b}: scored from the manifest alone")
                }
                None => "no goods are declared in this container: the rules and the training average score it".into(),
            },
            weight: 0.0,
        });
    }
    BillRisk {
        declaration_id: linked.then(|| a.declaration_id.clone()),
        bill_of_lading: bill,
        score: a.score,
        level: level(a.level),
        mandatory: a.mandatory,
        fraud_prob: a.fraud_prob,
        critical_prob: a.critical_prob,
        reasons,
        rule_input: input,
    }
}

/// Assesses every bill of lading in `container` (None when no manifest lists it).
pub fn assess_container(
    scorer: &Scorer<'_>,
    port: &PortCustoms,
    container: &str,
    sightings: Vec<Sighting>,
) -> Option<ContainerRisk> {
    let loaded = port.manifest_of(container)?;
    let manifest = &loaded.manifest;
    let number = port.declared_number(container).unwrap_or(container).to_string();
    let detections = detections_for_rules(&sightings);
    let mut bills = Vec::new();
    let consignments = manifest.goods_in(&number);
    if consignments.is_empty() {
        let input = rule_input(manifest, &number, None, None, detections.clone());
        bills.push(bill_risk(
            None,
            false,
            &assess_rules_only(scorer, &number, &input),
            input,
        ));
    }
    for (consignment, goods) in &consignments {
        let bill = Some((*consignment, goods.as_slice()));
        let linked = port.declaration(&consignment.bill_of_lading);
        let input = rule_input(manifest, &number, bill, linked, detections.clone());
        let d = declaration_for(manifest, &number, bill, linked);
        let a = scorer.assess(&d, &input);
        bills.push(bill_risk(
            Some(consignment.bill_of_lading.clone()),
            linked.is_some(),
            &a,
            input,
        ));
    }
    let riskiest = bills
        .iter()
        .max_by(|a, b| a.mandatory.cmp(&b.mandatory).then(a.score.total_cmp(&b.score)))?;
    let (score, mandatory) = (riskiest.score, bills.iter().any(|b| b.mandatory));
    let level = bills.iter().map(|b| b.level).max().unwrap_or(RiskLevel::Low);
    Some(ContainerRisk {
        summary: RiskSummary {
            score,
            level,
            reasons: merged_reasons(&bills),
        },
        container: number,
        manifest_document: manifest.document_number.clone(),
        stack: port.place(container).map(|p| p.stack.clone()),
        score,
        level,
        mandatory,
        bills,
        evidence: sightings.into_iter().map(|s| s.evidence).collect(),
    })
}

/// The heaviest reasons of all bills (each text once; prefixed with its bill when there are
/// several), [`SUMMARY_REASONS`] at most, then every note of weight 0 (a missing declaration).
fn merged_reasons(bills: &[BillRisk]) -> Vec<Reason> {
    let several = bills.len() > 1;
    let mut all: Vec<Reason> = Vec::new();
    for b in bills {
        for r in &b.reasons {
            let text = match (&b.bill_of_lading, several) {
                (Some(bill), true) => format!("B/L {bill}: {}", r.text),
                _ => r.text.clone(),
            };
            if !all.iter().any(|x| x.text == text) {
                all.push(Reason {
                    factor: r.factor.clone(),
                    text,
                    weight: r.weight,
                });
            }
        }
    }
    // Notes (weight 0) explain rather than move the score: all of them, after the others.
    let (mut notes, mut moving): (Vec<Reason>, Vec<Reason>) = all.into_iter().partition(|r| r.weight == 0.0);
    moving.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    moving.truncate(SUMMARY_REASONS);
    moving.append(&mut notes);
    moving
}
