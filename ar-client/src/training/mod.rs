//! VR training (pure core): levels, scenarios built from manifests, a run in progress, scoring
//! and progression per trainee.

pub mod levels;
pub mod progression;
pub mod run;
pub mod scenario;
pub mod scoring;

pub use levels::{LEVELS, Level, level};
pub use progression::{RecordStore, TraineeRecord};
pub use run::TrainingRun;
pub use scenario::{CargoItem, Scenario};
pub use scoring::{Score, score};
