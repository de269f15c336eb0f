//! The rasteriser: convex faces clipped to the near plane, projected and filled row by row against a 1/z depth buffer.

use nalgebra::Vector2;

use super::shapes::{Face, MAX_VERTS};
use super::{CameraView, V3};

/// Faces are clipped this far in front of the eye, metres.
const NEAR_M: f64 = 0.05;

/// Float to byte casts saturate, so out-of-range colours clamp to 0..=255.
#[inline(always)]
pub fn to_bytes(c: [f32; 3]) -> [u8; 3] {
    [c[0] as u8, c[1] as u8, c[2] as u8]
}

#[inline]
fn put(rgb: &mut [u8], p: usize, c: [f32; 3]) {
    rgb[3 * p..3 * p + 3].copy_from_slice(&to_bytes(c));
}

/// Buffers reused from frame to frame.
#[derive(Default)]
pub struct Scratch {
    /// 1/z of the nearest face drawn (0 = nothing, the ground is at infinity).
    pub depth: Vec<f32>,
    /// Object index + 1 of that face (0 = ground or decal).
    pub owner: Vec<u32>,
    /// Object index + 1 of the last object whose faces covered the pixel, to count each
    /// object's covered pixels once; reused as the shadow mask.
    pub stamp: Vec<u32>,
    /// Rows written since the last clear.
    pub dirty: Option<(usize, usize)>,
    pub faces: Vec<Face>,
}

impl Scratch {
    pub fn reset(&mut self, n: usize, width: usize) {
        if self.depth.len() != n {
            *self = Scratch {
                depth: vec![0.0; n],
                owner: vec![0; n],
                stamp: vec![0; n],
                dirty: None,
                faces: Vec::new(),
            };
        } else if let Some((a, b)) = self.dirty.take() {
            let r = a * width..b * width;
            self.depth[r.clone()].fill(0.0);
            self.owner[r.clone()].fill(0);
            self.stamp[r].fill(0);
        }
    }

    pub fn touch(&mut self, rows: (usize, usize)) {
        self.dirty = Some(match self.dirty {
            Some((a, b)) => (a.min(rows.0), b.max(rows.1)),
            None => rows,
        });
    }
}

/// Clips a face to the near plane, projects it, and fills it if it faces the camera.
/// Returns the projected extent (front- or back-facing) and the pixels it covered.
pub fn fill_face(
    view: &CameraView,
    f: &Face,
    rgb: &mut [u8],
    scr: &mut Scratch,
    fill: Fill,
) -> (Option<[f64; 4]>, u64) {
    let mut cam = [V3::zeros(); MAX_VERTS];
    for (c, p) in cam.iter_mut().zip(&f.pts[..f.n]) {
        *c = view.to_camera(p);
    }
    // Sutherland-Hodgman against z = NEAR: one plane adds at most one vertex.
    let mut clipped = [V3::zeros(); MAX_VERTS + 1];
    let mut m = 0;
    for i in 0..f.n {
        let (a, b) = (cam[i], cam[(i + 1) % f.n]);
        if a.z >= NEAR_M {
            clipped[m] = a;
            m += 1;
        }
        if (a.z >= NEAR_M) != (b.z >= NEAR_M) {
            clipped[m] = a + (b - a) * ((NEAR_M - a.z) / (b.z - a.z));
            m += 1;
        }
    }
    if m < 3 {
        return (None, 0);
    }
    let mut px = [Vector2::zeros(); MAX_VERTS + 1];
    let mut extent = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    for (q, c) in px.iter_mut().zip(&clipped[..m]) {
        *q = Vector2::new(view.k.fx * c.x / c.z + view.k.cx, view.k.fy * c.y / c.z + view.k.cy);
        extent = [
            extent[0].min(q.x),
            extent[1].min(q.y),
            extent[2].max(q.x),
            extent[3].max(q.y),
        ];
    }
    let normal = view.rotation.tr_mul(&f.normal);
    let d = normal.dot(&cam[0]);
    // Facing away (or edge on): part of the outline, nothing to paint.
    if d >= -1e-9 {
        return (Some(extent), 0);
    }
    // 1/z is affine in pixel coordinates over a plane: 1/z = a·u + b·v + c.
    let k = view.k;
    let (pa, pb) = (normal.x / (k.fx * d), normal.y / (k.fy * d));
    let pc = (normal.z - normal.x * k.cx / k.fx - normal.y * k.cy / k.fy) / d;
    let n = scan(&px[..m], (pa, pb, pc), view, rgb, scr, fill);
    (Some(extent), n)
}

/// Fills a convex polygon row by row; returns the pixels it covered.
fn scan(
    poly: &[Vector2<f64>],
    plane: (f64, f64, f64),
    view: &CameraView,
    rgb: &mut [u8],
    scr: &mut Scratch,
    fill: Fill,
) -> u64 {
    let (w, h) = (view.width as usize, view.height as usize);
    let (lo, hi) = poly
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.y), b.max(p.y)));
    let j0 = (lo - 0.5).ceil().clamp(0.0, h as f64) as usize;
    let j1 = (hi - 0.5).ceil().clamp(0.0, h as f64) as usize;
    if j0 >= j1 {
        return 0;
    }
    scr.touch((j0, j1));
    let mut covered = 0;
    for j in j0..j1 {
        let v = j as f64 + 0.5;
        let (mut xl, mut xr) = (f64::INFINITY, f64::NEG_INFINITY);
        for e in 0..poly.len() {
            let (a, b) = (poly[e], poly[(e + 1) % poly.len()]);
            if (a.y > v) != (b.y > v) {
                let x = a.x + (v - a.y) * (b.x - a.x) / (b.y - a.y);
                xl = xl.min(x);
                xr = xr.max(x);
            }
        }
        let i0 = (xl - 0.5).ceil().clamp(0.0, w as f64) as usize;
        let i1 = (xr - 0.5).ceil().clamp(0.0, w as f64) as usize;
        let mut inv_z = plane.0 * (i0 as f64 + 0.5) + plane.1 * v + plane.2;
        for i in i0..i1 {
            let p = j * w + i;
            match fill {
                Fill::ShadowMask => scr.stamp[p] = 1,
                Fill::Solid { tag, colour } => {
                    if scr.stamp[p] != tag {
                        scr.stamp[p] = tag;
                        covered += 1;
                    }
                    if inv_z as f32 > scr.depth[p] {
                        scr.depth[p] = inv_z as f32;
                        scr.owner[p] = tag;
                        put(rgb, p, colour);
                    }
                }
                Fill::Decal { colour } => {
                    if inv_z as f32 > scr.depth[p] {
                        scr.depth[p] = inv_z as f32;
                        scr.owner[p] = 0;
                        put(rgb, p, colour);
                    }
                }
            }
            inv_z += plane.0;
        }
    }
    covered
}

#[derive(Debug, Clone, Copy)]
pub enum Fill {
    /// Marks pixels in shadow.
    ShadowMask,
    /// Part of object `tag - 1`.
    Solid { tag: u32, colour: [f32; 3] },
    /// Painted on the water, belongs to no object.
    Decal { colour: [f32; 3] },
}
