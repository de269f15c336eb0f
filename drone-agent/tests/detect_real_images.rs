//! The detector on real photographs shipped by scikit-image (tests/data): boxes found where a person measured them, and AP50 over a small COCO file.

use std::path::PathBuf;

use drone_agent::detect::{Detector, DetectorConfig, FrameDetector, ImageView, TilingConfig, iou};
use drone_agent::eval::{evaluate, load_rgb};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn detector(config: DetectorConfig) -> Detector {
    Detector::load_with(crate_dir().join("models/yolox_nano.onnx"), config).expect("the vendored model loads")
}

fn all_classes() -> DetectorConfig {
    DetectorConfig {
        classes: None,
        ..DetectorConfig::default()
    }
}

#[test]
fn the_astronaut_is_found_as_a_person_in_one_letterboxed_input() {
    let (rgb, w, h) = load_rgb(&crate_dir().join("tests/data/astronaut.png")).unwrap();
    let d = detector(DetectorConfig::default());
    let found = d.detect_tile(&ImageView::new(&rgb, w, h).unwrap()).unwrap();
    eprintln!("{found:?}");
    let measured = [18.0, 14.0, 364.0, 512.0];
    let person = found.iter().find(|d| d.class_name == "person").expect("a person");
    assert!(iou(&person.bbox, &measured) > 0.5, "{person:?}");
    assert!(person.score > 0.5, "{person:?}");
    // Default classes are the port's: nothing outside them is reported.
    assert!(found.iter().all(|d| DetectorConfig::default().wants(d.class_id)));
}

#[test]
fn ap50_over_four_photographs_with_the_tiled_pipeline() {
    let json = std::fs::read_to_string(crate_dir().join("tests/data/annotations.json")).unwrap();
    let mut frames = FrameDetector::new(detector(all_classes()), TilingConfig::default());
    let mut calls = Vec::new();
    let report = evaluate(&json, &crate_dir().join("tests/data"), &mut frames, |done, total| {
        calls.push((done, total))
    })
    .unwrap();
    eprintln!("{report}");
    assert_eq!(calls.last(), Some(&(4, 4)));
    assert_eq!(report.images, 4);
    let names: Vec<&str> = report.per_class.iter().map(|c| c.class_name.as_str()).collect();
    assert_eq!(names, ["person", "cat", "cup"]);
    for c in &report.per_class {
        assert!(c.ap50 > 0.5, "{c:?}");
    }
    assert!(report.ap50 > 0.5);
}

#[test]
fn an_unchanged_frame_reuses_every_tile_and_a_changed_tile_runs_again() {
    let (mut rgb, w, h) = load_rgb(&crate_dir().join("tests/data/astronaut.png")).unwrap();
    let mut frames = FrameDetector::new(detector(DetectorConfig::default()), TilingConfig::default());
    let first = frames.detect_frame(&ImageView::new(&rgb, w, h).unwrap()).unwrap();
    assert_eq!(
        (first.tiles_run, first.tiles_skipped),
        (5, 0),
        "2×2 tiles and the full frame"
    );
    assert!(first.detections.iter().any(|d| d.class_name == "person"));
    let again = frames.detect_frame(&ImageView::new(&rgb, w, h).unwrap()).unwrap();
    assert_eq!((again.tiles_run, again.tiles_skipped), (0, 5));
    assert_eq!(again.detections, first.detections);
    // Paint a small patch in the bottom-right corner: only the tiles holding it run again.
    for y in 500..506 {
        for x in 500..506 {
            rgb[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&[0, 255, 0]);
        }
    }
    let changed = frames.detect_frame(&ImageView::new(&rgb, w, h).unwrap()).unwrap();
    assert_eq!(
        (changed.tiles_run, changed.tiles_skipped),
        (2, 3),
        "its tile and the full frame"
    );
}
