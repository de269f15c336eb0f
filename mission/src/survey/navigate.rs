//! Shortest fence-respecting paths between two points: straight when clear, else around the fences.

use std::cell::OnceCell;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use geo::{Coord, Polygon};

use crate::fence::{FenceGeometry, LocalShape};
use crate::geometry::{circle_polygon, dist};

/// Plans detours around exclusions and inside inclusions on a visibility graph whose nodes
/// sit just outside each exclusion and just inside each inclusion. The graph is built once,
/// on the first detour, and reused for every later one.
pub struct Navigator<'a> {
    fence: &'a FenceGeometry,
    clearance: f64,
    graph: OnceCell<Graph>,
}

struct Graph {
    nodes: Vec<Coord<f64>>,
    /// Visible neighbours of each node with the leg length.
    edges: Vec<Vec<(usize, f64)>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct State {
    cost: f64,
    node: usize,
}

impl Eq for State {}

impl Ord for State {
    fn cmp(&self, other: &Self) -> Ordering {
        other.cost.total_cmp(&self.cost)
    }
}

impl PartialOrd for State {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<'a> Navigator<'a> {
    /// `clearance`: how far outside exclusions (inside inclusions) the detour corners sit.
    pub fn new(fence: &'a FenceGeometry, clearance: f64) -> Self {
        Self {
            fence,
            clearance: clearance.max(0.5),
            graph: OnceCell::new(),
        }
    }

    pub fn fence(&self) -> &FenceGeometry {
        self.fence
    }

    /// Points from `a` to `b` inclusive whose legs are all clear, or None when `b` cannot be
    /// reached without breaking a fence.
    pub fn path(&self, a: Coord<f64>, b: Coord<f64>) -> Option<Vec<Coord<f64>>> {
        if self.fence.leg_is_clear(a, b) {
            return Some(vec![a, b]);
        }
        let graph = self.graph.get_or_init(|| self.build_graph());
        let n = graph.nodes.len();
        let (start, goal) = (n, n + 1);
        let point = |i: usize| match i {
            i if i == start => a,
            i if i == goal => b,
            i => graph.nodes[i],
        };
        let from_start: Vec<(usize, f64)> = (0..n)
            .filter(|&i| self.fence.leg_is_clear(a, graph.nodes[i]))
            .map(|i| (i, dist(a, graph.nodes[i])))
            .collect();
        let to_goal: Vec<bool> = (0..n).map(|i| self.fence.leg_is_clear(graph.nodes[i], b)).collect();
        let mut best = vec![f64::INFINITY; n + 2];
        let mut came_from = vec![usize::MAX; n + 2];
        let mut heap = BinaryHeap::new();
        best[start] = 0.0;
        heap.push(State { cost: 0.0, node: start });
        while let Some(State { cost, node }) = heap.pop() {
            if node == goal {
                break;
            }
            if cost > best[node] {
                continue;
            }
            let neighbours: Box<dyn Iterator<Item = (usize, f64)>> = if node == start {
                Box::new(from_start.iter().copied())
            } else {
                let goal_edge = to_goal[node].then(|| (goal, dist(graph.nodes[node], b)));
                Box::new(graph.edges[node].iter().copied().chain(goal_edge))
            };
            for (next, len) in neighbours {
                let c = cost + len;
                if c < best[next] {
                    best[next] = c;
                    came_from[next] = node;
                    heap.push(State { cost: c, node: next });
                }
            }
        }
        if !best[goal].is_finite() {
            return None;
        }
        let mut route = vec![b];
        let mut at = goal;
        while came_from[at] != start {
            at = came_from[at];
            route.push(point(at));
        }
        route.push(a);
        route.reverse();
        Some(route)
    }

    fn build_graph(&self) -> Graph {
        let mut nodes = Vec::new();
        for shape in self.fence.shapes() {
            let offset = if shape.inclusion {
                -self.clearance
            } else {
                self.clearance
            };
            let ring = match &shape.shape {
                LocalShape::Circle { center, radius } => {
                    // Corners every ~40 m along the rim, so that a detour can hug a large
                    // circle (an airport zone) where a fence squeezes the way past it.
                    let r = (radius + offset).max(0.5);
                    let sides = ((2.0 * std::f64::consts::PI * r / 40.0).ceil() as usize).clamp(24, 360);
                    circle_polygon(*center, r, sides)
                }
                LocalShape::Polygon(p) => offset_ring(p, offset),
            };
            nodes.extend(ring.exterior().0.iter().skip(1).copied());
        }
        nodes.retain(|&p| self.fence.allows_point(p));
        let n = nodes.len();
        let mut edges = vec![Vec::new(); n];
        for i in 0..n {
            for j in (i + 1)..n {
                if self.fence.leg_is_clear(nodes[i], nodes[j]) {
                    let d = dist(nodes[i], nodes[j]);
                    edges[i].push((j, d));
                    edges[j].push((i, d));
                }
            }
        }
        Graph { nodes, edges }
    }
}

/// Each vertex of the exterior moved `offset` metres outward along its corner's bisector
/// (inward when negative), which keeps the corner count: detour nodes stay few.
fn offset_ring(p: &Polygon<f64>, offset: f64) -> Polygon<f64> {
    let ring = &p.exterior().0;
    let pts: Vec<Coord<f64>> = ring.iter().take(ring.len().saturating_sub(1)).copied().collect();
    let n = pts.len();
    if n < 3 {
        return p.clone();
    }
    let signed_area: f64 = (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            a.x * b.y - b.x * a.y
        })
        .sum();
    // Outward normal of an edge is to the right for counter-clockwise rings.
    let orient = if signed_area >= 0.0 { 1.0 } else { -1.0 };
    let normal = |a: Coord<f64>, b: Coord<f64>| {
        let d = b - a;
        let len = d.x.hypot(d.y).max(1e-12);
        Coord {
            x: d.y / len,
            y: -d.x / len,
        } * orient
    };
    let moved: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let prev = pts[(i + n - 1) % n];
            let (cur, next) = (pts[i], pts[(i + 1) % n]);
            let n1 = normal(prev, cur);
            let n2 = normal(cur, next);
            let bis = n1 + n2;
            let len = bis.x.hypot(bis.y);
            if len < 1e-9 {
                return cur + n1 * offset;
            }
            let bis = bis / len;
            // Miter length, capped so that needle corners do not throw nodes far away.
            let cos_half = (bis.x * n1.x + bis.y * n1.y).max(0.25);
            cur + bis * (offset / cos_half)
        })
        .collect();
    let mut closed = moved;
    closed.push(closed[0]);
    Polygon::new(closed.into(), vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::{LatLon, LocalFrame};
    use geo::polygon;

    #[test]
    fn detour_goes_around_an_exclusion() {
        let mut fence = FenceGeometry::new(LocalFrame::at(LatLon::new(0.0, 0.0)));
        fence.push(
            "exclusion".into(),
            false,
            LocalShape::Polygon(
                polygon![(x: -50.0, y: -50.0), (x: 50.0, y: -50.0), (x: 50.0, y: 50.0), (x: -50.0, y: 50.0)],
            ),
        );
        let nav = Navigator::new(&fence, 5.0);
        let a = Coord { x: -200.0, y: 0.0 };
        let b = Coord { x: 200.0, y: 0.0 };
        let route = nav.path(a, b).expect("a detour exists");
        assert!(route.len() >= 4, "{route:?}");
        for w in route.windows(2) {
            assert!(fence.leg_is_clear(w[0], w[1]));
        }
        let len: f64 = route.windows(2).map(|w| dist(w[0], w[1])).sum();
        assert!(len < 420.0 + 120.0, "detour is short: {len}");
    }
}
