//! The branch-free batch layout of an ensemble: blocks of rows walk each tree together.
//!
//! Nodes are 16 bytes and a block is 64 rows, so a tree's nodes are read from memory once per
//! block and then serve every row from L1; the rows' walks are independent, so the CPU overlaps
//! them. Leaves are nodes too, pointing at themselves, so every row takes exactly `depth` steps
//! per tree and no step branches on the data.

use super::{MISSING_NAN, MISSING_ZERO, Tree};

pub(super) const BLOCK: usize = 64;
const FAST_CAT: u8 = 1;
const FAST_NAN_LEFT: u8 = 2;

#[derive(Debug, Clone, Copy)]
struct FastNode {
    /// Leaves: +inf (every number goes "left", to the leaf itself).
    threshold: f64,
    children: [u16; 2],
    feature: u16,
    flags: u8,
}

#[derive(Debug, Clone, Copy)]
struct FastTree {
    offset: usize,
    depth: usize,
    /// Trees this layout cannot express ("Zero" missing values, categories >= 64, more than
    /// 65,535 nodes or features) are walked by the exact scalar code instead.
    scalar: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Batch {
    nodes: Vec<FastNode>,
    /// Categories going left (all below 64) per node, for categorical splits.
    cats: Vec<u64>,
    /// Leaf value per node (0 for splits).
    values: Vec<f64>,
    trees: Vec<FastTree>,
}

impl Batch {
    pub(super) fn new(trees: &[Tree]) -> Batch {
        let mut b = Batch {
            nodes: Vec::new(),
            cats: Vec::new(),
            values: Vec::new(),
            trees: Vec::new(),
        };
        for t in trees {
            let offset = b.nodes.len();
            let total = t.nodes.len() + t.leaf_values.len();
            let scalar = total > usize::from(u16::MAX)
                || t.nodes.iter().any(|n| {
                    n.missing == MISSING_ZERO
                        || n.feature > u32::from(u16::MAX)
                        || n.cat
                            .is_some_and(|c| t.cats[c as usize].iter().skip(1).any(|w| *w != 0))
                });
            if scalar {
                b.trees.push(FastTree {
                    offset,
                    depth: 0,
                    scalar,
                });
                continue;
            }
            // Splits keep their indices; leaf i goes after them.
            let splits = t.nodes.len() as u16;
            let child = |c: i32| if c >= 0 { c as u16 } else { splits + (!c) as u16 };
            for n in &t.nodes {
                let nan_left = match n.missing {
                    MISSING_NAN => n.default_left,
                    _ => 0.0 <= n.threshold,
                };
                let mut flags = if nan_left { FAST_NAN_LEFT } else { 0 };
                let mut cats = 0;
                if let Some(c) = n.cat {
                    flags = FAST_CAT;
                    cats = t.cats[c as usize].first().copied().unwrap_or(0);
                }
                b.nodes.push(FastNode {
                    threshold: n.threshold,
                    children: [child(n.left), child(n.right)],
                    feature: n.feature as u16,
                    flags,
                });
                b.cats.push(cats);
                b.values.push(0.0);
            }
            for (i, v) in t.leaf_values.iter().enumerate() {
                let me = splits + i as u16;
                b.nodes.push(FastNode {
                    threshold: f64::INFINITY,
                    children: [me, me],
                    feature: 0,
                    flags: FAST_NAN_LEFT,
                });
                b.cats.push(0);
                b.values.push(*v);
            }
            let depth = if t.nodes.is_empty() { 0 } else { t.max_depth };
            b.trees.push(FastTree { offset, depth, scalar });
        }
        b
    }

    /// Every tree's output summed for `out.len()` (<= BLOCK) rows, tree after tree (LightGBM's
    /// order, so the sums are the scalar path's bit for bit).
    pub(super) fn block(&self, trees: &[Tree], xs: &[f64], nf: usize, out: &mut [f64]) {
        let rows = out.len();
        out.iter_mut().for_each(|o| *o = 0.0);
        let mut at = [0u16; BLOCK];
        for (ft, tree) in self.trees.iter().zip(trees) {
            if ft.scalar {
                for (r, o) in out.iter_mut().enumerate() {
                    *o += tree.predict(&xs[r * nf..(r + 1) * nf]);
                }
                continue;
            }
            let nodes = &self.nodes[ft.offset..];
            let cats = &self.cats[ft.offset..];
            at[..rows].iter_mut().for_each(|a| *a = 0);
            for _ in 0..ft.depth {
                for (r, a) in at[..rows].iter_mut().enumerate() {
                    let i = usize::from(*a);
                    let n = &nodes[i];
                    let v = xs[r * nf + usize::from(n.feature)];
                    let nan = v.is_nan();
                    let left = if n.flags & FAST_CAT == 0 {
                        (v <= n.threshold) | (nan & (n.flags & FAST_NAN_LEFT != 0))
                    } else {
                        // As LightGBM on x86: NaN and negatives go right, categories >= 64 are absent.
                        let c = v as i32;
                        !nan & (c >= 0) & ((c as u32) < 64) & ((cats[i] >> ((c as u32) & 63)) & 1 == 1)
                    };
                    *a = n.children[usize::from(!left)];
                }
            }
            let values = &self.values[ft.offset..];
            for (o, a) in out.iter_mut().zip(&at[..rows]) {
                *o += values[usize::from(*a)];
            }
        }
    }
}
