//! Scoring a run: what was found, missed and wrongly flagged, and the time taken.

use std::collections::BTreeSet;

use customs::training::PlantedKind;

use super::levels::Level;
use super::scenario::Scenario;

/// Points lost per flag on a clean item: guessing every box must not pay.
pub const FALSE_FLAG_PENALTY: f64 = 15.0;
/// Points lost per started minute over the time limit.
pub const OVERTIME_PENALTY_PER_MINUTE: f64 = 5.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub planted: u32,
    pub found: u32,
    pub missed: u32,
    pub false_flags: u32,
    pub missed_kinds: Vec<PlantedKind>,
    /// 0–100.
    pub score: f64,
    pub passed: bool,
    pub overtime_s: f64,
}

/// Scores the flagged items of a run that took `elapsed_s`.
pub fn score(scenario: &Scenario, level: &Level, flagged: &BTreeSet<usize>, elapsed_s: f64) -> Score {
    let planted: Vec<_> = scenario.planted().collect();
    let found = planted.iter().filter(|i| flagged.contains(&i.id)).count() as u32;
    let missed_kinds: Vec<PlantedKind> = planted
        .iter()
        .filter(|i| !flagged.contains(&i.id))
        .filter_map(|i| i.planted)
        .collect();
    let false_flags = flagged
        .iter()
        .filter(|id| scenario.item(**id).is_some_and(|i| i.planted.is_none()))
        .count() as u32;
    let base = if planted.is_empty() {
        100.0
    } else {
        100.0 * f64::from(found) / planted.len() as f64
    };
    let overtime_s = (elapsed_s - scenario.time_limit_s).max(0.0);
    let overtime_minutes = (overtime_s / 60.0).ceil();
    let score = (base - FALSE_FLAG_PENALTY * f64::from(false_flags) - OVERTIME_PENALTY_PER_MINUTE * overtime_minutes)
        .clamp(0.0, 100.0);
    Score {
        planted: planted.len() as u32,
        found,
        missed: planted.len() as u32 - found,
        false_flags,
        missed_kinds,
        score,
        passed: score >= level.pass_score,
        overtime_s,
    }
}
