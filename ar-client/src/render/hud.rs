//! The flat overlay of the desktop and off-screen views: status, keys and messages.

use bevy::prelude::*;

/// The overlay's lines; systems of each scene rewrite them.
#[derive(Resource, Default, PartialEq)]
pub struct Hud {
    pub title: String,
    pub lines: Vec<String>,
    pub keys: String,
}

#[derive(Component)]
pub struct HudText;

#[derive(Component)]
pub struct HudKeys;

/// Spawns the overlay on `camera`.
pub fn spawn(commands: &mut Commands, camera: Entity) {
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(16.0),
                top: Val::Px(12.0),
                padding: UiRect::all(Val::Px(10.0)),
                flex_direction: FlexDirection::Column,
                row_gap: Val::Px(4.0),
                ..default()
            },
            BackgroundColor(Color::srgba(0.97, 0.97, 0.94, 0.92)),
            UiTargetCamera(camera),
        ))
        .with_children(|p| {
            p.spawn((
                Text::new(""),
                TextFont {
                    font_size: bevy::text::FontSize::Px(26.0),
                    ..default()
                },
                TextColor(Color::srgb(0.05, 0.05, 0.07)),
                HudText,
            ));
            p.spawn((
                Text::new(""),
                TextFont {
                    font_size: bevy::text::FontSize::Px(17.0),
                    ..default()
                },
                TextColor(Color::srgb(0.25, 0.27, 0.30)),
                HudKeys,
            ));
        });
}

pub fn show(
    hud: Res<Hud>,
    mut text: Query<&mut Text, (With<HudText>, Without<HudKeys>)>,
    mut keys: Query<&mut Text, (With<HudKeys>, Without<HudText>)>,
) {
    if !hud.is_changed() {
        return;
    }
    let mut body = hud.title.clone();
    for l in &hud.lines {
        body.push('\n');
        body.push_str(l);
    }
    for mut t in &mut text {
        t.0.clone_from(&body);
    }
    for mut t in &mut keys {
        t.0.clone_from(&hud.keys);
    }
}
