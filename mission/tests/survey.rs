//! Survey planner properties: lanes stay in the area minus exclusions, footprints cover it,
//! no leg enters an exclusion, and fence checks catch legs that cross a zone end to end.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use mission::area::ZoneShape;
use mission::camera::Camera;
use mission::fence::{FenceGeometry, LocalShape};
use mission::geodesy::{LatLon, LocalFrame};
use mission::geometry::{point_in_polygon, segment_hit};
use mission::survey::{Altitude, NamedShape, SurveyRequest, plan_survey};
use proptest::prelude::*;

const ORIGIN: LatLon = LatLon::new(44.39, 8.91);

fn frame() -> LocalFrame {
    LocalFrame::at(ORIGIN)
}

/// A star-shaped polygon (concave in general) from radii at equal angles, in lon/lat.
fn star(center: Coord<f64>, radii: &[f64], rotate: f64) -> Polygon<f64> {
    let f = frame();
    let n = radii.len();
    let mut ring: Vec<Coord<f64>> = radii
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let a = rotate + 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            f.coord_from_local(Coord {
                x: center.x + r * a.cos(),
                y: center.y + r * a.sin(),
            })
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString::new(ring), vec![])
}

fn to_local(p: &Polygon<f64>) -> Polygon<f64> {
    use geo::MapCoords;
    let f = frame();
    p.map_coords(|c| f.coord_to_local(c))
}

/// True when the open segment a→b crosses no edge of the polygon and its midpoint is inside.
fn segment_inside(a: Coord<f64>, b: Coord<f64>, poly: &Polygon<f64>) -> bool {
    let crosses = mission::geometry::polygon_edges(poly).any(|(p, q)| {
        segment_hit(a, b, p, q).is_some_and(|t| t > 1e-6 && t < 1.0 - 1e-6)
            && segment_hit(p, q, a, b).is_some_and(|u| u > 1e-6 && u < 1.0 - 1e-6)
    });
    !crosses
        && point_in_polygon(
            Coord {
                x: (a.x + b.x) / 2.0,
                y: (a.y + b.y) / 2.0,
            },
            poly,
        )
}

fn rx100() -> Camera {
    Camera::preset("sony-rx100").expect("preset exists")
}

/// Star radii, rotation, an optional exclusion circle (x, y, radius), launch bearing.
type Scenario = (Vec<f64>, f64, Option<(f64, f64, f64)>, f64);

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(450.0..1100.0f64, 5..12),
        0.0..6.3f64,
        // An exclusion circle somewhere in the area: (x, y, radius).
        prop::option::of((-250.0..250.0f64, -250.0..250.0f64, 40.0..140.0f64)),
        0.0..360.0f64,
    )
}

fn request(radii: &[f64], rot: f64, exclusion: Option<(f64, f64, f64)>, launch_bearing: f64) -> SurveyRequest {
    let area = star(Coord { x: 0.0, y: 0.0 }, radii, rot);
    let launch = mission::geodesy::destination(ORIGIN, launch_bearing, 1400.0);
    let mut req = SurveyRequest::new(MultiPolygon(vec![area]), rx100(), Altitude::AboveHome(60.0), launch);
    if let Some((x, y, r)) = exclusion {
        req.fences.push(NamedShape {
            label: "exclusion 'tank farm'".into(),
            inclusion: false,
            shape: ZoneShape::Circle {
                center: LatLon::from_coord(frame().coord_from_local(Coord { x, y })),
                radius_m: r,
            },
        });
    }
    req
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn lanes_stay_inside_the_area_minus_exclusions((radii, rot, excl, lb) in scenario()) {
        let req = request(&radii, rot, excl, lb);
        let plan = plan_survey(&req).expect("survey plans");
        let f = frame();
        let area = to_local(&req.area.0[0]);
        prop_assert!(!plan.lanes.is_empty());
        for (s, e) in &plan.lanes {
            let (a, b) = (f.coord_to_local(s.to_coord()), f.coord_to_local(e.to_coord()));
            prop_assert!(segment_inside(a, b, &area), "lane {a:?}→{b:?} leaves the area");
            if let Some((x, y, r)) = excl {
                let (d, _) = mission::geometry::point_segment_distance(Coord { x, y }, a, b);
                prop_assert!(d > r, "lane passes {d:.1} m from the exclusion centre, radius {r}");
            }
        }
    }

    #[test]
    fn no_leg_of_the_flight_enters_an_exclusion((radii, rot, excl, lb) in scenario()) {
        let req = request(&radii, rot, excl, lb);
        let plan = plan_survey(&req).expect("survey plans");
        let fence = mission::survey::fence_geometry(frame(), &req.fences);
        let mut path = vec![req.launch];
        path.extend(&plan.transit_in);
        path.extend(plan.route.iter().map(|(p, _)| *p));
        path.extend(&plan.transit_out);
        path.push(req.launch);
        for w in path.windows(2) {
            let breaches = fence.leg_breaches_latlon(w[0], w[1]);
            prop_assert!(breaches.is_empty(), "{:?}", breaches);
        }
    }

    #[test]
    fn footprints_cover_at_least_99_5_percent((radii, rot, excl, lb) in scenario()) {
        let req = request(&radii, rot, excl, lb);
        let plan = plan_survey(&req).expect("survey plans");
        prop_assert!(plan.stats.coverage_pct >= 99.5, "planner's own measure: {}", plan.stats.coverage_pct);
        // An independent measure: a grid of points against the footprint quadrilaterals.
        let f = frame();
        let target: Vec<Polygon<f64>> = plan.target.0.iter().map(to_local).collect();
        let quads: Vec<Polygon<f64>> = plan
            .triggers
            .iter()
            .map(|t| {
                let mut ring: Vec<Coord<f64>> = plan.footprint_at(*t).iter().map(|c| f.coord_to_local(c.to_coord())).collect();
                ring.push(ring[0]);
                Polygon::new(LineString::new(ring), vec![])
            })
            .collect();
        let centres: Vec<Coord<f64>> = plan.triggers.iter().map(|t| f.coord_to_local(t.to_coord())).collect();
        let reach = plan.spacing.footprint.side_m.hypot(plan.spacing.footprint.front_m) / 2.0 + 1.0;
        let (mut inside, mut covered) = (0usize, 0usize);
        let step = 23.0;
        for i in -60..=60 {
            for j in -60..=60 {
                let p = Coord { x: i as f64 * step + 0.37, y: j as f64 * step + 0.71 };
                if !target.iter().any(|t| point_in_polygon(p, t)) {
                    continue;
                }
                inside += 1;
                let hit = centres.iter().zip(&quads).any(|(c, q)| {
                    (c.x - p.x).abs() <= reach && (c.y - p.y).abs() <= reach && point_in_polygon(p, q)
                });
                covered += usize::from(hit);
            }
        }
        let pct = 100.0 * covered as f64 / inside as f64;
        prop_assert!(inside > 500);
        prop_assert!(pct >= 99.5, "grid coverage {pct:.2}% ({covered}/{inside})");
    }

    #[test]
    fn fence_catches_a_leg_crossing_an_exclusion_with_both_ends_outside(
        radii in prop::collection::vec(60.0..200.0f64, 3..10),
        heading in 0.0..6.3f64,
        offset in -0.9..0.9f64,
        before in 1.05..3.0f64,
        after in 1.05..3.0f64,
    ) {
        let zone = to_local(&star(Coord { x: 0.0, y: 0.0 }, &radii, 0.0));
        let inner = radii.iter().cloned().fold(f64::INFINITY, f64::min)
            * (std::f64::consts::PI / radii.len() as f64).cos();
        let outer = radii.iter().cloned().fold(0.0, f64::max);
        let dir = Coord { x: heading.cos(), y: heading.sin() };
        let side = Coord { x: -dir.y, y: dir.x } * (offset * inner * 0.5);
        let a = side - dir * (outer * before);
        let b = side + dir * (outer * after);
        let mut fence = FenceGeometry::new(frame());
        fence.push("exclusion 'naval berth'".into(), false, LocalShape::Polygon(zone.clone()));
        prop_assert!(!point_in_polygon(a, &zone) && !point_in_polygon(b, &zone));
        let breaches = fence.leg_breaches(a, b);
        prop_assert_eq!(breaches.len(), 1);
        prop_assert!(breaches[0].label.contains("naval berth"));
    }
}

#[test]
fn holes_and_exclusions_split_the_survey_into_cells_and_entry_is_nearest_launch() {
    let f = frame();
    let ring =
        |pts: &[(f64, f64)]| LineString::new(pts.iter().map(|&(x, y)| f.coord_from_local(Coord { x, y })).collect());
    // A U-shaped (concave) area with a hole in its base.
    let area = Polygon::new(
        ring(&[
            (0.0, 0.0),
            (1200.0, 0.0),
            (1200.0, 1000.0),
            (800.0, 1000.0),
            (800.0, 400.0),
            (400.0, 400.0),
            (400.0, 1000.0),
            (0.0, 1000.0),
            (0.0, 0.0),
        ]),
        vec![ring(&[
            (500.0, 100.0),
            (500.0, 250.0),
            (700.0, 250.0),
            (700.0, 100.0),
            (500.0, 100.0),
        ])],
    );
    let launch = LatLon::from_coord(f.coord_from_local(Coord { x: 1300.0, y: -100.0 }));
    let mut req = SurveyRequest::new(MultiPolygon(vec![area]), rx100(), Altitude::AboveHome(60.0), launch);
    req.angle_deg = Some(90.0);
    let plan = plan_survey(&req).expect("survey plans");
    assert!(
        plan.stats.cells >= 4,
        "U arms and hole need several cells: {:?}",
        plan.stats
    );
    let entry = f.coord_to_local(plan.route[0].0.to_coord());
    assert!(
        entry.x > 1100.0 && entry.y < 100.0,
        "entry {entry:?} is the corner nearest the launch"
    );
    assert!(plan.stats.coverage_pct >= 99.5, "{:?}", plan.stats);
    // Lanes never cross the notch of the U nor the hole.
    for (s, e) in &plan.lanes {
        let mid = f.coord_to_local(LatLon::new((s.lat + e.lat) / 2.0, (s.lon + e.lon) / 2.0).to_coord());
        assert!(
            !(mid.x > 400.0 && mid.x < 800.0 && mid.y > 400.0),
            "lane over the notch at {mid:?}"
        );
        assert!(
            !(mid.x > 500.0 && mid.x < 700.0 && mid.y > 100.0 && mid.y < 250.0),
            "lane over the hole at {mid:?}"
        );
    }
}

#[test]
fn automatic_angle_follows_the_long_side_of_a_rectangle() {
    let f = frame();
    // 2 km east-west by 400 m north-south: lanes should run east-west (bearing ~90°).
    let ring: Vec<Coord<f64>> = [(0.0, 0.0), (2000.0, 0.0), (2000.0, 400.0), (0.0, 400.0), (0.0, 0.0)]
        .iter()
        .map(|&(x, y)| f.coord_from_local(Coord { x, y }))
        .collect();
    let req = SurveyRequest::new(
        MultiPolygon(vec![Polygon::new(LineString::new(ring), vec![])]),
        rx100(),
        Altitude::AboveHome(60.0),
        ORIGIN,
    );
    let plan = plan_survey(&req).expect("survey plans");
    assert!((plan.angle_deg - 90.0).abs() < 3.0, "angle {}", plan.angle_deg);
    assert!(plan.stats.efficiency > 0.85, "{:?}", plan.stats);
    // A trigger every trigger distance along each lane, and one at its end.
    let lane_len: f64 = plan
        .lanes
        .iter()
        .map(|(a, b)| mission::geodesy::distance_m(*a, *b))
        .sum();
    let expected = lane_len / plan.spacing.trigger_m;
    let triggers = plan.stats.triggers as f64;
    assert!(
        triggers >= expected && triggers <= expected + 2.0 * plan.stats.lanes as f64,
        "{:?}",
        plan.stats
    );
}

#[test]
fn gsd_sets_the_altitude_and_bad_requests_are_explained() {
    let f = frame();
    let ring: Vec<Coord<f64>> = [(0.0, 0.0), (500.0, 0.0), (500.0, 500.0), (0.0, 500.0), (0.0, 0.0)]
        .iter()
        .map(|&(x, y)| f.coord_from_local(Coord { x, y }))
        .collect();
    let area = MultiPolygon(vec![Polygon::new(LineString::new(ring), vec![])]);
    let req = SurveyRequest::new(area.clone(), rx100(), Altitude::GsdCm(2.0), ORIGIN);
    let plan = plan_survey(&req).expect("survey plans");
    assert!((rx100().gsd_cm(plan.alt_m) - 2.0).abs() < 1e-9);

    let mut bad = SurveyRequest::new(area.clone(), rx100(), Altitude::AboveHome(-5.0), ORIGIN);
    assert_eq!(
        plan_survey(&bad).unwrap_err().to_string(),
        "altitude must be positive, got -5 m"
    );
    bad.altitude = Altitude::AboveHome(60.0);
    bad.side_overlap_pct = 120.0;
    assert!(plan_survey(&bad).unwrap_err().to_string().contains("overlap side"));
    // An exclusion covering the whole area leaves nothing to fly.
    let mut all_excluded = SurveyRequest::new(area, rx100(), Altitude::AboveHome(60.0), ORIGIN);
    all_excluded.fences.push(NamedShape {
        label: "exclusion 'airport'".into(),
        inclusion: false,
        shape: ZoneShape::Circle {
            center: LatLon::from_coord(f.coord_from_local(Coord { x: 250.0, y: 250.0 })),
            radius_m: 1000.0,
        },
    });
    assert_eq!(
        plan_survey(&all_excluded).unwrap_err(),
        mission::survey::SurveyError::NothingToSurvey
    );
}
