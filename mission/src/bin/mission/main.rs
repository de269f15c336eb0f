//! `mission`: plan, preview and validate port surveillance missions from the command line.

mod inputs;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use mission::endurance::EnergyModel;
use mission::fence::FenceGeometry;
use mission::geodesy::LocalFrame;
use mission::plan::MissionItem;
use mission::planner::{self, FlightOptions, Pattern, PlanRequest, PortContext, Target, defaults};
use mission::survey;
use mission::validate::{Limits, Severity, validate_against};

use inputs::{add_area_file, explain, load_context, parse_geodetic, parse_latlon};

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
    #[arg(long, default_value_t = defaults::ALTITUDE_M)]
    alt: f64,
    /// Cruise speed, m/s.
    #[arg(long, default_value_t = defaults::SPEED_M_S)]
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
    #[arg(long, default_value_t = defaults::TURNAROUND_M)]
    turnaround: f64,
    /// Distance kept from fences and exclusion zones, metres.
    #[arg(long, default_value_t = defaults::FENCE_MARGIN_M)]
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
    #[arg(long, default_value_t = defaults::PERIMETER_MARGIN_M)]
    margin: f64,
    #[arg(long, default_value_t = defaults::LAPS)]
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
    #[arg(long, default_value_t = defaults::ORBIT_RADIUS_M)]
    radius: f64,
    /// Whole turns around the centre.
    #[arg(long, default_value_t = defaults::ORBIT_TURNS)]
    turns: u32,
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

impl Common {
    fn flight(&self) -> FlightOptions {
        FlightOptions {
            altitude_m: self.alt,
            speed_m_s: self.speed,
            battery_wh: self.battery_wh,
            reserve_pct: self.reserve_pct,
        }
    }

    fn context(&self) -> Result<PortContext> {
        let launch = self
            .launch
            .as_deref()
            .map(|text| parse_geodetic(text).context("--launch"))
            .transpose()?;
        load_context(self.scenario.as_deref(), launch)
    }
}

fn plan_survey(a: SurveyArgs) -> Result<()> {
    let mut ctx = a.common.context()?;
    add_area_file(&mut ctx, &a.area)?;
    let (front, side) = a
        .overlap
        .split_once('/')
        .and_then(|(f, s)| Some((f.trim().parse::<f64>().ok()?, s.trim().parse::<f64>().ok()?)))
        .with_context(|| format!("--overlap must be FRONT/SIDE in %, e.g. 75/65, got '{}'", a.overlap))?;
    let angle_deg = match a.angle.as_str() {
        "auto" => None,
        s => Some(
            s.parse()
                .with_context(|| format!("--angle must be degrees or 'auto', got '{s}'"))?,
        ),
    };
    let pattern = Pattern::Survey {
        area: a.area,
        camera: a.camera,
        gsd_cm: a.gsd,
        front_overlap_pct: front,
        side_overlap_pct: side,
        angle_deg,
        turnaround_m: a.turnaround,
        fence_margin_m: a.margin,
    };
    plan_and_write(&ctx, pattern, &a.common)
}

fn plan_perimeter(a: PerimeterArgs) -> Result<()> {
    let mut ctx = a.common.context()?;
    add_area_file(&mut ctx, &a.area)?;
    let pattern = Pattern::Perimeter {
        area: a.area,
        laps: a.laps,
        margin_m: a.margin,
        clockwise: !a.counter_clockwise,
    };
    plan_and_write(&ctx, pattern, &a.common)
}

fn plan_orbit(a: OrbitArgs) -> Result<()> {
    let ctx = a.common.context()?;
    let target = match parse_latlon(&a.center) {
        Ok(p) => Target::Point(p),
        Err(_) => Target::Site(a.center),
    };
    let pattern = Pattern::Orbit {
        target,
        radius_m: a.radius,
        turns: a.turns,
        clockwise: !a.counter_clockwise,
    };
    plan_and_write(&ctx, pattern, &a.common)
}

fn plan_route(a: RouteArgs) -> Result<()> {
    let ctx = a.common.context()?;
    let waypoints = a
        .waypoints
        .split(';')
        .filter(|s| !s.trim().is_empty())
        .enumerate()
        .map(|(i, s)| parse_latlon(s).with_context(|| format!("waypoint {}", i + 1)))
        .collect::<Result<Vec<_>>>()?;
    plan_and_write(
        &ctx,
        Pattern::Route {
            waypoints,
            avoid: a.avoid,
        },
        &a.common,
    )
}

/// Plan, print the notes and problems, write the plan and its picture; fail when it is unsafe.
fn plan_and_write(ctx: &PortContext, pattern: Pattern, c: &Common) -> Result<()> {
    let request = PlanRequest {
        pattern,
        flight: c.flight(),
    };
    let planned = planner::plan(ctx, &request).map_err(|e| explain(e, ctx.scenario.is_some()))?;
    for n in &planned.notes {
        println!("{n}");
    }
    for p in &planned.problems {
        println!("{p}");
    }
    if let Some(path) = &c.out {
        std::fs::write(path, mission::qgc::export_plan(&planned.plan))
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "plan written to {} ({} mission items)",
            path.display(),
            planned.plan.mission_items().len()
        );
    }
    if let Some(path) = &c.preview {
        std::fs::write(path, &planned.preview_svg).with_context(|| format!("writing {}", path.display()))?;
        println!("preview written to {}", path.display());
    }
    if !planned.ok {
        let errors = planned
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        bail!("the plan is not safe to fly: {errors} problem(s) above");
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
            let ctx = load_context(Some(path), Some(plan.home))?;
            let known = ctx.geofence();
            let mut own = plan.fence.clone();
            own.polygons.retain(|p| !known.polygons.contains(p));
            own.circles.retain(|c| !known.circles.contains(c));
            let mut fence = FenceGeometry::from_fence(&own, frame);
            for shape in survey::fence_geometry(frame, &ctx.fences).shapes() {
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
