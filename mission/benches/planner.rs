//! Survey planner benchmark: planning time, path length, turns, coverage and path efficiency for
//! the example port and for a generated 1,000-vertex area with 20 holes.
//!
//! Run with `scripts/bench` (or `cargo bench -p mission --bench planner`). No peer planner can
//! run here (QGroundControl's survey is C++ inside its GUI), so figures are absolute.

use std::time::{Duration, Instant};

use geo::{Coord, LineString, MultiPolygon, Polygon};
use mission::camera::Camera;
use mission::geodesy::{LatLon, LocalFrame};
use mission::scenario::PortScenario;
use mission::survey::{Altitude, SurveyPlan, SurveyRequest, fences_from_zones, plan_survey};

const PORT: &str = include_str!("../../data/scenarios/example-port.geojson");

/// Deterministic pseudo-random numbers (SplitMix64), so every run plans the same area.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A 1,000-vertex irregular area (radius ~1.5 km, ragged edge) with 20 polygonal holes.
fn generated_area(frame: &LocalFrame) -> MultiPolygon<f64> {
    let mut rng = Rng(6346);
    let to_ll = |x: f64, y: f64| frame.coord_from_local(Coord { x, y });
    let n = 1000;
    let mut ring: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let a = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            let r = 1500.0 + 220.0 * (3.0 * a).sin() + 90.0 * (11.0 * a).cos() + 25.0 * rng.next();
            to_ll(r * a.cos(), r * a.sin())
        })
        .collect();
    ring.push(ring[0]);
    // Holes on a jittered 5×4 grid, so that they never overlap each other or the edge.
    let mut holes = Vec::new();
    for gx in 0..5 {
        for gy in 0..4 {
            let cx = -800.0 + gx as f64 * 400.0 + 60.0 * (rng.next() - 0.5);
            let cy = -600.0 + gy as f64 * 400.0 + 60.0 * (rng.next() - 0.5);
            let r = 50.0 + 70.0 * rng.next();
            let sides = 6 + (rng.next() * 6.0) as usize;
            let mut h: Vec<Coord<f64>> = (0..sides)
                .map(|k| {
                    let a = 2.0 * std::f64::consts::PI * k as f64 / sides as f64;
                    // Clockwise, as holes are wound.
                    to_ll(cx + r * a.cos(), cy - r * a.sin())
                })
                .collect();
            h.push(h[0]);
            holes.push(LineString::new(h));
        }
    }
    MultiPolygon(vec![Polygon::new(LineString::new(ring), holes)])
}

fn time_plan(req: &SurveyRequest, runs: usize) -> (Duration, SurveyPlan) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let plan = plan_survey(req).expect("benchmark survey plans");
        times.push(t.elapsed());
        last = Some(plan);
    }
    times.sort();
    (times[runs / 2], last.expect("at least one run"))
}

fn report(name: &str, req: &SurveyRequest, runs: usize) {
    let (median, plan) = time_plan(req, runs);
    let s = &plan.stats;
    println!("{name}");
    println!(
        "  planning time (median of {runs}): {:.1} ms",
        median.as_secs_f64() * 1000.0
    );
    println!(
        "  area {:.2} km², {} lanes at {:.0}° in {} cells",
        s.area_m2 / 1e6,
        s.lanes,
        plan.angle_deg,
        s.cells
    );
    println!(
        "  path length: {:.2} km survey + {:.2} km transit",
        s.survey_path_m / 1000.0,
        s.transit_m / 1000.0
    );
    println!("  turns: {}", s.turns);
    println!(
        "  estimated flight time at {} m/s: {:.0} min",
        req.speed_m_s,
        s.flight_time_s / 60.0
    );
    println!("  coverage: {:.2} %", s.coverage_pct);
    println!(
        "  path efficiency (area covered / (path × lane spacing)): {:.3}",
        s.efficiency
    );
}

fn main() {
    let camera = Camera::preset("sony-rx100").expect("preset exists");
    let scenario = PortScenario::parse(PORT).expect("example port parses");
    let launch = scenario.launch().expect("example port has a launch pad").horizontal();
    let fences = fences_from_zones(&scenario.zones);
    println!(
        "Survey planner benchmark: camera {}, 60 m, overlap 75/65, auto angle",
        camera.name
    );

    for zone in ["Port of Example", "Outer Anchorage"] {
        let area = match &scenario.zone(zone).expect("zone exists").shape {
            mission::area::ZoneShape::Polygons(mp) => mp.clone(),
            mission::area::ZoneShape::Circle { .. } => unreachable!("example zones are polygons"),
        };
        let mut req = SurveyRequest::new(area, camera.clone(), Altitude::AboveHome(60.0), launch);
        req.fences = fences.clone();
        report(
            &format!("example port: {zone} (fences and exclusions applied)"),
            &req,
            15,
        );
    }

    let frame = LocalFrame::at(LatLon::new(44.0, 9.0));
    let area = generated_area(&frame);
    let vertices: usize = area
        .0
        .iter()
        .map(|p| p.exterior().0.len() - 1 + p.interiors().iter().map(|h| h.0.len() - 1).sum::<usize>())
        .sum();
    let req = SurveyRequest::new(area, camera, Altitude::AboveHome(60.0), LatLon::new(43.98, 8.98));
    report(
        &format!("generated area: 1,000-vertex boundary with 20 holes ({vertices} vertices)"),
        &req,
        15,
    );
}
