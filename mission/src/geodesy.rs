//! WGS84 geodesy: geodetic ↔ ECEF ↔ local East-North-Up frames, and ellipsoidal distances.

use nalgebra::{Matrix3, Vector2, Vector3};
use serde::{Deserialize, Serialize};

/// WGS84 semi-major axis, metres.
pub const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// WGS84 semi-minor axis, metres.
pub const WGS84_B: f64 = WGS84_A * (1.0 - WGS84_F);
/// First eccentricity squared.
pub const WGS84_E2: f64 = WGS84_F * (2.0 - WGS84_F);

/// A horizontal position in degrees (WGS84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    pub const fn new(lat: f64, lon: f64) -> Self {
        Self { lat, lon }
    }

    /// True when latitude and longitude are finite and within their ranges.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }

    pub fn with_alt(self, alt: f64) -> Geodetic {
        Geodetic {
            lat: self.lat,
            lon: self.lon,
            alt,
        }
    }

    /// `geo` coordinates are (x = longitude, y = latitude).
    pub fn to_coord(self) -> geo::Coord<f64> {
        geo::Coord {
            x: self.lon,
            y: self.lat,
        }
    }

    pub fn from_coord(c: geo::Coord<f64>) -> Self {
        Self { lat: c.y, lon: c.x }
    }
}

/// A position in degrees with an altitude in metres (its datum depends on context).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Geodetic {
    pub lat: f64,
    pub lon: f64,
    pub alt: f64,
}

impl Geodetic {
    pub const fn new(lat: f64, lon: f64, alt: f64) -> Self {
        Self { lat, lon, alt }
    }

    pub fn horizontal(&self) -> LatLon {
        LatLon::new(self.lat, self.lon)
    }
}

/// Earth-centred, Earth-fixed coordinates of a geodetic position (alt above the ellipsoid).
pub fn geodetic_to_ecef(p: Geodetic) -> Vector3<f64> {
    let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
    let (sin_lat, cos_lat) = lat.sin_cos();
    let (sin_lon, cos_lon) = lon.sin_cos();
    let n = WGS84_A / (1.0 - WGS84_E2 * sin_lat * sin_lat).sqrt();
    Vector3::new(
        (n + p.alt) * cos_lat * cos_lon,
        (n + p.alt) * cos_lat * sin_lon,
        (n * (1.0 - WGS84_E2) + p.alt) * sin_lat,
    )
}

/// Geodetic position of an ECEF point, by Bowring's start and Newton refinement of latitude,
/// accurate to well under a millimetre anywhere near the Earth's surface.
pub fn ecef_to_geodetic(v: Vector3<f64>) -> Geodetic {
    let (x, y, z) = (v.x, v.y, v.z);
    let lon = y.atan2(x);
    let p = (x * x + y * y).sqrt();
    if p < 1e-9 {
        // On the polar axis latitude is ±90° and altitude is measured along it.
        let lat = if z >= 0.0 { 90.0 } else { -90.0 };
        return Geodetic::new(lat, 0.0, z.abs() - WGS84_B);
    }
    let ep2 = (WGS84_A * WGS84_A - WGS84_B * WGS84_B) / (WGS84_B * WGS84_B);
    let theta = (z * WGS84_A).atan2(p * WGS84_B);
    let (st, ct) = theta.sin_cos();
    let mut lat = (z + ep2 * WGS84_B * st * st * st).atan2(p - WGS84_E2 * WGS84_A * ct * ct * ct);
    // Two fixed-point iterations take Bowring's micrometre-level start to machine precision.
    let mut alt = 0.0;
    for _ in 0..3 {
        let sin_lat = lat.sin();
        let n = WGS84_A / (1.0 - WGS84_E2 * sin_lat * sin_lat).sqrt();
        alt = p / lat.cos() - n;
        lat = z.atan2(p * (1.0 - WGS84_E2 * n / (n + alt)));
    }
    Geodetic::new(lat.to_degrees(), lon.to_degrees(), alt)
}

/// A local tangent plane (East, North, Up) at a reference point.
#[derive(Debug, Clone, Copy)]
pub struct LocalFrame {
    origin: Geodetic,
    origin_ecef: Vector3<f64>,
    ecef_to_enu: Matrix3<f64>,
}

impl LocalFrame {
    pub fn new(origin: Geodetic) -> Self {
        let (lat, lon) = (origin.lat.to_radians(), origin.lon.to_radians());
        let (sl, cl) = lat.sin_cos();
        let (so, co) = lon.sin_cos();
        #[rustfmt::skip]
        let ecef_to_enu = Matrix3::new(
            -so,       co,      0.0,
            -sl * co, -sl * so, cl,
             cl * co,  cl * so, sl,
        );
        Self {
            origin,
            origin_ecef: geodetic_to_ecef(origin),
            ecef_to_enu,
        }
    }

    /// A frame on the ellipsoid surface under a horizontal position.
    pub fn at(origin: LatLon) -> Self {
        Self::new(origin.with_alt(0.0))
    }

    pub fn origin(&self) -> Geodetic {
        self.origin
    }

    pub fn to_enu(&self, p: Geodetic) -> Vector3<f64> {
        self.ecef_to_enu * (geodetic_to_ecef(p) - self.origin_ecef)
    }

    pub fn from_enu(&self, enu: Vector3<f64>) -> Geodetic {
        ecef_to_geodetic(self.ecef_to_enu.transpose() * enu + self.origin_ecef)
    }

    /// East/North of a point at the origin's altitude: the plane used for 2-D planning.
    pub fn to_local(&self, p: LatLon) -> Vector2<f64> {
        let enu = self.to_enu(p.with_alt(self.origin.alt));
        Vector2::new(enu.x, enu.y)
    }

    /// The point at the origin's altitude whose East/North are `en`: the exact inverse of
    /// [`LocalFrame::to_local`]. Up is found by Newton steps, because the plane and the
    /// ellipsoid part by d²/2R (31 m at 20 km).
    pub fn from_local(&self, en: Vector2<f64>) -> LatLon {
        let mut up = -(en.norm_squared()) / (2.0 * WGS84_A);
        let mut g = self.from_enu(Vector3::new(en.x, en.y, up));
        for _ in 0..4 {
            let err = g.alt - self.origin.alt;
            if err.abs() < 1e-6 {
                break;
            }
            up -= err;
            g = self.from_enu(Vector3::new(en.x, en.y, up));
        }
        g.horizontal()
    }

    pub fn coord_to_local(&self, c: geo::Coord<f64>) -> geo::Coord<f64> {
        let v = self.to_local(LatLon::from_coord(c));
        geo::Coord { x: v.x, y: v.y }
    }

    pub fn coord_from_local(&self, c: geo::Coord<f64>) -> geo::Coord<f64> {
        self.from_local(Vector2::new(c.x, c.y)).to_coord()
    }
}

/// Ellipsoidal distance in metres (Vincenty's inverse formula, sub-millimetre for
/// non-antipodal points; falls back to a spherical estimate where it does not converge).
pub fn distance_m(a: LatLon, b: LatLon) -> f64 {
    vincenty_inverse(a, b).map_or_else(|| spherical_distance_m(a, b), |(d, _)| d)
}

/// Initial bearing from `a` to `b`, degrees clockwise from north in [0, 360).
pub fn bearing_deg(a: LatLon, b: LatLon) -> f64 {
    let az = vincenty_inverse(a, b).map_or_else(
        || {
            let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
            let dl = (b.lon - a.lon).to_radians();
            (dl.sin() * p2.cos())
                .atan2(p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos())
                .to_degrees()
        },
        |(_, az)| az,
    );
    az.rem_euclid(360.0)
}

fn spherical_distance_m(a: LatLon, b: LatLon) -> f64 {
    let r = (2.0 * WGS84_A + WGS84_B) / 3.0;
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let (dp, dl) = (p2 - p1, (b.lon - a.lon).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().min(1.0).asin()
}

/// Returns (distance m, initial azimuth deg) or None when the iteration does not converge.
fn vincenty_inverse(a: LatLon, b: LatLon) -> Option<(f64, f64)> {
    let f = WGS84_F;
    let l = (b.lon - a.lon).to_radians();
    let u1 = ((1.0 - f) * a.lat.to_radians().tan()).atan();
    let u2 = ((1.0 - f) * b.lat.to_radians().tan()).atan();
    let (su1, cu1) = u1.sin_cos();
    let (su2, cu2) = u2.sin_cos();
    let mut lambda = l;
    for _ in 0..200 {
        let (sl, cl) = lambda.sin_cos();
        let sin_sigma = ((cu2 * sl).powi(2) + (cu1 * su2 - su1 * cu2 * cl).powi(2)).sqrt();
        if sin_sigma == 0.0 {
            return Some((0.0, 0.0));
        }
        let cos_sigma = su1 * su2 + cu1 * cu2 * cl;
        let sigma = sin_sigma.atan2(cos_sigma);
        let sin_alpha = cu1 * cu2 * sl / sin_sigma;
        let cos2_alpha = 1.0 - sin_alpha * sin_alpha;
        let cos_2sm = if cos2_alpha != 0.0 {
            cos_sigma - 2.0 * su1 * su2 / cos2_alpha
        } else {
            0.0
        };
        let c = f / 16.0 * cos2_alpha * (4.0 + f * (4.0 - 3.0 * cos2_alpha));
        let prev = lambda;
        lambda = l
            + (1.0 - c)
                * f
                * sin_alpha
                * (sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)));
        if (lambda - prev).abs() < 1e-12 {
            let u_sq = cos2_alpha * (WGS84_A * WGS84_A - WGS84_B * WGS84_B) / (WGS84_B * WGS84_B);
            let aa = 1.0 + u_sq / 16384.0 * (4096.0 + u_sq * (-768.0 + u_sq * (320.0 - 175.0 * u_sq)));
            let bb = u_sq / 1024.0 * (256.0 + u_sq * (-128.0 + u_sq * (74.0 - 47.0 * u_sq)));
            let delta_sigma = bb
                * sin_sigma
                * (cos_2sm
                    + bb / 4.0
                        * (cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)
                            - bb / 6.0
                                * cos_2sm
                                * (-3.0 + 4.0 * sin_sigma * sin_sigma)
                                * (-3.0 + 4.0 * cos_2sm * cos_2sm)));
            let dist = WGS84_B * aa * (sigma - delta_sigma);
            let (sl, cl) = lambda.sin_cos();
            let az = (cu2 * sl).atan2(cu1 * su2 - su1 * cu2 * cl).to_degrees();
            return Some((dist, az));
        }
    }
    None
}

/// The point reached from `start` after `distance` metres on initial bearing `bearing_deg`,
/// computed in the local frame at `start` (exact for the short hops a mission uses).
pub fn destination(start: LatLon, bearing_deg: f64, distance: f64) -> LatLon {
    let frame = LocalFrame::at(start);
    let b = bearing_deg.to_radians();
    frame.from_local(Vector2::new(distance * b.sin(), distance * b.cos()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecef_round_trip_is_sub_millimetre() {
        for &(lat, lon, alt) in &[
            (0.0, 0.0, 0.0),
            (44.4, 8.9, 120.0),
            (-33.9, 151.2, -30.0),
            (89.9, 10.0, 5000.0),
            (-89.99, -170.0, 10.0),
        ] {
            let g = Geodetic::new(lat, lon, alt);
            let back = ecef_to_geodetic(geodetic_to_ecef(g));
            let err = (geodetic_to_ecef(back) - geodetic_to_ecef(g)).norm();
            assert!(err < 1e-6, "round trip error {err} m at {g:?}");
        }
    }

    #[test]
    fn local_origin_maps_to_zero() {
        let o = Geodetic::new(44.4, 8.9, 12.0);
        let f = LocalFrame::new(o);
        assert!(f.to_enu(o).norm() < 1e-9);
        let east = f.to_enu(Geodetic::new(44.4, 8.901, 12.0));
        assert!(east.x > 79.0 && east.x < 80.0, "{east:?}");
        assert!(east.y.abs() < 0.01);
    }

    #[test]
    fn known_distance_matches_reference() {
        // Flinders Peak to Buninyong, Vincenty's classic test: 54 972.271 m.
        let a = LatLon::new(-37.951_033_416_7, 144.424_867_888_9);
        let b = LatLon::new(-37.652_821_138_9, 143.926_495_527_8);
        assert!((distance_m(a, b) - 54_972.271).abs() < 0.01);
        assert!((bearing_deg(a, b) - 306.868_16).abs() < 1e-3);
    }
}
