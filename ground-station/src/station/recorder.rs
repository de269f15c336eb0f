//! Records what happens: detections, snapshots and alerts into the store; each flight's telemetry, `.tlog` and report; everything onto the live feed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use contracts::mqtt::{AlertEventKind, AlertMessage, SCHEMA};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use crate::alerts::{AlertChange, StationEvent};
use crate::api::{ApiState, LiveEvent, now_ms};
use crate::fleet::{Fleet, FleetEvent, VehicleSnapshot};
use crate::ingest::IngestEvent;
use crate::report::{ReportInput, build_report, from_tlog};
use crate::store::{AlertRaise, DetectionRecord, FlightStatus, Severity, SnapshotRecord, Store, TelemetrySample};
use crate::tlog::{TlogWriter, read_tlog_file};

pub(super) struct Recorder {
    pub fleet: Fleet,
    pub store: Arc<Mutex<Store>>,
    pub live: broadcast::Sender<LiveEvent>,
    pub launched: Arc<Mutex<HashMap<u8, i64>>>,
    pub plans: Arc<ApiState>,
    pub data_dir: std::path::PathBuf,
    pub events: mpsc::Receiver<StationEvent>,
}

/// A flight in progress.
struct OpenFlight {
    id: i64,
    mission_id: Option<i64>,
    started_ms: i64,
    tlog: Option<TlogWriter<std::io::BufWriter<std::fs::File>>>,
    tlog_path: std::path::PathBuf,
}

type Flights = Arc<Mutex<HashMap<u8, OpenFlight>>>;

pub(super) fn spawn(r: Recorder) -> Vec<JoinHandle<()>> {
    let flights: Flights = Arc::default();
    let Recorder {
        fleet,
        store,
        live,
        launched,
        plans,
        data_dir,
        events,
    } = r;
    vec![
        tokio::spawn(station_events(events, store.clone(), live.clone())),
        tokio::spawn(frames(fleet.clone(), flights.clone())),
        tokio::spawn(vehicles(fleet, store, live, launched, plans, data_dir, flights)),
    ]
}

fn with_store<T>(
    store: &Mutex<Store>,
    what: &str,
    f: impl FnOnce(&mut Store) -> Result<T, crate::store::StoreError>,
) -> Option<T> {
    let mut guard = match store.lock() {
        Ok(g) => g,
        Err(_) => {
            tracing::error!("{what}: the store lock is poisoned");
            return None;
        }
    };
    match f(&mut guard) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::error!("{what}: {e}");
            None
        }
    }
}

fn severity(s: contracts::mqtt::Severity) -> Severity {
    use contracts::mqtt::Severity as S;
    match s {
        S::Info | S::Low => Severity::Info,
        S::Medium | S::High => Severity::Warning,
        S::Critical => Severity::Critical,
    }
}

/// Ingest and alert events → store + live feed. Store calls are short; they run inline.
async fn station_events(
    mut events: mpsc::Receiver<StationEvent>,
    store: Arc<Mutex<Store>>,
    live: broadcast::Sender<LiveEvent>,
) {
    // Store ids of the latest snapshot per (drone, track) and of each alert.
    let mut snapshots: HashMap<(String, u64), i64> = HashMap::new();
    let mut alert_ids: HashMap<String, i64> = HashMap::new();
    while let Some(event) = events.recv().await {
        match event {
            StationEvent::Ingest(IngestEvent::Detections(batch)) => {
                let rows = DetectionRecord::from_batch(&batch);
                if let Some(outcome) = with_store(&store, "storing detections", |s| s.insert_detections(&rows))
                    && !outcome.rejected.is_empty()
                {
                    tracing::warn!("detections refused by the store: {:?}", outcome.rejected);
                }
                let _ = live.send(LiveEvent::Detections(batch));
            }
            StationEvent::Ingest(IngestEvent::Tracks(tracks)) => {
                let _ = live.send(LiveEvent::Tracks(tracks));
            }
            StationEvent::Ingest(IngestEvent::Snapshot(snapshot)) => {
                let record = SnapshotRecord::from_meta(&snapshot.meta, snapshot.jpeg.to_vec());
                if let Some(id) = with_store(&store, "storing a snapshot", |s| s.insert_snapshot(&record)) {
                    snapshots.insert((snapshot.meta.drone_id.to_string(), snapshot.meta.track_id), id);
                }
            }
            StationEvent::Ingest(IngestEvent::Rejected(dead)) => {
                tracing::warn!("MQTT message refused on {}: {}", dead.topic, dead.reason);
            }
            StationEvent::Ingest(_) => {}
            StationEvent::Alert(change) => {
                record_alert(&store, &change, &snapshots, &mut alert_ids);
                let _ = live.send(LiveEvent::Alert(Box::new(AlertMessage {
                    schema: SCHEMA,
                    msg_id: 0,
                    event: change.kind,
                    alert: change.alert,
                })));
            }
        }
    }
}

fn record_alert(
    store: &Mutex<Store>,
    change: &AlertChange,
    snapshots: &HashMap<(String, u64), i64>,
    alert_ids: &mut HashMap<String, i64>,
) {
    let a = &change.alert;
    let key = a.alert_id.to_string();
    if change.kind == AlertEventKind::Acknowledged {
        if let (Some(id), Some(ack)) = (alert_ids.get(&key), &a.acknowledgement) {
            let note = (!ack.note.is_empty()).then_some(ack.note.as_str());
            with_store(store, "storing an acknowledgement", |s| {
                s.acknowledge_alert(*id, &ack.officer, ack.time as i64, note)
            });
        }
        return;
    }
    let raise = AlertRaise {
        rule: serde_json::to_value(a.rule)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("{:?}", a.rule)),
        severity: severity(a.severity),
        drone: a.drone_id.to_string(),
        track_id: a.track_id,
        message: a.summary.clone(),
        lat: a.lat,
        lon: a.lon,
        snapshot_id: snapshots.get(&(a.drone_id.to_string(), a.track_id)).copied(),
        time: a.last_seen as i64,
    };
    if let Some(raised) = with_store(store, "storing an alert", |s| s.raise_alert(&raise)) {
        alert_ids.insert(key, raised.id());
    }
}

/// Every frame to and from a vehicle in flight goes into its `.tlog`.
async fn frames(fleet: Fleet, flights: Flights) {
    let mut frames = fleet.frames();
    loop {
        match frames.recv().await {
            Ok(frame) => {
                let Ok(mut open) = flights.lock() else { return };
                if let Some(flight) = open.get_mut(&frame.sysid)
                    && let Some(tlog) = flight.tlog.as_mut()
                    && let Err(e) = tlog.write_frame(frame.unix_us, &frame.bytes)
                {
                    tracing::error!("flight {}: tlog write failed, logging stops: {e}", flight.id);
                    flight.tlog = None;
                }
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!("flight logs missed {missed} frames (the station is overloaded)");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Vehicle states → live feed and downsampled telemetry; arming starts a flight, disarming ends
/// it and writes its report.
async fn vehicles(
    fleet: Fleet,
    store: Arc<Mutex<Store>>,
    live: broadcast::Sender<LiveEvent>,
    launched: Arc<Mutex<HashMap<u8, i64>>>,
    api: Arc<ApiState>,
    data_dir: std::path::PathBuf,
    flights: Flights,
) {
    let mut events = fleet.subscribe();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                for v in fleet.vehicles() {
                    record_telemetry(&store, &v);
                    let _ = live.send(LiveEvent::Vehicle(Box::new(v)));
                }
            }
            event = events.recv() => match event {
                Ok(FleetEvent::ArmedChanged { sysid, armed: true }) => {
                    let mission_id = launched.lock().ok().and_then(|l| l.get(&sysid).copied());
                    if let Some(id) = start_flight(&store, &data_dir, &flights, sysid, mission_id) {
                        let _ = live.send(LiveEvent::Flight { flight_id: id, vehicle: sysid, status: "flying".into() });
                    }
                }
                Ok(FleetEvent::ArmedChanged { sysid, armed: false }) => {
                    let Some(flight) = flights.lock().ok().and_then(|mut f| f.remove(&sysid)) else { continue };
                    let (store, api, data_dir, live) = (store.clone(), api.clone(), data_dir.clone(), live.clone());
                    tokio::task::spawn_blocking(move || {
                        let id = flight.id;
                        finish_flight(&store, &api, &data_dir, sysid, flight);
                        let _ = live.send(LiveEvent::Flight { flight_id: id, vehicle: sysid, status: "landed".into() });
                    });
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

fn vehicle_name(sysid: u8) -> String {
    format!("vehicle{sysid}")
}

fn record_telemetry(store: &Mutex<Store>, v: &VehicleSnapshot) {
    let Some(p) = &v.position else { return };
    let sample = TelemetrySample {
        vehicle: vehicle_name(v.sysid),
        time: now_ms() as i64,
        lat: p.lat,
        lon: p.lon,
        alt_m: p.alt_rel_m,
        heading_deg: v.heading_deg.unwrap_or(0.0),
        speed_m_s: v.ground_speed_m_s.unwrap_or(0.0),
        battery_pct: v.battery.remaining_pct.map(f64::from),
        mode: v.mode.clone(),
    };
    with_store(store, "storing telemetry", |s| s.record_telemetry(&sample));
}

fn start_flight(
    store: &Mutex<Store>,
    data_dir: &std::path::Path,
    flights: &Flights,
    sysid: u8,
    mission_id: Option<i64>,
) -> Option<i64> {
    let started_ms = now_ms() as i64;
    let tlog_path = super::tlog_path(data_dir, &vehicle_name(sysid), started_ms);
    let id = with_store(store, "starting a flight", |s| {
        s.start_flight(
            &vehicle_name(sysid),
            mission_id,
            started_ms,
            Some(&tlog_path.display().to_string()),
        )
    })?;
    let tlog = match TlogWriter::create(&tlog_path) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::error!("flight {id}: no tlog: {e}");
            None
        }
    };
    tracing::info!(
        "flight {id} of vehicle {sysid} started (mission {mission_id:?}), log {}",
        tlog_path.display()
    );
    if let Ok(mut open) = flights.lock() {
        open.insert(
            sysid,
            OpenFlight {
                id,
                mission_id,
                started_ms,
                tlog,
                tlog_path,
            },
        );
    }
    Some(id)
}

fn finish_flight(store: &Mutex<Store>, api: &ApiState, data_dir: &std::path::Path, sysid: u8, mut flight: OpenFlight) {
    let ended_ms = now_ms() as i64;
    if let Some(tlog) = flight.tlog.take()
        && let Err(e) = tlog.finish()
    {
        tracing::error!("flight {}: closing the tlog: {e}", flight.id);
    }
    with_store(store, "ending a flight", |s| {
        s.end_flight(flight.id, ended_ms, FlightStatus::Landed)
    });
    let Some(mission_id) = flight.mission_id else {
        tracing::info!("flight {} ended; no planned mission, so no report", flight.id);
        return;
    };
    let Some(planned) = api.plans.lock().ok().and_then(|p| p.get(&mission_id).cloned()) else {
        return;
    };
    let mut input = ReportInput::new(&planned.title, planned.plan.clone());
    match read_tlog_file(&flight.tlog_path) {
        Ok(read) => {
            let (track, photos, _) = from_tlog(&read, sysid);
            input.track = track;
            input.photos = photos;
        }
        Err(e) => tracing::error!("flight {}: reading its tlog: {e}", flight.id),
    }
    if input.track.is_empty()
        && let Some(samples) = with_store(store, "reading telemetry", |s| s.flight_track(flight.id))
    {
        input.track = samples.iter().map(Into::into).collect();
    }
    let (from, to) = (flight.started_ms, ended_ms);
    if let Some(rows) = with_store(store, "reading detections", |s| s.detections_between(from, to)) {
        input.detections = rows.iter().map(Into::into).collect();
    }
    if let Some(rows) = with_store(store, "reading alerts", |s| s.alerts_between(from, to)) {
        input.alerts = rows.iter().map(Into::into).collect();
    }
    input.started_ms = Some(from);
    input.ended_ms = Some(to);
    match build_report(&input) {
        Ok(report) => {
            let html_path = super::report_path(data_dir, flight.id);
            if let Err(e) = std::fs::write(&html_path, report.html()) {
                tracing::error!("flight {}: writing the report: {e}", flight.id);
            }
            let summary = serde_json::to_value(&report.summary).unwrap_or_default();
            let path = html_path.display().to_string();
            with_store(store, "storing the report", |s| {
                s.set_flight_report(flight.id, &summary, Some(&path))
            });
            tracing::info!("flight {} report: {}", flight.id, path);
        }
        Err(e) => tracing::error!("flight {}: no report: {e}", flight.id),
    }
}
