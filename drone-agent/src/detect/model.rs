//! YOLOX-nano on one image tile: letterbox pre-processing, tract inference, grid decoding and per-class NMS.

use std::path::Path;
use std::sync::Arc;

use tract_onnx::prelude::*;

use super::{COCO_CLASSES, DetectError, Detection, DetectorConfig, ImageView, nms};

/// The network's square input side in pixels.
pub const INPUT_SIZE: usize = 416;
/// Rows of the output: 52² + 26² + 13² anchors for strides 8, 16, 32.
pub const ANCHORS: usize = 3549;
const STRIDES: [usize; 3] = [8, 16, 32];
const ROW: usize = 85;
/// YOLOX was trained with grey (114) letterbox padding; other values shift scores.
const PAD: f32 = 114.0;

type Plan = Arc<TypedRunnableModel>;

/// A loaded, optimised YOLOX-nano network plus the thresholds applied to its output.
///
/// The plan is immutable and `Send + Sync`: each call builds its own run state, so several
/// threads may call [`Detector::detect_tile`] on one `Detector` at once.
#[derive(Clone)]
pub struct Detector {
    plan: Plan,
    config: DetectorConfig,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Where a tile went inside the letterboxed input: `input = tile * scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Letterbox {
    pub scale: f32,
    /// Size of the resized tile inside the 416×416 input.
    pub width: usize,
    pub height: usize,
}

impl Letterbox {
    pub fn for_size(width: usize, height: usize) -> Self {
        let s = INPUT_SIZE as f32;
        let scale = (s / width.max(1) as f32).min(s / height.max(1) as f32);
        Self {
            scale,
            width: ((width as f32 * scale).round() as usize).clamp(1, INPUT_SIZE),
            height: ((height as f32 * scale).round() as usize).clamp(1, INPUT_SIZE),
        }
    }
}

impl Detector {
    /// Loads and optimises the ONNX model once; the input is fixed to [1, 3, 416, 416].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, DetectError> {
        Self::load_with(path, DetectorConfig::default())
    }

    pub fn load_with(path: impl AsRef<Path>, config: DetectorConfig) -> Result<Self, DetectError> {
        let path = path.as_ref();
        let model_err = |e: TractError| DetectError::Model {
            path: path.display().to_string(),
            reason: format!("{e:#}"),
        };
        let plan = tract_onnx::onnx()
            .model_for_path(path)
            .and_then(|m| m.with_input_fact(0, f32::fact([1, 3, INPUT_SIZE, INPUT_SIZE]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(model_err)?;
        Ok(Self { plan, config })
    }

    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    pub fn set_config(&mut self, config: DetectorConfig) {
        self.config = config;
    }

    /// Detections in one RGB tile, in the tile's own pixel coordinates.
    pub fn detect_tile(&self, tile: &ImageView<'_>) -> Result<Vec<Detection>, DetectError> {
        let lb = Letterbox::for_size(tile.width, tile.height);
        let input = preprocess(tile, &lb);
        let out = self.infer(input)?;
        Ok(self.postprocess(&out, &lb))
    }

    /// Raw network output for a prepared NCHW input of 3·416·416 floats.
    pub fn infer(&self, input: Vec<f32>) -> Result<Vec<f32>, DetectError> {
        let tensor = Tensor::from_shape(&[1, 3, INPUT_SIZE, INPUT_SIZE], &input).map_err(run_err)?;
        let outputs = self.plan.run(tvec!(tensor.into())).map_err(run_err)?;
        let first = outputs
            .first()
            .ok_or_else(|| DetectError::Inference("no output".into()))?;
        let view = first.to_plain_array_view::<f32>().map_err(run_err)?;
        if view.len() != ANCHORS * ROW {
            return Err(DetectError::Inference(format!(
                "output has {} values, want {}",
                view.len(),
                ANCHORS * ROW
            )));
        }
        Ok(view.iter().copied().collect())
    }

    /// Decodes raw output rows into tile-pixel detections (threshold, class filter, NMS).
    pub fn postprocess(&self, out: &[f32], lb: &Letterbox) -> Vec<Detection> {
        let mut found = decode(out, &self.config);
        for d in &mut found {
            for (i, v) in d.bbox.iter_mut().enumerate() {
                // Undo the letterbox, then clip to the tile (the pad region holds nothing).
                let limit = if i % 2 == 0 { lb.width } else { lb.height } as f32;
                *v = v.clamp(0.0, limit) / lb.scale;
            }
        }
        found.retain(|d| d.bbox[2] > d.bbox[0] && d.bbox[3] > d.bbox[1]);
        nms(found, self.config.nms_iou, None)
    }
}

fn run_err(e: impl std::fmt::Display) -> DetectError {
    DetectError::Inference(e.to_string())
}

/// Letterboxes an RGB tile into the network's BGR, 0..255, NCHW input.
pub fn preprocess(tile: &ImageView<'_>, lb: &Letterbox) -> Vec<f32> {
    let plane = INPUT_SIZE * INPUT_SIZE;
    let mut input = vec![PAD; 3 * plane];
    let identity = lb.width == tile.width && lb.height == tile.height;
    for y in 0..lb.height {
        for x in 0..lb.width {
            let rgb = if identity {
                tile.pixel(x, y).map(f32::from)
            } else {
                bilinear(
                    tile,
                    (x as f32 + 0.5) / lb.scale - 0.5,
                    (y as f32 + 0.5) / lb.scale - 0.5,
                )
            };
            let at = y * INPUT_SIZE + x;
            input[at] = rgb[2];
            input[plane + at] = rgb[1];
            input[2 * plane + at] = rgb[0];
        }
    }
    input
}

fn bilinear(img: &ImageView<'_>, fx: f32, fy: f32) -> [f32; 3] {
    let max_x = img.width.saturating_sub(1) as f32;
    let max_y = img.height.saturating_sub(1) as f32;
    let (fx, fy) = (fx.clamp(0.0, max_x), fy.clamp(0.0, max_y));
    let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(img.width - 1), (y0 + 1).min(img.height - 1));
    let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
    let (p00, p10, p01, p11) = (
        img.pixel(x0, y0),
        img.pixel(x1, y0),
        img.pixel(x0, y1),
        img.pixel(x1, y1),
    );
    std::array::from_fn(|c| {
        let top = f32::from(p00[c]) * (1.0 - ax) + f32::from(p10[c]) * ax;
        let bottom = f32::from(p01[c]) * (1.0 - ax) + f32::from(p11[c]) * ax;
        top * (1.0 - ay) + bottom * ay
    })
}

/// Output rows → boxes in letterboxed input pixels. Each anchor votes for its best class only,
/// so a dog is never also reported as a low-score person.
pub fn decode(out: &[f32], config: &DetectorConfig) -> Vec<Detection> {
    let mut found = Vec::new();
    let mut row_index = 0;
    for stride in STRIDES {
        let grid = INPUT_SIZE / stride;
        for gy in 0..grid {
            for gx in 0..grid {
                let Some(row) = out.get(row_index * ROW..(row_index + 1) * ROW) else {
                    return found;
                };
                row_index += 1;
                let obj = row[4];
                if obj < config.score_threshold {
                    continue;
                }
                let (class_id, best) = row[5..]
                    .iter()
                    .enumerate()
                    .fold((0, f32::MIN), |acc, (i, &s)| if s > acc.1 { (i, s) } else { acc });
                let score = obj * best;
                if score < config.score_threshold || !config.wants(class_id) {
                    continue;
                }
                let s = stride as f32;
                let cx = (row[0] + gx as f32) * s;
                let cy = (row[1] + gy as f32) * s;
                let w = row[2].exp() * s;
                let h = row[3].exp() * s;
                found.push(Detection {
                    bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
                    class_id,
                    class_name: COCO_CLASSES[class_id].to_string(),
                    score,
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letterbox_scales_the_long_side_to_416() {
        let lb = Letterbox::for_size(832, 416);
        assert_eq!((lb.scale, lb.width, lb.height), (0.5, 416, 208));
        let lb = Letterbox::for_size(416, 416);
        assert_eq!((lb.scale, lb.width, lb.height), (1.0, 416, 416));
        let lb = Letterbox::for_size(200, 100);
        assert_eq!((lb.width, lb.height), (416, 208));
    }

    #[test]
    fn preprocess_is_bgr_raw_nchw_with_grey_padding() {
        let data: Vec<u8> = [10u8, 20, 30].repeat(416 * 208);
        let view = ImageView::new(&data, 416, 208).unwrap();
        let input = preprocess(&view, &Letterbox::for_size(416, 208));
        let plane = 416 * 416;
        assert_eq!((input[0], input[plane], input[2 * plane]), (30.0, 20.0, 10.0));
        // Row 208 onwards is padding.
        assert_eq!(input[208 * 416], 114.0);
        assert_eq!(input[2 * plane + 415 * 416 + 415], 114.0);
    }

    #[test]
    fn decode_places_a_box_on_its_grid_cell() {
        let mut out = vec![0.0f32; ANCHORS * ROW];
        // Stride-16 level, cell (gx=3, gy=2): index 52² + 2·26 + 3.
        let i = 52 * 52 + 2 * 26 + 3;
        let row = &mut out[i * ROW..(i + 1) * ROW];
        row[..5].copy_from_slice(&[0.5, 0.5, 0.0, 1.0f32.ln(), 0.9]);
        row[5] = 0.8; // person
        let found = decode(&out, &DetectorConfig::default());
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!((d.class_id, d.class_name.as_str()), (0, "person"));
        assert!((d.score - 0.72).abs() < 1e-6);
        assert_eq!(d.bbox, [48.0, 32.0, 64.0, 48.0]);
        // A class outside the classes of interest is dropped.
        let row = &mut out[i * ROW..(i + 1) * ROW];
        row[5] = 0.0;
        row[5 + 16] = 0.9; // dog
        assert!(decode(&out, &DetectorConfig::default()).is_empty());
    }
}
