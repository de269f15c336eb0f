//! Reading the command line's inputs into the planner's terms: the scenario file as a
//! `PortContext`, area files, positions; and the planner's errors in the CLI's words.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use mission::geodesy::{Geodetic, LatLon};
use mission::planner::{PlannerError, PortContext, merge_zones};
use mission::scenario::PortScenario;

const NO_LAUNCH: &str = "no launch point: give --launch lat,lon or a scenario with a launch site";

/// The port from a scenario file, launching from `launch` or the scenario's launch pad.
pub fn load_context(scenario: Option<&Path>, launch: Option<Geodetic>) -> Result<PortContext> {
    let Some(path) = scenario else {
        return launch.map(PortContext::without_scenario).context(NO_LAUNCH);
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading scenario {}", path.display()))?;
    let scenario = PortScenario::parse(&text).with_context(|| format!("scenario {}", path.display()))?;
    PortContext::from_scenario(scenario, launch).map_err(|e| explain(e, true))
}

/// When `name_or_path` is a GeoJSON or KML file, make its polygons, merged, an area of `ctx`
/// under that name; otherwise the planner looks it up among the zones.
pub fn add_area_file(ctx: &mut PortContext, name_or_path: &str) -> Result<()> {
    let path = Path::new(name_or_path);
    if !path.is_file() {
        return Ok(());
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let zones = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("kml") => mission::area::kml::parse_kml(&text),
        _ => mission::area::geojson::parse_geojson(&text),
    }
    .with_context(|| format!("area file {}", path.display()))?;
    let area = merge_zones(name_or_path, &zones)?;
    ctx.add_area(name_or_path, area);
    Ok(())
}

/// The planner's error in the words the CLI has always used, naming its options.
pub fn explain(e: PlannerError, has_scenario: bool) -> anyhow::Error {
    match e {
        PlannerError::UnknownZone { name, known } => {
            let known = if has_scenario {
                format!(" (zones: {})", known.join(", "))
            } else {
                " (no --scenario given)".into()
            };
            anyhow!("'{name}' is neither a file nor a zone of the scenario{known}")
        }
        PlannerError::UnknownSite { name, .. } => anyhow!("'{name}' is neither lat,lon nor a site of the scenario"),
        PlannerError::NoLaunch => anyhow!(NO_LAUNCH),
        other => other.into(),
    }
}

pub fn parse_latlon(text: &str) -> Result<LatLon> {
    let g = parse_geodetic(text)?;
    Ok(g.horizontal())
}

/// "lat,lon" or "lat,lon,alt".
pub fn parse_geodetic(text: &str) -> Result<Geodetic> {
    let parts: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("expected lat,lon[,alt] in degrees, got '{text}'"))?;
    let g = match parts[..] {
        [lat, lon] => Geodetic::new(lat, lon, 0.0),
        [lat, lon, alt] => Geodetic::new(lat, lon, alt),
        _ => bail!("expected lat,lon[,alt], got '{text}'"),
    };
    if !g.horizontal().is_valid() {
        bail!("'{text}' is not a valid position (latitude -90..90, longitude -180..180)");
    }
    Ok(g)
}
