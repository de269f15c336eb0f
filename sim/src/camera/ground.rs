//! The ground pass: each pixel's ray meets the sea plane and takes the colour of the material there, or of the sky.
//!
//! Colour arithmetic is in integers (0..=255 channels, noise and haze in 1/128 and 1/256
//! steps): the float version spent as long converting to bytes as it did colouring.

use std::sync::Arc;

use nalgebra::Vector2;

use super::CameraView;
use crate::world::surface::{Material, SurfaceMap};

type Rgb = [i32; 3];

pub const SKY_HORIZON: [f32; 3] = [206.0, 216.0, 226.0];
const SKY_ZENITH: [f32; 3] = [92.0, 142.0, 208.0];
const HORIZON: Rgb = [206, 216, 226];
/// Haze starts here and thickens to its most at `HAZE_FULL_M`, metres.
const HAZE_START_M: f64 = 600.0;
const HAZE_FULL_M: f64 = 5000.0;
const HAZE_MAX: f64 = 0.85;
/// Ground seen at more metres a pixel than this gets flat colours from the coarse raster:
/// finer texture would only alias, and the coarse raster stays in cache.
const FAR_PIXEL_M: f64 = 1.0;
/// The wave texture: `WAVE_N` cells of `1 / WAVE_SCALE` m, tiling every 64 m.
const WAVE_N: usize = 256;
const WAVE_SCALE: f64 = 4.0;

const SEA: Rgb = [30, 74, 100];
const BERTH: Rgb = [26, 64, 84];
const QUAY: Rgb = [156, 154, 148];
const COPE: Rgb = [222, 196, 62];
const ASPHALT: Rgb = [72, 72, 75];
const PAINT: Rgb = [226, 226, 216];
const CONCRETE: Rgb = [150, 148, 140];
const HATCH: Rgb = [226, 190, 42];
const LAND: Rgb = [126, 121, 108];

/// How much of the horizon's colour haze mixes in at a distance, 0..=`HAZE_MAX`.
pub fn haze(distance: f64) -> f32 {
    (((distance - HAZE_START_M) / (HAZE_FULL_M - HAZE_START_M)).clamp(0.0, 1.0) * HAZE_MAX) as f32
}

/// A tileable swell: a few sines with whole numbers of waves per tile, −127..=127.
fn wave_table() -> Vec<i8> {
    let k = std::f64::consts::TAU / WAVE_N as f64;
    (0..WAVE_N * WAVE_N)
        .map(|i| {
            let (x, y) = ((i % WAVE_N) as f64 * k, (i / WAVE_N) as f64 * k);
            let v = 0.45 * (9.0 * x + 5.0 * y).sin()
                + 0.3 * (-7.0 * x + 13.0 * y + 1.3).sin()
                + 0.15 * (23.0 * x + 17.0 * y + 0.4).sin()
                + 0.1 * (31.0 * x - 29.0 * y + 2.1).sin();
            (v * 127.0) as i8
        })
        .collect()
}

/// A stable value in −128..=127 per integer cell.
#[inline(always)]
fn hash(x: i64, y: i64) -> i32 {
    let mut h = (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    ((h >> 40) & 0xFF) as i32 - 128
}

/// `v.floor()` as an integer, without the libm call `floor` is on x86-64 without SSE4.1.
#[inline(always)]
fn floor_i(v: f64) -> i64 {
    let i = v as i64;
    i - i64::from(i as f64 > v)
}

/// Position within a period, 0..1.
#[inline(always)]
fn frac(v: f64, period: f64) -> f64 {
    // With `period` a constant at the call, this is a multiplication, not a division.
    let q = v * (1.0 / period);
    q - floor_i(q) as f64
}

/// `c + d · k / 128`.
#[inline(always)]
fn vary(c: Rgb, d: Rgb, k: i32) -> Rgb {
    [
        c[0] + ((d[0] * k) >> 7),
        c[1] + ((d[1] * k) >> 7),
        c[2] + ((d[2] * k) >> 7),
    ]
}

#[inline(always)]
fn to_bytes(c: Rgb) -> [u8; 3] {
    [
        c[0].clamp(0, 255) as u8,
        c[1].clamp(0, 255) as u8,
        c[2].clamp(0, 255) as u8,
    ]
}

/// What the ground looks like; shared by the renderers of one world.
#[derive(Debug, Clone)]
pub struct GroundPainter {
    surface: Arc<SurfaceMap>,
    waves: Arc<Vec<i8>>,
    /// Unit East/North vector along the yard's lanes.
    lanes: Vector2<f64>,
}

impl GroundPainter {
    pub fn new(surface: Arc<SurfaceMap>, lane_heading_deg: f64) -> Self {
        let a = lane_heading_deg.to_radians();
        Self {
            surface,
            waves: Arc::new(wave_table()),
            lanes: Vector2::new(a.sin(), a.cos()),
        }
    }

    /// Fills `rgb` with ground, sea and sky as seen from `view` at world time `time`.
    pub fn draw(&self, view: &CameraView, time: f64, rgb: &mut [u8]) {
        let (w, h) = (view.width as usize, view.height as usize);
        let k = view.k;
        let r = view.rotation;
        let step = r.column(0) / k.fx;
        let down = r.column(1) / k.fy;
        let eye = view.eye;
        let step_m = step.norm();
        // The swell drifts half a metre a second to the north-east.
        let drift = (time * 0.5 * WAVE_SCALE) as i64;
        let ground = |x: f64, y: f64, t: f64, d2: f64, metres_a_pixel: f64| -> [u8; 3] {
            let c = if metres_a_pixel > FAR_PIXEL_M {
                self.far(x, y)
            } else {
                self.near(x, y, drift)
            };
            let dist2 = t * t * d2;
            if dist2 > HAZE_START_M * HAZE_START_M {
                let k = (haze(dist2.sqrt()) * 256.0) as i32;
                to_bytes([0, 1, 2].map(|i| c[i] + (((HORIZON[i] - c[i]) * k) >> 8)))
            } else {
                to_bytes(c)
            }
        };
        for (j, row) in rgb.chunks_exact_mut(3 * w).take(h).enumerate() {
            let mut d = r.column(2) + down * (j as f64 + 0.5 - k.cy) + step * (0.5 - k.cx);
            if step.z == 0.0 && d.z < -1e-9 && eye.z > 0.0 {
                // A level image row (no roll: a stabilised gimbal's every row) lies at one
                // depth, so its ground points are evenly spaced: no division per pixel.
                let t = -eye.z / d.z;
                let (mut x, mut y) = (eye.x + t * d.x, eye.y + t * d.y);
                let (sx, sy) = (t * step.x, t * step.y);
                for px in row.chunks_exact_mut(3) {
                    px.copy_from_slice(&ground(x, y, t, d.norm_squared(), t * step_m));
                    x += sx;
                    y += sy;
                    d += step;
                }
                continue;
            }
            for px in row.chunks_exact_mut(3) {
                let c = if d.z < -1e-9 && eye.z > 0.0 {
                    let t = -eye.z / d.z;
                    ground(eye.x + t * d.x, eye.y + t * d.y, t, d.norm_squared(), t * step_m)
                } else if eye.z > 0.0 {
                    let e = (d.z / d.norm()).clamp(0.0, 1.0).sqrt() as f32;
                    [0, 1, 2].map(|i| (SKY_HORIZON[i] + (SKY_ZENITH[i] - SKY_HORIZON[i]) * e) as u8)
                } else {
                    // Under water: murk.
                    [20, 50, 60]
                };
                px.copy_from_slice(&c);
                d += step;
            }
        }
    }

    #[inline(always)]
    fn wave(&self, x: f64, y: f64, drift: i64) -> i32 {
        let xi = ((x * WAVE_SCALE) as i64 - drift) as usize & (WAVE_N - 1);
        let yi = ((y * WAVE_SCALE) as i64 - drift) as usize & (WAVE_N - 1);
        i32::from(self.waves[yi * WAVE_N + xi])
    }

    /// Plain material colours, for distant ground.
    #[inline(always)]
    fn far(&self, x: f64, y: f64) -> Rgb {
        match self.surface.material_coarse_xy(x, y) {
            Material::Sea => SEA,
            Material::Berth | Material::BerthEdge => BERTH,
            Material::Quay => QUAY,
            Material::QuayEdge => [200, 184, 90],
            Material::ContainerYard => [78, 78, 80],
            Material::Restricted => [170, 160, 110],
            Material::Land => LAND,
        }
    }

    /// Material colours with their detail: swell and whitecaps, expansion joints, lane
    /// markings, hatching, and a half-metre grain everywhere.
    #[inline(always)]
    fn near(&self, x: f64, y: f64, drift: i64) -> Rgb {
        let grain = hash(floor_i(x * 2.0), floor_i(y * 2.0));
        match self.surface.material_xy(x, y) {
            Material::Sea => {
                let wv = self.wave(x, y, drift);
                let c = vary(SEA, [6, 9, 10], wv + grain * 3 / 10);
                // Whitecaps on some crests only, so they do not repeat with the swell's tile.
                if wv > 95 && grain > 102 {
                    vary(c, [50, 50, 50], 128)
                } else {
                    c
                }
            }
            Material::Berth => vary(BERTH, [5, 7, 8], self.wave(x, y, drift)),
            Material::BerthEdge => {
                if frac(x + y, 4.0) < 0.5 {
                    [196, 180, 92]
                } else {
                    BERTH
                }
            }
            Material::Quay => {
                let c = vary(QUAY, [7, 7, 7], grain);
                if frac(x, 12.0) < 0.02 || frac(y, 12.0) < 0.02 {
                    vary(c, [-28, -28, -28], 128)
                } else {
                    c
                }
            }
            Material::QuayEdge => COPE,
            Material::ContainerYard => {
                let along = x * self.lanes.x + y * self.lanes.y;
                let across = x * self.lanes.y - y * self.lanes.x;
                if frac(across, 16.0) < 0.012 && frac(along, 8.0) < 0.6 {
                    PAINT
                } else {
                    vary(ASPHALT, [5, 5, 5], grain)
                }
            }
            Material::Restricted => {
                if frac(x + y, 5.0) < 0.25 {
                    HATCH
                } else {
                    vary(CONCRETE, [6, 6, 6], grain)
                }
            }
            Material::Land => {
                let patch = hash(floor_i(x / 6.0), floor_i(y / 6.0));
                vary(vary(LAND, [12, 12, 10], patch), [6, 6, 6], grain)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(floor_i(-0.5), -1);
        assert_eq!(floor_i(2.0), 2);
        assert!((frac(-1.0, 4.0) - 0.75).abs() < 1e-12);
        assert_eq!(to_bytes([-5, 300, 7]), [0, 255, 7]);
        assert_eq!(vary([100, 100, 100], [10, 10, 10], -128), [90, 90, 90]);
        assert!((haze(100.0)).abs() < 1e-9 && (haze(1e5) - 0.85).abs() < 1e-6);
        let t = wave_table();
        assert!(t.iter().all(|v| (-127..=127).contains(v)) && t.iter().any(|&v| v > 90));
        let h: Vec<i32> = (0..1000).map(|i| hash(i, 7)).collect();
        assert!(h.iter().all(|v| (-128..=127).contains(v)));
        assert!(h.iter().any(|&v| v > 100) && h.iter().any(|&v| v < -100));
    }
}
