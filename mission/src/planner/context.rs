//! The port a plan is made in: launch point, zones and the fences they imply, sites, rally
//! points; and the lookup of areas and sites by the names an officer uses.

use geo::{BooleanOps, MultiPolygon};

use super::PlannerError;
use crate::area::{Zone, ZoneShape};
use crate::geodesy::Geodetic;
use crate::plan::{GeoFence, RallyPoint};
use crate::preview::{MarkerKind, Preview};
use crate::scenario::{PortScenario, Site};
use crate::survey::{NamedShape, fences_from_zones};

/// The port a plan is made in: launch point, zones, fences (named shapes), geofence and rally points.
#[derive(Debug, Clone)]
pub struct PortContext {
    /// Launch point; altitude above mean sea level.
    pub home: Geodetic,
    /// The scenario's zones (areas to fly, fences, exclusions).
    pub zones: Vec<Zone>,
    /// The fence and exclusion zones among `zones`, named as an officer knows them.
    pub fences: Vec<NamedShape>,
    pub scenario: Option<PortScenario>,
    /// Areas known besides the zones (a file the officer brought), by name; found first.
    pub extra_areas: Vec<(String, MultiPolygon<f64>)>,
}

impl PortContext {
    /// The scenario's port, launching from `launch` or, when None, from its launch pad.
    pub fn from_scenario(scenario: PortScenario, launch: Option<Geodetic>) -> Result<Self, PlannerError> {
        let home = launch.or_else(|| scenario.launch()).ok_or(PlannerError::NoLaunch)?;
        if !home.horizontal().is_valid() {
            return Err(PlannerError::BadPosition {
                what: "launch point".into(),
                lat: home.lat,
                lon: home.lon,
            });
        }
        let zones = scenario.zones.clone();
        Ok(Self {
            home,
            fences: fences_from_zones(&zones),
            zones,
            scenario: Some(scenario),
            extra_areas: Vec::new(),
        })
    }

    /// No port: no zones, fences or rally points; areas must be given with [`Self::add_area`].
    pub fn without_scenario(launch: Geodetic) -> Self {
        Self {
            home: launch,
            zones: Vec::new(),
            fences: Vec::new(),
            scenario: None,
            extra_areas: Vec::new(),
        }
    }

    /// Make `area` known by `name` (case ignored), ahead of the zones.
    pub fn add_area(&mut self, name: impl Into<String>, area: MultiPolygon<f64>) -> &mut Self {
        self.extra_areas.push((name.into(), area));
        self
    }

    /// An area to fly by name, case ignored: an added area, a zone, or else the one zone whose
    /// name contains it ("anchorage" → "Outer Anchorage"). Returns the full name and the polygons.
    pub fn area(&self, name: &str) -> Result<(String, MultiPolygon<f64>), PlannerError> {
        let key = name.trim().to_lowercase();
        if let Some((label, area)) = self.extra_areas.iter().find(|(n, _)| n.to_lowercase() == key) {
            return Ok((label.clone(), area.clone()));
        }
        let zone = match self.zones.iter().find(|z| z.name.to_lowercase() == key) {
            Some(z) => z,
            None => {
                let partial: Vec<&Zone> = if key.is_empty() {
                    vec![]
                } else {
                    self.zones
                        .iter()
                        .filter(|z| z.name.to_lowercase().contains(&key))
                        .collect()
                };
                match partial[..] {
                    [z] => z,
                    [] => {
                        return Err(PlannerError::UnknownZone {
                            name: name.to_string(),
                            known: self.zone_names(),
                        });
                    }
                    _ => {
                        return Err(PlannerError::AmbiguousZone {
                            name: name.to_string(),
                            matches: partial.iter().map(|z| z.name.clone()).collect(),
                        });
                    }
                }
            }
        };
        let area = merge_zones(&zone.name, std::slice::from_ref(zone))?;
        Ok((zone.name.clone(), area))
    }

    /// A site of the scenario (vessel, container stack, launch pad...) by name, case ignored.
    pub fn site(&self, name: &str) -> Result<&Site, PlannerError> {
        self.scenario
            .as_ref()
            .and_then(|s| s.site(name.trim()))
            .ok_or_else(|| PlannerError::UnknownSite {
                name: name.to_string(),
                known: self
                    .scenario
                    .iter()
                    .flat_map(|s| s.sites.iter().map(|site| site.name.clone()))
                    .collect(),
            })
    }

    /// Names of the zones, in the scenario's order.
    pub fn zone_names(&self) -> Vec<String> {
        self.extra_areas
            .iter()
            .map(|(n, _)| n.clone())
            .chain(self.zones.iter().map(|z| z.name.clone()))
            .collect()
    }

    /// The geofence a plan carries: the scenario's (none without one).
    pub fn geofence(&self) -> GeoFence {
        self.scenario.as_ref().map(|s| s.geofence()).unwrap_or_default()
    }

    pub fn rally(&self) -> Vec<RallyPoint> {
        self.scenario.as_ref().map(|s| s.rally_points()).unwrap_or_default()
    }

    /// The port's zones and vessels, as the background of a plan's picture.
    pub(super) fn draw_port(&self, preview: &mut Preview) {
        preview.zones(&self.zones);
        for (site, _) in self.scenario.iter().flat_map(|s| s.vessels()) {
            preview.marker(site.position, &site.name, MarkerKind::Vessel);
        }
    }
}

/// Every polygon of `zones` merged into one area named `label` (circles cannot be flown as areas).
pub fn merge_zones(label: &str, zones: &[Zone]) -> Result<MultiPolygon<f64>, PlannerError> {
    let merged = zones.iter().fold(MultiPolygon(vec![]), |acc, z| match &z.shape {
        ZoneShape::Polygons(mp) => acc.union(mp),
        ZoneShape::Circle { .. } => acc,
    });
    if merged.0.is_empty() {
        return Err(PlannerError::NotAnArea(label.to_string()));
    }
    Ok(merged)
}
