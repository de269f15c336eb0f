//! Perception on a real photograph (scikit-image's astronaut) placed in a larger frame, seen from 60 m straight down.

use std::path::PathBuf;

use mission::geodesy::{Geodetic, LatLon, distance_m};
use nalgebra::UnitQuaternion;

use super::snapshot::crop_rect;
use super::*;
use crate::detect::{Detector, TilingConfig};
use crate::eval::load_rgb;

const W: usize = 1024;
const H: usize = 768;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A grey frame with the astronaut, shrunk to 200 px as a person seen from the air is small, at
/// (300, 200), or without her.
fn frame(with_person: bool) -> Vec<u8> {
    let mut canvas = vec![114u8; W * H * 3];
    if with_person {
        let (rgb, w, h) = load_rgb(&crate_dir().join("tests/data/astronaut.png")).expect("test photo");
        let photo = image::RgbImage::from_raw(w as u32, h as u32, rgb).expect("photo buffer");
        let small = image::imageops::resize(&photo, 200, 200, image::imageops::FilterType::Triangle);
        let (w, h, rgb) = (200, 200, small.into_raw());
        for y in 0..h {
            let dst = ((200 + y) * W + 300) * 3;
            canvas[dst..dst + w * 3].copy_from_slice(&rgb[y * w * 3..(y + 1) * w * 3]);
        }
    }
    canvas
}

fn perception() -> Perception {
    let detector = Detector::load(crate_dir().join("models/yolox_nano.onnx")).expect("vendored model");
    Perception::new(
        DroneId::new("drone1").expect("id"),
        FrameDetector::new(detector, TilingConfig::default()),
        PerceptionConfig::default(),
    )
}

fn overhead() -> VehicleState {
    VehicleState {
        position: Some(Geodetic::new(44.4, 8.9, 64.0)),
        relative_alt_m: Some(60.0),
        attitude: Some(UnitQuaternion::identity()),
        ..VehicleState::default()
    }
}

#[test]
fn a_person_becomes_a_geolocated_track_with_one_snapshot_and_is_lost_when_gone() {
    let mut p = perception();
    let (person, empty) = (frame(true), frame(false));
    let vehicle = overhead();
    let mut outputs = Vec::new();
    for i in 0..8u64 {
        let view = ImageView::new(&person, W, H).expect("frame");
        outputs.push(p.process(&view, 1_000_000 + i * 200, Some(&vehicle)).expect("runs"));
    }
    for out in &outputs {
        let batch = out.detections.as_ref().expect("the person is detected in every frame");
        let d = batch.detections.iter().find(|d| d.class == "person").expect("a person");
        let at = LatLon::new(d.lat.expect("geolocated"), d.lon.expect("geolocated"));
        // Straight down from 60 m with an 80° lens, the frame spans about 100 m.
        assert!(distance_m(at, LatLon::new(44.4, 8.9)) < 60.0, "{d:?}");
        assert!(d.error_m.is_some_and(|e| e > 0.0 && e < 10.0), "{d:?}");
    }
    assert!(
        outputs[0].tracks.is_none() && outputs[1].tracks.is_none(),
        "born after three hits"
    );
    let new = outputs[2]
        .tracks
        .as_ref()
        .expect("the track is published when confirmed");
    assert_eq!(new.tracks.len(), 1);
    assert_eq!(new.tracks[0].state, TrackState::New);
    // Straight down from 64 m with an 80° lens over 1024 px: 0.105 m a pixel, so the
    // 200-pixel photograph spans about 21 m of ground.
    let size = new.tracks[0].size_m.expect("a measured size");
    assert!((15.0..25.0).contains(&size), "{size}");
    let id = new.tracks[0].track_id;
    let batch = outputs[2].detections.as_ref().expect("detections");
    assert!(
        batch.detections.iter().any(|d| d.track_id == Some(id)),
        "detections name their track"
    );

    let snapshots: Vec<&Snapshot> = outputs.iter().flat_map(|o| &o.snapshots).collect();
    assert_eq!(snapshots.len(), 1, "one snapshot per new track");
    let s = snapshots[0];
    assert_eq!((s.meta.track_id, s.meta.class.as_str()), (id, "person"));
    assert_eq!(s.meta.jpeg_bytes, s.jpeg.len() as u64);
    let picture = image::load_from_memory(&s.jpeg).expect("a JPEG that decodes");
    assert_eq!((picture.width(), picture.height()), (s.meta.width, s.meta.height));
    assert!(s.meta.lat.is_some());

    // The update interval is one second: frames 3 to 6 add nothing, frame 7 (1 s later) does.
    assert!(outputs[3..7].iter().all(|o| o.tracks.is_none()));
    let later = outputs[7].tracks.as_ref().expect("an update after 1 s");
    assert_eq!(later.tracks[0].state, TrackState::Updated);
    assert_eq!(later.tracks[0].track_id, id);

    let mut lost = None;
    for i in 0..8u64 {
        let view = ImageView::new(&empty, W, H).expect("frame");
        let out = p.process(&view, 2_500_000 + i * 200, Some(&vehicle)).expect("runs");
        assert!(out.detections.is_none(), "nothing in an empty frame");
        if let Some(t) = out.tracks {
            lost = Some(t);
        }
    }
    let lost = lost.expect("a lost message");
    assert_eq!(lost.tracks[0].track_id, id);
    assert_eq!(lost.tracks[0].state, TrackState::Lost);
}

#[test]
fn without_a_position_detections_are_still_reported_and_tracks_wait_for_a_fix() {
    let mut p = perception();
    let person = frame(true);
    let mut outputs = Vec::new();
    for i in 0..4u64 {
        let view = ImageView::new(&person, W, H).expect("frame");
        outputs.push(p.process(&view, i * 200, None).expect("runs"));
    }
    for out in &outputs {
        let batch = out.detections.as_ref().expect("detections are not dropped");
        assert!(batch.detections.iter().all(|d| d.lat.is_none() && d.error_m.is_none()));
        assert_eq!(out.unlocated, batch.detections.len());
        assert!(out.tracks.is_none(), "a track without a position waits");
    }
    let snapshots: Vec<&Snapshot> = outputs.iter().flat_map(|o| &o.snapshots).collect();
    assert_eq!(snapshots.len(), 1);
    assert!(snapshots[0].meta.lat.is_none());
    // The first fix publishes it as new.
    let view = ImageView::new(&person, W, H).expect("frame");
    let out = p.process(&view, 1000, Some(&overhead())).expect("runs");
    assert_eq!(out.tracks.expect("published").tracks[0].state, TrackState::New);
}

#[test]
fn snapshot_crops_keep_context_stay_inside_and_have_a_minimum_size() {
    assert_eq!(
        crop_rect(&[100.0, 100.0, 140.0, 200.0], 0.5, 1000, 1000),
        Some([72, 50, 96, 200])
    );
    // At the corner: clamped to the frame.
    assert_eq!(
        crop_rect(&[0.0, 0.0, 10.0, 10.0], 0.5, 1000, 1000),
        Some([0, 0, 53, 53])
    );
    assert_eq!(crop_rect(&[5.0, 5.0, 1.0, 1.0], 0.5, 100, 100), None, "inverted box");
    assert_eq!(crop_rect(&[f32::NAN, 0.0, 1.0, 1.0], 0.5, 100, 100), None);
    assert_eq!(crop_rect(&[500.0, 500.0, 600.0, 600.0], 0.5, 100, 100), None, "outside");
}

#[test]
fn ground_velocity_comes_from_successive_fixes() {
    let start = LatLon::new(44.4, 8.9);
    let mut memory = TrackMemory {
        first_seen_ms: 0,
        last_seen_ms: 0,
        last_published_ms: None,
        class: "boat".into(),
        score: 0.9,
        fix: None,
        velocity_ne: Vector2::zeros(),
        size_m: None,
    };
    let at = |north_m: f64| Geolocation {
        position: mission::geodesy::destination(start, 0.0, north_m),
        ground_range_m: 0.0,
        error_m: 1.0,
    };
    for (i, t) in (0..20u64).map(|i| (i, i * 500)) {
        update_fix(&mut memory, at(i as f64 * 2.5), t);
    }
    // 2.5 m each half second: 5 m/s north, nothing east.
    assert!((memory.velocity_ne.x - 5.0).abs() < 0.05, "{:?}", memory.velocity_ne);
    assert!(memory.velocity_ne.y.abs() < 0.05, "{:?}", memory.velocity_ne);
}
