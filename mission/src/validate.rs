//! Plan validation: fences on every leg, altitude limits, coordinates, and endurance with reserve.

use serde::Serialize;

use crate::endurance::{EnergyModel, FlightEstimate, estimate};
use crate::fence::FenceGeometry;
use crate::geodesy::{LatLon, LocalFrame, destination};
use crate::plan::{MissionItem, Plan};

/// Limits a plan must respect besides its own fence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limits {
    /// Highest altitude above take-off, metres (120 m: the usual open-category ceiling).
    pub max_alt_m: f64,
    /// Lowest altitude for a waypoint above take-off, metres.
    pub min_alt_m: f64,
    /// Room to keep under a fence ceiling (ArduPilot's FENCE_MARGIN): a vehicle holding
    /// altitude overshoots by a little, and at the ceiling that is a breach and an RTL.
    pub fence_margin_m: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_alt_m: 120.0,
            min_alt_m: 5.0,
            fence_margin_m: 2.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, tied to the mission item (0-based, in flight order) where it arises.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub item: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.item {
            Some(i) => write!(f, "{sev}: item {i}: {}", self.message),
            None => write!(f, "{sev}: {}", self.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub estimate: FlightEstimate,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.problems.iter().all(|p| p.severity != Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.severity == Severity::Error)
    }
}

/// Check a whole plan against its own fence; every offending item is listed with the reason.
pub fn validate(plan: &Plan, limits: &Limits, model: &EnergyModel) -> Report {
    let fence = FenceGeometry::from_fence(&plan.fence, LocalFrame::at(plan.home.horizontal()));
    validate_against(plan, &fence, limits, model)
}

/// Check a whole plan against fences given separately (named as the officer knows them); the
/// plan's own ceiling still applies.
pub fn validate_against(plan: &Plan, fence: &FenceGeometry, limits: &Limits, model: &EnergyModel) -> Report {
    let mut problems = Vec::new();
    let mut error = |item: Option<usize>, message: String| {
        problems.push(Problem {
            severity: Severity::Error,
            item,
            message,
        })
    };
    let home = plan.home.horizontal();
    if !home.is_valid() {
        error(
            None,
            format!("home {:.6},{:.6} is not a valid position", home.lat, home.lon),
        );
    }
    let ceiling = plan
        .fence
        .max_alt_m
        .map_or(limits.max_alt_m, |f| f.min(limits.max_alt_m));
    for (i, p) in plan.fence.polygons.iter().enumerate() {
        if p.vertices.len() < 3 {
            error(
                None,
                format!(
                    "fence polygon {} has {} vertices; at least 3 are needed",
                    i + 1,
                    p.vertices.len()
                ),
            );
        }
    }
    if fence.inclusions().count() > 0 && !fence.allows_point(fence.frame().coord_to_local(home.to_coord())) {
        error(None, "home is outside the geofence or inside an exclusion zone".into());
    }

    let items = plan.mission_items();
    let mut pos = home;
    let mut leg_from_label = "home".to_string();
    let mut warnings = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(alt) = item_altitude(item) {
            if alt > ceiling {
                error(
                    Some(i),
                    format!(
                        "{}: altitude {alt:.0} m is above the ceiling of {ceiling:.0} m",
                        item.describe()
                    ),
                );
            } else if let Some(fence_ceiling) = plan.fence.max_alt_m
                && alt > fence_ceiling - limits.fence_margin_m
            {
                error(
                    Some(i),
                    format!(
                        "{}: altitude {alt:.0} m is within {:.0} m of the fence ceiling of {fence_ceiling:.0} m \
                         (the vehicle would breach it holding altitude)",
                        item.describe(),
                        limits.fence_margin_m
                    ),
                );
            }
            if matches!(item, MissionItem::Waypoint { .. } | MissionItem::LoiterTurns { .. }) && alt < limits.min_alt_m
            {
                error(
                    Some(i),
                    format!(
                        "{}: altitude {alt:.0} m is below the minimum of {:.0} m",
                        item.describe(),
                        limits.min_alt_m
                    ),
                );
            }
        }
        if let MissionItem::Other(raw) = item {
            warnings.push(Problem {
                severity: Severity::Warning,
                item: Some(i),
                message: format!(
                    "MAV_CMD {} is not understood by the planner and was not checked",
                    raw.command
                ),
            });
        }
        let Some((target, _)) = item.target() else {
            if let MissionItem::ReturnToLaunch = item {
                for b in fence.leg_breaches_latlon(pos, home) {
                    error(Some(i), format!("return leg from {leg_from_label} to home {b}"));
                }
                pos = home;
            }
            continue;
        };
        if !target.is_valid() {
            error(Some(i), format!("{}: position out of range", item.describe()));
            continue;
        }
        for b in fence.leg_breaches_latlon(pos, target) {
            error(Some(i), format!("leg from {leg_from_label} to {} {b}", item.describe()));
        }
        if let MissionItem::LoiterTurns { center, radius_m, .. } = item {
            for b in circle_breaches(fence, *center, *radius_m) {
                error(Some(i), format!("orbit of radius {radius_m:.0} m {b}"));
            }
        }
        pos = target;
        leg_from_label = format!("item {i}");
    }
    let estimate = estimate(plan, model);
    if !estimate.within_budget() {
        error(
            None,
            format!(
                "endurance: the flight needs {:.1} Wh ({:.0} min) but only {:.1} Wh may be used ({:.0}% reserve of {:.0} Wh)",
                estimate.energy_wh,
                estimate.time_s / 60.0,
                estimate.budget_wh,
                model.reserve_pct,
                model.battery_wh
            ),
        );
    }
    problems.extend(warnings);
    Report { problems, estimate }
}

fn item_altitude(item: &MissionItem) -> Option<f64> {
    match item {
        MissionItem::Takeoff { alt_m, .. } => Some(*alt_m),
        _ => item.target().map(|(_, a)| a),
    }
}

/// Breaches of the circle flown by an orbit, checked as 72 chords.
fn circle_breaches(fence: &FenceGeometry, center: LatLon, radius: f64) -> Vec<crate::fence::Breach> {
    let pts: Vec<LatLon> = (0..=72).map(|k| destination(center, k as f64 * 5.0, radius)).collect();
    let mut out: Vec<crate::fence::Breach> = Vec::new();
    for w in pts.windows(2) {
        for b in fence.leg_breaches_latlon(w[0], w[1]) {
            if !out.iter().any(|o| o.label == b.label) {
                out.push(b);
            }
        }
    }
    out
}
