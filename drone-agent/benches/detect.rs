//! Detection throughput: tiles/s and 1920×1080 frames/s for the agent's tiled pipeline, against onnxruntime on the same model and tiles.
//!
//! `cargo bench -p drone-agent --bench detect`. The frame is a simulator render of the example
//! port. onnxruntime runs through `benches/ort_tiles.py` with the Python found in `ORT_PYTHON`,
//! else `.venv/bin/python` at the workspace root, else `python3`; without it only our numbers
//! are printed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use drone_agent::detect::model::{Letterbox, preprocess};
use drone_agent::detect::tiling::run_tiles;
use drone_agent::detect::{Detector, FrameDetector, ImageView, TilingConfig, tile_grid};
use mission::geodesy::Geodetic;
use mission::scenario::PortScenario;
use sim::camera::{CameraModel, CameraPose, Renderer};
use sim::world::World;

const W: usize = 1920;
const H: usize = 1080;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Seconds per call of `f`, best of `rounds` (other builds share these cores).
fn best_of(rounds: usize, mut f: impl FnMut()) -> f64 {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("ORT_PYTHON") {
        return p.into();
    }
    let venv = crate_dir().join("../.venv/bin/python");
    if venv.exists() { venv } else { "python3".into() }
}

fn onnxruntime(model: &Path, tiles: &[Vec<f32>], tract_out0: &[f32]) -> Option<serde_json::Value> {
    let dir = std::env::temp_dir().join(format!("drone-agent-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let bytes: Vec<u8> = tiles.iter().flatten().flat_map(|v| v.to_le_bytes()).collect();
    let out0: Vec<u8> = tract_out0.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.join("tiles.f32"), bytes).ok()?;
    std::fs::write(dir.join("out0.f32"), out0).ok()?;
    let result = Command::new(python())
        .arg(crate_dir().join("benches/ort_tiles.py"))
        .arg(model)
        .arg(dir.join("tiles.f32"))
        .arg(tiles.len().to_string())
        .arg(dir.join("out0.f32"))
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).ok(),
        Ok(o) => {
            eprintln!("onnxruntime script failed: {}", String::from_utf8_lossy(&o.stderr));
            None
        }
        Err(e) => {
            eprintln!("cannot run {}: {e}", python().display());
            None
        }
    }
}

fn main() {
    let model_path = crate_dir().join("models/yolox_nano.onnx");
    let t = Instant::now();
    let detector = Detector::load(&model_path).expect("model loads");
    println!("model load + optimise: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);

    let scenario = PortScenario::parse(include_str!("../../data/scenarios/example-port.geojson")).expect("scenario");
    let mut world = World::from_scenario(&scenario, 42);
    world.step(30.0);
    let renderer = Renderer::new(&world, CameraModel::new(W as u32, H as u32, 80.0)).expect("renderer");
    // Oblique at 60 m, 60 m south of a person on the quay: people, vehicles and boats are small
    // at native resolution and some of them move.
    let person = world
        .objects()
        .iter()
        .find(|o| o.class == sim::world::ObjectClass::Person)
        .map_or(Geodetic::new(44.3965, 8.9060, 0.0), |o| o.position.with_alt(0.0));
    let from = mission::geodesy::destination(person.horizontal(), 180.0, 60.0);
    let pose = CameraPose::level(from.with_alt(60.0), 0.0, -45.0);
    let frame = renderer.render(&world, &pose);
    let view = ImageView::new(&frame.rgb, W, H).expect("frame");

    let tiles = tile_grid(W, H, 416, 0.2);
    let all: Vec<usize> = (0..tiles.len()).collect();
    let inputs: Vec<Vec<f32>> = tiles
        .iter()
        .filter_map(|t| view.crop(t.x, t.y, t.width, t.height))
        .map(|c| preprocess(&c, &Letterbox::for_size(c.width, c.height)))
        .collect();
    let n = tiles.len() as f64;
    println!(
        "frame {W}×{H}: {} tiles of 416 (20% overlap); {} ground-truth boxes in view",
        tiles.len(),
        frame.boxes.len()
    );

    // One core, inference only, then whole tiles (pre + infer + decode).
    let _ = detector.infer(inputs[0].clone());
    let infer_1 = best_of(2, || {
        for x in &inputs {
            let _ = detector.infer(x.clone());
        }
    }) / n;
    let tile_1 = best_of(2, || {
        let _ = run_tiles(&detector, &view, &tiles, &all, 1);
    }) / n;
    let tile_2 = best_of(2, || {
        let _ = run_tiles(&detector, &view, &tiles, &all, 2);
    }) / n;
    println!(
        "tract, 1 thread:  {:.1} ms/tile inference, {:.1} ms/tile whole ({:.1} tiles/s)",
        infer_1 * 1e3,
        tile_1 * 1e3,
        1.0 / tile_1
    );
    println!("tract, 2 threads: {:.1} tiles/s", 1.0 / tile_2);

    let mut fps = Vec::new();
    for (name, full, skip) in [("tiles only", false, None), ("tiles + full-frame pass", true, None)] {
        let cfg = TilingConfig {
            full_frame_pass: full,
            skip_unchanged: skip,
            ..TilingConfig::default()
        };
        let mut fd = FrameDetector::new(detector.clone(), cfg);
        let mut dets = 0;
        let s = best_of(2, || {
            dets = fd.detect_frame(&view).map(|r| r.detections.len()).unwrap_or(0)
        });
        println!("frames, 2 threads, {name}: {:.2} frames/s ({dets} detections)", 1.0 / s);
        fps.push(1.0 / s);
    }
    // Hovering: the camera holds still while the world moves on for 2 s a frame at 5 fps.
    let mut fd = FrameDetector::new(detector.clone(), TilingConfig::default());
    let mut w = world.clone();
    let (mut run, mut skipped, frames) = (0, 0, 6);
    let t = Instant::now();
    for _ in 0..frames {
        w.step(0.2);
        let f = renderer.render(&w, &pose);
        let r = fd
            .detect_frame(&ImageView::new(&f.rgb, W, H).expect("frame"))
            .expect("detect");
        (run, skipped) = (run + r.tiles_run, skipped + r.tiles_skipped);
    }
    let hover = t.elapsed().as_secs_f64() / frames as f64;
    println!(
        "frames, 2 threads, hovering with skip-unchanged: {:.2} frames/s incl. render ({run} tiles run, {skipped} skipped)",
        1.0 / hover
    );

    let mut out0 = Vec::new();
    if let Ok(o) = detector.infer(inputs[0].clone()) {
        out0 = o;
    }
    match onnxruntime(&model_path, &inputs, &out0) {
        Some(ort) => {
            println!("onnxruntime: {ort}");
            let ms1 = ort["single_thread_ms_per_tile"].as_f64().unwrap_or(f64::NAN);
            let msd = ort["default_ms_per_tile"].as_f64().unwrap_or(f64::NAN);
            let ort_fps1 = 1000.0 / (ms1 * n);
            let ort_fpsd = 1000.0 / (msd * n);
            println!(
                "onnxruntime frames/s ({} tiles): {ort_fps1:.2} single-thread, {ort_fpsd:.2} default",
                tiles.len()
            );
            println!(
                "ratio tract/onnxruntime: inference 1 thread vs 1 thread {:.2}; tiles/s 2 threads vs 1 thread {:.2}; \
                 frames/s ours (tiles only) vs onnxruntime single-thread {:.2}, vs default {:.2}",
                ms1 / (infer_1 * 1e3),
                (1.0 / tile_2) / (1000.0 / ms1),
                fps[0] / ort_fps1,
                fps[0] / ort_fpsd
            );
        }
        None => println!("onnxruntime: not available, no ratio"),
    }
}
