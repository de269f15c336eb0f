//! The station's SQLite store on real files: migrations, version refusal, replay-safe detections,
//! alerts with acknowledgement, append-only audit, tokens, telemetry downsampling, console queries.

use contracts::mqtt::{BBox, Detection, DetectionBatch, DroneId};
use ground_station::store::{
    AlertRaise, AuditEvent, DetectionRecord, FlightStatus, NewMission, Raised, Role, Severity, Store, StoreError,
    TelemetrySample,
};
use mission::geodesy::Geodetic;
use mission::plan::{MissionItem, Plan, PlanElement};
use serde_json::json;
use testkit::TempFile;

/// A fresh database file (and its WAL side files) removed after the test.
struct Db {
    file: TempFile,
}

impl Db {
    fn new(tag: &str) -> Db {
        Db {
            file: TempFile::new("store", tag, "sqlite"),
        }
    }
    fn path(&self) -> &std::path::Path {
        &self.file.0
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        for ext in ["-wal", "-shm"] {
            let mut p = self.file.0.clone().into_os_string();
            p.push(ext);
            let _ = std::fs::remove_file(p);
        }
    }
}

fn plan() -> Plan {
    let mut plan = Plan::new(Geodetic {
        lat: 44.3994604,
        lon: 8.8974826,
        alt: 4.0,
    });
    plan.elements.push(PlanElement::Item(MissionItem::Takeoff {
        position: None,
        alt_m: 60.0,
    }));
    plan.elements.push(PlanElement::Item(MissionItem::ReturnToLaunch));
    plan
}

fn sample(vehicle: &str, time: i64) -> TelemetrySample {
    TelemetrySample {
        vehicle: vehicle.into(),
        time,
        lat: 44.39 + (time % 100_000) as f64 * 1e-8,
        lon: 8.89,
        alt_m: 60.0,
        heading_deg: 90.0,
        speed_m_s: 12.0,
        battery_pct: Some(80.0),
        mode: "AUTO".into(),
    }
}

#[test]
fn a_new_file_is_migrated_and_reopens_with_its_data() {
    let db = Db::new("reopen");
    let mission_id = {
        let store = Store::open(db.path()).expect("creates");
        assert_eq!(store.schema_version().unwrap(), Store::supported_version());
        let id = store
            .insert_mission(&NewMission {
                kind: "survey".into(),
                area_name: Some("Outer Anchorage".into()),
                plan: plan(),
                created_by: "officer.rossi".into(),
                created_at: 1_000,
            })
            .unwrap();
        let flight = store
            .start_flight("1", Some(id), 2_000, Some("/var/log/1.tlog"))
            .unwrap();
        store.end_flight(flight, 9_000, FlightStatus::Landed).unwrap();
        id
    };
    let store = Store::open(db.path()).expect("reopens");
    assert_eq!(store.schema_version().unwrap(), Store::supported_version());
    let m = store.mission(mission_id).unwrap().expect("kept");
    assert_eq!(m.mission.plan, plan());
    assert_eq!(m.mission.area_name.as_deref(), Some("Outer Anchorage"));
    let flights = store.flights_of("1", 10).unwrap();
    assert_eq!(flights.len(), 1);
    assert_eq!(flights[0].status, FlightStatus::Landed);
    assert_eq!(flights[0].ended_at, Some(9_000));
    // WAL mode, as the station needs for a reader beside the writer.
    let raw = rusqlite::Connection::open(db.path()).unwrap();
    let mode: String = raw.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_newer_than_the_code_is_refused_and_left_untouched() {
    let db = Db::new("newer");
    drop(Store::open(db.path()).unwrap());
    let newer = Store::supported_version() + 3;
    {
        let raw = rusqlite::Connection::open(db.path()).unwrap();
        raw.execute_batch(&format!("PRAGMA user_version = {newer}")).unwrap();
    }
    let err = Store::open(db.path()).unwrap_err();
    match &err {
        StoreError::TooNew { found, supported, .. } => {
            assert_eq!((*found, *supported), (newer, Store::supported_version()));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains(&format!("schema version {newer}")), "{err}");
    let raw = rusqlite::Connection::open(db.path()).unwrap();
    let v: i64 = raw.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, newer, "not migrated down or touched");
}

#[test]
fn another_programs_database_and_a_non_database_are_refused_with_their_path() {
    let db = Db::new("foreign");
    {
        let raw = rusqlite::Connection::open(db.path()).unwrap();
        raw.execute_batch("CREATE TABLE notes (text TEXT)").unwrap();
    }
    let err = Store::open(db.path()).unwrap_err();
    assert!(matches!(err, StoreError::NotOurs { .. }), "{err:?}");
    let junk = Db::new("junk");
    std::fs::write(
        junk.path(),
        b"this is not a database, it is a text file of some length......",
    )
    .unwrap();
    let err = Store::open(junk.path()).unwrap_err();
    assert!(err.to_string().contains(&junk.path().display().to_string()), "{err}");
}

#[test]
fn a_replayed_detection_message_is_stored_once() {
    let store = Store::open_in_memory().unwrap();
    let detection = |class: &str, lat| Detection {
        class: class.into(),
        score: 0.8,
        bbox: BBox {
            x: 1.0,
            y: 2.0,
            w: 3.0,
            h: 4.0,
        },
        lat: Some(lat),
        lon: Some(8.9),
        error_m: Some(4.5),
        track_id: Some(7),
    };
    let batch = DetectionBatch {
        schema: 1,
        msg_id: u64::MAX - 5, // beyond i64: stored bit for bit
        drone_id: DroneId::new("drone-1").unwrap(),
        frame_time: 50_000,
        detections: vec![detection("boat", 44.385), detection("person", 44.386)],
    };
    let rows = DetectionRecord::from_batch(&batch);
    let first = store.insert_detections(&rows).unwrap();
    assert_eq!((first.stored, first.duplicates), (2, 0));
    let again = store.insert_detections(&rows).unwrap();
    assert_eq!((again.stored, again.duplicates), (0, 2));
    let stored = store.detections_between(0, i64::MAX).unwrap();
    assert_eq!(stored, rows);
    assert_eq!(stored[0].msg_id, u64::MAX - 5);
    // The same message id from another drone is another message.
    let mut other = rows.clone();
    other.iter_mut().for_each(|r| r.drone = "drone-2".into());
    assert_eq!(store.insert_detections(&other).unwrap().stored, 2);
}

#[test]
fn bad_detections_are_listed_with_their_index_and_the_good_ones_kept() {
    let store = Store::open_in_memory().unwrap();
    let good = |idx| DetectionRecord {
        drone: "drone-1".into(),
        msg_id: 9,
        idx,
        track_id: None,
        class: "boat".into(),
        score: 0.5,
        lat: Some(44.39),
        lon: Some(8.9),
        error_m: Some(3.0),
        time: 1_000 + i64::from(idx),
    };
    let mut bad_lat = good(1);
    bad_lat.lat = Some(f64::NAN);
    let mut half = good(2);
    half.lon = None;
    let mut unlocated = good(3);
    (unlocated.lat, unlocated.lon, unlocated.error_m) = (None, None, None);
    let result = store.insert_detections(&[good(0), bad_lat, half, unlocated]).unwrap();
    assert_eq!(result.stored, 2, "{result:?}");
    let reasons: Vec<_> = result.rejected.iter().map(|(i, why)| format!("{i}: {why}")).collect();
    assert!(reasons[0].starts_with("1: detection.lat"), "{reasons:?}");
    assert!(reasons[1].starts_with("2: detection.lat/lon"), "{reasons:?}");
    let kept = store.detections_between(1_000, 1_003).unwrap();
    assert_eq!(kept.iter().map(|d| d.idx).collect::<Vec<_>>(), vec![0, 3]);
    assert_eq!(kept[1].lat, None, "an unlocated detection is kept without a position");
    // The time range is inclusive at both ends and excludes the rest.
    assert_eq!(store.detections_between(1_001, 1_002).unwrap().len(), 0);
}

#[test]
fn the_audit_log_is_append_only_even_through_raw_sql() {
    let db = Db::new("audit");
    let store = Store::open(db.path()).unwrap();
    for (i, action) in ["mission.launch", "alert.acknowledge"].iter().enumerate() {
        store
            .append_audit(&AuditEvent {
                time: 100 + i as i64,
                who: "officer.rossi".into(),
                role: Role::Officer,
                action: (*action).into(),
                target: "vehicle/1".into(),
                details: json!({"mission": 3}),
            })
            .unwrap();
    }
    let raw = rusqlite::Connection::open(db.path()).unwrap();
    let update = raw.execute("UPDATE audit SET who = 'someone else'", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = raw.execute("DELETE FROM audit", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let log = store.audit_log(10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].event.action, "alert.acknowledge", "newest first");
    assert_eq!(log[1].event.who, "officer.rossi");
    assert_eq!(log[1].event.details["mission"], 3);
}

#[test]
fn telemetry_at_ten_hertz_is_kept_at_one_hertz_per_vehicle() {
    let mut store = Store::open_in_memory().unwrap();
    let mut kept = 0;
    for i in 0..300 {
        // 10 Hz for 30 s, with 20 ms of jitter, two vehicles.
        let t = 1_700_000_000_000 + i * 100 + (i % 3) * 20;
        for v in ["1", "2"] {
            kept += usize::from(store.record_telemetry(&sample(v, t)).unwrap());
        }
    }
    assert_eq!(kept, 60);
    let one = store.telemetry_between("1", 0, i64::MAX).unwrap();
    assert_eq!(one.len(), 30);
    assert!(one.windows(2).all(|w| w[1].time / 1000 == w[0].time / 1000 + 1));
    // A bad sample is refused with its field, and nothing is stored.
    let mut bad = sample("1", 1_800_000_000_000);
    bad.lon = 500.0;
    let err = store.record_telemetry(&bad).unwrap_err();
    assert!(err.to_string().contains("telemetry.lon"), "{err}");
    // The flight's track is its vehicle's telemetry between take-off and landing.
    let flight = store.start_flight("2", None, 1_700_000_010_000, None).unwrap();
    store
        .end_flight(flight, 1_700_000_019_999, FlightStatus::Landed)
        .unwrap();
    let track = store.flight_track(flight).unwrap();
    assert_eq!(track.len(), 10);
    assert!(track.iter().all(|s| s.vehicle == "2"));
}

#[test]
fn one_alert_per_rule_and_track_acknowledged_once() {
    let store = Store::open_in_memory().unwrap();
    let raise = |track_id, time, severity| AlertRaise {
        rule: "boat-alongside".into(),
        severity,
        drone: "drone-1".into(),
        track_id,
        message: "small boat alongside MT Nordic Pearl".into(),
        lat: 44.3847,
        lon: 8.9,
        snapshot_id: None,
        time,
    };
    let a = store.raise_alert(&raise(7, 1_000, Severity::Warning)).unwrap();
    assert!(matches!(a, Raised::New(_)));
    let b = store.raise_alert(&raise(7, 2_000, Severity::Critical)).unwrap();
    assert_eq!(b, Raised::Updated(a.id()));
    let c = store.raise_alert(&raise(8, 3_000, Severity::Info)).unwrap();
    assert!(matches!(c, Raised::New(id) if id != a.id()));
    let open = store.unacknowledged_alerts().unwrap();
    assert_eq!(
        open.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![a.id(), c.id()],
        "critical first"
    );
    assert_eq!(open[0].updated_at, 2_000);
    let acked = store
        .acknowledge_alert(a.id(), "officer.rossi", 4_000, Some("patrol boat sent"))
        .unwrap();
    assert_eq!(
        acked.acknowledged.as_ref().map(|k| k.by.as_str()),
        Some("officer.rossi")
    );
    let twice = store
        .acknowledge_alert(a.id(), "officer.bianchi", 5_000, None)
        .unwrap_err();
    assert!(
        twice.to_string().contains("already acknowledged by officer.rossi"),
        "{twice}"
    );
    assert!(matches!(
        store.acknowledge_alert(999, "x", 1, None),
        Err(StoreError::NotFound { what: "alert", id: 999 })
    ));
    assert_eq!(store.unacknowledged_alerts().unwrap().len(), 1);
    let recent = store.recent_alerts(10).unwrap();
    assert_eq!(recent.iter().map(|x| x.id).collect::<Vec<_>>(), vec![c.id(), a.id()]);
}

#[test]
fn tokens_are_kept_hashed_and_stop_working_when_revoked_or_expired() {
    let db = Db::new("tokens");
    let store = Store::open(db.path()).unwrap();
    let officer = store.create_user("officer.rossi", Role::Officer, 0).unwrap();
    let token = store.issue_token(officer.id, "console", 0, Some(10_000)).unwrap();
    assert_eq!(store.authenticate(&token, 5_000).unwrap(), Some(officer.clone()));
    assert_eq!(store.authenticate(&token, 10_000).unwrap(), None, "expired");
    assert_eq!(store.authenticate("pgs_guess", 5_000).unwrap(), None);
    let raw = rusqlite::Connection::open(db.path()).unwrap();
    let stored: String = raw.query_row("SELECT hash FROM tokens", [], |r| r.get(0)).unwrap();
    assert_ne!(stored, token);
    assert_eq!(stored, ground_station::store::token_hash(&token));
    let forever = store.issue_token(officer.id, "api", 0, None).unwrap();
    assert!(store.revoke_token(&forever, 1).unwrap());
    assert_eq!(store.authenticate(&forever, 2).unwrap(), None);
    assert!(matches!(
        store.issue_token(4242, "x", 0, None),
        Err(StoreError::NotFound { what: "user", .. })
    ));
}

#[test]
fn flights_with_reports_and_inspection_tasks() {
    let store = Store::open_in_memory().unwrap();
    let f1 = store.start_flight("1", None, 1_000, None).unwrap();
    let f2 = store.start_flight("2", None, 2_000, None).unwrap();
    store.start_flight("3", None, 3_000, None).unwrap();
    store
        .set_flight_report(f1, &json!({"coverage_pct": 97.5}), Some("reports/1.html"))
        .unwrap();
    store
        .set_flight_report(f2, &json!({"coverage_pct": 99.0}), None)
        .unwrap();
    let with = store.flights_with_reports(10).unwrap();
    assert_eq!(with.iter().map(|f| f.id).collect::<Vec<_>>(), vec![f2, f1]);
    assert_eq!(with[1].report.as_ref().unwrap()["coverage_pct"], 97.5);
    assert!(matches!(
        store.end_flight(99, 1, FlightStatus::Aborted),
        Err(StoreError::NotFound { .. })
    ));

    let task = store
        .create_inspection_task(
            "MSKU1234565",
            "open",
            Some("inspector.verdi"),
            &json!({"risk": 0.91}),
            10,
        )
        .unwrap();
    store
        .add_finding(task, "inspector.verdi", &json!({"seal": "intact"}), 20)
        .unwrap();
    store.set_inspection_status(task, "done", 30).unwrap();
    assert_eq!(store.inspection_tasks(Some("done")).unwrap()[0].packet["risk"], 0.91);
    assert!(store.inspection_tasks(Some("open")).unwrap().is_empty());
    assert_eq!(store.findings(task).unwrap()[0].finding["seal"], "intact");
    assert!(matches!(
        store.add_finding(777, "x", &json!({}), 1),
        Err(StoreError::NotFound {
            what: "inspection task",
            ..
        })
    ));
}

#[test]
fn a_snapshot_is_stored_once_and_an_alert_points_at_it() {
    use contracts::mqtt::SnapshotMeta;
    use ground_station::store::SnapshotRecord;
    let store = Store::open_in_memory().unwrap();
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9];
    let meta = SnapshotMeta {
        schema: 1,
        msg_id: 41,
        drone_id: DroneId::new("drone-1").unwrap(),
        track_id: 7,
        time: 12_000,
        content_type: "image/jpeg".into(),
        jpeg_bytes: jpeg.len() as u64,
        width: 64,
        height: 48,
        class: "boat".into(),
        lat: Some(44.385),
        lon: None,
    };
    let record = SnapshotRecord::from_meta(&meta, jpeg.clone());
    let id = store.insert_snapshot(&record).unwrap();
    assert_eq!(store.insert_snapshot(&record).unwrap(), id, "a replay keeps the first");
    let image = store.snapshot_image(id).unwrap().expect("stored");
    assert_eq!(
        (image.content_type.as_str(), image.jpeg.as_deref()),
        ("image/jpeg", Some(&jpeg[..]))
    );
    let mut nothing = record.clone();
    (nothing.msg_id, nothing.jpeg) = (42, None);
    assert!(
        store
            .insert_snapshot(&nothing)
            .unwrap_err()
            .to_string()
            .contains("neither the picture")
    );
    let alert = store
        .raise_alert(&AlertRaise {
            rule: "person-in-restricted-zone".into(),
            severity: Severity::Warning,
            drone: "drone-1".into(),
            track_id: 7,
            message: "person in Customs Examination Area".into(),
            lat: 44.398,
            lon: 8.917,
            snapshot_id: Some(id),
            time: 12_000,
        })
        .unwrap();
    assert_eq!(store.alert(alert.id()).unwrap().unwrap().snapshot_id, Some(id));
    // A snapshot id that does not exist is refused by the foreign key.
    let err = store.raise_alert(&AlertRaise {
        rule: "person-in-restricted-zone".into(),
        severity: Severity::Info,
        drone: "drone-1".into(),
        track_id: 8,
        message: "person".into(),
        lat: 44.398,
        lon: 8.917,
        snapshot_id: Some(999),
        time: 13_000,
    });
    assert!(err.unwrap_err().to_string().contains("FOREIGN KEY"));
}
