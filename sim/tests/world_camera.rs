//! The port world and the camera together, on the example port: who is where, and what the camera sees of them.

use std::sync::OnceLock;

use mission::area::ZoneKind;
use mission::geodesy::{Geodetic, LatLon, distance_m};
use mission::scenario::{PortScenario, VesselState, is_valid_container_number};
use sim::camera::{CameraModel, CameraPose, Frame, GroundTruthBox, Renderer};
use sim::world::surface::V2;
use sim::world::{GroundTruthRecord, ObjectClass, World, WorldObject};

fn scenario() -> &'static PortScenario {
    static S: OnceLock<PortScenario> = OnceLock::new();
    S.get_or_init(|| {
        let text = include_str!("../../data/scenarios/example-port.geojson");
        PortScenario::parse(text).expect("the example port parses")
    })
}

/// Building the ground raster is the slow part in debug builds: build once, clone.
fn world() -> World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| World::from_scenario(scenario(), 42)).clone()
}

fn of_class(w: &World, class: ObjectClass) -> Vec<&WorldObject> {
    w.objects().iter().filter(|o| o.class == class).collect()
}

fn in_zone_of(w: &World, kinds: &[ZoneKind], p: V2) -> bool {
    w.zones().iter().any(|z| kinds.contains(&z.kind) && z.contains(p))
}

#[test]
fn the_world_holds_the_scenarios_vessels_and_containers() {
    let w = world();
    let vessels = of_class(&w, ObjectClass::Vessel);
    let expected: Vec<_> = scenario().vessels().map(|(_, v)| v).collect();
    assert_eq!(vessels.len(), expected.len());
    for (o, v) in vessels.iter().zip(&expected) {
        assert_eq!(o.name, v.name);
        assert_eq!((o.length_m, o.width_m), (v.length_m, v.beam_m));
        assert!(o.height_m > 0.0);
    }
    let containers = of_class(&w, ObjectClass::Container);
    let numbers: usize = scenario().container_stacks().map(|(_, s)| s.containers.len()).sum();
    assert_eq!(containers.len(), numbers);
    for c in &containers {
        assert!(is_valid_container_number(&c.name), "{}", c.name);
        assert_eq!((c.length_m, c.width_m, c.height_m), (6.06, 2.44, 2.59));
        assert!(in_zone_of(&w, &[ZoneKind::ContainerYard], c.east_north_m), "{}", c.name);
    }
    // Stack A1 holds five boxes in three rows: two stand on the bottom tier's first two.
    let a1: Vec<_> = ["EXPU1234507", "LGRU7001251"]
        .iter()
        .map(|n| containers.iter().find(|c| c.name == *n).unwrap())
        .collect();
    assert_eq!(a1[0].elevation_m, 0.0);
    assert!((a1[1].elevation_m - 2.59).abs() < 1e-9);
    assert!((a1[0].east_north_m - a1[1].east_north_m).norm() < 1e-6);
    assert!(of_class(&w, ObjectClass::Boat).len() >= 3);
    assert_eq!(of_class(&w, ObjectClass::Person).len(), 12);
    assert!(of_class(&w, ObjectClass::Car).len() + of_class(&w, ObjectClass::Truck).len() >= 3);
    let ids: std::collections::HashSet<u32> = w.objects().iter().map(|o| o.id).collect();
    assert_eq!(ids.len(), w.objects().len());
}

#[test]
fn ten_minutes_on_boats_keep_to_water_and_people_to_quays_and_yard() {
    let mut w = world();
    let land = [ZoneKind::Quay, ZoneKind::ContainerYard];
    let start: Vec<V2> = w.objects().iter().map(|o| o.east_north_m).collect();
    for second in 1..=600 {
        w.step(1.0);
        if second % 5 != 0 {
            continue;
        }
        for o in w.objects() {
            match o.class {
                ObjectClass::Boat => {
                    assert!(
                        w.navigable(o.east_north_m),
                        "{} at {:?} t={second}",
                        o.name,
                        o.east_north_m
                    );
                    assert!(
                        !in_zone_of(&w, &[ZoneKind::Quay], o.east_north_m),
                        "{} on a quay",
                        o.name
                    );
                    assert!(w.surface().material_at(o.east_north_m).is_water(), "{}", o.name);
                }
                ObjectClass::Person | ObjectClass::Car | ObjectClass::Truck => {
                    assert!(
                        in_zone_of(&w, &land, o.east_north_m),
                        "{} at {:?} t={second}",
                        o.name,
                        o.east_north_m
                    );
                }
                _ => {}
            }
        }
    }
    // They did move, and the positions published agree with the local ones.
    let moved = w
        .objects()
        .iter()
        .zip(&start)
        .filter(|(o, s)| {
            matches!(o.class, ObjectClass::Boat | ObjectClass::Person) && (o.east_north_m - *s).norm() > 20.0
        })
        .count();
    assert!(moved >= 10, "{moved}");
    for o in w.objects() {
        let back = w.frame().to_local(o.position);
        assert!((back - o.east_north_m).norm() < 1e-3, "{}", o.name);
    }

    let (boat, vessel) = w.alongside().expect("the example port has an anchored vessel");
    let (boat, vessel) = (w.object(boat).unwrap(), w.object(vessel).unwrap());
    assert_eq!(boat.name, "boat-alongside");
    assert_eq!(
        scenario()
            .vessels()
            .find(|(_, v)| v.name == vessel.name)
            .unwrap()
            .1
            .state,
        VesselState::AtAnchor
    );
    let gap = distance_m(boat.position, vessel.position);
    assert!(gap < 30.0, "alongside boat is {gap:.1} m from {}", vessel.name);
    // The anchored vessel swings, the berthed ones stay.
    let aurora = w.objects().iter().find(|o| o.name == "MV Aurora Bay").unwrap();
    assert_eq!(aurora.east_north_m, start[aurora.id as usize - 1]);
    assert!((vessel.east_north_m - start[vessel.id as usize - 1]).norm() > 1.0);
}

#[test]
fn the_same_seed_gives_the_same_ground_truth() {
    let run = |seed: u64| -> Vec<GroundTruthRecord> {
        let mut w = World::from_scenario(scenario(), seed);
        let mut out = Vec::new();
        for _ in 0..120 {
            w.step(0.5);
            out.extend(w.ground_truth());
        }
        out
    };
    let a = run(7);
    assert_eq!(a, run(7));
    assert_ne!(a, run(8));
}

fn boxes_of(frame: &Frame, id: u32) -> Option<&GroundTruthBox> {
    frame.boxes.iter().find(|b| b.id == id)
}

/// A camera `alt` metres above sea level straight over `o`, image up along its heading.
fn over(w: &World, o: &WorldObject, alt: f64) -> CameraPose {
    let _ = w;
    CameraPose::level(o.position.with_alt(alt), o.heading_deg, -90.0)
}

#[test]
fn straight_down_at_60_m_a_boat_is_boxed_at_the_centre_at_pinhole_size() {
    let mut w = world();
    w.step(30.0);
    let renderer = Renderer::new(&w, CameraModel::default()).unwrap();
    let fx = CameraModel::default().intrinsics().fx;
    let boat = of_class(&w, ObjectClass::Boat)[0].clone();
    let pose = over(&w, &boat, 60.0);
    let frame = renderer.render(&w, &pose);
    let b = boxes_of(&frame, boat.id).expect("the boat below is boxed");
    let centre = [(b.bbox[0] + b.bbox[2]) / 2.0, (b.bbox[1] + b.bbox[3]) / 2.0];
    assert!(
        (centre[0] - 640.0).abs() < 15.0 && (centre[1] - 360.0).abs() < 15.0,
        "{b:?}"
    );
    let (long, wide) = (b.bbox[3] - b.bbox[1], b.bbox[2] - b.bbox[0]);
    let (want_long, want_wide) = (boat.length_m * fx / 60.0, boat.width_m * fx / 60.0);
    assert!((long / want_long - 1.0).abs() < 0.1, "{long} px for {want_long}");
    assert!((wide / want_wide - 1.0).abs() < 0.1, "{wide} px for {want_wide}");
    assert!(b.distance_m > 55.0 && b.distance_m < 60.0);
    assert_eq!(b.occluded_fraction, 0.0);
    assert_eq!(b.center, boat.position);
    // Geolocating the box centre finds the boat within a metre.
    let seen = renderer.view(&w, &pose).pixel_to_ground(centre[0], centre[1]).unwrap();
    assert!(distance_m(seen, boat.position) < 1.0);
    // The pixels there are the boat's, not the sea's.
    let [r, g, bl] = frame.pixel(640, 360);
    assert!(!(bl > r + 30 && bl > g), "{r} {g} {bl}");
}

#[test]
fn a_vessel_seen_from_above_fills_its_box() {
    let w = world();
    let renderer = Renderer::new(&w, CameraModel::default()).unwrap();
    let fx = CameraModel::default().intrinsics().fx;
    let ship = w.objects().iter().find(|o| o.name == "MV Ligurian Star").unwrap();
    // At 60 m a 200 m ship overflows the frame lengthwise: its box is clipped to the image.
    let frame = renderer.render(&w, &over(&w, ship, 60.0));
    let b = boxes_of(&frame, ship.id).expect("the ship below is boxed");
    assert_eq!((b.bbox[1], b.bbox[3]), (0.0, 720.0), "{b:?}");
    assert!(((b.bbox[0] + b.bbox[2]) / 2.0 - 640.0).abs() < 20.0, "{b:?}");
    // From 400 m it fits, at its pinhole size (the deck is 12 m up).
    let frame = renderer.render(&w, &over(&w, ship, 400.0));
    let b = boxes_of(&frame, ship.id).expect("the ship below is boxed");
    let long = b.bbox[3] - b.bbox[1];
    assert!((long / (ship.length_m * fx / 400.0) - 1.0).abs() < 0.1, "{b:?}");
    assert!(((b.bbox[1] + b.bbox[3]) / 2.0 - 360.0).abs() < 20.0, "{b:?}");
}

#[test]
fn pixel_to_ground_round_trips_within_half_a_metre() {
    let w = world();
    let renderer = Renderer::new(&w, CameraModel::default()).unwrap();
    let at = LatLon::new(44.3960, 8.9000);
    for (pitch, heading, alt) in [(-90.0, 0.0, 60.0), (-45.0, 30.0, 60.0), (-20.0, 200.0, 120.0)] {
        let mut pose = CameraPose::level(at.with_alt(alt), heading, pitch);
        pose.attitude *= nalgebra::UnitQuaternion::from_euler_angles(0.05, -0.08, 0.0);
        let view = renderer.view(&w, &pose);
        for (u, v) in [(640.0, 360.0), (10.0, 700.0), (1200.0, 400.0), (300.0, 500.0)] {
            let Some(ground) = view.pixel_to_ground(u, v) else {
                continue;
            };
            let px = view.project_geodetic(ground.with_alt(0.0)).unwrap();
            assert!((px - nalgebra::Vector2::new(u, v)).norm() < 1e-6);
            let back = view.pixel_to_ground(px.x, px.y).unwrap();
            assert!(distance_m(ground, back) < 0.5);
        }
        let target = mission::geodesy::destination(at, heading, alt / (-pitch).to_radians().tan());
        let px = view.project_geodetic(target.with_alt(0.0)).unwrap();
        assert!(view.in_image(&px));
        let back = view.pixel_to_ground(px.x, px.y).unwrap();
        assert!(distance_m(back, target) < 0.5, "{pitch} {}", distance_m(back, target));
    }
}

#[test]
fn what_is_behind_or_beside_the_frame_is_not_boxed() {
    let mut w = world();
    w.step(30.0);
    let renderer = Renderer::new(&w, CameraModel::default()).unwrap();
    let boat = of_class(&w, ObjectClass::Boat)[0].clone();
    // Level, 20 m up, 100 m north of the boat, looking north: the boat is behind.
    let north = mission::geodesy::destination(boat.position, 0.0, 100.0);
    let frame = renderer.render(&w, &CameraPose::level(north.with_alt(20.0), 0.0, 0.0));
    assert!(boxes_of(&frame, boat.id).is_none());
    // Looking south from there it is in front, and boxed.
    let frame = renderer.render(&w, &CameraPose::level(north.with_alt(20.0), 180.0, 0.0));
    assert!(boxes_of(&frame, boat.id).is_some());
    // Straight down 200 m to its east at 60 m: beyond the frame's edge.
    let east = mission::geodesy::destination(boat.position, 90.0, 200.0);
    let frame = renderer.render(&w, &CameraPose::level(east.with_alt(60.0), 0.0, -90.0));
    assert!(boxes_of(&frame, boat.id).is_none());
    for b in &frame.boxes {
        assert!(b.bbox[0] >= 0.0 && b.bbox[2] <= 1280.0 && b.bbox[0] < b.bbox[2]);
        assert!(b.bbox[1] >= 0.0 && b.bbox[3] <= 720.0 && b.bbox[1] < b.bbox[3]);
    }
}

#[test]
fn a_render_of_the_port_writes_a_png_with_its_boxes() {
    let mut w = world();
    w.step(60.0);
    let model = CameraModel::new(640, 360, 80.0);
    let renderer = Renderer::new(&w, model).unwrap();
    // From the quay, looking north over the yard's stacks to the town and the sky.
    let pose = CameraPose::level(Geodetic::new(44.3975, 8.9070, 40.0), 0.0, -20.0);
    let frame = renderer.render(&w, &pose);
    assert!(frame.boxes.iter().any(|b| b.class == ObjectClass::Container));
    let top = frame.pixel(320, 2);
    assert!(top[2] > 150 && top[2] > top[0], "sky at the top: {top:?}");
    let dir = std::env::temp_dir().join(format!("portops-world-camera-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("port.png");
    frame.write_png(std::fs::File::create(&path).unwrap()).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (640, 360));
    assert_eq!(&buf[..info.buffer_size()], &frame.rgb[..]);
    let json: serde_json::Value = serde_json::from_str(&frame.boxes_json()).unwrap();
    assert_eq!(json["boxes"].as_array().unwrap().len(), frame.boxes.len());
    assert_eq!(json["width"], 640);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `cargo test -p sim --release --test world_camera -- --ignored --nocapture render_time`
#[test]
#[ignore = "a timing, for release builds"]
fn render_time() {
    let mut w = world();
    w.step(60.0);
    let renderer = Renderer::new(&w, CameraModel::default()).unwrap();
    let poses = [
        (
            "straight down, 60 m, quay",
            CameraPose::level(Geodetic::new(44.3975, 8.9075, 60.0), 0.0, -90.0),
        ),
        (
            "oblique -20°, 40 m, yard and sky",
            CameraPose::level(Geodetic::new(44.3975, 8.9070, 40.0), 0.0, -20.0),
        ),
        (
            "oblique -35°, 300 m, harbour",
            CameraPose::level(Geodetic::new(44.390, 8.900, 300.0), 0.0, -35.0),
        ),
    ];
    for (name, pose) in &poses {
        renderer.render(&w, pose);
        let n = 20;
        let start = std::time::Instant::now();
        let mut boxes = 0;
        for _ in 0..n {
            w.step(0.1);
            boxes = renderer.render(&w, pose).boxes.len();
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / n as f64;
        println!("{name}: {ms:.1} ms a frame, {boxes} boxes");
    }
}
