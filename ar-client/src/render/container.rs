//! The container drawn from boxes: the closed door end an inspector faces, and the open inside a
//! trainee walks into. The door end is at z = 0 facing +z; the box runs towards -z.

use bevy::prelude::*;

use crate::training::scenario::Interior;

/// Outside dimensions from inside ones (steel walls, floor, roof).
const WALL: f32 = 0.05;

pub const STEEL: Color = Color::srgb(0.09, 0.27, 0.52);
const STEEL_DARK: Color = Color::srgb(0.06, 0.18, 0.36);
const BAR: Color = Color::srgb(0.55, 0.57, 0.60);
const GROUND: Color = Color::srgb(0.33, 0.34, 0.36);
const FLOOR_WOOD: Color = Color::srgb(0.45, 0.33, 0.22);
const INSIDE: Color = Color::srgb(0.55, 0.60, 0.66);

fn cuboid(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    material: Handle<StandardMaterial>,
    size: Vec3,
    centre: Vec3,
) -> Entity {
    commands
        .spawn((
            Mesh3d(meshes.add(Cuboid::new(size.x, size.y, size.z))),
            MeshMaterial3d(material),
            Transform::from_translation(centre),
        ))
        .id()
}

/// Ground and light shared by both scenes.
pub fn yard(commands: &mut Commands, meshes: &mut Assets<Mesh>, materials: &mut Assets<StandardMaterial>) {
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::default().mesh().size(60.0, 60.0))),
        MeshMaterial3d(materials.add(GROUND)),
    ));
    commands.spawn((
        DirectionalLight {
            illuminance: 9_000.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(3.0, 8.0, 6.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    commands.insert_resource(GlobalAmbientLight {
        brightness: 600.0,
        ..default()
    });
}

/// The closed door end: two leaves, four locking bars, the body behind.
pub fn closed_doors(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
    interior: Interior,
) {
    let steel = materials.add(STEEL);
    let dark = materials.add(STEEL_DARK);
    let bar = materials.add(BAR);
    let (w, h, l) = (
        interior.width + 2.0 * WALL,
        interior.height + 2.0 * WALL,
        interior.length,
    );
    cuboid(
        commands,
        meshes,
        steel.clone(),
        Vec3::new(w, h, l),
        Vec3::new(0.0, h / 2.0, -l / 2.0),
    );
    for side in [-1.0f32, 1.0] {
        cuboid(
            commands,
            meshes,
            dark.clone(),
            Vec3::new(w / 2.0 - 0.04, h - 0.2, 0.03),
            Vec3::new(side * w / 4.0, h / 2.0, 0.015),
        );
        for offset in [0.28f32, 0.72] {
            cuboid(
                commands,
                meshes,
                bar.clone(),
                Vec3::new(0.04, h - 0.1, 0.04),
                Vec3::new(side * offset * w / 2.0, h / 2.0, 0.05),
            );
        }
    }
}

/// The inside with both doors swung open, the doors at z = 0.
pub fn open_interior(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
    interior: Interior,
) {
    let inside = materials.add(INSIDE);
    let steel = materials.add(STEEL);
    let floor = materials.add(FLOOR_WOOD);
    let Interior { width, height, length } = interior;
    // The inside's frame: x from 0 (left wall) to width, z from 0 (doors) to length, mapped to
    // world -x/2..x/2 and 0..-length.
    let at = |x: f32, y: f32, z: f32| Vec3::new(x - width / 2.0, y, -z);
    cuboid(
        commands,
        meshes,
        floor,
        Vec3::new(width, 0.04, length),
        at(width / 2.0, 0.0, length / 2.0),
    );
    cuboid(
        commands,
        meshes,
        inside.clone(),
        Vec3::new(width, WALL, length),
        at(width / 2.0, height + WALL / 2.0, length / 2.0),
    );
    for x in [-WALL / 2.0, width + WALL / 2.0] {
        cuboid(
            commands,
            meshes,
            inside.clone(),
            Vec3::new(WALL, height, length),
            at(x, height / 2.0, length / 2.0),
        );
    }
    cuboid(
        commands,
        meshes,
        inside,
        Vec3::new(width, height, WALL),
        at(width / 2.0, height / 2.0, length + WALL / 2.0),
    );
    // The door leaves swung back against the sides.
    for side in [-1.0f32, 1.0] {
        cuboid(
            commands,
            meshes,
            steel.clone(),
            Vec3::new(0.03, height, width / 2.0),
            Vec3::new(side * (width / 2.0 + 0.1), height / 2.0, width / 4.0),
        );
    }
}

/// World position of a point in the interior's frame (see [`open_interior`]).
pub fn interior_to_world(interior: Interior, p: [f32; 3]) -> Vec3 {
    Vec3::new(p[0] - interior.width / 2.0, p[1], -p[2])
}
