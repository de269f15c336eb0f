//! Native evaluation of LightGBM tree ensembles from their `dump_model()` JSON, and TreeSHAP.
//!
//! Decisions follow LightGBM's `Tree::Decision` exactly: thresholds are compared in f64 (an f32
//! cast moves many of them and changes real scores), NaN becomes 0 unless the split's missing
//! type is NaN, "Zero" missing values (|x| <= 1e-35f) and NaN go to the default side, and
//! categorical splits send NaN and negative values right. Contributions follow LightGBM's
//! `Tree::TreeSHAP` (path-dependent TreeSHAP over the training counts), so they match
//! `predict(pred_contrib=True)`.

mod batch;

use crate::artefact::{DumpModel, DumpNode, Threshold};
use batch::{BLOCK, Batch};

const MISSING_NONE: u8 = 0;
const MISSING_ZERO: u8 = 1;
const MISSING_NAN: u8 = 2;
/// LightGBM's kZeroThreshold is the float 1e-35f, compared as a double.
const ZERO_THRESHOLD: f64 = 1e-35_f32 as f64;

#[derive(Debug, Clone, Copy)]
struct Node {
    threshold: f64,
    count: f64,
    /// Children: >= 0 a node, < 0 the leaf !child (LightGBM's encoding).
    left: i32,
    right: i32,
    feature: u32,
    missing: u8,
    default_left: bool,
    /// Index into `Tree::cats` for a categorical split.
    cat: Option<u32>,
}

/// One regression tree.
#[derive(Debug, Clone)]
pub struct Tree {
    nodes: Vec<Node>,
    leaf_values: Vec<f64>,
    leaf_counts: Vec<f64>,
    /// Category bitsets of the categorical splits.
    cats: Vec<Vec<u64>>,
    max_depth: usize,
}

/// Why a dump cannot be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("tree {tree}: {problem}")]
pub struct DumpError {
    pub tree: usize,
    pub problem: String,
}

impl Tree {
    fn from_dump(root: &DumpNode, tree: usize, num_features: usize) -> Result<Tree, DumpError> {
        let mut t = Tree {
            nodes: Vec::new(),
            leaf_values: Vec::new(),
            leaf_counts: Vec::new(),
            cats: Vec::new(),
            max_depth: 0,
        };
        t.add(root, 0, tree, num_features)?;
        Ok(t)
    }

    /// Adds `node` (pre-order, so the root is node 0) and returns its child code.
    fn add(&mut self, node: &DumpNode, depth: usize, tree: usize, num_features: usize) -> Result<i32, DumpError> {
        let err = |problem: &str| DumpError {
            tree,
            problem: problem.to_string(),
        };
        if depth > 4096 {
            return Err(err("deeper than 4096"));
        }
        self.max_depth = self.max_depth.max(depth);
        let (Some(left), Some(right)) = (&node.left_child, &node.right_child) else {
            let value = node
                .leaf_value
                .ok_or_else(|| err("a node with neither children nor leaf_value"))?;
            self.leaf_values.push(value);
            self.leaf_counts.push(node.leaf_count.unwrap_or(0.0));
            return Ok(!((self.leaf_values.len() - 1) as i32));
        };
        let feature = node.split_feature.ok_or_else(|| err("split without split_feature"))?;
        if feature >= num_features {
            return Err(err(&format!(
                "split on feature {feature}, the model has {num_features}"
            )));
        }
        let missing = match node.missing_type.as_deref() {
            None | Some("None") => MISSING_NONE,
            Some("Zero") => MISSING_ZERO,
            Some("NaN") => MISSING_NAN,
            Some(other) => return Err(err(&format!("unknown missing_type {other:?}"))),
        };
        let (threshold, cat) = match (node.decision_type.as_deref(), &node.threshold) {
            (Some("<=") | None, Some(Threshold::Number(t))) => (*t, None),
            (Some("=="), Some(Threshold::Categories(s))) => {
                let mut bits: Vec<u64> = Vec::new();
                for part in s.split("||") {
                    let c: u32 = part
                        .trim()
                        .parse()
                        .map_err(|_| err(&format!("bad category {part:?} in {s:?}")))?;
                    let (word, bit) = ((c / 64) as usize, c % 64);
                    if bits.len() <= word {
                        bits.resize(word + 1, 0);
                    }
                    bits[word] |= 1 << bit;
                }
                self.cats.push(bits);
                (0.0, Some((self.cats.len() - 1) as u32))
            }
            (d, _) => {
                return Err(err(&format!(
                    "unsupported split: decision_type {d:?} with threshold {:?}",
                    node.threshold
                )));
            }
        };
        let index = self.nodes.len();
        self.nodes.push(Node {
            threshold,
            count: node.internal_count.unwrap_or(0.0),
            left: 0,
            right: 0,
            feature: feature as u32,
            missing,
            default_left: node.default_left.unwrap_or(false),
            cat,
        });
        let l = self.add(left, depth + 1, tree, num_features)?;
        let r = self.add(right, depth + 1, tree, num_features)?;
        self.nodes[index].left = l;
        self.nodes[index].right = r;
        Ok(index as i32)
    }

    #[inline]
    fn decide(&self, node: &Node, x: &[f64]) -> i32 {
        let mut v = x[node.feature as usize];
        if let Some(cat) = node.cat {
            // C++ casts NaN to INT_MIN on x86: NaN and negatives go right.
            if v.is_nan() || (v as i32) < 0 {
                return node.right;
            }
            let c = v as i32 as u32;
            let bits = &self.cats[cat as usize];
            let hit = bits.get((c / 64) as usize).is_some_and(|w| w >> (c % 64) & 1 == 1);
            return if hit { node.left } else { node.right };
        }
        if v.is_nan() && node.missing != MISSING_NAN {
            v = 0.0;
        }
        if (node.missing == MISSING_ZERO && (-ZERO_THRESHOLD..=ZERO_THRESHOLD).contains(&v))
            || (node.missing == MISSING_NAN && v.is_nan())
        {
            return if node.default_left { node.left } else { node.right };
        }
        if v <= node.threshold { node.left } else { node.right }
    }

    /// The leaf a row falls in.
    #[inline]
    pub fn leaf(&self, x: &[f64]) -> usize {
        if self.nodes.is_empty() {
            return 0;
        }
        let mut n = 0i32;
        while n >= 0 {
            n = self.decide(&self.nodes[n as usize], x);
        }
        (!n) as usize
    }

    #[inline]
    pub fn predict(&self, x: &[f64]) -> f64 {
        self.leaf_values[self.leaf(x)]
    }

    fn count(&self, child: i32) -> f64 {
        if child >= 0 {
            self.nodes[child as usize].count
        } else {
            self.leaf_counts[(!child) as usize]
        }
    }

    fn expected_value(&self) -> f64 {
        if self.nodes.is_empty() {
            return self.leaf_values[0];
        }
        let total = self.nodes[0].count;
        self.leaf_values
            .iter()
            .zip(&self.leaf_counts)
            .map(|(v, c)| (c / total) * v)
            .sum()
    }

    /// Adds this tree's SHAP values to `phi` (last slot: expected value).
    pub fn contributions(&self, x: &[f64], phi: &mut [f64]) {
        let last = phi.len() - 1;
        phi[last] += self.expected_value();
        if self.nodes.is_empty() {
            return;
        }
        let len = self.max_depth + 2;
        let mut path = vec![PathElement::default(); len * (len + 1) / 2 + len];
        self.shap(x, phi, 0, 0, &mut path, 0, 1.0, 1.0, -1);
    }

    #[allow(clippy::too_many_arguments)]
    fn shap(
        &self,
        x: &[f64],
        phi: &mut [f64],
        node: i32,
        unique_depth: usize,
        path: &mut [PathElement],
        parent: usize,
        parent_zero: f64,
        parent_one: f64,
        parent_feature: i32,
    ) {
        // This node's path starts after its parent's, as in LightGBM.
        let at = parent + unique_depth;
        if unique_depth > 0 {
            path.copy_within(parent..parent + unique_depth, at);
        }
        let p = &mut path[at..];
        extend_path(p, unique_depth, parent_zero, parent_one, parent_feature);
        if node < 0 {
            let leaf = self.leaf_values[(!node) as usize];
            for i in 1..=unique_depth {
                let w = unwound_path_sum(p, unique_depth, i);
                let el = p[i];
                phi[el.feature as usize] += w * (el.one - el.zero) * leaf;
            }
            return;
        }
        let n = &self.nodes[node as usize];
        let hot = self.decide(n, x);
        let cold = if hot == n.left { n.right } else { n.left };
        let w = n.count;
        let hot_zero = self.count(hot) / w;
        let cold_zero = self.count(cold) / w;
        let (mut in_zero, mut in_one) = (1.0, 1.0);
        let mut depth = unique_depth;
        if let Some(pi) = (0..=unique_depth).find(|&i| p[i].feature == n.feature as i32) {
            in_zero = p[pi].zero;
            in_one = p[pi].one;
            unwind_path(p, unique_depth, pi);
            depth -= 1;
        }
        let f = n.feature as i32;
        self.shap(x, phi, hot, depth + 1, path, at, hot_zero * in_zero, in_one, f);
        self.shap(x, phi, cold, depth + 1, path, at, cold_zero * in_zero, 0.0, f);
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    feature: i32,
    zero: f64,
    one: f64,
    pweight: f64,
}

fn extend_path(p: &mut [PathElement], depth: usize, zero: f64, one: f64, feature: i32) {
    p[depth] = PathElement {
        feature,
        zero,
        one,
        pweight: if depth == 0 { 1.0 } else { 0.0 },
    };
    let d1 = (depth + 1) as f64;
    for i in (0..depth).rev() {
        p[i + 1].pweight += one * p[i].pweight * (i + 1) as f64 / d1;
        p[i].pweight = zero * p[i].pweight * (depth - i) as f64 / d1;
    }
}

fn unwind_path(p: &mut [PathElement], depth: usize, index: usize) {
    let one = p[index].one;
    let zero = p[index].zero;
    let mut next_one = p[depth].pweight;
    let d1 = (depth + 1) as f64;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = p[i].pweight;
            p[i].pweight = next_one * d1 / ((i + 1) as f64 * one);
            next_one = tmp - p[i].pweight * zero * (depth - i) as f64 / d1;
        } else {
            p[i].pweight = (p[i].pweight * d1) / (zero * (depth - i) as f64);
        }
    }
    for i in index..depth {
        p[i].feature = p[i + 1].feature;
        p[i].zero = p[i + 1].zero;
        p[i].one = p[i + 1].one;
    }
}

fn unwound_path_sum(p: &[PathElement], depth: usize, index: usize) -> f64 {
    let one = p[index].one;
    let zero = p[index].zero;
    let mut next_one = p[depth].pweight;
    let d1 = (depth + 1) as f64;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = next_one * d1 / ((i + 1) as f64 * one);
            total += tmp;
            next_one = p[i].pweight - tmp * zero * ((depth - i) as f64 / d1);
        } else {
            total += (p[i].pweight / zero) / ((depth - i) as f64 / d1);
        }
    }
    total
}

/// A binary-objective LightGBM ensemble.
#[derive(Debug, Clone)]
pub struct Ensemble {
    trees: Vec<Tree>,
    batch: Batch,
    num_features: usize,
    sigmoid: f64,
    average_output: bool,
}

impl Ensemble {
    pub fn from_dump(dump: &DumpModel) -> Result<Ensemble, DumpError> {
        let err = |problem: String| DumpError { tree: 0, problem };
        if dump.num_class != 1 {
            return Err(err(format!(
                "{} classes; only single-output models are supported",
                dump.num_class
            )));
        }
        let mut words = dump.objective.split_whitespace();
        if words.next() != Some("binary") {
            return Err(err(format!("objective {:?} is not binary", dump.objective)));
        }
        let sigmoid = words.find_map(|w| w.strip_prefix("sigmoid:")).map_or(Ok(1.0), |s| {
            s.parse::<f64>()
                .map_err(|_| err(format!("bad sigmoid in {:?}", dump.objective)))
        })?;
        let num_features = dump.max_feature_idx + 1;
        let trees = dump
            .tree_info
            .iter()
            .map(|t| Tree::from_dump(&t.tree_structure, t.tree_index, num_features))
            .collect::<Result<Vec<_>, _>>()?;
        if trees.is_empty() {
            return Err(err("no trees".into()));
        }
        let batch = Batch::new(&trees);
        Ok(Ensemble {
            trees,
            batch,
            num_features,
            sigmoid,
            average_output: dump.average_output,
        })
    }

    pub fn num_features(&self) -> usize {
        self.num_features
    }

    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// The raw score (log-odds), summed tree by tree as LightGBM does. `x` must hold
    /// [`Ensemble::num_features`] values.
    pub fn raw(&self, x: &[f64]) -> f64 {
        let x = &x[..self.num_features];
        let mut sum = 0.0;
        for t in &self.trees {
            sum += t.predict(x);
        }
        if self.average_output {
            sum / self.trees.len() as f64
        } else {
            sum
        }
    }

    /// Raw scores of many rows at once (`xs` row-major, [`Ensemble::num_features`] per row):
    /// the same sums as [`Ensemble::raw`], bit for bit, several times faster.
    pub fn raw_batch(&self, xs: &[f64], out: &mut [f64]) {
        let nf = self.num_features;
        let rows = out.len().min(xs.len() / nf.max(1));
        for start in (0..rows).step_by(BLOCK) {
            let end = (start + BLOCK).min(rows);
            self.batch
                .block(&self.trees, &xs[start * nf..end * nf], nf, &mut out[start..end]);
        }
        if self.average_output {
            let n = self.trees.len() as f64;
            out[..rows].iter_mut().for_each(|o| *o /= n);
        }
    }

    /// Log-odds to probability, as LightGBM's binary objective converts its output.
    pub fn probability_of(&self, raw: f64) -> f64 {
        1.0 / (1.0 + (-self.sigmoid * raw).exp())
    }

    pub fn probability(&self, x: &[f64]) -> f64 {
        self.probability_of(self.raw(x))
    }

    /// SHAP values in log-odds, one per feature plus the expected value last (LightGBM's
    /// `pred_contrib` layout); they sum to [`Ensemble::raw`].
    pub fn contributions(&self, x: &[f64]) -> Vec<f64> {
        let x = &x[..self.num_features];
        let mut phi = vec![0.0; self.num_features + 1];
        for t in &self.trees {
            t.contributions(x, &mut phi);
        }
        if self.average_output {
            let n = self.trees.len() as f64;
            phi.iter_mut().for_each(|v| *v /= n);
        }
        phi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(trees: &str) -> DumpModel {
        let text = format!(
            r#"{{"objective":"binary sigmoid:1","num_class":1,"max_feature_idx":1,"feature_names":["a","b"],
                "tree_info":[{trees}]}}"#
        );
        serde_json::from_str(&text).expect("test dump")
    }

    /// Splits of every kind: "Zero" missing (default left), NaN missing (default right),
    /// "None" missing (NaN read as 0), and a categorical split with a category above 64.
    const TREES: &str = r#"
        {"tree_index":0,"num_leaves":3,"tree_structure":{"split_feature":0,"threshold":1.5,"decision_type":"<=",
          "default_left":true,"missing_type":"Zero","internal_count":10,
          "left_child":{"leaf_value":1.0,"leaf_count":6},
          "right_child":{"split_feature":1,"threshold":-0.5,"decision_type":"<=","default_left":false,
            "missing_type":"NaN","internal_count":4,
            "left_child":{"leaf_value":2.0,"leaf_count":1},"right_child":{"leaf_value":3.0,"leaf_count":3}}}},
        {"tree_index":1,"num_leaves":2,"tree_structure":{"split_feature":1,"threshold":"1||70","decision_type":"==",
          "default_left":false,"missing_type":"NaN","internal_count":10,
          "left_child":{"leaf_value":10.0,"leaf_count":5},"right_child":{"leaf_value":20.0,"leaf_count":5}}},
        {"tree_index":2,"num_leaves":2,"tree_structure":{"split_feature":1,"threshold":-1.0,"decision_type":"<=",
          "default_left":true,"missing_type":"None","internal_count":10,
          "left_child":{"leaf_value":100.0,"leaf_count":5},"right_child":{"leaf_value":200.0,"leaf_count":5}}}"#;

    #[test]
    fn decisions_follow_lightgbm() {
        let e = Ensemble::from_dump(&dump(TREES)).expect("valid");
        let nan = f64::NAN;
        // (a, b) -> tree 0 + tree 1 + tree 2, worked out by hand from LightGBM's rules.
        let cases = [
            ((0.0, 1.0), 1.0 + 10.0 + 200.0),  // a is zero: default left; b = 1 in {1, 70}
            ((nan, 70.0), 1.0 + 10.0 + 200.0), // NaN with Zero missing: read as 0, default left
            ((2.0, nan), 3.0 + 20.0 + 200.0),  // b NaN: NaN missing default right; categorical NaN right; None: 0 > -1
            ((2.0, -3.0), 2.0 + 20.0 + 100.0), // negative category goes right
            ((1.5, 1.9), 1.0 + 10.0 + 200.0),  // threshold inclusive; 1.9 truncates to category 1
            ((1.5000000000000002, 2.0), 3.0 + 20.0 + 200.0),
        ];
        let mut xs = Vec::new();
        for ((a, b), want) in cases {
            assert_eq!(e.raw(&[a, b]), want, "a={a} b={b}");
            xs.extend([a, b]);
        }
        let mut out = vec![0.0; cases.len()];
        e.raw_batch(&xs, &mut out);
        let want: Vec<f64> = cases.iter().map(|c| c.1).collect();
        assert_eq!(
            out, want,
            "batch layout (scalar fallback for the Zero and category-70 trees)"
        );
        assert_eq!(e.probability_of(0.0), 0.5);
    }

    #[test]
    fn contributions_sum_to_the_raw_score() {
        let e = Ensemble::from_dump(&dump(TREES)).expect("valid");
        for x in [[0.0, 1.0], [2.0, f64::NAN], [2.0, -3.0]] {
            let phi = e.contributions(&x);
            let sum: f64 = phi.iter().sum();
            assert!((sum - e.raw(&x)).abs() < 1e-12, "{x:?}: {phi:?}");
        }
        // Expected values: tree 0: (6·1 + 1·2 + 3·3)/10 = 1.7; tree 1: 15; tree 2: 150.
        let phi = e.contributions(&[0.0, 1.0]);
        assert!((phi[2] - 166.7).abs() < 1e-12, "{phi:?}");
    }

    #[test]
    fn bad_dumps_are_refused() {
        let bad = |trees: &str| Ensemble::from_dump(&dump(trees)).expect_err(trees);
        bad(
            r#"{"tree_index":0,"num_leaves":2,"tree_structure":{"split_feature":5,"threshold":1.0,"decision_type":"<=",
            "left_child":{"leaf_value":1.0},"right_child":{"leaf_value":2.0}}}"#,
        );
        bad(
            r#"{"tree_index":0,"num_leaves":2,"tree_structure":{"split_feature":0,"threshold":"x","decision_type":"==",
            "left_child":{"leaf_value":1.0},"right_child":{"leaf_value":2.0}}}"#,
        );
        bad(r#"{"tree_index":0,"num_leaves":1,"tree_structure":{}}"#);
    }
}
