//! The port world: the scenario's vessels and containers, and seeded boats, people and vehicles that move, with ground truth.
//!
//! Pure and deterministic: the same scenario, seed and sequence of [`World::step`] calls give
//! the same objects at the same places. Positions are kept in the scenario's local
//! East/North frame ([`World::frame`], a flat plane at sea level through the scenario
//! reference) and published as WGS84 latitude/longitude.

pub mod agents;
pub mod population;
pub mod surface;
pub mod zones;

use std::io::{self, Write};
use std::sync::Arc;

use mission::geodesy::{LatLon, LocalFrame};
use mission::scenario::PortScenario;
use serde::{Deserialize, Serialize};

use self::agents::{Agent, Ground};
use self::surface::{LocalZone, SurfaceMap, V2};

/// Longest internal step, seconds: walkers turn and boats steer at least this often
/// whatever step the caller uses.
const MAX_SUB_STEP_S: f64 = 0.5;

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectClass {
    /// A ship from the scenario.
    Vessel,
    /// A small craft, 5 to 12 m.
    Boat,
    Person,
    Car,
    Truck,
    /// One ISO container of a stack.
    Container,
}

impl ObjectClass {
    /// The COCO class a detector trained on COCO reports for it (COCO has no container).
    pub fn coco_name(self) -> Option<&'static str> {
        match self {
            ObjectClass::Vessel | ObjectClass::Boat => Some("boat"),
            ObjectClass::Person => Some("person"),
            ObjectClass::Car => Some("car"),
            ObjectClass::Truck => Some("truck"),
            ObjectClass::Container => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectClass::Vessel => "vessel",
            ObjectClass::Boat => "boat",
            ObjectClass::Person => "person",
            ObjectClass::Car => "car",
            ObjectClass::Truck => "truck",
            ObjectClass::Container => "container",
        }
    }
}

/// A thing in the world, as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldObject {
    /// Stable for the run, from 1: vessels first, then containers, boats, people, vehicles.
    pub id: u32,
    pub class: ObjectClass,
    /// Vessel name, ISO 6346 number of a container, or a descriptive tag (`boat-alongside`...).
    pub name: String,
    /// The centre of the object's footprint.
    pub position: LatLon,
    /// The same point in the world's local frame, East/North metres.
    pub east_north_m: V2,
    /// Height of the object's base above the sea/ground plane (a container's tier), metres.
    pub elevation_m: f64,
    /// Direction of the long axis (the bow of a vessel), degrees clockwise from north.
    pub heading_deg: f64,
    pub speed_m_s: f64,
    pub length_m: f64,
    pub width_m: f64,
    pub height_m: f64,
}

/// One object at one time, as written to the ground-truth file (one JSON object a line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruthRecord {
    /// World time, seconds since the world was built.
    pub time: f64,
    pub id: u32,
    pub class: ObjectClass,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub heading_deg: f64,
    pub speed_m_s: f64,
}

/// The port world; see the module documentation.
#[derive(Debug, Clone)]
pub struct World {
    time: f64,
    frame: LocalFrame,
    ground: Ground,
    objects: Vec<WorldObject>,
    agents: Vec<Agent>,
    alongside: Option<(usize, usize)>,
}

impl World {
    /// Builds the world of a scenario. Vessels and containers come from the scenario; the
    /// boats, people and vehicles are drawn from `seed`.
    pub fn from_scenario(scenario: &PortScenario, seed: u64) -> World {
        let frame = scenario.frame();
        let zones: Vec<LocalZone> = scenario.zones.iter().map(|z| LocalZone::from_zone(&frame, z)).collect();
        let surface = Arc::new(SurfaceMap::build(&zones));
        let ground = Ground::new(surface, zones, population::stack_footprints(scenario));
        let population = population::populate(scenario, &ground, seed);
        let mut world = World {
            time: 0.0,
            frame,
            ground,
            objects: population.objects,
            agents: population.agents,
            alongside: population.alongside,
        };
        world.publish_positions(true);
        world
    }

    /// Advances the world by `dt` seconds (ignored unless positive and finite).
    pub fn step(&mut self, dt: f64) {
        if !(dt.is_finite() && dt > 0.0) {
            return;
        }
        let n = (dt / MAX_SUB_STEP_S).ceil().max(1.0);
        let h = dt / n;
        let start = self.time;
        for i in 1..=n as u64 {
            let t = start + h * i as f64;
            for agent in &mut self.agents {
                agent.step(h, t, &self.ground, &mut self.objects);
            }
        }
        self.time = start + dt;
        self.publish_positions(false);
    }

    /// Latitude/longitude from the local positions; fixed objects only once.
    fn publish_positions(&mut self, all: bool) {
        for agent in &self.agents {
            if all || !matches!(agent.behaviour, agents::Behaviour::Fixed) {
                let o = &mut self.objects[agent.object];
                o.position = self.frame.from_local(o.east_north_m);
            }
        }
    }

    pub fn objects(&self) -> &[WorldObject] {
        &self.objects
    }

    pub fn object(&self, id: u32) -> Option<&WorldObject> {
        self.objects.iter().find(|o| o.id == id)
    }

    /// Seconds since the world was built.
    pub fn time(&self) -> f64 {
        self.time
    }

    /// The local East/North frame positions are kept in (the scenario's reference).
    pub fn frame(&self) -> &LocalFrame {
        &self.frame
    }

    /// What lies where: sea, berths, quays, yard...
    pub fn surface(&self) -> &Arc<SurfaceMap> {
        &self.ground.surface
    }

    /// The scenario's zones in local metres.
    pub fn zones(&self) -> &[LocalZone] {
        &self.ground.zones
    }

    /// Whether a boat may be at this local point (water, in the fence, out of exclusions).
    pub fn navigable(&self, east_north_m: V2) -> bool {
        self.ground.navigable(east_north_m)
    }

    /// (boat id, vessel id) of the boat scripted to come alongside an anchored vessel.
    pub fn alongside(&self) -> Option<(u32, u32)> {
        self.alongside.map(|(b, v)| (self.objects[b].id, self.objects[v].id))
    }

    /// Every object now.
    pub fn ground_truth(&self) -> Vec<GroundTruthRecord> {
        self.objects
            .iter()
            .map(|o| GroundTruthRecord {
                time: self.time,
                id: o.id,
                class: o.class,
                name: o.name.clone(),
                lat: o.position.lat,
                lon: o.position.lon,
                heading_deg: o.heading_deg,
                speed_m_s: o.speed_m_s,
            })
            .collect()
    }

    /// Appends the ground truth now to a per-run file, one JSON record a line.
    pub fn write_ground_truth_jsonl(&self, out: &mut impl Write) -> io::Result<()> {
        for record in self.ground_truth() {
            serde_json::to_writer(&mut *out, &record).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> PortScenario {
        let text = include_str!("../../../data/scenarios/example-port.geojson");
        PortScenario::parse(text).expect("example port parses")
    }

    #[test]
    fn coco_names() {
        assert_eq!(ObjectClass::Vessel.coco_name(), Some("boat"));
        assert_eq!(ObjectClass::Truck.coco_name(), Some("truck"));
        assert_eq!(ObjectClass::Container.coco_name(), None);
        assert_eq!(serde_json::to_string(&ObjectClass::Container).unwrap(), "\"container\"");
    }

    #[test]
    fn jsonl_round_trips_and_bad_steps_are_ignored() {
        let mut w = World::from_scenario(&scenario(), 3);
        w.step(f64::NAN);
        w.step(-1.0);
        assert_eq!(w.time(), 0.0);
        w.step(2.0);
        let mut out = Vec::new();
        w.write_ground_truth_jsonl(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let back: Vec<GroundTruthRecord> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(back, w.ground_truth());
        assert!(back.iter().all(|r| r.time == 2.0));
        let ids: std::collections::HashSet<u32> = back.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), back.len());
    }
}
