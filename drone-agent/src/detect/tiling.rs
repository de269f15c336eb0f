//! Full-frame detection: overlapping native-resolution tiles run on several cores, merged by NMS, unchanged tiles skipped.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::model::INPUT_SIZE;
use super::{DetectError, Detection, Detector, ImageView, nms};

/// One tile's window in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileRect {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TilingConfig {
    /// Tile side in frame pixels; the network's 416 keeps native resolution.
    pub tile: usize,
    /// Minimum fraction of a tile shared with its neighbour.
    pub overlap: f32,
    /// Worker threads (each runs whole tiles single-threaded).
    pub threads: usize,
    /// IoU for the cross-tile merge.
    pub merge_iou: f32,
    /// A box this much inside a better one of its class is a seam duplicate.
    pub merge_containment: f32,
    /// Reuse a tile's previous detections when fewer than two of its sampled pixels (every 2nd
    /// of every 2nd row) changed by more than this many levels in some channel; `None` always
    /// runs every tile. A count, not a mean: a person is a few dozen pixels of a tile, and a
    /// mean over the tile would hide that they moved.
    pub skip_unchanged: Option<u8>,
    /// Also run the whole frame shrunk to one input: an object larger than a tile (a vessel
    /// alongside, a person close to an oblique camera) is only whole there. One input more.
    pub full_frame_pass: bool,
}

impl Default for TilingConfig {
    fn default() -> Self {
        Self {
            tile: INPUT_SIZE,
            overlap: 0.2,
            threads: 2,
            merge_iou: 0.45,
            merge_containment: 0.8,
            skip_unchanged: Some(24),
            full_frame_pass: true,
        }
    }
}

/// Tile origins along one axis: evenly spread, at least `overlap` shared, first at 0 and last
/// flush with the far edge so that the edges are covered exactly.
fn axis(len: usize, tile: usize, overlap: f32) -> Vec<usize> {
    if len <= tile {
        return vec![0];
    }
    let step = (tile as f32 * (1.0 - overlap.clamp(0.0, 0.9))).max(1.0);
    let n = ((len - tile) as f32 / step).ceil() as usize + 1;
    (0..n)
        .map(|i| ((i * (len - tile)) as f64 / (n - 1) as f64).round() as usize)
        .collect()
}

/// The tiles covering a `width`×`height` frame, row by row.
pub fn tile_grid(width: usize, height: usize, tile: usize, overlap: f32) -> Vec<TileRect> {
    let tile = tile.max(1);
    let xs = axis(width, tile, overlap);
    let ys = axis(height, tile, overlap);
    ys.iter()
        .flat_map(|&y| {
            xs.iter().map(move |&x| TileRect {
                x,
                y,
                width: tile.min(width),
                height: tile.min(height),
            })
        })
        .collect()
}

/// What one frame cost.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameDetections {
    pub detections: Vec<Detection>,
    pub tiles_run: usize,
    pub tiles_skipped: usize,
}

struct TileMemory {
    fingerprint: Vec<u8>,
    detections: Vec<Detection>,
}

/// Runs a [`Detector`] over whole frames. Holds the previous frame's per-tile results so that
/// tiles that did not change (a hovering drone over a quiet quay) cost nothing.
#[derive(Debug)]
pub struct FrameDetector {
    detector: Detector,
    config: TilingConfig,
    memory: Option<((usize, usize), Vec<TileMemory>)>,
}

impl std::fmt::Debug for TileMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TileMemory({} detections)", self.detections.len())
    }
}

impl FrameDetector {
    pub fn new(detector: Detector, config: TilingConfig) -> Self {
        Self {
            detector,
            config,
            memory: None,
        }
    }

    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    pub fn config(&self) -> &TilingConfig {
        &self.config
    }

    /// Forgets the previous frame (after a camera cut, say).
    pub fn reset(&mut self) {
        self.memory = None;
    }

    /// Detections in a full RGB frame, in frame pixels, merged across tiles.
    pub fn detect_frame(&mut self, frame: &ImageView<'_>) -> Result<FrameDetections, DetectError> {
        let mut tiles = tile_grid(frame.width, frame.height, self.config.tile, self.config.overlap);
        if self.config.full_frame_pass && tiles.len() > 1 {
            tiles.push(TileRect {
                x: 0,
                y: 0,
                width: frame.width,
                height: frame.height,
            });
        }
        let prints: Vec<Vec<u8>> = tiles.iter().map(|t| fingerprint(frame, t)).collect();
        let size = (frame.width, frame.height);
        let previous = match self.memory.take() {
            Some((s, mem)) if s == size && mem.len() == tiles.len() => Some(mem),
            _ => None,
        };
        // Per tile: Some(old detections) when it may be skipped.
        let reuse: Vec<Option<Vec<Detection>>> = match (&previous, self.config.skip_unchanged) {
            (Some(mem), Some(limit)) => mem
                .iter()
                .zip(&prints)
                .map(|(m, p)| (!changed(&m.fingerprint, p, limit)).then(|| m.detections.clone()))
                .collect(),
            _ => vec![None; tiles.len()],
        };
        let todo: Vec<usize> = (0..tiles.len()).filter(|&i| reuse[i].is_none()).collect();
        let fresh = run_tiles(&self.detector, frame, &tiles, &todo, self.config.threads)?;

        let mut per_tile = reuse;
        for (i, dets) in todo.iter().zip(fresh) {
            per_tile[*i] = Some(dets);
        }
        let per_tile: Vec<Vec<Detection>> = per_tile.into_iter().map(Option::unwrap_or_default).collect();
        let all: Vec<Detection> = per_tile.iter().flatten().cloned().collect();
        self.memory = Some((
            size,
            prints
                .into_iter()
                .zip(per_tile)
                .map(|(fingerprint, detections)| TileMemory {
                    fingerprint,
                    detections,
                })
                .collect(),
        ));
        Ok(FrameDetections {
            detections: nms(all, self.config.merge_iou, Some(self.config.merge_containment)),
            tiles_run: todo.len(),
            tiles_skipped: tiles.len() - todo.len(),
        })
    }
}

/// Runs the listed tiles on `threads` scoped workers pulling from a shared counter (tiles cost
/// the same, so this balances without a pool); returns frame-pixel detections in `todo` order.
pub fn run_tiles(
    detector: &Detector,
    frame: &ImageView<'_>,
    tiles: &[TileRect],
    todo: &[usize],
    threads: usize,
) -> Result<Vec<Vec<Detection>>, DetectError> {
    let next = AtomicUsize::new(0);
    type Slot = Option<Result<Vec<Detection>, DetectError>>;
    let results: Mutex<Vec<Slot>> = Mutex::new((0..todo.len()).map(|_| None).collect());
    let work = || {
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&i) = todo.get(k) else { break };
            let t = tiles[i];
            let r = match frame.crop(t.x, t.y, t.width, t.height) {
                Some(view) => detector.detect_tile(&view).map(|mut dets| {
                    for d in &mut dets {
                        d.bbox[0] += t.x as f32;
                        d.bbox[2] += t.x as f32;
                        d.bbox[1] += t.y as f32;
                        d.bbox[3] += t.y as f32;
                    }
                    dets
                }),
                None => Ok(Vec::new()),
            };
            if let Ok(mut slots) = results.lock() {
                slots[k] = Some(r);
            }
        }
    };
    let workers = threads.clamp(1, todo.len().max(1));
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
        // The calling thread is a worker too.
        work();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| DetectError::Worker))
    })?;
    let slots = results.into_inner().map_err(|_| DetectError::Worker)?;
    slots
        .into_iter()
        .map(|r| r.unwrap_or(Err(DetectError::Worker)))
        .collect()
}

/// Every 2nd pixel of every 2nd row: a quarter of the bytes, and an object of 2×2 pixels or
/// more always covers a sample.
fn fingerprint(frame: &ImageView<'_>, t: &TileRect) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.width * t.height * 3 / 4 + 3);
    for y in (t.y..t.y + t.height).step_by(2) {
        let row = frame.row(y);
        for x in (t.x..t.x + t.width).step_by(2) {
            out.extend_from_slice(&row[x * 3..x * 3 + 3]);
        }
    }
    out
}

/// Whether at least two samples moved by more than `level` in some channel (one may be noise).
fn changed(a: &[u8], b: &[u8], level: u8) -> bool {
    if a.len() != b.len() || a.is_empty() {
        return true;
    }
    a.chunks_exact(3)
        .zip(b.chunks_exact(3))
        .filter(|(p, q)| p.iter().zip(q.iter()).any(|(x, y)| x.abs_diff(*y) > level))
        .nth(1)
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_hd_frame_takes_six_by_three_tiles_covering_its_edges() {
        let tiles = tile_grid(1920, 1080, 416, 0.2);
        assert_eq!(tiles.len(), 18);
        let xs: Vec<usize> = tiles.iter().take(6).map(|t| t.x).collect();
        assert_eq!(xs.first(), Some(&0));
        assert_eq!(xs.last().map(|x| x + 416), Some(1920));
        for w in xs.windows(2) {
            let shared = 416 - (w[1] - w[0]);
            assert!(shared as f32 >= 0.2 * 416.0, "{xs:?}");
        }
        let ys: Vec<usize> = tiles.iter().step_by(6).map(|t| t.y).collect();
        assert_eq!(ys, vec![0, 332, 664]);
        // Every pixel is in some tile.
        for (px, py) in [(0, 0), (1919, 1079), (960, 540), (1919, 0)] {
            assert!(
                tiles
                    .iter()
                    .any(|t| (t.x..t.x + t.width).contains(&px) && (t.y..t.y + t.height).contains(&py))
            );
        }
    }

    #[test]
    fn small_frames_are_one_tile() {
        assert_eq!(
            tile_grid(300, 200, 416, 0.2),
            vec![TileRect {
                x: 0,
                y: 0,
                width: 300,
                height: 200
            }]
        );
        assert_eq!(tile_grid(500, 416, 416, 0.2).len(), 2);
    }

    #[test]
    fn fingerprints_see_change() {
        let mut data = vec![0u8; 64 * 64 * 3];
        let t = TileRect {
            x: 0,
            y: 0,
            width: 64,
            height: 64,
        };
        let a = fingerprint(&ImageView::new(&data, 64, 64).unwrap(), &t);
        assert_eq!(a.len(), 32 * 32 * 3);
        assert!(!changed(&a, &a, 24));
        // Noise below the level, or one hot pixel, is not a change.
        data.iter_mut().for_each(|v| *v = 10);
        data[..3].copy_from_slice(&[255, 255, 255]);
        let b = fingerprint(&ImageView::new(&data, 64, 64).unwrap(), &t);
        assert!(!changed(&a, &b, 24));
        // A 3×3 dark-red object appearing anywhere is.
        for y in 40..43 {
            for x in 21..24 {
                data[(y * 64 + x) * 3] = 120;
            }
        }
        let c = fingerprint(&ImageView::new(&data, 64, 64).unwrap(), &t);
        assert!(changed(&b, &c, 24));
    }
}
