//! Sweep lines over a region and their grouping into monotone cells (boustrophedon decomposition).

use geo::{Coord, MultiPolygon};

/// A lane direction and its normal; `u` runs along lanes, `v` across them.
#[derive(Debug, Clone, Copy)]
pub struct Sweep {
    pub dir: Coord<f64>,
    pub normal: Coord<f64>,
}

impl Sweep {
    /// Lanes on a bearing of `angle_deg` clockwise from north (east = +x, north = +y).
    pub fn new(angle_deg: f64) -> Self {
        let a = angle_deg.to_radians();
        let dir = Coord { x: a.sin(), y: a.cos() };
        Self {
            dir,
            normal: Coord { x: -dir.y, y: dir.x },
        }
    }

    pub fn to_uv(&self, p: Coord<f64>) -> (f64, f64) {
        (
            p.x * self.dir.x + p.y * self.dir.y,
            p.x * self.normal.x + p.y * self.normal.y,
        )
    }

    pub fn from_uv(&self, u: f64, v: f64) -> Coord<f64> {
        self.dir * u + self.normal * v
    }
}

/// The part of one sweep line inside the region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lane: usize,
    pub v: f64,
    pub u0: f64,
    pub u1: f64,
}

impl Interval {
    pub fn len(&self) -> f64 {
        self.u1 - self.u0
    }

    fn overlaps(&self, other: &Interval) -> bool {
        self.u0.max(other.u0) < self.u1.min(other.u1)
    }
}

/// Sweep lines `spacing` apart, centred across the region so that neither edge is left more
/// than half a spacing from a lane, and each line's inside intervals (even-odd rule, so holes
/// are skipped). Intervals shorter than `min_len` are dropped.
///
/// Spans are also cut to `bound` (the area as drawn): polygon overlays round coordinates, and
/// a lane must not poke out of the area by even that much.
pub fn lane_intervals(
    region: &MultiPolygon<f64>,
    bound: &MultiPolygon<f64>,
    sweep: &Sweep,
    spacing: f64,
    min_len: f64,
) -> Vec<Vec<Interval>> {
    let edges = uv_edges(region, sweep);
    let (vmin, vmax) = v_range(&edges);
    if edges.is_empty() || vmax.partial_cmp(&vmin) != Some(std::cmp::Ordering::Greater) {
        return Vec::new();
    }
    let n = (((vmax - vmin) / spacing).ceil() as usize).max(1);
    let v0 = vmin + ((vmax - vmin) - (n - 1) as f64 * spacing) / 2.0;
    let bounds = crossings(&uv_edges(bound, sweep), v0, spacing, n);
    crossings(&edges, v0, spacing, n)
        .into_iter()
        .zip(bounds)
        .enumerate()
        .map(|(lane, (spans, limits))| {
            let v = v0 + lane as f64 * spacing;
            spans
                .into_iter()
                .flat_map(|(u0, u1)| {
                    limits
                        .iter()
                        .map(move |&(l0, l1)| (u0.max(l0), u1.min(l1)))
                        .filter(|(a, b)| b > a)
                })
                .map(|(u0, u1)| Interval { lane, v, u0, u1 })
                .filter(|i| i.len() >= min_len)
                .collect()
        })
        .collect()
}

/// An edge from (u, v) to (u, v).
pub type UvEdge = ((f64, f64), (f64, f64));

/// Every ring edge of the region in sweep coordinates.
pub fn uv_edges(region: &MultiPolygon<f64>, sweep: &Sweep) -> Vec<UvEdge> {
    region
        .0
        .iter()
        .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
        .flat_map(|ring| ring.0.windows(2).map(|w| (sweep.to_uv(w[0]), sweep.to_uv(w[1]))))
        .collect()
}

pub fn v_range(edges: &[UvEdge]) -> (f64, f64) {
    edges
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (a, _)| {
            (lo.min(a.1), hi.max(a.1))
        })
}

/// Inside spans (u0, u1) of the `n` lines v = v0 + k·spacing, in one pass over the edges:
/// each edge only visits the lines it crosses.
pub fn crossings(edges: &[UvEdge], v0: f64, spacing: f64, n: usize) -> Vec<Vec<(f64, f64)>> {
    let mut xs: Vec<Vec<f64>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        if a.1 == b.1 {
            continue;
        }
        let (lo, hi) = if a.1 < b.1 { (a, b) } else { (b, a) };
        // Half-open [lo, hi) so that a vertex on a line is counted once.
        let mut k = ((lo.1 - v0) / spacing).ceil().max(0.0) as usize;
        while k < n {
            let v = v0 + k as f64 * spacing;
            if v >= hi.1 {
                break;
            }
            if v >= lo.1 {
                xs[k].push(lo.0 + (v - lo.1) / (hi.1 - lo.1) * (hi.0 - lo.0));
            }
            k += 1;
        }
    }
    xs.into_iter()
        .map(|mut line| {
            line.sort_by(f64::total_cmp);
            line.chunks_exact(2).map(|c| (c[0], c[1])).collect()
        })
        .collect()
}

/// A run of intervals on consecutive lines, each overlapping only the next: flown as one
/// back-and-forth block.
#[derive(Debug, Clone)]
pub struct Cell {
    pub intervals: Vec<Interval>,
}

/// Boustrophedon decomposition: a cell ends where the region splits or merges (a hole, a
/// concavity), so that every cell is monotone along the lanes.
pub fn decompose(lanes: &[Vec<Interval>]) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::new();
    // For each interval of the previous lane, the cell it belongs to.
    let mut prev_cells: Vec<usize> = Vec::new();
    let mut prev: &[Interval] = &[];
    for lane in lanes {
        let mut cur_cells = Vec::with_capacity(lane.len());
        for iv in lane {
            let preds: Vec<usize> = (0..prev.len()).filter(|&i| prev[i].overlaps(iv)).collect();
            let continues = match preds[..] {
                [i] => lane.iter().filter(|other| prev[i].overlaps(other)).count() == 1,
                _ => false,
            };
            if continues {
                let cell = prev_cells[preds[0]];
                cells[cell].intervals.push(*iv);
                cur_cells.push(cell);
            } else {
                cells.push(Cell { intervals: vec![*iv] });
                cur_cells.push(cells.len() - 1);
            }
        }
        prev = lane;
        prev_cells = cur_cells;
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    fn square_with_hole() -> MultiPolygon<f64> {
        let ext = LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0), (0.0, 0.0)]);
        let hole = LineString::from(vec![
            (40.0, 40.0),
            (40.0, 60.0),
            (60.0, 60.0),
            (60.0, 40.0),
            (40.0, 40.0),
        ]);
        MultiPolygon(vec![Polygon::new(ext, vec![hole])])
    }

    #[test]
    fn lanes_skip_the_hole_and_cells_split_around_it() {
        let sweep = Sweep::new(90.0); // lanes run east
        let lanes = lane_intervals(&square_with_hole(), &square_with_hole(), &sweep, 10.0, 0.5);
        assert_eq!(lanes.len(), 10);
        // Lane v is y for an eastward sweep; lanes crossing y in (40, 60) have two intervals.
        let split = lanes.iter().filter(|l| l.len() == 2).count();
        assert_eq!(split, 2);
        let cells = decompose(&lanes);
        assert_eq!(cells.len(), 4, "below, left, right, above the hole");
        let total: usize = cells.iter().map(|c| c.intervals.len()).sum();
        assert_eq!(total, 12);
    }
}
