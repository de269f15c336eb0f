//! Where the main camera draws (window or off-screen image), PNG snapshots, and frame timing.

use std::path::PathBuf;
use std::time::Instant;

use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use serde::Serialize;

use super::RunOptions;

/// The main camera's target.
#[derive(Resource, Clone)]
pub enum ViewTarget {
    Window,
    Image(Handle<Image>),
}

impl ViewTarget {
    /// The component to put on the main camera.
    pub fn render_target(&self) -> Option<RenderTarget> {
        match self {
            ViewTarget::Window => None,
            ViewTarget::Image(h) => Some(RenderTarget::Image(h.clone().into())),
        }
    }
}

/// Frames the snapshot waits for panels beyond the warm-up.
const PANEL_WAIT_FRAMES: u32 = 200;

#[derive(Resource)]
struct OffscreenCapture {
    png: PathBuf,
    warmup_frames: u32,
    frames: u32,
    requested: bool,
}

/// Frame times measured over a run, as the benchmark prints them.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct FrameStats {
    pub frames: usize,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl FrameStats {
    pub fn from_times(mut ms: Vec<f64>) -> FrameStats {
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| {
            ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        FrameStats {
            frames: ms.len(),
            mean_ms: ms.iter().sum::<f64>() / ms.len().max(1) as f64,
            p50_ms: at(0.5),
            p99_ms: at(0.99),
            max_ms: ms.last().copied().unwrap_or(0.0),
        }
    }
}

#[derive(Resource)]
struct FrameControl {
    frames: u32,
    last: Option<Instant>,
    times_ms: Vec<f64>,
    /// Frames to skip before timing (start-up, first uploads).
    skip: u32,
    stats: Option<(u32, PathBuf)>,
    exit_after: Option<u32>,
    window_screenshot: Option<PathBuf>,
    screenshot_requested: bool,
}

/// Sets up the off-screen image the main camera draws into and the snapshot after warm-up.
pub fn offscreen(app: &mut App, width: u32, height: u32, png: PathBuf, warmup_frames: u32) -> ViewTarget {
    let mut image = Image::new_target_texture(width, height, TextureFormat::Rgba8UnormSrgb, None);
    image.texture_descriptor.usage |= bevy::render::render_resource::TextureUsages::COPY_SRC;
    let handle = app.world_mut().resource_mut::<Assets<Image>>().add(image);
    app.insert_resource(OffscreenCapture {
        png,
        warmup_frames,
        frames: 0,
        requested: false,
    });
    app.add_systems(Last, request_offscreen_snapshot);
    ViewTarget::Image(handle)
}

fn request_offscreen_snapshot(
    mut commands: Commands,
    mut capture: ResMut<OffscreenCapture>,
    target: Res<ViewTarget>,
    panels: Option<Res<super::panel_texture::PanelsDrawn>>,
) {
    capture.frames += 1;
    // Panels still being laid out would be photographed blank; past a generous wait the
    // picture is taken anyway and the log says why it may be incomplete.
    let panels_drawn = panels.is_none_or(|p| p.0);
    let waited_too_long = capture.frames >= capture.warmup_frames + PANEL_WAIT_FRAMES;
    if capture.requested || capture.frames < capture.warmup_frames || !(panels_drawn || waited_too_long) {
        return;
    }
    if !panels_drawn {
        warn!("panels not laid out after {PANEL_WAIT_FRAMES} frames: the snapshot may miss text");
    }
    let ViewTarget::Image(handle) = target.as_ref() else {
        return;
    };
    capture.requested = true;
    let png = capture.png.clone();
    commands.spawn(Screenshot::image(handle.clone())).observe(
        move |captured: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
            exit.write(save_png(&captured.image, &png));
        },
    );
}

fn save_png(image: &Image, png: &PathBuf) -> AppExit {
    let result = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())
        .and_then(|d| d.to_rgb8().save(png).map_err(|e| e.to_string()));
    match result {
        Ok(()) => {
            info!("snapshot saved to {}", png.display());
            AppExit::Success
        }
        Err(e) => {
            error!("snapshot {}: {e}", png.display());
            AppExit::error()
        }
    }
}

pub fn add_frame_control(app: &mut App, options: &RunOptions) {
    app.insert_resource(FrameControl {
        frames: 0,
        last: None,
        times_ms: Vec::new(),
        skip: 5,
        stats: options.frame_stats.clone(),
        exit_after: options.exit_after_frames,
        window_screenshot: options.window_screenshot.clone(),
        screenshot_requested: false,
    });
    app.add_systems(Last, count_frames);
}

fn count_frames(
    mut commands: Commands,
    mut control: ResMut<FrameControl>,
    mut exit: MessageWriter<AppExit>,
    panels: Option<Res<super::panel_texture::PanelsDrawn>>,
) {
    let now = Instant::now();
    control.frames += 1;
    if let Some(last) = control.last
        && control.frames > control.skip
    {
        control.times_ms.push((now - last).as_secs_f64() * 1e3);
    }
    control.last = Some(now);
    if let Some((wanted, path)) = control.stats.clone()
        && control.times_ms.len() >= wanted as usize
    {
        let stats = FrameStats::from_times(std::mem::take(&mut control.times_ms));
        let written = serde_json::to_vec(&stats)
            .map_err(|e| e.to_string())
            .and_then(|b| std::fs::write(&path, b).map_err(|e| e.to_string()));
        match written {
            Ok(()) => exit.write(AppExit::Success),
            Err(e) => {
                error!("frame stats {}: {e}", path.display());
                exit.write(AppExit::error())
            }
        };
        control.stats = None;
    }
    if let Some(after) = control.exit_after
        && control.frames >= after
        && panels.is_none_or(|p| p.0)
    {
        match control.window_screenshot.clone() {
            Some(png) if !control.screenshot_requested => {
                control.screenshot_requested = true;
                commands.spawn(Screenshot::primary_window()).observe(
                    move |captured: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                        exit.write(save_png(&captured.image, &png));
                    },
                );
            }
            Some(_) => {}
            None => {
                exit.write(AppExit::Success);
            }
        }
    }
}
