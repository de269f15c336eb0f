//! The offline queue against the real station (in-process, real HTTP): a finding recorded while
//! the station is unreachable waits on disk, is delivered once it is back, and a resend is
//! recognised; a training result reaches the trainee's record on the station; a finding the
//! station refuses is kept with its reason.

mod station_support;
mod support;

use ar_client::checklist::ChecklistSession;
use ar_client::outbox::{Outbox, Upload, UploadKind, UploadOutcome, Uploader};
use ar_client::station::StationClient;
use ar_client::training::{self, TrainingRun, scenario};
use customs::inspection::{AnswerKind, AnswerValue, item_ids};
use ground_station::station::Station;
use ground_station::store::Role;
use station_support::{assign, get_json, get_text, start};

fn client(station: &Station, role: Role) -> StationClient {
    StationClient::new(
        &format!("http://{}", station.http_addr),
        station.token_for(role).expect("a seeded user"),
    )
}

/// Assigns the first selected task's container to the inspector; returns (task id, container).
fn assigned_task(station: &Station) -> (i64, String) {
    let tasks = get_json(station, Role::Admin, "/api/v1/inspections/tasks");
    let container = tasks[0]["container_number"]
        .as_str()
        .expect("a selected task")
        .to_string();
    (assign(station, &container), container)
}

fn answer_all(session: &mut ChecklistSession) {
    for item in session.items().to_vec() {
        let value = match item.kind {
            AnswerKind::YesNo => AnswerValue::YesNo(!matches!(
                item.id.as_str(),
                item_ids::UNDECLARED_GOODS | item_ids::CONCEALMENT | item_ids::PROHIBITED_GOODS
            )),
            AnswerKind::Count => AnswerValue::Count(item.expected_count.unwrap_or(0)),
            AnswerKind::Text => AnswerValue::Text("checked at the door".into()),
        };
        session.answer(value).expect("answer of the right kind");
    }
}

#[test]
fn a_finding_recorded_offline_reaches_the_station_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_rt, station) = start(&dir.path().join("station"));
    let inspector = client(&station, Role::Inspector);
    assert_eq!(inspector.me().expect("signs in").role, "inspector");
    let (task_id, container) = assigned_task(&station);
    let mine = inspector.open_tasks_of("inspector").expect("tasks");
    assert!(mine.iter().any(|t| t.id == task_id), "the assigned task is listed");
    let packet = inspector.packet_for_task(task_id).expect("the task's packet");
    assert_eq!(packet.container.number, container);

    let mut session = ChecklistSession::new(packet);
    answer_all(&mut session);
    let finding = session
        .finding(task_id, "inspector", ar_client::now_ms(), "dev-1")
        .expect("complete");
    let outbox = Outbox::open(dir.path().join("outbox")).unwrap();
    outbox
        .enqueue(&Upload {
            client_ref: "dev-1".into(),
            kind: UploadKind::Finding { task_id },
            queued: ar_client::now_ms(),
            body: serde_json::to_value(&finding).unwrap(),
            attempts: 0,
            last_error: None,
        })
        .unwrap();

    // Inside the steel box: nothing answers on this port.
    let unreachable = StationClient::new("http://127.0.0.1:9", "whatever");
    let report = outbox.sync(&unreachable).unwrap();
    assert_eq!(report.pending, 1);
    assert!(report.stopped_because.unwrap().contains("cannot be reached"));

    let report = outbox.sync(&inspector).unwrap();
    assert_eq!((report.delivered, report.pending), (1, 0), "{report:?}");
    let tasks = get_json(&station, Role::Admin, "/api/v1/inspections/tasks");
    let task = tasks.as_array().unwrap().iter().find(|t| t["id"] == task_id).unwrap();
    assert_eq!(task["status"], "completed");

    // The answer was lost on the way back: the device sends the same finding again.
    let (_, sent) = outbox.sent().unwrap().remove(0);
    assert_eq!(inspector.upload(&sent), UploadOutcome::Delivered { duplicate: true });
    let labels = get_text(&station, Role::Inspector, "/api/v1/inspections/labels");
    let mut findings: Vec<i64> = labels
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["task_id"] == task_id)
        .filter_map(|l| l["finding_id"].as_i64())
        .collect();
    findings.dedup();
    assert_eq!(findings.len(), 1, "stored once: {labels}");

    // A different finding for the finished task is refused, and kept with the reason.
    let mut other = sent.clone();
    other.client_ref = "dev-2".into();
    other.body["client_ref"] = "dev-2".into();
    other.queued += 1;
    outbox.enqueue(&other).unwrap();
    let report = outbox.sync(&inspector).unwrap();
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    let refused = outbox.rejected().unwrap();
    assert!(
        refused[0].1.last_error.as_deref().unwrap().contains("HTTP 409"),
        "{refused:?}"
    );
}

#[test]
fn a_training_result_is_kept_by_the_station_for_the_trainee() {
    let dir = tempfile::tempdir().unwrap();
    let (_rt, station) = start(&dir.path().join("station"));
    let trainee = client(&station, Role::Trainee);
    let level = training::level(1).unwrap().clone();
    let s = scenario::build(&support::packet(), &level, 9);
    let mut run = TrainingRun::new(s, level, "trainee", ar_client::now_ms());
    run.open_doors();
    for id in run.scenario.planted().map(|i| i.id).collect::<Vec<_>>() {
        run.toggle_flag(id).unwrap();
    }
    run.finish(ar_client::now_ms() + 30_000);
    let result = run.result().unwrap();
    let upload = Upload {
        client_ref: result.client_ref.clone(),
        kind: UploadKind::TrainingResult,
        queued: ar_client::now_ms(),
        body: serde_json::to_value(&result).unwrap(),
        attempts: 0,
        last_error: None,
    };
    let outbox = Outbox::open(dir.path().join("outbox")).unwrap();
    outbox.enqueue(&upload).unwrap();
    assert_eq!(outbox.sync(&trainee).unwrap().delivered, 1);
    assert_eq!(trainee.upload(&upload), UploadOutcome::Delivered { duplicate: true });
    let kept = get_json(&station, Role::Admin, "/api/v1/training/results?trainee=trainee");
    let kept = kept.as_array().expect("a list");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["result"]["score"], 100.0);
    assert_eq!(kept[0]["result"]["scenario_id"], result.scenario_id);
    // An inspector has no training role: refused for good, not retried forever.
    let inspector = client(&station, Role::Inspector);
    assert!(matches!(
        inspector.upload(&upload),
        UploadOutcome::Rejected { status: 403, .. }
    ));
}
