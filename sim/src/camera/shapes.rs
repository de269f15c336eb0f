//! Object meshes for the renderer: hulls, superstructures, people, vehicles and containers as flat convex faces.

use super::V3;
use crate::world::{ObjectClass, WorldObject};

/// Most vertices of one face (an octagon).
pub const MAX_VERTS: usize = 8;

/// How a face is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceKind {
    /// Part of the object: counts for its box and its visible pixels.
    Solid,
    /// Painted on the water (a wake): drawn, but not part of the object.
    Decal,
}

/// A planar convex polygon with an outward normal and a flat colour.
#[derive(Debug, Clone, Copy)]
pub struct Face {
    pub pts: [V3; MAX_VERTS],
    pub n: usize,
    /// Outward unit normal, ENU.
    pub normal: V3,
    /// RGB, 0..=255.
    pub colour: [f32; 3],
    pub kind: FaceKind,
}

type Rgb = [f32; 3];

/// An object's body axes: footprint centre at its base, forward along the heading, right.
pub struct Placement {
    c: V3,
    f: V3,
    r: V3,
}

impl Placement {
    pub fn of(o: &WorldObject) -> Self {
        let (s, c) = o.heading_deg.to_radians().sin_cos();
        Self {
            c: V3::new(o.east_north_m.x, o.east_north_m.y, o.elevation_m),
            f: V3::new(s, c, 0.0),
            r: V3::new(c, -s, 0.0),
        }
    }

    /// `a` metres forward, `b` to the right, `z` up from the base.
    pub fn at(&self, a: f64, b: f64, z: f64) -> V3 {
        self.c + self.f * a + self.r * b + V3::new(0.0, 0.0, z)
    }
}

pub fn face(pts: &[V3], normal: V3, colour: Rgb, kind: FaceKind) -> Face {
    let mut arr = [V3::zeros(); MAX_VERTS];
    let n = pts.len().min(MAX_VERTS);
    arr[..n].copy_from_slice(&pts[..n]);
    Face {
        pts: arr,
        n,
        normal,
        colour,
        kind,
    }
}

/// A vertical prism over a convex outline (body coordinates, in order around it): top,
/// sides, and the bottom when it floats above the ground.
fn prism(out: &mut Vec<Face>, pl: &Placement, outline: &[(f64, f64)], z0: f64, z1: f64, top: Rgb, side: Rgb) {
    let lo: Vec<V3> = outline.iter().map(|&(a, b)| pl.at(a, b, z0)).collect();
    let hi: Vec<V3> = outline.iter().map(|&(a, b)| pl.at(a, b, z1)).collect();
    let centre = hi.iter().chain(&lo).sum::<V3>() / (2 * outline.len()) as f64;
    let up = V3::z();
    out.push(face(&hi, up, top, FaceKind::Solid));
    if pl.c.z + z0 > 0.05 {
        out.push(face(&lo, -up, side, FaceKind::Solid));
    }
    for i in 0..outline.len() {
        let j = (i + 1) % outline.len();
        let quad = [lo[i], lo[j], hi[j], hi[i]];
        let mut n = (lo[j] - lo[i]).cross(&up);
        let norm = n.norm();
        if norm < 1e-12 {
            continue;
        }
        n /= norm;
        // Orient by the centre rather than trusting the outline's winding.
        if n.dot(&(lo[i] - centre)) < 0.0 {
            n = -n;
        }
        out.push(face(&quad, n, side, FaceKind::Solid));
    }
}

fn cuboid(out: &mut Vec<Face>, pl: &Placement, a: (f64, f64), b: (f64, f64), z: (f64, f64), top: Rgb, side: Rgb) {
    let outline = [(a.0, b.0), (a.1, b.0), (a.1, b.1), (a.0, b.1)];
    prism(out, pl, &outline, z.0, z.1, top, side);
}

/// A hull outline: square stern, sides, a pointed bow `bow` metres long.
fn hull_outline(length: f64, width: f64, bow: f64) -> [(f64, f64); 5] {
    let (h, w) = (length / 2.0, width / 2.0);
    [(-h, -w), (h - bow, -w), (h, 0.0), (h - bow, w), (-h, w)]
}

fn octagon(r: f64) -> [(f64, f64); 8] {
    std::array::from_fn(|i| {
        let a = (i as f64 + 0.5) * std::f64::consts::TAU / 8.0;
        (r * a.cos(), r * a.sin())
    })
}

/// A small, stable pseudo-random number per object and purpose, so colours do not flicker.
fn pick(id: u32, salt: u32, n: usize) -> usize {
    let mut h = u64::from(id).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(salt).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 31;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    ((h >> 33) % n as u64) as usize
}

const CONTAINER_COLOURS: [Rgb; 8] = [
    [168.0, 46.0, 38.0],
    [38.0, 84.0, 150.0],
    [32.0, 118.0, 72.0],
    [205.0, 118.0, 32.0],
    [215.0, 215.0, 210.0],
    [118.0, 120.0, 124.0],
    [196.0, 166.0, 42.0],
    [122.0, 70.0, 44.0],
];

/// A container's colour from its owner code: one line's boxes share a livery.
pub fn owner_colour(number: &str) -> Rgb {
    let owner = number
        .bytes()
        .take(3)
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    CONTAINER_COLOURS[pick(owner, 1, CONTAINER_COLOURS.len())]
}

fn darker(c: Rgb, k: f32) -> Rgb {
    [c[0] * k, c[1] * k, c[2] * k]
}

/// The faces of an object, appended to `out`.
pub fn mesh(o: &WorldObject, out: &mut Vec<Face>) {
    let pl = Placement::of(o);
    let (l, w, h) = (o.length_m, o.width_m, o.height_m);
    let (hl, hw) = (l / 2.0, w / 2.0);
    match o.class {
        ObjectClass::Container => {
            let c = owner_colour(&o.name);
            cuboid(out, &pl, (-hl, hl), (-hw, hw), (0.0, h), c, darker(c, 0.9));
        }
        ObjectClass::Vessel => vessel(o, &pl, out),
        ObjectClass::Boat => boat(o, &pl, out),
        ObjectClass::Person => person(o, &pl, out),
        ObjectClass::Car => car(o, &pl, out),
        ObjectClass::Truck => {
            const CABS: [Rgb; 4] = [
                [225.0, 225.0, 222.0],
                [170.0, 30.0, 30.0],
                [36.0, 66.0, 130.0],
                [230.0, 170.0, 30.0],
            ];
            let cab = CABS[pick(o.id, 5, CABS.len())];
            let load = CONTAINER_COLOURS[pick(o.id, 6, CONTAINER_COLOURS.len())];
            let tyre = [28.0, 28.0, 30.0];
            cuboid(out, &pl, (-hl, hl - 2.4), (-0.44 * w, 0.44 * w), (0.0, 1.3), tyre, tyre);
            cuboid(out, &pl, (hl - 2.3, hl), (-hw, hw), (0.0, 0.77 * h), cab, cab);
            cuboid(
                out,
                &pl,
                (-hl, hl - 2.6),
                (-0.49 * w, 0.49 * w),
                (1.3, h),
                load,
                darker(load, 0.9),
            );
        }
    }
}

/// A standing worker: two legs, a hi-vis vest or dark jacket, arms at the sides, a head
/// under a white hard hat; proportions of a 1.8 m adult, scaled to the object's height.
fn person(o: &WorldObject, pl: &Placement, out: &mut Vec<Face>) {
    const VESTS: [Rgb; 3] = [[232.0, 222.0, 40.0], [240.0, 120.0, 24.0], [44.0, 50.0, 66.0]];
    let vest = VESTS[pick(o.id, 3, VESTS.len())];
    let trousers = [46.0, 50.0, 66.0];
    let sleeves = [58.0, 66.0, 96.0];
    let skin = [196.0, 158.0, 128.0];
    let k = o.height_m / 1.8;
    for side in [-1.0, 1.0] {
        cuboid(
            out,
            pl,
            (-0.08, 0.08),
            (side * 0.03, side * 0.16),
            (0.0, 0.85 * k),
            trousers,
            trousers,
        );
        cuboid(
            out,
            pl,
            (-0.06, 0.06),
            (side * 0.2, side * 0.28),
            (0.8 * k, 1.42 * k),
            sleeves,
            sleeves,
        );
    }
    cuboid(out, pl, (-0.11, 0.11), (-0.2, 0.2), (0.85 * k, 1.46 * k), vest, vest);
    prism(out, pl, &octagon(0.1), 1.48 * k, 1.72 * k, skin, skin);
    prism(
        out,
        pl,
        &octagon(0.13),
        1.72 * k,
        1.8 * k,
        [238.0, 238.0, 234.0],
        [220.0, 220.0, 214.0],
    );
}

/// A saloon: tyres under the body, a glasshouse with a painted roof. (Tyres standing
/// proud of the body made YOLOX call it an airplane from above.)
fn car(o: &WorldObject, pl: &Placement, out: &mut Vec<Face>) {
    const PAINT: [Rgb; 5] = [
        [220.0, 220.0, 222.0],
        [30.0, 32.0, 36.0],
        [150.0, 24.0, 28.0],
        [40.0, 70.0, 140.0],
        [140.0, 142.0, 146.0],
    ];
    let (l, w, h) = (o.length_m, o.width_m, o.height_m);
    let paint = PAINT[pick(o.id, 4, PAINT.len())];
    let tyre = [24.0, 24.0, 26.0];
    for a in [-0.3 * l, 0.3 * l] {
        for side in [-1.0, 1.0] {
            cuboid(
                out,
                pl,
                (a - 0.32, a + 0.32),
                (side * 0.3 * w, side * 0.5 * w),
                (0.0, 0.62),
                tyre,
                tyre,
            );
        }
    }
    cuboid(
        out,
        pl,
        (-0.5 * l, 0.5 * l),
        (-0.48 * w, 0.48 * w),
        (0.3, 0.62 * h),
        paint,
        paint,
    );
    let glass = [40.0, 50.0, 62.0];
    cuboid(
        out,
        pl,
        (-0.28 * l, 0.18 * l),
        (-0.44 * w, 0.44 * w),
        (0.62 * h, h),
        paint,
        glass,
    );
}

/// A launch or skiff: a two-tone hull with a pointed bow, a cabin with windows (or a
/// console on a small one), foam behind when it moves.
fn boat(o: &WorldObject, pl: &Placement, out: &mut Vec<Face>) {
    const HULLS: [Rgb; 4] = [
        [232.0, 232.0, 228.0],
        [214.0, 96.0, 30.0],
        [150.0, 152.0, 156.0],
        [40.0, 52.0, 92.0],
    ];
    let (l, w, h) = (o.length_m, o.width_m, o.height_m);
    wake(o, pl, out);
    let hull = HULLS[pick(o.id, 2, HULLS.len())];
    let outline = hull_outline(l, w, 0.3 * l);
    let bottom = [34.0, 36.0, 44.0];
    prism(out, pl, &outline, 0.0, 0.35, bottom, bottom);
    let freeboard = 0.9;
    prism(out, pl, &outline, 0.35, freeboard, [205.0, 203.0, 196.0], hull);
    let white = [236.0, 236.0, 232.0];
    let glass = [52.0, 62.0, 74.0];
    if l >= 7.0 {
        cuboid(
            out,
            pl,
            (-0.2 * l, 0.1 * l),
            (-0.3 * w, 0.3 * w),
            (freeboard, 0.6 * h),
            white,
            white,
        );
        cuboid(
            out,
            pl,
            (-0.18 * l, 0.08 * l),
            (-0.28 * w, 0.28 * w),
            (0.6 * h, h),
            white,
            glass,
        );
    } else {
        cuboid(
            out,
            pl,
            (-0.1 * l, 0.05 * l),
            (-0.15 * w, 0.15 * w),
            (freeboard, 1.6),
            white,
            glass,
        );
    }
}

fn vessel(o: &WorldObject, pl: &Placement, out: &mut Vec<Face>) {
    const HULLS: [Rgb; 4] = [
        [112.0, 30.0, 30.0],
        [36.0, 36.0, 42.0],
        [30.0, 46.0, 82.0],
        [34.0, 70.0, 52.0],
    ];
    let (l, w) = (o.length_m, o.width_m);
    let (freeboard, superstructure) = crate::world::population::vessel_heights(l);
    let tanker = o.name.starts_with("MT ");
    let deck = if tanker {
        [150.0, 62.0, 52.0]
    } else {
        [118.0, 100.0, 84.0]
    };
    wake(o, pl, out);
    prism(
        out,
        pl,
        &hull_outline(l, w, 0.15 * l),
        0.0,
        freeboard,
        deck,
        HULLS[pick(o.id, 7, HULLS.len())],
    );
    let white = [232.0, 232.0, 226.0];
    let aft = -l / 2.0 + 0.04 * l;
    cuboid(
        out,
        pl,
        (aft, aft + 0.12 * l),
        (-0.42 * w, 0.42 * w),
        (freeboard, freeboard + superstructure),
        white,
        [206.0, 206.0, 200.0],
    );
    if tanker || l < 100.0 {
        return;
    }
    // Deck cargo in bays of two twenty-foot boxes, stacked to random heights.
    let (start, end) = (aft + 0.14 * l, l / 2.0 - 0.16 * l);
    let bay = 2.0 * crate::world::population::CONTAINER_LENGTH_M + 0.6;
    let max_tiers = (0.9 * superstructure / crate::world::population::CONTAINER_HEIGHT_M) as usize;
    let mut a = start;
    let mut i = 0;
    while a + bay <= end && max_tiers > 0 {
        // Below the bridge's height, so the box of the vessel holds its cargo.
        let tiers = (1 + pick(o.id, 100 + i, 4)).min(max_tiers) as f64;
        let colour = CONTAINER_COLOURS[pick(o.id, 200 + i, CONTAINER_COLOURS.len())];
        let top = freeboard + tiers * crate::world::population::CONTAINER_HEIGHT_M;
        cuboid(
            out,
            pl,
            (a, a + bay - 0.6),
            (-0.4 * w, 0.4 * w),
            (freeboard, top),
            colour,
            darker(colour, 0.88),
        );
        a += bay;
        i += 1;
    }
}

/// Foam behind a moving craft: two arms of a V and the wash between them, painted on the
/// water, fading (in two steps) with distance from the stern.
fn wake(o: &WorldObject, pl: &Placement, out: &mut Vec<Face>) {
    if o.speed_m_s < 0.5 || o.elevation_m > 0.0 {
        return;
    }
    let (l, w) = (o.length_m, o.width_m);
    let len = (o.speed_m_s * 4.0).clamp(l, 3.0 * l);
    let stern = -l / 2.0 + 0.2 * l;
    let z = 0.03;
    // The arm at distance s behind the stern: its outer and inner edge, across.
    let arm = |s: f64| {
        let outer = w / 2.0 + 0.25 * s;
        (outer, outer - (0.04 * s).max(0.3))
    };
    for (s0, s1, colour) in [(0.0, 0.5, [176.0, 204.0, 214.0]), (0.5, 1.0, [112.0, 154.0, 172.0])] {
        let (a0, a1) = (stern - s0 * len, stern - s1 * len);
        let ((o0, i0), (o1, i1)) = (arm(s0 * len), arm(s1 * len));
        for side in [-1.0, 1.0] {
            let pts = [
                pl.at(a0, side * i0, z),
                pl.at(a0, side * o0, z),
                pl.at(a1, side * o1, z),
                pl.at(a1, side * i1, z),
            ];
            out.push(face(&pts, V3::z(), colour, FaceKind::Decal));
        }
    }
    let wash = [
        pl.at(-l / 2.0, -w / 3.0, z),
        pl.at(-l / 2.0, w / 3.0, z),
        pl.at(-l / 2.0 - 0.5 * len, 0.0, z),
    ];
    out.push(face(&wash, V3::z(), [120.0, 160.0, 178.0], FaceKind::Decal));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::surface::V2;

    fn object(class: ObjectClass, l: f64, w: f64, h: f64) -> WorldObject {
        WorldObject {
            id: 1,
            class,
            name: "EXPU1234507".into(),
            position: mission::geodesy::LatLon::new(0.0, 0.0),
            east_north_m: V2::new(10.0, 20.0),
            elevation_m: 0.0,
            heading_deg: 30.0,
            speed_m_s: 3.0,
            length_m: l,
            width_m: w,
            height_m: h,
        }
    }

    #[test]
    fn meshes_stay_inside_their_boxes_and_normals_point_out() {
        for (class, l, w, h) in [
            (ObjectClass::Container, 6.06, 2.44, 2.59),
            (ObjectClass::Vessel, 180.0, 28.0, 28.8),
            (ObjectClass::Boat, 8.0, 2.9, 2.2),
            (ObjectClass::Person, 0.3, 0.6, 1.8),
            (ObjectClass::Car, 4.5, 1.8, 1.5),
            (ObjectClass::Truck, 16.5, 2.5, 3.9),
        ] {
            let o = object(class, l, w, h);
            let mut faces = Vec::new();
            mesh(&o, &mut faces);
            assert!(faces.len() >= 5, "{class:?}");
            let c = V3::new(10.0, 20.0, h / 2.0);
            for f in faces.iter().filter(|f| f.kind == FaceKind::Solid) {
                for p in &f.pts[..f.n] {
                    let d = p - c;
                    assert!(d.xy().norm() <= 0.5 * l.hypot(w) + 1e-9, "{class:?} {p:?}");
                    assert!(p.z >= -1e-9 && p.z <= h + 1e-9, "{class:?} {p:?}");
                }
                // Planar, with a unit normal; a lone box's normals point away from its centre.
                assert!((f.normal.norm() - 1.0).abs() < 1e-9);
                for p in &f.pts[1..f.n] {
                    assert!(f.normal.dot(&(p - f.pts[0])).abs() < 1e-9, "{class:?}");
                }
                let centroid = f.pts[..f.n].iter().sum::<V3>() / f.n as f64;
                if class == ObjectClass::Container {
                    assert!(f.normal.dot(&(centroid - c)) > 0.0);
                }
            }
        }
    }

    #[test]
    fn owner_colours_follow_the_owner_code() {
        assert_eq!(owner_colour("EXPU1234507"), owner_colour("EXPU1234615"));
    }
}
