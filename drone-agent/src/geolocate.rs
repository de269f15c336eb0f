//! Geolocation of image points: pixel → camera ray → gimbal and vehicle attitude → ground/sea plane → latitude/longitude, with an error estimate.
//!
//! Conventions (shared with the simulator's camera): the vehicle attitude rotates body FRD
//! vectors into NED; gimbal pitch 0 is level and −90 straight down, yaw is relative to the
//! vehicle's heading, positive right; a stabilised gimbal ignores the vehicle's roll and pitch.
//! Pixels: x right, y down; the optical axis is +z, x right, y down.

use mission::geodesy::{Geodetic, LatLon, LocalFrame};
use nalgebra::{Matrix3, Rotation3, UnitQuaternion, Vector2, Vector3};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum GeolocateError {
    #[error("the ray through pixel ({u:.1}, {v:.1}) does not reach the ground (above the horizon)")]
    AboveHorizon { u: f64, v: f64 },
    #[error("camera is {0:.1} m above the plane: it must be above it")]
    BelowPlane(f64),
    #[error("invalid input: {0}")]
    Invalid(&'static str),
}

/// Pinhole intrinsics in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Intrinsics {
    pub fx: f64,
    pub fy: f64,
    pub cx: f64,
    pub cy: f64,
}

impl Intrinsics {
    /// Square pixels, principal point at the centre, from the horizontal field of view.
    pub fn from_hfov(width: u32, height: u32, hfov_deg: f64) -> Self {
        let f = f64::from(width) / 2.0 / (hfov_deg.to_radians() / 2.0).tan();
        Self {
            fx: f,
            fy: f,
            cx: f64::from(width) / 2.0,
            cy: f64::from(height) / 2.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GimbalAngles {
    pub pitch_deg: f64,
    pub yaw_deg: f64,
    pub stabilised: bool,
}

/// Where the camera is and how it points when the frame was taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraState {
    /// Altitude in the same datum as [`Geolocator::plane_alt_m`] (AMSL in the simulator).
    pub position: Geodetic,
    /// Vehicle attitude, body FRD → NED.
    pub attitude: UnitQuaternion<f64>,
    pub gimbal: GimbalAngles,
}

/// One-sigma input uncertainties that the error estimate propagates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    pub pixel_px: f64,
    /// Each of roll, pitch and yaw of the camera.
    pub attitude_deg: f64,
    pub altitude_m: f64,
}

impl Default for Uncertainty {
    fn default() -> Self {
        Self {
            pixel_px: 1.0,
            attitude_deg: 1.0,
            altitude_m: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geolocation {
    pub position: LatLon,
    /// Horizontal distance from the point under the camera, metres.
    pub ground_range_m: f64,
    /// One-sigma horizontal error, metres (root sum of squares of each input's effect).
    pub error_m: f64,
}

/// Casts pixels onto a horizontal plane (sea level, a quay, a yard) at `plane_alt_m`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geolocator {
    pub intrinsics: Intrinsics,
    pub plane_alt_m: f64,
    pub uncertainty: Uncertainty,
}

impl Geolocator {
    pub fn new(intrinsics: Intrinsics, plane_alt_m: f64) -> Self {
        Self {
            intrinsics,
            plane_alt_m,
            uncertainty: Uncertainty::default(),
        }
    }

    /// The point a pixel sees on the plane, with its error estimate.
    pub fn locate(&self, u: f64, v: f64, cam: &CameraState) -> Result<Geolocation, GeolocateError> {
        if !(u.is_finite() && v.is_finite()) {
            return Err(GeolocateError::Invalid("pixel coordinates must be finite"));
        }
        let k = &self.intrinsics;
        if !(k.fx > 0.0 && k.fy > 0.0) {
            return Err(GeolocateError::Invalid("focal lengths must be positive"));
        }
        let height = cam.position.alt - self.plane_alt_m;
        if height <= 0.0 || !height.is_finite() {
            return Err(GeolocateError::BelowPlane(height));
        }
        let rot = ned_from_optical(cam);
        let nominal = self.ground_ne(u, v, &rot, height)?;

        // Error: move each input by one sigma both ways and keep the larger shift; a ray
        // pushed past the horizon makes the estimate unbounded rather than failing.
        let s = &self.uncertainty;
        let shift = |p: Result<Vector2<f64>, GeolocateError>| p.map_or(f64::INFINITY, |p| (p - nominal).norm());
        let both = |f: &dyn Fn(f64) -> Result<Vector2<f64>, GeolocateError>| shift(f(1.0)).max(shift(f(-1.0)));
        let a = s.attitude_deg.to_radians();
        let mut parts = vec![
            both(&|sg| self.ground_ne(u + sg * s.pixel_px, v, &rot, height)),
            both(&|sg| self.ground_ne(u, v + sg * s.pixel_px, &rot, height)),
            both(&|sg| self.ground_ne(u, v, &rot, height + sg * s.altitude_m)),
        ];
        for axis in [Vector3::x_axis(), Vector3::y_axis(), Vector3::z_axis()] {
            parts.push(both(&|sg| {
                let tilt = Rotation3::from_axis_angle(&axis, sg * a).into_inner();
                self.ground_ne(u, v, &(tilt * rot), height)
            }));
        }
        let error_m = parts.iter().map(|p| p * p).sum::<f64>().sqrt();

        let frame = LocalFrame::at(cam.position.horizontal());
        // The local frame's plane is East/North; NED gives North first.
        let position = frame.from_local(Vector2::new(nominal.y, nominal.x));
        Ok(Geolocation {
            position,
            ground_range_m: nominal.norm(),
            error_m,
        })
    }

    /// North/East metres from the point under the camera to where the pixel's ray meets the
    /// plane `height` metres below.
    fn ground_ne(&self, u: f64, v: f64, rot: &Matrix3<f64>, height: f64) -> Result<Vector2<f64>, GeolocateError> {
        let k = &self.intrinsics;
        let d = rot * Vector3::new((u - k.cx) / k.fx, (v - k.cy) / k.fy, 1.0);
        // Down must be positive, and not so grazing that the point is absurdly far.
        if d.z <= 1e-6 || d.xy().norm() / d.z > 1e3 {
            return Err(GeolocateError::AboveHorizon { u, v });
        }
        let t = height / d.z;
        Ok(Vector2::new(d.x * t, d.y * t))
    }
}

/// Columns: the optical x (right), y (down), z (forward) axes in NED.
pub fn ned_from_optical(cam: &CameraState) -> Matrix3<f64> {
    let g = &cam.gimbal;
    let z = Vector3::z_axis();
    // Pitch about the gimbal's right (y) axis; negative pitch turns forward into down.
    let mount = Rotation3::from_axis_angle(&Vector3::y_axis(), g.pitch_deg.to_radians()).into_inner();
    let ned_from_gimbal = if g.stabilised {
        let (_, _, yaw) = cam.attitude.euler_angles();
        Rotation3::from_axis_angle(&z, yaw + g.yaw_deg.to_radians()).into_inner() * mount
    } else {
        cam.attitude.to_rotation_matrix().into_inner()
            * Rotation3::from_axis_angle(&z, g.yaw_deg.to_radians()).into_inner()
            * mount
    };
    #[rustfmt::skip]
    let gimbal_from_optical = Matrix3::new(
        0.0, 0.0, 1.0,
        1.0, 0.0, 0.0,
        0.0, 1.0, 0.0,
    );
    ned_from_gimbal * gimbal_from_optical
}

#[cfg(test)]
mod tests {
    use mission::geodesy::{bearing_deg, distance_m};

    use super::*;

    fn level(heading_deg: f64, pitch_deg: f64, alt: f64) -> CameraState {
        CameraState {
            position: Geodetic::new(44.4, 8.9, alt),
            attitude: UnitQuaternion::from_euler_angles(0.0, 0.0, heading_deg.to_radians()),
            gimbal: GimbalAngles {
                pitch_deg,
                yaw_deg: 0.0,
                stabilised: true,
            },
        }
    }

    fn geo() -> Geolocator {
        Geolocator::new(Intrinsics::from_hfov(1280, 720, 80.0), 0.0)
    }

    #[test]
    fn the_centre_pixel_looking_down_is_below_the_camera() {
        let cam = level(0.0, -90.0, 60.0);
        let g = geo().locate(640.0, 360.0, &cam).unwrap();
        assert!(distance_m(g.position, cam.position.horizontal()) < 1e-3);
        // 1 px at 60 m with f≈763 is 8 cm; 1° of attitude is ~1 m; 1 m of altitude is nothing.
        assert!(g.error_m > 1.0 && g.error_m < 2.0, "{}", g.error_m);
    }

    #[test]
    fn oblique_view_lands_at_the_trigonometric_range_and_bearing() {
        for heading in [0.0, 90.0, 225.0] {
            let cam = level(heading, -45.0, 60.0);
            let g = geo().locate(640.0, 360.0, &cam).unwrap();
            assert!((g.ground_range_m - 60.0).abs() < 1e-6);
            let d = distance_m(cam.position.horizontal(), g.position);
            assert!((d - 60.0).abs() < 0.05, "{d}");
            let b = bearing_deg(cam.position.horizontal(), g.position);
            assert!(((b - heading + 540.0) % 360.0 - 180.0).abs() < 0.1, "{b}");
            // Image right is the camera's right: heading + 90°.
            let right = geo().locate(1000.0, 360.0, &cam).unwrap();
            let b = bearing_deg(g.position, right.position);
            assert!(((b - heading - 90.0 + 540.0) % 360.0 - 180.0).abs() < 1.0, "{b}");
        }
    }

    #[test]
    fn a_stabilised_gimbal_ignores_roll_a_body_fixed_one_does_not() {
        let mut cam = level(0.0, -90.0, 60.0);
        cam.attitude = UnitQuaternion::from_euler_angles(10f64.to_radians(), 0.0, 0.0);
        let g = geo().locate(640.0, 360.0, &cam).unwrap();
        assert!(g.ground_range_m < 1e-6);
        cam.gimbal.stabilised = false;
        let g = geo().locate(640.0, 360.0, &cam).unwrap();
        // Rolled right 10° with the camera down: the centre moves ~60·tan(10°) to the west.
        assert!((g.ground_range_m - 60.0 * 10f64.to_radians().tan()).abs() < 1e-6);
        let b = bearing_deg(cam.position.horizontal(), g.position);
        assert!((b - 270.0).abs() < 0.5, "{b}");
    }

    #[test]
    fn the_horizon_and_bad_inputs_are_errors() {
        let cam = level(0.0, 0.0, 60.0);
        assert!(matches!(
            geo().locate(640.0, 100.0, &cam),
            Err(GeolocateError::AboveHorizon { .. })
        ));
        assert!(geo().locate(640.0, 700.0, &cam).is_ok());
        assert!(matches!(
            geo().locate(640.0, 360.0, &level(0.0, -90.0, -1.0)),
            Err(GeolocateError::BelowPlane(_))
        ));
        assert!(geo().locate(f64::NAN, 0.0, &cam).is_err());
        // Near the horizon the estimate grows without bound rather than claiming precision.
        let g = geo().locate(640.0, 362.0, &cam).unwrap();
        assert!(g.error_m.is_infinite() || g.error_m > 1000.0);
    }
}
