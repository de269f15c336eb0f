//! Camera model: ground footprint, ground sample distance, lane spacing and trigger distance.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A pinhole camera pointing straight down, as QGroundControl's camera calculator models it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    pub name: String,
    pub sensor_width_mm: f64,
    pub sensor_height_mm: f64,
    pub image_width_px: u32,
    pub image_height_px: u32,
    pub focal_length_mm: f64,
    /// Image width across the flight direction (true) or along it (false).
    pub landscape: bool,
}

#[derive(Debug, Error, PartialEq)]
pub enum CameraError {
    #[error("unknown camera preset '{0}' (known: {known})", known = PRESET_NAMES.join(", "))]
    UnknownPreset(String),
    #[error("camera parameter {name} must be a positive number, got {value}")]
    NotPositive { name: &'static str, value: f64 },
    #[error(
        "camera parameters must be 5 comma-separated numbers 'sensor_w_mm,sensor_h_mm,image_w_px,image_h_px,focal_mm', got '{0}'"
    )]
    BadSpec(String),
    #[error("overlap {name} must be in [0, 95] %, got {value}")]
    BadOverlap { name: &'static str, value: f64 },
}

const PRESET_NAMES: [&str; 4] = ["sony-rx100", "dji-m3e", "sony-a6000-16mm", "gopro-hero"];

/// Ground footprint of one image, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// Across the flight direction.
    pub side_m: f64,
    /// Along the flight direction.
    pub front_m: f64,
}

impl Camera {
    /// Named cameras with the figures their makers publish.
    pub fn preset(name: &str) -> Result<Camera, CameraError> {
        let (sw, sh, iw, ih, f) = match name {
            // Sony RX100 (1" sensor), a common survey payload.
            "sony-rx100" => (13.2, 8.8, 5472, 3648, 10.4),
            // DJI Mavic 3 Enterprise wide camera (4/3").
            "dji-m3e" => (17.3, 13.0, 5280, 3956, 12.29),
            "sony-a6000-16mm" => (23.5, 15.6, 6000, 4000, 16.0),
            "gopro-hero" => (6.17, 4.55, 4000, 3000, 2.92),
            other => return Err(CameraError::UnknownPreset(other.to_string())),
        };
        Ok(Camera {
            name: name.to_string(),
            sensor_width_mm: sw,
            sensor_height_mm: sh,
            image_width_px: iw,
            image_height_px: ih,
            focal_length_mm: f,
            landscape: true,
        })
    }

    /// A preset name, or "sensor_w_mm,sensor_h_mm,image_w_px,image_h_px,focal_mm".
    pub fn parse(spec: &str) -> Result<Camera, CameraError> {
        if !spec.contains(',') {
            return Camera::preset(spec);
        }
        let parts: Vec<f64> = spec
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| CameraError::BadSpec(spec.to_string()))?;
        let [sw, sh, iw, ih, f] = parts[..] else {
            return Err(CameraError::BadSpec(spec.to_string()));
        };
        let camera = Camera {
            name: "custom".into(),
            sensor_width_mm: sw,
            sensor_height_mm: sh,
            image_width_px: iw as u32,
            image_height_px: ih as u32,
            focal_length_mm: f,
            landscape: true,
        };
        camera.check()?;
        Ok(camera)
    }

    pub fn check(&self) -> Result<(), CameraError> {
        for (name, value) in [
            ("sensor_width_mm", self.sensor_width_mm),
            ("sensor_height_mm", self.sensor_height_mm),
            ("image_width_px", f64::from(self.image_width_px)),
            ("image_height_px", f64::from(self.image_height_px)),
            ("focal_length_mm", self.focal_length_mm),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(CameraError::NotPositive { name, value });
            }
        }
        Ok(())
    }

    /// Ground footprint of one image at `alt_m` above flat ground.
    pub fn footprint(&self, alt_m: f64) -> Footprint {
        let w = alt_m * self.sensor_width_mm / self.focal_length_mm;
        let h = alt_m * self.sensor_height_mm / self.focal_length_mm;
        if self.landscape {
            Footprint { side_m: w, front_m: h }
        } else {
            Footprint { side_m: h, front_m: w }
        }
    }

    /// Ground sample distance at `alt_m`, centimetres per pixel (the coarser axis).
    pub fn gsd_cm(&self, alt_m: f64) -> f64 {
        let gx = alt_m * self.sensor_width_mm / (self.focal_length_mm * f64::from(self.image_width_px));
        let gy = alt_m * self.sensor_height_mm / (self.focal_length_mm * f64::from(self.image_height_px));
        gx.max(gy) * 100.0
    }

    /// Altitude that gives `gsd_cm` centimetres per pixel.
    pub fn alt_for_gsd(&self, gsd_cm: f64) -> f64 {
        alt_m_per_unit_gsd(self) * gsd_cm
    }
}

fn alt_m_per_unit_gsd(c: &Camera) -> f64 {
    1.0 / c.gsd_cm(1.0)
}

/// Lane spacing and trigger distance from a footprint and front/side overlap percentages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spacing {
    pub footprint: Footprint,
    /// Distance between adjacent lanes (the footprint's side less the side overlap).
    pub lane_m: f64,
    /// Distance between camera triggers along a lane.
    pub trigger_m: f64,
}

pub fn spacing(
    camera: &Camera,
    alt_m: f64,
    front_overlap_pct: f64,
    side_overlap_pct: f64,
) -> Result<Spacing, CameraError> {
    for (name, value) in [("front", front_overlap_pct), ("side", side_overlap_pct)] {
        if !(0.0..=95.0).contains(&value) {
            return Err(CameraError::BadOverlap { name, value });
        }
    }
    camera.check()?;
    let footprint = camera.footprint(alt_m);
    Ok(Spacing {
        footprint,
        lane_m: footprint.side_m * (1.0 - side_overlap_pct / 100.0),
        trigger_m: footprint.front_m * (1.0 - front_overlap_pct / 100.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprint_and_gsd_follow_similar_triangles() {
        let c = Camera::preset("sony-rx100").unwrap();
        let fp = c.footprint(60.0);
        assert!((fp.side_m - 60.0 * 13.2 / 10.4).abs() < 1e-9);
        let alt = c.alt_for_gsd(c.gsd_cm(60.0));
        assert!((alt - 60.0).abs() < 1e-9);
        let s = spacing(&c, 60.0, 75.0, 65.0).unwrap();
        assert!((s.lane_m - fp.side_m * 0.35).abs() < 1e-9);
        assert!((s.trigger_m - fp.front_m * 0.25).abs() < 1e-9);
    }

    #[test]
    fn bad_camera_specs_are_explained() {
        assert!(matches!(Camera::parse("nope"), Err(CameraError::UnknownPreset(_))));
        assert!(matches!(Camera::parse("1,2,3"), Err(CameraError::BadSpec(_))));
        assert!(matches!(
            Camera::parse("13.2,8.8,5472,3648,0"),
            Err(CameraError::NotPositive {
                name: "focal_length_mm",
                ..
            })
        ));
        let c = Camera::parse("13.2,8.8,5472,3648,10.4").unwrap();
        assert!(spacing(&c, 50.0, 99.0, 60.0).is_err());
    }
}
