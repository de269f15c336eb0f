//! Detection quality on a COCO-format data set: the agent's own tiled pipeline, AP at IoU 0.5 per class and overall.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::detect::{DetectError, Detection, FrameDetector, ImageView, class_id, iou};

#[derive(Debug, Error)]
pub enum EvalError {
    #[error("annotations are not COCO JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot read image {path}: {reason}")]
    Image { path: PathBuf, reason: String },
    #[error("annotation {0} refers to an image id that is not listed")]
    UnknownImage(u64),
    #[error(transparent)]
    Detect(#[from] DetectError),
}

#[derive(Debug, Deserialize)]
struct CocoFile {
    images: Vec<CocoImage>,
    annotations: Vec<CocoAnnotation>,
    categories: Vec<CocoCategory>,
}

#[derive(Debug, Deserialize)]
struct CocoImage {
    id: u64,
    file_name: String,
}

#[derive(Debug, Deserialize)]
struct CocoAnnotation {
    image_id: u64,
    category_id: u64,
    /// `[x, y, width, height]` in pixels.
    bbox: [f32; 4],
    #[serde(default)]
    iscrowd: u8,
}

#[derive(Debug, Deserialize)]
struct CocoCategory {
    id: u64,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassAp {
    pub class_name: String,
    pub ground_truths: usize,
    pub detections: usize,
    pub ap50: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub images: usize,
    /// Categories of the data set that the model knows (by COCO name) and that have at least
    /// one annotation, in data-set order.
    pub per_class: Vec<ClassAp>,
    /// Mean of the per-class AP50.
    pub ap50: f64,
    /// Data-set category names the model cannot detect (not scored).
    pub unknown_categories: Vec<String>,
}

impl std::fmt::Display for EvalReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{:<16} {:>6} {:>6} {:>7}", "class", "gt", "dets", "AP50")?;
        for c in &self.per_class {
            writeln!(
                f,
                "{:<16} {:>6} {:>6} {:>7.3}",
                c.class_name, c.ground_truths, c.detections, c.ap50
            )?;
        }
        write!(
            f,
            "{:<16} {:>6} {:>6} {:>7.3}  ({} images)",
            "all", "", "", self.ap50, self.images
        )
    }
}

/// Runs `detector` over every image of a COCO annotation file and scores AP50.
///
/// Only the data set's categories are scored, matched to the model's classes by COCO name, so
/// detections of classes nobody annotated are not counted as false alarms; the detector's own
/// class filter still applies. `iscrowd` regions are not ignore-regions here: they are skipped.
/// `progress(done, total)` is called after each image.
pub fn evaluate(
    coco_json: &str,
    images_dir: &Path,
    detector: &mut FrameDetector,
    mut progress: impl FnMut(usize, usize),
) -> Result<EvalReport, EvalError> {
    let coco: CocoFile = serde_json::from_str(coco_json)?;
    // COCO category id → (model class id, name).
    let mut categories: Vec<(u64, usize, String)> = Vec::new();
    let mut unknown_categories = Vec::new();
    for c in &coco.categories {
        match class_id(&c.name) {
            Some(k) => categories.push((c.id, k, c.name.clone())),
            None => unknown_categories.push(c.name.clone()),
        }
    }
    let image_index: HashMap<u64, usize> = coco.images.iter().enumerate().map(|(i, im)| (im.id, i)).collect();
    // Ground truth per (image index, model class).
    let mut truth: HashMap<(usize, usize), Vec<[f32; 4]>> = HashMap::new();
    for a in &coco.annotations {
        let &img = image_index
            .get(&a.image_id)
            .ok_or(EvalError::UnknownImage(a.image_id))?;
        let Some(&(_, k, _)) = categories.iter().find(|c| c.0 == a.category_id) else {
            continue;
        };
        if a.iscrowd != 0 {
            continue;
        }
        let [x, y, w, h] = a.bbox;
        truth.entry((img, k)).or_default().push([x, y, x + w, y + h]);
    }

    let mut found: Vec<(usize, Detection)> = Vec::new();
    for (i, im) in coco.images.iter().enumerate() {
        let path = images_dir.join(&im.file_name);
        let (rgb, w, h) = load_rgb(&path)?;
        detector.reset();
        let view = ImageView::new(&rgb, w, h)?;
        let dets = detector.detect_frame(&view)?.detections;
        found.extend(dets.into_iter().map(|d| (i, d)));
        progress(i + 1, coco.images.len());
    }

    let mut per_class = Vec::new();
    for (_, k, name) in &categories {
        let gts: usize = truth.iter().filter(|((_, c), _)| c == k).map(|(_, v)| v.len()).sum();
        if gts == 0 || per_class.iter().any(|c: &ClassAp| &c.class_name == name) {
            continue;
        }
        let mut dets: Vec<&(usize, Detection)> = found.iter().filter(|(_, d)| d.class_id == *k).collect();
        dets.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
        let mut used: HashMap<usize, Vec<bool>> = HashMap::new();
        let hits: Vec<bool> = dets
            .iter()
            .map(|(img, d)| {
                let Some(boxes) = truth.get(&(*img, *k)) else {
                    return false;
                };
                let taken = used.entry(*img).or_insert_with(|| vec![false; boxes.len()]);
                // Best still-unmatched ground truth at IoU ≥ 0.5, as COCO does.
                let best = boxes
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| !taken[*j])
                    .map(|(j, b)| (j, iou(b, &d.bbox)))
                    .filter(|(_, o)| *o >= 0.5)
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                best.map(|(j, _)| taken[j] = true).is_some()
            })
            .collect();
        per_class.push(ClassAp {
            class_name: name.clone(),
            ground_truths: gts,
            detections: dets.len(),
            ap50: average_precision(&hits, gts),
        });
    }
    let ap50 = if per_class.is_empty() {
        0.0
    } else {
        per_class.iter().map(|c| c.ap50).sum::<f64>() / per_class.len() as f64
    };
    Ok(EvalReport {
        images: coco.images.len(),
        per_class,
        ap50,
        unknown_categories,
    })
}

/// COCO-style AP: precision made monotone from the right, sampled at recall 0, 0.01, …, 1.
/// `hits` are the detections in falling score order, true where they matched.
pub fn average_precision(hits: &[bool], ground_truths: usize) -> f64 {
    if ground_truths == 0 {
        return 0.0;
    }
    let mut tp = 0usize;
    let mut recall = Vec::with_capacity(hits.len());
    let mut precision = Vec::with_capacity(hits.len());
    for (i, &hit) in hits.iter().enumerate() {
        tp += usize::from(hit);
        recall.push(tp as f64 / ground_truths as f64);
        precision.push(tp as f64 / (i + 1) as f64);
    }
    for i in (0..precision.len().saturating_sub(1)).rev() {
        precision[i] = precision[i].max(precision[i + 1]);
    }
    (0..=100)
        .map(|r| {
            let r = r as f64 / 100.0;
            recall
                .iter()
                .position(|&x| x >= r - 1e-12)
                .map_or(0.0, |i| precision[i])
        })
        .sum::<f64>()
        / 101.0
}

/// Decodes a JPEG or PNG (any colour type) into packed RGB8.
pub fn load_rgb(path: &Path) -> Result<(Vec<u8>, usize, usize), EvalError> {
    let err = |reason: String| EvalError::Image {
        path: path.to_path_buf(),
        reason,
    };
    let img = image::ImageReader::open(path)
        .map_err(|e| err(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| err(e.to_string()))?
        .decode()
        .map_err(|e| err(e.to_string()))?
        .to_rgb8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    Ok((img.into_raw(), w, h))
}

/// A one-line progress bar on stderr, redrawn in place.
pub fn stderr_progress(done: usize, total: usize) {
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width);
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {done}/{total} images",
        "#".repeat(filled),
        "-".repeat(width - filled.min(width))
    );
    if done >= total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ap_of_perfect_and_of_mixed_rankings() {
        assert!((average_precision(&[true, true], 2) - 1.0).abs() < 1e-12);
        assert_eq!(average_precision(&[false, false], 2), 0.0);
        // One hit found, one never detected: recall stops at 0.5 → 51 of 101 points.
        assert!((average_precision(&[true], 2) - 51.0 / 101.0).abs() < 1e-12);
        // A false alarm ranked first: precision 0.5 up to full recall → interpolated envelope.
        let ap = average_precision(&[false, true], 1);
        assert!((ap - 0.5).abs() < 1e-12, "{ap}");
        let ap = average_precision(&[true, false, true], 2);
        // Recall 0..0.5 at precision 1, 0.51..1 at 2/3.
        assert!((ap - (51.0 + 50.0 * 2.0 / 3.0) / 101.0).abs() < 1e-12, "{ap}");
    }

    #[test]
    fn bad_json_is_an_error() {
        assert!(serde_json::from_str::<CocoFile>("{}").is_err());
    }
}
