//! `mission`: plan, preview and validate port surveillance missions from the command line.

mod inputs;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use mission::camera::Camera;
use mission::endurance::EnergyModel;
use mission::fence::FenceGeometry;
use mission::geodesy::LocalFrame;
use mission::patterns::{self, FlightSettings, PerimeterRequest};
use mission::plan::{MissionItem, Plan, PlanElement};
use mission::preview::{MarkerKind, Preview};
use mission::survey::{self, Altitude, SurveyRequest};
use mission::validate::{Limits, validate_against};

use inputs::{Inputs, parse_latlon};

#[derive(Parser)]
#[command(
    name = "mission",
    version,
    about = "Plan, preview and validate port surveillance missions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Plan a mission and write it as a QGroundControl .plan file.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Check a .plan file: fences on every leg, altitude limits, endurance.
    Validate(ValidateArgs),
    /// Print a .plan file as the MISSION_ITEM_INT lists (mission, fence, rally) a vehicle receives, as JSON.
    Mavlink(MavlinkArgs),
}

#[derive(Args)]
struct MavlinkArgs {
    /// The .plan file.
    plan: PathBuf,
    /// Target system id.
    #[arg(long, default_value_t = 1)]
    target_system: u8,
    /// Leave out ArduPilot's home item at seq 0 (PX4 style).
    #[arg(long)]
    no_home_item: bool,
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Lawnmower survey of an area with a camera.
    Survey(SurveyArgs),
    /// Patrol an area's boundary, offset inward.
    Perimeter(PerimeterArgs),
    /// Orbit a point or a vessel of the scenario.
    Orbit(OrbitArgs),
    /// Fly a list of waypoints.
    Route(RouteArgs),
}

#[derive(Args)]
struct Common {
    /// Port scenario (GeoJSON): zones, fences, launch pad, rally points, vessels.
    #[arg(long, env = "MISSION_SCENARIO")]
    scenario: Option<PathBuf>,
    /// Launch point "lat,lon[,alt_amsl]" (default: the scenario's launch pad).
    #[arg(long)]
    launch: Option<String>,
    /// Flight altitude above take-off, metres.
    #[arg(long, default_value_t = 60.0)]
    alt: f64,
    /// Cruise speed, m/s.
    #[arg(long, default_value_t = 10.0)]
    speed: f64,
    /// Battery energy, Wh (usable energy is this less the reserve).
    #[arg(long, default_value_t = EnergyModel::default().battery_wh)]
    battery_wh: f64,
    /// Battery reserve kept for landing, %.
    #[arg(long, default_value_t = EnergyModel::default().reserve_pct)]
    reserve_pct: f64,
    /// Write the plan here (QGroundControl .plan).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write a picture of the plan here (SVG).
    #[arg(long)]
    preview: Option<PathBuf>,
}

#[derive(Args)]
struct SurveyArgs {
    #[command(flatten)]
    common: Common,
    /// Zone name in the scenario, or a GeoJSON/KML file of the area.
    #[arg(long)]
    area: String,
    /// Target ground sample distance, cm/px (overrides --alt).
    #[arg(long)]
    gsd: Option<f64>,
    /// Front/side overlap, %.
    #[arg(long, default_value = "75/65")]
    overlap: String,
    /// Camera preset (sony-rx100, dji-m3e, sony-a6000-16mm, gopro-hero) or
    /// "sensor_w_mm,sensor_h_mm,image_w_px,image_h_px,focal_mm".
    #[arg(long, default_value = "sony-rx100")]
    camera: String,
    /// Lane bearing in degrees, or "auto" for the shortest flight.
    #[arg(long, default_value = "auto")]
    angle: String,
    /// Straight run past each lane end, metres.
    #[arg(long, default_value_t = 10.0)]
    turnaround: f64,
    /// Distance kept from fences and exclusion zones, metres.
    #[arg(long, default_value_t = 5.0)]
    margin: f64,
}

#[derive(Args)]
struct PerimeterArgs {
    #[command(flatten)]
    common: Common,
    /// Zone name in the scenario, or a GeoJSON/KML file of the area.
    #[arg(long)]
    area: String,
    /// Distance inside the boundary, metres.
    #[arg(long, default_value_t = 30.0)]
    margin: f64,
    #[arg(long, default_value_t = 1)]
    laps: u32,
    /// Fly counter-clockwise instead of clockwise.
    #[arg(long)]
    counter_clockwise: bool,
}

#[derive(Args)]
struct OrbitArgs {
    #[command(flatten)]
    common: Common,
    /// Centre "lat,lon", or the name of a scenario site (a vessel).
    #[arg(long)]
    center: String,
    #[arg(long, default_value_t = 80.0)]
    radius: f64,
    #[arg(long, default_value_t = 2.0)]
    turns: f64,
    #[arg(long)]
    counter_clockwise: bool,
}

#[derive(Args)]
struct RouteArgs {
    #[command(flatten)]
    common: Common,
    /// Waypoints "lat,lon;lat,lon;...".
    #[arg(long)]
    waypoints: String,
    /// Detour around fences and exclusion zones instead of only reporting breaches.
    #[arg(long)]
    avoid: bool,
}

#[derive(Args)]
struct ValidateArgs {
    /// The .plan file to check.
    plan: PathBuf,
    /// Also check against this scenario's fence and exclusion zones.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Ceiling above take-off, metres.
    #[arg(long, default_value_t = 120.0)]
    max_alt: f64,
    #[arg(long, default_value_t = EnergyModel::default().battery_wh)]
    battery_wh: f64,
    #[arg(long, default_value_t = EnergyModel::default().reserve_pct)]
    reserve_pct: f64,
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Plan(PlanCommand::Survey(a)) => plan_survey(a),
        Command::Plan(PlanCommand::Perimeter(a)) => plan_perimeter(a),
        Command::Plan(PlanCommand::Orbit(a)) => plan_orbit(a),
        Command::Plan(PlanCommand::Route(a)) => plan_route(a),
        Command::Validate(a) => validate_file(a),
        Command::Mavlink(a) => print_mavlink(a),
    }
}

fn energy(battery_wh: f64, reserve_pct: f64) -> EnergyModel {
    EnergyModel {
        battery_wh,
        reserve_pct,
        ..EnergyModel::default()
    }
}

fn plan_survey(a: SurveyArgs) -> Result<()> {
    let inputs = Inputs::load(a.common.scenario.as_deref(), a.common.launch.as_deref())?;
    let (area_name, area) = inputs.area(&a.area)?;
    let camera = Camera::parse(&a.camera)?;
    let (front, side) = a
        .overlap
        .split_once('/')
        .and_then(|(f, s)| Some((f.trim().parse::<f64>().ok()?, s.trim().parse::<f64>().ok()?)))
        .with_context(|| format!("--overlap must be FRONT/SIDE in %, e.g. 75/65, got '{}'", a.overlap))?;
    let mut req = SurveyRequest::new(
        area,
        camera,
        a.gsd.map_or(Altitude::AboveHome(a.common.alt), Altitude::GsdCm),
        inputs.home.horizontal(),
    );
    req.fences = inputs.fences.clone();
    req.front_overlap_pct = front;
    req.side_overlap_pct = side;
    req.turnaround_m = a.turnaround;
    req.fence_margin_m = a.margin;
    req.speed_m_s = a.common.speed;
    req.performance = energy(a.common.battery_wh, a.common.reserve_pct);
    req.angle_deg = match a.angle.as_str() {
        "auto" => None,
        s => Some(
            s.parse()
                .with_context(|| format!("--angle must be degrees or 'auto', got '{s}'"))?,
        ),
    };
    let sp = survey::plan_survey(&req).with_context(|| format!("planning a survey of {area_name}"))?;
    let settings = FlightSettings {
        alt_m: sp.alt_m,
        speed_m_s: a.common.speed,
    };
    let plan = patterns::assemble(
        inputs.home,
        settings,
        &sp.transit_in,
        vec![PlanElement::Survey(sp.to_element(&req))],
        &sp.transit_out,
        inputs.geofence(),
        inputs.rally(),
    );
    let s = &sp.stats;
    let mut notes = vec![
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
    let footprints: Vec<_> = sp.triggers.iter().map(|t| sp.footprint_at(*t)).collect();
    let mut preview = Preview::new(&format!("Survey — {area_name}"));
    inputs.draw_port(&mut preview);
    preview.footprints(&footprints).lanes(&sp.lanes);
    finish(plan, &inputs.fences, &a.common, &mut notes, preview)
}

fn plan_perimeter(a: PerimeterArgs) -> Result<()> {
    let inputs = Inputs::load(a.common.scenario.as_deref(), a.common.launch.as_deref())?;
    let (area_name, area) = inputs.area(&a.area)?;
    let req = PerimeterRequest {
        area,
        fences: inputs.fences.clone(),
        margin_m: a.margin,
        laps: a.laps,
        clockwise: !a.counter_clockwise,
        launch: inputs.home.horizontal(),
    };
    let route = patterns::plan_perimeter(&req).with_context(|| format!("planning a patrol of {area_name}"))?;
    let plan = route_plan(&inputs, &a.common, &route, vec![]);
    let mut notes = vec![format!(
        "Perimeter patrol of {area_name}: {} laps, {} m inside the boundary",
        a.laps, a.margin
    )];
    let mut preview = Preview::new(&format!("Perimeter patrol — {area_name}"));
    inputs.draw_port(&mut preview);
    finish(plan, &inputs.fences, &a.common, &mut notes, preview)
}

fn plan_orbit(a: OrbitArgs) -> Result<()> {
    let inputs = Inputs::load(a.common.scenario.as_deref(), a.common.launch.as_deref())?;
    let (label, center) = match parse_latlon(&a.center) {
        Ok(p) => (format!("{:.6},{:.6}", p.lat, p.lon), p),
        Err(_) => {
            let site = inputs.site(&a.center)?;
            (site.name.clone(), site.position)
        }
    };
    let orbit = patterns::plan_orbit(
        center,
        a.radius,
        a.turns,
        !a.counter_clockwise,
        a.common.alt,
        &inputs.fences,
    )
    .with_context(|| format!("planning an orbit of {label}"))?;
    // Reach the orbit's edge, not its centre (a vessel's mast), by a fence-respecting route.
    let edge = mission::geodesy::destination(
        center,
        mission::geodesy::bearing_deg(center, inputs.home.horizontal()),
        a.radius,
    );
    let route = patterns::plan_route(&[edge], &inputs.fences, inputs.home.horizontal(), true)?;
    let plan = route_plan(&inputs, &a.common, &route, vec![PlanElement::Item(orbit)]);
    let mut notes = vec![format!("Orbit of {label}: radius {:.0} m, {} turns", a.radius, a.turns)];
    let mut preview = Preview::new(&format!("Orbit — {label}"));
    inputs.draw_port(&mut preview);
    preview.marker(center, &label, MarkerKind::Vessel);
    finish(plan, &inputs.fences, &a.common, &mut notes, preview)
}

fn plan_route(a: RouteArgs) -> Result<()> {
    let inputs = Inputs::load(a.common.scenario.as_deref(), a.common.launch.as_deref())?;
    let points = a
        .waypoints
        .split(';')
        .filter(|s| !s.trim().is_empty())
        .enumerate()
        .map(|(i, s)| parse_latlon(s).with_context(|| format!("waypoint {}", i + 1)))
        .collect::<Result<Vec<_>>>()?;
    let route = patterns::plan_route(&points, &inputs.fences, inputs.home.horizontal(), a.avoid)?;
    let plan = route_plan(&inputs, &a.common, &route, vec![]);
    let mut notes = vec![format!("Route of {} waypoints", points.len())];
    let mut preview = Preview::new("Waypoint route");
    inputs.draw_port(&mut preview);
    finish(plan, &inputs.fences, &a.common, &mut notes, preview)
}

/// A plan flying `route`'s waypoints, then `then`, inside the scenario's fence, with its rally points.
fn route_plan(inputs: &Inputs, c: &Common, route: &patterns::PatternRoute, then: Vec<PlanElement>) -> Plan {
    let mut body: Vec<PlanElement> = route.waypoint_items(c.alt).into_iter().map(PlanElement::Item).collect();
    body.extend(then);
    let settings = FlightSettings {
        alt_m: c.alt,
        speed_m_s: c.speed,
    };
    patterns::assemble(
        inputs.home,
        settings,
        &route.transit_in,
        body,
        &route.transit_out,
        inputs.geofence(),
        inputs.rally(),
    )
}

/// Validate, report, and write the plan and its picture.
fn finish(
    plan: Plan,
    fences: &[survey::NamedShape],
    c: &Common,
    notes: &mut Vec<String>,
    mut preview: Preview,
) -> Result<()> {
    let model = energy(c.battery_wh, c.reserve_pct);
    // The plan's fence is the scenario's: check against the named zones for clearer messages.
    let fence = survey::fence_geometry(LocalFrame::at(plan.home.horizontal()), fences);
    let report = validate_against(&plan, &fence, &Limits::default(), &model);
    let e = &report.estimate;
    notes.push(format!(
        "flight {:.1} km, {:.0} min, {} turns",
        e.distance_m / 1000.0,
        e.time_s / 60.0,
        e.turns
    ));
    notes.push(format!(
        "battery {:.0}% used of {:.0}% available ({:.0} Wh pack)",
        e.battery_used_pct(&model),
        100.0 - model.reserve_pct,
        model.battery_wh
    ));
    for n in notes.iter() {
        println!("{n}");
        preview.note(n);
    }
    for p in &report.problems {
        println!("{p}");
    }
    preview.plan(&plan);
    if let Some(path) = &c.out {
        std::fs::write(path, mission::qgc::export_plan(&plan))
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "plan written to {} ({} mission items)",
            path.display(),
            plan.mission_items().len()
        );
    }
    if let Some(path) = &c.preview {
        std::fs::write(path, preview.render()).with_context(|| format!("writing {}", path.display()))?;
        println!("preview written to {}", path.display());
    }
    if !report.is_ok() {
        bail!(
            "the plan is not safe to fly: {} problem(s) above",
            report.errors().count()
        );
    }
    Ok(())
}

fn validate_file(a: ValidateArgs) -> Result<()> {
    let text = std::fs::read_to_string(&a.plan).with_context(|| format!("reading {}", a.plan.display()))?;
    let import = mission::qgc::import_plan(&text).with_context(|| format!("reading {}", a.plan.display()))?;
    for w in &import.warnings {
        println!("warning: {w}");
    }
    let mut plan = import.plan;
    let frame = LocalFrame::at(plan.home.horizontal());
    let fence = match &a.scenario {
        None => FenceGeometry::from_fence(&plan.fence, frame),
        Some(path) => {
            // The scenario's zones by name, plus whatever the plan fences that they do not.
            let inputs = Inputs::load(Some(path), Some(&format!("{},{}", plan.home.lat, plan.home.lon)))?;
            let known = inputs.geofence();
            let mut own = plan.fence.clone();
            own.polygons.retain(|p| !known.polygons.contains(p));
            own.circles.retain(|c| !known.circles.contains(c));
            let mut fence = FenceGeometry::from_fence(&own, frame);
            for shape in survey::fence_geometry(frame, &inputs.fences).shapes() {
                fence.push(shape.label.clone(), shape.inclusion, shape.shape.clone());
            }
            plan.fence.max_alt_m = match (plan.fence.max_alt_m, known.max_alt_m) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            fence
        }
    };
    let limits = Limits {
        max_alt_m: a.max_alt,
        ..Limits::default()
    };
    let model = energy(a.battery_wh, a.reserve_pct);
    let report = validate_against(&plan, &fence, &limits, &model);
    let e = &report.estimate;
    let n = plan
        .mission_items()
        .iter()
        .filter(|i| !matches!(i, MissionItem::Other(_)))
        .count();
    println!(
        "{}: {} items ({n} understood), {:.1} km, {:.0} min, {:.1} Wh of {:.1} Wh usable",
        a.plan.display(),
        plan.mission_items().len(),
        e.distance_m / 1000.0,
        e.time_s / 60.0,
        e.energy_wh,
        e.budget_wh
    );
    for p in &report.problems {
        println!("{p}");
    }
    if report.is_ok() {
        println!("OK");
        Ok(())
    } else {
        bail!("{} problem(s)", report.errors().count())
    }
}

fn print_mavlink(a: MavlinkArgs) -> Result<()> {
    use mission::mavlink_items::{EncodeOptions, encode_fence, encode_mission, encode_rally, items_to_json};
    use std::io::Write;
    let text = std::fs::read_to_string(&a.plan).with_context(|| format!("reading {}", a.plan.display()))?;
    let import = mission::qgc::import_plan(&text).with_context(|| format!("reading {}", a.plan.display()))?;
    for w in &import.warnings {
        eprintln!("warning: {w}");
    }
    let opts = EncodeOptions {
        target_system: a.target_system,
        target_component: 1,
        home_item: !a.no_home_item,
    };
    let plan = &import.plan;
    // The fence parameters the lists need on an ArduPilot vehicle: the ceiling is a parameter.
    let mut fence_type = 0;
    let mut params = serde_json::Map::new();
    if let Some(alt) = plan.fence.max_alt_m {
        fence_type |= 1;
        params.insert("FENCE_ALT_MAX".into(), alt.into());
    }
    if !plan.fence.polygons.is_empty() || !plan.fence.circles.is_empty() {
        fence_type |= 4;
    }
    params.insert("FENCE_TYPE".into(), fence_type.into());
    let json = serde_json::json!({
        "params": params,
        "mission": items_to_json(&encode_mission(plan, &opts)?),
        "fence": items_to_json(&encode_fence(&plan.fence, &opts)?),
        "rally": items_to_json(&encode_rally(&plan.rally, &opts)?),
    });
    let mut out = std::io::stdout().lock();
    // A closed pipe (| head) is the reader's choice, not an error worth a panic.
    let _ = writeln!(out, "{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}
