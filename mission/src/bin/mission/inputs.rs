//! Reading the command line's inputs: scenario, areas from files or zone names, launch point.

use std::path::Path;

use anyhow::{Context, Result, bail};
use geo::{BooleanOps, MultiPolygon};
use mission::area::{Zone, ZoneShape};
use mission::geodesy::{Geodetic, LatLon};
use mission::plan::{GeoFence, RallyPoint};
use mission::preview::{MarkerKind, Preview};
use mission::scenario::{PortScenario, Site};
use mission::survey::{NamedShape, fences_from_zones};

pub struct Inputs {
    pub scenario: Option<PortScenario>,
    pub zones: Vec<Zone>,
    pub fences: Vec<NamedShape>,
    pub home: Geodetic,
}

impl Inputs {
    pub fn load(scenario: Option<&Path>, launch: Option<&str>) -> Result<Self> {
        let scenario = scenario
            .map(|p| -> Result<PortScenario> {
                let text = std::fs::read_to_string(p).with_context(|| format!("reading scenario {}", p.display()))?;
                PortScenario::parse(&text).with_context(|| format!("scenario {}", p.display()))
            })
            .transpose()?;
        let home = match (launch, scenario.as_ref().and_then(|s| s.launch())) {
            (Some(text), _) => parse_geodetic(text).context("--launch")?,
            (None, Some(pad)) => pad,
            (None, None) => bail!("no launch point: give --launch lat,lon or a scenario with a launch site"),
        };
        let zones = scenario.as_ref().map(|s| s.zones.clone()).unwrap_or_default();
        Ok(Self {
            fences: fences_from_zones(&zones),
            zones,
            scenario,
            home,
        })
    }

    /// A zone of the scenario by name, or every polygon of a GeoJSON/KML file, merged.
    pub fn area(&self, name_or_path: &str) -> Result<(String, MultiPolygon<f64>)> {
        let path = Path::new(name_or_path);
        let (label, zones) = if path.is_file() {
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
            (path.display().to_string(), zones)
        } else {
            let zone = self
                .scenario
                .as_ref()
                .and_then(|s| s.zone(name_or_path))
                .with_context(|| {
                    format!(
                        "'{name_or_path}' is neither a file nor a zone of the scenario{}",
                        self.zone_names()
                    )
                })?;
            (zone.name.clone(), vec![zone.clone()])
        };
        let merged = zones.iter().fold(MultiPolygon(vec![]), |acc, z| match &z.shape {
            ZoneShape::Polygons(mp) => acc.union(mp),
            ZoneShape::Circle { .. } => acc,
        });
        if merged.0.is_empty() {
            bail!("{label} has no polygon to fly");
        }
        Ok((label, merged))
    }

    pub fn site(&self, name: &str) -> Result<&Site> {
        self.scenario
            .as_ref()
            .and_then(|s| s.site(name))
            .with_context(|| format!("'{name}' is neither lat,lon nor a site of the scenario"))
    }

    fn zone_names(&self) -> String {
        match &self.scenario {
            Some(s) => format!(
                " (zones: {})",
                s.zones.iter().map(|z| z.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
            None => " (no --scenario given)".into(),
        }
    }

    /// The scenario's zones and vessels, as the background of a plan's picture.
    pub fn draw_port(&self, preview: &mut Preview) {
        preview.zones(&self.zones);
        for (site, _) in self.scenario.iter().flat_map(|s| s.vessels()) {
            preview.marker(site.position, &site.name, MarkerKind::Vessel);
        }
    }

    pub fn geofence(&self) -> GeoFence {
        self.scenario.as_ref().map(|s| s.geofence()).unwrap_or_default()
    }

    pub fn rally(&self) -> Vec<RallyPoint> {
        self.scenario.as_ref().map(|s| s.rally_points()).unwrap_or_default()
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
