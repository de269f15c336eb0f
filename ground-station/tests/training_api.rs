//! VR training results through the station's HTTP API, in-process: a trainee reports runs (a resend recognised, nothing stored twice), bad reports are 400s naming the field, roles decide who reports and who reads whose results, and results survive a restart.

mod api_support;

use api_support::{Client, Scratch, message, runtime, start};
use ground_station::station::Station;
use ground_station::store::Role;
use serde_json::{Value, json};

const RESULTS: &str = "/api/v1/training/results";

/// A scored run as the AR client reports it, in the signed-in trainee's name (empty).
fn run(client_ref: &str, score: f64) -> Value {
    json!({
        "schema": 1,
        "client_ref": client_ref,
        "trainee": "",
        "scenario_id": "EXPU1234507-L2-3",
        "level": 2,
        "container_number": "EXPU1234507",
        "manifest_document": "AURB0426E",
        "started": 1_760_000_000_000_u64,
        "duration_s": 184.5,
        "time_limit_s": 300.0,
        "planted": 3,
        "found": 2,
        "missed": 1,
        "false_flags": 1,
        "score": score,
        "passed": score >= 70.0,
        "missed_kinds": ["false_wall"]
    })
}

/// A second trainee, made in the store with a token of its own.
fn another_trainee(station: &Station, name: &str) -> Client {
    let now = ground_station::api::now_ms() as i64;
    let token = {
        let store = station.store.lock().expect("store");
        let user = store.create_user(name, Role::Trainee, now).expect("user");
        store.issue_token(user.id, "test", now, None).expect("token")
    };
    Client::with_token(station, &token)
}

/// The `client_ref`s of a list of results, in order.
fn refs(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|r| r["result"]["client_ref"].as_str().expect("client_ref"))
        .collect()
}

#[test]
fn trainees_report_runs_and_instructors_read_them() {
    let rt = runtime();
    let scratch = Scratch::new("training");
    let station = start(&rt, &scratch.0, None);
    let trainee = Client::new(&station, Role::Trainee);
    let tara = another_trainee(&station, "tara");
    let inspector = Client::new(&station, Role::Inspector);
    let officer = Client::new(&station, Role::Officer);
    let admin = Client::new(&station, Role::Admin);

    // The first report of a run is stored (201); the resend of an offline queue is recognised
    // (200, the same id), and nothing is stored twice.
    let (status, first) = trainee.post(RESULTS, &run("headset-3/run-1", 55.0));
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["duplicate"], false, "{first}");
    let id = first["id"].as_i64().expect("id");
    let (status, again) = trainee.post(RESULTS, &run("headset-3/run-1", 55.0));
    assert_eq!(status, 200, "{again}");
    assert_eq!((again["id"].as_i64(), &again["duplicate"]), (Some(id), &json!(true)));
    assert_eq!(
        station
            .store
            .lock()
            .expect("store")
            .training_results(None)
            .expect("results")
            .len(),
        1
    );
    // Naming oneself is the same as leaving it empty.
    let mut own = run("headset-3/run-2", 82.5);
    own["trainee"] = json!("trainee");
    let (status, second) = trainee.post(RESULTS, &own);
    assert_eq!(status, 201, "{second}");

    // Bad reports: 400 naming the field.
    let mut other = run("headset-3/run-3", 60.0);
    other["trainee"] = json!("tara");
    let (status, body) = trainee.post(RESULTS, &other);
    assert_eq!((status, message(&body).starts_with("trainee")), (400, true), "{body}");
    let (status, body) = trainee.post(RESULTS, &run("headset-3/run-3", 140.0));
    assert_eq!((status, message(&body).starts_with("score")), (400, true), "{body}");
    let mut inconsistent = run("headset-3/run-3", 60.0);
    inconsistent["found"] = json!(3);
    let (status, body) = trainee.post(RESULTS, &inconsistent);
    assert_eq!((status, message(&body).starts_with("found")), (400, true), "{body}");
    let (status, body) = trainee.post_text(RESULTS, "{\"schema\": 1, \"client_ref\": ");
    assert_eq!(status, 400, "malformed JSON: {body}");
    assert_eq!(body["error"], "bad_request", "{body}");
    let mut missing = run("headset-3/run-3", 60.0);
    missing.as_object_mut().expect("object").remove("score");
    let (status, body) = trainee.post(RESULTS, &missing);
    assert_eq!((status, message(&body).contains("score")), (400, true), "{body}");

    // Only a role that trains reports.
    let (status, body) = inspector.post(RESULTS, &run("headset-9/run-1", 50.0));
    assert_eq!(status, 403, "{body}");
    assert_eq!(officer.post(RESULTS, &run("headset-9/run-1", 50.0)).0, 403);

    // Another trainee's run with the same device id is another run.
    let (status, theirs) = tara.post(RESULTS, &run("headset-3/run-1", 91.0));
    assert_eq!(status, 201, "{theirs}");
    assert_ne!(theirs["id"].as_i64(), Some(id));

    // A trainee reads their own results, newest first, and no one else's.
    let (status, mine) = trainee.get(RESULTS);
    assert_eq!(status, 200, "{mine}");
    assert_eq!(refs(&mine), ["headset-3/run-2", "headset-3/run-1"]);
    let mine = mine.as_array().expect("list");
    assert!(
        mine.iter()
            .all(|r| r["trainee"] == "trainee" && r["result"]["trainee"] == "trainee")
    );
    assert_eq!(mine[1]["id"].as_i64(), Some(id));
    assert_eq!(mine[1]["result"]["score"], 55.0);
    assert_eq!(mine[1]["result"]["missed_kinds"], json!(["false_wall"]));
    assert_eq!(refs(&trainee.get(&format!("{RESULTS}?trainee=trainee")).1).len(), 2);
    let (status, body) = trainee.get(&format!("{RESULTS}?trainee=tara"));
    assert_eq!(status, 403, "{body}");
    let (status, hers) = tara.get(RESULTS);
    assert_eq!((status, refs(&hers)), (200, vec!["headset-3/run-1"]), "{hers}");
    let (status, body) = inspector.get(RESULTS);
    assert_eq!(status, 403, "{body}");

    // Instructors read everyone's, or one trainee's.
    for instructor in [&officer, &admin] {
        let (status, all) = instructor.get(RESULTS);
        assert_eq!((status, refs(&all).len()), (200, 3), "{all}");
        let (status, hers) = instructor.get(&format!("{RESULTS}?trainee=tara"));
        assert_eq!(status, 200, "{hers}");
        assert_eq!(hers[0]["trainee"], "tara");
        assert_eq!(hers.as_array().map(Vec::len), Some(1), "{hers}");
        assert_eq!(instructor.get(&format!("{RESULTS}?trainee=nobody")).1, json!([]));
    }
    assert_eq!(officer.get(&format!("{RESULTS}?learner=tara")).0, 400);

    // Audited: who reported what, resends and refusals included.
    {
        let store = station.store.lock().expect("store");
        let audit = store.audit_log(100).expect("audit");
        let reports: Vec<_> = audit.iter().filter(|e| e.event.action == "training.result").collect();
        assert!(
            reports.iter().any(|e| e.event.who == "trainee"
                && e.event.target == "trainee/trainee"
                && e.event.details["id"].as_i64() == Some(id)
                && e.event.details["duplicate"] == true),
            "{reports:?}"
        );
        assert!(reports.iter().any(|e| e.event.details["ok"] == false));
        assert!(reports.iter().any(|e| e.event.who == "tara"));
    }

    let (_, doc) = officer.get("/api/openapi.json");
    assert!(doc["paths"][RESULTS]["post"].is_object() && doc["paths"][RESULTS]["get"].is_object());
    station.shutdown();
}

#[test]
fn training_results_survive_a_restart() {
    let rt = runtime();
    let scratch = Scratch::new("training-restart");
    let db = scratch.0.join("station.db");
    let first = start(&rt, &scratch.0, Some(db.clone()));
    let (status, stored) = Client::new(&first, Role::Trainee).post(RESULTS, &run("headset-1/run-1", 75.0));
    assert_eq!(status, 201, "{stored}");
    first.shutdown();

    let second = start(&rt, &scratch.0, Some(db));
    let trainee = Client::new(&second, Role::Trainee);
    let (status, list) = trainee.get(RESULTS);
    assert_eq!((status, refs(&list)), (200, vec!["headset-1/run-1"]), "{list}");
    assert_eq!(list[0]["id"], stored["id"]);
    // The queue's resend after the restart is still recognised.
    let (status, again) = trainee.post(RESULTS, &run("headset-1/run-1", 75.0));
    assert_eq!(
        (status, &again["id"], &again["duplicate"]),
        (200, &stored["id"], &json!(true))
    );
    second.shutdown();
}
