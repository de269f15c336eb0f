//! Reading areas (GeoJSON, KML) and the shared port scenario, including the example port every crate tests against.

use geo::{Contains, Coord, Point};
use mission::area::{AreaError, Zone, ZoneKind, ZoneShape, parse_geojson, parse_kml, zones_to_geojson};
use mission::geodesy::{LatLon, distance_m};
use mission::scenario::{self, PortScenario, SiteKind, VesselState, is_valid_container_number, is_valid_imo};
use nalgebra::Vector2;

const EXAMPLE_PORT: &str = include_str!("../../data/scenarios/example-port.geojson");
const PORT_KML: &str = include_str!("data/areas/port.kml");

fn example() -> PortScenario {
    scenario::parse(EXAMPLE_PORT).expect("the example port parses")
}

fn polygons(zone: &Zone) -> &geo::MultiPolygon<f64> {
    match &zone.shape {
        ZoneShape::Polygons(mp) => mp,
        ZoneShape::Circle { .. } => panic!("{} is a circle", zone.name),
    }
}

fn contains(zone: &Zone, p: LatLon) -> bool {
    match &zone.shape {
        ZoneShape::Polygons(mp) => mp.contains(&Point::from(p.to_coord())),
        ZoneShape::Circle { center, radius_m } => distance_m(*center, p) < *radius_m,
    }
}

/// Twice the signed area in degrees²: positive for counter-clockwise rings.
fn signed_area2(ring: &geo::LineString<f64>) -> f64 {
    ring.0.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum()
}

#[test]
fn example_port_has_its_zones() {
    let s = example();
    assert_eq!(s.name, "Port of Example");
    assert!(s.description.contains("illustrative"), "{}", s.description);
    assert_eq!(s.reference, LatLon::new(44.4, 8.9));
    assert_eq!(s.max_alt_m, Some(120.0));

    let names = |kind: ZoneKind| s.zones_of(kind).map(|z| z.name.as_str()).collect::<Vec<_>>();
    assert_eq!(names(ZoneKind::Fence), ["Operational fence"]);
    assert_eq!(names(ZoneKind::Area), ["Port of Example"]);
    assert_eq!(names(ZoneKind::Quay), ["Quay A", "Quay B", "Quay C"]);
    assert_eq!(
        names(ZoneKind::Berth),
        ["Berth 1", "Berth 2", "Berth 3", "Berth 4", "Berth 5", "Berth 6"]
    );
    assert_eq!(names(ZoneKind::ContainerYard), ["Container Terminal Yard"]);
    assert_eq!(names(ZoneKind::Restricted), ["Customs Examination Area"]);
    assert_eq!(names(ZoneKind::Anchorage), ["Outer Anchorage"]);
    assert_eq!(
        names(ZoneKind::Exclusion),
        ["Example Airport CTR", "Fuel Terminal Buoy"]
    );
    assert_eq!(s.zones.len(), 16);

    // Lookup ignores case.
    assert_eq!(s.zone("berth 3").map(|z| z.kind.clone()), Some(ZoneKind::Berth));
    assert!(s.zone("Berth 7").is_none());

    // Every berth lies along the quay it names.
    for berth in s.zones_of(ZoneKind::Berth) {
        let quay = berth.properties["quay"].as_str().unwrap();
        assert_eq!(s.zone(quay).unwrap().kind, ZoneKind::Quay, "{}", berth.name);
    }

    // The yard has the reefer rack as a hole; every exterior is CCW and every hole CW.
    assert_eq!(
        polygons(s.zone("Container Terminal Yard").unwrap()).0[0]
            .interiors()
            .len(),
        1
    );
    for zone in &s.zones {
        if let ZoneShape::Polygons(mp) = &zone.shape {
            for p in &mp.0 {
                assert!(signed_area2(p.exterior()) > 0.0, "{}", zone.name);
                assert!(p.interiors().iter().all(|h| signed_area2(h) < 0.0), "{}", zone.name);
            }
        }
    }
}

#[test]
fn example_port_sizes_are_realistic() {
    let s = example();
    let frame = s.frame();
    let extent = |zone: &Zone| {
        let local: Vec<Vector2<f64>> = polygons(zone).0[0]
            .exterior()
            .0
            .iter()
            .map(|c| frame.to_local(LatLon::from_coord(*c)))
            .collect();
        let span = |f: fn(&Vector2<f64>) -> f64| {
            let v: Vec<f64> = local.iter().map(f).collect();
            v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min)
        };
        (span(|v| v.x), span(|v| v.y), local.len() - 1)
    };
    let (w, h, _) = extent(s.zone("Operational fence").unwrap());
    assert!(
        (3900.0..4100.0).contains(&w) && (2900.0..3100.0).contains(&h),
        "fence {w} × {h}"
    );
    let (w, h, vertices) = extent(s.zone("Outer Anchorage").unwrap());
    assert!(
        (1400.0..1800.0).contains(&w) && (900.0..1100.0).contains(&h),
        "anchorage {w} × {h}"
    );
    assert!(vertices > 4, "the anchorage is not a rectangle");

    // The anchorage lies offshore: south of the coast (the reference), inside the fence.
    let fence = s.zone("Operational fence").unwrap();
    for c in &polygons(s.zone("Outer Anchorage").unwrap()).0[0].exterior().0 {
        assert!(frame.to_local(LatLon::from_coord(*c)).y < -1000.0);
        assert!(contains(fence, LatLon::from_coord(*c)));
    }
}

#[test]
fn example_port_airport_zone_cuts_the_fence_corner() {
    let s = example();
    let frame = s.frame();
    let ZoneShape::Circle { center, radius_m } = s.zone("Example Airport CTR").unwrap().shape else {
        panic!("the airport zone is a circle");
    };
    let c = frame.to_local(center);
    let fence = polygons(s.zone("Operational fence").unwrap()).0[0].exterior();
    let local: Vec<Vector2<f64>> = fence.0.iter().map(|p| frame.to_local(LatLon::from_coord(*p))).collect();
    let west = local.iter().map(|v| v.x).fold(f64::MAX, f64::min);
    let north = local.iter().map(|v| v.y).fold(f64::MIN, f64::max);
    // The north-west corner is inside the circle; the circle leaves the fence's west and
    // north edges at these two points.
    assert!((Vector2::new(west, north) - c).norm() < radius_m - 500.0);
    let on_west = Vector2::new(west, c.y - (radius_m.powi(2) - (west - c.x).powi(2)).sqrt());
    let on_north = Vector2::new(c.x + (radius_m.powi(2) - (north - c.y).powi(2)).sqrt(), north);
    // A straight leg between points 30 m clear of the circle on each edge, both inside the
    // fence, still passes well inside the zone: the planner must route around it.
    let a = on_west - Vector2::new(0.0, 30.0);
    let b = on_north + Vector2::new(30.0, 0.0);
    assert!((a - c).norm() > radius_m && (b - c).norm() > radius_m);
    let deepest = (0..=100)
        .map(|i| (a + (b - a) * (i as f64 / 100.0) - c).norm())
        .fold(f64::MAX, f64::min);
    assert!(
        deepest < radius_m - 50.0,
        "the leg only reaches {deepest:.0} m from the centre"
    );
    // The port itself, its launch pad and rally points are clear of the zone.
    let port = polygons(s.zone("Port of Example").unwrap());
    for p in &port.0[0].exterior().0 {
        assert!(distance_m(center, LatLon::from_coord(*p)) > radius_m + 50.0);
    }
}

#[test]
fn example_port_has_its_sites() {
    let s = example();
    let launch = s.launch().expect("a launch pad");
    assert_eq!(launch.alt, 4.0);
    let quay_b = s.zone("Quay B").unwrap();
    assert!(contains(quay_b, launch.horizontal()), "launch pad on Quay B");
    for zone in s.zones_of(ZoneKind::Exclusion) {
        assert!(!contains(zone, launch.horizontal()));
    }

    let rally = s.rally_points();
    assert_eq!(rally.len(), 2);
    let fence = s.zone("Operational fence").unwrap();
    for r in &rally {
        assert_eq!(r.alt_m, 30.0);
        assert!(contains(fence, r.position));
        assert!(s.zones_of(ZoneKind::Exclusion).all(|z| !contains(z, r.position)));
    }

    let vessels: Vec<_> = s.vessels().collect();
    assert_eq!(vessels.len(), 6);
    let anchorage = s.zone("Outer Anchorage").unwrap();
    let count = |state| vessels.iter().filter(|(_, v)| v.state == state).count();
    assert_eq!(
        (
            count(VesselState::Berthed),
            count(VesselState::AtAnchor),
            count(VesselState::Underway)
        ),
        (3, 2, 1)
    );
    for (site, v) in &vessels {
        assert!(is_valid_imo(v.imo.expect("every example vessel has an IMO number")));
        assert!(v.length_m > v.beam_m && v.beam_m > 0.0);
        assert!(contains(fence, site.position), "{}", v.name);
        match v.state {
            VesselState::Berthed => {
                let berth = s
                    .zone(v.berth.as_deref().expect("berthed vessels name their berth"))
                    .unwrap();
                assert!(contains(berth, site.position), "{} in {}", v.name, berth.name);
                // Alongside: heading parallel to the berth's long side (north-south or east-west).
                assert_eq!(v.heading_deg % 90.0, 0.0, "{}", v.name);
            }
            VesselState::AtAnchor => assert!(contains(anchorage, site.position), "{} in the anchorage", v.name),
            VesselState::Underway => assert!(!contains(anchorage, site.position)),
        }
    }

    let stacks: Vec<_> = s.container_stacks().collect();
    assert_eq!(stacks.len(), 4);
    let yard = s.zone("Container Terminal Yard").unwrap();
    let mut all = Vec::new();
    for (site, stack) in &stacks {
        assert!(contains(yard, site.position), "{} in the yard", site.name);
        assert!(stack.containers.len() <= (stack.rows * stack.tiers) as usize);
        for number in &stack.containers {
            assert!(is_valid_container_number(number), "{number}");
            assert_eq!(&number[3..4], "U");
            all.push(number.clone());
        }
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "container numbers are unique");

    let camera = s.site("gate CAMERA").expect("a camera site");
    assert_eq!(camera.kind, SiteKind::Other("camera".into()));
}

#[test]
fn example_port_geofence() {
    let s = example();
    let fence = s.geofence();
    assert_eq!(fence.max_alt_m, Some(120.0));
    let inclusions: Vec<_> = fence.polygons.iter().filter(|p| p.inclusion).collect();
    let exclusions: Vec<_> = fence.polygons.iter().filter(|p| !p.inclusion).collect();
    assert_eq!(inclusions.len(), 1);
    assert_eq!(
        inclusions[0].vertices.len(),
        4,
        "fence vertices without the closing repeat"
    );
    assert_eq!(exclusions.len(), 1);
    assert_eq!(exclusions[0].vertices.len(), 8, "the fuel buoy octagon");
    assert_eq!(fence.circles.len(), 1);
    assert!(!fence.circles[0].inclusion);
    assert_eq!(fence.circles[0].radius_m, 3200.0);
}

#[test]
fn example_port_round_trips() {
    let s = example();
    let again = scenario::parse(&s.to_geojson()).unwrap();
    assert_eq!(again, s);
    // The zones alone read as a plain area file too.
    let zones = parse_geojson(EXAMPLE_PORT).unwrap();
    assert_eq!(zones, s.zones);
    assert_eq!(parse_geojson(&zones_to_geojson(&zones).to_string()).unwrap(), zones);
}

#[test]
fn polygon_with_hole_and_multipolygon() {
    let text = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"name":"Yard","kind":"Container yard"},"geometry":{"type":"Polygon","coordinates":[
        [[8.90,44.40],[8.92,44.40],[8.92,44.41],[8.90,44.41],[8.90,44.40]],
        [[8.905,44.402],[8.905,44.404],[8.907,44.404],[8.907,44.402],[8.905,44.402]]]}},
      {"type":"Feature","properties":{"name":"Berths","kind":"berth"},"geometry":{"type":"MultiPolygon","coordinates":[
        [[[8.90,44.39],[8.91,44.39],[8.91,44.395],[8.90,44.39]]],
        [[[8.92,44.39],[8.93,44.39],[8.93,44.395],[8.92,44.395],[8.92,44.39]],
         [[8.922,44.391],[8.922,44.392],[8.923,44.392],[8.922,44.391]]]]}},
      {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[8.9,44.3],[8.91,44.3],[8.91,44.31],[8.9,44.3]]]}}
    ]}"#;
    let zones = parse_geojson(text).unwrap();
    assert_eq!(zones.len(), 3);
    assert_eq!(zones[0].kind, ZoneKind::ContainerYard);
    assert_eq!(polygons(&zones[0]).0[0].interiors().len(), 1);
    assert!(!contains(&zones[0], LatLon::new(44.403, 8.906)), "inside the hole");
    assert!(contains(&zones[0], LatLon::new(44.401, 8.901)));
    assert_eq!(zones[1].kind, ZoneKind::Berth);
    let mp = polygons(&zones[1]);
    assert_eq!(mp.0.len(), 2);
    assert_eq!(mp.0[1].interiors().len(), 1);
    assert_eq!(zones[2].name, "feature 3");
    assert_eq!(zones[2].kind, ZoneKind::Area);
}

#[test]
fn clockwise_exterior_is_rewound_silently() {
    let text = r#"{"type":"Feature","properties":{"name":"CW"},"geometry":{"type":"Polygon","coordinates":[
        [[8.90,44.40],[8.90,44.41],[8.91,44.41],[8.91,44.40],[8.90,44.40]],
        [[8.902,44.402],[8.904,44.402],[8.904,44.404],[8.902,44.404],[8.902,44.402]]]}}"#;
    let zones = parse_geojson(text).unwrap();
    let p = &polygons(&zones[0]).0[0];
    assert!(signed_area2(p.exterior()) > 0.0);
    assert!(signed_area2(&p.interiors()[0]) < 0.0);
    // Same vertices, opposite order.
    assert_eq!(p.exterior().0[1], Coord { x: 8.91, y: 44.40 });
}

#[test]
fn kml_sample_parses_with_holes_and_kinds() {
    let zones = parse_kml(PORT_KML).unwrap();
    let summary: Vec<(&str, &ZoneKind)> = zones.iter().map(|z| (z.name.as_str(), &z.kind)).collect();
    assert_eq!(
        summary,
        [
            ("Container Terminal Yard", &ZoneKind::ContainerYard),
            ("Berths 5 and 6", &ZoneKind::Berth),
            ("Port boundary", &ZoneKind::Area),
            ("Customs Examination Area", &ZoneKind::Restricted),
        ]
    );
    let yard = &zones[0];
    assert_eq!(polygons(yard).0[0].interiors().len(), 1);
    assert_eq!(yard.properties["operator"], "Example Terminals & Co");
    assert!(yard.properties["description"].as_str().unwrap().contains("<b>A</b>"));
    assert_eq!(polygons(&zones[1]).0.len(), 2);
    // The clockwise boundary was re-wound.
    assert!(signed_area2(polygons(&zones[2]).0[0].exterior()) > 0.0);
    // KML and the example port describe the same yard.
    let s = example();
    let frame = s.frame();
    let kml_corner = frame.to_local(LatLon::from_coord(polygons(yard).0[0].exterior().0[0]));
    let geojson_corner = frame.to_local(LatLon::from_coord(
        polygons(s.zone("Container Terminal Yard").unwrap()).0[0].exterior().0[0],
    ));
    assert!((kml_corner - geojson_corner).norm() < 1.0);
}

fn feature(name: &str, rings: &str) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[
          {{"type":"Feature","properties":{{"name":"Fine"}},"geometry":{{"type":"Polygon","coordinates":[[[8.9,44.4],[8.91,44.4],[8.91,44.41],[8.9,44.4]]]}}}},
          {{"type":"Feature","properties":{{"name":"{name}","kind":"berth"}},"geometry":{{"type":"Polygon","coordinates":{rings}}}}}]}}"#
    )
}

fn error_text(name: &str, rings: &str) -> String {
    let e = parse_geojson(&feature(name, rings)).unwrap_err();
    assert!(matches!(e, AreaError::Feature { .. }), "{e:?}");
    e.to_string()
}

#[test]
fn open_ring_is_named() {
    let e = error_text("Berth 9", "[[[8.9,44.4],[8.91,44.4],[8.91,44.41],[8.9,44.41]]]");
    assert!(
        e.starts_with("feature Berth 9 (feature #2): exterior ring: open ring"),
        "{e}"
    );
}

#[test]
fn too_few_points_is_named() {
    let e = error_text("Sliver", "[[[8.9,44.4],[8.91,44.4],[8.9,44.4]]]");
    assert_eq!(
        e,
        "feature Sliver (feature #2): exterior ring: too few points (2 distinct, a ring needs at least 3)"
    );
}

#[test]
fn bow_tie_is_named_with_edges_and_point() {
    let e = error_text(
        "Bow tie",
        "[[[8.90,44.40],[8.92,44.42],[8.92,44.40],[8.90,44.42],[8.90,44.40]]]",
    );
    assert_eq!(
        e,
        "feature Bow tie (feature #2): self-intersection: exterior ring edge 0 crosses edge 2 near (8.910000, 44.410000)"
    );
}

#[test]
fn hole_crossing_exterior_is_named() {
    let e = error_text(
        "Leaky yard",
        "[[[8.90,44.40],[8.92,44.40],[8.92,44.42],[8.90,44.42],[8.90,44.40]],
          [[8.91,44.41],[8.93,44.41],[8.93,44.415],[8.91,44.415],[8.91,44.41]]]",
    );
    assert!(
        e.starts_with("feature Leaky yard (feature #2): rings cross: exterior ring edge 1 crosses hole 1 edge"),
        "{e}"
    );
    assert!(e.contains("near (8.920000, 44.41"), "{e}");
}

#[test]
fn latitude_out_of_range_is_named() {
    let e = error_text("Polar", "[[[8.9,44.4],[8.91,94.4],[8.91,44.41],[8.9,44.4]]]");
    assert_eq!(
        e,
        "feature Polar (feature #2): exterior ring: vertex 1 has latitude 94.4 out of range [-90, 90]"
    );
}

#[test]
fn multipolygon_errors_name_the_polygon() {
    let text = r#"{"type":"Feature","properties":{"name":"Two"},"geometry":{"type":"MultiPolygon","coordinates":[
        [[[8.9,44.4],[8.91,44.4],[8.91,44.41],[8.9,44.4]]],
        [[[8.9,44.4],[8.91,44.4],[8.91,44.41]]]]}}"#;
    let e = parse_geojson(text).unwrap_err().to_string();
    assert!(
        e.starts_with("feature Two (feature #1): polygon 1, exterior ring: open ring"),
        "{e}"
    );
}

#[test]
fn bad_json_is_a_syntax_error() {
    let e = parse_geojson(r#"{"type":"FeatureCollection","features":[ {"type":"Feature",}"#).unwrap_err();
    assert!(matches!(e, AreaError::Syntax { format: "GeoJSON", .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.starts_with("not valid GeoJSON: ") && text.contains("line 1"),
        "{text}"
    );
    let e = scenario::parse("not json").unwrap_err();
    assert!(e.to_string().starts_with("not valid GeoJSON"), "{e}");
}

#[test]
fn kml_errors_name_the_placemark() {
    let bad = PORT_KML.replace(
        "8.9166153,44.3974819 8.9186290,44.3974819 8.9186290,44.4023383",
        "8.9166153,44.3974819 8.9186290,44.4023383 8.9186290,44.3974819",
    );
    let e = parse_kml(&bad).unwrap_err().to_string();
    assert!(
        e.starts_with("feature Customs Examination Area (placemark #4): polygon 0, self-intersection"),
        "{e}"
    );
    let e = parse_kml("<kml><Document><Placemark></Folder></kml>").unwrap_err();
    assert!(matches!(e, AreaError::Syntax { format: "KML", .. }), "{e:?}");
}

#[test]
fn scenario_helpers_on_a_small_file() {
    let text = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"kind":"scenario","name":"Tiny","description":"d","max_alt_m":60,"operator":"x"},
       "geometry":{"type":"Point","coordinates":[8.9,44.4]}},
      {"type":"Feature","properties":{"kind":"fence","name":"F"},"geometry":{"type":"Polygon","coordinates":[
        [[8.89,44.39],[8.91,44.39],[8.91,44.41],[8.89,44.41],[8.89,44.39]],
        [[8.895,44.395],[8.895,44.397],[8.897,44.397],[8.895,44.395]]]}},
      {"type":"Feature","properties":{"kind":"fence","name":"Inner circle","radius_m":500},"geometry":{"type":"Point","coordinates":[8.9,44.4]}},
      {"type":"Feature","properties":{"kind":"rally","name":"R","alt_m":25},"geometry":{"type":"Point","coordinates":[8.901,44.401]}}
    ]}"#;
    let s = scenario::parse(text).unwrap();
    assert_eq!(s.properties["operator"], "x");
    let fence = s.geofence();
    assert_eq!(fence.max_alt_m, Some(60.0));
    // The fence's hole is an exclusion; the circle an inclusion.
    assert_eq!(
        fence.polygons.iter().map(|p| p.inclusion).collect::<Vec<_>>(),
        [true, false]
    );
    assert_eq!(fence.polygons[1].vertices.len(), 3);
    assert!(fence.circles[0].inclusion);
    assert_eq!(s.rally_points()[0].alt_m, 25.0);
    assert!(s.launch().is_none());
    assert_eq!(scenario::parse(&s.to_geojson()).unwrap(), s);
}

#[test]
fn thousand_vertex_ring_validates_quickly() {
    let n = 1000;
    let ring: Vec<String> = (0..=n)
        .map(|i| {
            let t = (i % n) as f64 / n as f64 * std::f64::consts::TAU;
            let r = 0.01 * (1.0 + 0.3 * (t * 25.0).sin());
            format!("[{},{}]", 8.9 + r * t.cos(), 44.4 + r * t.sin())
        })
        .collect();
    let text = format!(
        r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        ring.join(",")
    );
    let start = std::time::Instant::now();
    let zones = parse_geojson(&text).unwrap();
    let took = start.elapsed();
    assert_eq!(polygons(&zones[0]).0[0].exterior().0.len(), n + 1);
    // Generous: unoptimised test builds on a shared two-core machine.
    assert!(took.as_millis() < 100, "{took:?}");
}
