//! Whole missions from a request: pattern → complete plan (take-off, fence-respecting transits,
//! pattern, return) → validation, estimate, notes and picture. The CLI and the station's API
//! both plan through [`plan`], so a plan made on the console is the plan made on the command line.
//!
//! An unsafe plan is not an error: it comes back with `ok == false` and its problems, so that a
//! console can show why. Errors are requests no plan can be made from (unknown zone, bad numbers).

mod context;
mod request;

use serde::Serialize;
use thiserror::Error;

use crate::camera::{Camera, CameraError};
use crate::endurance::EnergyModel;
use crate::geodesy::{LatLon, LocalFrame, bearing_deg, destination};
use crate::patterns::{self, FlightSettings, PatternError, PatternRoute, PerimeterRequest};
use crate::plan::{MissionItem, Plan, PlanElement};
use crate::preview::{MarkerKind, Preview};
use crate::survey::{self, Altitude, SurveyError, SurveyRequest};
use crate::validate::{Limits, Problem, validate_against};

pub use context::{PortContext, merge_zones};
pub use request::{FlightOptions, Pattern, PlanRequest, Target, defaults};

use request::{not_negative, positive};

#[derive(Debug, Error)]
pub enum PlannerError {
    #[error("'{name}' is not a zone of the scenario ({})", known_list("zones", known))]
    UnknownZone { name: String, known: Vec<String> },
    #[error("'{name}' names more than one zone ({}): give the full name", matches.join(", "))]
    AmbiguousZone { name: String, matches: Vec<String> },
    #[error("{0} has no polygon to fly")]
    NotAnArea(String),
    #[error("'{name}' is not a site of the scenario ({})", known_list("sites", known))]
    UnknownSite { name: String, known: Vec<String> },
    #[error("no launch point: the scenario has no launch site and none was given")]
    NoLaunch,
    #[error("{what} {lat},{lon} is not a valid position (latitude -90..90, longitude -180..180)")]
    BadPosition { what: String, lat: f64, lon: f64 },
    #[error("{field} must be {expected}, got {value}")]
    BadOption {
        field: &'static str,
        value: f64,
        expected: &'static str,
    },
    #[error(transparent)]
    Camera(#[from] CameraError),
    /// The survey planner's reason is part of the message, so that one line explains it.
    #[error("planning a survey of {area}: {reason}")]
    Survey { area: String, reason: SurveyError },
    #[error("planning {what}: {reason}")]
    Pattern { what: String, reason: PatternError },
}

fn known_list(what: &str, names: &[String]) -> String {
    if names.is_empty() {
        "no scenario loaded".into()
    } else {
        format!("{what}: {}", names.join(", "))
    }
}

/// Flight time and energy of a plan, against the battery.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub distance_m: f64,
    pub time_s: f64,
    pub turns: usize,
    pub energy_wh: f64,
    /// Share of the battery the flight uses, %.
    pub battery_used_pct: f64,
    /// Share of the battery that may be used (100 less the reserve), %.
    pub battery_available_pct: f64,
    /// Energy that may be used, Wh.
    pub budget_wh: f64,
}

/// A planned mission with everything a console shows about it.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedMission {
    /// "Survey — Outer Anchorage".
    pub title: String,
    pub plan: Plan,
    /// One line each: the pattern's figures, then flight and battery (what the CLI prints).
    pub notes: Vec<String>,
    pub estimate: Estimate,
    /// Validation problems, each tied to its item where there is one.
    pub problems: Vec<Problem>,
    /// No error-severity problem: safe to fly.
    pub ok: bool,
    /// The positions flown in order, from launch back to launch (orbits drawn as one lap).
    pub route: Vec<LatLon>,
    /// Planned camera triggers (0 for patterns without a camera).
    pub photos: usize,
    pub coverage_pct: Option<f64>,
    /// The plan drawn over the port, with the notes (what `mission plan --preview` writes).
    pub preview_svg: String,
}

/// A plan before validation, with what its pattern knows that the plan does not say.
struct Draft {
    title: String,
    plan: Plan,
    notes: Vec<String>,
    preview: Preview,
    photos: usize,
    coverage_pct: Option<f64>,
}

/// Plan `request` in the port of `ctx`: the complete plan, validated against the port's fences,
/// the ceiling and the battery. Unsafe plans come back with `ok == false`.
pub fn plan(ctx: &PortContext, request: &PlanRequest) -> Result<PlannedMission, PlannerError> {
    let flight = &request.flight;
    flight.check()?;
    valid_position("launch point", ctx.home.horizontal())?;
    let draft = match &request.pattern {
        Pattern::Survey {
            area,
            camera,
            gsd_cm,
            front_overlap_pct,
            side_overlap_pct,
            angle_deg,
            turnaround_m,
            fence_margin_m,
        } => {
            let (area_name, polygons) = ctx.area(area)?;
            let mut req = SurveyRequest::new(
                polygons,
                Camera::parse(camera)?,
                Altitude::AboveHome(flight.altitude_m),
                ctx.home.horizontal(),
            );
            if let Some(gsd) = *gsd_cm {
                positive("gsd_cm", gsd)?;
                req.altitude = Altitude::GsdCm(gsd);
            }
            not_negative("turnaround_m", *turnaround_m)?;
            not_negative("fence_margin_m", *fence_margin_m)?;
            req.front_overlap_pct = *front_overlap_pct;
            req.side_overlap_pct = *side_overlap_pct;
            req.angle_deg = *angle_deg;
            req.turnaround_m = *turnaround_m;
            req.fence_margin_m = *fence_margin_m;
            plan_survey(ctx, flight, area_name, req)?
        }
        Pattern::Perimeter {
            area,
            laps,
            margin_m,
            clockwise,
        } => plan_perimeter(ctx, flight, area, *laps, *margin_m, *clockwise)?,
        Pattern::Orbit {
            target,
            radius_m,
            turns,
            clockwise,
        } => plan_orbit(ctx, flight, target, *radius_m, *turns, *clockwise)?,
        Pattern::Route { waypoints, avoid } => plan_route(ctx, flight, waypoints, *avoid)?,
    };
    Ok(finish(ctx, &flight.energy_model(), draft))
}

fn plan_survey(
    ctx: &PortContext,
    flight: &FlightOptions,
    area_name: String,
    mut req: SurveyRequest,
) -> Result<Draft, PlannerError> {
    req.fences = ctx.fences.clone();
    req.speed_m_s = flight.speed_m_s;
    req.performance = flight.energy_model();
    let sp = survey::plan_survey(&req).map_err(|reason| PlannerError::Survey {
        area: area_name.clone(),
        reason,
    })?;
    let settings = FlightSettings {
        alt_m: sp.alt_m,
        speed_m_s: flight.speed_m_s,
    };
    let plan = patterns::assemble(
        ctx.home,
        settings,
        &sp.transit_in,
        vec![PlanElement::Survey(sp.to_element(&req))],
        &sp.transit_out,
        ctx.geofence(),
        ctx.rally(),
    );
    let s = &sp.stats;
    let notes = vec![
        format!("Survey of {area_name}: {:.2} km²", s.area_m2 / 1e6),
        format!(
            "altitude {:.0} m, GSD {:.1} cm/px, camera {}",
            sp.alt_m,
            req.camera.gsd_cm(sp.alt_m),
            req.camera.name
        ),
        format!(
            "{} lanes at {:.0}° spaced {:.1} m in {} cells",
            s.lanes, sp.angle_deg, sp.spacing.lane_m, s.cells
        ),
        format!("trigger every {:.1} m ({} photos)", sp.spacing.trigger_m, s.triggers),
        format!(
            "survey path {:.0} m + transit {:.0} m, {} turns, {:.0} min",
            s.survey_path_m,
            s.transit_m,
            s.turns,
            s.flight_time_s / 60.0
        ),
        format!("coverage {:.2}%, path efficiency {:.3}", s.coverage_pct, s.efficiency),
    ];
    let title = format!("Survey — {area_name}");
    let footprints: Vec<_> = sp.triggers.iter().map(|t| sp.footprint_at(*t)).collect();
    let mut preview = Preview::new(&title);
    ctx.draw_port(&mut preview);
    preview.footprints(&footprints).lanes(&sp.lanes);
    Ok(Draft {
        title,
        plan,
        notes,
        preview,
        photos: s.triggers,
        coverage_pct: Some(s.coverage_pct),
    })
}

fn plan_perimeter(
    ctx: &PortContext,
    flight: &FlightOptions,
    area: &str,
    laps: u32,
    margin_m: f64,
    clockwise: bool,
) -> Result<Draft, PlannerError> {
    let (area_name, polygons) = ctx.area(area)?;
    let req = PerimeterRequest {
        area: polygons,
        fences: ctx.fences.clone(),
        margin_m,
        laps,
        clockwise,
        launch: ctx.home.horizontal(),
    };
    let route = patterns::plan_perimeter(&req).map_err(|reason| PlannerError::Pattern {
        what: format!("a patrol of {area_name}"),
        reason,
    })?;
    let title = format!("Perimeter patrol — {area_name}");
    let mut preview = Preview::new(&title);
    ctx.draw_port(&mut preview);
    Ok(Draft {
        title,
        plan: route_plan(ctx, flight, &route, vec![]),
        notes: vec![format!(
            "Perimeter patrol of {area_name}: {laps} laps, {margin_m} m inside the boundary"
        )],
        preview,
        photos: 0,
        coverage_pct: None,
    })
}

fn plan_orbit(
    ctx: &PortContext,
    flight: &FlightOptions,
    target: &Target,
    radius_m: f64,
    turns: u32,
    clockwise: bool,
) -> Result<Draft, PlannerError> {
    let (label, center) = match target {
        Target::Point(p) => {
            valid_position("orbit centre", *p)?;
            (format!("{:.6},{:.6}", p.lat, p.lon), *p)
        }
        Target::Site(name) => {
            let site = ctx.site(name)?;
            (site.name.clone(), site.position)
        }
    };
    let orbit = patterns::plan_orbit(
        center,
        radius_m,
        f64::from(turns),
        clockwise,
        flight.altitude_m,
        &ctx.fences,
    )
    .map_err(|reason| PlannerError::Pattern {
        what: format!("an orbit of {label}"),
        reason,
    })?;
    // Reach the orbit's edge, not its centre (a vessel's mast), by a fence-respecting route.
    let edge = destination(center, bearing_deg(center, ctx.home.horizontal()), radius_m);
    let route = patterns::plan_route(&[edge], &ctx.fences, ctx.home.horizontal(), true).map_err(|reason| {
        PlannerError::Pattern {
            what: format!("the way to the orbit of {label}"),
            reason,
        }
    })?;
    let title = format!("Orbit — {label}");
    let mut preview = Preview::new(&title);
    ctx.draw_port(&mut preview);
    preview.marker(center, &label, MarkerKind::Vessel);
    Ok(Draft {
        plan: route_plan(ctx, flight, &route, vec![PlanElement::Item(orbit)]),
        notes: vec![format!("Orbit of {label}: radius {radius_m:.0} m, {turns} turns")],
        title,
        preview,
        photos: 0,
        coverage_pct: None,
    })
}

fn plan_route(
    ctx: &PortContext,
    flight: &FlightOptions,
    waypoints: &[LatLon],
    avoid: bool,
) -> Result<Draft, PlannerError> {
    for (i, p) in waypoints.iter().enumerate() {
        valid_position(&format!("waypoint {}", i + 1), *p)?;
    }
    let route = patterns::plan_route(waypoints, &ctx.fences, ctx.home.horizontal(), avoid).map_err(|reason| {
        PlannerError::Pattern {
            what: "the route".into(),
            reason,
        }
    })?;
    let title = "Waypoint route".to_string();
    let mut preview = Preview::new(&title);
    ctx.draw_port(&mut preview);
    Ok(Draft {
        plan: route_plan(ctx, flight, &route, vec![]),
        notes: vec![format!("Route of {} waypoints", waypoints.len())],
        title,
        preview,
        photos: 0,
        coverage_pct: None,
    })
}

fn valid_position(what: &str, p: LatLon) -> Result<(), PlannerError> {
    if p.is_valid() {
        Ok(())
    } else {
        Err(PlannerError::BadPosition {
            what: what.to_string(),
            lat: p.lat,
            lon: p.lon,
        })
    }
}

/// A plan flying `route`'s waypoints, then `then`, inside the port's fence, with its rally points.
fn route_plan(ctx: &PortContext, flight: &FlightOptions, route: &PatternRoute, then: Vec<PlanElement>) -> Plan {
    let mut body: Vec<PlanElement> = route
        .waypoint_items(flight.altitude_m)
        .into_iter()
        .map(PlanElement::Item)
        .collect();
    body.extend(then);
    let settings = FlightSettings {
        alt_m: flight.altitude_m,
        speed_m_s: flight.speed_m_s,
    };
    patterns::assemble(
        ctx.home,
        settings,
        &route.transit_in,
        body,
        &route.transit_out,
        ctx.geofence(),
        ctx.rally(),
    )
}

/// Validate against the port's named fences, add flight and battery notes, draw the picture.
fn finish(ctx: &PortContext, model: &EnergyModel, draft: Draft) -> PlannedMission {
    let Draft {
        title,
        plan,
        mut notes,
        mut preview,
        photos,
        coverage_pct,
    } = draft;
    // The plan's fence is the scenario's: check against the named zones for clearer messages.
    let fence = survey::fence_geometry(LocalFrame::at(plan.home.horizontal()), &ctx.fences);
    let report = validate_against(&plan, &fence, &Limits::default(), model);
    let e = &report.estimate;
    let estimate = Estimate {
        distance_m: e.distance_m,
        time_s: e.time_s,
        turns: e.turns,
        energy_wh: e.energy_wh,
        battery_used_pct: e.battery_used_pct(model),
        battery_available_pct: 100.0 - model.reserve_pct,
        budget_wh: e.budget_wh,
    };
    notes.push(format!(
        "flight {:.1} km, {:.0} min, {} turns",
        e.distance_m / 1000.0,
        e.time_s / 60.0,
        e.turns
    ));
    notes.push(format!(
        "battery {:.0}% used of {:.0}% available ({:.0} Wh pack)",
        estimate.battery_used_pct, estimate.battery_available_pct, model.battery_wh
    ));
    for n in &notes {
        preview.note(n);
    }
    preview.plan(&plan);
    PlannedMission {
        title,
        notes,
        estimate,
        ok: report.is_ok(),
        problems: report.problems,
        route: flown_route(&plan),
        photos,
        coverage_pct,
        preview_svg: preview.render(),
        plan,
    }
}

/// The positions a plan flies through in order, from launch back to launch; an orbit is drawn
/// as one lap from where the vehicle joins its circle.
pub fn flown_route(plan: &Plan) -> Vec<LatLon> {
    let home = plan.home.horizontal();
    let mut out = vec![home];
    for item in plan.mission_items() {
        let here = out.last().copied().unwrap_or(home);
        match item {
            MissionItem::LoiterTurns {
                center,
                radius_m,
                clockwise,
                ..
            } => {
                let start = bearing_deg(center, here);
                let step = if clockwise { 10.0 } else { -10.0 };
                out.extend((0..=36).map(|k| destination(center, start + step * f64::from(k), radius_m)));
            }
            MissionItem::ReturnToLaunch => out.push(home),
            MissionItem::Land { position } => out.push(position.unwrap_or(here)),
            other => {
                if let Some((p, _)) = other.target() {
                    out.push(p);
                }
            }
        }
    }
    out
}
