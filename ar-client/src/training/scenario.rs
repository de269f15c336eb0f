//! Scenarios made from a manifest: the container's declared cargo as stacks of boxes, with
//! undeclared, mis-declared, mislabelled goods or a false wall hidden among them.
//!
//! Deterministic: the same packet, level and seed give the same scenario, so an instructor can
//! hand two trainees the same container and a test can name what is hidden.

use customs::InspectionPacket;
use customs::training::PlantedKind;

use super::levels::Level;

/// A container's inside in metres: x across (0 at the left wall), y up, z from the doors (0)
/// to the front wall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interior {
    pub width: f32,
    pub height: f32,
    pub length: f32,
}

impl Interior {
    /// ISO inside dimensions from the size/type code's first digit (2 → 20 ft, 4 → 40 ft, L → 45 ft).
    pub fn for_size_type(code: Option<&str>) -> Interior {
        let length = match code.and_then(|c| c.chars().next()) {
            Some('2') => 5.90,
            Some('L') => 13.56,
            _ => 12.03,
        };
        let height = if code.is_some_and(|c| c.chars().nth(1) == Some('5')) {
            2.70
        } else {
            2.39
        };
        Interior {
            width: 2.35,
            height,
            length,
        }
    }
}

/// One thing the trainee can open and flag.
#[derive(Debug, Clone, PartialEq)]
pub struct CargoItem {
    pub id: usize,
    /// What is printed on it.
    pub label: String,
    /// The manifest line it claims to belong to (`bill/item`), none for undeclared goods.
    pub declared_line: Option<String>,
    /// What the trainee finds on opening it.
    pub contents: String,
    /// Centre and size in the interior's frame (metres).
    pub centre: [f32; 3],
    pub size: [f32; 3],
    /// Colour group: items of one manifest line share it.
    pub group: usize,
    /// What is wrong with it, if anything: the answer key.
    pub planted: Option<PlantedKind>,
}

/// A training scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub id: String,
    pub level: u32,
    pub seed: u64,
    pub container_number: String,
    pub manifest_document: String,
    pub interior: Interior,
    pub items: Vec<CargoItem>,
    pub time_limit_s: f64,
    /// The manifest lines as the trainee reads them before opening the doors.
    pub manifest_lines: Vec<String>,
}

impl Scenario {
    pub fn planted(&self) -> impl Iterator<Item = &CargoItem> {
        self.items.iter().filter(|i| i.planted.is_some())
    }

    pub fn item(&self, id: usize) -> Option<&CargoItem> {
        self.items.get(id)
    }
}

/// splitmix64: a small, stable generator, so a seed means the same scenario in every build.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const UNDECLARED: [&str; 4] = [
    "cigarettes, 50 cartons",
    "counterfeit sports shoes",
    "undeclared cash in vacuum bags",
    "protected wildlife products",
];
const MISDECLARED: [&str; 3] = [
    "lithium batteries, not the declared goods",
    "used engine parts, not the declared goods",
    "pharmaceutical tablets, not the declared goods",
];

const BOX: [f32; 3] = [1.10, 1.10, 1.15];
const FALSE_WALL_DEPTH: f32 = 0.60;

/// Builds the scenario for `level` from a packet's declared goods.
pub fn build(packet: &InspectionPacket, level: &Level, seed: u64) -> Scenario {
    let interior = Interior::for_size_type(packet.container.size_type.as_deref());
    let mut dice = Dice(seed ^ u64::from(level.number).wrapping_mul(0x1000_0001));
    let mut lines: Vec<(String, String)> = packet
        .goods
        .iter()
        .map(|g| (format!("{}/{}", g.bill_of_lading, g.item_number), g.description.clone()))
        .collect();
    if lines.is_empty() {
        lines.push(("-".into(), "general cargo".into()));
    }
    // Stacks two boxes wide and two high fill the floor from the front wall to the doors,
    // leaving an aisle of ~1.3 m at the doors so the trainee can step in.
    let false_wall = level.kinds.contains(&PlantedKind::FalseWall) && level.planted > 0;
    let front = interior.length - if false_wall { FALSE_WALL_DEPTH } else { 0.0 };
    let rows = ((front - 1.3) / BOX[2]).floor().max(1.0) as usize;
    let mut items = Vec::new();
    for row in 0..rows {
        for (col, tier) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let group = row % lines.len();
            let (line_ref, description) = &lines[group];
            let id = items.len();
            items.push(CargoItem {
                id,
                label: description.clone(),
                declared_line: Some(line_ref.clone()),
                contents: description.clone(),
                centre: [
                    0.06 + BOX[0] / 2.0 + col as f32 * (BOX[0] + 0.03),
                    BOX[1] / 2.0 + tier as f32 * BOX[1],
                    front - BOX[2] / 2.0 - row as f32 * BOX[2],
                ],
                size: BOX,
                group,
                planted: None,
            });
        }
    }
    // Plant: the false wall first (it takes its own item), then the rest on distinct boxes.
    let mut to_plant = level.planted as usize;
    if false_wall {
        items.push(CargoItem {
            id: items.len(),
            label: "front wall".into(),
            declared_line: None,
            contents: format!("a false wall {FALSE_WALL_DEPTH:.2} m in front of the real one, with packages behind it"),
            centre: [interior.width / 2.0, interior.height / 2.0, front + 0.02],
            size: [interior.width - 0.02, interior.height - 0.02, 0.04],
            group: usize::MAX,
            planted: Some(PlantedKind::FalseWall),
        });
        to_plant -= 1;
    }
    let others: Vec<PlantedKind> = level
        .kinds
        .iter()
        .copied()
        .filter(|k| *k != PlantedKind::FalseWall)
        .collect();
    let boxes = rows * 4;
    let mut candidates: Vec<usize> = (0..boxes).collect();
    while to_plant > 0 && !others.is_empty() && !candidates.is_empty() {
        let id = candidates.swap_remove(dice.below(candidates.len()));
        let kind = others[dice.below(others.len())];
        let item = &mut items[id];
        match kind {
            PlantedKind::Undeclared => {
                item.label = "no marks".into();
                item.declared_line = None;
                item.contents = UNDECLARED[dice.below(UNDECLARED.len())].into();
                item.group = usize::MAX - 1;
            }
            PlantedKind::Misdeclared => {
                item.contents = MISDECLARED[dice.below(MISDECLARED.len())].into();
            }
            PlantedKind::Mislabelled => {
                // Labelled as another line's goods (or as a generic carton) but holding this line's.
                let other = (item.group + 1) % lines.len();
                item.label = if other == item.group {
                    "spare parts".into()
                } else {
                    lines[other].1.clone()
                };
            }
            PlantedKind::FalseWall => {}
        }
        item.planted = Some(kind);
        to_plant -= 1;
    }
    Scenario {
        id: format!("{}-L{}-{seed}", packet.container.number, level.number),
        level: level.number,
        seed,
        container_number: packet.container.number.clone(),
        manifest_document: packet.manifest_document.clone(),
        interior,
        items,
        time_limit_s: level.time_limit_s,
        manifest_lines: lines.iter().map(|(r, d)| format!("{r}: {d}")).collect(),
    }
}
