//! A text panel hung in the world: Bevy UI rendered to a texture on a quad, so the same panel
//! reads in a headset, a window and an off-screen snapshot. The UI camera renders only for a
//! few frames after the text changes (software Vulkan has little to spare).

use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;

use crate::panels::{Line, Panel, PanelKind, Tone};

/// Texture pixels per metre of panel: about what a snapshot from 4 m shows, so text is neither
/// minified into mush nor wasted.
const PX_PER_M: f32 = 330.0;
/// Body text height in metres (~2 cm per 1 m of reading distance is comfortable in a headset).
const BODY_M: f32 = 0.064;
const TITLE_M: f32 = 0.078;
const FRAMES_PER_REFRESH: u32 = 3;

#[derive(Component)]
pub struct PanelSurface {
    pub kind: PanelKind,
    root: Entity,
    camera: Entity,
    refresh_frames: u32,
}

pub fn tone_colour(tone: Tone) -> Color {
    match tone {
        Tone::Normal | Tone::Heading => Color::srgb(0.05, 0.05, 0.07),
        Tone::Muted => Color::srgb(0.30, 0.32, 0.36),
        Tone::Warning => Color::srgb(0.62, 0.30, 0.0),
        Tone::Alert => Color::srgb(0.75, 0.0, 0.0),
        Tone::Good => Color::srgb(0.0, 0.45, 0.15),
    }
}

fn spawn_lines(commands: &mut Commands, root: Entity, title: &str, lines: &[Line]) {
    let title_px = TITLE_M * PX_PER_M;
    let body_px = BODY_M * PX_PER_M;
    commands.entity(root).with_children(|p| {
        p.spawn((
            Text::new(title.to_string()),
            TextFont {
                font_size: bevy::text::FontSize::Px(title_px),
                ..default()
            },
            TextColor(Color::srgb(0.10, 0.20, 0.45)),
        ));
        for l in lines {
            let size = if l.tone == Tone::Heading {
                body_px * 1.15
            } else {
                body_px
            };
            p.spawn((
                Text::new(l.text.clone()),
                TextFont {
                    font_size: bevy::text::FontSize::Px(size),
                    ..default()
                },
                TextColor(tone_colour(l.tone)),
            ));
        }
    });
}

/// The asset stores a panel is made in.
pub struct PanelAssets<'a> {
    pub meshes: &'a mut Assets<Mesh>,
    pub materials: &'a mut Assets<StandardMaterial>,
    pub images: &'a mut Assets<Image>,
}

/// Adds a row of pictures under a panel's text (drone snapshots on the evidence panel).
pub fn add_pictures(commands: &mut Commands, root: Entity, pictures: &[Handle<Image>]) {
    if pictures.is_empty() {
        return;
    }
    let height = 0.36 * PX_PER_M;
    commands.entity(root).with_children(|p| {
        p.spawn(Node {
            flex_direction: FlexDirection::Row,
            column_gap: Val::Px(8.0),
            ..default()
        })
        .with_children(|row| {
            for picture in pictures {
                row.spawn((
                    ImageNode::new(picture.clone()),
                    Node {
                        height: Val::Px(height),
                        ..default()
                    },
                ));
            }
        });
    });
}

/// Spawns `panel` as a quad placed by `transform` (its centre), drawn by its own UI camera
/// (`order` below the main camera's, so the texture is ready when the quad is drawn). Returns
/// the quad and the UI root of its text.
pub fn spawn(
    commands: &mut Commands,
    assets: &mut PanelAssets,
    panel: &Panel,
    transform: Transform,
    order: isize,
) -> (Entity, Entity) {
    let (w, h) = (panel.placement.width, panel.placement.height);
    let (px_w, px_h) = ((w * PX_PER_M).round() as u32, (h * PX_PER_M).round() as u32);
    let image = assets.images.add(Image::new_target_texture(
        px_w.max(8),
        px_h.max(8),
        TextureFormat::Rgba8UnormSrgb,
        None,
    ));
    let camera = commands
        .spawn((
            Camera2d,
            Camera {
                order,
                clear_color: ClearColorConfig::Custom(Color::srgb(0.97, 0.97, 0.94)),
                ..default()
            },
            RenderTarget::Image(image.clone().into()),
        ))
        .id();
    let root = commands
        .spawn((
            Node {
                width: Val::Percent(100.0),
                height: Val::Percent(100.0),
                flex_direction: FlexDirection::Column,
                padding: UiRect::all(Val::Px(0.03 * PX_PER_M)),
                row_gap: Val::Px(0.012 * PX_PER_M),
                border: UiRect::all(Val::Px(4.0)),
                ..default()
            },
            BorderColor::all(Color::srgb(0.10, 0.20, 0.45)),
            UiTargetCamera(camera),
        ))
        .id();
    spawn_lines(commands, root, &panel.title, &panel.lines);
    let material = assets.materials.add(StandardMaterial {
        base_color_texture: Some(image),
        unlit: true,
        ..default()
    });
    let quad = commands
        .spawn((
            Mesh3d(assets.meshes.add(Rectangle::new(w, h))),
            MeshMaterial3d(material),
            transform,
            PanelSurface {
                kind: panel.kind,
                root,
                camera,
                refresh_frames: FRAMES_PER_REFRESH,
            },
        ))
        .id();
    (quad, root)
}

/// Replaces a panel's text and has it redrawn.
pub fn update(commands: &mut Commands, surface: &mut PanelSurface, panel: &Panel) {
    commands.entity(surface.root).despawn_children();
    spawn_lines(commands, surface.root, &panel.title, &panel.lines);
    surface.refresh_frames = FRAMES_PER_REFRESH;
}

/// What tells whether a node under a panel is laid out.
type LayoutParts = (
    Option<&'static Text>,
    Option<&'static bevy::text::TextLayoutInfo>,
    Option<&'static ImageNode>,
    &'static ComputedNode,
);

/// Whether every panel has been drawn with its text laid out and its pictures placed; the
/// off-screen snapshot waits for it.
#[derive(Resource, Default)]
pub struct PanelsDrawn(pub bool);

/// Whether everything under a panel's root is laid out: texts have glyphs (or are empty),
/// pictures have a size. Fonts and pictures can arrive a few frames late on a busy machine.
fn laid_out(root: Entity, children: &Query<&Children>, nodes: &Query<LayoutParts>) -> bool {
    children.iter_descendants(root).all(|e| match nodes.get(e) {
        Ok((Some(text), layout, _, _)) => text.0.is_empty() || layout.is_some_and(|l| !l.glyphs.is_empty()),
        Ok((None, _, Some(_), node)) => node.size.x > 0.0 && node.size.y > 0.0,
        _ => true,
    })
}

/// Keeps each panel's UI camera on while its content is laid out and for a few frames after,
/// then off until the text changes again.
pub fn refresh_cameras(
    mut surfaces: Query<&mut PanelSurface>,
    mut cameras: Query<&mut Camera>,
    children: Query<&Children>,
    nodes: Query<LayoutParts>,
    mut drawn: ResMut<PanelsDrawn>,
) {
    let mut all_drawn = true;
    for mut s in &mut surfaces {
        let ready = laid_out(s.root, &children, &nodes);
        if let Ok(mut camera) = cameras.get_mut(s.camera) {
            let active = !ready || s.refresh_frames > 0;
            if camera.is_active != active {
                camera.is_active = active;
            }
        }
        if ready {
            s.refresh_frames = s.refresh_frames.saturating_sub(1);
        }
        all_drawn &= ready && s.refresh_frames == 0;
    }
    drawn.0 = all_drawn;
}
