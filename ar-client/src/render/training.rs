//! The training container: cargo stacked inside, opened and flagged by the trainee, scored when
//! they say they are done, kept on the device and queued for the station.

use bevy::input::mouse::AccumulatedMouseMotion;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use super::capture::ViewTarget;
use super::hud::{self, Hud};
use super::picking::{Aabb, nearest_hit};
use super::{TrainingScene, container};
use crate::outbox::{SyncDriver, Upload, UploadKind};
use crate::station::StationClient;
use crate::training::CargoItem;

#[derive(Resource)]
struct Training {
    scene: TrainingScene,
    message: String,
    sync: SyncDriver<StationClient>,
}

#[derive(Component)]
struct CargoBox(usize);

#[derive(Component)]
struct ClosedDoors;

#[derive(Component)]
struct WalkCamera {
    yaw: f32,
    pitch: f32,
}

#[derive(Resource)]
struct CargoMaterials {
    groups: Vec<Handle<StandardMaterial>>,
    unmarked: Handle<StandardMaterial>,
    wall: Handle<StandardMaterial>,
    flagged: Handle<StandardMaterial>,
}

const CARTONS: [Color; 4] = [
    Color::srgb(0.70, 0.53, 0.33),
    Color::srgb(0.58, 0.62, 0.40),
    Color::srgb(0.50, 0.55, 0.68),
    Color::srgb(0.72, 0.66, 0.46),
];

pub fn add(app: &mut App, scene: TrainingScene) {
    let sync = SyncDriver::new(scene.outbox.clone(), scene.station.clone(), super::SYNC_RETRY);
    app.insert_resource(Training {
        scene,
        message: String::new(),
        sync,
    })
    .init_resource::<Hud>()
    .add_systems(Startup, setup)
    .add_systems(
        Update,
        (
            keys,
            click,
            walk,
            poll_sync,
            show_state.after(keys).after(click),
            hud::show.after(show_state),
        ),
    );
}

fn setup(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    state: Res<Training>,
    target: Res<ViewTarget>,
) {
    let scenario = &state.scene.run.scenario;
    let interior = scenario.interior;
    container::yard(&mut commands, &mut meshes, &mut materials);
    container::open_interior(&mut commands, &mut meshes, &mut materials, interior);
    let cargo = CargoMaterials {
        groups: CARTONS.iter().map(|c| materials.add(*c)).collect(),
        unmarked: materials.add(Color::srgb(0.62, 0.60, 0.56)),
        // Fresh paint, a shade off the real walls: what an examiner learns to notice.
        wall: materials.add(Color::srgb(0.60, 0.64, 0.70)),
        flagged: materials.add(StandardMaterial {
            base_color: Color::srgb(0.85, 0.15, 0.10),
            emissive: LinearRgba::rgb(0.4, 0.0, 0.0),
            ..default()
        }),
    };
    for item in &scenario.items {
        commands.spawn((
            Mesh3d(meshes.add(Cuboid::new(
                item.size[0] - 0.02,
                item.size[1] - 0.02,
                item.size[2] - 0.02,
            ))),
            MeshMaterial3d(material_of(&cargo, item)),
            Transform::from_translation(container::interior_to_world(interior, item.centre)),
            CargoBox(item.id),
        ));
    }
    commands.insert_resource(cargo);
    let steel = materials.add(container::STEEL);
    let doors = commands
        .spawn((
            Mesh3d(meshes.add(Cuboid::new(interior.width + 0.1, interior.height + 0.1, 0.04))),
            MeshMaterial3d(steel),
            Transform::from_xyz(0.0, interior.height / 2.0, 0.02),
            ClosedDoors,
        ))
        .id();
    if state.scene.run.doors_open {
        commands.entity(doors).insert(Visibility::Hidden);
    }
    let walk = WalkCamera { yaw: 0.0, pitch: -0.12 };
    let mut camera = commands.spawn((
        Camera3d::default(),
        walk_transform(Vec3::new(0.0, 1.65, 3.2), &walk),
        walk,
    ));
    if let Some(rt) = target.render_target() {
        camera.insert(rt);
    }
    let camera = camera.id();
    hud::spawn(&mut commands, camera);
}

fn material_of(m: &CargoMaterials, item: &CargoItem) -> Handle<StandardMaterial> {
    match item.group {
        usize::MAX => m.wall.clone(),
        g if g == usize::MAX - 1 => m.unmarked.clone(),
        g => m.groups[g % m.groups.len()].clone(),
    }
}

fn walk_transform(at: Vec3, w: &WalkCamera) -> Transform {
    Transform::from_translation(at).with_rotation(Quat::from_euler(EulerRot::YXZ, w.yaw, w.pitch, 0.0))
}

/// WASD walks, right-drag looks.
fn walk(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    motion: Option<Res<AccumulatedMouseMotion>>,
    time: Res<Time>,
    mut cameras: Query<(&mut WalkCamera, &mut Transform)>,
) {
    let (Some(keys), Some(buttons), Some(motion)) = (keys, buttons, motion) else {
        return;
    };
    for (mut w, mut t) in &mut cameras {
        if buttons.pressed(MouseButton::Right) {
            w.yaw -= motion.delta.x * 0.004;
            w.pitch = (w.pitch - motion.delta.y * 0.004).clamp(-1.2, 1.2);
        }
        let forward = Vec3::new(-w.yaw.sin(), 0.0, -w.yaw.cos());
        let right = Vec3::new(-forward.z, 0.0, forward.x);
        let mut step = Vec3::ZERO;
        for (key, dir) in [
            (KeyCode::KeyW, forward),
            (KeyCode::KeyS, -forward),
            (KeyCode::KeyD, right),
            (KeyCode::KeyA, -right),
        ] {
            if keys.pressed(key) {
                step += dir;
            }
        }
        let at = t.translation + step.normalize_or_zero() * 2.0 * time.delta_secs();
        *t = walk_transform(at, &w);
    }
}

/// A left click selects the box under the cursor.
fn click(
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform), With<WalkCamera>>,
    boxes: Query<(&CargoBox, &GlobalTransform)>,
    mut state: ResMut<Training>,
) {
    let Some(buttons) = buttons else { return };
    if !buttons.just_pressed(MouseButton::Left) {
        return;
    }
    let (Ok(window), Ok((camera, at))) = (windows.single(), cameras.single()) else {
        return;
    };
    let Some(ray) = window
        .cursor_position()
        .and_then(|c| camera.viewport_to_world(at, c).ok())
    else {
        return;
    };
    let scenario = &state.scene.run.scenario;
    let candidates: Vec<(usize, Aabb)> = boxes
        .iter()
        .filter_map(|(b, t)| {
            scenario
                .item(b.0)
                .map(|i| (b.0, Aabb::from_centre(t.translation(), Vec3::from_array(i.size))))
        })
        .collect();
    if let Some((id, _)) = nearest_hit(ray.origin, *ray.direction, &candidates) {
        let result = state.scene.run.select(id).map_err(|e| e.to_string());
        state.message = match result {
            Ok(()) => String::new(),
            Err(e) => e,
        };
    }
}

fn keys(keys: Option<Res<ButtonInput<KeyCode>>>, mut state: ResMut<Training>) {
    let Some(keys) = keys else { return };
    let Some(pressed) = keys.get_just_pressed().next().copied() else {
        return;
    };
    let run = &mut state.scene.run;
    let count = run.scenario.items.len();
    let message = match pressed {
        KeyCode::KeyO => {
            run.open_doors();
            "Doors open.".to_string()
        }
        KeyCode::KeyU => match run.unload_row() {
            Ok(row) => format!(
                "{} items unloaded beside the doors ({} out so far).",
                row.len(),
                run.unloaded.len()
            ),
            Err(e) => e.to_string(),
        },
        KeyCode::Tab => {
            let next = run.selected.map(|s| (s + 1) % count).unwrap_or(0);
            run.select(next).err().map(|e| e.to_string()).unwrap_or_default()
        }
        KeyCode::KeyE => match run.selected {
            Some(id) => match run.inspect(id) {
                Ok(contents) => format!("Inside: {contents}"),
                Err(e) => e.to_string(),
            },
            None => "Select an item first (click or Tab).".into(),
        },
        KeyCode::KeyF => match run.selected {
            Some(id) => match run.toggle_flag(id) {
                Ok(true) => format!("Item {id} flagged."),
                Ok(false) => format!("Flag on item {id} taken back."),
                Err(e) => e.to_string(),
            },
            None => "Select an item first (click or Tab).".into(),
        },
        KeyCode::Enter if run.finished.is_none() => finish(&mut state.scene),
        _ => return,
    };
    state.message = message;
    if pressed == KeyCode::Enter {
        state.sync.start(std::time::Instant::now());
    }
}

/// Scores the run, keeps it in the trainee's record and queues it for the station.
fn finish(scene: &mut TrainingScene) -> String {
    let now = crate::now_ms();
    let score = scene.run.finish(now);
    let Some(result) = scene.run.result() else {
        return "the run has no result".into();
    };
    let mut words = format!(
        "Score {:.0}: found {}/{}, {} false flags{}",
        score.score,
        score.found,
        score.planted,
        score.false_flags,
        if score.passed { " - passed" } else { "" }
    );
    match scene.records.load(&scene.run.trainee) {
        Ok(mut record) => {
            let progress = record.record(result.clone());
            if let Some(level) = progress.newly_unlocked {
                words.push_str(&format!(". Level {level} unlocked!"));
            }
            if let Err(e) = scene.records.save(&record) {
                words.push_str(&format!(". NOT saved on this device: {e}"));
            }
        }
        Err(e) => words.push_str(&format!(". NOT saved on this device: {e}")),
    }
    let upload = serde_json::to_value(&result).map(|body| Upload {
        client_ref: result.client_ref.clone(),
        kind: UploadKind::TrainingResult,
        queued: now,
        body,
        attempts: 0,
        last_error: None,
    });
    match upload
        .map_err(|e| e.to_string())
        .and_then(|u| scene.outbox.enqueue(&u).map_err(|e| e.to_string()))
    {
        Ok(_) => words,
        Err(e) => format!("{words}. NOT queued for the station: {e}"),
    }
}

/// Reports a finished sync and retries while results wait.
fn poll_sync(mut state: ResMut<Training>) {
    if let Some(words) = state.bypass_change_detection().sync.poll() {
        state.message = format!("{} | station: {words}", state.message);
    }
    // A retry is not a change of what the scene shows: no redraw for it.
    state.bypass_change_detection().sync.tick(std::time::Instant::now());
}

/// Where the n-th unloaded item stands: rows on the quay to the right of the doors.
fn unloaded_position(interior: crate::training::scenario::Interior, n: usize) -> Vec3 {
    let (col, row) = ((n % 6) as f32, (n / 6) as f32);
    Vec3::new(interior.width / 2.0 + 1.0 + col * 1.2, 0.56, 1.0 + row * 1.25)
}

fn show_state(
    mut commands: Commands,
    state: Res<Training>,
    materials: Option<Res<CargoMaterials>>,
    boxes: Query<(Entity, &CargoBox, &Transform)>,
    doors: Query<Entity, With<ClosedDoors>>,
    mut gizmos: Gizmos,
    mut hud: ResMut<Hud>,
) {
    let run = &state.scene.run;
    let scenario = &run.scenario;
    if let Some(id) = run.selected
        && let Some((_, _, t)) = boxes.iter().find(|(_, b, _)| b.0 == id)
        && let Some(item) = scenario.item(id)
    {
        gizmos.cube(
            Transform::from_translation(t.translation).with_scale(Vec3::from_array(item.size) * 1.02),
            Color::srgb(1.0, 0.9, 0.0),
        );
    }
    if state.is_changed() {
        if let Some(m) = &materials {
            for (e, b, _) in &boxes {
                if let Some(item) = scenario.item(b.0) {
                    let mat = if run.flagged.contains(&b.0) {
                        m.flagged.clone()
                    } else {
                        material_of(m, item)
                    };
                    commands.entity(e).insert(MeshMaterial3d(mat));
                    let at = match run.unloaded.iter().position(|id| *id == b.0) {
                        Some(n) => unloaded_position(scenario.interior, n),
                        None => container::interior_to_world(scenario.interior, item.centre),
                    };
                    commands.entity(e).insert(Transform::from_translation(at));
                }
            }
        }
        if run.doors_open {
            for d in &doors {
                commands.entity(d).insert(Visibility::Hidden);
            }
        }
    }
    let elapsed = if run.finished.is_some() {
        run.finished_ms.saturating_sub(run.started_ms) as f64 / 1000.0
    } else {
        crate::now_ms().saturating_sub(run.started_ms) as f64 / 1000.0
    };
    let left = (scenario.time_limit_s - elapsed).max(0.0);
    let selected = run
        .selected
        .and_then(|id| scenario.item(id))
        .map(|i| {
            let inside = if run.opened.contains(&i.id) {
                i.contents.as_str()
            } else {
                "(not opened)"
            };
            format!("Item {}: label \"{}\" - {inside}", i.id, i.label)
        })
        .unwrap_or_else(|| "No item selected".into());
    let mut lines = vec![
        format!(
            "Trainee {} | time left {:02}:{:02} | {} flagged | {} opened",
            run.trainee,
            (left / 60.0) as u32,
            (left % 60.0) as u32,
            run.flagged.len(),
            run.opened.len()
        ),
        format!("Manifest {}:", scenario.manifest_document),
    ];
    lines.extend(scenario.manifest_lines.iter().take(4).map(|l| format!("  {l}")));
    lines.push(selected);
    lines.push(state.message.clone());
    let new = Hud {
        title: format!(
            "Training level {} ({}) - container {}",
            run.level.number, run.level.name, scenario.container_number
        ),
        lines,
        keys: "O open doors  U unload a row  click/Tab select  E open item  F flag  Enter finish  WASD walk  right-drag look".into(),
    };
    // Only a change (at most once a second, for the clock) re-lays the text out.
    if *hud != new {
        *hud = new;
    }
}
