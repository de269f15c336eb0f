//! Other flight patterns: perimeter patrol, orbit of a point, plain waypoint routes; and the
//! assembly of any pattern into a complete plan (take-off, speed, pattern, return).

use geo::{Area, Buffer, Coord, MultiPolygon, Simplify};
use thiserror::Error;

use crate::geodesy::{Geodetic, LatLon, LocalFrame};
use crate::geometry::{coord_to_latlon, dist, to_local_multi};
use crate::plan::{GeoFence, MissionItem, Plan, PlanElement, RallyPoint};
use crate::survey::{NamedShape, Navigator, fence_geometry};

#[derive(Debug, Error, PartialEq)]
pub enum PatternError {
    #[error("nothing is left of the area once it is shrunk by the {0} m margin and exclusions are removed")]
    NothingLeft(f64),
    #[error("{what} must be positive, got {value}")]
    NotPositive { what: &'static str, value: f64 },
    #[error("a route needs at least one waypoint")]
    EmptyRoute,
    #[error("no fence-respecting path from {from} to {to}")]
    Unreachable { from: String, to: String },
    #[error("the orbit {0}")]
    OrbitBreach(String),
}

/// A pattern as points to fly, with the fence-respecting legs from and back to the launch.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternRoute {
    pub transit_in: Vec<LatLon>,
    pub points: Vec<LatLon>,
    pub transit_out: Vec<LatLon>,
}

impl PatternRoute {
    pub fn waypoint_items(&self, alt_m: f64) -> Vec<MissionItem> {
        self.points.iter().map(|&p| MissionItem::waypoint(p, alt_m)).collect()
    }
}

#[derive(Debug, Clone)]
pub struct PerimeterRequest {
    pub area: MultiPolygon<f64>,
    pub fences: Vec<NamedShape>,
    /// How far inside the boundary to fly, metres.
    pub margin_m: f64,
    pub laps: u32,
    pub clockwise: bool,
    pub launch: LatLon,
}

/// Fly the area's boundary, offset inward by the margin and around exclusion zones, `laps` times.
pub fn plan_perimeter(req: &PerimeterRequest) -> Result<PatternRoute, PatternError> {
    if req.margin_m.is_nan() || req.margin_m < 0.0 {
        return Err(PatternError::NotPositive {
            what: "margin",
            value: req.margin_m,
        });
    }
    if req.laps == 0 {
        return Err(PatternError::NotPositive {
            what: "laps",
            value: 0.0,
        });
    }
    let frame = frame_for(&req.area).ok_or(PatternError::NothingLeft(req.margin_m))?;
    let local = to_local_multi(&frame, &req.area);
    let shrunk = if req.margin_m > 0.0 {
        local.buffer(-req.margin_m)
    } else {
        local
    };
    let inside = crate::survey::clip_to_fences(&frame, &shrunk, &req.fences, req.margin_m.max(1.0));
    let largest = inside
        .0
        .iter()
        .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
        .filter(|p| p.unsigned_area() > 1.0)
        .ok_or(PatternError::NothingLeft(req.margin_m))?;
    // Buffering rounds corners into many vertices: 0.5 m of simplification keeps the shape.
    let ring = largest.exterior().simplify(0.5);
    let mut pts: Vec<Coord<f64>> = ring.0[..ring.0.len().saturating_sub(1)].to_vec();
    let signed: f64 = (0..pts.len())
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
            a.x * b.y - b.x * a.y
        })
        .sum();
    if (signed < 0.0) != req.clockwise {
        pts.reverse();
    }
    let launch = frame.coord_to_local(req.launch.to_coord());
    let start = (0..pts.len())
        .min_by(|&a, &b| dist(pts[a], launch).total_cmp(&dist(pts[b], launch)))
        .unwrap_or(0);
    pts.rotate_left(start);
    let mut lap: Vec<Coord<f64>> = pts.clone();
    lap.push(pts[0]);
    let points: Vec<Coord<f64>> = std::iter::once(pts[0])
        .chain((0..req.laps).flat_map(|_| lap[1..].iter().copied()))
        .collect();
    finish(&frame, &req.fences, launch, &points)
}

/// A plain waypoint route; with `avoid`, legs that would cross a fence are replaced by detours.
pub fn plan_route(
    points: &[LatLon],
    fences: &[NamedShape],
    launch: LatLon,
    avoid: bool,
) -> Result<PatternRoute, PatternError> {
    if points.is_empty() {
        return Err(PatternError::EmptyRoute);
    }
    let frame = LocalFrame::at(launch);
    let local: Vec<Coord<f64>> = points.iter().map(|p| frame.coord_to_local(p.to_coord())).collect();
    if !avoid {
        return Ok(PatternRoute {
            transit_in: vec![],
            points: points.to_vec(),
            transit_out: vec![],
        });
    }
    let fence = fence_geometry(frame, fences);
    let nav = Navigator::new(&fence, 5.0);
    let mut out = vec![local[0]];
    for (i, w) in local.windows(2).enumerate() {
        let path = nav.path(w[0], w[1]).ok_or_else(|| PatternError::Unreachable {
            from: format!("waypoint {}", i + 1),
            to: format!("waypoint {}", i + 2),
        })?;
        out.extend(&path[1..]);
    }
    finish(&frame, fences, frame.coord_to_local(launch.to_coord()), &out)
}

/// An orbit of a point (a vessel, a detection), refused when its circle crosses a fence.
pub fn plan_orbit(
    center: LatLon,
    radius_m: f64,
    turns: f64,
    clockwise: bool,
    alt_m: f64,
    fences: &[NamedShape],
) -> Result<MissionItem, PatternError> {
    for (what, value) in [("radius", radius_m), ("turns", turns), ("altitude", alt_m)] {
        if !(value.is_finite() && value > 0.0) {
            return Err(PatternError::NotPositive { what, value });
        }
    }
    let frame = LocalFrame::at(center);
    let fence = fence_geometry(frame, fences);
    let circle: Vec<Coord<f64>> = (0..=72)
        .map(|k| {
            let a = (k as f64 * 5.0).to_radians();
            Coord {
                x: radius_m * a.sin(),
                y: radius_m * a.cos(),
            }
        })
        .collect();
    for w in circle.windows(2) {
        if let Some(b) = fence.leg_breaches(w[0], w[1]).into_iter().next() {
            return Err(PatternError::OrbitBreach(b.to_string()));
        }
    }
    Ok(MissionItem::LoiterTurns {
        center,
        alt_m,
        radius_m,
        turns,
        clockwise,
    })
}

fn frame_for(area: &MultiPolygon<f64>) -> Option<LocalFrame> {
    let rect = geo::BoundingRect::bounding_rect(area)?;
    Some(LocalFrame::at(LatLon::from_coord(rect.center())))
}

fn finish(
    frame: &LocalFrame,
    fences: &[NamedShape],
    launch: Coord<f64>,
    points: &[Coord<f64>],
) -> Result<PatternRoute, PatternError> {
    let fence = fence_geometry(*frame, fences);
    let nav = Navigator::new(&fence, 5.0);
    let (first, last) = (points[0], points[points.len() - 1]);
    let unreachable = |from: &str, to: &str| PatternError::Unreachable {
        from: from.into(),
        to: to.into(),
    };
    let path_in = nav
        .path(launch, first)
        .ok_or_else(|| unreachable("launch", "the pattern"))?;
    let path_out = nav
        .path(last, launch)
        .ok_or_else(|| unreachable("the pattern", "launch"))?;
    let ll = |c: &Coord<f64>| coord_to_latlon(frame, *c);
    Ok(PatternRoute {
        transit_in: path_in[1..path_in.len() - 1].iter().map(ll).collect(),
        points: points.iter().map(ll).collect(),
        transit_out: path_out[1..path_out.len() - 1].iter().map(ll).collect(),
    })
}

/// Flight settings shared by every pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlightSettings {
    pub alt_m: f64,
    pub speed_m_s: f64,
}

/// A complete plan: take-off, speed, legs to the pattern, the pattern, legs back, return.
pub fn assemble(
    home: Geodetic,
    settings: FlightSettings,
    transit_in: &[LatLon],
    body: Vec<PlanElement>,
    transit_out: &[LatLon],
    fence: GeoFence,
    rally: Vec<RallyPoint>,
) -> Plan {
    let wp = |p: &LatLon| PlanElement::Item(MissionItem::waypoint(*p, settings.alt_m));
    let mut elements = vec![
        PlanElement::Item(MissionItem::Takeoff {
            position: None,
            alt_m: settings.alt_m,
        }),
        PlanElement::Item(MissionItem::ChangeSpeed {
            speed_m_s: settings.speed_m_s,
        }),
    ];
    elements.extend(transit_in.iter().map(wp));
    elements.extend(body);
    elements.extend(transit_out.iter().map(wp));
    elements.push(PlanElement::Item(MissionItem::ReturnToLaunch));
    let mut plan = Plan::new(home);
    plan.cruise_speed_m_s = settings.speed_m_s;
    plan.elements = elements;
    plan.fence = fence;
    plan.rally = rally;
    plan
}
