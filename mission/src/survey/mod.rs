//! Survey (lawnmower) planning: area minus exclusions → lanes from the camera model, a sweep
//! angle that minimises the flight, decomposition of concave areas and holes, triggers, coverage.

mod coverage;
mod navigate;
mod route;
mod sweep;

use geo::{Area, BooleanOps, Buffer, ConvexHull, Coord, MultiPolygon};
use thiserror::Error;

use crate::area::{Zone, ZoneKind, ZoneShape};
use crate::camera::{self, Camera, CameraError, Spacing};
use crate::endurance::EnergyModel;
use crate::fence::{FenceGeometry, LocalShape};
use crate::geodesy::{LatLon, LocalFrame};
use crate::geometry::{circle_polygon, coord_to_latlon, to_local_multi};
use crate::plan::{MissionItem, SurveyElement};

pub use coverage::{LaneShots, covered_fraction, shots_along};
pub use navigate::Navigator;
pub use route::{PointRole, count_turns};
pub use sweep::Sweep;

/// A fence or no-fly shape with the name an officer knows it by.
#[derive(Debug, Clone)]
pub struct NamedShape {
    pub label: String,
    pub inclusion: bool,
    pub shape: ZoneShape,
}

/// Flight height: given directly, or from the ground sample distance wanted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Altitude {
    AboveHome(f64),
    GsdCm(f64),
}

#[derive(Debug, Clone)]
pub struct SurveyRequest {
    /// The area to cover (lon/lat), holes are left out.
    pub area: MultiPolygon<f64>,
    /// Fences and exclusion zones: lanes keep `fence_margin_m` from them, and no leg crosses them.
    pub fences: Vec<NamedShape>,
    pub camera: Camera,
    pub altitude: Altitude,
    pub front_overlap_pct: f64,
    pub side_overlap_pct: f64,
    /// Lane bearing in degrees; None chooses the one that gives the shortest flight.
    pub angle_deg: Option<f64>,
    /// Straight run past each lane end so that the vehicle is level and at speed for photos.
    pub turnaround_m: f64,
    pub launch: LatLon,
    pub fence_margin_m: f64,
    /// Lane pieces shorter than this are not flown.
    pub min_lane_m: f64,
    /// Ground speed on the survey, m/s (for the time estimate).
    pub speed_m_s: f64,
    /// Climb and descent rates and the cost of a turn (for the time estimate).
    pub performance: EnergyModel,
}

impl SurveyRequest {
    pub fn new(area: MultiPolygon<f64>, camera: Camera, altitude: Altitude, launch: LatLon) -> Self {
        Self {
            area,
            fences: Vec::new(),
            camera,
            altitude,
            front_overlap_pct: 75.0,
            side_overlap_pct: 65.0,
            angle_deg: None,
            turnaround_m: 10.0,
            launch,
            fence_margin_m: 5.0,
            min_lane_m: 1.0,
            speed_m_s: 10.0,
            performance: EnergyModel::default(),
        }
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum SurveyError {
    #[error(transparent)]
    Camera(#[from] CameraError),
    #[error("altitude must be positive, got {0} m")]
    BadAltitude(f64),
    #[error("the survey area is empty")]
    EmptyArea,
    #[error("nothing is left to survey once exclusion zones and fence margins are removed")]
    NothingToSurvey,
    #[error("lane spacing {0:.2} m is too small (check camera, altitude and side overlap)")]
    SpacingTooSmall(f64),
    #[error("angle {0} is not a number")]
    BadAngle(f64),
    #[error("no fence-respecting path reaches the survey from the launch point, or joins its parts")]
    Unreachable,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurveyStats {
    /// Area to cover: the area inside the fences and outside exclusions, m².
    pub area_m2: f64,
    pub lanes: usize,
    pub cells: usize,
    /// From the first run-in to the last run-out, metres.
    pub survey_path_m: f64,
    /// Launch → survey and survey → launch, metres.
    pub transit_m: f64,
    pub turns: usize,
    pub triggers: usize,
    /// Share of the area inside at least one photo footprint, %.
    pub coverage_pct: f64,
    /// Area covered ÷ (survey path × lane spacing): 1 is a path with no waste.
    pub efficiency: f64,
    /// Take-off, transit, survey, transit and landing, with a pause for each turn, seconds.
    pub flight_time_s: f64,
}

#[derive(Debug, Clone)]
pub struct SurveyPlan {
    pub angle_deg: f64,
    pub alt_m: f64,
    pub spacing: Spacing,
    /// Launch → first run-in, exclusive of both ends (detour corners only).
    pub transit_in: Vec<LatLon>,
    /// The survey from its first to its last point.
    pub route: Vec<(LatLon, PointRole)>,
    /// Last run-out → launch, exclusive of both ends.
    pub transit_out: Vec<LatLon>,
    /// Photo lanes in flying order, start → end.
    pub lanes: Vec<(LatLon, LatLon)>,
    pub triggers: Vec<LatLon>,
    /// What was surveyed (area inside fences, outside exclusions), lon/lat.
    pub target: MultiPolygon<f64>,
    pub stats: SurveyStats,
    frame: LocalFrame,
}

impl SurveyPlan {
    /// Corners of the photo footprint centred on a trigger point.
    pub fn footprint_at(&self, trigger: LatLon) -> [LatLon; 4] {
        let sweep = Sweep::new(self.angle_deg);
        let c = self.frame.coord_to_local(trigger.to_coord());
        let (hf, hs) = (
            self.spacing.footprint.front_m / 2.0,
            self.spacing.footprint.side_m / 2.0,
        );
        [(-hf, -hs), (hf, -hs), (hf, hs), (-hf, hs)]
            .map(|(du, dv)| coord_to_latlon(&self.frame, c + sweep.dir * du + sweep.normal * dv))
    }

    /// Mission items flying the survey: waypoints, with distance triggering on each lane only.
    pub fn mission_items(&self) -> Vec<MissionItem> {
        let mut items = Vec::with_capacity(self.route.len() * 2);
        for &(p, role) in &self.route {
            items.push(MissionItem::waypoint(p, self.alt_m));
            match role {
                PointRole::LaneStart => items.push(MissionItem::CameraTriggerDistance {
                    distance_m: self.spacing.trigger_m,
                }),
                PointRole::LaneEnd => items.push(MissionItem::CameraTriggerDistance { distance_m: 0.0 }),
                _ => {}
            }
        }
        items
    }

    /// The survey as a plan element (QGroundControl keeps the outer ring of the area).
    pub fn to_element(&self, req: &SurveyRequest) -> SurveyElement {
        let outline = req
            .area
            .0
            .iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
            .map(|p| p.exterior().0.iter().map(|&c| LatLon::from_coord(c)).collect())
            .unwrap_or_default();
        SurveyElement {
            polygon: outline,
            angle_deg: self.angle_deg,
            alt_m: self.alt_m,
            camera: req.camera.clone(),
            front_overlap_pct: req.front_overlap_pct,
            side_overlap_pct: req.side_overlap_pct,
            lane_spacing_m: self.spacing.lane_m,
            trigger_distance_m: self.spacing.trigger_m,
            turnaround_m: req.turnaround_m,
            fly_alternate_transects: false,
            items: self.mission_items(),
            extra: Default::default(),
        }
    }
}

/// The fence and exclusion zones among `zones`, named as an officer knows them.
pub fn fences_from_zones<'a>(zones: impl IntoIterator<Item = &'a Zone>) -> Vec<NamedShape> {
    zones
        .into_iter()
        .filter_map(|z| {
            let inclusion = match z.kind {
                ZoneKind::Fence => true,
                ZoneKind::Exclusion => false,
                _ => return None,
            };
            let kind = if inclusion { "fence" } else { "exclusion" };
            Some(NamedShape {
                label: format!("{kind} '{}'", z.name),
                inclusion,
                shape: z.shape.clone(),
            })
        })
        .collect()
}

/// Fences projected into a local frame, for leg checks.
pub fn fence_geometry(frame: LocalFrame, fences: &[NamedShape]) -> FenceGeometry {
    let mut g = FenceGeometry::new(frame);
    for f in fences {
        match &f.shape {
            ZoneShape::Circle { center, radius_m } => g.push(
                f.label.clone(),
                f.inclusion,
                LocalShape::Circle {
                    center: frame.coord_to_local(center.to_coord()),
                    radius: *radius_m,
                },
            ),
            ZoneShape::Polygons(mp) => {
                for poly in &to_local_multi(&frame, mp).0 {
                    g.push(f.label.clone(), f.inclusion, LocalShape::Polygon(poly.clone()));
                }
            }
        }
    }
    g
}

fn shape_polygons(frame: &LocalFrame, shape: &ZoneShape, grow: f64) -> MultiPolygon<f64> {
    let base = match shape {
        ZoneShape::Circle { center, radius_m } => {
            let c = frame.coord_to_local(center.to_coord());
            return MultiPolygon(vec![circle_polygon(c, (radius_m + grow).max(0.1), 64)]);
        }
        ZoneShape::Polygons(mp) => to_local_multi(frame, mp),
    };
    if grow == 0.0 { base } else { base.buffer(grow) }
}

/// The area inside every inclusion (shrunk by `margin`) and outside every exclusion (grown by it).
pub fn clip_to_fences(
    frame: &LocalFrame,
    area: &MultiPolygon<f64>,
    fences: &[NamedShape],
    margin: f64,
) -> MultiPolygon<f64> {
    fences.iter().fold(area.clone(), |acc, f| {
        if f.inclusion {
            acc.intersection(&shape_polygons(frame, &f.shape, -margin))
        } else {
            acc.difference(&shape_polygons(frame, &f.shape, margin))
        }
    })
}

/// The best flight found so far: its length, angle, route and transits.
struct Flight {
    total: f64,
    angle: f64,
    route: route::Route,
    path_in: Vec<Coord<f64>>,
    path_out: Vec<Coord<f64>>,
    cells: usize,
}

struct Candidate {
    angle: f64,
    cells: Vec<sweep::Cell>,
    estimate: f64,
}

/// Plan a survey. Pure: no I/O, deterministic for a given request.
pub fn plan_survey(req: &SurveyRequest) -> Result<SurveyPlan, SurveyError> {
    req.camera.check()?;
    let alt_m = match req.altitude {
        Altitude::AboveHome(a) => a,
        Altitude::GsdCm(g) => req.camera.alt_for_gsd(g),
    };
    if !(alt_m.is_finite() && alt_m > 0.0) {
        return Err(SurveyError::BadAltitude(alt_m));
    }
    let spacing = camera::spacing(&req.camera, alt_m, req.front_overlap_pct, req.side_overlap_pct)?;
    if spacing.lane_m.is_nan() || spacing.lane_m <= 0.1 {
        return Err(SurveyError::SpacingTooSmall(spacing.lane_m));
    }
    let rect = geo::BoundingRect::bounding_rect(&req.area).ok_or(SurveyError::EmptyArea)?;
    let frame = LocalFrame::at(LatLon::from_coord(rect.center()));
    let local_area = to_local_multi(&frame, &req.area);
    if local_area.unsigned_area() <= 0.0 {
        return Err(SurveyError::EmptyArea);
    }
    let target = clip_to_fences(&frame, &local_area, &req.fences, 0.0);
    let region = clip_to_fences(&frame, &local_area, &req.fences, req.fence_margin_m);
    if region.unsigned_area() < 1.0 {
        return Err(SurveyError::NothingToSurvey);
    }
    let fence = fence_geometry(frame, &req.fences);
    let nav = Navigator::new(&fence, req.fence_margin_m / 2.0);
    let launch = frame.coord_to_local(req.launch.to_coord());

    let cells_at = |angle: f64| {
        let sweep = Sweep::new(angle);
        let lanes = sweep::lane_intervals(&region, &local_area, &sweep, spacing.lane_m, req.min_lane_m);
        let cells = sweep::decompose(&lanes);
        // Quick estimate: lanes, turnarounds and the step to the next lane.
        let estimate = lanes
            .iter()
            .flatten()
            .map(|iv| iv.len() + 2.0 * req.turnaround_m + spacing.lane_m)
            .sum::<f64>()
            + cells.len() as f64 * spacing.lane_m * 4.0;
        Candidate { angle, cells, estimate }
    };
    let candidates: Vec<Candidate> = match req.angle_deg {
        Some(a) if !a.is_finite() => return Err(SurveyError::BadAngle(a)),
        Some(a) => vec![cells_at(a.rem_euclid(180.0))],
        None => {
            let mut angles: Vec<f64> = (0..36).map(|i| i as f64 * 5.0).collect();
            // Lanes parallel to a hull edge are the classic optimum for convex areas.
            let hull = region.convex_hull();
            // Only the long hull edges matter, and angles within half a degree plan alike: a
            // ragged 1,000-vertex boundary would otherwise add hundreds of candidates.
            let perimeter: f64 = hull
                .exterior()
                .0
                .windows(2)
                .map(|w| crate::geometry::dist(w[0], w[1]))
                .sum();
            angles.extend(
                hull.exterior()
                    .0
                    .windows(2)
                    .filter(|w| crate::geometry::dist(w[0], w[1]) > perimeter / 50.0)
                    .map(|w| {
                        let d = w[1] - w[0];
                        d.x.atan2(d.y).to_degrees().rem_euclid(180.0)
                    }),
            );
            angles.sort_by(f64::total_cmp);
            angles.dedup_by(|a, b| (*a - *b).abs() < 0.5);
            let mut scored: Vec<Candidate> = angles.into_iter().map(cells_at).collect();
            scored.sort_by(|a, b| a.estimate.total_cmp(&b.estimate));
            let best = scored[0].angle;
            scored.extend(
                (-4..=4)
                    .filter(|d| *d != 0)
                    .map(|d| cells_at((best + d as f64).rem_euclid(180.0))),
            );
            scored.sort_by(|a, b| a.estimate.total_cmp(&b.estimate));
            scored.truncate(4);
            scored
        }
    };
    let mut best: Option<Flight> = None;
    for cand in candidates {
        let builder = route::RouteBuilder {
            sweep: Sweep::new(cand.angle),
            nav: &nav,
            turnaround: req.turnaround_m,
        };
        let Some(r) = builder.build(&cand.cells, launch) else {
            continue;
        };
        let (Some(first), Some(last)) = (r.points.first(), r.points.last()) else {
            continue;
        };
        let Some(path_in) = nav.path(launch, first.at) else {
            continue;
        };
        let Some(path_out) = nav.path(last.at, launch) else {
            continue;
        };
        let total = polyline_len(&path_in) + route::path_length(&r.points) + polyline_len(&path_out);
        if best.as_ref().is_none_or(|b| total < b.total) {
            best = Some(Flight {
                total,
                angle: cand.angle,
                route: r,
                path_in,
                path_out,
                cells: cand.cells.len(),
            });
        }
    }
    let Flight {
        angle,
        route: r,
        path_in,
        path_out,
        cells,
        ..
    } = best.ok_or(SurveyError::Unreachable)?;
    let sweep = Sweep::new(angle);
    let shots: Vec<LaneShots> = r
        .lanes
        .iter()
        .map(|l| shots_along(&sweep, l.start, l.end, spacing.trigger_m))
        .collect();
    let coverage = covered_fraction(&target, &sweep, &shots, spacing.footprint, 2000);
    let area_m2 = target.unsigned_area();
    let survey_path_m = route::path_length(&r.points);
    let to_ll = |c: Coord<f64>| coord_to_latlon(&frame, c);
    let triggers: Vec<LatLon> = shots
        .iter()
        .flat_map(|s| s.u.iter().map(move |&u| sweep.from_uv(u, s.v)))
        .map(to_ll)
        .collect();
    let route_points: Vec<Coord<f64>> = r.points.iter().map(|p| p.at).collect();
    let stats = SurveyStats {
        area_m2,
        lanes: r.lanes.len(),
        cells,
        survey_path_m,
        transit_m: polyline_len(&path_in) + polyline_len(&path_out),
        turns: count_turns(&route_points),
        triggers: triggers.len(),
        coverage_pct: coverage * 100.0,
        flight_time_s: (survey_path_m + polyline_len(&path_in) + polyline_len(&path_out)) / req.speed_m_s.max(0.1)
            + count_turns(&route_points) as f64 * req.performance.turn_penalty_s
            + alt_m / req.performance.climb_rate_m_s
            + alt_m / req.performance.descent_rate_m_s,
        efficiency: if survey_path_m > 0.0 {
            area_m2 * coverage / (survey_path_m * spacing.lane_m)
        } else {
            0.0
        },
    };
    let inner = |p: &[Coord<f64>]| p[1..p.len() - 1].iter().copied().map(to_ll).collect::<Vec<_>>();
    Ok(SurveyPlan {
        angle_deg: angle,
        alt_m,
        spacing,
        transit_in: inner(&path_in),
        route: r.points.iter().map(|p| (to_ll(p.at), p.role)).collect(),
        transit_out: inner(&path_out),
        lanes: r.lanes.iter().map(|l| (to_ll(l.start), to_ll(l.end))).collect(),
        triggers,
        target: target.map_coords(|c| frame.coord_from_local(c)),
        stats,
        frame,
    })
}

fn polyline_len(p: &[Coord<f64>]) -> f64 {
    p.windows(2).map(|w| crate::geometry::dist(w[0], w[1])).sum()
}

use geo::MapCoords;
