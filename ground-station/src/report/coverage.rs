//! How much of the survey area the photos actually taken imaged: a raster of the area, footprints burnt in.
//!
//! Exact polygon unions of hundreds of rotated footprints are slow and fragile on degenerate
//! input; a raster of about half a million cells is exact to a cell (~1–2 m on a port-sized
//! area, well under 0.5 % of coverage) and cannot fail. Everything here is in local metres
//! (east, north) of one `LocalFrame`.

use geo::Coord;

/// Most cells in the raster's bounding box; the cell size follows from it.
const MAX_CELLS: f64 = 500_000.0;
/// Finest cell, metres: finer gains nothing against GPS error.
const MIN_CELL_M: f64 = 0.25;

/// A region to cover: inside `area` (even-odd over all its rings, so holes are holes), inside
/// every `inclusion` and outside every `exclusion` (rings, or circles as centre and radius).
#[derive(Debug, Clone, Default)]
pub struct Region {
    pub area: Vec<Vec<Coord<f64>>>,
    /// Each inclusion is one shape's rings.
    pub inclusions: Vec<Shape>,
    pub exclusions: Vec<Shape>,
}

#[derive(Debug, Clone)]
pub enum Shape {
    Rings(Vec<Vec<Coord<f64>>>),
    Circle(Coord<f64>, f64),
}

/// A camera footprint on the ground: centre, unit vector along the flight direction, half
/// length along it and half width across it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    pub centre: Coord<f64>,
    pub along: Coord<f64>,
    pub half_front: f64,
    pub half_side: f64,
}

impl Footprint {
    /// `heading_deg` clockwise from north; `front_m` along it, `side_m` across.
    pub fn new(centre: Coord<f64>, heading_deg: f64, front_m: f64, side_m: f64) -> Footprint {
        let h = heading_deg.to_radians();
        Footprint {
            centre,
            along: Coord { x: h.sin(), y: h.cos() },
            half_front: front_m / 2.0,
            half_side: side_m / 2.0,
        }
    }

    pub fn corners(&self) -> [Coord<f64>; 4] {
        let (u, n) = (
            self.along,
            Coord {
                x: self.along.y,
                y: -self.along.x,
            },
        );
        [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)].map(|(a, b)| Coord {
            x: self.centre.x + u.x * a * self.half_front + n.x * b * self.half_side,
            y: self.centre.y + u.y * a * self.half_front + n.y * b * self.half_side,
        })
    }

    fn contains(&self, p: Coord<f64>) -> bool {
        let d = Coord {
            x: p.x - self.centre.x,
            y: p.y - self.centre.y,
        };
        let a = d.x * self.along.x + d.y * self.along.y;
        let s = d.x * self.along.y - d.y * self.along.x;
        a.abs() <= self.half_front && s.abs() <= self.half_side
    }
}

/// The region as cells: which are in it, and which of those a footprint covered.
#[derive(Debug, Clone)]
pub struct Raster {
    pub origin: Coord<f64>,
    pub cell_m: f64,
    pub nx: usize,
    pub ny: usize,
    inside: Vec<bool>,
    covered: Vec<bool>,
}

impl Raster {
    /// None when the region has no area (no ring, or nothing finite).
    pub fn new(region: &Region) -> Option<Raster> {
        let pts = region
            .area
            .iter()
            .flatten()
            .filter(|c| c.x.is_finite() && c.y.is_finite());
        let (mut lo, mut hi) = (
            Coord {
                x: f64::MAX,
                y: f64::MAX,
            },
            Coord {
                x: f64::MIN,
                y: f64::MIN,
            },
        );
        for c in pts {
            lo = Coord {
                x: lo.x.min(c.x),
                y: lo.y.min(c.y),
            };
            hi = Coord {
                x: hi.x.max(c.x),
                y: hi.y.max(c.y),
            };
        }
        let (w, h) = (hi.x - lo.x, hi.y - lo.y);
        if !(w > 0.0 && h > 0.0) {
            return None;
        }
        let cell_m = (w * h / MAX_CELLS).sqrt().max(MIN_CELL_M);
        let (nx, ny) = ((w / cell_m).ceil() as usize, (h / cell_m).ceil() as usize);
        let mut inside = vec![false; nx * ny];
        for j in 0..ny {
            let y = lo.y + (j as f64 + 0.5) * cell_m;
            let area = even_odd_spans(&region.area, y);
            let incl: Vec<Vec<(f64, f64)>> = region.inclusions.iter().map(|s| shape_spans(s, y)).collect();
            let excl: Vec<Vec<(f64, f64)>> = region.exclusions.iter().map(|s| shape_spans(s, y)).collect();
            for (i, cell) in inside[j * nx..(j + 1) * nx].iter_mut().enumerate() {
                let x = lo.x + (i as f64 + 0.5) * cell_m;
                *cell =
                    in_spans(&area, x) && incl.iter().all(|s| in_spans(s, x)) && !excl.iter().any(|s| in_spans(s, x));
            }
        }
        Some(Raster {
            origin: lo,
            cell_m,
            nx,
            ny,
            covered: vec![false; nx * ny],
            inside,
        })
    }

    pub fn cell_centre(&self, i: usize, j: usize) -> Coord<f64> {
        Coord {
            x: self.origin.x + (i as f64 + 0.5) * self.cell_m,
            y: self.origin.y + (j as f64 + 0.5) * self.cell_m,
        }
    }

    /// Marks the cells whose centre the footprint covers.
    pub fn burn(&mut self, fp: &Footprint) {
        let corners = fp.corners();
        let fin = |v: f64| v.is_finite();
        if !corners.iter().all(|c| fin(c.x) && fin(c.y)) {
            return;
        }
        let min_x = corners.iter().map(|c| c.x).fold(f64::MAX, f64::min);
        let max_x = corners.iter().map(|c| c.x).fold(f64::MIN, f64::max);
        let min_y = corners.iter().map(|c| c.y).fold(f64::MAX, f64::min);
        let max_y = corners.iter().map(|c| c.y).fold(f64::MIN, f64::max);
        let index = |v: f64, o: f64, n: usize| ((v - o) / self.cell_m).floor().clamp(0.0, n as f64) as usize;
        let (i0, i1) = (
            index(min_x, self.origin.x, self.nx),
            index(max_x, self.origin.x, self.nx),
        );
        let (j0, j1) = (
            index(min_y, self.origin.y, self.ny),
            index(max_y, self.origin.y, self.ny),
        );
        for j in j0..(j1 + 1).min(self.ny) {
            for i in i0..(i1 + 1).min(self.nx) {
                let k = j * self.nx + i;
                if self.inside[k] && !self.covered[k] && fp.contains(self.cell_centre(i, j)) {
                    self.covered[k] = true;
                }
            }
        }
    }

    /// Area of the region, m².
    pub fn area_m2(&self) -> f64 {
        self.inside.iter().filter(|&&b| b).count() as f64 * self.cell_m * self.cell_m
    }

    /// Share of the region inside at least one footprint, 0..1.
    pub fn covered_fraction(&self) -> f64 {
        let inside = self.inside.iter().filter(|&&b| b).count();
        let covered = self.covered.iter().filter(|&&b| b).count();
        if inside == 0 {
            0.0
        } else {
            covered as f64 / inside as f64
        }
    }

    pub fn is_inside(&self, i: usize, j: usize) -> bool {
        self.inside[j * self.nx + i]
    }

    pub fn is_covered(&self, i: usize, j: usize) -> bool {
        self.covered[j * self.nx + i]
    }

    /// Runs of cells in row `j` that are inside and (`covered`) covered or (not) not: (first, end).
    pub fn runs(&self, j: usize, covered: bool) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = None;
        for i in 0..=self.nx {
            let hit = i < self.nx && self.is_inside(i, j) && self.is_covered(i, j) == covered;
            match (hit, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        out
    }
}

/// Spans of the line at height `y` inside the rings, by the even-odd rule.
fn even_odd_spans(rings: &[Vec<Coord<f64>>], y: f64) -> Vec<(f64, f64)> {
    let mut xs: Vec<f64> = Vec::new();
    for ring in rings {
        let n = ring.len();
        for k in 0..n {
            let (a, b) = (ring[k], ring[(k + 1) % n]);
            // Half-open in y, so a vertex on the line counts once.
            if (a.y <= y) != (b.y <= y) {
                xs.push(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x));
            }
        }
    }
    xs.retain(|x| x.is_finite());
    xs.sort_by(f64::total_cmp);
    xs.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

fn shape_spans(shape: &Shape, y: f64) -> Vec<(f64, f64)> {
    match shape {
        Shape::Rings(rings) => even_odd_spans(rings, y),
        Shape::Circle(c, r) => {
            let dy = y - c.y;
            let h2 = r * r - dy * dy;
            if h2 > 0.0 {
                vec![(c.x - h2.sqrt(), c.x + h2.sqrt())]
            } else {
                Vec::new()
            }
        }
    }
}

fn in_spans(spans: &[(f64, f64)], x: f64) -> bool {
    spans.iter().any(|&(a, b)| a <= x && x <= b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64) -> Vec<Coord<f64>> {
        [(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)]
            .map(|(x, y)| Coord { x, y })
            .to_vec()
    }

    #[test]
    fn a_footprint_over_half_a_square_covers_half() {
        let region = Region {
            area: vec![square(0.0, 0.0, 100.0)],
            ..Region::default()
        };
        let mut r = Raster::new(&region).unwrap();
        assert!((r.area_m2() - 10_000.0).abs() < 100.0, "{}", r.area_m2());
        // Heading east: 100 m along x, 50 m across (y from 0 to 50).
        r.burn(&Footprint::new(Coord { x: 50.0, y: 25.0 }, 90.0, 100.0, 50.0));
        assert!((r.covered_fraction() - 0.5).abs() < 0.01, "{}", r.covered_fraction());
    }

    #[test]
    fn holes_and_exclusions_are_not_part_of_the_region() {
        let region = Region {
            area: vec![square(0.0, 0.0, 100.0), square(0.0, 0.0, 50.0)],
            exclusions: vec![Shape::Circle(Coord { x: 75.0, y: 75.0 }, 10.0)],
            inclusions: vec![],
        };
        let r = Raster::new(&region).unwrap();
        let expected = 10_000.0 - 2_500.0 - std::f64::consts::PI * 100.0;
        assert!((r.area_m2() - expected).abs() < 60.0, "{} vs {expected}", r.area_m2());
    }

    #[test]
    fn a_rotated_footprint_covers_its_diamond() {
        let region = Region {
            area: vec![square(-100.0, -100.0, 200.0)],
            ..Region::default()
        };
        let mut r = Raster::new(&region).unwrap();
        r.burn(&Footprint::new(Coord { x: 0.0, y: 0.0 }, 45.0, 100.0, 100.0));
        let f = r.covered_fraction();
        assert!((f - 0.25).abs() < 0.01, "{f}");
    }
}
