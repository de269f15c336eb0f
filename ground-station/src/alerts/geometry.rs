//! The port as the alert rules see it: zones and vessel hulls in the scenario's local metric frame.

use geo::{Coord, MultiPolygon};
use mission::area::{ZoneKind, ZoneShape};
use mission::geodesy::{LatLon, LocalFrame};
use mission::geometry::{point_in_polygon, to_local_multi};
use mission::scenario::{PortScenario, VesselState};

/// A zone in local metres (east, north).
#[derive(Debug, Clone)]
pub struct LocalZone {
    pub name: String,
    shape: LocalShape,
}

#[derive(Debug, Clone)]
enum LocalShape {
    Polygons(MultiPolygon<f64>),
    Circle { center: Coord<f64>, radius: f64 },
}

impl LocalZone {
    /// Inside the zone (a hole of a polygon is outside); the boundary may go either way.
    pub fn contains(&self, p: Coord<f64>) -> bool {
        match &self.shape {
            LocalShape::Polygons(mp) => mp.0.iter().any(|poly| point_in_polygon(p, poly)),
            LocalShape::Circle { center, radius } => (p.x - center.x).hypot(p.y - center.y) <= *radius,
        }
    }
}

/// A vessel's hull: the rectangle of its length and beam along its heading.
#[derive(Debug, Clone)]
pub struct Hull {
    pub name: String,
    pub at_anchor: bool,
    center: Coord<f64>,
    /// Unit vector of the bow direction (east, north).
    forward: Coord<f64>,
    half_length: f64,
    half_beam: f64,
}

impl Hull {
    pub fn new(name: &str, at_anchor: bool, center: Coord<f64>, heading_deg: f64, length_m: f64, beam_m: f64) -> Self {
        let h = heading_deg.to_radians();
        Self {
            name: name.to_string(),
            at_anchor,
            center,
            forward: Coord { x: h.sin(), y: h.cos() },
            half_length: length_m / 2.0,
            half_beam: beam_m / 2.0,
        }
    }

    /// Signed distance from the hull's outline, metres: positive outside, negative inside.
    pub fn signed_distance(&self, p: Coord<f64>) -> f64 {
        let d = p - self.center;
        let along = d.x * self.forward.x + d.y * self.forward.y;
        let across = d.x * self.forward.y - d.y * self.forward.x;
        let qx = along.abs() - self.half_length;
        let qy = across.abs() - self.half_beam;
        let outside = qx.max(0.0).hypot(qy.max(0.0));
        outside + qx.max(qy).min(0.0)
    }
}

/// Everything the rules test positions against.
#[derive(Debug, Clone)]
pub struct PortGeometry {
    frame: LocalFrame,
    pub restricted: Vec<LocalZone>,
    pub exclusion: Vec<LocalZone>,
    pub hulls: Vec<Hull>,
}

impl PortGeometry {
    pub fn new(scenario: &PortScenario) -> Self {
        let frame = scenario.frame();
        let local = |kind: ZoneKind| -> Vec<LocalZone> {
            scenario
                .zones_of(kind)
                .map(|z| LocalZone {
                    name: z.name.clone(),
                    shape: match &z.shape {
                        ZoneShape::Polygons(mp) => LocalShape::Polygons(to_local_multi(&frame, mp)),
                        ZoneShape::Circle { center, radius_m } => LocalShape::Circle {
                            center: frame.coord_to_local(center.to_coord()),
                            radius: *radius_m,
                        },
                    },
                })
                .collect()
        };
        let hulls = scenario
            .vessels()
            .map(|(site, v)| {
                let center = frame.coord_to_local(site.position.to_coord());
                Hull::new(
                    &v.name,
                    v.state == VesselState::AtAnchor,
                    center,
                    v.heading_deg,
                    v.length_m,
                    v.beam_m,
                )
            })
            .collect();
        Self {
            restricted: local(ZoneKind::Restricted),
            exclusion: local(ZoneKind::Exclusion),
            hulls,
            frame,
        }
    }

    /// A WGS84 position in local metres.
    pub fn local(&self, lat: f64, lon: f64) -> Coord<f64> {
        self.frame.coord_to_local(LatLon::new(lat, lon).to_coord())
    }

    /// The nearest vessel at anchor and the signed distance from its hull.
    pub fn nearest_anchored(&self, p: Coord<f64>) -> Option<(&Hull, f64)> {
        self.hulls
            .iter()
            .filter(|h| h.at_anchor)
            .map(|h| (h, h.signed_distance(p)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Whether `p` lies deeper than `tolerance_m` inside any vessel's hull: it is that vessel.
    pub fn inside_a_hull(&self, p: Coord<f64>, tolerance_m: f64) -> bool {
        self.hulls.iter().any(|h| h.signed_distance(p) < -tolerance_m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_distance_follows_heading() {
        // 100 m long, 20 m beam, bow to the east.
        let hull = Hull::new("v", true, Coord { x: 0.0, y: 0.0 }, 90.0, 100.0, 20.0);
        assert!(
            (hull.signed_distance(Coord { x: 0.0, y: 15.0 }) - 5.0).abs() < 1e-9,
            "abeam"
        );
        assert!(
            (hull.signed_distance(Coord { x: 60.0, y: 0.0 }) - 10.0).abs() < 1e-9,
            "ahead"
        );
        assert!(
            (hull.signed_distance(Coord { x: 0.0, y: 0.0 }) + 10.0).abs() < 1e-9,
            "midships"
        );
        let corner = hull.signed_distance(Coord { x: 53.0, y: 14.0 });
        assert!((corner - 5.0).abs() < 1e-9, "{corner}");
        // Heading north: the beam is now east-west.
        let north = Hull::new("v", true, Coord { x: 0.0, y: 0.0 }, 0.0, 100.0, 20.0);
        assert!((north.signed_distance(Coord { x: 15.0, y: 0.0 }) - 5.0).abs() < 1e-9);
    }
}
