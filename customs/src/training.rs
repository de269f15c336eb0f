//! VR training results: one scored run of a concealment scenario, as the AR client sends it to
//! the station and the station keeps it per trainee.

use serde::{Deserialize, Serialize};

pub const TRAINING_SCHEMA: u32 = 1;

/// What a scenario hides among the declared cargo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlantedKind {
    /// Goods on no manifest line.
    Undeclared,
    /// Declared goods whose contents are not what the line says.
    Misdeclared,
    /// Boxes labelled as one declared line that hold something else.
    Mislabelled,
    /// A false front wall with goods behind it.
    FalseWall,
}

impl PlantedKind {
    pub const ALL: [PlantedKind; 4] = [
        PlantedKind::Undeclared,
        PlantedKind::Misdeclared,
        PlantedKind::Mislabelled,
        PlantedKind::FalseWall,
    ];

    pub fn words(self) -> &'static str {
        match self {
            PlantedKind::Undeclared => "undeclared goods",
            PlantedKind::Misdeclared => "mis-declared goods",
            PlantedKind::Mislabelled => "mislabelled boxes",
            PlantedKind::FalseWall => "false wall",
        }
    }
}

/// One scored run of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingResult {
    pub schema: u32,
    /// The device's id for this run; a resend with the same id is the same result.
    pub client_ref: String,
    /// Filled in by the station from the signed-in user when empty.
    #[serde(default)]
    pub trainee: String,
    pub scenario_id: String,
    pub level: u32,
    pub container_number: String,
    pub manifest_document: String,
    /// When the run started (Unix ms).
    pub started: u64,
    pub duration_s: f64,
    pub time_limit_s: f64,
    /// How many irregularities the scenario hid.
    pub planted: u32,
    pub found: u32,
    pub missed: u32,
    pub false_flags: u32,
    /// 0–100.
    pub score: f64,
    pub passed: bool,
    /// Which kinds were missed, for the instructor.
    #[serde(default)]
    pub missed_kinds: Vec<PlantedKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct TrainingResultProblem {
    pub field: &'static str,
    pub problem: String,
}

impl TrainingResult {
    /// The first thing that makes the result impossible, naming the field.
    pub fn check(&self) -> Result<(), TrainingResultProblem> {
        let bad = |field, problem: String| Err(TrainingResultProblem { field, problem });
        if self.schema != TRAINING_SCHEMA {
            return bad(
                "schema",
                format!("{} is not the training schema {TRAINING_SCHEMA}", self.schema),
            );
        }
        if self.client_ref.trim().is_empty() {
            return bad("client_ref", "empty: each run needs the device's id for it".into());
        }
        if self.scenario_id.trim().is_empty() {
            return bad("scenario_id", "empty".into());
        }
        if self.found + self.missed != self.planted {
            return bad(
                "found",
                format!(
                    "found {} + missed {} is not the {} planted",
                    self.found, self.missed, self.planted
                ),
            );
        }
        if !(self.score.is_finite() && (0.0..=100.0).contains(&self.score)) {
            return bad("score", format!("{} is outside 0–100", self.score));
        }
        for (field, v) in [("duration_s", self.duration_s), ("time_limit_s", self.time_limit_s)] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(field, format!("{v} is not a duration in seconds"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result() -> TrainingResult {
        TrainingResult {
            schema: TRAINING_SCHEMA,
            client_ref: "run-1".into(),
            trainee: String::new(),
            scenario_id: "MSCU1234565-L1-7".into(),
            level: 1,
            container_number: "MSCU1234565".into(),
            manifest_document: "DOC1".into(),
            started: 1,
            duration_s: 120.0,
            time_limit_s: 300.0,
            planted: 2,
            found: 1,
            missed: 1,
            false_flags: 0,
            score: 50.0,
            passed: false,
            missed_kinds: vec![PlantedKind::FalseWall],
        }
    }

    #[test]
    fn a_consistent_result_passes_and_round_trips() {
        let r = result();
        assert_eq!(r.check(), Ok(()));
        let back: TrainingResult = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn impossible_results_name_their_field() {
        let mut r = result();
        r.found = 2;
        assert_eq!(r.check().unwrap_err().field, "found");
        let mut r = result();
        r.score = f64::NAN;
        assert_eq!(r.check().unwrap_err().field, "score");
        let mut r = result();
        r.client_ref = " ".into();
        assert_eq!(r.check().unwrap_err().field, "client_ref");
        let mut r = result();
        r.duration_s = -1.0;
        assert_eq!(r.check().unwrap_err().field, "duration_s");
    }
}
