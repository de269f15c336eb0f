//! Ranking quality: ROC-AUC (tie-aware) and precision and recall at k.
//!
//! Scores are ranked highest first; equal scores keep their input order for @k (the same
//! stable order train.py uses), and share their average rank for the AUC. NaN scores rank last.

use serde::Serialize;

fn key(s: f64) -> f64 {
    if s.is_nan() { f64::NEG_INFINITY } else { s }
}

/// Area under the ROC curve: the Mann-Whitney statistic with average ranks for ties, so a
/// tie between a positive and a negative counts one half. None without both classes.
pub fn roc_auc(labels: &[bool], scores: &[f64]) -> Option<f64> {
    assert_eq!(labels.len(), scores.len(), "one label per score");
    let n_pos = labels.iter().filter(|&&l| l).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| key(scores[a]).total_cmp(&key(scores[b])));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && key(scores[order[j + 1]]) == key(scores[order[i]]) {
            j += 1;
        }
        // Ranks are 1-based; the group i..=j shares their mean.
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += rank * order[i..=j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j + 1;
    }
    let (p, n) = (n_pos as f64, n_neg as f64);
    Some((rank_sum_pos - p * (p + 1.0) / 2.0) / (p * n))
}

/// Indices by score, highest first, ties in input order.
pub fn rank_desc(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| key(scores[b]).total_cmp(&key(scores[a])));
    order
}

/// Positives among the top k.
pub fn hits_at_k(labels: &[bool], scores: &[f64], k: usize) -> usize {
    rank_desc(scores).into_iter().take(k).filter(|&i| labels[i]).count()
}

/// Share of the top k that are positive (k is clamped to the number of rows; 0 rows: 0).
pub fn precision_at_k(labels: &[bool], scores: &[f64], k: usize) -> f64 {
    let k = k.min(scores.len());
    if k == 0 {
        0.0
    } else {
        hits_at_k(labels, scores, k) as f64 / k as f64
    }
}

/// Share of all positives found in the top k (0 without positives).
pub fn recall_at_k(labels: &[bool], scores: &[f64], k: usize) -> f64 {
    let pos = labels.iter().filter(|&&l| l).count();
    if pos == 0 {
        0.0
    } else {
        hits_at_k(labels, scores, k.min(scores.len())) as f64 / pos as f64
    }
}

/// The figures `risk eval` prints for one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub rows: usize,
    pub positives: usize,
    pub auc: Option<f64>,
    /// (rate, k, precision@k, recall@k) at 1, 2, 5 and 10 %.
    pub at: Vec<(f64, usize, f64, f64)>,
}

pub fn report(labels: &[bool], scores: &[f64]) -> Report {
    let at = crate::select::RATES
        .iter()
        .map(|&r| {
            let k = crate::select::quota(scores.len(), r);
            (r, k, precision_at_k(labels, scores, k), recall_at_k(labels, scores, k))
        })
        .collect();
    Report {
        rows: scores.len(),
        positives: labels.iter().filter(|&&l| l).count(),
        auc: roc_auc(labels, scores),
        at,
    }
}
