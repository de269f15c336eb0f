//! Orders cells and lanes into one flight: entry nearest the launch, back-and-forth in each
//! cell, turnarounds past lane ends, and fence-respecting legs in between.

use geo::Coord;

use super::navigate::Navigator;
use super::sweep::{Cell, Interval, Sweep};
use crate::geometry::{dist, lerp};

/// What a route point is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointRole {
    /// A corner of a transit leg or a detour.
    Transit,
    /// Start of the turnaround run-in before a lane.
    RunIn,
    LaneStart,
    LaneEnd,
    /// End of the turnaround run-out after a lane.
    RunOut,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoutePoint {
    pub at: Coord<f64>,
    pub role: PointRole,
}

/// A lane as flown: photos are taken from `start` to `end`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlownLane {
    pub start: Coord<f64>,
    pub end: Coord<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Route {
    pub points: Vec<RoutePoint>,
    pub lanes: Vec<FlownLane>,
}

/// Cell traversal: which lane first (lowest or highest) and which end of it first.
#[derive(Debug, Clone, Copy)]
struct Entry {
    from_top: bool,
    from_right: bool,
}

impl Entry {
    const ALL: [Entry; 4] = [
        Entry {
            from_top: false,
            from_right: false,
        },
        Entry {
            from_top: false,
            from_right: true,
        },
        Entry {
            from_top: true,
            from_right: false,
        },
        Entry {
            from_top: true,
            from_right: true,
        },
    ];
}

fn lane_ends(sweep: &Sweep, iv: &Interval, rightward: bool) -> (Coord<f64>, Coord<f64>) {
    let a = sweep.from_uv(iv.u0, iv.v);
    let b = sweep.from_uv(iv.u1, iv.v);
    if rightward { (a, b) } else { (b, a) }
}

/// Lanes of a cell in flying order, each with its direction.
fn cell_lanes(sweep: &Sweep, cell: &Cell, entry: Entry) -> Vec<(Coord<f64>, Coord<f64>)> {
    let mut ivs: Vec<&Interval> = cell.intervals.iter().collect();
    if entry.from_top {
        ivs.reverse();
    }
    ivs.iter()
        .enumerate()
        .map(|(i, iv)| lane_ends(sweep, iv, (i % 2 == 0) != entry.from_right))
        .collect()
}

/// Extend a lane end by up to `len` metres along its direction, stopping short of any fence.
fn run_out(nav: &Navigator, from: Coord<f64>, toward: Coord<f64>, len: f64) -> Option<Coord<f64>> {
    if len <= 0.0 {
        return None;
    }
    let d = toward - from;
    let l = d.x.hypot(d.y);
    if l < 1e-9 {
        return None;
    }
    let target = from + d * (len / l);
    if nav.fence().leg_is_clear(from, target) {
        return Some(target);
    }
    // Halve until clear: turnarounds are a convenience, never worth a breach.
    let mut t = 0.5;
    while t * len > 1.0 {
        let p = lerp(from, target, t);
        if nav.fence().leg_is_clear(from, p) {
            return Some(p);
        }
        t /= 2.0;
    }
    None
}

pub struct RouteBuilder<'a> {
    pub sweep: Sweep,
    pub nav: &'a Navigator<'a>,
    pub turnaround: f64,
}

impl RouteBuilder<'_> {
    /// Fly `cells` starting from `launch`: each time, the cell whose entry corner is nearest
    /// to where the vehicle is. Returns None when a fence makes some leg impossible.
    pub fn build(&self, cells: &[Cell], launch: Coord<f64>) -> Option<Route> {
        let mut route = Route::default();
        let mut remaining: Vec<&Cell> = cells.iter().filter(|c| !c.intervals.is_empty()).collect();
        let mut here = launch;
        while !remaining.is_empty() {
            let mut best: Option<(f64, usize, Entry)> = None;
            for (ci, cell) in remaining.iter().enumerate() {
                for entry in Entry::ALL {
                    let first = cell_lanes(&self.sweep, cell, entry)[0].0;
                    let d = dist(here, first);
                    if best.is_none_or(|(bd, _, _)| d < bd) {
                        best = Some((d, ci, entry));
                    }
                }
            }
            let (_, ci, entry) = best?;
            let cell = remaining.swap_remove(ci);
            for (start, end) in cell_lanes(&self.sweep, cell, entry) {
                let run_in = run_out(self.nav, start, start + (start - end), self.turnaround);
                let first = run_in.unwrap_or(start);
                if route.points.is_empty() {
                    route.points.push(RoutePoint {
                        at: first,
                        role: if run_in.is_some() {
                            PointRole::RunIn
                        } else {
                            PointRole::LaneStart
                        },
                    });
                } else {
                    let path = self.nav.path(here, first)?;
                    for &p in &path[1..path.len() - 1] {
                        route.points.push(RoutePoint {
                            at: p,
                            role: PointRole::Transit,
                        });
                    }
                    route.points.push(RoutePoint {
                        at: first,
                        role: if run_in.is_some() {
                            PointRole::RunIn
                        } else {
                            PointRole::LaneStart
                        },
                    });
                }
                if run_in.is_some() {
                    route.points.push(RoutePoint {
                        at: start,
                        role: PointRole::LaneStart,
                    });
                }
                route.points.push(RoutePoint {
                    at: end,
                    role: PointRole::LaneEnd,
                });
                route.lanes.push(FlownLane { start, end });
                here = end;
                if let Some(out) = run_out(self.nav, end, end + (end - start), self.turnaround) {
                    route.points.push(RoutePoint {
                        at: out,
                        role: PointRole::RunOut,
                    });
                    here = out;
                }
            }
        }
        Some(route)
    }
}

/// Length of a polyline through the route points.
pub fn path_length(points: &[RoutePoint]) -> f64 {
    points.windows(2).map(|w| dist(w[0].at, w[1].at)).sum()
}

/// Heading changes sharper than 30° along the route: where a multirotor must slow down.
pub fn count_turns(points: &[Coord<f64>]) -> usize {
    let mut turns = 0;
    let mut last_dir: Option<Coord<f64>> = None;
    for w in points.windows(2) {
        let d = w[1] - w[0];
        let len = d.x.hypot(d.y);
        if len < 1e-6 {
            continue;
        }
        let d = d / len;
        if let Some(prev) = last_dir
            && prev.x * d.x + prev.y * d.y < 30f64.to_radians().cos()
        {
            turns += 1;
        }
        last_dir = Some(d);
    }
    turns
}
