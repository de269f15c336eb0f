//! Scenario zones in the world's local East/North metres: containment and extent.

use mission::area::{Zone, ZoneKind, ZoneShape};
use mission::geodesy::{LatLon, LocalFrame};

use super::surface::V2;

/// A scenario zone in the world's local East/North metres.
#[derive(Debug, Clone)]
pub struct LocalZone {
    pub name: String,
    pub kind: ZoneKind,
    pub shape: LocalShape,
}

#[derive(Debug, Clone)]
pub enum LocalShape {
    /// Every ring of every polygon (exteriors and holes); containment is even-odd, which is
    /// exact for the simple, non-overlapping polygons the scenario parser accepts.
    Rings(Vec<Vec<V2>>),
    Circle {
        center: V2,
        radius: f64,
    },
}

impl LocalZone {
    pub fn from_zone(frame: &LocalFrame, zone: &Zone) -> Self {
        let shape = match &zone.shape {
            ZoneShape::Polygons(mp) => LocalShape::Rings(
                mp.0.iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .map(|ring| ring.0.iter().map(|c| frame.to_local(LatLon::from_coord(*c))).collect())
                    .collect(),
            ),
            ZoneShape::Circle { center, radius_m } => LocalShape::Circle {
                center: frame.to_local(*center),
                radius: *radius_m,
            },
        };
        Self {
            name: zone.name.clone(),
            kind: zone.kind.clone(),
            shape,
        }
    }

    pub fn contains(&self, p: V2) -> bool {
        match &self.shape {
            LocalShape::Circle { center, radius } => (p - center).norm_squared() <= radius * radius,
            LocalShape::Rings(rings) => {
                let mut inside = false;
                for ring in rings {
                    for (a, b) in ring_edges(ring) {
                        if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) {
                            inside = !inside;
                        }
                    }
                }
                inside
            }
        }
    }

    /// South-west and north-east corners.
    pub fn bbox(&self) -> (V2, V2) {
        match &self.shape {
            LocalShape::Circle { center, radius } => (center.add_scalar(-radius), center.add_scalar(*radius)),
            LocalShape::Rings(rings) => {
                let mut lo = V2::repeat(f64::INFINITY);
                let mut hi = V2::repeat(f64::NEG_INFINITY);
                for p in rings.iter().flatten() {
                    lo = lo.inf(p);
                    hi = hi.sup(p);
                }
                (lo, hi)
            }
        }
    }

    /// The rings to paint: a circle becomes a 64-gon, close enough at raster resolution.
    pub fn fill_rings(&self) -> Vec<Vec<V2>> {
        match &self.shape {
            LocalShape::Rings(rings) => rings.clone(),
            LocalShape::Circle { center, radius } => vec![
                (0..64)
                    .map(|i| {
                        let a = i as f64 * std::f64::consts::TAU / 64.0;
                        center + V2::new(a.cos(), a.sin()) * *radius
                    })
                    .collect(),
            ],
        }
    }
}

/// Edges of a ring, whether or not its last point repeats the first.
pub fn ring_edges(ring: &[V2]) -> impl Iterator<Item = (V2, V2)> + '_ {
    let n = ring.len();
    (0..n).map(move |i| (ring[i], ring[(i + 1) % n]))
}
