//! A short survey planned by `mission`, flown by `sim` in-process, stored and logged like the
//! station does, and reported: coverage from the photos actually taken, distance and duration
//! against the plan, battery, detections and alerts from the store, an SVG with every layer.

use ground_station::report::{
    AlertMark, AreaPolygon, CoverageSource, DetectionMark, FlightReport, Photo, ReportInput, TrackPoint, build_report,
    from_tlog,
};
use ground_station::store::{AlertRaise, DetectionRecord, FlightStatus, Severity, Store, TelemetrySample};
use ground_station::tlog::{TlogWriter, read_tlog};
use mavlink::dialects::ardupilotmega::MavMessage;
use mission::camera::Camera;
use mission::endurance::{EnergyModel, estimate};
use mission::geodesy::{LatLon, destination};
use mission::mavlink_items::{EncodeOptions, encode_fence, encode_mission, encode_rally};
use mission::patterns::{FlightSettings, assemble};
use mission::plan::{Plan, PlanElement};
use mission::scenario::PortScenario;
use mission::survey::{Altitude, SurveyRequest, fences_from_zones, plan_survey};
use sim::autopilot::{CopterMode, Vehicle, VehicleConfig, telemetry};
use sim::runner::STEP_S;

const EXAMPLE_PORT: &str = include_str!("../../data/scenarios/example-port.geojson");
/// Wall-clock origin of the simulated flight, milliseconds.
const EPOCH_MS: i64 = 1_700_000_000_000;

struct Flight {
    plan: Plan,
    area: geo::MultiPolygon<f64>,
    planned_time_s: f64,
    planned_photos: usize,
    flown_s: f64,
    store: Store,
    flight_id: i64,
    photos: Vec<Photo>,
    tlog: Vec<u8>,
}

/// About 500 × 330 m of water between the quays and the anchorage (flown at 80 m, 70/60 %).
fn survey_area(launch: LatLon) -> geo::MultiPolygon<f64> {
    let sw = destination(destination(launch, 180.0, 700.0), 270.0, 300.0);
    let se = destination(sw, 90.0, 500.0);
    let ne = destination(se, 0.0, 330.0);
    let nw = destination(sw, 0.0, 330.0);
    let ring: Vec<(f64, f64)> = [sw, se, ne, nw, sw].iter().map(|p| (p.lon, p.lat)).collect();
    geo::MultiPolygon(vec![geo::Polygon::new(geo::LineString::from(ring), vec![])])
}

fn fly() -> Flight {
    let scenario = PortScenario::parse(EXAMPLE_PORT).expect("example port");
    let home = scenario.launch().expect("launch pad");
    let area = survey_area(home.horizontal());
    let mut req = SurveyRequest::new(
        area.clone(),
        Camera::preset("dji-m3e").expect("camera"),
        Altitude::AboveHome(80.0),
        home.horizontal(),
    );
    (req.front_overlap_pct, req.side_overlap_pct, req.speed_m_s) = (70.0, 60.0, 12.0);
    req.fences = fences_from_zones(&scenario.zones);
    let survey = plan_survey(&req).expect("plans");
    let settings = FlightSettings {
        alt_m: survey.alt_m,
        speed_m_s: 12.0,
    };
    let body = vec![PlanElement::Survey(survey.to_element(&req))];
    let (fence, rally) = (scenario.geofence(), scenario.rally_points());
    let plan = assemble(
        home,
        settings,
        &survey.transit_in,
        body,
        &survey.transit_out,
        fence,
        rally,
    );
    let planned_time_s = estimate(&plan, &EnergyModel::default()).time_s;

    let opts = EncodeOptions::default();
    let mut v = Vehicle::new(VehicleConfig::new(1, home, 11));
    v.load_mission(encode_mission(&plan, &opts).expect("mission"));
    v.load_fence(&encode_fence(&plan.fence, &opts).expect("fence"))
        .expect("fence");
    v.load_rally(&encode_rally(&plan.rally, &opts).expect("rally"))
        .expect("rally");
    for (name, value) in [("FENCE_ENABLE", 1.0), ("FENCE_TYPE", 5.0), ("FENCE_ALT_MAX", 120.0)] {
        assert!(v.apply_param(name, value));
    }
    for _ in 0..(2.0 / STEP_S) as usize {
        v.step(STEP_S);
    }
    let mut store = Store::open_in_memory().expect("store");
    let t0 = v.time();
    let now_ms = |v: &Vehicle| EPOCH_MS + ((v.time() - t0) * 1000.0).round() as i64;
    let flight_id = store.start_flight("1", None, now_ms(&v), None).expect("flight");
    v.set_mode(CopterMode::Auto).expect("AUTO");
    v.arm(false).expect("arms");
    let mut codec = mavlink_io::Codec::new(1, 1, None);
    let mut tlog = TlogWriter::new(Vec::new());
    let mut photos = Vec::new();
    let (mut k, mut flown_s) = (0u64, 0.0);
    while v.armed() && flown_s < 1800.0 {
        v.step(STEP_S);
        (k, flown_s) = (k + 1, flown_s + STEP_S);
        let time_us = now_ms(&v) as u64 * 1000;
        for m in v.take_events() {
            if let MavMessage::CAMERA_FEEDBACK(c) = &m {
                photos.push(Photo {
                    time_ms: now_ms(&v),
                    lat: f64::from(c.lat) / 1e7,
                    lon: f64::from(c.lng) / 1e7,
                    alt_m: f64::from(c.alt_rel),
                    yaw_deg: f64::from(c.yaw),
                });
            }
            tlog.write_frame(time_us, &codec.encode(&m)).expect("tlog");
        }
        // Telemetry at 4 Hz, as the station receives it; the store keeps 1 Hz.
        if k.is_multiple_of(100) {
            let s = v.snapshot();
            for m in [telemetry::global_position_int(&s), telemetry::sys_status(&s)] {
                tlog.write_frame(time_us, &codec.encode(&m)).expect("tlog");
            }
            let sample = TelemetrySample {
                vehicle: "1".into(),
                time: now_ms(&v),
                lat: s.position.lat,
                lon: s.position.lon,
                alt_m: s.position.alt - s.home.alt,
                heading_deg: s.yaw.to_degrees().rem_euclid(360.0),
                speed_m_s: s.vel_ned.xy().norm(),
                battery_pct: Some(s.remaining_pct),
                mode: s.mode.name().into(),
            };
            store.record_telemetry(&sample).expect("telemetry");
        }
    }
    assert!(!v.armed(), "landed within half an hour");
    store
        .end_flight(flight_id, now_ms(&v), FlightStatus::Landed)
        .expect("ends");
    Flight {
        plan,
        area,
        planned_time_s,
        planned_photos: survey.triggers.len(),
        flown_s,
        store,
        flight_id,
        photos,
        tlog: tlog.finish().expect("tlog"),
    }
}

/// Detections and an alert over the survey, stored as the ingest would, read back for the report.
fn events(f: &Flight) -> (Vec<DetectionMark>, Vec<AlertMark>) {
    let flight = f.store.flight(f.flight_id).expect("reads").expect("flight");
    let (start, end) = (flight.started_at, flight.ended_at.expect("ended"));
    let centre = f.photos[f.photos.len() / 2];
    let rows: Vec<DetectionRecord> = ["boat", "boat", "person"]
        .iter()
        .enumerate()
        .map(|(i, class)| DetectionRecord {
            drone: "drone-1".into(),
            msg_id: 100 + i as u64,
            idx: 0,
            track_id: Some(7),
            class: (*class).into(),
            score: 0.7,
            lat: Some(centre.lat + i as f64 * 1e-4),
            lon: Some(centre.lon),
            error_m: Some(5.0),
            time: centre.time_ms + i as i64 * 1000,
        })
        .collect();
    assert_eq!(f.store.insert_detections(&rows).expect("stores").stored, 3);
    let before = DetectionRecord {
        time: start - 60_000,
        msg_id: 1,
        ..rows[0].clone()
    };
    f.store.insert_detections(&[before]).expect("stores");
    f.store
        .raise_alert(&AlertRaise {
            rule: "boat-alongside".into(),
            severity: Severity::Critical,
            drone: "drone-1".into(),
            track_id: 7,
            message: "boat alongside <vessel> & loitering".into(),
            lat: centre.lat,
            lon: centre.lon,
            snapshot_id: None,
            time: centre.time_ms,
        })
        .expect("alert");
    let detections = f.store.detections_between(start, end).expect("reads");
    let alerts = f.store.alerts_between(start, end).expect("reads");
    (
        detections.iter().map(DetectionMark::from).collect(),
        alerts.iter().map(AlertMark::from).collect(),
    )
}

fn report(f: &Flight, detections: Vec<DetectionMark>, alerts: Vec<AlertMark>) -> FlightReport {
    let track: Vec<TrackPoint> = f
        .store
        .flight_track(f.flight_id)
        .expect("track")
        .iter()
        .map(TrackPoint::from)
        .collect();
    let flight = f.store.flight(f.flight_id).expect("reads").expect("flight");
    let mut input = ReportInput::new("Survey south of Quay B — drone 1", f.plan.clone());
    input.area = Some(AreaPolygon::from_multipolygon(&f.area));
    input.track = track;
    input.photos = f.photos.clone();
    input.detections = detections;
    input.alerts = alerts;
    input.started_ms = Some(flight.started_at);
    input.ended_ms = flight.ended_at;
    build_report(&input).expect("report")
}

#[test]
fn a_flown_survey_is_reported_with_its_real_coverage_and_every_layer() {
    let f = fly();
    let (detections, alerts) = events(&f);
    let r = report(&f, detections, alerts);
    let s = &r.summary;
    eprintln!("{}", serde_json::to_string_pretty(s).unwrap_or_default());
    eprintln!(
        "flew {:.0} s (planned {:.0} s), {} photos ({} planned)",
        f.flown_s, f.planned_time_s, s.photos, f.planned_photos
    );
    assert_eq!(s.coverage_source, CoverageSource::CameraFeedback);
    let coverage = s.coverage_pct.expect("a survey area");
    assert!(coverage >= 95.0, "coverage {coverage:.1} %");
    assert!(
        (s.area_m2 - 500.0 * 330.0).abs() < 0.02 * 500.0 * 330.0,
        "area {:.0} m²",
        s.area_m2
    );
    assert!(
        (s.duration_s - f.flown_s).abs() < 2.0,
        "{} vs {}",
        s.duration_s,
        f.flown_s
    );
    assert!((s.duration_s - f.planned_time_s).abs() < 0.15 * f.planned_time_s);
    let ratio = s.distance_m / s.planned_distance_m;
    assert!(
        (0.9..1.1).contains(&ratio),
        "flew {:.0} m of {:.0} planned",
        s.distance_m,
        s.planned_distance_m
    );
    assert!((75.0..85.0).contains(&s.max_alt_m), "{}", s.max_alt_m);
    let used = s.battery_used_pct.expect("battery readings");
    assert!((5.0..60.0).contains(&used), "{used} %");
    assert_eq!(s.photos, f.photos.len());
    assert_eq!(
        (s.detections, s.alerts, s.alerts_unacknowledged),
        (3, 1, 1),
        "only the flight's"
    );
    assert_eq!(s.detections_by_class.get("boat"), Some(&2));

    // The picture: a well-formed, self-contained SVG with every layer.
    let svg = &r.svg;
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut ids = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                if let Some(Ok(id)) = e.try_get_attribute("id").ok().flatten().map(|a| a.unescape_value()) {
                    ids.push(id.into_owned());
                }
            }
            Ok(_) => {}
            Err(e) => panic!("SVG is not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    for layer in [
        "area",
        "fence",
        "coverage",
        "gaps",
        "planned-route",
        "flown-track",
        "photos",
        "detections",
        "alerts",
        "home",
        "legend",
        "scale-bar",
        "north",
        "summary",
    ] {
        assert!(ids.iter().any(|i| i == layer), "layer {layer} missing: {ids:?}");
    }
    let layer = |id: &str| {
        let start = svg.find(&format!(r#"<g id="{id}""#)).expect("layer");
        &svg[start..start + svg[start..].find("</g>").expect("end")]
    };
    assert_eq!(layer("photos").matches("<circle").count(), f.photos.len());
    assert_eq!(layer("detections").matches("<circle").count(), 3);
    assert!(layer("alerts").contains("boat-alongside"));
    assert!(
        svg.contains("boat alongside &lt;vessel&gt; &amp; loitering"),
        "text is escaped"
    );
    assert!(!svg.contains("href"), "nothing fetched from elsewhere");
    let html = r.html();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && !html.contains("<?xml"));
    assert!(html.contains(&format!("{coverage:.1} %")));
    if let Some(dir) = std::env::var_os("PORTOPS_REPORT_OUT") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("report.svg"), svg).expect("writes");
        std::fs::write(dir.join("report.html"), &html).expect("writes");
    }

    // The same flight from its tlog alone (4 Hz track, photos from CAMERA_FEEDBACK) agrees.
    let read = read_tlog(&f.tlog);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let (track, photos, undecoded) = from_tlog(&read, 1);
    assert_eq!((photos.len(), undecoded), (f.photos.len(), 0));
    let mut input = ReportInput::new("from the tlog", f.plan.clone());
    input.area = Some(AreaPolygon::from_multipolygon(&f.area));
    (input.track, input.photos) = (track, photos);
    let t = build_report(&input).expect("report").summary;
    let tc = t.coverage_pct.expect("coverage");
    assert!((tc - coverage).abs() < 0.5, "{tc} vs {coverage}");
    assert!(
        (t.distance_m - s.distance_m).abs() < 0.03 * s.distance_m,
        "{} vs {}",
        t.distance_m,
        s.distance_m
    );

    // Coverage is what was imaged: without the photos of the second half of the flight it drops,
    // and the gaps show.
    let mut half = input.clone();
    half.photos.truncate(half.photos.len() / 2);
    let h = build_report(&half).expect("report");
    let hc = h.summary.coverage_pct.expect("coverage");
    assert!(hc < coverage - 25.0, "half the photos still cover {hc:.1} %");
    // Without CAMERA_FEEDBACK the camera is taken to image along the track at survey height.
    let mut video = input;
    video.photos.clear();
    let v = build_report(&video).expect("report").summary;
    assert_eq!(v.coverage_source, CoverageSource::Track);
    assert!(v.coverage_pct.expect("coverage") >= 95.0, "{:?}", v.coverage_pct);
}

#[test]
fn bad_points_are_left_out_and_listed_and_no_track_is_an_error() {
    let mut plan = Plan::new(mission::geodesy::Geodetic {
        lat: 44.3994604,
        lon: 8.8974826,
        alt: 4.0,
    });
    plan.elements.clear();
    let mut input = ReportInput::new("broken", plan);
    assert!(
        build_report(&input)
            .unwrap_err()
            .to_string()
            .contains("no usable track point")
    );
    let p = |lat: f64, t| TrackPoint {
        time_ms: t,
        lat,
        lon: 8.9,
        alt_m: 30.0,
        heading_deg: 0.0,
        battery_pct: Some(90.0 - t as f64 / 1000.0),
    };
    input.track = vec![p(44.39, 0), p(f64::NAN, 1_000), p(44.391, 2_000)];
    let r = build_report(&input).expect("report");
    assert_eq!(r.summary.track_points, 2);
    assert_eq!(r.summary.warnings.len(), 1);
    assert!(
        r.summary.warnings[0].starts_with("track point 1:"),
        "{:?}",
        r.summary.warnings
    );
    assert_eq!(r.summary.coverage_source, CoverageSource::None);
    assert_eq!(r.summary.coverage_pct, None);
    assert!((r.summary.distance_m - 111.0).abs() < 1.0, "{}", r.summary.distance_m);
    assert_eq!(r.summary.battery_used_pct, Some(2.0));
}
