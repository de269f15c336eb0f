//! Progression: which levels a trainee has unlocked, their best scores and every run, kept per
//! trainee on the device (one JSON file each, written atomically and durably).

use std::fs;
use std::path::{Path, PathBuf};

use customs::training::TrainingResult;
use serde::{Deserialize, Serialize};

use super::levels::LEVELS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraineeRecord {
    pub trainee: String,
    /// The highest level the trainee may play.
    pub unlocked: u32,
    /// Every run, oldest first.
    pub runs: Vec<TrainingResult>,
}

/// What a run changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub newly_unlocked: Option<u32>,
    pub best_for_level: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("level {level} is locked for {trainee}: pass level {unlocked} first")]
    Locked { trainee: String, level: u32, unlocked: u32 },
    #[error("trainee record {path}: {reason}")]
    Storage { path: PathBuf, reason: String },
}

impl TraineeRecord {
    pub fn new(trainee: &str) -> TraineeRecord {
        TraineeRecord {
            trainee: trainee.to_string(),
            unlocked: 1,
            runs: Vec::new(),
        }
    }

    pub fn check_unlocked(&self, level: u32) -> Result<(), ProgressError> {
        if level <= self.unlocked {
            Ok(())
        } else {
            Err(ProgressError::Locked {
                trainee: self.trainee.clone(),
                level,
                unlocked: self.unlocked,
            })
        }
    }

    pub fn best(&self, level: u32) -> Option<f64> {
        self.runs
            .iter()
            .filter(|r| r.level == level)
            .map(|r| r.score)
            .fold(None, |best, s| Some(best.map_or(s, |b: f64| b.max(s))))
    }

    /// Records a run; a pass at the highest unlocked level unlocks the next one.
    pub fn record(&mut self, result: TrainingResult) -> Progress {
        let level = result.level;
        let passed = result.passed;
        self.runs.push(result);
        let max_level = LEVELS.len() as u32;
        let newly_unlocked = if passed && level == self.unlocked && level < max_level {
            self.unlocked += 1;
            Some(self.unlocked)
        } else {
            None
        };
        Progress {
            newly_unlocked,
            best_for_level: self.best(level).unwrap_or(0.0),
        }
    }
}

/// Trainee records in a folder.
pub struct RecordStore {
    root: PathBuf,
}

impl RecordStore {
    pub fn new(root: impl Into<PathBuf>) -> RecordStore {
        RecordStore { root: root.into() }
    }

    fn path(&self, trainee: &str) -> PathBuf {
        let safe: String = trainee
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.root.join(format!("{safe}.json"))
    }

    /// The trainee's record, a fresh one when there is none yet.
    pub fn load(&self, trainee: &str) -> Result<TraineeRecord, ProgressError> {
        let path = self.path(trainee);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| storage(&path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TraineeRecord::new(trainee)),
            Err(e) => Err(storage(&path, e)),
        }
    }

    pub fn save(&self, record: &TraineeRecord) -> Result<(), ProgressError> {
        let path = self.path(&record.trainee);
        fs::create_dir_all(&self.root).map_err(|e| storage(&self.root, e))?;
        let bytes = serde_json::to_vec_pretty(record).map_err(|e| storage(&path, e))?;
        crate::durable::write_atomically(&path, &bytes).map_err(|e| storage(&path, e))
    }
}

fn storage(path: &Path, e: impl std::fmt::Display) -> ProgressError {
    ProgressError::Storage {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}
