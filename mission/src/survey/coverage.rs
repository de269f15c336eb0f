//! How much of a region the camera footprints at the trigger points actually cover.

use geo::{Coord, MultiPolygon};

use super::sweep::{Sweep, crossings, uv_edges, v_range};
use crate::camera::Footprint;

/// A lane's photos: its cross-lane offset and the along-lane positions of its triggers.
#[derive(Debug, Clone)]
pub struct LaneShots {
    pub v: f64,
    pub u: Vec<f64>,
}

/// Trigger positions along a lane from `start` every `every` metres, and at its end.
pub fn shots_along(sweep: &Sweep, start: Coord<f64>, end: Coord<f64>, every: f64) -> LaneShots {
    let (us, v) = sweep.to_uv(start);
    let (ue, _) = sweep.to_uv(end);
    let len = (ue - us).abs();
    let step = if ue >= us { every } else { -every };
    let count = if every > 0.0 { (len / every).floor() as usize } else { 0 };
    let mut u: Vec<f64> = (0..=count).map(|k| us + step * k as f64).collect();
    if (u.last().copied().unwrap_or(us) - ue).abs() > 1e-6 {
        u.push(ue);
    }
    LaneShots { v, u }
}

/// Fraction of the region (0..1) inside at least one footprint, measured along `rows` lines
/// across the region parallel to the lanes (exact along each line).
pub fn covered_fraction(
    region: &MultiPolygon<f64>,
    sweep: &Sweep,
    shots: &[LaneShots],
    fp: Footprint,
    rows: usize,
) -> f64 {
    let edges = uv_edges(region, sweep);
    let (vmin, vmax) = v_range(&edges);
    if edges.is_empty() || vmax.partial_cmp(&vmin) != Some(std::cmp::Ordering::Greater) {
        return 0.0;
    }
    let rows = rows.max(10);
    let step = (vmax - vmin) / rows as f64;
    let lines = crossings(&edges, vmin + step / 2.0, step, rows);
    // Per lane, the union of its footprints along u.
    let mut lanes: Vec<(f64, Vec<(f64, f64)>)> = shots
        .iter()
        .map(|s| {
            let spans =
                s.u.iter()
                    .map(|&u| (u - fp.front_m / 2.0, u + fp.front_m / 2.0))
                    .collect();
            (s.v, merge(spans))
        })
        .collect();
    lanes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut inside, mut covered) = (0.0, 0.0);
    for (k, spans) in lines.iter().enumerate() {
        let v = vmin + step / 2.0 + k as f64 * step;
        let first = lanes.partition_point(|(lv, _)| *lv < v - fp.side_m / 2.0);
        let cover = merge(
            lanes[first..]
                .iter()
                .take_while(|(lv, _)| *lv <= v + fp.side_m / 2.0)
                .flat_map(|(_, s)| s.iter().copied())
                .collect(),
        );
        for &(a, b) in spans {
            inside += b - a;
            covered += cover.iter().map(|&(c, d)| (b.min(d) - a.max(c)).max(0.0)).sum::<f64>();
        }
    }
    if inside > 0.0 { covered / inside } else { 0.0 }
}

fn merge(mut spans: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    #[test]
    fn one_footprint_covers_its_share_of_a_square() {
        let sq = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0), (0.0, 0.0)]),
            vec![],
        )]);
        let sweep = Sweep::new(90.0); // u = x, v = y
        let shots = [LaneShots { v: 25.0, u: vec![50.0] }];
        let fp = Footprint {
            side_m: 50.0,
            front_m: 100.0,
        };
        let f = covered_fraction(&sq, &sweep, &shots, fp, 1000);
        assert!((f - 0.5).abs() < 0.002, "{f}");
    }
}
