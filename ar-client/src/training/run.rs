//! A run in progress: doors, what the trainee opened and flagged, and its result when finished.

use std::collections::BTreeSet;

use customs::training::{TRAINING_SCHEMA, TrainingResult};

use super::levels::Level;
use super::scenario::Scenario;
use super::scoring::{Score, score};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error("open the doors first")]
    DoorsClosed,
    #[error("there is no item {0} in this container")]
    NoSuchItem(usize),
    #[error("the run is over")]
    Finished,
    #[error("the container is empty: everything is unloaded")]
    NothingToUnload,
}

#[derive(Debug, Clone)]
pub struct TrainingRun {
    pub scenario: Scenario,
    pub level: Level,
    pub trainee: String,
    pub started_ms: u64,
    pub doors_open: bool,
    pub opened: BTreeSet<usize>,
    pub flagged: BTreeSet<usize>,
    pub selected: Option<usize>,
    /// Items taken out of the container, in the order they came out.
    pub unloaded: Vec<usize>,
    pub finished: Option<Score>,
    pub finished_ms: u64,
}

impl TrainingRun {
    pub fn new(scenario: Scenario, level: Level, trainee: &str, started_ms: u64) -> TrainingRun {
        TrainingRun {
            scenario,
            level,
            trainee: trainee.to_string(),
            started_ms,
            doors_open: false,
            opened: BTreeSet::new(),
            flagged: BTreeSet::new(),
            selected: None,
            unloaded: Vec::new(),
            finished: None,
            finished_ms: 0,
        }
    }

    fn usable(&self, id: usize) -> Result<(), RunError> {
        if self.finished.is_some() {
            return Err(RunError::Finished);
        }
        if !self.doors_open {
            return Err(RunError::DoorsClosed);
        }
        if self.scenario.item(id).is_none() {
            return Err(RunError::NoSuchItem(id));
        }
        Ok(())
    }

    pub fn open_doors(&mut self) {
        self.doors_open = true;
    }

    pub fn select(&mut self, id: usize) -> Result<(), RunError> {
        self.usable(id)?;
        self.selected = Some(id);
        Ok(())
    }

    /// Opens an item: its contents are shown from now on.
    pub fn inspect(&mut self, id: usize) -> Result<&str, RunError> {
        self.usable(id)?;
        self.opened.insert(id);
        self.selected = Some(id);
        Ok(self.scenario.items[id].contents.as_str())
    }

    /// Flags an item as irregular, or takes the flag back.
    pub fn toggle_flag(&mut self, id: usize) -> Result<bool, RunError> {
        self.usable(id)?;
        if self.flagged.remove(&id) {
            Ok(false)
        } else {
            self.flagged.insert(id);
            Ok(true)
        }
    }

    /// Unloads the row of cargo nearest the doors (devanning), so the row behind it, and at the
    /// end the front wall, can be reached. Returns the items taken out.
    pub fn unload_row(&mut self) -> Result<Vec<usize>, RunError> {
        if self.finished.is_some() {
            return Err(RunError::Finished);
        }
        if !self.doors_open {
            return Err(RunError::DoorsClosed);
        }
        let inside = |i: &&super::scenario::CargoItem| {
            i.planted != Some(customs::training::PlantedKind::FalseWall) && !self.unloaded.contains(&i.id)
        };
        let nearest = self
            .scenario
            .items
            .iter()
            .filter(inside)
            .map(|i| i.centre[2])
            .fold(f32::INFINITY, f32::min);
        if !nearest.is_finite() {
            return Err(RunError::NothingToUnload);
        }
        let row: Vec<usize> = self
            .scenario
            .items
            .iter()
            .filter(inside)
            .filter(|i| (i.centre[2] - nearest).abs() < 0.05)
            .map(|i| i.id)
            .collect();
        self.unloaded.extend(&row);
        Ok(row)
    }

    /// Ends the run and scores it.
    pub fn finish(&mut self, now_ms: u64) -> Score {
        let elapsed = now_ms.saturating_sub(self.started_ms) as f64 / 1000.0;
        let s = score(&self.scenario, &self.level, &self.flagged, elapsed);
        self.finished = Some(s.clone());
        self.finished_ms = now_ms;
        s
    }

    /// The result to keep and send, once finished.
    pub fn result(&self) -> Option<TrainingResult> {
        let s = self.finished.as_ref()?;
        Some(TrainingResult {
            schema: TRAINING_SCHEMA,
            client_ref: format!("{}-{}-{}", self.scenario.id, self.trainee, self.started_ms),
            trainee: self.trainee.clone(),
            scenario_id: self.scenario.id.clone(),
            level: self.level.number,
            container_number: self.scenario.container_number.clone(),
            manifest_document: self.scenario.manifest_document.clone(),
            started: self.started_ms,
            duration_s: self.finished_ms.saturating_sub(self.started_ms) as f64 / 1000.0,
            time_limit_s: self.scenario.time_limit_s,
            planted: s.planted,
            found: s.found,
            missed: s.missed,
            false_flags: s.false_flags,
            score: s.score,
            passed: s.passed,
            missed_kinds: s.missed_kinds.clone(),
        })
    }
}
