//! OpenXR: the plugin group with the session preferences (passthrough first, then additive, then
//! opaque VR). Without a runtime, bevy_mod_openxr reports it and the app goes on in a window.

use bevy::prelude::*;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy_mod_openxr::add_xr_plugins;
use bevy_mod_openxr::exts::OxrExtensions;
use bevy_mod_openxr::init::OxrInitPlugin;
use bevy_mod_openxr::resources::OxrSessionConfig;
use openxr::EnvironmentBlendMode;

/// Whether an OpenXR runtime answers here: the loader loads and lists the runtime's
/// extensions. Checked before the app is built, so that without one the inspector gets the
/// ordinary desktop window (sized, opaque, pipelines ready) instead of the XR plugins' stand-in.
pub fn runtime_available() -> Result<(), String> {
    // SAFETY: loading the Khronos loader runs its initialisers; it is the documented way in and
    // nothing else in the process has loaded another OpenXR loader.
    let entry = unsafe { openxr::Entry::load() }.map_err(|e| format!("no OpenXR loader: {e}"))?;
    entry
        .enumerate_extensions()
        .map(|_| ())
        .map_err(|e| format!("no OpenXR runtime: {e}"))
}

pub fn plugins(window: Window) -> bevy::app::PluginGroupBuilder {
    let mut exts = OxrExtensions::default();
    exts.enable_hand_tracking();
    exts.enable_fb_passthrough();
    add_xr_plugins(
        // Pipelined rendering adds a frame of latency between head pose and picture.
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(window),
                ..default()
            })
            .build()
            .disable::<PipelinedRenderingPlugin>(),
    )
    .set(OxrInitPlugin { exts, ..default() })
}

pub fn configure(app: &mut App) {
    app.insert_resource(OxrSessionConfig {
        // AR passthrough where the headset blends, VR otherwise.
        blend_mode_preference: vec![
            EnvironmentBlendMode::ALPHA_BLEND,
            EnvironmentBlendMode::ADDITIVE,
            EnvironmentBlendMode::OPAQUE,
        ],
        ..default()
    });
    app.add_systems(Update, report_state);
    app.add_systems(Startup, place_wearer);
}

/// How far in front of the container's door the headset's floor origin stands, in metres.
const STANDOFF_M: f32 = 2.6;

/// The scene's door is at the world origin facing +z; the wearer starts a few steps back from
/// it, facing it, as an inspector does before breaking the seals. Without spatial anchors this is
/// where the panels hang, not on the real door.
fn place_wearer(mut roots: Query<&mut Transform, With<bevy_mod_xr::session::XrTrackingRoot>>) {
    for mut root in &mut roots {
        root.translation = Vec3::new(0.0, 0.0, STANDOFF_M);
    }
}

/// Logs the session state as it changes, so the inspector knows whether the headset took over.
fn report_state(state: Option<Res<bevy_mod_xr::session::XrState>>, mut last: Local<Option<String>>) {
    let now = state.map(|s| format!("{:?}", *s)).unwrap_or_else(|| "no OpenXR".into());
    if last.as_deref() != Some(now.as_str()) {
        info!("OpenXR session: {now}");
        *last = Some(now);
    }
}
