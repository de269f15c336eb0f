//! Unit tests of the inspection core on the compiled-in example port: loading, rule inputs, drone evidence, assessments, selection and task idempotence, findings and labels.

use std::sync::OnceLock;

use customs::inspection::{AnswerKind, AnswerValue, Discrepancy, DiscrepancyKind, InspectionPacket, item_ids};
use customs::{Finding, Manifest};
use mission::geodesy::{LatLon, destination};
use mission::scenario::PortScenario;
use risk::RiskModel;

use super::assess::{self, rule_input};
use super::data::PortCustoms;
use super::labels;
use super::select::{missing_tasks, select_containers};
use super::{DeskError, InspectionConfig, InspectionDesk};
use crate::store::{AlertRaise, DetectionRecord, Severity, Store};

fn scenario() -> PortScenario {
    PortScenario::parse(crate::station::EXAMPLE_SCENARIO).expect("the example scenario parses")
}

/// One desk for all tests: the embedded model takes a while to read in a debug build.
fn desk() -> &'static InspectionDesk {
    static DESK: OnceLock<InspectionDesk> = OnceLock::new();
    DESK.get_or_init(|| InspectionDesk::load(&InspectionConfig::default(), &scenario()).expect("the desk loads"))
}

fn manifest_of(container: &str) -> &'static Manifest {
    &desk().port.manifest_of(container).expect("on a manifest").manifest
}

#[test]
fn the_example_port_loads_with_every_container_placed() {
    let port = &desk().port;
    let containers = port.containers();
    assert_eq!(port.manifests.len(), 3, "Aurora Bay, Ligurian Star, Example Trader");
    assert_eq!(containers.len(), 18, "{containers:?}");
    for c in &containers {
        assert!(port.place(c).is_some(), "{c} is in no stack of the scenario");
    }
    assert_eq!(port.place("EXPU 123450-7").map(|p| p.stack.as_str()), Some("Stack A1"));
    assert_eq!(port.declarations.len(), 10);
    // Every bill of lading on the manifests has its declaration.
    for m in &port.manifests {
        for c in &m.manifest.consignments {
            assert!(port.declaration(&c.bill_of_lading).is_some(), "{}", c.bill_of_lading);
        }
    }
}

#[test]
fn bad_declarations_are_refused_with_their_line() {
    let mut port = PortCustoms::default();
    let header = super::data::SAMPLE_DECLARATIONS.1.lines().next().expect("header");
    let text = format!("{header}\nX1,2024-05-40,40,B,11,21,11,10,D,I,S,,847130,CN,CN,0,A,E,1,2\n");
    let err = port.add_declarations("bad.csv", &text).expect_err("a bad date");
    let msg = err.to_string();
    assert!(
        msg.contains("bad.csv") && msg.contains("line 2") && msg.contains("Date"),
        "{msg}"
    );
}

#[test]
fn rule_input_from_manifest_declaration_and_route() {
    let port = &desk().port;
    let m = manifest_of("EXPU1234507");
    let in_container = m.goods_in("EXPU1234507");
    assert_eq!(in_container.len(), 1);
    let (consignment, goods) = &in_container[0];
    let decl = port.declaration(&consignment.bill_of_lading);
    let input = rule_input(
        m,
        "EXPU1234507",
        Some((*consignment, goods.as_slice())),
        decl,
        Vec::new(),
    );
    assert_eq!(input.container_check_digit_valid, Some(true));
    assert_eq!(input.manifest_seals, ["CN7741021", "SH558812"]);
    assert_eq!(input.observed_seals, None);
    // Laptops weigh more in this container (5990 kg) than the phones (4490 kg).
    assert_eq!(input.hs_code.as_deref(), Some("847130"));
    assert_eq!(input.declared_weight_kg, Some(5990.0));
    assert_eq!(input.importer_id.as_deref(), Some("DTBL7MH"));
    assert_eq!(
        (input.origin.as_deref(), input.departure.as_deref()),
        (Some("CN"), Some("CN"))
    );
    assert!(input.transit.is_empty());

    // Shrimps loaded in Ho Chi Minh City on a vessel that left Shanghai: Vietnam, via China.
    let m = manifest_of("LGRU7001251");
    let in_container = m.goods_in("LGRU7001251");
    let (consignment, goods) = &in_container[0];
    let input = rule_input(
        m,
        "LGRU7001251",
        Some((*consignment, goods.as_slice())),
        None,
        Vec::new(),
    );
    assert_eq!(input.departure.as_deref(), Some("VN"));
    assert_eq!(
        input.origin.as_deref(),
        Some("VN"),
        "no declaration: the loading country"
    );
    assert_eq!(input.transit, ["CN"]);
    assert_eq!(input.importer_id, None);
    // "8517.13" as declared becomes digits.
    let m = manifest_of("EXPU1234507");
    let phones = m.consignments[0]
        .goods
        .iter()
        .find(|g| g.item_number == 2)
        .expect("item 2");
    let input = rule_input(
        m,
        "EXPU1234507",
        Some((&m.consignments[0], &[phones])),
        None,
        Vec::new(),
    );
    assert_eq!(input.hs_code.as_deref(), Some("851713"));
}

#[test]
fn a_wrong_check_digit_is_a_reason() {
    let mut fresh = PortCustoms::default();
    let text = super::data::SAMPLE_MANIFESTS[0].1.replace("PRTU5500017", "PRTU5500018");
    fresh.add_cuscar("altered.edi", &text).expect("altered sample parses");
    fresh.declarations = desk().port.declarations.clone();
    let scorer = risk::Scorer::new(model());
    let risk = assess::assess_container(&scorer, &fresh, "PRTU5500018", Vec::new()).expect("assessed");
    let factors: Vec<&str> = risk.summary.reasons.iter().map(|r| r.factor.as_str()).collect();
    assert!(factors.contains(&"container_check_digit"), "{factors:?}");
    let bill = &risk.bills[0];
    assert_eq!(bill.rule_input.container_check_digit_valid, Some(false));
}

fn model() -> &'static RiskModel {
    static MODEL: OnceLock<RiskModel> = OnceLock::new();
    MODEL.get_or_init(|| RiskModel::embedded().expect("embedded model"))
}

fn detection(drone: &str, track: u64, msg: u64, at: LatLon, class: &str, score: f64, time: i64) -> DetectionRecord {
    DetectionRecord {
        drone: drone.into(),
        msg_id: msg,
        idx: 0,
        track_id: Some(track),
        class: class.into(),
        score,
        lat: Some(at.lat),
        lon: Some(at.lon),
        error_m: Some(3.0),
        time,
    }
}

#[test]
fn sightings_are_one_per_track_within_the_radius_with_their_snapshot() {
    let stack = desk().port.place("EXPU1234507").expect("placed").position;
    let near = destination(stack, 90.0, 20.0);
    let far = destination(stack, 0.0, 80.0);
    let detections = vec![
        detection("drone1", 7, 1, near, "person", 0.6, 1_000),
        detection("drone1", 7, 2, near, "person", 0.9, 2_000),
        detection("drone1", 7, 3, near, "person", 0.7, 3_000),
        detection("drone1", 8, 4, far, "boat", 0.9, 3_000),
        detection("drone2", 7, 5, near, "truck", 0.8, 2_500),
    ];
    let alerts = vec![crate::store::AlertRecord {
        id: 1,
        rule: "r".into(),
        severity: Severity::Warning,
        drone: "drone1".into(),
        track_id: 7,
        message: "m".into(),
        lat: near.lat,
        lon: near.lon,
        snapshot_id: Some(42),
        raised_at: 1_000,
        updated_at: 2_000,
        acknowledged: None,
    }];
    let s = assess::sightings_near(&detections, &alerts, stack, 50.0);
    assert_eq!(s.len(), 2, "the 80 m boat is out, drone1's track 7 counts once: {s:?}");
    let person = s.iter().find(|x| x.evidence.class == "person").expect("person");
    assert_eq!(person.evidence.score, Some(0.9), "its most confident detection");
    assert_eq!(person.evidence.time, 3_000, "seen until its last detection");
    assert_eq!(person.evidence.snapshot_url.as_deref(), Some("/api/v1/snapshots/42"));
    assert!((person.distance_m - 20.0).abs() < 0.5, "{}", person.distance_m);
    let truck = s.iter().find(|x| x.evidence.class == "truck").expect("truck");
    assert_eq!(truck.evidence.snapshot_id, None, "drone2's track 7 is another object");
    assert_eq!(s[0].evidence.class, "person", "newest first");
}

#[test]
fn drone_evidence_raises_the_score_with_a_reason() {
    let port = &desk().port;
    let scorer = risk::Scorer::new(model());
    let before = assess::assess_container(&scorer, port, "LGRU7001122", Vec::new()).expect("assessed");
    let stack = port.place("LGRU7001122").expect("placed").position;
    let detections: Vec<DetectionRecord> = (0..3)
        .map(|i| {
            detection(
                "drone1",
                i,
                i,
                destination(stack, 120.0 * i as f64, 15.0),
                "person",
                0.8,
                1_000,
            )
        })
        .collect();
    let sightings = assess::sightings_near(&detections, &[], stack, 50.0);
    let after = assess::assess_container(&scorer, port, "LGRU7001122", sightings).expect("assessed");
    assert!(after.score > before.score, "{} → {}", before.score, after.score);
    assert_eq!(after.evidence.len(), 3);
    let drone = after
        .summary
        .reasons
        .iter()
        .find(|r| r.factor == "drone_evidence")
        .expect("a drone reason");
    assert!(drone.text.contains("3 person"), "{}", drone.text);
}

#[test]
fn an_empty_container_is_scored_from_the_manifest_with_a_note() {
    let risk = desk()
        .assess(&Store::open_in_memory().expect("store"), "CSTU8803090", 0)
        .expect("known");
    assert_eq!(risk.bills.len(), 1);
    assert_eq!(risk.bills[0].bill_of_lading, None);
    assert!(
        risk.summary.reasons.iter().any(|r| r.factor == "no_declaration"),
        "{:?}",
        risk.summary.reasons
    );
    assert!(
        risk.summary.reasons.iter().all(|r| !r.factor.starts_with("model_")),
        "the model has nothing to read: {:?}",
        risk.summary.reasons
    );
    assert!(
        risk.score > 0.0 && risk.score < 100.0,
        "the training average: {}",
        risk.score
    );
    assert!(matches!(
        desk().assess(&Store::open_in_memory().expect("store"), "MSCU1234565", 0),
        Err(DeskError::UnknownContainer(c)) if c == "MSCU1234565"
    ));
}

#[test]
fn selection_follows_the_rate_and_task_creation_is_idempotent() {
    let store = Store::open_in_memory().expect("store");
    let risks = desk().assess_all(&store, 0).expect("assessed");
    assert_eq!(risks.len(), 18);
    let at5 = select_containers(&risks, 5.0).expect("5 %");
    assert_eq!((at5.quota, at5.selected.len()), (1, 1), "⌈0.05 · 18⌉");
    let at10 = select_containers(&risks, 10.0).expect("10 %");
    assert_eq!(at10.selected.len(), 2);
    assert_eq!(
        at10.selected[0].container, at5.selected[0].container,
        "the same first choice"
    );
    let max = risks.iter().map(|r| r.score).fold(f64::MIN, f64::max);
    assert_eq!(at5.selected[0].score, max, "the highest score goes first");
    assert!(select_containers(&risks, 0.0).unwrap_err().starts_with("rate:"));
    assert!(select_containers(&risks, 120.0).is_err());

    let first = desk().create_selected_tasks(&store, 1_000).expect("tasks");
    assert_eq!((first.created.len(), first.existing), (1, 0));
    let again = desk().create_selected_tasks(&store, 2_000).expect("tasks again");
    assert_eq!((again.created.len(), again.existing), (0, 1), "nothing twice");
    let tasks = store.inspection_tasks(None).expect("tasks");
    assert_eq!(tasks.len(), 1);
    assert!(missing_tasks(&first.selection, &tasks).is_empty());
    // A cancelled task no longer stands: selecting again makes a new one.
    store
        .set_inspection_status(tasks[0].id, "cancelled", 3_000)
        .expect("cancel");
    let after_cancel = desk().create_selected_tasks(&store, 4_000).expect("tasks");
    assert_eq!(after_cancel.created.len(), 1);
}

/// A finding answering every required item as "all in order".
fn clean_finding(packet: &InspectionPacket, task_id: i64, inspector: &str) -> Finding {
    let mut f = Finding::new(task_id.to_string(), packet.container.number.clone(), inspector, 5_000);
    for item in packet.checklist.items.iter().filter(|i| i.required) {
        let value = match item.kind {
            AnswerKind::YesNo => AnswerValue::YesNo(!matches!(
                item.id.as_str(),
                item_ids::UNDECLARED_GOODS | item_ids::CONCEALMENT | item_ids::PROHIBITED_GOODS
            )),
            AnswerKind::Count => AnswerValue::Count(item.expected_count.unwrap_or(0)),
            AnswerKind::Text => AnswerValue::Text(String::new()),
        };
        f.answers.push(customs::inspection::Answer {
            item_id: item.id.clone(),
            value,
        });
    }
    f
}

#[test]
fn findings_are_checked_stored_and_become_labels() {
    let store = Store::open_in_memory().expect("store");
    let d = desk();
    let a = d
        .create_or_assign(&store, "expu 1234507", "ana", 1_000)
        .expect("created");
    assert!(a.created);
    assert_eq!(
        (a.task.status.as_str(), a.task.assigned_inspector.as_deref()),
        ("assigned", Some("ana"))
    );
    let same = d.create_or_assign(&store, "EXPU1234507", "ana", 1_100).expect("same");
    assert!(!same.created && same.task.id == a.task.id);
    let moved = d
        .create_or_assign(&store, "EXPU1234507", "bo", 1_200)
        .expect("reassigned");
    // Handed over in place: the same task, now Bo's.
    assert!(!moved.created);
    assert_eq!(moved.task.id, a.task.id);
    assert_eq!(moved.task.assigned_inspector.as_deref(), Some("bo"));
    let id = moved.task.id;

    let packet: InspectionPacket =
        serde_json::from_value(d.task_packet(&store, id, 1_300).expect("packet")).expect("packet");
    let mut finding = clean_finding(&packet, id, "bo");
    // A required answer missing: refused, naming the item.
    let missing = finding.answers.remove(0);
    let err = d
        .record_finding(&store, id, finding.clone(), "bo", 1_400)
        .expect_err("incomplete");
    assert!(err.to_string().contains(&missing.item_id), "{err}");
    finding.answers.insert(0, missing);
    // Only the assignee records.
    assert!(
        matches!(d.record_finding(&store, id, finding.clone(), "ana", 1_400), Err(DeskError::BadRequest(m)) if m.starts_with("inspector"))
    );
    let mut by_ana = finding.clone();
    by_ana.inspector = "ana".into();
    assert!(matches!(
        d.record_finding(&store, id, by_ana, "ana", 1_400),
        Err(DeskError::Conflict(_))
    ));

    for a in &mut finding.answers {
        if a.item_id == item_ids::UNDECLARED_GOODS {
            a.value = AnswerValue::YesNo(true);
        }
    }
    finding.discrepancies.push(Discrepancy {
        bill_of_lading: Some("AURB0426E0001".into()),
        ..Discrepancy::new(
            DiscrepancyKind::UndeclaredGoods,
            "40 cartons of cigarettes behind the laptops",
        )
    });
    let recorded = d
        .record_finding(&store, id, finding.clone(), "bo", 1_500)
        .expect("recorded");
    assert_eq!((recorded.label.fraud, recorded.label.critical_fraud), (1, 2));
    assert_eq!(recorded.task.status, "completed");
    assert!(
        d.record_finding(&store, id, finding, "bo", 1_600).is_err(),
        "a completed task takes no more"
    );

    let (lines, skipped) = d.labels(&store).expect("labels");
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(lines.len(), 1, "one bill of lading in EXPU1234507");
    let line = &lines[0];
    assert_eq!((line.fraud, line.critical_fraud), (1, 2));
    assert_eq!(line.declaration["Declaration ID"], "AURB0426E0001");
    assert_eq!(line.declaration["Importer ID"], "DTBL7MH");
    // The line's declaration is the CSV row: it reads back as the same declaration.
    let csv = format!(
        "{}\n{}\n",
        risk::declaration::HEADERS.join(","),
        risk::declaration::HEADERS
            .iter()
            .map(|h| line.declaration[*h].as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(",")
    );
    let back = risk::read_csv(&csv).expect("reads back");
    assert_eq!(Some(&back[0]), d.port.declaration("AURB0426E0001"));
}

#[test]
fn a_discrepancy_labels_only_its_own_bill() {
    let mut f = Finding::new("1", "EXPU1234615", "bo", 1);
    f.discrepancies.push(Discrepancy {
        bill_of_lading: Some("B1".into()),
        ..Discrepancy::new(DiscrepancyKind::MisdeclaredHsCode, "monitors are TVs")
    });
    assert_eq!(labels::label_for_bill(&f, "B1").fraud, 1);
    assert_eq!(labels::label_for_bill(&f, "B1").critical_fraud, 1);
    assert_eq!(labels::label_for_bill(&f, "B2").fraud, 0);
    // A container-wide answer labels every bill.
    f.answers.push(customs::inspection::Answer {
        item_id: item_ids::CONCEALMENT.into(),
        value: AnswerValue::YesNo(true),
    });
    assert_eq!(labels::label_for_bill(&f, "B2").critical_fraud, 2);
}

#[test]
fn the_config_names_a_bad_setting() {
    let bad = InspectionConfig {
        inspection_rate: 0.0,
        ..InspectionConfig::default()
    };
    assert!(bad.check().unwrap_err().starts_with("customs.inspection_rate"));
    let err = InspectionDesk::load(
        &InspectionConfig {
            manifests: vec!["/nonexistent/manifest.edi".into()],
            ..InspectionConfig::default()
        },
        &scenario(),
    )
    .err()
    .expect("missing file");
    assert!(err.to_string().contains("/nonexistent/manifest.edi"), "{err}");
}

#[test]
fn alerts_with_snapshots_reach_the_packet() {
    let store = Store::open_in_memory().expect("store");
    let stack = desk().port.place("PRTU5500017").expect("placed").position;
    let at = destination(stack, 45.0, 10.0);
    let now = 10_000_000;
    store
        .insert_detections(&[detection("drone1", 3, 9, at, "person", 0.9, now - 1_000)])
        .expect("detections");
    let snapshot = store
        .insert_snapshot(&crate::store::SnapshotRecord {
            drone: "drone1".into(),
            msg_id: 10,
            track_id: 3,
            time: now - 900,
            content_type: "image/jpeg".into(),
            jpeg: Some(vec![0xff, 0xd8, 0xff, 0xd9]),
            path: None,
            meta: serde_json::json!({}),
        })
        .expect("snapshot");
    store
        .raise_alert(&AlertRaise {
            rule: "person_in_yard".into(),
            severity: Severity::Warning,
            drone: "drone1".into(),
            track_id: 3,
            message: "person in the container yard".into(),
            lat: at.lat,
            lon: at.lon,
            snapshot_id: Some(snapshot),
            time: now - 800,
        })
        .expect("alert");
    let packet = desk().packet(&store, "PRTU5500017", now).expect("packet");
    assert_eq!(packet.evidence.len(), 1);
    assert_eq!(
        packet.evidence[0].snapshot_url,
        Some(format!("/api/v1/snapshots/{snapshot}"))
    );
    // Outside the evidence window (6 h by default) nothing counts.
    let later = desk()
        .packet(&store, "PRTU5500017", now + 7 * 3_600_000)
        .expect("packet");
    assert!(later.evidence.is_empty());
}
