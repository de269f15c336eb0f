//! The inspection view: the container's closed door with the packet's panels hung around it,
//! the checklist worked by keys, findings queued and synced in the background.

use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;

use super::capture::ViewTarget;
use super::hud::{self, Hud};
use super::panel_texture::{self, PanelAssets, PanelSurface};
use super::{InspectionScene, container};
use crate::door_keys::{DoorKeys, Effect, Press};
use crate::outbox::{SyncDriver, Upload, UploadKind};
use crate::panels::{self, PanelKind};
use crate::station::StationClient;
use crate::training::scenario::Interior;

#[derive(Resource)]
struct Inspection {
    scene: InspectionScene,
    keys: DoorKeys,
    message: String,
    sync: SyncDriver<StationClient>,
}

#[derive(Component)]
struct OrbitCamera {
    yaw: f32,
    pitch: f32,
    distance: f32,
}

const LOOK_AT: Vec3 = Vec3::new(0.0, 1.30, 0.0);

pub fn add(app: &mut App, scene: InspectionScene) {
    let sync = SyncDriver::new(scene.outbox.clone(), scene.station.clone(), super::SYNC_RETRY);
    app.insert_resource(Inspection {
        scene,
        keys: DoorKeys::default(),
        message: String::new(),
        sync,
    })
    .init_resource::<Hud>()
    .init_resource::<panel_texture::PanelsDrawn>()
    .add_systems(Startup, setup)
    .add_systems(
        Update,
        (
            keys,
            orbit,
            poll_sync,
            refresh.after(keys),
            hud::show.after(refresh),
            panel_texture::refresh_cameras.after(refresh),
        ),
    );
}

fn setup(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut images: ResMut<Assets<Image>>,
    state: Res<Inspection>,
    target: Res<ViewTarget>,
) {
    let packet = state.scene.session.packet();
    let interior = Interior::for_size_type(packet.container.size_type.as_deref());
    container::yard(&mut commands, &mut meshes, &mut materials);
    container::closed_doors(&mut commands, &mut meshes, &mut materials, interior);
    for (i, panel) in panels::panels(&state.scene.session).iter().enumerate() {
        let p = panel.placement;
        // Side panels turn a little towards the inspector standing in front of the doors.
        let turn = (-p.x * 0.12).clamp(-0.35, 0.35);
        let transform =
            Transform::from_xyz(p.x, p.y, 0.10 + p.x.abs() * 0.08).with_rotation(Quat::from_rotation_y(turn));
        let mut assets = PanelAssets {
            meshes: &mut meshes,
            materials: &mut materials,
            images: &mut images,
        };
        let (_, root) = panel_texture::spawn(&mut commands, &mut assets, panel, transform, -1 - i as isize);
        if panel.kind == PanelKind::Evidence {
            let pictures: Vec<Handle<Image>> = state
                .scene
                .photos
                .iter()
                .filter_map(|p| decode_photo(&p.jpeg, &p.caption))
                .map(|image| images.add(image))
                .collect();
            panel_texture::add_pictures(&mut commands, root, &pictures);
        }
    }
    let orbit = OrbitCamera {
        yaw: 0.0,
        pitch: 0.03,
        distance: 4.3,
    };
    // No tonemapping: the panels' white and text colours reach the eye (and the OCR) as drawn.
    let mut camera = commands.spawn((Camera3d::default(), Tonemapping::None, orbit_transform(&orbit), orbit));
    if let Some(rt) = target.render_target() {
        camera.insert(rt);
    }
    let camera = camera.id();
    hud::spawn(&mut commands, camera);
}

/// A snapshot as a texture; a damaged one is logged and left out, never fatal.
fn decode_photo(jpeg: &[u8], caption: &str) -> Option<Image> {
    match image::load_from_memory(jpeg) {
        Ok(picture) => Some(Image::from_dynamic(
            picture,
            true,
            bevy::asset::RenderAssetUsages::RENDER_WORLD | bevy::asset::RenderAssetUsages::MAIN_WORLD,
        )),
        Err(e) => {
            warn!("drone snapshot {caption}: not a picture: {e}");
            None
        }
    }
}

fn orbit_transform(o: &OrbitCamera) -> Transform {
    let offset = Vec3::new(
        o.distance * o.pitch.cos() * o.yaw.sin(),
        o.distance * o.pitch.sin(),
        o.distance * o.pitch.cos() * o.yaw.cos(),
    );
    Transform::from_translation(LOOK_AT + offset).looking_at(LOOK_AT, Vec3::Y)
}

/// Right-drag turns around the door, the wheel steps closer or back.
fn orbit(
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    motion: Option<Res<AccumulatedMouseMotion>>,
    scroll: Option<Res<AccumulatedMouseScroll>>,
    mut cameras: Query<(&mut OrbitCamera, &mut Transform)>,
) {
    let (Some(buttons), Some(motion), Some(scroll)) = (buttons, motion, scroll) else {
        return;
    };
    for (mut o, mut t) in &mut cameras {
        let mut moved = false;
        if buttons.pressed(MouseButton::Right) && motion.delta != Vec2::ZERO {
            o.yaw = (o.yaw - motion.delta.x * 0.005).clamp(-1.3, 1.3);
            o.pitch = (o.pitch + motion.delta.y * 0.004).clamp(-0.2, 1.0);
            moved = true;
        }
        if scroll.delta.y != 0.0 {
            o.distance = (o.distance - scroll.delta.y * 0.3).clamp(1.2, 9.0);
            moved = true;
        }
        if moved {
            *t = orbit_transform(&o);
        }
    }
}

fn keys(mut events: MessageReader<KeyboardInput>, mut state: ResMut<Inspection>) {
    for e in events.read() {
        if !e.state.is_pressed() {
            continue;
        }
        let press = match &e.logical_key {
            Key::ArrowUp => Press::Up,
            Key::ArrowDown => Press::Down,
            Key::Enter => Press::Enter,
            Key::Backspace => Press::Backspace,
            Key::Escape => Press::Escape,
            Key::Space => Press::Space,
            Key::F5 => Press::F5,
            Key::Character(c) => Press::Text(c.to_string()),
            _ => continue,
        };
        let state = &mut *state;
        match state.keys.press(&mut state.scene.session, press) {
            Effect::Nothing => {}
            Effect::Say(words) => state.message = words,
            Effect::SaveFinding => record_finding(state),
            Effect::Sync => start_sync(state),
        }
    }
}

/// Queues the finding (durably, before anything is sent) and starts a sync.
fn record_finding(state: &mut Inspection) {
    let Some(task_id) = state.scene.task_id else {
        state.message = "No inspection task for this container: an officer assigns one first.".into();
        return;
    };
    let now = crate::now_ms();
    let client_ref = format!(
        "{}-{}-{now}",
        state.scene.session.packet().container.number,
        state.scene.inspector
    );
    let finding = match state
        .scene
        .session
        .finding(task_id, &state.scene.inspector, now, &client_ref)
    {
        Ok(f) => f,
        Err(problems) => {
            state.message = format!(
                "Not complete: {}",
                problems.first().map(ToString::to_string).unwrap_or_default()
            );
            return;
        }
    };
    let body = match serde_json::to_value(&finding) {
        Ok(b) => b,
        Err(e) => {
            state.message = format!("finding not recorded: {e}");
            return;
        }
    };
    let upload = Upload {
        client_ref,
        kind: UploadKind::Finding { task_id },
        queued: now,
        body,
        attempts: 0,
        last_error: None,
    };
    match state.scene.outbox.enqueue(&upload) {
        Ok(_) => {
            state.message = "Finding saved on this device.".into();
            start_sync(state);
        }
        Err(e) => state.message = format!("finding NOT saved: {e}"),
    }
}

fn start_sync(state: &mut Inspection) {
    if !state.sync.start(std::time::Instant::now()) && !state.sync.online() {
        state.message.push_str(" Offline: it will be sent by `ar-client sync`.");
    }
}

/// Reports a finished sync and retries while findings wait.
fn poll_sync(mut state: ResMut<Inspection>) {
    if let Some(words) = state.bypass_change_detection().sync.poll() {
        state.message = words;
    }
    // A retry is not a change of what the scene shows: no redraw for it.
    state.bypass_change_detection().sync.tick(std::time::Instant::now());
}

/// Redraws the panels that follow the examination, and the overlay.
fn refresh(
    mut commands: Commands,
    state: Res<Inspection>,
    mut surfaces: Query<&mut PanelSurface>,
    mut hud: ResMut<Hud>,
) {
    if !state.is_changed() {
        return;
    }
    let all = panels::panels(&state.scene.session);
    for mut surface in &mut surfaces {
        if let Some(panel) = all
            .iter()
            .filter(|p| matches!(p.kind, PanelKind::Checklist | PanelKind::Seals))
            .find(|p| p.kind == surface.kind)
        {
            panel_texture::update(&mut commands, &mut surface, panel);
        }
    }
    let s = &state.scene.session;
    let (done, required) = s.progress();
    let pending = state.scene.outbox.pending().map(|p| p.len()).unwrap_or(0);
    let new = Hud {
        title: format!("Inspection {}", s.packet().container.number),
        lines: vec![
            format!(
                "{} | task {} | checklist {done}/{required} | {pending} waiting to sync",
                state.scene.inspector,
                state
                    .scene
                    .task_id
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "none".into())
            ),
            state.keys.prompt().unwrap_or_else(|| state.message.clone()),
        ],
        keys: "Up/Down item  Y/N answer  digits+Enter count  O seal seen  T note  S save finding  F5 sync  right-drag look"
            .into(),
    };
    if *hud != new {
        *hud = new;
    }
}
