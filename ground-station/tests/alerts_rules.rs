//! The alert rules over the example port (data/scenarios/example-port.geojson): each rule fires,
//! and does not fire just outside its zone, with too short a dwell, or for a fast transit; one
//! alert per track and rule; snapshots attach; acknowledgement once.

use contracts::mqtt::{
    AlertEventKind, AlertRule, DroneId, SCHEMA, Severity, SnapshotMeta, Track, TrackState, TrackUpdate,
};
use geo::Coord;
use ground_station::alerts::{AckError, AlertChange, AlertConfig, AlertEngine};
use mission::geodesy::LocalFrame;
use mission::scenario::PortScenario;

const T0: u64 = 1_760_000_000_000;

struct Port {
    scenario: PortScenario,
    frame: LocalFrame,
}

impl Port {
    fn load() -> Self {
        let path = testkit::workspace_root().join("data/scenarios/example-port.geojson");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let scenario = mission::scenario::parse(&text).unwrap();
        let frame = scenario.frame();
        Self { scenario, frame }
    }

    fn engine(&self) -> AlertEngine {
        AlertEngine::new(&self.scenario, AlertConfig::default())
    }

    /// (lat, lon) of a local point.
    fn latlon(&self, p: Coord<f64>) -> (f64, f64) {
        let ll = self.frame.coord_from_local(p);
        (ll.y, ll.x)
    }

    /// A point `d` metres outside (negative: inside) the middle of a polygon zone's first edge.
    fn off_first_edge(&self, zone: &str, d: f64) -> Coord<f64> {
        let z = self.scenario.zone(zone).unwrap();
        let mission::area::ZoneShape::Polygons(mp) = &z.shape else {
            panic!("{zone} is not a polygon")
        };
        let ring = &mp.0[0].exterior().0;
        let (a, b) = (self.frame.coord_to_local(ring[0]), self.frame.coord_to_local(ring[1]));
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = dx.hypot(dy);
        // Exterior rings are counter-clockwise: the outward normal is to the right.
        let normal = Coord {
            x: dy / len,
            y: -dx / len,
        };
        Coord {
            x: (a.x + b.x) / 2.0 + normal.x * d,
            y: (a.y + b.y) / 2.0 + normal.y * d,
        }
    }

    /// A point abeam of a vessel: `gap` metres off its port side, `along` metres forward.
    fn off_port_side(&self, vessel: &str, gap: f64, along: f64) -> Coord<f64> {
        let (site, v) = self.scenario.vessels().find(|(s, _)| s.name == vessel).unwrap();
        let c = self.frame.coord_to_local(site.position.to_coord());
        let h = v.heading_deg.to_radians();
        let forward = Coord { x: h.sin(), y: h.cos() };
        let port = Coord {
            x: -h.cos(),
            y: h.sin(),
        };
        let side = v.beam_m / 2.0 + gap;
        Coord {
            x: c.x + forward.x * along + port.x * side,
            y: c.y + forward.y * along + port.y * side,
        }
    }

    fn centre_of(&self, vessel: &str) -> Coord<f64> {
        let site = self.scenario.site(vessel).unwrap();
        self.frame.coord_to_local(site.position.to_coord())
    }
}

fn d1() -> DroneId {
    DroneId::new("d1").unwrap()
}

#[allow(clippy::too_many_arguments)]
fn seen(port: &Port, id: u64, class: &str, p: Coord<f64>, vel: (f64, f64), t: u64, state: TrackState) -> TrackUpdate {
    let (lat, lon) = port.latlon(p);
    TrackUpdate {
        schema: SCHEMA,
        msg_id: t,
        drone_id: d1(),
        time: t,
        tracks: vec![Track {
            track_id: id,
            class: class.into(),
            score: 0.8,
            state,
            lat,
            lon,
            error_m: 2.0,
            vel_n_mps: vel.0,
            vel_e_mps: vel.1,
            first_seen: T0,
            last_seen: t,
            size_m: None,
        }],
    }
}

/// Feeds one track at `p` every `step_s` from T0 to T0 + `until_s`; every change.
fn dwell(
    engine: &mut AlertEngine,
    port: &Port,
    id: u64,
    p: Coord<f64>,
    speed: f64,
    step_s: u64,
    until_s: u64,
) -> Vec<AlertChange> {
    (0..=until_s / step_s)
        .flat_map(|i| {
            let t = T0 + i * step_s * 1000;
            engine.on_tracks(&seen(port, id, "boat", p, (speed, 0.0), t, TrackState::Updated))
        })
        .collect()
}

fn raised(changes: &[AlertChange]) -> Vec<&AlertChange> {
    changes.iter().filter(|c| c.kind == AlertEventKind::Raised).collect()
}

#[test]
fn person_or_vehicle_in_a_restricted_zone() {
    let port = Port::load();
    let mut engine = port.engine();
    let zone = "Customs Examination Area";
    let inside = port.off_first_edge(zone, -3.0);
    let outside = port.off_first_edge(zone, 3.0);
    let u = |id, class, p| seen(&port, id, class, p, (0.0, 0.0), T0, TrackState::New);

    assert!(engine.on_tracks(&u(1, "person", outside)).is_empty(), "3 m outside");
    assert!(
        engine.on_tracks(&u(2, "boat", inside)).is_empty(),
        "not a person or vehicle"
    );
    let changes = engine.on_tracks(&u(3, "person", inside));
    assert_eq!(changes.len(), 1, "{changes:?}");
    let a = &changes[0].alert;
    assert_eq!(
        (changes[0].kind, a.rule, a.severity),
        (AlertEventKind::Raised, AlertRule::RestrictedZone, Severity::High)
    );
    assert_eq!(
        (a.zone.as_deref(), a.class.as_str(), a.track_id),
        (Some(zone), "person", 3)
    );
    assert_eq!(a.alert_id.as_str(), "restricted_zone-d1-3");
    let (lat, lon) = port.latlon(inside);
    assert!((a.lat - lat).abs() < 1e-9 && (a.lon - lon).abs() < 1e-9);
    for class in ["car", "truck", "bus", "motorcycle", "bicycle"] {
        let c = engine.on_tracks(&u(10, class, inside));
        assert!(c.iter().any(|c| c.alert.rule == AlertRule::RestrictedZone), "{class}");
    }
    let mut low = u(20, "person", inside);
    low.tracks[0].score = 0.1;
    assert!(engine.on_tracks(&low).is_empty(), "below min_score");
}

#[test]
fn anything_inside_an_exclusion_zone() {
    let port = Port::load();
    let mut engine = port.engine();
    let zone = "Fuel Terminal Buoy";
    let u = |id, class, p| seen(&port, id, class, p, (0.0, 0.0), T0, TrackState::New);
    assert!(
        engine
            .on_tracks(&u(1, "boat", port.off_first_edge(zone, 2.0)))
            .is_empty(),
        "2 m outside"
    );
    for (id, class) in [(2, "boat"), (3, "person"), (4, "kite")] {
        let changes = engine.on_tracks(&u(id, class, port.off_first_edge(zone, -2.0)));
        assert_eq!(changes.len(), 1, "{class}: {changes:?}");
        let a = &changes[0].alert;
        assert_eq!(
            (a.rule, a.zone.as_deref(), a.severity),
            (AlertRule::ExclusionZone, Some(zone), Severity::High)
        );
    }
    let mut config = AlertConfig::default();
    config.exclusion.ignore_zones = vec![zone.into()];
    let mut quiet = AlertEngine::new(&port.scenario, config);
    assert!(
        quiet
            .on_tracks(&u(2, "boat", port.off_first_edge(zone, -2.0)))
            .is_empty(),
        "ignored zone"
    );
}

#[test]
fn boat_alongside_an_anchored_vessel_after_its_dwell() {
    let port = Port::load();
    let mut engine = port.engine();
    let spot = port.off_port_side("MT Nordic Pearl", 3.0, 5.0);
    let before = dwell(&mut engine, &port, 1, spot, 0.4, 5, 25);
    assert!(before.is_empty(), "25 s is too short: {before:?}");
    let at = engine.on_tracks(&seen(
        &port,
        1,
        "boat",
        spot,
        (0.4, 0.0),
        T0 + 30_000,
        TrackState::Updated,
    ));
    assert_eq!(at.len(), 1, "{at:?}");
    let a = &at[0].alert;
    assert_eq!(
        (at[0].kind, a.rule, a.severity),
        (AlertEventKind::Raised, AlertRule::BoatAlongside, Severity::Critical)
    );
    assert_eq!(a.vessel.as_deref(), Some("MT Nordic Pearl"));
    assert_eq!((a.first_seen, a.last_seen), (T0, T0 + 30_000));
    assert!(a.summary.contains("alongside MT Nordic Pearl"), "{}", a.summary);
    // Re-detections update the one alert.
    let later = dwell(&mut engine, &port, 1, spot, 0.4, 5, 200);
    assert!(raised(&later).iter().all(|c| c.alert.rule != AlertRule::BoatAlongside));
    assert_eq!(engine.alerts().count(), 1, "no loitering alert on top of alongside");
    let last = engine.alerts().next().unwrap();
    assert_eq!(
        (last.alert_id.as_str(), last.last_seen),
        ("boat_alongside-d1-1", T0 + 200_000)
    );
    assert!(last.revision > 10, "{}", last.revision);
}

#[test]
fn no_alongside_alert_when_too_far_too_fast_interrupted_or_the_ship_itself() {
    let port = Port::load();
    let vessel = "MT Nordic Pearl";
    // 20 m off the hull (the limit is 15): not alongside.
    let mut engine = port.engine();
    let far = dwell(&mut engine, &port, 1, port.off_port_side(vessel, 20.0, 0.0), 0.4, 5, 60);
    assert!(far.is_empty(), "{far:?}");
    // A fast transit along the hull at 3 m: 8 m/s, seen every second, bow to stern and beyond.
    let mut engine = port.engine();
    for i in 0..=40u64 {
        let p = port.off_port_side(vessel, 3.0, 160.0 - 8.0 * i as f64);
        let c = engine.on_tracks(&seen(
            &port,
            2,
            "boat",
            p,
            (8.0, 0.0),
            T0 + i * 1000,
            TrackState::Updated,
        ));
        assert!(c.is_empty(), "transit at {i} s: {c:?}");
    }
    // Alongside 20 s, away 10 s, back 25 s: no single stay reaches 30 s.
    let mut engine = port.engine();
    let spot = port.off_port_side(vessel, 3.0, 0.0);
    let away = port.off_port_side(vessel, 60.0, 0.0);
    for (i, p) in (0..=11).map(|i| (i, if (5..=6).contains(&i) { away } else { spot })) {
        let c = engine.on_tracks(&seen(
            &port,
            3,
            "boat",
            p,
            (0.3, 0.0),
            T0 + i * 5000,
            TrackState::Updated,
        ));
        assert!(c.is_empty(), "at {} s: {c:?}", i * 5);
    }
    // A lost track starts again when it comes back.
    let mut engine = port.engine();
    assert!(dwell(&mut engine, &port, 4, spot, 0.3, 5, 20).is_empty());
    engine.on_tracks(&seen(&port, 4, "boat", spot, (0.0, 0.0), T0 + 22_000, TrackState::Lost));
    let c = engine.on_tracks(&seen(&port, 4, "boat", spot, (0.3, 0.0), T0 + 31_000, TrackState::New));
    assert!(c.is_empty(), "dwell restarted after Lost: {c:?}");
    // The anchored ship, detected as a boat at its own midships: never alongside or loitering.
    let mut engine = port.engine();
    let ship = dwell(&mut engine, &port, 5, port.centre_of(vessel), 0.0, 10, 600);
    assert!(ship.is_empty(), "{ship:?}");
}

#[test]
fn a_boat_measured_as_large_as_a_ship_is_not_a_small_boat_alongside() {
    // A COCO detector calls a tanker a boat; seen obliquely, its box's bottom edge puts its
    // own track on the hull's edge. Its measured size gives it away.
    let port = Port::load();
    let mut engine = port.engine();
    let spot = port.off_port_side("MT Nordic Pearl", 3.0, 5.0);
    let mut changes = Vec::new();
    for i in 0..=24u64 {
        let mut update = seen(&port, 7, "boat", spot, (0.0, 0.0), T0 + i * 5_000, TrackState::Updated);
        update.tracks[0].size_m = Some(180.0);
        changes.extend(engine.on_tracks(&update));
    }
    assert!(raised(&changes).is_empty(), "{changes:?}");
    // The same track measured at 8 m is a launch alongside.
    let mut changes = Vec::new();
    for i in 0..=7u64 {
        let mut update = seen(&port, 8, "boat", spot, (0.0, 0.0), T0 + i * 5_000, TrackState::Updated);
        update.tracks[0].size_m = Some(8.0);
        changes.extend(engine.on_tracks(&update));
    }
    assert_eq!(raised(&changes).len(), 1, "{changes:?}");
}

#[test]
fn boat_loitering_near_an_anchored_vessel() {
    let port = Port::load();
    let vessel = "MV Sea Falcon";
    let mut engine = port.engine();
    let spot = port.off_port_side(vessel, 100.0, 0.0);
    assert!(
        dwell(&mut engine, &port, 1, spot, 0.8, 10, 110).is_empty(),
        "110 s is too short"
    );
    let c = engine.on_tracks(&seen(
        &port,
        1,
        "boat",
        spot,
        (0.8, 0.0),
        T0 + 120_000,
        TrackState::Updated,
    ));
    assert_eq!(c.len(), 1, "{c:?}");
    let a = &c[0].alert;
    assert_eq!(
        (a.rule, a.severity, a.vessel.as_deref()),
        (AlertRule::BoatLoitering, Severity::Medium, Some(vessel))
    );
    assert_eq!(a.first_seen, T0);
    // Too far, or too fast for loitering.
    let mut engine = port.engine();
    assert!(
        dwell(
            &mut engine,
            &port,
            2,
            port.off_port_side(vessel, 300.0, 0.0),
            0.5,
            10,
            300
        )
        .is_empty()
    );
    assert!(dwell(&mut engine, &port, 3, spot, 2.5, 10, 300).is_empty());
}

#[test]
fn one_alert_per_track_and_rule_with_snapshots_and_acknowledgement() {
    let port = Port::load();
    let mut engine = port.engine();
    let zone = "Customs Examination Area";
    let inside = port.off_first_edge(zone, -3.0);
    let snapshot = |track_id, msg_id, time| SnapshotMeta {
        schema: SCHEMA,
        msg_id,
        drone_id: d1(),
        track_id,
        time,
        content_type: "image/jpeg".into(),
        jpeg_bytes: 1234,
        width: 64,
        height: 48,
        class: "person".into(),
        lat: None,
        lon: None,
    };
    // A snapshot before the alert is attached when it is raised.
    assert!(engine.on_snapshot(&snapshot(1, 50, T0)).is_empty(), "no alert yet");
    let mut changes = Vec::new();
    for i in 0..10 {
        for id in [1, 2] {
            let t = T0 + i * 1000;
            changes.extend(engine.on_tracks(&seen(&port, id, "person", inside, (0.0, 0.0), t, TrackState::Updated)));
        }
    }
    assert_eq!(raised(&changes).len(), 2, "one per track");
    assert_eq!(engine.alerts().count(), 2);
    let first = engine.get("restricted_zone-d1-1").unwrap();
    assert_eq!((first.revision, first.first_seen, first.last_seen), (9, T0, T0 + 9000));
    assert_eq!(first.snapshot.as_ref().map(|s| s.msg_id), Some(50));
    assert_eq!(engine.get("restricted_zone-d1-2").unwrap().snapshot, None);
    // A later snapshot updates the alert of its track only.
    let c = engine.on_snapshot(&snapshot(2, 51, T0 + 9500));
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].kind, c[0].alert.track_id), (AlertEventKind::Updated, 2));
    assert_eq!(
        c[0].alert.snapshot.as_ref().map(|s| (s.msg_id, s.jpeg_bytes)),
        Some((51, 1234))
    );

    // Acknowledgement: once, by a named officer; unknown ids are errors.
    let ack = engine
        .acknowledge("restricted_zone-d1-1", "Officer Rossi", "patrol sent", T0 + 60_000)
        .unwrap();
    assert_eq!(ack.kind, AlertEventKind::Acknowledged);
    let a = ack.alert.acknowledgement.as_ref().unwrap();
    assert_eq!(
        (a.officer.as_str(), a.time, a.note.as_str()),
        ("Officer Rossi", T0 + 60_000, "patrol sent")
    );
    assert_eq!(ack.alert.revision, 10);
    let again = engine
        .acknowledge("restricted_zone-d1-1", "Officer Bianchi", "", T0 + 61_000)
        .unwrap_err();
    assert!(
        matches!(&again, AckError::AlreadyAcknowledged { officer, .. } if officer == "Officer Rossi"),
        "{again}"
    );
    assert!(
        again.to_string().contains("already acknowledged by Officer Rossi"),
        "{again}"
    );
    let unknown = engine
        .acknowledge("restricted_zone-d9-9", "Officer Rossi", "", T0)
        .unwrap_err();
    assert_eq!(unknown.to_string(), "no alert `restricted_zone-d9-9`");
    assert!(matches!(
        engine.acknowledge("bad id/x", "Officer Rossi", "", T0),
        Err(AckError::Unknown(_))
    ));
    assert_eq!(
        engine.acknowledge("restricted_zone-d1-2", "  ", "", T0),
        Err(AckError::NoOfficer)
    );
    // A re-detection after the acknowledgement updates the alert and keeps the acknowledgement.
    let c = engine.on_tracks(&seen(
        &port,
        1,
        "person",
        inside,
        (0.0, 0.0),
        T0 + 70_000,
        TrackState::Updated,
    ));
    assert_eq!(c[0].kind, AlertEventKind::Updated);
    assert_eq!(
        c[0].alert.acknowledgement.as_ref().map(|a| a.officer.as_str()),
        Some("Officer Rossi")
    );
}
