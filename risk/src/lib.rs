//! Customs risk (issue #6): which declarations and containers to examine, and why.
//!
//! A LightGBM model trained by `risk/train/train.py` (run by `scripts/train-risk`) is carried as
//! one JSON artefact, `risk/models/risk-model.json`, and evaluated natively here:
//! [`declaration`] reads the data set's CSV, [`features`] rebuilds the training features from the
//! artefact's encoder tables, [`model`] walks the trees (and computes TreeSHAP), [`explain`]
//! turns contributions into reasons an officer reads, [`rules`] adds checks beside the model
//! (seals, container check digit, weights, first-time importers, routes, drone evidence),
//! [`score`] combines both into an assessment, [`select`] picks what to examine at an inspection
//! rate, and [`metrics`] measures the ranking (ROC-AUC, precision and recall at k).

pub mod artefact;
pub mod declaration;
pub mod explain;
pub mod features;
pub mod metrics;
pub mod model;
pub mod rules;
pub mod score;
pub mod select;

use std::path::Path;

pub use artefact::{ArtefactError, Target};
pub use declaration::{CsvError, Declaration, Labels, read_csv, read_csv_all};
pub use features::{Encoders, Scratch};
pub use model::Ensemble;
pub use rules::{RuleConfig, RuleHit, RuleId, RuleInput, Severity};
pub use score::{Assessment, Level, Reason, ReasonSource, Scorer};
pub use select::{Candidate, Selection, select};

/// The committed artefact, compiled in so that every binary has a model without a path.
pub const EMBEDDED_ARTEFACT: &str = include_str!("../models/risk-model.json");

/// Both models' outputs for one declaration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Log-odds of fraud.
    pub fraud_raw: f64,
    pub fraud_prob: f64,
    /// Log-odds of critical fraud (`Critical Fraud == 2`).
    pub critical_raw: f64,
    pub critical_prob: f64,
}

/// The trained risk model: encoders plus the fraud and critical-fraud ensembles.
#[derive(Debug, Clone)]
pub struct RiskModel {
    pub encoders: Encoders,
    pub fraud: Ensemble,
    pub critical: Ensemble,
    /// Data hashes, parameters and validation figures from training.
    pub metadata: serde_json::Value,
}

/// LightGBM's feature names are the spec's names with ':' and '|' replaced (train.py).
fn lightgbm_name(name: &str) -> String {
    name.replace(':', "__").replace('|', "_x_")
}

impl RiskModel {
    pub fn from_json(text: &str) -> Result<RiskModel, ArtefactError> {
        let a: artefact::ArtefactJson = serde_json::from_str(text)?;
        if a.format != "portops-risk-model" || a.format_version != 1 {
            return Err(ArtefactError::Format {
                format: a.format,
                version: a.format_version,
            });
        }
        let encoders = Encoders::new(a.features, a.encoders)?;
        let load = |target: Target, dump: &artefact::DumpModel| -> Result<Ensemble, ArtefactError> {
            let model_err = |problem: String| ArtefactError::Model { target, problem };
            let e = Ensemble::from_dump(dump).map_err(|e| model_err(e.to_string()))?;
            if e.num_features() != encoders.len() {
                return Err(model_err(format!(
                    "{} features, the spec has {}",
                    e.num_features(),
                    encoders.len()
                )));
            }
            for (i, (spec, dumped)) in encoders.names().zip(&dump.feature_names).enumerate() {
                if lightgbm_name(spec) != *dumped {
                    return Err(model_err(format!(
                        "feature {i} is {dumped:?} in the trees but {spec:?} in the spec"
                    )));
                }
            }
            Ok(e)
        };
        let fraud = load(Target::Fraud, &a.models.fraud)?;
        let critical = load(Target::Critical, &a.models.critical)?;
        Ok(RiskModel {
            encoders,
            fraud,
            critical,
            metadata: a.metadata,
        })
    }

    pub fn load(path: &Path) -> Result<RiskModel, ArtefactError> {
        let text = std::fs::read_to_string(path).map_err(|source| ArtefactError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// The model committed with this crate.
    pub fn embedded() -> Result<RiskModel, ArtefactError> {
        Self::from_json(EMBEDDED_ARTEFACT)
    }

    pub fn ensemble(&self, target: Target) -> &Ensemble {
        match target {
            Target::Fraud => &self.fraud,
            Target::Critical => &self.critical,
        }
    }

    /// Both models on a feature vector from [`Encoders::compute_into`].
    pub fn predict_features(&self, x: &[f64]) -> Prediction {
        let fraud_raw = self.fraud.raw(x);
        let critical_raw = self.critical.raw(x);
        Prediction {
            fraud_raw,
            fraud_prob: self.fraud.probability_of(fraud_raw),
            critical_raw,
            critical_prob: self.critical.probability_of(critical_raw),
        }
    }

    pub fn predict(&self, d: &Declaration) -> Prediction {
        self.predict_features(&self.encoders.compute(d))
    }

    /// Predictions for many declarations on `threads` threads (1 = this thread), in order;
    /// the same numbers as [`RiskModel::predict`], computed block by block.
    pub fn predict_batch(&self, decls: &[Declaration], threads: usize) -> Vec<Prediction> {
        // Features for a block of rows, then each ensemble over the block (Ensemble::raw_batch).
        const ROWS: usize = 256;
        let nf = self.encoders.len();
        let run = |chunk: &[Declaration]| {
            let mut x = vec![0.0; ROWS * nf];
            let (mut fraud, mut critical) = (vec![0.0; ROWS], vec![0.0; ROWS]);
            let mut scratch = Scratch::default();
            let mut out = Vec::with_capacity(chunk.len());
            for block in chunk.chunks(ROWS) {
                for (d, row) in block.iter().zip(x.chunks_mut(nf)) {
                    self.encoders.compute_into(d, row, &mut scratch);
                }
                let n = block.len();
                self.fraud.raw_batch(&x[..n * nf], &mut fraud[..n]);
                self.critical.raw_batch(&x[..n * nf], &mut critical[..n]);
                out.extend(
                    fraud[..n]
                        .iter()
                        .zip(&critical[..n])
                        .map(|(&fraud_raw, &critical_raw)| Prediction {
                            fraud_raw,
                            fraud_prob: self.fraud.probability_of(fraud_raw),
                            critical_raw,
                            critical_prob: self.critical.probability_of(critical_raw),
                        }),
                );
            }
            out
        };
        let threads = threads.max(1);
        if threads == 1 || decls.len() < 2 * threads {
            return run(decls);
        }
        let chunk = decls.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = decls.chunks(chunk).map(|c| s.spawn(move || run(c))).collect();
            // A worker only panics on a bug; re-raise it here rather than lose rows.
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }
}
