//! Planar geometry in a local metric frame: projecting shapes, circles as polygons, segment tests.

use geo::{Coord, LineString, MapCoords, MultiPolygon, Polygon};

use crate::geodesy::{LatLon, LocalFrame};

/// Project a lon/lat multipolygon into the local East/North frame (metres).
pub fn to_local_multi(frame: &LocalFrame, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.map_coords(|c| frame.coord_to_local(c))
}

pub fn to_local_polygon(frame: &LocalFrame, p: &Polygon<f64>) -> Polygon<f64> {
    p.map_coords(|c| frame.coord_to_local(c))
}

pub fn ring_to_local(frame: &LocalFrame, ring: &[LatLon]) -> Polygon<f64> {
    let mut coords: Vec<Coord<f64>> = ring.iter().map(|p| frame.coord_to_local(p.to_coord())).collect();
    if let Some(&first) = coords.first()
        && coords.last() != Some(&first)
    {
        coords.push(first);
    }
    Polygon::new(LineString::new(coords), vec![])
}

pub fn coord_to_latlon(frame: &LocalFrame, c: Coord<f64>) -> LatLon {
    LatLon::from_coord(frame.coord_from_local(c))
}

/// A polygon that contains the circle: its edges are tangent to it, so nothing of the
/// circle is left outside (a no-fly circle stays no-fly).
pub fn circle_polygon(center: Coord<f64>, radius: f64, sides: usize) -> Polygon<f64> {
    let sides = sides.max(8);
    let r = radius / (std::f64::consts::PI / sides as f64).cos();
    let ring: Vec<Coord<f64>> = (0..=sides)
        .map(|i| {
            let a = 2.0 * std::f64::consts::PI * (i % sides) as f64 / sides as f64;
            Coord {
                x: center.x + r * a.cos(),
                y: center.y + r * a.sin(),
            }
        })
        .collect();
    Polygon::new(LineString::new(ring), vec![])
}

fn cross(o: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
}

/// Parameter t along p→q where it meets segment a→b (touching counts), if it does.
pub fn segment_hit(p: Coord<f64>, q: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> Option<f64> {
    let r = q - p;
    let s = b - a;
    let denom = r.x * s.y - r.y * s.x;
    let ap = a - p;
    if denom.abs() < 1e-12 {
        // Parallel: only collinear overlap counts.
        if cross(p, q, a).abs() > 1e-9 * (r.x.abs() + r.y.abs() + 1.0) {
            return None;
        }
        let len2 = r.x * r.x + r.y * r.y;
        if len2 == 0.0 {
            return None;
        }
        let t0 = (ap.x * r.x + ap.y * r.y) / len2;
        let t1 = ((b - p).x * r.x + (b - p).y * r.y) / len2;
        let (lo, hi) = (t0.min(t1), t0.max(t1));
        return (hi >= 0.0 && lo <= 1.0).then_some(lo.max(0.0));
    }
    let t = (ap.x * s.y - ap.y * s.x) / denom;
    let u = (ap.x * r.y - ap.y * r.x) / denom;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some(t)
}

/// Every ring of a polygon as a list of its edges.
pub fn polygon_edges(p: &Polygon<f64>) -> impl Iterator<Item = (Coord<f64>, Coord<f64>)> + '_ {
    std::iter::once(p.exterior())
        .chain(p.interiors().iter())
        .flat_map(|ring| ring.0.windows(2).map(|w| (w[0], w[1])))
}

/// Even-odd point in polygon (holes excluded); points on the boundary may go either way.
pub fn point_in_polygon(pt: Coord<f64>, poly: &Polygon<f64>) -> bool {
    let mut inside = false;
    for (a, b) in polygon_edges(poly) {
        if (a.y > pt.y) != (b.y > pt.y) {
            let x = a.x + (pt.y - a.y) / (b.y - a.y) * (b.x - a.x);
            if pt.x < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// Smallest parameter t in [0,1] where p→q touches the polygon (its boundary, or t = 0 when
/// p is already inside), or None when the segment stays clear of it.
pub fn first_contact(p: Coord<f64>, q: Coord<f64>, poly: &Polygon<f64>) -> Option<f64> {
    if point_in_polygon(p, poly) {
        return Some(0.0);
    }
    polygon_edges(poly)
        .filter_map(|(a, b)| segment_hit(p, q, a, b))
        .min_by(f64::total_cmp)
}

/// Distance from point c to the segment p→q, and the parameter of the closest point.
pub fn point_segment_distance(c: Coord<f64>, p: Coord<f64>, q: Coord<f64>) -> (f64, f64) {
    let d = q - p;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((c - p).x * d.x + (c - p).y * d.y) / len2).clamp(0.0, 1.0)
    };
    let closest = p + d * t;
    (((c - closest).x).hypot((c - closest).y), t)
}

pub fn lerp(p: Coord<f64>, q: Coord<f64>, t: f64) -> Coord<f64> {
    p + (q - p) * t
}

pub fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn segment_through_square_is_caught_even_with_both_ends_outside() {
        let sq = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)];
        let t = first_contact(Coord { x: -5.0, y: 5.0 }, Coord { x: 15.0, y: 5.0 }, &sq);
        assert!((t.unwrap() - 0.25).abs() < 1e-12);
        assert!(first_contact(Coord { x: -5.0, y: 11.0 }, Coord { x: 15.0, y: 11.0 }, &sq).is_none());
        assert_eq!(
            first_contact(Coord { x: 5.0, y: 5.0 }, Coord { x: 6.0, y: 6.0 }, &sq),
            Some(0.0)
        );
    }

    #[test]
    fn circle_polygon_contains_circle() {
        let c = circle_polygon(Coord { x: 0.0, y: 0.0 }, 100.0, 16);
        for i in 0..360 {
            let a = (i as f64).to_radians();
            assert!(point_in_polygon(
                Coord {
                    x: 99.9 * a.cos(),
                    y: 99.9 * a.sin()
                },
                &c
            ));
        }
    }
}
