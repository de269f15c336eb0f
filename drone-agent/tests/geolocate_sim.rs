//! Geolocation against the simulator's camera: its projections and the ground-truth boxes of a rendered example port at 60 m.

use std::sync::OnceLock;

use drone_agent::geolocate::{CameraState, Geolocator, GimbalAngles, Intrinsics};
use mission::geodesy::{Geodetic, LatLon, LocalFrame, destination, distance_m};
use mission::scenario::PortScenario;
use nalgebra::UnitQuaternion;
use sim::camera::{CameraModel, CameraPose, CameraView, Gimbal, Renderer};
use sim::world::{ObjectClass, World};

fn state(pose: &CameraPose) -> CameraState {
    CameraState {
        position: pose.position,
        attitude: pose.attitude,
        gimbal: GimbalAngles {
            pitch_deg: pose.gimbal.pitch_deg,
            yaw_deg: pose.gimbal.yaw_deg,
            stabilised: pose.gimbal.stabilised,
        },
    }
}

fn geolocator(model: &CameraModel) -> Geolocator {
    let k = model.intrinsics();
    Geolocator::new(
        Intrinsics {
            fx: k.fx,
            fy: k.fy,
            cx: k.cx,
            cy: k.cy,
        },
        0.0,
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn sim_projected_ground_points_come_back_within_centimetres() {
    let model = CameraModel::with_intrinsics(
        1920,
        1080,
        sim::camera::Intrinsics {
            fx: 1400.0,
            fy: 1390.0,
            cx: 950.0,
            cy: 545.0,
        },
    );
    let frame = LocalFrame::at(LatLon::new(44.395, 8.905));
    let geo = geolocator(&model);
    let at = Geodetic::new(44.3962, 8.9031, 60.0);
    let mut errors = Vec::new();
    for (heading, pitch, yaw, stabilised, roll, tilt) in [
        (0.0, -90.0, 0.0, true, 0.0, 0.0),
        (37.0, -60.0, 0.0, true, 0.08, -0.05),
        (210.0, -45.0, 20.0, true, -0.1, 0.1),
        (300.0, -70.0, -15.0, false, 0.06, -0.12),
        (95.0, -90.0, 0.0, false, -0.05, 0.04),
    ] {
        let pose = CameraPose {
            position: at,
            attitude: UnitQuaternion::from_euler_angles(roll, tilt, f64::to_radians(heading)),
            gimbal: Gimbal {
                pitch_deg: pitch,
                yaw_deg: yaw,
                stabilised,
            },
        };
        let view = CameraView::new(&model, &frame, &pose);
        // Ground points around the camera, projected by the simulator, geolocated by us.
        for (bearing, range) in [
            (0.0, 10.0),
            (45.0, 40.0),
            (160.0, 25.0),
            (250.0, 60.0),
            (330.0, 5.0),
            (90.0, 80.0),
        ] {
            let truth = destination(at.horizontal(), bearing, range);
            let Some(px) = view.project_geodetic(truth.with_alt(0.0)) else {
                continue;
            };
            if !view.in_image(&px) {
                continue;
            }
            let found = geo.locate(px.x, px.y, &state(&pose)).unwrap();
            errors.push(distance_m(found.position, truth));
            assert!(found.error_m.is_finite() && found.error_m > 0.0);
        }
        // And pixels cast by the simulator onto the sea plane.
        for (u, v) in [(960.0, 540.0), (100.0, 1000.0), (1800.0, 900.0), (500.0, 300.0)] {
            let Some(truth) = view.pixel_to_ground(u, v) else {
                continue;
            };
            if distance_m(truth, at.horizontal()) > 500.0 {
                continue;
            }
            errors.push(distance_m(geo.locate(u, v, &state(&pose)).unwrap().position, truth));
        }
    }
    assert!(errors.len() >= 25, "{}", errors.len());
    let worst = errors.iter().copied().fold(0.0, f64::max);
    assert!(worst < 0.05, "worst {worst} m of {errors:?}");
}

fn world() -> World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let text = include_str!("../../data/scenarios/example-port.geojson");
        let scenario = PortScenario::parse(text).expect("the example port parses");
        let mut w = World::from_scenario(&scenario, 42);
        w.step(30.0);
        w
    })
    .clone()
}

#[test]
fn ground_truth_box_centres_of_a_rendered_port_geolocate_within_3_m_median_at_60_m() {
    let w = world();
    let model = CameraModel::default();
    let renderer = Renderer::new(&w, model).unwrap();
    let geo = geolocator(&model);
    let targets: Vec<_> = w
        .objects()
        .iter()
        .filter(|o| {
            matches!(
                o.class,
                ObjectClass::Person | ObjectClass::Car | ObjectClass::Truck | ObjectClass::Boat
            )
        })
        .step_by(3)
        .take(8)
        .cloned()
        .collect();
    let mut errors = Vec::new();
    let mut predicted = Vec::new();
    for (i, o) in targets.iter().enumerate() {
        // Straight down over one, and oblique from 30 m off another's side.
        let pose = if i % 2 == 0 {
            CameraPose::level(o.position.with_alt(60.0), 20.0 * i as f64, -90.0)
        } else {
            let from = destination(o.position, 200.0, 30.0);
            CameraPose::level(from.with_alt(60.0), 20.0, -60.0)
        };
        let frame = renderer.render(&w, &pose);
        for b in &frame.boxes {
            let inside = b.bbox[0] > 0.0 && b.bbox[1] > 0.0 && b.bbox[2] < 1280.0 && b.bbox[3] < 720.0;
            if !inside || b.occluded_fraction > 0.3 || matches!(b.class, ObjectClass::Vessel | ObjectClass::Container) {
                continue;
            }
            let (u, v) = ((b.bbox[0] + b.bbox[2]) / 2.0, (b.bbox[1] + b.bbox[3]) / 2.0);
            let found = geo.locate(u, v, &state(&pose)).unwrap();
            errors.push(distance_m(found.position, b.center));
            predicted.push(found.error_m);
        }
    }
    eprintln!("{} boxes, errors {errors:.2?}", errors.len());
    assert!(errors.len() >= 5, "{}", errors.len());
    let m = median(errors);
    assert!(m <= 3.0, "median {m} m");
    // The 1-sigma estimate (1 px, 1°, 1 m) is of the right order at 60 m: 1 to 5 m.
    let p = median(predicted);
    assert!((1.0..5.0).contains(&p), "{p}");
}
