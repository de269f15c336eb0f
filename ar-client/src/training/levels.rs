//! The training levels: what each hides, how long it allows, and the score that unlocks the next.

use customs::training::PlantedKind;

#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub number: u32,
    pub name: &'static str,
    /// How many irregularities are hidden.
    pub planted: u32,
    pub kinds: &'static [PlantedKind],
    pub time_limit_s: f64,
    /// The score (0–100) that passes the level and unlocks the next.
    pub pass_score: f64,
}

use PlantedKind::*;

/// From one undeclared carton in ten minutes to a false wall among mislabelled boxes in five.
pub const LEVELS: [Level; 5] = [
    Level {
        number: 1,
        name: "Undeclared goods",
        planted: 1,
        kinds: &[Undeclared],
        time_limit_s: 600.0,
        pass_score: 60.0,
    },
    Level {
        number: 2,
        name: "What the label says",
        planted: 2,
        kinds: &[Undeclared, Misdeclared],
        time_limit_s: 540.0,
        pass_score: 65.0,
    },
    Level {
        number: 3,
        name: "Mislabelled boxes",
        planted: 2,
        kinds: &[Misdeclared, Mislabelled],
        time_limit_s: 480.0,
        pass_score: 70.0,
    },
    Level {
        number: 4,
        name: "False wall",
        planted: 2,
        kinds: &[FalseWall, Undeclared],
        time_limit_s: 420.0,
        pass_score: 75.0,
    },
    Level {
        number: 5,
        name: "Everything at once",
        planted: 4,
        kinds: &[FalseWall, Undeclared, Misdeclared, Mislabelled],
        time_limit_s: 300.0,
        pass_score: 80.0,
    },
];

/// The level by number (1-based).
pub fn level(number: u32) -> Option<&'static Level> {
    LEVELS.iter().find(|l| l.number == number)
}
