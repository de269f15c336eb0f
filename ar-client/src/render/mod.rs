//! The Bevy shell: one app for the inspection overlay and the training container, shown in an
//! OpenXR session, a desktop window, or rendered off-screen to a PNG.
//!
//! The logic lives in the pure cores ([`crate::checklist`], [`crate::training`], [`crate::panels`]);
//! these systems only draw their state and turn key presses, clicks and controller actions into
//! calls on them.

mod capture;
mod container;
mod hud;
mod inspection;
mod panel_texture;
mod picking;
mod training;
mod xr;

use std::path::PathBuf;
use std::time::Duration;

use bevy::app::{AppExit, ScheduleRunnerPlugin};
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::window::{ExitCondition, WindowResolution};
use bevy::winit::WinitPlugin;

use crate::checklist::ChecklistSession;
use crate::outbox::Outbox;
use crate::station::StationClient;
use crate::training::{RecordStore, TrainingRun};

pub use capture::FrameStats;
pub use picking::{Aabb, ray_hits_box};

/// Where the app shows its picture.
#[derive(Debug, Clone, PartialEq)]
pub enum Display {
    /// An OpenXR session (AR passthrough when the runtime blends, VR otherwise); a flat window
    /// when no runtime answers.
    Xr,
    /// A desktop window, mouse and keyboard.
    Window,
    /// No window: render to an image and save it as PNG after `warmup_frames` frames.
    Offscreen {
        width: u32,
        height: u32,
        png: PathBuf,
        warmup_frames: u32,
    },
}

/// What the app shows.
pub enum Scene {
    Inspection(Box<InspectionScene>),
    Training(Box<TrainingScene>),
}

/// An examination at the container door.
pub struct InspectionScene {
    pub session: ChecklistSession,
    /// The station's task, when the packet came from one (findings need it).
    pub task_id: Option<i64>,
    pub inspector: String,
    pub outbox: Outbox,
    pub station: Option<StationClient>,
    /// Drone snapshots of the evidence, fetched before the view opens.
    pub photos: Vec<EvidencePhoto>,
}

/// One drone snapshot shown on the evidence panel.
pub struct EvidencePhoto {
    pub caption: String,
    pub jpeg: Vec<u8>,
}

/// A trainee's run in a scenario container.
pub struct TrainingScene {
    pub run: TrainingRun,
    pub records: RecordStore,
    pub outbox: Outbox,
    pub station: Option<StationClient>,
}

/// Extra behaviour for tests and benchmarks.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Measure this many frames, write [`FrameStats`] as JSON here, then exit.
    pub frame_stats: Option<(u32, PathBuf)>,
    /// Exit after this many frames (window mode smoke tests).
    pub exit_after_frames: Option<u32>,
    /// Save a screenshot of the window to this PNG just before exiting (window mode).
    pub window_screenshot: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the renderer stopped with an error (exit code {0}); see the log above")]
    Failed(u8),
}

/// How often a scene retries the station while uploads wait.
const SYNC_RETRY: Duration = Duration::from_secs(30);

const WINDOW_TITLE: &str = "Port inspection - AR client";

fn base_plugins(display: &Display) -> bevy::app::PluginGroupBuilder {
    let window = Window {
        title: WINDOW_TITLE.into(),
        resolution: WindowResolution::new(1600, 900),
        ..default()
    };
    match display {
        Display::Offscreen { .. } => DefaultPlugins
            .set(WindowPlugin {
                primary_window: None,
                exit_condition: ExitCondition::DontExit,
                close_when_requested: false,
                ..default()
            })
            .set(RenderPlugin {
                // Meshes wait for their pipelines otherwise, and a snapshot of frame 3 would miss them.
                synchronous_pipeline_compilation: true,
                ..default()
            })
            .disable::<WinitPlugin>()
            .add(ScheduleRunnerPlugin::run_loop(Duration::ZERO)),
        Display::Window => DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(window),
                ..default()
            })
            // A few seconds' pause at start on a slow driver, rather than frames with parts missing.
            .set(RenderPlugin {
                synchronous_pipeline_compilation: true,
                ..default()
            }),
        Display::Xr => xr::plugins(window),
    }
}

/// On a software rasteriser (lavapipe) multisampling costs more than it shows: switch it off
/// on each new 3D camera there, keep Bevy's 4x on a GPU.
fn software_rendering_without_msaa(
    adapter: Option<Res<bevy::render::renderer::RenderAdapterInfo>>,
    mut cameras: Query<&mut bevy::render::view::Msaa, Added<Camera3d>>,
) {
    let Some(adapter) = adapter else { return };
    // wgpu's DeviceType is not re-exported by Bevy; its Debug name is stable ("Cpu").
    if cameras.is_empty() || format!("{:?}", adapter.device_type) != "Cpu" {
        return;
    }
    info!("software rendering ({}): multisampling off", adapter.name);
    for mut msaa in &mut cameras {
        *msaa = bevy::render::view::Msaa::Off;
    }
}

/// Runs the app until the user closes it (or the off-screen snapshot is saved).
pub fn run(scene: Scene, display: Display, options: RunOptions) -> Result<(), RenderError> {
    let mut fallback = None;
    let display = match display {
        Display::Xr => match xr::runtime_available() {
            Ok(()) => Display::Xr,
            Err(why) => {
                fallback = Some(why);
                Display::Window
            }
        },
        other => other,
    };
    let mut app = App::new();
    app.add_plugins(base_plugins(&display));
    if display == Display::Xr {
        xr::configure(&mut app);
    }
    if let Some(why) = fallback {
        // Logged once the log plugin is up.
        app.add_systems(Startup, move || warn!("{why}: showing the desktop window instead"));
    }
    app.insert_resource(ClearColor(Color::srgb(0.62, 0.70, 0.78)));
    let target = match &display {
        Display::Offscreen {
            width,
            height,
            png,
            warmup_frames,
        } => capture::offscreen(&mut app, *width, *height, png.clone(), *warmup_frames),
        _ => capture::ViewTarget::Window,
    };
    app.insert_resource(target);
    app.add_systems(Update, software_rendering_without_msaa);
    capture::add_frame_control(&mut app, &options);
    match scene {
        Scene::Inspection(s) => inspection::add(&mut app, *s),
        Scene::Training(s) => training::add(&mut app, *s),
    }
    match app.run() {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(RenderError::Failed(code.get())),
    }
}
