//! Inspection packets built from a real manifest sample, checklists, findings and their labels,
//! and the JSON round trips the station and the AR client rely on.

use customs::edifact::parse_cuscar;
use customs::hs::Nomenclature;
use customs::inspection::{
    Answer, AnswerKind, AnswerValue, Discrepancy, DiscrepancyKind, DroneEvidence, Finding, FindingProblem,
    InspectionPacket, InspectionTask, PacketError, Reason, RiskLevel, RiskSummary, Role, item_ids,
};
use customs::manifest::{Manifest, UnLocode};

const AURORA: &str = include_str!("../data/edifact/cuscar-d95b-aurora-bay.edi");

fn manifest() -> Manifest {
    parse_cuscar(AURORA).unwrap().manifests.remove(0)
}

fn risk() -> RiskSummary {
    RiskSummary {
        score: 82.5,
        level: RiskLevel::High,
        reasons: vec![Reason {
            factor: "unit_value".into(),
            text: "unit value 8x below the usual for HS 8471.30".into(),
            weight: 1.7,
        }],
    }
}

fn evidence() -> Vec<DroneEvidence> {
    vec![DroneEvidence {
        snapshot_id: Some("snap-17".into()),
        snapshot_url: Some("/api/snapshots/snap-17".into()),
        lat: 44.398651,
        lon: 8.9056642,
        time: 1_716_200_000_000,
        class: "person".into(),
        score: Some(0.71),
        drone_id: Some("d1".into()),
    }]
}

fn packet(container: &str) -> InspectionPacket {
    InspectionPacket::build(&manifest(), container, Nomenclature::hs2022(), Some(risk()), evidence()).unwrap()
}

#[test]
fn packet_for_a_container_shared_by_goods_items() {
    let p = packet("expu 123450-7");
    assert_eq!(p.container.number, "EXPU1234507");
    assert!(p.container.number_valid && p.container.number_problem.is_none());
    let st = p.container.size_type_description.as_deref().unwrap();
    assert!(st.contains("40 ft long") && st.contains("high cube"), "{st}");
    assert_eq!(
        p.seals_declared.iter().map(|s| s.number.as_str()).collect::<Vec<_>>(),
        vec!["CN7741021", "SH558812"]
    );
    assert_eq!(p.goods.len(), 2);
    let laptops = &p.goods[0];
    assert_eq!(
        (laptops.bill_of_lading.as_str(), laptops.item_number),
        ("AURB0426E0001", 1)
    );
    assert_eq!(laptops.packages.as_ref().map(|p| p.count), Some(240));
    assert_eq!((laptops.gross_kg, laptops.containers_in_item), (Some(5990.0), 2));
    let hs = laptops.hs.as_ref().unwrap();
    assert_eq!(hs.display, "8471.30");
    assert_eq!(hs.chain.len(), 4);
    let phones = &p.goods[1];
    assert_eq!(phones.hs.as_ref().map(|h| h.code.as_str()), Some("851713"));
    assert_eq!(
        (phones.packages.as_ref().map(|p| p.count), phones.gross_kg),
        (Some(300), Some(4490.0))
    );
    assert_eq!(p.goods_gross_kg(), Some(10480.0));
    assert_eq!(
        p.container.gross_kg.zip(p.container.tare_kg).map(|(g, t)| g - t),
        Some(10480.0)
    );
    let roles: Vec<Role> = p.parties.iter().map(|r| r.role).collect();
    assert_eq!(
        roles,
        vec![Role::Carrier, Role::Consignor, Role::Consignee, Role::NotifyParty]
    );
    assert_eq!(p.routes[0].route.loading, Some(UnLocode("CNSHA".into())));
    assert_eq!(p.vessel.imo, Some(9_301_146));
    assert_eq!(p.risk.as_ref().map(|r| r.level), Some(RiskLevel::High));
    assert_eq!(p.evidence[0].class, "person");

    let counts: Vec<(&str, Option<u32>)> = p
        .checklist
        .items
        .iter()
        .filter(|i| i.kind == AnswerKind::Count)
        .map(|i| (i.id.as_str(), i.expected_count))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("packages/AURB0426E0001/1", Some(240)),
            ("packages/AURB0426E0001/2", Some(300))
        ]
    );
    assert!(
        p.checklist
            .get(item_ids::SEALS_MATCH)
            .unwrap()
            .question
            .contains("CN7741021, SH558812")
    );
    assert!(p.checklist.get(item_ids::DANGEROUS_GOODS_LABELLED).is_none());
}

#[test]
fn dangerous_goods_and_unknown_containers() {
    let p = packet("LGRU7001122");
    let q = &p.checklist.get(item_ids::DANGEROUS_GOODS_LABELLED).unwrap().question;
    assert!(q.contains("class 9 UN 3480"), "{q}");
    let e = InspectionPacket::build(&manifest(), "CSTU8803090", Nomenclature::hs2022(), None, vec![]).unwrap_err();
    assert!(matches!(e, PacketError::UnknownContainer { .. }));
    // The national 8-digit code maps to its subheading in the packet.
    let shirts = &packet("PRTU5500017").goods[0];
    assert_eq!(
        shirts.hs.as_ref().map(|h| (h.code.as_str(), h.national.as_deref())),
        Some(("610910", Some("61091000")))
    );
}

#[test]
fn packet_task_and_finding_round_trip_through_json() {
    let p = packet("EXPU1234615");
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<InspectionPacket>(&json).unwrap(), p);
    let mut t = InspectionTask::new("T-1", "EXPU1234615", vec!["AURB0426E0001".into()], 1);
    t.assign("inspector-7", 2).unwrap();
    let json = serde_json::to_string(&t).unwrap();
    assert!(json.contains("\"status\":\"assigned\""), "{json}");
    assert_eq!(serde_json::from_str::<InspectionTask>(&json).unwrap(), t);
    let f = clean_finding(&p);
    assert_eq!(serde_json::from_str::<Finding>(&f.to_json()).unwrap(), f);
}

/// Every required item answered as the declaration says.
fn clean_finding(p: &InspectionPacket) -> Finding {
    let mut f = Finding::new("T-1", p.container.number.clone(), "inspector-7", 1_716_200_100_000);
    for i in &p.checklist.items {
        let value = match i.kind {
            AnswerKind::Count => AnswerValue::Count(i.expected_count.unwrap_or(0)),
            AnswerKind::Text => AnswerValue::Text("nothing else".into()),
            AnswerKind::YesNo => AnswerValue::YesNo(!matches!(
                i.id.as_str(),
                item_ids::UNDECLARED_GOODS | item_ids::CONCEALMENT | item_ids::PROHIBITED_GOODS
            )),
        };
        f.answers.push(Answer {
            item_id: i.id.clone(),
            value,
        });
    }
    f
}

#[test]
fn findings_are_checked_against_the_checklist() {
    let p = packet("EXPU1234507");
    let mut f = clean_finding(&p);
    assert!(f.check(&p.checklist).is_empty());
    f.answers.retain(|a| a.item_id != item_ids::SEALS_INTACT);
    f.answers.push(Answer {
        item_id: "packages/AURB0426E0001/1".into(),
        value: AnswerValue::YesNo(true),
    });
    f.answers.push(Answer {
        item_id: "no-such-item".into(),
        value: AnswerValue::Count(1),
    });
    let problems = f.check(&p.checklist);
    assert!(problems.contains(&FindingProblem::Unanswered {
        item_id: item_ids::SEALS_INTACT.into()
    }));
    assert!(problems.iter().any(|x| matches!(
        x,
        FindingProblem::WrongKind {
            expected: AnswerKind::Count,
            ..
        }
    )));
    assert!(problems.iter().any(|x| matches!(x, FindingProblem::UnknownItem { .. })));
    assert!(
        problems
            .iter()
            .any(|x| matches!(x, FindingProblem::Repeated { times: 2, .. }))
    );
}

#[test]
fn labels_for_retraining() {
    let p = packet("EXPU1234507");
    let clean = clean_finding(&p);
    assert_eq!((clean.label().fraud, clean.label().critical_fraud), (0, 0));

    // A weight difference within 5 % is recorded but not fraud; beyond it, it is.
    let mut f = clean.clone();
    let mut d = Discrepancy::new(DiscrepancyKind::WeightDifference, "scale reads 6150 kg");
    d.declared_kg = Some(5990.0);
    d.found_kg = Some(6150.0);
    f.discrepancies.push(d.clone());
    assert_eq!(f.label().fraud, 0);
    d.found_kg = Some(7400.0);
    f.discrepancies = vec![d];
    let l = f.label();
    assert_eq!((l.fraud, l.critical_fraud), (1, 1));
    assert_eq!(l.reasons, vec!["weight_difference: scale reads 6150 kg"]);

    let mut f = clean.clone();
    let mut q = Discrepancy::new(DiscrepancyKind::QuantityDifference, "counted");
    q.declared_count = Some(240);
    q.found_count = Some(240);
    f.discrepancies.push(q);
    assert_eq!(f.label().fraud, 0);
    f.discrepancies.push(Discrepancy::new(
        DiscrepancyKind::MisdeclaredHsCode,
        "tablets, not laptops",
    ));
    assert_eq!((f.label().fraud, f.label().critical_fraud), (1, 1));
    f.discrepancies
        .push(Discrepancy::new(DiscrepancyKind::Concealment, "false front wall"));
    assert_eq!((f.label().fraud, f.label().critical_fraud), (1, 2));

    // A checklist answer alone implies the discrepancy.
    let mut f = clean;
    for a in &mut f.answers {
        if a.item_id == item_ids::UNDECLARED_GOODS {
            a.value = AnswerValue::YesNo(true);
        }
    }
    let l = f.label();
    assert_eq!((l.fraud, l.critical_fraud), (1, 2));
    assert_eq!(l.reasons, vec!["undeclared_goods: checklist: undeclared goods found"]);
}
