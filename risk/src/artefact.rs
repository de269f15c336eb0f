//! The trained artefact (risk/models/risk-model.json) as written by risk/train/train.py.
//!
//! One JSON document: the feature spec, the encoder tables fitted on the training months, both
//! models as LightGBM `dump_model()` trees, and metadata (data hashes, parameters, validation
//! figures). The Python-only `lightgbm_text` member is ignored here.

use std::collections::BTreeMap;

use serde::Deserialize;

/// What the artefact says one feature is; mirrors `feature_spec()` in risk/train/features.py.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FeatureSpec {
    /// A number of the declaration (`tax_rate`, `net_mass`, `item_price`, `unit_value`, `same_country`).
    Number { name: String, field: String },
    /// A number divided by a per-key statistic of a table (unit value / HS6 median).
    Ratio {
        name: String,
        field: String,
        table: String,
        stat: String,
    },
    /// Index of a code in the training vocabulary (LightGBM categorical); unseen codes are NaN.
    Category {
        name: String,
        field: String,
        vocab: Vec<String>,
    },
    /// Training declarations with the same key (leave-one-out for training rows).
    Count { name: String, table: String },
    /// Smoothed label rate of the key: (positives + m·prior) / (n + m).
    Rate {
        name: String,
        table: String,
        target: Target,
    },
}

impl FeatureSpec {
    pub fn name(&self) -> &str {
        match self {
            FeatureSpec::Number { name, .. }
            | FeatureSpec::Ratio { name, .. }
            | FeatureSpec::Category { name, .. }
            | FeatureSpec::Count { name, .. }
            | FeatureSpec::Rate { name, .. } => name,
        }
    }
}

/// The two labels the models predict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// `Fraud == 1`.
    Fraud,
    /// `Critical Fraud == 2`.
    Critical,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Prior {
    pub fraud: f64,
    pub critical: f64,
}

/// One encoder table: parallel arrays by key. HS tables also carry medians for unit value and
/// ln(net mass) and the MAD of ln(net mass) (null where the key had no usable rows).
#[derive(Debug, Clone, Deserialize)]
pub struct TableJson {
    pub fields: Vec<String>,
    pub keys: Vec<String>,
    pub n: Vec<u64>,
    pub fraud: Vec<u64>,
    pub critical: Vec<u64>,
    #[serde(default)]
    pub median_unit_value: Option<Vec<Option<f64>>>,
    #[serde(default)]
    pub median_log_mass: Option<Vec<Option<f64>>>,
    #[serde(default)]
    pub mad_log_mass: Option<Vec<Option<f64>>>,
    #[serde(default)]
    pub mass_count: Option<Vec<Option<u64>>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EncodersJson {
    pub prior: Prior,
    pub smoothing: f64,
    pub separator: String,
    pub tables: BTreeMap<String, TableJson>,
}

/// A LightGBM `dump_model()` node: a split (with children) or a leaf.
#[derive(Debug, Clone, Deserialize)]
pub struct DumpNode {
    pub split_feature: Option<usize>,
    pub threshold: Option<Threshold>,
    pub decision_type: Option<String>,
    pub default_left: Option<bool>,
    pub missing_type: Option<String>,
    pub internal_count: Option<f64>,
    pub left_child: Option<Box<DumpNode>>,
    pub right_child: Option<Box<DumpNode>>,
    pub leaf_value: Option<f64>,
    pub leaf_count: Option<f64>,
}

/// Numerical splits have a number; categorical ones the categories as "1||4||7".
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Threshold {
    Number(f64),
    Categories(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct DumpTree {
    pub tree_index: usize,
    pub num_leaves: usize,
    pub tree_structure: DumpNode,
}

/// The part of LightGBM's `dump_model()` that inference reads.
#[derive(Debug, Clone, Deserialize)]
pub struct DumpModel {
    pub objective: String,
    pub num_class: usize,
    pub max_feature_idx: usize,
    #[serde(default)]
    pub average_output: bool,
    pub feature_names: Vec<String>,
    pub tree_info: Vec<DumpTree>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ModelsJson {
    pub fraud: DumpModel,
    pub critical: DumpModel,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ArtefactJson {
    pub format: String,
    pub format_version: u32,
    pub features: Vec<FeatureSpec>,
    pub encoders: EncodersJson,
    pub models: ModelsJson,
    #[serde(default)]
    pub metadata: serde_json::Value,
}

/// Why an artefact cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ArtefactError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("not a risk artefact: {0}")]
    Json(#[from] serde_json::Error),
    #[error("artefact format {format:?} version {version} is not portops-risk-model version 1")]
    Format { format: String, version: u32 },
    #[error("feature {feature:?}: {problem}")]
    Feature { feature: String, problem: String },
    #[error("encoder table {table:?}: {problem}")]
    Table { table: String, problem: String },
    #[error("{target:?} model: {problem}")]
    Model { target: Target, problem: String },
}
