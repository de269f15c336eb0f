//! Which box a pointer ray hits (mouse in a window, controller aim in XR): the slab test on
//! axis-aligned boxes, nearest hit first.

use bevy::math::Vec3;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aabb {
    pub min: Vec3,
    pub max: Vec3,
}

impl Aabb {
    pub fn from_centre(centre: Vec3, size: Vec3) -> Aabb {
        Aabb {
            min: centre - size / 2.0,
            max: centre + size / 2.0,
        }
    }
}

/// Distance along the ray to the box, if the ray (origin, unit direction) hits it in front.
pub fn ray_hits_box(origin: Vec3, direction: Vec3, b: &Aabb) -> Option<f32> {
    let mut near = f32::NEG_INFINITY;
    let mut far = f32::INFINITY;
    for axis in 0..3 {
        let (o, d, lo, hi) = (origin[axis], direction[axis], b.min[axis], b.max[axis]);
        if d.abs() < 1e-9 {
            if o < lo || o > hi {
                return None;
            }
            continue;
        }
        let (t1, t2) = ((lo - o) / d, (hi - o) / d);
        near = near.max(t1.min(t2));
        far = far.min(t1.max(t2));
        if near > far {
            return None;
        }
    }
    if far < 0.0 { None } else { Some(near.max(0.0)) }
}

/// The nearest of `boxes` the ray hits, as (index, distance).
pub fn nearest_hit(origin: Vec3, direction: Vec3, boxes: &[(usize, Aabb)]) -> Option<(usize, f32)> {
    boxes
        .iter()
        .filter_map(|(id, b)| ray_hits_box(origin, direction, b).map(|t| (*id, t)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_box_in_front_is_hit_and_boxes_behind_or_aside_are_not() {
        let near = Aabb::from_centre(Vec3::new(0.0, 0.0, -2.0), Vec3::ONE);
        let far = Aabb::from_centre(Vec3::new(0.0, 0.0, -5.0), Vec3::ONE);
        let aside = Aabb::from_centre(Vec3::new(3.0, 0.0, -2.0), Vec3::ONE);
        let behind = Aabb::from_centre(Vec3::new(0.0, 0.0, 4.0), Vec3::ONE);
        let boxes = [(7, far), (3, near), (9, aside), (1, behind)];
        let hit = nearest_hit(Vec3::ZERO, Vec3::NEG_Z, &boxes).unwrap();
        assert_eq!(hit.0, 3);
        assert!((hit.1 - 1.5).abs() < 1e-5);
        assert_eq!(ray_hits_box(Vec3::ZERO, Vec3::NEG_Z, &aside), None);
        assert_eq!(ray_hits_box(Vec3::ZERO, Vec3::NEG_Z, &behind), None);
        // From inside a box the hit is at distance zero.
        assert_eq!(ray_hits_box(Vec3::new(0.0, 0.0, -2.0), Vec3::X, &near), Some(0.0));
    }
}
