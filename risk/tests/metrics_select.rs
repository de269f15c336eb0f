//! Metrics on small cases computed by hand, and selection at each inspection rate.

use risk::metrics::{precision_at_k, recall_at_k, report, roc_auc};
use risk::select::{Candidate, RATES, quota, select};

#[test]
fn auc_by_hand() {
    // Perfect, inverted and random-ish rankings.
    assert_eq!(roc_auc(&[false, false, true, true], &[0.1, 0.2, 0.8, 0.9]), Some(1.0));
    assert_eq!(roc_auc(&[true, true, false, false], &[0.1, 0.2, 0.8, 0.9]), Some(0.0));
    // Pairs (pos, neg): (0.8,0.1) win, (0.8,0.9) lose, (0.4,0.1) win, (0.4,0.9) lose: 2/4.
    assert_eq!(roc_auc(&[true, false, true, false], &[0.8, 0.1, 0.4, 0.9]), Some(0.5));
    // One class only: undefined.
    assert_eq!(roc_auc(&[true, true], &[0.1, 0.2]), None);
    assert_eq!(roc_auc(&[], &[]), None);
}

#[test]
fn auc_counts_ties_as_half() {
    // All tied: 0.5 whatever the labels.
    assert_eq!(roc_auc(&[true, false, false], &[0.3, 0.3, 0.3]), Some(0.5));
    // pos {0.5, 0.9}, neg {0.5, 0.1}: pairs (0.5,0.5) ½, (0.5,0.1) 1, (0.9,0.5) 1, (0.9,0.1) 1 → 3.5/4.
    assert_eq!(roc_auc(&[true, false, true, false], &[0.5, 0.5, 0.9, 0.1]), Some(0.875));
    // NaN ranks lowest: a NaN positive loses to every negative.
    assert_eq!(roc_auc(&[true, false], &[f64::NAN, 0.0]), Some(0.0));
}

#[test]
fn precision_and_recall_at_k_by_hand() {
    let labels = [true, false, true, false, false, true];
    let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.1];
    assert_eq!(precision_at_k(&labels, &scores, 1), 1.0);
    assert_eq!(precision_at_k(&labels, &scores, 2), 0.5);
    assert!((precision_at_k(&labels, &scores, 3) - 2.0 / 3.0).abs() < 1e-15);
    assert!((recall_at_k(&labels, &scores, 3) - 2.0 / 3.0).abs() < 1e-15);
    assert_eq!(recall_at_k(&labels, &scores, 6), 1.0);
    assert_eq!(precision_at_k(&labels, &scores, 60), 0.5, "k beyond n is n");
    assert_eq!(precision_at_k(&labels, &scores, 0), 0.0);
    assert_eq!(recall_at_k(&[false, false], &[0.1, 0.2], 1), 0.0, "no positives");
    // Ties keep input order: the first of two equal scores is taken first.
    assert_eq!(precision_at_k(&[false, true], &[0.5, 0.5], 1), 0.0);
    assert_eq!(precision_at_k(&[true, false], &[0.5, 0.5], 1), 1.0);
}

#[test]
fn report_uses_the_quota_at_each_rate() {
    let n = 250;
    let labels: Vec<bool> = (0..n).map(|i| i % 10 == 0).collect();
    // Positives score highest: precision 1 until the 25 positives run out.
    let scores: Vec<f64> = (0..n)
        .map(|i| if i % 10 == 0 { 1.0 + i as f64 } else { i as f64 / 1000.0 })
        .collect();
    let r = report(&labels, &scores);
    assert_eq!(r.positives, 25);
    assert_eq!(r.auc, Some(1.0));
    let ks: Vec<usize> = r.at.iter().map(|a| a.1).collect();
    assert_eq!(ks, vec![3, 5, 13, 25]);
    for (_, k, p, rec) in &r.at {
        assert_eq!(*p, 1.0);
        assert!((rec - *k as f64 / 25.0).abs() < 1e-15);
    }
}

#[test]
fn quota_is_ceil_of_rate_times_n() {
    assert_eq!(quota(100, 0.05), 5);
    assert_eq!(quota(8134, 0.01), 82);
    assert_eq!(quota(8134, 0.10), 814);
    assert_eq!(quota(10, 0.01), 1, "at least one");
    assert_eq!(quota(0, 0.05), 0);
    assert_eq!(quota(3, 1.0), 3);
}

fn candidates(n: usize) -> Vec<Candidate> {
    // Scores fall with i, with ties every pair so that the id decides.
    (0..n)
        .map(|i| Candidate {
            id: format!("D{:04}", i),
            score: 100.0 - (i / 2) as f64,
            mandatory: false,
        })
        .collect()
}

#[test]
fn selection_at_each_rate_takes_the_top_scores() {
    let c = candidates(200);
    for rate in RATES {
        let s = select(&c, rate).expect("valid rate");
        let k = (rate * 200.0).round() as usize;
        assert_eq!(s.quota, k, "rate {rate}");
        assert_eq!(
            s.indices,
            (0..k).collect::<Vec<_>>(),
            "rate {rate}: top-k by score, ties by id"
        );
        assert_eq!(s.mandatory, 0);
    }
}

#[test]
fn selection_ties_are_deterministic_whatever_the_input_order() {
    let mut c = candidates(40);
    c.reverse();
    let s = select(&c, 0.05).expect("valid rate");
    let ids: Vec<&str> = s.indices.iter().map(|&i| c[i].id.as_str()).collect();
    assert_eq!(ids, vec!["D0000", "D0001"]);
}

#[test]
fn mandatory_candidates_are_always_selected() {
    let mut c = candidates(100);
    // Two low scorers with a seal mismatch, and a quota of 5 at 5 %.
    c[90].mandatory = true;
    c[99].mandatory = true;
    let s = select(&c, 0.05).expect("valid rate");
    assert_eq!(s.quota, 5);
    assert_eq!(s.mandatory, 2);
    assert_eq!(
        s.indices,
        vec![90, 99, 0, 1, 2],
        "mandatory first, then the top scores fill the quota"
    );
    // More mandatory than the quota: all of them, nothing else.
    for x in c.iter_mut().skip(50) {
        x.mandatory = true;
    }
    let s = select(&c, 0.01).expect("valid rate");
    assert_eq!(s.quota, 1);
    assert_eq!(s.indices.len(), 50);
    assert!(s.indices.iter().all(|&i| c[i].mandatory));
}

#[test]
fn bad_rates_are_refused() {
    let c = candidates(10);
    for rate in [0.0, -0.1, 1.5, f64::NAN] {
        assert!(select(&c, rate).is_err(), "rate {rate}");
    }
    assert!(select(&[], 0.05).expect("valid").indices.is_empty());
}

#[test]
fn nan_scores_rank_last() {
    let c = vec![
        Candidate {
            id: "a".into(),
            score: f64::NAN,
            mandatory: false,
        },
        Candidate {
            id: "b".into(),
            score: 0.0,
            mandatory: false,
        },
    ];
    assert_eq!(select(&c, 0.5).expect("valid").indices, vec![1]);
}
