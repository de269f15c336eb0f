//! Software renderer: ground by ray casting onto a material raster, objects as z-buffered flat-shaded polygons.
//!
//! Per pixel, the ray through the pinhole meets the sea plane (Up = 0) and takes the colour
//! of the material there, with procedural detail (waves, joints, lane markings, hatching)
//! and haze with distance; rays above the horizon see sky. Objects are then drawn as convex
//! faces with back-face culling and a 1/z depth buffer (exact where painter's order by
//! distance is not: a ship beside a boat), after their ground shadows. The depth buffer
//! also yields each object's visible share of pixels for the ground-truth boxes.

use std::sync::{Mutex, PoisonError};

use super::ground::{GroundPainter, SKY_HORIZON, haze};
use super::raster::{Fill, Scratch, fill_face};
use super::shapes::{self, Face, FaceKind, Placement, face};
use super::{CameraError, CameraModel, CameraPose, CameraView, Frame, GroundTruthBox, V3};
use crate::world::{ObjectClass, World, WorldObject};

/// Towards the sun: south-south-east, 50° up (a northern-hemisphere late morning).
const SUN: [f64; 3] = [0.34, -0.54, 0.77];
const AMBIENT: f32 = 0.5;
const DIFFUSE: f32 = 0.5;
/// How much a shadow keeps of the light.
const SHADOW: f32 = 0.6;
/// Renders frames of a world from camera poses; one per camera (cheap to clone: the
/// ground raster is shared).
pub struct Renderer {
    model: CameraModel,
    ground: GroundPainter,
    scratch: Mutex<Scratch>,
}

impl Clone for Renderer {
    fn clone(&self) -> Self {
        Self {
            model: self.model,
            ground: self.ground.clone(),
            scratch: Mutex::new(Scratch::default()),
        }
    }
}

#[inline]
fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// The ground shadow of an object's bounding box under a sun in direction `sun` (towards
/// the sun, unit): the convex hull of its eight corners slid along the light onto Up = 0.
fn shadow(o: &WorldObject, sun: &V3) -> Option<Face> {
    if sun.z < 0.05 {
        return None;
    }
    let pl = Placement::of(o);
    let (hl, hw) = (o.length_m / 2.0, o.width_m / 2.0);
    let mut pts = Vec::with_capacity(8);
    for z in [0.0, o.height_m] {
        for (a, b) in [(-hl, -hw), (hl, -hw), (hl, hw), (-hl, hw)] {
            let p = pl.at(a, b, z);
            pts.push((p.x - sun.x / sun.z * p.z, p.y - sun.y / sun.z * p.z));
        }
    }
    let hull = convex_hull(pts);
    let z = 0.01;
    let ring: Vec<V3> = hull.iter().map(|&(x, y)| V3::new(x, y, z)).collect();
    (ring.len() >= 3).then(|| face(&ring, V3::z(), [0.0; 3], FaceKind::Decal))
}

/// Andrew's monotone chain; at most eight points (a face's most) come back for eight in.
fn convex_hull(mut pts: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let mut hull: Vec<(f64, f64)> = Vec::with_capacity(2 * pts.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &(f64, f64)>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

impl Renderer {
    pub fn new(world: &World, model: CameraModel) -> Result<Renderer, CameraError> {
        model.validate()?;
        // Yard lanes run along the container stacks.
        let lanes = world
            .objects()
            .iter()
            .find(|o| o.class == ObjectClass::Container)
            .map_or(90.0, |o| o.heading_deg);
        Ok(Renderer {
            model,
            ground: GroundPainter::new(world.surface().clone(), lanes),
            scratch: Mutex::new(Scratch::default()),
        })
    }

    pub fn model(&self) -> &CameraModel {
        &self.model
    }

    /// The camera geometry at a pose, for projecting and geolocating.
    pub fn view(&self, world: &World, pose: &CameraPose) -> CameraView {
        CameraView::new(&self.model, world.frame(), pose)
    }

    /// One frame of the world as the camera at `pose` sees it, with its ground truth.
    pub fn render(&self, world: &World, pose: &CameraPose) -> Frame {
        let view = self.view(world, pose);
        let (w, h) = (self.model.width as usize, self.model.height as usize);
        let mut rgb = vec![0u8; w * h * 3];
        self.ground.draw(&view, world.time(), &mut rgb);
        // A poisoned lock only means another render panicked; the buffers are reset anyway.
        let mut scratch = self.scratch.lock().unwrap_or_else(PoisonError::into_inner);
        scratch.reset(w * h, w);
        let boxes = self.draw_objects(&view, world, &mut rgb, &mut scratch);
        Frame {
            time: world.time(),
            width: self.model.width,
            height: self.model.height,
            rgb,
            boxes,
        }
    }

    fn draw_objects(&self, view: &CameraView, world: &World, rgb: &mut [u8], scr: &mut Scratch) -> Vec<GroundTruthBox> {
        let sun = V3::from(SUN).normalize();
        let (w, h) = (f64::from(view.width), f64::from(view.height));
        let tan_x = view.k.cx.max(w - view.k.cx) / view.k.fx;
        let tan_y = view.k.cy.max(h - view.k.cy) / view.k.fy;
        let objects = world.objects();
        // Objects that may be in view: a bounding sphere against the frustum.
        let in_view: Vec<usize> = (0..objects.len())
            .filter(|&i| {
                let o = &objects[i];
                let c = V3::new(o.east_north_m.x, o.east_north_m.y, o.elevation_m + o.height_m / 2.0);
                // Wakes and shadows reach beyond the object: a generous radius.
                let radius = 0.5 * (o.length_m * 3.0).hypot(o.width_m).hypot(o.height_m) + o.height_m;
                let p = view.to_camera(&c);
                p.z > -radius
                    && p.x.abs() - radius * tan_x.hypot(1.0) <= p.z * tan_x
                    && p.y.abs() - radius * tan_y.hypot(1.0) <= p.z * tan_y
            })
            .collect();

        // Shadows first, as a mask (stamp = 1) applied once so that overlaps do not darken twice.
        for &i in &in_view {
            if let Some(f) = shadow(&objects[i], &sun) {
                fill_face(view, &f, rgb, scr, Fill::ShadowMask);
            }
        }
        if let Some((a, b)) = scr.dirty {
            let width = view.width as usize;
            for p in a * width..b * width {
                if scr.stamp[p] == 1 {
                    scr.stamp[p] = 0;
                    for c in &mut rgb[3 * p..3 * p + 3] {
                        *c = (f32::from(*c) * SHADOW) as u8;
                    }
                }
            }
        }

        let mut candidates = Vec::new();
        let mut faces = std::mem::take(&mut scr.faces);
        for &i in &in_view {
            let o = &objects[i];
            faces.clear();
            shapes::mesh(o, &mut faces);
            let centre = V3::new(o.east_north_m.x, o.east_north_m.y, o.elevation_m + o.height_m / 2.0);
            let distance = (centre - view.eye).norm();
            let fog = haze(distance);
            let tag = i as u32 + 1;
            let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
            let mut covered = 0u64;
            for f in &faces {
                let light = AMBIENT + DIFFUSE * (f.normal.dot(&sun).max(0.0) as f32);
                let lit = [f.colour[0] * light, f.colour[1] * light, f.colour[2] * light];
                let colour = mix(lit, SKY_HORIZON, fog);
                let fill = match f.kind {
                    FaceKind::Solid => Fill::Solid { tag, colour },
                    FaceKind::Decal => Fill::Decal { colour },
                };
                let (extent, n) = fill_face(view, f, rgb, scr, fill);
                if f.kind == FaceKind::Solid
                    && let Some(e) = extent
                {
                    bbox = [
                        bbox[0].min(e[0]),
                        bbox[1].min(e[1]),
                        bbox[2].max(e[2]),
                        bbox[3].max(e[3]),
                    ];
                    covered += n;
                }
            }
            let clipped = [bbox[0].max(0.0), bbox[1].max(0.0), bbox[2].min(w), bbox[3].min(h)];
            if clipped[0] < clipped[2] && clipped[1] < clipped[3] && covered > 0 {
                candidates.push((i, clipped, covered, distance));
            }
        }
        scr.faces = faces;

        let mut visible = vec![0u64; objects.len()];
        if let Some((a, b)) = scr.dirty {
            let width = view.width as usize;
            for &tag in &scr.owner[a * width..b * width] {
                if tag > 0 {
                    visible[tag as usize - 1] += 1;
                }
            }
        }
        candidates
            .into_iter()
            .filter(|&(i, ..)| visible[i] > 0)
            .map(|(i, bbox, covered, distance_m)| {
                let o = &objects[i];
                GroundTruthBox {
                    id: o.id,
                    class: o.class,
                    name: o.name.clone(),
                    bbox,
                    center: o.position,
                    distance_m,
                    occluded_fraction: (1.0 - visible[i] as f64 / covered as f64).clamp(0.0, 1.0),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::surface::V2;

    #[test]
    fn shadow_hull_and_owner_colours() {
        let o = WorldObject {
            id: 1,
            class: ObjectClass::Container,
            name: "EXPU1234507".into(),
            position: mission::geodesy::LatLon::new(0.0, 0.0),
            east_north_m: V2::new(10.0, 20.0),
            elevation_m: 0.0,
            heading_deg: 30.0,
            speed_m_s: 0.0,
            length_m: 6.06,
            width_m: 2.44,
            height_m: 2.59,
        };
        let s = shadow(&o, &V3::new(0.0, -0.6, 0.8)).unwrap();
        assert!(s.n >= 4 && s.n <= 8);
        // Sun to the south: the shadow stretches north by h · 0.6 / 0.8.
        let north = s.pts[..s.n].iter().map(|p| p.y).fold(f64::MIN, f64::max);
        assert!(north > 20.0 + 2.59 * 0.75, "{north}");
        assert_eq!(shapes::owner_colour("EXPU1234507"), shapes::owner_colour("EXPU1234615"));
    }
}
