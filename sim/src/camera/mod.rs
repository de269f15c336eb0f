//! A pinhole camera on a gimbal over the port world: geometry, rendered frames with ground-truth boxes, PNG and JSON output.
//!
//! Frames and conventions:
//! - The world is the flat local plane of [`crate::world::World::frame`]: East/North from the
//!   scenario reference, Up = altitude above mean sea level. Sea, quays and yards all lie on
//!   the plane Up = 0 (quays are drawn flat at sea level).
//! - [`CameraPose::position`]`.alt` is metres **above mean sea level**, i.e. above that plane;
//!   a vehicle flying `h` metres above a home at `a` m AMSL has `alt = a + h`.
//! - The vehicle attitude rotates body (forward-right-down) vectors into North-East-Down.
//! - Image pixels: x right, y down, pixel (i, j) covers [i, i+1) × [j, j+1); the camera
//!   looks along +z of the optical frame (x right, y down).

mod ground;
mod raster;
pub mod render;
mod shapes;
pub mod stream;

use std::io::Write;

use mission::geodesy::{Geodetic, LatLon, LocalFrame};
use nalgebra::{Matrix3, Rotation3, UnitQuaternion, Vector2, Vector3};
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use self::render::Renderer;
pub use self::stream::FrameServer;
use crate::world::ObjectClass;

/// ENU metres in the world's local frame.
pub type V3 = Vector3<f64>;

#[derive(Debug, Error)]
pub enum CameraError {
    #[error("camera model is not usable: {0}")]
    BadModel(String),
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
}

/// Pinhole intrinsics in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Intrinsics {
    pub fx: f64,
    pub fy: f64,
    pub cx: f64,
    pub cy: f64,
}

/// Image size and lens. `intrinsics` overrides what `hfov_deg` implies (fx = fy =
/// width / 2 / tan(hfov / 2), principal point at the image centre).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CameraModel {
    pub width: u32,
    pub height: u32,
    pub hfov_deg: f64,
    pub intrinsics: Option<Intrinsics>,
}

impl Default for CameraModel {
    fn default() -> Self {
        Self::new(1280, 720, 80.0)
    }
}

impl CameraModel {
    pub fn new(width: u32, height: u32, hfov_deg: f64) -> Self {
        Self {
            width,
            height,
            hfov_deg,
            intrinsics: None,
        }
    }

    /// A camera calibrated elsewhere: explicit fx, fy, cx, cy (hfov is derived from fx).
    pub fn with_intrinsics(width: u32, height: u32, intrinsics: Intrinsics) -> Self {
        let hfov_deg = 2.0 * (f64::from(width) / 2.0 / intrinsics.fx).atan().to_degrees();
        Self {
            width,
            height,
            hfov_deg,
            intrinsics: Some(intrinsics),
        }
    }

    pub fn intrinsics(&self) -> Intrinsics {
        self.intrinsics.unwrap_or_else(|| {
            let f = f64::from(self.width) / 2.0 / (self.hfov_deg.to_radians() / 2.0).tan();
            Intrinsics {
                fx: f,
                fy: f,
                cx: f64::from(self.width) / 2.0,
                cy: f64::from(self.height) / 2.0,
            }
        })
    }

    pub fn validate(&self) -> Result<(), CameraError> {
        if self.width == 0 || self.height == 0 || self.width > 16384 || self.height > 16384 {
            return Err(CameraError::BadModel(format!(
                "image size {}×{} must be 1..=16384 each way",
                self.width, self.height
            )));
        }
        let k = self.intrinsics();
        if !(self.hfov_deg > 0.0 && self.hfov_deg < 179.0 && k.fx > 0.0 && k.fy > 0.0) {
            return Err(CameraError::BadModel(format!(
                "field of view {}° must be in (0, 179), focal lengths positive",
                self.hfov_deg
            )));
        }
        if !(k.cx.is_finite() && k.cy.is_finite()) {
            return Err(CameraError::BadModel("principal point must be finite".into()));
        }
        Ok(())
    }
}

/// Where the camera points relative to the vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gimbal {
    /// 0 = level, −90 = straight down.
    pub pitch_deg: f64,
    /// Relative to the vehicle's heading, positive to the right.
    pub yaw_deg: f64,
    /// A stabilised gimbal (the usual kind) holds pitch against the horizon and ignores the
    /// vehicle's roll and pitch; otherwise the camera is fixed to the body.
    pub stabilised: bool,
}

impl Default for Gimbal {
    fn default() -> Self {
        Self {
            pitch_deg: -90.0,
            yaw_deg: 0.0,
            stabilised: true,
        }
    }
}

/// Where the camera is and how it is turned; see the module documentation for datums.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraPose {
    /// Latitude, longitude and altitude above mean sea level (the world's plane).
    pub position: Geodetic,
    /// Vehicle attitude, body (FRD) → NED.
    pub attitude: UnitQuaternion<f64>,
    pub gimbal: Gimbal,
}

impl CameraPose {
    /// A level vehicle heading `heading_deg` with the gimbal at `pitch_deg`.
    pub fn level(position: Geodetic, heading_deg: f64, pitch_deg: f64) -> Self {
        Self {
            position,
            attitude: UnitQuaternion::from_euler_angles(0.0, 0.0, heading_deg.to_radians()),
            gimbal: Gimbal {
                pitch_deg,
                ..Gimbal::default()
            },
        }
    }
}

/// A camera placed in the world: projects world points to pixels and casts pixels back.
#[derive(Debug, Clone, Copy)]
pub struct CameraView {
    /// Eye in local ENU metres (Up = metres above the sea plane).
    pub eye: V3,
    /// Columns: the optical x, y, z axes in ENU.
    pub rotation: Matrix3<f64>,
    pub k: Intrinsics,
    pub width: u32,
    pub height: u32,
    frame: LocalFrame,
}

impl CameraView {
    pub fn new(model: &CameraModel, frame: &LocalFrame, pose: &CameraPose) -> Self {
        let en = frame.to_local(pose.position.horizontal());
        let eye = V3::new(en.x, en.y, pose.position.alt);
        let g = &pose.gimbal;
        let z_axis = V3::z_axis();
        let mount = Rotation3::from_axis_angle(&V3::y_axis(), g.pitch_deg.to_radians()).into_inner();
        let ned_from_gimbal = if g.stabilised {
            let yaw = pose.attitude.euler_angles().2 + g.yaw_deg.to_radians();
            Rotation3::from_axis_angle(&z_axis, yaw).into_inner() * mount
        } else {
            pose.attitude.to_rotation_matrix().into_inner()
                * Rotation3::from_axis_angle(&z_axis, g.yaw_deg.to_radians()).into_inner()
                * mount
        };
        // Optical x, y, z are the gimbal's right, down and forward.
        #[rustfmt::skip]
        let gimbal_from_optical = Matrix3::new(
            0.0, 0.0, 1.0,
            1.0, 0.0, 0.0,
            0.0, 1.0, 0.0,
        );
        #[rustfmt::skip]
        let enu_from_ned = Matrix3::new(
            0.0, 1.0, 0.0,
            1.0, 0.0, 0.0,
            0.0, 0.0, -1.0,
        );
        Self {
            eye,
            rotation: enu_from_ned * ned_from_gimbal * gimbal_from_optical,
            k: model.intrinsics(),
            width: model.width,
            height: model.height,
            frame: *frame,
        }
    }

    /// A local ENU point in optical coordinates (z = depth along the axis).
    pub fn to_camera(&self, p: &V3) -> V3 {
        self.rotation.tr_mul(&(p - self.eye))
    }

    /// Pixel of an optical-frame point in front of the camera.
    pub fn project_camera(&self, c: &V3) -> Option<Vector2<f64>> {
        (c.z > 1e-6).then(|| Vector2::new(self.k.fx * c.x / c.z + self.k.cx, self.k.fy * c.y / c.z + self.k.cy))
    }

    /// Pixel of a local ENU point, None behind the camera (it may lie outside the image).
    pub fn project(&self, p: &V3) -> Option<Vector2<f64>> {
        self.project_camera(&self.to_camera(p))
    }

    /// Pixel of a geographic point (altitude above mean sea level).
    pub fn project_geodetic(&self, p: Geodetic) -> Option<Vector2<f64>> {
        let en = self.frame.to_local(p.horizontal());
        self.project(&V3::new(en.x, en.y, p.alt))
    }

    /// ENU direction of the ray through a pixel position (not normalised).
    pub fn ray(&self, u: f64, v: f64) -> V3 {
        self.rotation * V3::new((u - self.k.cx) / self.k.fx, (v - self.k.cy) / self.k.fy, 1.0)
    }

    /// Where the ray through a pixel meets the horizontal plane at `up` metres, if it does
    /// in front of the camera.
    pub fn pixel_to_plane(&self, u: f64, v: f64, up: f64) -> Option<V3> {
        let d = self.ray(u, v);
        let t = (up - self.eye.z) / d.z;
        (d.z.abs() > 1e-12 && t > 0.0).then(|| self.eye + d * t)
    }

    /// The ground (sea-level) point a pixel sees, if it sees the ground.
    pub fn pixel_to_ground(&self, u: f64, v: f64) -> Option<LatLon> {
        self.pixel_to_plane(u, v, 0.0)
            .map(|p| self.frame.from_local(Vector2::new(p.x, p.y)))
    }

    pub fn in_image(&self, px: &Vector2<f64>) -> bool {
        (0.0..f64::from(self.width)).contains(&px.x) && (0.0..f64::from(self.height)).contains(&px.y)
    }
}

/// The ground truth of one object seen in a frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruthBox {
    pub id: u32,
    pub class: ObjectClass,
    pub name: String,
    /// [x_min, y_min, x_max, y_max] pixels: the projected object clipped to the image.
    pub bbox: [f64; 4],
    /// The object's footprint centre.
    pub center: LatLon,
    /// From the camera to the object's centre (half its height up), metres.
    pub distance_m: f64,
    /// Share of the object's projected pixels hidden by nearer objects, 0..=1.
    pub occluded_fraction: f64,
}

/// One rendered image with its ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// World time, seconds.
    pub time: f64,
    pub width: u32,
    pub height: u32,
    /// Row-major RGB, 3 bytes a pixel, top row first.
    pub rgb: Vec<u8>,
    pub boxes: Vec<GroundTruthBox>,
}

impl Frame {
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    pub fn write_png(&self, out: impl Write) -> Result<(), CameraError> {
        let mut encoder = png::Encoder::new(out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Fast compression: frames are written often, disk is cheaper than render time.
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.rgb)?;
        writer.finish()?;
        Ok(())
    }

    /// The boxes as a JSON document: `{"time": t, "width": w, "height": h, "boxes": [...]}`.
    pub fn boxes_json(&self) -> String {
        let doc = serde_json::json!({
            "time": self.time,
            "width": self.width,
            "height": self.height,
            "boxes": self.boxes,
        });
        doc.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> LocalFrame {
        LocalFrame::at(LatLon::new(44.4, 8.9))
    }

    #[test]
    fn intrinsics_follow_fov() {
        let m = CameraModel::default();
        let k = m.intrinsics();
        assert!((k.fx - 640.0 / 40f64.to_radians().tan()).abs() < 1e-9);
        assert_eq!((k.cx, k.cy), (640.0, 360.0));
        let e = CameraModel::with_intrinsics(1280, 720, k);
        assert!((e.hfov_deg - 80.0).abs() < 1e-9);
        assert!(m.validate().is_ok());
        assert!(CameraModel::new(0, 10, 60.0).validate().is_err());
        assert!(CameraModel::new(10, 10, 180.0).validate().is_err());
    }

    #[test]
    fn straight_down_north_up_and_level_looks_north() {
        let f = frame();
        let pose = CameraPose::level(Geodetic::new(44.4, 8.9, 100.0), 0.0, -90.0);
        let view = CameraView::new(&CameraModel::default(), &f, &pose);
        // Image right is east, image down is south.
        let east = view.project(&V3::new(10.0, 0.0, 0.0)).unwrap();
        let north = view.project(&V3::new(0.0, 10.0, 0.0)).unwrap();
        assert!(east.x > 640.0 && (east.y - 360.0).abs() < 1e-6, "{east:?}");
        assert!(north.y < 360.0 && (north.x - 640.0).abs() < 1e-6, "{north:?}");
        let level = CameraPose::level(Geodetic::new(44.4, 8.9, 100.0), 90.0, 0.0);
        let view = CameraView::new(&CameraModel::default(), &f, &level);
        assert!(view.project(&V3::new(-50.0, 0.0, 100.0)).is_none());
        let ahead = view.project(&V3::new(50.0, 0.0, 100.0)).unwrap();
        assert!((ahead - Vector2::new(640.0, 360.0)).norm() < 1e-6);
    }

    #[test]
    fn body_fixed_mount_follows_roll() {
        let f = frame();
        let mut pose = CameraPose::level(Geodetic::new(44.4, 8.9, 100.0), 0.0, -90.0);
        pose.attitude = UnitQuaternion::from_euler_angles(10f64.to_radians(), 0.0, 0.0);
        let below = V3::new(0.0, 0.0, 0.0);
        let stabilised = CameraView::new(&CameraModel::default(), &f, &pose)
            .project(&below)
            .unwrap();
        pose.gimbal.stabilised = false;
        let fixed = CameraView::new(&CameraModel::default(), &f, &pose)
            .project(&below)
            .unwrap();
        assert!((stabilised - Vector2::new(640.0, 360.0)).norm() < 1e-6);
        // Rolled right, a body-fixed camera looks left of the nadir, which so appears right of centre.
        assert!(fixed.x > 680.0, "{fixed:?}");
    }
}
