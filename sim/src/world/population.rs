//! Who is in the port: the scenario's vessels and containers, and the seeded boats, people and vehicles around them.

use mission::area::ZoneKind;
use mission::scenario::{PortScenario, VesselState};

use super::agents::{Agent, Area, Behaviour, Footprint, Ground, bearing, direction, random_point};
use super::surface::{LocalShape, V2};
use super::{ObjectClass, WorldObject};
use crate::rng::SimRng;

/// ISO container outer dimensions (a 20-foot box), metres.
pub const CONTAINER_LENGTH_M: f64 = 6.06;
pub const CONTAINER_WIDTH_M: f64 = 2.44;
pub const CONTAINER_HEIGHT_M: f64 = 2.59;
/// Space between neighbouring rows of a stack, for the twist-lock crews.
pub const CONTAINER_ROW_GAP_M: f64 = 0.3;

/// People and vehicles the world adds on land.
const PEOPLE: usize = 12;
const CARS: usize = 2;
const TRUCKS: usize = 3;
/// Boats that wander the sea besides the three scripted ones.
const WANDERING_BOATS: usize = 2;

/// Speed of the underway vessels, m/s (about 8 knots, a harbour approach).
const UNDERWAY_SPEED_M_S: f64 = 4.0;

/// What was built: the objects, the agents that move them, and the scripted pairs.
pub struct Population {
    pub objects: Vec<WorldObject>,
    pub agents: Vec<Agent>,
    /// (boat index, vessel index) of the boat that comes alongside an anchored vessel.
    pub alongside: Option<(usize, usize)>,
}

/// Freeboard and superstructure heights of a vessel: rough proportions of merchant ships.
pub fn vessel_heights(length_m: f64) -> (f64, f64) {
    ((0.06 * length_m).clamp(2.0, 14.0), (0.1 * length_m).clamp(3.0, 25.0))
}

/// The footprints of the scenario's container stacks (for keeping walkers out of them).
pub fn stack_footprints(scenario: &PortScenario) -> Vec<Footprint> {
    let frame = scenario.frame();
    scenario
        .container_stacks()
        .map(|(site, stack)| {
            let rows = f64::from(stack.rows.max(1));
            Footprint {
                center: frame.to_local(site.position),
                forward: direction(stack.heading_deg),
                half_length: CONTAINER_LENGTH_M / 2.0,
                half_width: (rows * CONTAINER_WIDTH_M + (rows - 1.0) * CONTAINER_ROW_GAP_M) / 2.0,
            }
        })
        .collect()
}

struct Builder<'a> {
    ground: &'a Ground,
    rng: SimRng,
    objects: Vec<WorldObject>,
    agents: Vec<Agent>,
    /// Where wandering boats may start: the fence's box, or the raster's with a margin.
    sea_bounds: (V2, V2),
}

impl Builder<'_> {
    fn add(&mut self, object: WorldObject, behaviour: Behaviour) -> usize {
        let index = self.objects.len();
        self.objects.push(WorldObject {
            id: index as u32 + 1,
            ..object
        });
        self.agents.push(Agent {
            object: index,
            rng: self.rng.fork(index as u64 + 1),
            behaviour,
        });
        index
    }

    /// A new object of a class at a point, id filled in by [`Builder::add`].
    fn object(class: ObjectClass, name: String, at: V2, heading: f64, size: (f64, f64, f64)) -> WorldObject {
        WorldObject {
            id: 0,
            class,
            name,
            position: mission::geodesy::LatLon::new(0.0, 0.0),
            east_north_m: at,
            elevation_m: 0.0,
            heading_deg: heading.rem_euclid(360.0),
            speed_m_s: 0.0,
            length_m: size.0,
            width_m: size.1,
            height_m: size.2,
        }
    }

    fn boat_size(rng: &mut SimRng, lo: f64, hi: f64) -> (f64, f64, f64) {
        let length = rng.range(lo, hi);
        (length, 0.36 * length, 2.2)
    }
}

pub fn populate(scenario: &PortScenario, ground: &Ground, seed: u64) -> Population {
    let frame = scenario.frame();
    let fence = ground
        .zones
        .iter()
        .filter(|z| z.kind == ZoneKind::Fence)
        .map(|z| z.bbox());
    let sea_bounds = fence
        .reduce(|a, b| (a.0.inf(&b.0), a.1.sup(&b.1)))
        .unwrap_or((V2::repeat(-2000.0), V2::repeat(2000.0)));
    let mut b = Builder {
        ground,
        rng: SimRng::new(seed).fork(0x0057_4F52_4C44),
        objects: Vec::new(),
        agents: Vec::new(),
        sea_bounds,
    };

    for (site, v) in scenario.vessels() {
        let at = frame.to_local(site.position);
        let (freeboard, superstructure) = vessel_heights(v.length_m);
        let size = (v.length_m, v.beam_m, freeboard + superstructure);
        let mut object = Builder::object(ObjectClass::Vessel, v.name.clone(), at, v.heading_deg, size);
        let behaviour = match v.state {
            VesselState::Berthed => Behaviour::Fixed,
            VesselState::AtAnchor => {
                // Anchor chain of a few depths ahead of the bow; she swings about it with the tide.
                let radius = v.length_m / 2.0 + 60.0;
                Behaviour::Anchored {
                    anchor: at + direction(v.heading_deg) * radius,
                    radius,
                    base_heading: v.heading_deg,
                    amplitude_deg: b.rng.range(10.0, 25.0),
                    period_s: b.rng.range(1200.0, 2400.0),
                }
            }
            VesselState::Underway => {
                object.speed_m_s = UNDERWAY_SPEED_M_S;
                Behaviour::Underway {
                    turn_rate_deg_s: 2.0,
                    look_ahead_m: v.length_m / 2.0 + 200.0,
                }
            }
        };
        b.add(object, behaviour);
    }

    for (site, stack) in scenario.container_stacks() {
        let centre = frame.to_local(site.position);
        let across = {
            let f = direction(stack.heading_deg);
            V2::new(f.y, -f.x)
        };
        let rows = f64::from(stack.rows.max(1));
        for (i, number) in stack.containers.iter().enumerate() {
            let (row, tier) = stack.slot(i);
            let offset = (f64::from(row) - (rows - 1.0) / 2.0) * (CONTAINER_WIDTH_M + CONTAINER_ROW_GAP_M);
            let size = (CONTAINER_LENGTH_M, CONTAINER_WIDTH_M, CONTAINER_HEIGHT_M);
            let mut o = Builder::object(
                ObjectClass::Container,
                number.clone(),
                centre + across * offset,
                stack.heading_deg,
                size,
            );
            o.elevation_m = f64::from(tier) * CONTAINER_HEIGHT_M;
            b.add(o, Behaviour::Fixed);
        }
    }

    let alongside = add_alongside_boat(&mut b, scenario);
    add_transit_boat(&mut b);
    add_buoy_loiterer(&mut b);
    for i in 0..WANDERING_BOATS {
        let size = Builder::boat_size(&mut b.rng, 5.0, 12.0);
        let speed = (b.rng.range(3.0, 5.0), b.rng.range(5.0, 8.0));
        add_wanderer(
            &mut b,
            ObjectClass::Boat,
            format!("boat-wander-{}", i + 1),
            Area::Water,
            size,
            speed,
        );
    }

    // People and vehicles share out the quays and yards; trucks prefer the yards.
    let quays: Vec<usize> = zone_indices(ground, ZoneKind::Quay);
    let yards: Vec<usize> = zone_indices(ground, ZoneKind::ContainerYard);
    let land: Vec<usize> = yards.iter().chain(&quays).copied().collect();
    if !land.is_empty() {
        for i in 0..PEOPLE {
            let z = land[i % land.len()];
            let size = (0.3, 0.6, 1.8);
            add_wanderer(
                &mut b,
                ObjectClass::Person,
                format!("person-{}", i + 1),
                Area::Zone(z),
                size,
                (0.8, 1.6),
            );
        }
        for i in 0..CARS {
            let z = if quays.is_empty() {
                land[i % land.len()]
            } else {
                quays[i % quays.len()]
            };
            let size = (4.5, 1.8, 1.5);
            add_wanderer(
                &mut b,
                ObjectClass::Car,
                format!("car-{}", i + 1),
                Area::Zone(z),
                size,
                (4.0, 8.0),
            );
        }
        for i in 0..TRUCKS {
            let z = if yards.is_empty() {
                land[i % land.len()]
            } else {
                yards[i % yards.len()]
            };
            let size = (16.5, 2.5, 3.9);
            add_wanderer(
                &mut b,
                ObjectClass::Truck,
                format!("truck-{}", i + 1),
                Area::Zone(z),
                size,
                (3.0, 6.0),
            );
        }
    }

    Population {
        objects: b.objects,
        agents: b.agents,
        alongside,
    }
}

fn zone_indices(ground: &Ground, kind: ZoneKind) -> Vec<usize> {
    (0..ground.zones.len())
        .filter(|&i| ground.zones[i].kind == kind)
        .collect()
}

fn add_wanderer(
    b: &mut Builder,
    class: ObjectClass,
    name: String,
    area: Area,
    size: (f64, f64, f64),
    speed: (f64, f64),
) {
    let r = size.0.max(size.1) / 2.0;
    let Some(at) = random_point(&mut b.rng, b.ground, area, b.sea_bounds, r) else {
        return;
    };
    let heading = b.rng.range(0.0, 360.0);
    let (reach_m, pause_s) = match class {
        ObjectClass::Person => (60.0, (2.0, 40.0)),
        ObjectClass::Boat => (600.0, (0.0, 60.0)),
        _ => (400.0, (5.0, 60.0)),
    };
    let behaviour = Behaviour::Wander {
        area,
        reach_m,
        speed,
        pause_s,
        target: None,
        wait_s: 0.0,
    };
    b.add(Builder::object(class, name, at, heading, size), behaviour);
}

/// A skiff that waits, runs in from seaward and keeps station on the port side of the first
/// anchored vessel: the ship-to-boat transfer pattern the station must alert on.
fn add_alongside_boat(b: &mut Builder, scenario: &PortScenario) -> Option<(usize, usize)> {
    // Vessels were added first, in scenario order, so the i-th vessel is object i.
    let (vessel, v) = scenario
        .vessels()
        .enumerate()
        .find(|(_, (_, v))| v.state == VesselState::AtAnchor)
        .map(|(i, (_, v))| (i, v))?;
    let side_m = -(v.beam_m / 2.0 + 3.0);
    let along_m = b.rng.range(-8.0, 8.0);
    let centre = b.objects[vessel].east_north_m;
    let fwd = direction(v.heading_deg);
    let starboard = V2::new(fwd.y, -fwd.x);
    let spot = centre + fwd * along_m + starboard * side_m;
    let port_side = -starboard;
    let outward = bearing(port_side);
    let ground = b.ground;
    // Start out of sight to seaward, as straight a run in as the water allows.
    let start = [700.0, 600.0, 500.0, 400.0, 300.0].iter().find_map(|&d| {
        [0.0, 30.0, -30.0, 60.0, -60.0, 90.0, -90.0, 135.0, -135.0, 180.0]
            .iter()
            .map(|off| spot + direction(outward + off) * d)
            .find(|&p| ground.navigable(p) && ground.segment_ok(p, spot, 4.0, |q| ground.navigable(q)))
    })?;
    let size = Builder::boat_size(&mut b.rng, 7.0, 9.0);
    let behaviour = Behaviour::Alongside {
        vessel,
        side_m,
        along_m,
        speed: 7.0,
        start_after_s: 45.0,
        arrived: false,
    };
    let boat = b.add(
        Builder::object(
            ObjectClass::Boat,
            "boat-alongside".into(),
            start,
            bearing(spot - start),
            size,
        ),
        behaviour,
    );
    Some((boat, vessel))
}

/// A launch shuttling across the whole sea front: along the northernmost east-west line with
/// a long enough run of water (in front of the port), inset from the fence.
fn add_transit_boat(b: &mut Builder) {
    let (lo, hi) = b.sea_bounds;
    let ground = b.ground;
    let width = hi.x - lo.x;
    let mut y = hi.y - 60.0;
    while y > lo.y + 60.0 {
        let mut best: Option<(f64, f64)> = None;
        let mut run: Option<f64> = None;
        let mut x = lo.x + 60.0;
        while x <= hi.x - 60.0 {
            let ok = [-20.0, 0.0, 20.0].iter().all(|dy| ground.navigable(V2::new(x, y + dy)));
            match (ok, run) {
                (true, None) => run = Some(x),
                (false, Some(start)) => {
                    if best.is_none_or(|(a, b)| x - 10.0 - start > b - a) {
                        best = Some((start, x - 10.0));
                    }
                    run = None;
                }
                _ => {}
            }
            x += 10.0;
        }
        if let Some(start) = run
            && best.is_none_or(|(a, b)| x - 10.0 - start > b - a)
        {
            best = Some((start, x - 10.0));
        }
        if let Some((x0, x1)) = best
            && x1 - x0 >= 0.6 * width
        {
            let size = Builder::boat_size(&mut b.rng, 9.0, 12.0);
            let (a, z) = (V2::new(x0 + 20.0, y), V2::new(x1 - 20.0, y));
            let behaviour = Behaviour::Shuttle {
                a,
                b: z,
                towards_b: true,
                speed: 9.0,
            };
            b.add(
                Builder::object(ObjectClass::Boat, "boat-transit".into(), a, 90.0, size),
                behaviour,
            );
            return;
        }
        y -= 10.0;
    }
}

/// A skiff hanging about just outside the first exclusion zone that lies on the water.
fn add_buoy_loiterer(b: &mut Builder) {
    let ground = b.ground;
    let Some((center, reach)) = ground
        .zones
        .iter()
        .filter(|z| z.kind == ZoneKind::Exclusion)
        .find_map(|z| {
            let (lo, hi) = z.bbox();
            let c = (lo + hi) / 2.0;
            let reach = match &z.shape {
                LocalShape::Circle { radius, .. } => *radius,
                LocalShape::Rings(r) => r.iter().flatten().map(|p| (p - c).norm()).fold(0.0, f64::max),
            };
            // Only a small zone on the water: the airport's circle is airspace, not a buoy.
            (reach < 500.0 && ground.surface.material_at(c).is_water()).then_some((c, reach))
        })
    else {
        return;
    };
    let radius = reach + 50.0;
    let angle = b.rng.range(0.0, std::f64::consts::TAU);
    let at = center + V2::new(angle.sin(), angle.cos()) * radius;
    if !ground.navigable(at) {
        return;
    }
    let size = Builder::boat_size(&mut b.rng, 5.0, 7.0);
    let behaviour = Behaviour::Orbit {
        center,
        radius,
        speed: 2.5,
        angle,
        direction: 1.0,
    };
    b.add(
        Builder::object(ObjectClass::Boat, "boat-buoy-loiter".into(), at, 0.0, size),
        behaviour,
    );
}
