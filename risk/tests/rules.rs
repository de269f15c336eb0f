//! Each rule firing and not firing, against the committed artefact's statistics and a stub.

use risk::RiskModel;
use risk::rules::{self, DroneDetection, RuleConfig, RuleId, RuleInput, RuleStats, Severity};

/// Fixed statistics, so that each threshold is tested exactly.
struct Stub;

impl RuleStats for Stub {
    fn heading_weight(&self, hs4: &str) -> Option<(f64, f64, u64)> {
        // Heading 8471: median 100 kg, MAD 0.5 in ln kg; 9999: too few declarations.
        match hs4 {
            "8471" => Some((100f64.ln(), 0.5, 500)),
            "9999" => Some((100f64.ln(), 0.5, 5)),
            _ => None,
        }
    }
    fn importer_count(&self, importer: &str) -> Option<u64> {
        Some(if importer == "OLD" { 12 } else { 0 })
    }
    fn origin_risk(&self, origin: &str) -> Option<(f64, u64)> {
        match origin {
            "XX" => Some((2.4, 300)),
            "YY" => Some((1.1, 300)),
            "ZZ" => Some((3.0, 4)),
            _ => None,
        }
    }
    fn route_risk(&self, departure: &str, origin: &str) -> Option<(f64, u64)> {
        (departure == "HK" && origin == "CN").then_some((2.0, 120))
    }
}

fn input() -> RuleInput {
    RuleInput::default()
}

#[test]
fn container_check_digit() {
    let mut i = input();
    assert!(rules::container_check_digit(&i).is_none(), "not checked: no hit");
    i.container_number = Some("MSKU1234565".into());
    i.container_check_digit_valid = Some(true);
    assert!(rules::container_check_digit(&i).is_none());
    i.container_check_digit_valid = Some(false);
    let h = rules::container_check_digit(&i).expect("fires");
    assert_eq!(
        (h.rule, h.severity, h.mandatory),
        (RuleId::ContainerCheckDigit, Severity::High, false)
    );
    assert!(h.reason.contains("MSKU1234565"), "{}", h.reason);
}

#[test]
fn seal_mismatch_is_mandatory() {
    let mut i = input();
    i.manifest_seals = vec!["SL-123456".into()];
    assert!(rules::seal_mismatch(&i).is_none(), "no seal seen yet: no hit");
    i.observed_seals = Some(vec!["sl 123456".into()]);
    assert!(rules::seal_mismatch(&i).is_none(), "same seal, other spelling");
    i.observed_seals = Some(vec!["SL-123457".into()]);
    let h = rules::seal_mismatch(&i).expect("fires");
    assert!(h.mandatory);
    assert!(
        h.reason.contains("SL123456") && h.reason.contains("SL123457"),
        "{}",
        h.reason
    );
    i.observed_seals = Some(vec![]);
    assert!(
        rules::seal_mismatch(&i)
            .expect("missing seal fires")
            .reason
            .contains("none")
    );
}

#[test]
fn weight_outlier() {
    let c = RuleConfig::default();
    let mut i = input();
    i.hs_code = Some("847130".into());
    i.declared_weight_kg = Some(150.0);
    assert!(rules::weight_outlier(&i, &Stub, &c).is_none(), "within the usual");
    // z = ln(100)/(1.4826·0.5) ≈ 6.2 for 10 t against a median of 100 kg.
    i.declared_weight_kg = Some(10_000.0);
    let h = rules::weight_outlier(&i, &Stub, &c).expect("fires");
    assert!(
        h.reason.contains("100× above") && h.reason.contains("8471"),
        "{}",
        h.reason
    );
    i.declared_weight_kg = Some(1.0);
    assert!(
        rules::weight_outlier(&i, &Stub, &c)
            .expect("fires")
            .reason
            .contains("below")
    );
    i.hs_code = Some("999999".into());
    assert!(
        rules::weight_outlier(&i, &Stub, &c).is_none(),
        "too few declarations in the heading"
    );
    i.hs_code = Some("123456".into());
    assert!(rules::weight_outlier(&i, &Stub, &c).is_none(), "unknown heading");
    i.hs_code = Some("847130".into());
    i.declared_weight_kg = Some(0.0);
    assert!(rules::weight_outlier(&i, &Stub, &c).is_none(), "no usable weight");
}

#[test]
fn first_time_importer() {
    let mut i = input();
    assert!(rules::first_time_importer(&i, &Stub).is_none(), "no importer");
    i.importer_id = Some("OLD".into());
    assert!(rules::first_time_importer(&i, &Stub).is_none());
    i.importer_id = Some("NEW".into());
    assert_eq!(
        rules::first_time_importer(&i, &Stub).expect("fires").rule,
        RuleId::FirstTimeImporter
    );
    // The caller's own history wins over the training tables.
    i.importer_prior_declarations = Some(3);
    assert!(rules::first_time_importer(&i, &Stub).is_none());
}

#[test]
fn risky_origin_and_route() {
    let mut c = RuleConfig::default();
    let mut i = input();
    i.origin = Some("YY".into());
    assert!(rules::risky_origin(&i, &Stub, &c).is_none(), "1.1× is not risky");
    i.origin = Some("ZZ".into());
    assert!(rules::risky_origin(&i, &Stub, &c).is_none(), "too few declarations");
    i.origin = Some("XX".into());
    assert!(
        rules::risky_origin(&i, &Stub, &c)
            .expect("fires")
            .reason
            .contains("2.4×")
    );
    c.watch_countries = vec!["yy".into()];
    i.origin = Some("YY".into());
    assert!(
        rules::risky_origin(&i, &Stub, &c)
            .expect("watch list")
            .reason
            .contains("watch list")
    );

    let c = RuleConfig::default();
    i.origin = Some("CN".into());
    i.departure = Some("JP".into());
    assert!(rules::risky_route(&i, &Stub, &c).is_none());
    i.departure = Some("HK".into());
    assert!(
        rules::risky_route(&i, &Stub, &c)
            .expect("fires")
            .reason
            .contains("shipped from HK")
    );
    let c = RuleConfig {
        watch_countries: vec!["PA".into()],
        ..RuleConfig::default()
    };
    i.departure = Some("JP".into());
    i.transit = vec!["SG".into(), "PA".into()];
    assert!(
        rules::risky_route(&i, &Stub, &c)
            .expect("transit on the watch list")
            .reason
            .contains("PA")
    );
}

#[test]
fn drone_evidence() {
    let c = RuleConfig::default();
    let det = |class: &str, distance_m: f64, confidence: f64| DroneDetection {
        class: class.into(),
        distance_m,
        confidence,
    };
    let mut i = input();
    assert!(rules::drone_evidence(&i, &c).is_none());
    i.drone_detections = vec![
        det("person", 80.0, 0.9),
        det("person", 10.0, 0.2),
        det("bird", 5.0, 0.9),
    ];
    assert!(
        rules::drone_evidence(&i, &c).is_none(),
        "too far, too unsure, or not a watched class"
    );
    i.drone_detections = vec![
        det("person", 12.0, 0.9),
        det("Person", 30.0, 0.8),
        det("boat", 45.0, 0.7),
    ];
    let h = rules::drone_evidence(&i, &c).expect("fires");
    assert_eq!(h.severity, Severity::High);
    assert!(
        h.reason.contains("1 boat") && h.reason.contains("2 person") && h.reason.contains("50 m"),
        "{}",
        h.reason
    );
    i.drone_detections.truncate(1);
    assert_eq!(rules::drone_evidence(&i, &c).expect("fires").severity, Severity::Medium);
}

#[test]
fn rules_on_the_artefact_statistics() {
    let model = RiskModel::embedded().expect("artefact");
    let c = RuleConfig::default();
    let mut i = input();
    i.importer_id = Some("NEVER-SEEN-IMPORTER".into());
    i.manifest_seals = vec!["A1".into()];
    i.observed_seals = Some(vec!["B2".into()]);
    let hits = rules::evaluate(&i, &model.encoders, &c);
    let ids: Vec<RuleId> = hits.iter().map(|h| h.rule).collect();
    assert_eq!(
        ids,
        vec![RuleId::SealMismatch, RuleId::FirstTimeImporter],
        "mandatory first"
    );
    // A heading with many training declarations has weight statistics in the artefact.
    let (median, mad, n) = model.encoders.heading_weight("3926").expect("HS 3926 is common");
    assert!(n >= 100 && mad > 0.0 && median.is_finite());
    i.hs_code = Some("392690".into());
    i.declared_weight_kg = Some(median.exp() * 1e4);
    assert!(rules::weight_outlier(&i, &model.encoders, &c).is_some());
    i.declared_weight_kg = Some(median.exp());
    assert!(rules::weight_outlier(&i, &model.encoders, &c).is_none());
}
