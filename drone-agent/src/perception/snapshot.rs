//! JPEG snapshots of new tracks: the box with some context around it, cropped from the full-resolution frame.

use contracts::mqtt::{DroneId, SCHEMA, SnapshotMeta};
use image::ImageEncoder;
use image::codecs::jpeg::JpegEncoder;
use mission::geodesy::LatLon;

use super::{PerceptionConfig, Snapshot};
use crate::detect::ImageView;
use crate::track::Track;

/// The smallest crop side, pixels: a 12-pixel person is unreadable at its own size.
const MIN_SIDE: f32 = 96.0;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("the box {0:?} lies outside the frame")]
    OutsideFrame([f32; 4]),
    #[error("JPEG encoding failed: {0}")]
    Encode(#[from] image::ImageError),
}

/// Encodes a window of an RGB view as JPEG.
pub fn encode_snapshot(view: &ImageView<'_>, quality: u8) -> Result<Vec<u8>, SnapshotError> {
    let mut packed = Vec::with_capacity(view.width * view.height * 3);
    for y in 0..view.height {
        packed.extend_from_slice(&view.row(y)[..view.width * 3]);
    }
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, quality.clamp(1, 100)).write_image(
        &packed,
        view.width as u32,
        view.height as u32,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(jpeg)
}

/// The crop around `bbox` (x0, y0, x1, y1), grown by `margin` of its size on each side, at
/// least [`MIN_SIDE`], and clamped to the frame.
pub(super) fn crop_rect(bbox: &[f32; 4], margin: f32, width: usize, height: usize) -> Option<[usize; 4]> {
    let (w, h) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
    if !(w.is_finite() && h.is_finite()) || w < 0.0 || h < 0.0 {
        return None;
    }
    let (cx, cy) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
    let half_w = (w * (1.0 + 2.0 * margin)).max(MIN_SIDE) / 2.0;
    let half_h = (h * (1.0 + 2.0 * margin)).max(MIN_SIDE) / 2.0;
    let x0 = (cx - half_w).floor().clamp(0.0, width as f32) as usize;
    let y0 = (cy - half_h).floor().clamp(0.0, height as f32) as usize;
    let x1 = (cx + half_w).ceil().clamp(0.0, width as f32) as usize;
    let y1 = (cy + half_h).ceil().clamp(0.0, height as f32) as usize;
    (x1 > x0 && y1 > y0).then_some([x0, y0, x1 - x0, y1 - y0])
}

pub(super) fn snapshot(
    frame: &ImageView<'_>,
    track: &Track,
    drone_id: &DroneId,
    time_ms: u64,
    fix: Option<(LatLon, f64, u64)>,
    config: &PerceptionConfig,
) -> Result<Snapshot, SnapshotError> {
    let [x, y, w, h] = crop_rect(&track.bbox, config.snapshot_margin, frame.width, frame.height)
        .ok_or(SnapshotError::OutsideFrame(track.bbox))?;
    let view = frame.crop(x, y, w, h).ok_or(SnapshotError::OutsideFrame(track.bbox))?;
    let jpeg = encode_snapshot(&view, config.snapshot_quality)?;
    let (lat, lon) = fix.map_or((None, None), |(p, _, _)| (Some(p.lat), Some(p.lon)));
    Ok(Snapshot {
        meta: SnapshotMeta {
            schema: SCHEMA,
            msg_id: 0,
            drone_id: drone_id.clone(),
            track_id: track.id,
            time: time_ms,
            content_type: "image/jpeg".into(),
            jpeg_bytes: jpeg.len() as u64,
            width: w as u32,
            height: h as u32,
            class: track.class_name.clone(),
            lat,
            lon,
        },
        jpeg,
    })
}
