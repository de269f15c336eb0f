//! How the world's objects move: anchored swing, underway steering, scripted tracks, loitering and random walks.

use std::sync::Arc;

use mission::area::ZoneKind;

use super::WorldObject;
use super::surface::{LocalZone, SurfaceMap, V2};
use crate::rng::SimRng;

/// Where things may be: the surface, the zones and the obstacles on land (container stacks).
#[derive(Debug, Clone)]
pub struct Ground {
    pub surface: Arc<SurfaceMap>,
    pub zones: Vec<LocalZone>,
    pub obstacles: Vec<Footprint>,
    has_fence: bool,
}

/// A rotated rectangle on the ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    pub center: V2,
    /// Unit vector along the long side.
    pub forward: V2,
    pub half_length: f64,
    pub half_width: f64,
}

impl Footprint {
    /// Whether `p` is within `margin` metres of the rectangle (by the rectangle grown by it).
    pub fn contains(&self, p: V2, margin: f64) -> bool {
        let d = p - self.center;
        let across = V2::new(self.forward.y, -self.forward.x);
        d.dot(&self.forward).abs() <= self.half_length + margin && d.dot(&across).abs() <= self.half_width + margin
    }
}

impl Ground {
    pub fn new(surface: Arc<SurfaceMap>, zones: Vec<LocalZone>, obstacles: Vec<Footprint>) -> Self {
        let has_fence = zones.iter().any(|z| z.kind == ZoneKind::Fence);
        Self {
            surface,
            zones,
            obstacles,
            has_fence,
        }
    }

    /// Water a boat may be on: sea or berth, inside the fence when there is one, and out of
    /// every exclusion zone (the example's fuel-terminal buoy is a safety zone for boats too).
    pub fn navigable(&self, p: V2) -> bool {
        self.surface.material_at(p).is_water()
            && (!self.has_fence || self.zones.iter().any(|z| z.kind == ZoneKind::Fence && z.contains(p)))
            && !self
                .zones
                .iter()
                .any(|z| z.kind == ZoneKind::Exclusion && z.contains(p))
    }

    /// Whether something of radius `r` centred at `p` lies inside zone `zone`, on land and
    /// clear of the container stacks.
    pub fn walkable(&self, zone: usize, p: V2, r: f64) -> bool {
        let Some(z) = self.zones.get(zone) else {
            return false;
        };
        [
            V2::zeros(),
            V2::new(r, 0.0),
            V2::new(-r, 0.0),
            V2::new(0.0, r),
            V2::new(0.0, -r),
        ]
        .iter()
        .all(|o| z.contains(p + o) && !self.surface.material_at(p + o).is_water())
            && !self.obstacles.iter().any(|f| f.contains(p, r + 0.5))
    }

    /// Whether `ok` holds every `step` metres along a → b, both ends included.
    pub fn segment_ok(&self, a: V2, b: V2, step: f64, ok: impl Fn(V2) -> bool) -> bool {
        let n = ((b - a).norm() / step).ceil().max(1.0) as usize;
        (0..=n).all(|i| ok(a + (b - a) * (i as f64 / n as f64)))
    }

    pub fn area_ok(&self, area: Area, p: V2, r: f64) -> bool {
        match area {
            Area::Water => [
                V2::zeros(),
                V2::new(r, 0.0),
                V2::new(-r, 0.0),
                V2::new(0.0, r),
                V2::new(0.0, -r),
            ]
            .iter()
            .all(|o| self.navigable(p + o)),
            Area::Zone(z) => self.walkable(z, p, r),
        }
    }
}

/// Where a wandering object may go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Area {
    Water,
    /// Index into [`Ground::zones`].
    Zone(usize),
}

/// Degrees clockwise from north of an East/North direction.
pub fn bearing(d: V2) -> f64 {
    d.x.atan2(d.y).to_degrees().rem_euclid(360.0)
}

/// Unit East/North vector of a bearing.
pub fn direction(heading_deg: f64) -> V2 {
    let (s, c) = heading_deg.to_radians().sin_cos();
    V2::new(s, c)
}

#[derive(Debug, Clone)]
pub enum Behaviour {
    Fixed,
    /// Swings about an anchor ahead of the bow: the midships point stays `radius` from it.
    Anchored {
        anchor: V2,
        radius: f64,
        base_heading: f64,
        amplitude_deg: f64,
        period_s: f64,
    },
    /// Holds course and speed, turning to starboard while water ahead runs out.
    Underway {
        turn_rate_deg_s: f64,
        look_ahead_m: f64,
    },
    /// Runs a → b → a... at the object's speed.
    Shuttle {
        a: V2,
        b: V2,
        towards_b: bool,
        speed: f64,
    },
    /// Waits, runs to a point abeam a vessel, then keeps station there.
    Alongside {
        vessel: usize,
        /// Metres abeam, positive to starboard.
        side_m: f64,
        along_m: f64,
        speed: f64,
        start_after_s: f64,
        arrived: bool,
    },
    /// Circles a point slowly, the radius breathing, reversing where the water ends.
    Orbit {
        center: V2,
        radius: f64,
        speed: f64,
        angle: f64,
        direction: f64,
    },
    /// Random walk: go to a random reachable point nearby, pause, repeat.
    Wander {
        area: Area,
        /// Targets are drawn within this many metres of the current position.
        reach_m: f64,
        speed: (f64, f64),
        pause_s: (f64, f64),
        target: Option<V2>,
        wait_s: f64,
    },
}

#[derive(Debug, Clone)]
pub struct Agent {
    /// Index of the object it moves.
    pub object: usize,
    pub rng: SimRng,
    pub behaviour: Behaviour,
}

/// Moves `o` towards `target` at `speed` for `h` seconds; true once it is there.
fn move_towards(o: &mut WorldObject, target: V2, speed: f64, h: f64) -> bool {
    let d = target - o.east_north_m;
    let dist = d.norm();
    if dist <= speed * h || dist < 1e-9 {
        if dist > 1e-6 {
            o.heading_deg = bearing(d);
        }
        o.east_north_m = target;
        o.speed_m_s = if h > 0.0 { dist / h } else { 0.0 };
        return true;
    }
    o.east_north_m += d * (speed * h / dist);
    o.heading_deg = bearing(d);
    o.speed_m_s = speed;
    false
}

impl Agent {
    /// Advances this agent by `h` seconds; `t` is the world time at the end of the step.
    pub fn step(&mut self, h: f64, t: f64, ground: &Ground, objects: &mut [WorldObject]) {
        let me = self.object;
        match &mut self.behaviour {
            Behaviour::Fixed => {}
            Behaviour::Anchored {
                anchor,
                radius,
                base_heading,
                amplitude_deg,
                period_s,
            } => {
                let w = std::f64::consts::TAU / *period_s;
                let o = &mut objects[me];
                o.heading_deg = (*base_heading + *amplitude_deg * (w * t).sin()).rem_euclid(360.0);
                o.east_north_m = *anchor - direction(o.heading_deg) * *radius;
                o.speed_m_s = *radius * amplitude_deg.to_radians() * w * (w * t).cos().abs();
            }
            Behaviour::Underway {
                turn_rate_deg_s,
                look_ahead_m,
            } => {
                let o = &mut objects[me];
                let ahead = direction(o.heading_deg);
                let pos = o.east_north_m;
                let clear = ground.segment_ok(pos + ahead * 20.0, pos + ahead * *look_ahead_m, 20.0, |p| {
                    ground.navigable(p)
                });
                if !clear {
                    o.heading_deg = (o.heading_deg + *turn_rate_deg_s * h).rem_euclid(360.0);
                }
                let next = pos + direction(o.heading_deg) * (o.speed_m_s * h);
                // Never step from water onto land: wait, turning, until the way is clear.
                if ground.navigable(next) || !ground.navigable(pos) {
                    o.east_north_m = next;
                }
            }
            Behaviour::Shuttle { a, b, towards_b, speed } => {
                let target = if *towards_b { *b } else { *a };
                if move_towards(&mut objects[me], target, *speed, h) {
                    *towards_b = !*towards_b;
                }
            }
            Behaviour::Alongside {
                vessel,
                side_m,
                along_m,
                speed,
                start_after_s,
                arrived,
            } => {
                let v = &objects[*vessel];
                let (fwd, vessel_heading) = (direction(v.heading_deg), v.heading_deg);
                let starboard = V2::new(fwd.y, -fwd.x);
                let spot = v.east_north_m + fwd * *along_m + starboard * *side_m;
                let o = &mut objects[me];
                if t < *start_after_s {
                    o.speed_m_s = 0.0;
                } else if !*arrived {
                    *arrived = move_towards(o, spot, *speed, h);
                } else {
                    // Keeping station: a slow surge fore and aft, bow with the vessel's.
                    let surge = fwd * (2.0 * (t / 25.0).sin());
                    move_towards(o, spot + surge, 2.0, h);
                    o.heading_deg = vessel_heading;
                }
            }
            Behaviour::Orbit {
                center,
                radius,
                speed,
                angle,
                direction: dir,
            } => {
                let r = *radius * (1.0 + 0.15 * (t / 90.0).sin());
                let next_angle = *angle + *dir * *speed / r * h;
                let next = *center + V2::new(next_angle.sin(), next_angle.cos()) * r;
                let o = &mut objects[me];
                if ground.navigable(next) {
                    *angle = next_angle;
                    move_towards(o, next, *speed * 2.0, h);
                } else {
                    *dir = -*dir;
                    o.speed_m_s = 0.0;
                }
            }
            Behaviour::Wander {
                area,
                reach_m,
                speed,
                pause_s,
                target,
                wait_s,
            } => {
                let o = &mut objects[me];
                if *wait_s > 0.0 {
                    *wait_s -= h;
                    o.speed_m_s = 0.0;
                    return;
                }
                let r = o.width_m.max(o.length_m) / 2.0;
                let Some(goal) = *target else {
                    *target = pick_target(&mut self.rng, ground, *area, o.east_north_m, *reach_m, r);
                    if target.is_none() {
                        *wait_s = 5.0;
                    }
                    o.speed_m_s = 0.0;
                    return;
                };
                let v = if o.speed_m_s > 0.0 {
                    o.speed_m_s
                } else {
                    self.rng.range(speed.0, speed.1)
                };
                if move_towards(o, goal, v, h) {
                    *target = None;
                    *wait_s = self.rng.range(pause_s.0, pause_s.1);
                    o.speed_m_s = 0.0;
                }
            }
        }
    }
}

/// A random point within `reach` of `from` that an object of radius `r` may reach in a
/// straight line without leaving its area.
pub fn pick_target(rng: &mut SimRng, ground: &Ground, area: Area, from: V2, reach: f64, r: f64) -> Option<V2> {
    let step = match area {
        Area::Water => 4.0,
        Area::Zone(_) => 1.0,
    };
    (0..30).find_map(|_| {
        let a = rng.range(0.0, std::f64::consts::TAU);
        let d = reach * rng.uniform().sqrt();
        let p = from + V2::new(a.sin(), a.cos()) * d;
        (ground.area_ok(area, p, r) && ground.segment_ok(from, p, step, |q| ground.area_ok(area, q, r))).then_some(p)
    })
}

/// A random point of the area (anywhere in a zone, or in the water within `bounds`).
pub fn random_point(rng: &mut SimRng, ground: &Ground, area: Area, bounds: (V2, V2), r: f64) -> Option<V2> {
    let (lo, hi) = match area {
        Area::Zone(z) => ground.zones.get(z)?.bbox(),
        Area::Water => bounds,
    };
    (0..500).find_map(|_| {
        let p = V2::new(rng.range(lo.x, hi.x), rng.range(lo.y, hi.y));
        ground.area_ok(area, p, r).then_some(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearings_and_footprints() {
        assert!((bearing(V2::new(1.0, 0.0)) - 90.0).abs() < 1e-12);
        assert!((bearing(V2::new(0.0, -1.0)) - 180.0).abs() < 1e-12);
        assert!((direction(270.0) - V2::new(-1.0, 0.0)).norm() < 1e-12);
        let f = Footprint {
            center: V2::zeros(),
            forward: direction(90.0),
            half_length: 3.0,
            half_width: 1.0,
        };
        assert!(f.contains(V2::new(2.9, 0.9), 0.0));
        assert!(!f.contains(V2::new(0.0, 1.5), 0.0));
        assert!(f.contains(V2::new(0.0, 1.5), 0.6));
    }
}
