//! Frame time of the inspection and training views, off-screen and in a window (Xvfb), on
//! whatever Vulkan driver is present (lavapipe here). Goal on a GPU: ≤ 11 ms (90 Hz).
//!
//! `cargo bench -p ar-client --bench frame_time`; AR_BENCH_FRAMES sets the frames timed (30).

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use ar_client::render::FrameStats;

const LAVAPIPE_ICD: &str = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";

fn measure(dir: &Path, scene: &str, display: &str, frames: u32) -> Result<FrameStats, String> {
    let exe = env!("CARGO_BIN_EXE_ar-client");
    let packet = dir.join("packet.json");
    let stats = dir.join(format!("{scene}-{display}.json"));
    let mut args: Vec<String> = vec![scene.into()];
    if scene == "train" {
        args.extend(["--open".into(), "--trainee".into(), "bench".into()]);
    }
    args.extend(
        [
            "--packet",
            packet.to_str().unwrap_or_default(),
            "--display",
            display,
            // No snapshot: the run ends when the frames are timed.
            "--warmup-frames",
            "1000000",
            "--out",
            "/dev/null",
            "--frame-stats",
            &frames.to_string(),
            "--frame-stats-out",
            stats.to_str().unwrap_or_default(),
        ]
        .map(String::from),
    );
    let mut c = if display == "offscreen" {
        Command::new(exe)
    } else {
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 1600x900x24", exe]);
        c
    };
    if Path::new(LAVAPIPE_ICD).exists() && std::env::var_os("VK_ICD_FILENAMES").is_none() {
        c.env("VK_ICD_FILENAMES", LAVAPIPE_ICD);
    }
    let out = c
        .args(&args)
        .env("XDG_RUNTIME_DIR", dir.join("xdg"))
        .env("PORTOPS_AR_DATA", dir.join("data"))
        .env_remove("PORTOPS_STATION_URL")
        .env_remove("PORTOPS_TOKEN")
        .output()
        .map_err(|e| format!("{exe}: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .join("\n"));
    }
    let text = std::fs::read(&stats).map_err(|e| format!("{}: {e}", stats.display()))?;
    serde_json::from_slice(&text).map_err(|e| e.to_string())
}

fn main() {
    let frames: u32 = std::env::var("AR_BENCH_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir().expect("scratch");
    std::fs::create_dir(dir.path().join("xdg")).expect("xdg");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir.path().join("xdg"), std::fs::Permissions::from_mode(0o700));
    }
    std::fs::write(
        dir.path().join("packet.json"),
        serde_json::to_vec(&support::packet()).expect("packet"),
    )
    .expect("packet file");
    let driver = std::env::var("VK_ICD_FILENAMES").unwrap_or_else(|_| "lavapipe (Mesa software Vulkan)".into());
    println!("ar-client frame time, {frames} frames after 5 warm-up, driver: {driver}");
    println!(
        "{:<11} {:<10} {:>9} {:>9} {:>9} {:>7}",
        "scene", "display", "mean ms", "p50 ms", "p99 ms", "fps"
    );
    for scene in ["inspect", "train"] {
        for display in ["offscreen", "window"] {
            match measure(dir.path(), scene, display, frames) {
                Ok(s) => println!(
                    "{scene:<11} {display:<10} {:>9.1} {:>9.1} {:>9.1} {:>7.1}{}",
                    s.mean_ms,
                    s.p50_ms,
                    s.p99_ms,
                    1000.0 / s.mean_ms.max(1e-9),
                    if s.p99_ms <= 11.0 { "  (meets 90 Hz)" } else { "" }
                ),
                Err(e) => println!("{scene:<11} {display:<10} failed: {e}"),
            }
        }
    }
}
