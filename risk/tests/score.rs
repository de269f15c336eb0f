//! Reasons and assessments on real declarations: factors add up to the model's contributions,
//! phrases say what an officer needs, rules and the model combine into a score and a level.

use risk::explain::{self, hs_display};
use risk::rules::RuleInput;
use risk::score::{Level, ReasonSource, combine};
use risk::{Declaration, RiskModel, Scorer, Target, read_csv};

const VALID: &str = include_str!("../data/df_syn_valid_eng.csv");

fn model() -> RiskModel {
    RiskModel::embedded().expect("artefact")
}

fn rows() -> Vec<Declaration> {
    read_csv(VALID).expect("validation CSV")
}

#[test]
fn factors_add_up_to_the_shap_values() {
    let model = model();
    for d in rows().iter().step_by(500) {
        let x = model.encoders.compute(d);
        for target in [Target::Fraud, Target::Critical] {
            let phi = model.ensemble(target).contributions(&x);
            let expected = phi[phi.len() - 1];
            let raw = model.ensemble(target).raw(&x);
            let factors = explain::factors(&model, d, &x, target);
            let sum: f64 = factors.iter().map(|f| f.impact).sum();
            assert!(
                (sum + expected - raw).abs() < 1e-9,
                "{}: factors {sum} + base {expected} != raw {raw}",
                d.id
            );
            assert!(
                factors.windows(2).all(|w| w[0].impact >= w[1].impact),
                "sorted by impact"
            );
            let keys: std::collections::HashSet<&str> = factors.iter().map(|f| f.key.as_str()).collect();
            assert_eq!(keys.len(), factors.len(), "one entry per factor");
        }
    }
}

fn common_declaration(model: &RiskModel) -> Declaration {
    // A real row of the most common subheading, so the tables know it.
    let mut d = rows()
        .into_iter()
        .find(|d| d.hs6 == "392690")
        .expect("HS 392690 in validation");
    let median = model
        .encoders
        .lookup("hs6", &d)
        .and_then(|e| e.median_unit_value)
        .expect("median");
    d.net_mass = Some(100.0);
    d.item_price = Some(100.0 * median / 8.0);
    d
}

#[test]
fn phrases_an_officer_reads() {
    let model = model();
    let mut d = common_declaration(&model);
    let uv = explain::phrase(&model.encoders, "unit_value", &d, Target::Fraud);
    assert_eq!(uv, "unit value 8.0× below the usual for HS 3926.90");
    d.item_price = d.item_price.map(|p| p * 8.0 * 20.0);
    let uv = explain::phrase(&model.encoders, "unit_value", &d, Target::Fraud);
    assert_eq!(uv, "unit value 20× above the usual for HS 3926.90");
    d.item_price = d.item_price.map(|p| p / 20.0);
    assert_eq!(
        explain::phrase(&model.encoders, "unit_value", &d, Target::Fraud),
        "unit value about the usual for HS 3926.90 (1.00×)"
    );
    d.net_mass = Some(0.0);
    assert!(explain::phrase(&model.encoders, "unit_value", &d, Target::Fraud).contains("no usable unit value"));

    d.importer = "NEVER-SEEN".into();
    assert_eq!(
        explain::phrase(&model.encoders, "importer", &d, Target::Fraud),
        "importer NEVER-SEEN first seen (no earlier declarations)"
    );

    // The origin's rate against the average, from the training table.
    let origin = explain::phrase(&model.encoders, "origin", &d, Target::Fraud);
    assert!(
        origin.starts_with(&format!("origin {} has ", d.origin)) && origin.contains("average fraud rate"),
        "{origin}"
    );
    let e = model.encoders.lookup("origin", &d).expect("known origin");
    assert!(
        origin.contains(&format!("({} of {} earlier declarations)", e.fraud, e.n)),
        "{origin}"
    );
    let e = model.encoders.lookup("hs6|origin", &d).expect("known pair");
    let pair = explain::phrase(&model.encoders, "hs6|origin", &d, Target::Critical);
    let history = format!("{} of {} earlier declarations", e.critical, e.n);
    if e.n >= explain::RATE_MIN_HISTORY {
        assert!(
            pair.contains("the average critical-fraud rate") && pair.contains(&history),
            "{pair}"
        );
    } else {
        assert!(pair.contains(&format!("critical fraud found in {history}")), "{pair}");
    }
    // A key seen a few times: the counts, not a rate.
    let few = rows()
        .into_iter()
        .find(|r| model.encoders.lookup("importer", r).is_some_and(|e| e.n == 3))
        .expect("an importer seen 3 times");
    let e = model.encoders.lookup("importer", &few).expect("known");
    assert_eq!(
        explain::phrase(&model.encoders, "importer", &few, Target::Fraud),
        format!(
            "importer {}: fraud found in {} of 3 earlier declarations (average {:.1} %)",
            few.importer,
            e.fraud,
            100.0 * model.encoders.prior.fraud
        )
    );
    assert_eq!(hs_display("847130"), "8471.30");
}

#[test]
fn assessments_rank_model_and_rule_reasons() {
    let model = model();
    let scorer = Scorer::new(&model);
    let rows = rows();
    // The riskiest validation row by the model: its reasons come from the model.
    let preds = model.predict_batch(&rows, 2);
    let top = (0..rows.len())
        .max_by(|&a, &b| preds[a].fraud_prob.total_cmp(&preds[b].fraud_prob))
        .expect("rows");
    let a = scorer.assess_declaration(&rows[top]);
    assert_eq!(a.fraud_prob, preds[top].fraud_prob, "batch and single agree");
    assert!(a.score >= 70.0 && a.level == Level::High, "{a:?}");
    assert!(!a.reasons.is_empty() && a.reasons.len() <= 3 + 3 + a.rule_hits.len());
    assert!(a.reasons.windows(2).all(|w| w[0].weight >= w[1].weight), "ranked");
    assert!(a.reasons.iter().any(|r| r.source == ReasonSource::Model(Target::Fraud)));

    // A seal mismatch makes even a low-risk row mandatory and high, with the rule as a reason.
    let low = (0..rows.len())
        .min_by(|&a, &b| preds[a].fraud_prob.total_cmp(&preds[b].fraud_prob))
        .expect("rows");
    let mut input = RuleInput::from_declaration(&rows[low]);
    let quiet = scorer.assess(&rows[low], &input);
    assert_eq!(quiet.level, Level::Low, "{quiet:?}");
    input.manifest_seals = vec!["SEAL1".into()];
    input.observed_seals = Some(vec!["SEAL2".into()]);
    input.container_check_digit_valid = Some(false);
    let a = scorer.assess(&rows[low], &input);
    assert!(a.mandatory && a.level == Level::High);
    assert!(
        a.score > quiet.score,
        "rules raise the score: {} vs {}",
        a.score,
        quiet.score
    );
    assert_eq!(
        a.reasons[0].source,
        ReasonSource::Rule(risk::RuleId::SealMismatch),
        "heaviest first: {:?}",
        a.reasons
    );
}

#[test]
fn combine_bounds_and_levels() {
    let p = |fraud_raw: f64, critical_prob: f64| risk::Prediction {
        fraud_raw,
        fraud_prob: 1.0 / (1.0 + (-fraud_raw).exp()),
        critical_raw: 0.0,
        critical_prob,
    };
    let (s, level, m) = combine(&p(-5.0, 0.0), &[]);
    assert!(s > 0.0 && s < 1.0 && level == Level::Low && !m);
    let (s, level, _) = combine(&p(0.0, 0.0), &[]);
    assert!((s - 50.0).abs() < 1e-12 && level == Level::Medium);
    let (s, level, _) = combine(&p(3.0, 0.0), &[]);
    assert!(s > 95.0 && s <= 100.0 && level == Level::High);
    let (_, level, _) = combine(&p(-5.0, 0.3), &[]);
    assert_eq!(
        level,
        Level::High,
        "a likely critical fraud is high whatever the fraud score"
    );
}
