//! The inspection loop through the station's HTTP API, in-process: tasks selected at start, packets by container and task, roles, an inspector's finding stored and completed (a resend recognised, another finding refused), its training label, bad input, and tasks that survive a restart without duplicates.

mod api_support;

use std::path::Path;

use api_support::{Client, Scratch, message, runtime, start};
use ground_station::station::Station;
use ground_station::store::{AlertRaise, DetectionRecord, Role, Severity, SnapshotRecord};
use mission::geodesy::{LatLon, destination};
use serde_json::{Value, json};

/// Answers to every required checklist item of a packet, all "in order".
fn answers(packet: &Value) -> Vec<Value> {
    let items = packet["checklist"]["items"].as_array().expect("checklist items");
    items
        .iter()
        .filter(|i| i["required"] == true)
        .map(|i| {
            let id = i["id"].as_str().expect("item id");
            let value = match i["kind"].as_str() {
                Some("yes_no") => json!({
                    "kind": "yes_no",
                    "value": !matches!(id, "undeclared_goods" | "concealment" | "prohibited_goods")
                }),
                Some("count") => json!({"kind": "count", "value": i["expected_count"].as_u64().unwrap_or(0)}),
                _ => json!({"kind": "text", "value": ""}),
            };
            json!({"item_id": id, "value": value})
        })
        .collect()
}

/// A person filmed by drone1 18 m from Stack A1 a minute ago, with its snapshot and alert, as
/// the ingest stores them; returns the snapshot's id.
fn person_near_stack_a1(station: &Station, now: i64) -> i64 {
    let stack_a1 = LatLon {
        lat: 44.398651,
        lon: 8.9056642,
    };
    let seen_at = destination(stack_a1, 200.0, 18.0);
    let store = station.store.lock().expect("store");
    store
        .insert_detections(&[DetectionRecord {
            drone: "drone1".into(),
            msg_id: 901,
            idx: 0,
            track_id: Some(5),
            class: "person".into(),
            score: 0.87,
            lat: Some(seen_at.lat),
            lon: Some(seen_at.lon),
            error_m: Some(2.5),
            time: now - 60_000,
        }])
        .expect("detections");
    let id = store
        .insert_snapshot(&SnapshotRecord {
            drone: "drone1".into(),
            msg_id: 902,
            track_id: 5,
            time: now - 59_000,
            content_type: "image/jpeg".into(),
            jpeg: Some(vec![0xff, 0xd8, 0xff, 0xd9]),
            path: None,
            meta: json!({"class": "person"}),
        })
        .expect("snapshot");
    store
        .raise_alert(&AlertRaise {
            rule: "person_in_yard".into(),
            severity: Severity::Warning,
            drone: "drone1".into(),
            track_id: 5,
            message: "person in the container yard".into(),
            lat: seen_at.lat,
            lon: seen_at.lon,
            snapshot_id: Some(id),
            time: now - 58_000,
        })
        .expect("alert");
    id
}

/// The risk trainer's own reader (risk/train/train.py, run by `scripts/train-risk --findings`)
/// takes the label lines: one training row with the declaration's fields and both labels.
fn trainer_reads(path: &Path, jsonl: &str) {
    let Some(python) = testkit::python("risk trainer", "import numpy, lightgbm") else {
        return;
    };
    std::fs::write(path, jsonl).expect("labels file");
    let train_dir = testkit::workspace_root().join("risk/train");
    let script = "import json, sys; sys.path.insert(0, sys.argv[1]); import train; \
                  rows = train.read_findings(sys.argv[2]); \
                  print(json.dumps([{k: r[k] for k in ('declaration_id', 'hs6', 'importer', 'net_mass', 'fraud', 'critical_fraud')} for r in rows]))";
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&train_dir)
        .arg(path)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "the trainer refuses the labels: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).expect("the reader's rows as JSON");
    assert_eq!(
        rows,
        json!([{"declaration_id": "AURB0426E0001", "hs6": "847130", "importer": "DTBL7MH", "net_mass": 9420.0, "fraud": 1, "critical_fraud": 2}])
    );
}

#[test]
fn the_inspection_loop_over_http() {
    let rt = runtime();
    let scratch = Scratch::new("inspection-loop");
    let station = start(&rt, &scratch.0, None);
    let officer = Client::new(&station, Role::Officer);
    let inspector = Client::new(&station, Role::Inspector);
    let trainee = Client::new(&station, Role::Trainee);

    // Selected at start: the tasks are the containers the selection picks at the default 5 %.
    let (status, tasks) = officer.get("/api/v1/inspections/tasks");
    assert_eq!(status, 200, "{tasks}");
    let tasks = tasks.as_array().expect("a list").clone();
    assert!(!tasks.is_empty(), "no task was selected at start");
    assert!(
        tasks
            .iter()
            .all(|t| t["status"] == "open" && t["score"].as_f64().is_some()),
        "{tasks:?}"
    );
    let (status, selection) = officer.get("/api/v1/risk/selection?rate=5");
    assert_eq!(status, 200, "{selection}");
    assert_eq!(selection["containers"], 18);
    let mut selected: Vec<&str> = selection["selected"]
        .as_array()
        .expect("selected")
        .iter()
        .map(|s| s["container"].as_str().expect("container"))
        .collect();
    let mut tasked: Vec<&str> = tasks
        .iter()
        .map(|t| t["container_number"].as_str().expect("number"))
        .collect();
    tasked.sort();
    selected.sort();
    assert_eq!(tasked, selected);
    assert!(
        selection["selected"][0]["reasons"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "{selection}"
    );
    let (_, wider) = officer.get("/api/v1/risk/selection?rate=10");
    assert!(wider["selected"].as_array().map(Vec::len) > selection["selected"].as_array().map(Vec::len));
    let (status, body) = officer.get("/api/v1/risk/selection?rate=0");
    assert_eq!(status, 400);
    assert!(message(&body).starts_with("rate"), "{body}");

    let now = ground_station::api::now_ms() as i64;
    let snapshot_id = person_near_stack_a1(&station, now);

    // The packet by container number: number, goods with HS descriptions, risk reasons,
    // drone evidence with its snapshot, checklist.
    let (status, packet) = officer.get("/api/v1/inspections/packet?container=EXPU%201234507");
    assert_eq!(status, 200, "{packet}");
    assert_eq!(packet["container"]["number"], "EXPU1234507");
    assert_eq!(packet["container"]["number_valid"], true);
    let goods = packet["goods"].as_array().expect("goods");
    assert_eq!(goods.len(), 2, "laptops and phones of AURB0426E0001");
    for g in goods {
        assert_eq!(g["bill_of_lading"], "AURB0426E0001");
        assert!(
            g["hs"]["description"].as_str().is_some_and(|d| !d.is_empty()),
            "no HS description: {g}"
        );
    }
    assert_eq!(goods[0]["hs"]["display"], "8471.30");
    let reasons = packet["risk"]["reasons"].as_array().expect("risk reasons");
    assert!(
        !reasons.is_empty() && packet["risk"]["score"].as_f64().is_some(),
        "{}",
        packet["risk"]
    );
    assert!(
        reasons
            .iter()
            .any(|r| r["factor"] == "drone_evidence" && r["text"].as_str().is_some_and(|t| t.contains("1 person"))),
        "{reasons:?}"
    );
    let evidence = packet["evidence"].as_array().expect("evidence");
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    let url = evidence[0]["snapshot_url"].as_str().expect("a snapshot URL");
    assert_eq!(url, format!("/api/v1/snapshots/{snapshot_id}"));
    assert_eq!(inspector.get_text(url).0, 200, "the inspector opens the snapshot");
    let items: Vec<&str> = packet["checklist"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    for id in [
        "container_number_matches",
        "seals_match",
        "undeclared_goods",
        "packages/AURB0426E0001/1",
    ] {
        assert!(items.contains(&id), "{id} missing from {items:?}");
    }

    // Roles: the trainee may not read packets or tasks; the inspector may not command drones
    // nor assign tasks.
    let (status, body) = trainee.get("/api/v1/inspections/packet?container=EXPU1234507");
    assert_eq!(status, 403, "{body}");
    assert_eq!(trainee.get("/api/v1/inspections/tasks").0, 403);
    let (status, body) = inspector.post("/api/v1/vehicles/1/commands", &json!({"command": "return_to_launch"}));
    assert_eq!(status, 403, "{body}");
    let assign = json!({"container_number": "EXPU1234507", "inspector": "inspector"});
    assert_eq!(inspector.post("/api/v1/inspections/tasks", &assign).0, 403);

    // Unknown containers are 404s naming them.
    let (status, body) = officer.get("/api/v1/inspections/packet?container=MSCU1234565");
    assert_eq!(status, 404, "{body}");
    assert!(message(&body).contains("MSCU1234565"), "{body}");
    let (status, body) = officer.post(
        "/api/v1/inspections/tasks",
        &json!({"container_number": "MSCU1234565", "inspector": "inspector"}),
    );
    assert_eq!((status, message(&body).contains("MSCU1234565")), (404, true), "{body}");
    let (status, body) = officer.post(
        "/api/v1/inspections/tasks",
        &json!({"container_number": "EXPU1234507", "inspector": "trainee"}),
    );
    assert_eq!(status, 400, "a trainee cannot be assigned: {body}");
    assert!(message(&body).starts_with("inspector"), "{body}");

    // The officer assigns the container to the inspector: its task, selected at start, is
    // handed over in place (200), not duplicated.
    let (status, assigned) = officer.post("/api/v1/inspections/tasks", &assign);
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["task"]["status"], "assigned");
    assert_eq!(assigned["task"]["assigned_inspector"], "inspector");
    let id = assigned["task"]["id"].as_i64().expect("task id");
    let (status, again) = officer.post("/api/v1/inspections/tasks", &assign);
    assert_eq!(
        (status, again["task"]["id"].as_i64()),
        (200, Some(id)),
        "assigning twice changes nothing"
    );

    let (status, task_packet) = inspector.get(&format!("/api/v1/inspections/tasks/{id}/packet"));
    assert_eq!(status, 200, "{task_packet}");
    assert_eq!(task_packet["container"]["number"], "EXPU1234507");
    assert_eq!(task_packet["evidence"].as_array().map(Vec::len), Some(1));
    let mut answers = answers(&task_packet);
    for a in &mut answers {
        if a["item_id"] == "undeclared_goods" {
            a["value"]["value"] = json!(true);
        }
    }
    let finding = json!({
        "schema": 1,
        "task_id": id.to_string(),
        "container_number": "EXPU1234507",
        "inspector": "inspector",
        "time": now,
        "answers": answers,
        "discrepancies": [{
            "kind": "undeclared_goods",
            "bill_of_lading": "AURB0426E0001",
            "item_number": null,
            "declared": null,
            "found": "cigarettes, 40 cartons",
            "declared_count": null,
            "found_count": null,
            "declared_kg": null,
            "found_kg": null,
            "text": "40 cartons of cigarettes behind the laptops"
        }],
        "photos": [],
        "notes": "false front row of cartons",
        "client_ref": "headset-7/finding-1"
    });
    let findings = format!("/api/v1/inspections/tasks/{id}/findings");

    // Malformed findings: 400 naming the field.
    let mut bad = finding.clone();
    bad["answers"][0]["value"] = json!({"kind": "maybe", "value": 1});
    let (status, body) = inspector.post(&findings, &bad);
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("answers[0].value"), "{body}");
    let mut bad = finding.clone();
    bad["discrepancies"][0]["kind"] = json!("smuggling");
    let (status, body) = inspector.post(&findings, &bad);
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("discrepancies[0].kind"), "{body}");
    let mut bad = finding.clone();
    bad["answers"]
        .as_array_mut()
        .expect("answers")
        .retain(|a| a["item_id"] != "seals_intact");
    let (status, body) = inspector.post(&findings, &bad);
    assert_eq!(status, 400, "{body}");
    assert!(
        message(&body).contains("seals_intact"),
        "an unanswered item is named: {body}"
    );
    let mut bad = finding.clone();
    bad["container_number"] = json!("EXPU1234615");
    let (status, body) = inspector.post(&findings, &bad);
    assert_eq!(
        (status, message(&body).starts_with("container_number")),
        (400, true),
        "{body}"
    );
    assert_eq!(
        inspector.post("/api/v1/inspections/tasks/999999/findings", &finding).0,
        404
    );
    assert_eq!(
        officer.post(&findings, &finding).0,
        403,
        "an officer records no findings"
    );

    // The finding: stored, audited, the task completed, labelled fraud 1 / critical 2.
    let (status, recorded) = inspector.post(&findings, &finding);
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(recorded["duplicate"], false, "{recorded}");
    assert_eq!(recorded["task"]["status"], "completed");
    assert_eq!(
        (
            recorded["label"]["fraud"].as_u64(),
            recorded["label"]["critical_fraud"].as_u64()
        ),
        (Some(1), Some(2))
    );
    let finding_id = recorded["finding_id"].as_i64().expect("finding id");
    {
        let store = station.store.lock().expect("store");
        let stored = store.findings(id).expect("findings");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].id, finding_id);
        assert_eq!(stored[0].finding["notes"], "false front row of cartons");
        let audit = store.audit_log(50).expect("audit");
        let entry = audit
            .iter()
            .find(|e| e.event.action == "inspection.finding" && e.event.details["ok"] == true)
            .expect("the finding is audited");
        assert_eq!(entry.event.who, "inspector");
        assert_eq!(entry.event.target, format!("inspection_task/{id}"));
        assert!(
            audit
                .iter()
                .any(|e| e.event.action == "inspection.assign" && e.event.who == "officer")
        );
    }
    let (_, completed) = officer.get("/api/v1/inspections/tasks?status=completed");
    assert!(
        completed.as_array().is_some_and(|t| t.iter().any(|t| t["id"] == id)),
        "{completed}"
    );
    assert_eq!(officer.get("/api/v1/inspections/tasks?status=done").0, 400);

    // The headset's offline queue resends the finding it never saw answered: the earlier
    // record comes back (200, duplicate), nothing is stored twice.
    let (status, resent) = inspector.post(&findings, &finding);
    assert_eq!(status, 200, "a resend is recognised: {resent}");
    assert_eq!(resent["duplicate"], true, "{resent}");
    assert_eq!(resent["finding_id"].as_i64(), Some(finding_id));
    assert_eq!(resent["label"], recorded["label"]);
    assert_eq!(resent["task"]["status"], "completed");
    assert_eq!(
        station
            .store
            .lock()
            .expect("store")
            .findings(id)
            .expect("findings")
            .len(),
        1
    );
    // A different finding, or the same one without its device id, is a second finding.
    let mut other = finding.clone();
    other["client_ref"] = json!("headset-7/finding-2");
    other["notes"] = json!("second look");
    let (status, body) = inspector.post(&findings, &other);
    assert_eq!(status, 409, "a completed task takes no second finding: {body}");
    let mut anonymous = finding.clone();
    anonymous.as_object_mut().expect("object").remove("client_ref");
    assert_eq!(inspector.post(&findings, &anonymous).0, 409);
    let mut blank = finding.clone();
    blank["client_ref"] = json!("  ");
    let (status, body) = inspector.post(&findings, &blank);
    assert_eq!(
        (status, message(&body).starts_with("client_ref")),
        (400, true),
        "{body}"
    );

    // The label lines: the trainer's --findings format, joined with the declaration row.
    let (status, text) = officer.get_text("/api/v1/inspections/labels");
    assert_eq!(status, 200, "{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    let line = &lines[0];
    assert_eq!(
        (line["fraud"].as_u64(), line["critical_fraud"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(line["declaration"]["Declaration ID"], "AURB0426E0001");
    assert_eq!(line["declaration"]["HS6 Code"], "847130");
    assert_eq!(line["declaration"]["Importer ID"], "DTBL7MH");
    assert_eq!(line["finding_id"].as_i64(), Some(finding_id));
    assert_eq!(trainee.get_text("/api/v1/inspections/labels").0, 403);
    trainer_reads(&scratch.0.join("labels.jsonl"), &text);

    // The API document lists the routes.
    let (_, doc) = officer.get("/api/openapi.json");
    for path in [
        "/api/v1/inspections/tasks",
        "/api/v1/inspections/tasks/{id}/findings",
        "/api/v1/inspections/packet",
        "/api/v1/risk/selection",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    station.shutdown();
}

#[test]
fn selected_tasks_survive_a_restart_without_duplicates() {
    let rt = runtime();
    let scratch = Scratch::new("inspection-restart");
    let db = scratch.0.join("station.db");
    let first = start(&rt, &scratch.0, Some(db.clone()));
    let (status, before) = Client::new(&first, Role::Officer).get("/api/v1/inspections/tasks");
    assert_eq!(status, 200, "{before}");
    let ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .expect("list")
            .iter()
            .filter_map(|t| t["id"].as_i64())
            .collect()
    };
    assert!(!ids(&before).is_empty());
    first.shutdown();

    let second = start(&rt, &scratch.0, Some(db));
    let (_, after) = Client::new(&second, Role::Officer).get("/api/v1/inspections/tasks");
    assert_eq!(ids(&after), ids(&before), "the same tasks, none added");
    second.shutdown();
}
