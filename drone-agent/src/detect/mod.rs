//! Onboard object detection: YOLOX-nano (COCO-80) with tract-onnx, tiled over full frames at native resolution.

pub mod model;
pub mod tiling;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use self::model::Detector;
pub use self::tiling::{FrameDetector, TileRect, TilingConfig, tile_grid};

#[derive(Debug, Error)]
pub enum DetectError {
    #[error("cannot load detection model {path}: {reason}")]
    Model { path: String, reason: String },
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("image buffer of {len} bytes does not hold {width}×{height} RGB pixels (stride {stride})")]
    BadImage {
        len: usize,
        width: usize,
        height: usize,
        stride: usize,
    },
    #[error("a detection worker thread panicked")]
    Worker,
}

/// COCO-80 class names in the model's output order.
pub const COCO_CLASSES: [&str; 80] = [
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic light",
    "fire hydrant",
    "stop sign",
    "parking meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
    "umbrella",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports ball",
    "kite",
    "baseball bat",
    "baseball glove",
    "skateboard",
    "surfboard",
    "tennis racket",
    "bottle",
    "wine glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "couch",
    "potted plant",
    "bed",
    "dining table",
    "toilet",
    "tv",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy bear",
    "hair drier",
    "toothbrush",
];

/// The port-surveillance classes: person, bicycle, car, motorcycle, bus, truck, boat.
pub const DEFAULT_CLASSES: [usize; 7] = [0, 1, 2, 3, 5, 7, 8];

/// COCO class id of a name, if it is one.
pub fn class_id(name: &str) -> Option<usize> {
    COCO_CLASSES.iter().position(|c| *c == name)
}

/// One detected object. `bbox` is `[x0, y0, x1, y1]` in pixels of the image it was found in
/// (the full frame after tiling).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub bbox: [f32; 4],
    pub class_id: usize,
    pub class_name: String,
    pub score: f32,
}

/// Thresholds and the classes reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorConfig {
    /// Minimum objectness × class score.
    pub score_threshold: f32,
    /// Per-class NMS IoU.
    pub nms_iou: f32,
    /// COCO ids to report; `None` reports all 80.
    pub classes: Option<Vec<usize>>,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            score_threshold: 0.3,
            nms_iou: 0.45,
            classes: Some(DEFAULT_CLASSES.to_vec()),
        }
    }
}

impl DetectorConfig {
    pub fn wants(&self, class_id: usize) -> bool {
        self.classes.as_ref().is_none_or(|c| c.contains(&class_id))
    }
}

/// A borrowed RGB8 image or a window into one (`stride` bytes per row).
#[derive(Debug, Clone, Copy)]
pub struct ImageView<'a> {
    data: &'a [u8],
    pub width: usize,
    pub height: usize,
    stride: usize,
}

impl<'a> ImageView<'a> {
    /// A tightly packed RGB8 image.
    pub fn new(data: &'a [u8], width: usize, height: usize) -> Result<Self, DetectError> {
        Self::with_stride(data, width, height, width * 3)
    }

    pub fn with_stride(data: &'a [u8], width: usize, height: usize, stride: usize) -> Result<Self, DetectError> {
        let needed = if height == 0 {
            0
        } else {
            (height - 1) * stride + width * 3
        };
        if width == 0 || height == 0 || stride < width * 3 || data.len() < needed {
            return Err(DetectError::BadImage {
                len: data.len(),
                width,
                height,
                stride,
            });
        }
        Ok(Self {
            data,
            width,
            height,
            stride,
        })
    }

    /// A window of this image, clipped to it; `None` if it would be empty.
    pub fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> Option<ImageView<'a>> {
        let width = width.min(self.width.checked_sub(x)?);
        let height = height.min(self.height.checked_sub(y)?);
        if width == 0 || height == 0 {
            return None;
        }
        Some(ImageView {
            data: &self.data[y * self.stride + x * 3..],
            width,
            height,
            stride: self.stride,
        })
    }

    /// The RGB bytes of row `y`.
    pub fn row(&self, y: usize) -> &'a [u8] {
        &self.data[y * self.stride..y * self.stride + self.width * 3]
    }

    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = y * self.stride + x * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }
}

/// Intersection over union of two `[x0, y0, x1, y1]` boxes.
pub fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let inter = intersection(a, b);
    let union = area(a) + area(b) - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

pub fn area(a: &[f32; 4]) -> f32 {
    (a[2] - a[0]).max(0.0) * (a[3] - a[1]).max(0.0)
}

fn intersection(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    w * h
}

/// Greedy per-class NMS, best score first. With `containment`, a box also goes when that
/// fraction of its own area lies inside a better box of its class: across tile seams an object
/// cut by one tile's edge gives a partial box whose IoU with the whole one can be small.
pub fn nms(mut dets: Vec<Detection>, iou_threshold: f32, containment: Option<f32>) -> Vec<Detection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::with_capacity(dets.len());
    for d in dets {
        let suppressed = kept.iter().any(|k| {
            k.class_id == d.class_id
                && (iou(&k.bbox, &d.bbox) > iou_threshold
                    || containment.is_some_and(|c| {
                        let a = area(&d.bbox);
                        a > 0.0 && intersection(&k.bbox, &d.bbox) / a > c
                    }))
        });
        if !suppressed {
            kept.push(d);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(bbox: [f32; 4], class_id: usize, score: f32) -> Detection {
        Detection {
            bbox,
            class_id,
            class_name: COCO_CLASSES[class_id].into(),
            score,
        }
    }

    #[test]
    fn iou_of_known_boxes() {
        assert_eq!(iou(&[0.0, 0.0, 10.0, 10.0], &[0.0, 0.0, 10.0, 10.0]), 1.0);
        assert_eq!(iou(&[0.0, 0.0, 10.0, 10.0], &[10.0, 0.0, 20.0, 10.0]), 0.0);
        assert!((iou(&[0.0, 0.0, 10.0, 10.0], &[5.0, 0.0, 15.0, 10.0]) - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn nms_is_per_class_and_keeps_the_best() {
        let dets = vec![
            det([0.0, 0.0, 10.0, 10.0], 0, 0.5),
            det([1.0, 0.0, 11.0, 10.0], 0, 0.9),
            det([1.0, 0.0, 11.0, 10.0], 2, 0.4),
            det([50.0, 50.0, 60.0, 60.0], 0, 0.3),
        ];
        let kept = nms(dets, 0.45, None);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[0].score, 0.9);
        assert!(kept.iter().any(|d| d.class_id == 2));
        // A box cut by a tile edge lies inside the whole one: containment removes it.
        let dets = vec![
            det([0.0, 0.0, 100.0, 40.0], 8, 0.8),
            det([60.0, 0.0, 100.0, 40.0], 8, 0.5),
        ];
        assert_eq!(nms(dets.clone(), 0.45, None).len(), 2);
        assert_eq!(nms(dets, 0.45, Some(0.8)).len(), 1);
    }

    #[test]
    fn image_views_check_their_buffer_and_crop() {
        assert!(ImageView::new(&[0; 11], 2, 2).is_err());
        let data: Vec<u8> = (0..4 * 3 * 3).map(|i| i as u8).collect();
        let v = ImageView::new(&data, 4, 3).unwrap();
        let c = v.crop(1, 1, 10, 10).unwrap();
        assert_eq!((c.width, c.height), (3, 2));
        assert_eq!(c.pixel(0, 0), v.pixel(1, 1));
        assert_eq!(c.row(1), &data[2 * 12 + 3..3 * 12]);
        assert!(v.crop(4, 0, 1, 1).is_none());
        assert_eq!(class_id("boat"), Some(8));
    }
}
