//! Polygon checks shared by the GeoJSON, KML and scenario readers: closure, size, range, simplicity, holes, winding.
//!
//! Coordinates are longitude/latitude degrees (x = lon, y = lat). Ring 0 of a polygon is its
//! exterior, ring k > 0 is hole k; edge i of a ring runs from vertex i to vertex i + 1. All
//! those numbers are the 0-based indices of the source's coordinate arrays, so that a message
//! can be traced back to the file.

use std::cmp::Ordering;
use std::fmt;

use geo::{Coord, LineString, Polygon};
use thiserror::Error;

use crate::geodesy::LatLon;

/// One ring of a polygon, named the way messages speak of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingId(pub usize);

impl fmt::Display for RingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => write!(f, "exterior ring"),
            k => write!(f, "hole {k}"),
        }
    }
}

/// Why a polygon (or circle) was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PolygonError {
    #[error("polygon has no rings")]
    NoRings,
    #[error("{ring}: open ring (first point {first} differs from last point {last})")]
    OpenRing { ring: RingId, first: Pt, last: Pt },
    #[error("{ring}: too few points ({distinct} distinct, a ring needs at least 3)")]
    TooFewPoints { ring: RingId, distinct: usize },
    #[error("{ring}: vertex {vertex} is not a finite coordinate ({lon}, {lat})")]
    NotFinite {
        ring: RingId,
        vertex: usize,
        lon: f64,
        lat: f64,
    },
    #[error("{ring}: vertex {vertex} has latitude {lat} out of range [-90, 90]")]
    LatitudeOutOfRange { ring: RingId, vertex: usize, lat: f64 },
    #[error("{ring}: vertex {vertex} has longitude {lon} out of range [-180, 180]")]
    LongitudeOutOfRange { ring: RingId, vertex: usize, lon: f64 },
    #[error("self-intersection: {ring} edge {a} {how} edge {b} near {at}")]
    SelfIntersection {
        ring: RingId,
        a: usize,
        b: usize,
        how: Contact,
        at: Pt,
    },
    #[error("rings cross: {ring_a} edge {a} {how} {ring_b} edge {b} near {at}")]
    RingsCross {
        ring_a: RingId,
        a: usize,
        ring_b: RingId,
        b: usize,
        how: Contact,
        at: Pt,
    },
    #[error("{hole} is not inside the exterior ring")]
    HoleOutside { hole: RingId },
    #[error("{hole} lies inside {other}")]
    NestedHole { hole: RingId, other: RingId },
    #[error("circle centre ({lon}, {lat}) is not a valid position")]
    BadCentre { lon: f64, lat: f64 },
    #[error("circle radius_m {0} must be a positive number of metres")]
    BadRadius(f64),
}

/// A point as messages print it: longitude, latitude to about 10 cm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pt(pub Coord<f64>);

impl fmt::Display for Pt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:.6}, {:.6})", self.0.x, self.0.y)
    }
}

/// How two edges meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// They cross at a point inside both.
    Crosses,
    /// They touch at a vertex, or lie on each other.
    Touches,
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Contact::Crosses => "crosses",
            Contact::Touches => "touches",
        })
    }
}

/// Validates the rings of one polygon (exterior first, then holes, each closed) and returns
/// it normalised: repeated consecutive vertices dropped, exterior counter-clockwise and holes
/// clockwise (RFC 7946). Wrong winding is not an error, because writers disagree on it.
pub fn polygon(rings: Vec<Vec<Coord<f64>>>) -> Result<Polygon<f64>, PolygonError> {
    if rings.is_empty() {
        return Err(PolygonError::NoRings);
    }
    let mut cleaned = Vec::with_capacity(rings.len());
    for (r, ring) in rings.into_iter().enumerate() {
        cleaned.push(check_ring(RingId(r), ring)?);
    }
    check_crossings(&cleaned)?;
    check_holes(&cleaned)?;
    let mut rings = cleaned.into_iter().enumerate().map(|(r, mut ring)| {
        // Exterior positive (CCW) area, holes negative (CW).
        let area = signed_area2(&ring);
        if (r == 0) != (area > 0.0) {
            ring.reverse();
        }
        LineString::new(ring)
    });
    let exterior = rings.next().ok_or(PolygonError::NoRings)?;
    Ok(Polygon::new(exterior, rings.collect()))
}

/// Checks a circle given as centre and radius.
pub fn circle(center: LatLon, radius_m: f64) -> Result<(), PolygonError> {
    if !center.is_valid() {
        return Err(PolygonError::BadCentre {
            lon: center.lon,
            lat: center.lat,
        });
    }
    if !(radius_m.is_finite() && radius_m > 0.0) {
        return Err(PolygonError::BadRadius(radius_m));
    }
    Ok(())
}

/// Range, closure and size of one ring; returns it closed, without repeated consecutive
/// vertices (they make zero-length edges, which have no direction for later planners).
fn check_ring(ring: RingId, coords: Vec<Coord<f64>>) -> Result<Vec<Coord<f64>>, PolygonError> {
    for (vertex, c) in coords.iter().enumerate() {
        if !(c.x.is_finite() && c.y.is_finite()) {
            return Err(PolygonError::NotFinite {
                ring,
                vertex,
                lon: c.x,
                lat: c.y,
            });
        }
        if !(-90.0..=90.0).contains(&c.y) {
            return Err(PolygonError::LatitudeOutOfRange { ring, vertex, lat: c.y });
        }
        if !(-180.0..=180.0).contains(&c.x) {
            return Err(PolygonError::LongitudeOutOfRange { ring, vertex, lon: c.x });
        }
    }
    let (Some(&first), Some(&last)) = (coords.first(), coords.last()) else {
        return Err(PolygonError::TooFewPoints { ring, distinct: 0 });
    };
    if first != last {
        return Err(PolygonError::OpenRing {
            ring,
            first: Pt(first),
            last: Pt(last),
        });
    }
    let mut ring_coords = coords;
    ring_coords.dedup();
    let mut distinct: Vec<(f64, f64)> = ring_coords.iter().map(|c| (c.x, c.y)).collect();
    distinct.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(PolygonError::TooFewPoints {
            ring,
            distinct: distinct.len(),
        });
    }
    // dedup() keeps the closing vertex unless the ring was only one repeated point (refused above).
    Ok(ring_coords)
}

/// Twice the signed (shoelace) area of a closed ring: positive when counter-clockwise.
fn signed_area2(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum()
}

struct Edge {
    ring: usize,
    index: usize,
    a: Coord<f64>,
    b: Coord<f64>,
    min_x: f64,
    max_x: f64,
}

/// Looks for any contact between edges that are not neighbours on the same ring, and for
/// neighbours that fold back on each other. Edges are swept in order of their west end, and
/// only those whose x-extent still overlaps are compared, so ordinary rings of thousands of
/// vertices cost close to n log n rather than n².
fn check_crossings(rings: &[Vec<Coord<f64>>]) -> Result<(), PolygonError> {
    let mut edges: Vec<Edge> = rings
        .iter()
        .enumerate()
        .flat_map(|(r, ring)| {
            ring.windows(2).enumerate().map(move |(i, w)| Edge {
                ring: r,
                index: i,
                a: w[0],
                b: w[1],
                min_x: w[0].x.min(w[1].x),
                max_x: w[0].x.max(w[1].x),
            })
        })
        .collect();
    edges.sort_by(|p, q| p.min_x.partial_cmp(&q.min_x).unwrap_or(Ordering::Equal));
    let mut active: Vec<usize> = Vec::new();
    // Report the contact with the lowest edge indices, so the message does not depend on the sweep order.
    let mut found: Option<(usize, usize, usize, usize, Contact, Coord<f64>)> = None;
    for (k, e) in edges.iter().enumerate() {
        active.retain(|&j| edges[j].max_x >= e.min_x);
        for &j in &active {
            let o = &edges[j];
            if o.a.y.max(o.b.y) < e.a.y.min(e.b.y) || e.a.y.max(e.b.y) < o.a.y.min(o.b.y) {
                continue;
            }
            let (first, second) = if (o.ring, o.index) < (e.ring, e.index) {
                (o, e)
            } else {
                (e, o)
            };
            if let Some((how, at)) = contact(first, second, rings) {
                let key = (first.ring, first.index, second.ring, second.index, how, at);
                if found.is_none_or(|f| (key.0, key.1, key.2, key.3) < (f.0, f.1, f.2, f.3)) {
                    found = Some(key);
                }
            }
        }
        active.push(k);
    }
    match found {
        None => Ok(()),
        Some((ra, a, rb, b, how, at)) if ra == rb => Err(PolygonError::SelfIntersection {
            ring: RingId(ra),
            a,
            b,
            how,
            at: Pt(at),
        }),
        Some((ra, a, rb, b, how, at)) => Err(PolygonError::RingsCross {
            ring_a: RingId(ra),
            a,
            ring_b: RingId(rb),
            b,
            how,
            at: Pt(at),
        }),
    }
}

/// Where two edges meet in a way a simple polygon does not allow, if they do.
fn contact(p: &Edge, q: &Edge, rings: &[Vec<Coord<f64>>]) -> Option<(Contact, Coord<f64>)> {
    if p.ring == q.ring {
        let n = rings[p.ring].len() - 1;
        let next = |i: usize| (i + 1) % n;
        // Neighbours share a vertex by construction; they are wrong only when the second
        // doubles back along the first.
        let shared = if next(p.index) == q.index {
            Some((p.b, p.a, q.b))
        } else if next(q.index) == p.index {
            Some((q.b, q.a, p.b))
        } else {
            None
        };
        if let Some((s, before, after)) = shared {
            let (u, v) = (before - s, after - s);
            let folds = cross(u, v) == 0.0 && u.x * v.x + u.y * v.y > 0.0;
            return folds.then_some((Contact::Touches, s));
        }
    }
    segment_contact(p.a, p.b, q.a, q.b)
}

fn cross(u: Coord<f64>, v: Coord<f64>) -> f64 {
    u.x * v.y - u.y * v.x
}

fn orient(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> f64 {
    cross(b - a, c - a)
}

/// True when `c`, known to be collinear with a–b, lies within the segment's bounding box.
fn on_segment(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> bool {
    c.x >= a.x.min(b.x) && c.x <= a.x.max(b.x) && c.y >= a.y.min(b.y) && c.y <= a.y.max(b.y)
}

/// Whether segments a–b and c–d share any point, how, and one such point.
fn segment_contact(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> Option<(Contact, Coord<f64>)> {
    let (d1, d2) = (orient(a, b, c), orient(a, b, d));
    let (d3, d4) = (orient(c, d, a), orient(c, d, b));
    let opposite = |x: f64, y: f64| (x > 0.0 && y < 0.0) || (x < 0.0 && y > 0.0);
    if opposite(d1, d2) && opposite(d3, d4) {
        let t = d3 / (d3 - d4);
        return Some((Contact::Crosses, a + (b - a) * t));
    }
    let touches = [
        (d1 == 0.0 && on_segment(a, b, c), c),
        (d2 == 0.0 && on_segment(a, b, d), d),
        (d3 == 0.0 && on_segment(c, d, a), a),
        (d4 == 0.0 && on_segment(c, d, b), b),
    ];
    touches
        .into_iter()
        .find(|(hit, _)| *hit)
        .map(|(_, at)| (Contact::Touches, at))
}

/// Even-odd test of a point against a closed ring; the point must not lie on it.
fn inside(ring: &[Coord<f64>], p: Coord<f64>) -> bool {
    let mut result = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y) {
            result = !result;
        }
    }
    result
}

/// Holes lie inside the exterior and outside each other. The rings are known not to touch,
/// so one vertex of a ring tells where the whole ring lies.
fn check_holes(rings: &[Vec<Coord<f64>>]) -> Result<(), PolygonError> {
    let exterior = &rings[0];
    for (h, hole) in rings.iter().enumerate().skip(1) {
        if !inside(exterior, hole[0]) {
            return Err(PolygonError::HoleOutside { hole: RingId(h) });
        }
        for (o, other) in rings.iter().enumerate().skip(1) {
            if o != h && inside(other, hole[0]) {
                return Err(PolygonError::NestedHole {
                    hole: RingId(h),
                    other: RingId(o),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    const SQUARE: [(f64, f64); 5] = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)];

    #[test]
    fn valid_square_passes_and_keeps_ccw() {
        let p = polygon(vec![ring(&SQUARE)]).unwrap();
        assert_eq!(p.exterior().0, ring(&SQUARE));
    }

    #[test]
    fn clockwise_exterior_and_ccw_hole_are_rewound() {
        let mut cw = ring(&SQUARE);
        cw.reverse();
        let hole_ccw = ring(&[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4), (0.2, 0.2)]);
        let p = polygon(vec![cw, hole_ccw]).unwrap();
        assert!(signed_area2(&p.exterior().0) > 0.0);
        assert!(signed_area2(&p.interiors()[0].0) < 0.0);
    }

    #[test]
    fn repeated_vertices_are_dropped() {
        let r = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        let p = polygon(vec![r]).unwrap();
        assert_eq!(p.exterior().0.len(), 4);
    }

    #[test]
    fn open_ring_is_refused() {
        let e = polygon(vec![ring(&SQUARE[..4])]).unwrap_err();
        assert!(e.to_string().contains("open ring"), "{e}");
    }

    #[test]
    fn too_few_points() {
        let e = polygon(vec![ring(&[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0), (0.0, 0.0)])]).unwrap_err();
        assert_eq!(
            e,
            PolygonError::TooFewPoints {
                ring: RingId(0),
                distinct: 2
            }
        );
        assert!(e.to_string().contains("too few points"));
    }

    #[test]
    fn bow_tie_names_edges_and_point() {
        let e = polygon(vec![ring(&[
            (0.0, 0.0),
            (1.0, 1.0),
            (1.0, 0.0),
            (0.0, 1.0),
            (0.0, 0.0),
        ])])
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "self-intersection: exterior ring edge 0 crosses edge 2 near (0.500000, 0.500000)"
        );
    }

    #[test]
    fn spike_that_doubles_back_is_refused() {
        let e = polygon(vec![ring(&[
            (0.0, 0.0),
            (2.0, 0.0),
            (1.0, 0.0),
            (1.0, 1.0),
            (0.0, 0.0),
        ])])
        .unwrap_err();
        assert!(matches!(e, PolygonError::SelfIntersection { .. }), "{e}");
    }

    #[test]
    fn ring_touching_itself_at_a_vertex_is_refused() {
        // A figure of eight sharing vertex (1, 1).
        let r = ring(&[
            (0.0, 0.0),
            (1.0, 1.0),
            (2.0, 0.0),
            (2.0, 2.0),
            (1.0, 1.0),
            (0.0, 2.0),
            (0.0, 0.0),
        ]);
        let e = polygon(vec![r]).unwrap_err();
        assert!(e.to_string().contains("touches"), "{e}");
    }

    #[test]
    fn hole_crossing_and_outside_and_nested() {
        let outer = ring(&SQUARE);
        let crossing = ring(&[(0.5, 0.5), (1.5, 0.5), (1.5, 0.7), (0.5, 0.7), (0.5, 0.5)]);
        let e = polygon(vec![outer.clone(), crossing]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("rings cross: exterior ring edge 1 crosses hole 1 edge"),
            "{e}"
        );

        let outside = ring(&[(2.0, 2.0), (3.0, 2.0), (3.0, 3.0), (2.0, 2.0)]);
        let e = polygon(vec![outer.clone(), outside]).unwrap_err();
        assert_eq!(e.to_string(), "hole 1 is not inside the exterior ring");

        let big = ring(&[(0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9), (0.1, 0.1)]);
        let small = ring(&[(0.3, 0.3), (0.6, 0.3), (0.6, 0.6), (0.3, 0.3)]);
        let e = polygon(vec![outer, big, small]).unwrap_err();
        assert_eq!(e.to_string(), "hole 2 lies inside hole 1");
    }

    #[test]
    fn out_of_range_and_non_finite() {
        let e = polygon(vec![ring(&[(0.0, 0.0), (1.0, 91.0), (1.0, 0.0), (0.0, 0.0)])]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "exterior ring: vertex 1 has latitude 91 out of range [-90, 90]"
        );
        let e = polygon(vec![ring(&[(0.0, 0.0), (181.0, 1.0), (1.0, 0.0), (0.0, 0.0)])]).unwrap_err();
        assert!(e.to_string().contains("longitude 181"), "{e}");
        let e = polygon(vec![ring(&[(0.0, 0.0), (f64::NAN, 1.0), (1.0, 0.0), (0.0, 0.0)])]).unwrap_err();
        assert!(e.to_string().contains("not a finite"), "{e}");
    }

    #[test]
    fn circle_checks() {
        assert!(circle(LatLon::new(44.0, 8.0), 100.0).is_ok());
        assert!(circle(LatLon::new(44.0, 8.0), 0.0).is_err());
        assert!(circle(LatLon::new(44.0, 8.0), f64::INFINITY).is_err());
        assert!(circle(LatLon::new(95.0, 8.0), 10.0).is_err());
    }

    /// A 1,000-vertex star-shaped ring with a wavy edge: valid, and quick to check.
    #[test]
    fn thousand_vertex_ring_is_fast() {
        let n = 1000;
        let mut r: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let radius = 0.01 * (1.0 + 0.2 * (t * 37.0).sin());
                Coord {
                    x: 8.9 + radius * t.cos(),
                    y: 44.4 + radius * t.sin(),
                }
            })
            .collect();
        r.push(r[0]);
        let start = std::time::Instant::now();
        for _ in 0..10 {
            polygon(vec![r.clone()]).unwrap();
        }
        let each = start.elapsed() / 10;
        // Generous for unoptimised builds on a loaded machine; release takes well under 1 ms.
        assert!(each.as_millis() < 50, "{each:?} per validation");
    }

    #[test]
    fn thousand_vertex_ring_with_one_crossing_is_found() {
        let n = 1000;
        let mut r: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                Coord { x: t.cos(), y: t.sin() }
            })
            .collect();
        // Swap two neighbours: edges 9 and 11 now cross.
        r.swap(10, 11);
        r.push(r[0]);
        let e = polygon(vec![r]).unwrap_err();
        assert!(e.to_string().contains("edge 9 crosses edge 11"), "{e}");
    }
}
