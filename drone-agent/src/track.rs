//! Multi-object tracker: constant-velocity boxes, greedy IoU association per class, birth after N hits, death after M misses.

use serde::{Deserialize, Serialize};

use crate::detect::{Detection, iou};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackerConfig {
    /// Minimum IoU between a predicted track box and a detection to associate them.
    pub min_iou: f32,
    /// Consecutive hits before a track is reported (filters one-frame false alarms).
    pub confirm_hits: u32,
    /// Consecutive misses after which a track is dropped (rides out short occlusions).
    pub max_misses: u32,
    /// How much of the newly measured velocity replaces the old estimate (0..1).
    pub velocity_gain: f32,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            min_iou: 0.2,
            confirm_hits: 3,
            max_misses: 5,
            velocity_gain: 0.5,
        }
    }
}

/// A tracked object as reported each frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    /// Stable for the track's life, never reused.
    pub id: u64,
    pub class_id: usize,
    pub class_name: String,
    /// Last box: measured when `misses == 0`, predicted otherwise.
    pub bbox: [f32; 4],
    /// Box centre motion in pixels per frame.
    pub velocity: [f32; 2],
    pub score: f32,
    pub hits: u32,
    pub misses: u32,
    /// Frames since birth.
    pub age: u32,
    pub confirmed: bool,
}

impl Track {
    fn predicted(&self) -> [f32; 4] {
        let [vx, vy] = self.velocity;
        let b = self.bbox;
        [b[0] + vx, b[1] + vy, b[2] + vx, b[3] + vy]
    }
}

/// Pure state machine: feed it each frame's detections, read back tracks.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    next_id: u64,
}

impl Tracker {
    pub fn new(config: TrackerConfig) -> Self {
        Self {
            config,
            tracks: Vec::new(),
            next_id: 1,
        }
    }

    /// All live tracks, tentative ones included.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// Advances one frame and returns the confirmed tracks seen or coasting this frame.
    pub fn update(&mut self, detections: &[Detection]) -> Vec<Track> {
        let predicted: Vec<[f32; 4]> = self.tracks.iter().map(Track::predicted).collect();
        // Greedy association on IoU, best pair first: near-optimal for the sparse scenes of a
        // port at a fraction of Hungarian's code, and deterministic.
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for (ti, t) in self.tracks.iter().enumerate() {
            for (di, d) in detections.iter().enumerate() {
                if t.class_id != d.class_id {
                    continue;
                }
                let overlap = iou(&predicted[ti], &d.bbox);
                if overlap >= self.config.min_iou {
                    pairs.push((overlap, ti, di));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut track_used = vec![false; self.tracks.len()];
        let mut det_used = vec![false; detections.len()];
        for (_, ti, di) in pairs {
            if track_used[ti] || det_used[di] {
                continue;
            }
            track_used[ti] = true;
            det_used[di] = true;
            let gain = self.config.velocity_gain.clamp(0.0, 1.0);
            let t = &mut self.tracks[ti];
            let d = &detections[di];
            // Velocity from the last *measured* box, spread over the frames since it.
            let frames = (t.misses + 1) as f32;
            let (old, new) = (centre(&t.bbox), centre(&d.bbox));
            let measured = [(new[0] - old[0]) / frames, (new[1] - old[1]) / frames];
            t.velocity = if t.hits == 1 {
                measured
            } else {
                [
                    t.velocity[0] + gain * (measured[0] - t.velocity[0]),
                    t.velocity[1] + gain * (measured[1] - t.velocity[1]),
                ]
            };
            t.bbox = d.bbox;
            t.score = d.score;
            t.hits += 1;
            t.misses = 0;
        }
        for (ti, t) in self.tracks.iter_mut().enumerate() {
            t.age += 1;
            if !track_used[ti] {
                t.misses += 1;
                t.bbox = predicted[ti];
            }
            if t.hits >= self.config.confirm_hits {
                t.confirmed = true;
            }
        }
        let max_misses = self.config.max_misses;
        // A tentative track that misses is dropped at once: it was most likely noise.
        self.tracks
            .retain(|t| t.misses <= max_misses && (t.confirmed || t.misses == 0));
        for (di, d) in detections.iter().enumerate() {
            if det_used[di] {
                continue;
            }
            self.tracks.push(Track {
                id: self.next_id,
                class_id: d.class_id,
                class_name: d.class_name.clone(),
                bbox: d.bbox,
                velocity: [0.0, 0.0],
                score: d.score,
                hits: 1,
                misses: 0,
                age: 0,
                confirmed: self.config.confirm_hits <= 1,
            });
            self.next_id += 1;
        }
        self.tracks.iter().filter(|t| t.confirmed).cloned().collect()
    }
}

fn centre(b: &[f32; 4]) -> [f32; 2] {
    [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(cx: f32, cy: f32, class_id: usize) -> Detection {
        Detection {
            bbox: [cx - 10.0, cy - 10.0, cx + 10.0, cy + 10.0],
            class_id,
            class_name: crate::detect::COCO_CLASSES[class_id].into(),
            score: 0.9,
        }
    }

    fn id_near(tracks: &[Track], cx: f32, cy: f32) -> Option<u64> {
        tracks
            .iter()
            .find(|t| (centre(&t.bbox)[0] - cx).abs() < 6.0 && (centre(&t.bbox)[1] - cy).abs() < 6.0)
            .map(|t| t.id)
    }

    #[test]
    fn two_boats_crossing_keep_their_ids_through_a_missed_frame() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        // A moves right, B moves left on a slightly lower line; they cross near x = 100.
        let a = |f: f32| (20.0 + 8.0 * f, 100.0);
        let b = |f: f32| (180.0 - 8.0 * f, 108.0);
        let mut ids = None;
        for f in 0..20 {
            let ff = f as f32;
            let mut dets = vec![det(a(ff).0, a(ff).1, 8), det(b(ff).0, b(ff).1, 8)];
            if f == 12 {
                dets.clear(); // both missed just after the crossing
            }
            if f == 7 {
                dets.reverse(); // detection order carries no identity
            }
            let out = tracker.update(&dets);
            if f < 2 {
                assert!(out.is_empty(), "tracks are born after three hits");
                continue;
            }
            let now = (id_near(&out, a(ff).0, a(ff).1), id_near(&out, b(ff).0, b(ff).1));
            assert!(now.0.is_some() && now.1.is_some(), "frame {f}: {out:?}");
            assert_ne!(now.0, now.1);
            match ids {
                None => ids = Some(now),
                Some(first) => assert_eq!(first, now, "frame {f}"),
            }
        }
    }

    #[test]
    fn tracks_die_after_max_misses_and_ids_are_not_reused() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        for _ in 0..3 {
            tracker.update(&[det(50.0, 50.0, 0)]);
        }
        let first = tracker.tracks()[0].id;
        for i in 0..5 {
            assert_eq!(tracker.update(&[]).len(), 1, "coasting, miss {}", i + 1);
        }
        assert!(tracker.update(&[]).is_empty());
        assert!(tracker.tracks().is_empty());
        for _ in 0..3 {
            tracker.update(&[det(50.0, 50.0, 0)]);
        }
        assert!(tracker.tracks()[0].id > first);
    }

    #[test]
    fn a_one_frame_false_alarm_never_becomes_a_track_and_classes_do_not_mix() {
        let mut tracker = Tracker::new(TrackerConfig::default());
        tracker.update(&[det(50.0, 50.0, 0)]);
        for _ in 0..5 {
            assert!(tracker.update(&[det(300.0, 300.0, 2)]).len() <= 1);
        }
        let out = tracker.update(&[det(300.0, 300.0, 0)]);
        assert!(out.iter().all(|t| t.class_id == 2));
        assert!(tracker.tracks().iter().all(|t| t.bbox[0] > 200.0));
    }
}
