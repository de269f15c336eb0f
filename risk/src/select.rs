//! Which consignments to examine at an inspection rate (1 %, 2 %, 5 %, 10 %).
//!
//! The quota is k = ⌈rate · n⌉ (at least one when there is anything to choose from). Mandatory
//! candidates (a rule such as a seal mismatch said so) are always selected, first, even when
//! they alone exceed the quota; the rest of the quota goes to the highest scores. Ties are
//! broken by id, then by position, so the same input always gives the same selection.

use serde::Serialize;

/// One consignment to choose from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub id: String,
    pub score: f64,
    pub mandatory: bool,
}

/// The chosen candidates (indices into the input, in examination order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    pub indices: Vec<usize>,
    /// ⌈rate · n⌉.
    pub quota: usize,
    /// How many were selected because a rule made them mandatory.
    pub mandatory: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectError {
    #[error("inspection rate {0} is not in (0, 1]")]
    Rate(f64),
}

/// The standard inspection rates.
pub const RATES: [f64; 4] = [0.01, 0.02, 0.05, 0.10];

/// ⌈rate · n⌉, at least 1 for n > 0; the 1e-9 keeps 0.05 · 100 from becoming 6.
pub fn quota(n: usize, rate: f64) -> usize {
    if n == 0 {
        return 0;
    }
    ((rate * n as f64 - 1e-9).ceil() as usize).clamp(1, n)
}

/// Candidates in examination order: mandatory first, then score (NaN last), id, position.
pub fn ranking(candidates: &[Candidate]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    let key = |s: f64| if s.is_nan() { f64::NEG_INFINITY } else { s };
    order.sort_by(|&a, &b| {
        let (x, y) = (&candidates[a], &candidates[b]);
        y.mandatory
            .cmp(&x.mandatory)
            .then(key(y.score).total_cmp(&key(x.score)))
            .then_with(|| x.id.cmp(&y.id))
            .then(a.cmp(&b))
    });
    order
}

pub fn select(candidates: &[Candidate], rate: f64) -> Result<Selection, SelectError> {
    if !(rate > 0.0 && rate <= 1.0) {
        return Err(SelectError::Rate(rate));
    }
    let quota = quota(candidates.len(), rate);
    let mandatory = candidates.iter().filter(|c| c.mandatory).count();
    let take = quota.max(mandatory);
    let indices = ranking(candidates).into_iter().take(take).collect();
    Ok(Selection {
        indices,
        quota,
        mandatory,
    })
}
