//! Geofence containment in a local metric frame: every leg is checked as a segment, not by its ends.

use geo::{Coord, Polygon};
use serde::Serialize;

use crate::geodesy::{LatLon, LocalFrame};
use crate::geometry::{self, circle_polygon, dist, first_contact, lerp, point_in_polygon, point_segment_distance};
use crate::plan::GeoFence;

/// A fence shape in local metres.
#[derive(Debug, Clone)]
pub enum LocalShape {
    Polygon(Polygon<f64>),
    Circle { center: Coord<f64>, radius: f64 },
}

impl LocalShape {
    pub fn contains(&self, p: Coord<f64>) -> bool {
        match self {
            LocalShape::Polygon(poly) => point_in_polygon(p, poly),
            LocalShape::Circle { center, radius } => dist(p, *center) <= *radius,
        }
    }

    /// The shape as a polygon that contains it (circles become tangent polygons).
    pub fn to_polygon(&self) -> Polygon<f64> {
        match self {
            LocalShape::Polygon(p) => p.clone(),
            LocalShape::Circle { center, radius } => circle_polygon(*center, *radius, 64),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FenceShape {
    /// How an officer would name it: "exclusion 'Airport control zone'".
    pub label: String,
    pub inclusion: bool,
    pub shape: LocalShape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachKind {
    EntersExclusion,
    LeavesInclusion,
}

/// Where a leg first breaks a fence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    pub label: String,
    pub kind: BreachKind,
    pub at: LatLon,
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = match self.kind {
            BreachKind::EntersExclusion => "enters",
            BreachKind::LeavesInclusion => "leaves",
        };
        write!(f, "{verb} {} at {:.6},{:.6}", self.label, self.at.lat, self.at.lon)
    }
}

/// Fence shapes projected into one local frame, ready for many leg checks.
#[derive(Debug, Clone)]
pub struct FenceGeometry {
    frame: LocalFrame,
    shapes: Vec<FenceShape>,
}

impl FenceGeometry {
    pub fn new(frame: LocalFrame) -> Self {
        Self {
            frame,
            shapes: Vec::new(),
        }
    }

    pub fn from_fence(fence: &GeoFence, frame: LocalFrame) -> Self {
        let mut g = Self::new(frame);
        for (i, p) in fence.polygons.iter().enumerate() {
            let kind = if p.inclusion { "inclusion" } else { "exclusion" };
            let poly = geometry::ring_to_local(&frame, &p.vertices);
            g.push(
                format!("{kind} polygon {}", i + 1),
                p.inclusion,
                LocalShape::Polygon(poly),
            );
        }
        for (i, c) in fence.circles.iter().enumerate() {
            let kind = if c.inclusion { "inclusion" } else { "exclusion" };
            let center = frame.coord_to_local(c.center.to_coord());
            g.push(
                format!("{kind} circle {}", i + 1),
                c.inclusion,
                LocalShape::Circle {
                    center,
                    radius: c.radius_m,
                },
            );
        }
        g
    }

    pub fn push(&mut self, label: String, inclusion: bool, shape: LocalShape) {
        self.shapes.push(FenceShape {
            label,
            inclusion,
            shape,
        });
    }

    pub fn frame(&self) -> &LocalFrame {
        &self.frame
    }

    pub fn shapes(&self) -> &[FenceShape] {
        &self.shapes
    }

    pub fn exclusions(&self) -> impl Iterator<Item = &FenceShape> {
        self.shapes.iter().filter(|s| !s.inclusion)
    }

    pub fn inclusions(&self) -> impl Iterator<Item = &FenceShape> {
        self.shapes.iter().filter(|s| s.inclusion)
    }

    /// Inside every inclusion and outside every exclusion.
    pub fn allows_point(&self, p: Coord<f64>) -> bool {
        self.shapes.iter().all(|s| s.shape.contains(p) == s.inclusion)
    }

    /// Every fence the leg a→b (local metres) breaks, each with the first point of the breach.
    pub fn leg_breaches(&self, a: Coord<f64>, b: Coord<f64>) -> Vec<Breach> {
        self.shapes
            .iter()
            .filter_map(|s| {
                let t = if s.inclusion {
                    first_exit(a, b, &s.shape)
                } else {
                    first_entry(a, b, &s.shape)
                }?;
                Some(Breach {
                    label: s.label.clone(),
                    kind: if s.inclusion {
                        BreachKind::LeavesInclusion
                    } else {
                        BreachKind::EntersExclusion
                    },
                    at: geometry::coord_to_latlon(&self.frame, lerp(a, b, t)),
                })
            })
            .collect()
    }

    pub fn leg_is_clear(&self, a: Coord<f64>, b: Coord<f64>) -> bool {
        self.shapes.iter().all(|s| {
            if s.inclusion {
                first_exit(a, b, &s.shape).is_none()
            } else {
                first_entry(a, b, &s.shape).is_none()
            }
        })
    }

    /// Leg check in geographic coordinates.
    pub fn leg_breaches_latlon(&self, a: LatLon, b: LatLon) -> Vec<Breach> {
        let pa = self.frame.coord_to_local(a.to_coord());
        let pb = self.frame.coord_to_local(b.to_coord());
        self.leg_breaches(pa, pb)
    }
}

/// First parameter where a→b is inside (or on) an exclusion shape.
fn first_entry(a: Coord<f64>, b: Coord<f64>, shape: &LocalShape) -> Option<f64> {
    match shape {
        LocalShape::Polygon(poly) => first_contact(a, b, poly),
        LocalShape::Circle { center, radius } => {
            let (d, _) = point_segment_distance(*center, a, b);
            if d > *radius {
                return None;
            }
            circle_crossings(a, b, *center, *radius)
                .into_iter()
                .find(|t| (0.0..=1.0).contains(t))
                .or(Some(0.0))
        }
    }
}

/// First parameter where a→b is outside an inclusion shape.
fn first_exit(a: Coord<f64>, b: Coord<f64>, shape: &LocalShape) -> Option<f64> {
    if !shape.contains(a) {
        return Some(0.0);
    }
    match shape {
        LocalShape::Circle { center, radius } => {
            // A disc is convex: a leg with both ends inside stays inside.
            if shape.contains(b) {
                return None;
            }
            circle_crossings(a, b, *center, *radius)
                .into_iter()
                .filter(|t| (0.0..=1.0).contains(t))
                .fold(None, |acc: Option<f64>, t| Some(acc.map_or(t, |m| m.max(t))))
        }
        LocalShape::Polygon(poly) => {
            let mut hits: Vec<f64> = geometry::polygon_edges(poly)
                .filter_map(|(p, q)| geometry::segment_hit(a, b, p, q))
                .collect();
            hits.push(1.0);
            hits.sort_by(f64::total_cmp);
            let mut last = 0.0;
            for t in hits {
                if t - last > 1e-9 && !point_in_polygon(lerp(a, b, (last + t) / 2.0), poly) {
                    return Some(last);
                }
                last = t;
            }
            None
        }
    }
}

/// Parameters where the line through a→b crosses the circle, ascending.
fn circle_crossings(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, r: f64) -> Vec<f64> {
    let d = b - a;
    let f = a - c;
    let qa = d.x * d.x + d.y * d.y;
    let qb = 2.0 * (f.x * d.x + f.y * d.y);
    let qc = f.x * f.x + f.y * f.y - r * r;
    let disc = qb * qb - 4.0 * qa * qc;
    if qa == 0.0 || disc < 0.0 {
        return vec![];
    }
    let s = disc.sqrt();
    vec![(-qb - s) / (2.0 * qa), (-qb + s) / (2.0 * qa)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn geometry() -> FenceGeometry {
        let mut g = FenceGeometry::new(LocalFrame::at(LatLon::new(44.4, 8.9)));
        g.push(
            "inclusion 'port'".into(),
            true,
            LocalShape::Polygon(polygon![(x: -1000.0, y: -1000.0), (x: 1000.0, y: -1000.0), (x: 1000.0, y: 1000.0), (x: -1000.0, y: 1000.0)]),
        );
        g.push(
            "exclusion 'tank farm'".into(),
            false,
            LocalShape::Polygon(
                polygon![(x: -100.0, y: -100.0), (x: 100.0, y: -100.0), (x: 100.0, y: 100.0), (x: -100.0, y: 100.0)],
            ),
        );
        g.push(
            "exclusion 'heliport'".into(),
            false,
            LocalShape::Circle {
                center: Coord { x: 500.0, y: 500.0 },
                radius: 50.0,
            },
        );
        g
    }

    #[test]
    fn leg_crossing_exclusion_with_both_ends_outside_is_caught() {
        let g = geometry();
        let b = g.leg_breaches(Coord { x: -500.0, y: 0.0 }, Coord { x: 500.0, y: 0.0 });
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].kind, BreachKind::EntersExclusion);
        assert!(b[0].label.contains("tank farm"));
        let circle = g.leg_breaches(Coord { x: 400.0, y: 520.0 }, Coord { x: 600.0, y: 480.0 });
        assert!(circle[0].label.contains("heliport"));
        assert!(g.leg_is_clear(Coord { x: -500.0, y: 200.0 }, Coord { x: 500.0, y: 200.0 }));
    }

    #[test]
    fn leg_leaving_and_reentering_inclusion_is_caught() {
        let mut g = FenceGeometry::new(LocalFrame::at(LatLon::new(44.4, 8.9)));
        // A U shape: a straight leg between the arms leaves it.
        g.push(
            "inclusion 'U'".into(),
            true,
            LocalShape::Polygon(polygon![(x: 0.0, y: 0.0), (x: 300.0, y: 0.0), (x: 300.0, y: 300.0), (x: 200.0, y: 300.0), (x: 200.0, y: 100.0), (x: 100.0, y: 100.0), (x: 100.0, y: 300.0), (x: 0.0, y: 300.0)]),
        );
        let b = g.leg_breaches(Coord { x: 50.0, y: 250.0 }, Coord { x: 250.0, y: 250.0 });
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].kind, BreachKind::LeavesInclusion);
        assert!(g.leg_is_clear(Coord { x: 50.0, y: 50.0 }, Coord { x: 250.0, y: 50.0 }));
    }
}
