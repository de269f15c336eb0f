//! Rendered pictures, read back: the inspection view of a known packet and a training container,
//! off-screen and in a window under Xvfb, on Mesa's software Vulkan (lavapipe). The assertions
//! are on the image: Tesseract OCR must read the container number and the risk reasons, and the
//! training picture must show the container's inside and its cargo.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LAVAPIPE_ICD: &str = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";

/// Whether the peers are here; missing ones fail the test under PORTOPS_REQUIRE_PEERS=1.
fn peers(need_display: bool) -> bool {
    let mut missing = Vec::new();
    if !Path::new(LAVAPIPE_ICD).exists() {
        missing.push("mesa-vulkan-drivers (lavapipe)");
    }
    if Command::new("tesseract").arg("--version").output().is_err() {
        missing.push("tesseract-ocr");
    }
    if need_display && Command::new("xvfb-run").arg("--help").output().is_err() {
        missing.push("xvfb");
    }
    if missing.is_empty() {
        return true;
    }
    if std::env::var("PORTOPS_REQUIRE_PEERS").is_ok_and(|v| v == "1") {
        panic!("missing peers: {missing:?} (scripts/setup installs them)");
    }
    eprintln!("skipped: missing {missing:?}");
    false
}

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let runtime = dir.path().join("xdg");
        std::fs::create_dir(&runtime).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn packet(&self) -> PathBuf {
        let path = self.path("packet.json");
        std::fs::write(&path, serde_json::to_vec(&support::packet()).unwrap()).unwrap();
        path
    }

    /// The client (or `xvfb-run` around it) with software Vulkan and no station.
    fn command(&self, under_xvfb: bool, args: &[&str]) -> Command {
        let exe = env!("CARGO_BIN_EXE_ar-client");
        let mut c = if under_xvfb {
            let mut c = Command::new("xvfb-run");
            c.args(["-a", "-s", "-screen 0 1600x900x24", exe]);
            c
        } else {
            Command::new(exe)
        };
        c.args(args)
            .env("VK_ICD_FILENAMES", LAVAPIPE_ICD)
            .env("XDG_RUNTIME_DIR", self.path("xdg"))
            .env("PORTOPS_AR_DATA", self.path("data"))
            .env_remove("PORTOPS_STATION_URL")
            .env_remove("PORTOPS_TOKEN")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null());
        c
    }
}

/// Runs to completion within `limit`, returning (success, log).
fn run(mut c: Command, limit: Duration) -> (bool, String) {
    let log = tempfile::NamedTempFile::new().unwrap();
    // One open file for both streams, so that neither overwrites the other.
    let out = log.reopen().unwrap();
    let mut child = c
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("the client starts");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = std::fs::read_to_string(log.path()).unwrap_or_default();
    (status.is_some_and(|s| s.success()), text)
}

/// Tesseract's reading of the picture, upper-cased with spaces removed (OCR splits and joins
/// words at will; what matters is that the characters are there in order).
fn ocr(png: &Path) -> (String, String) {
    let out = Command::new("tesseract")
        .arg(png)
        .arg("stdout")
        .args(["--psm", "11"])
        .output()
        .expect("tesseract runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let squashed = text.to_uppercase().chars().filter(|c| c.is_alphanumeric()).collect();
    (text, squashed)
}

fn squash(s: &str) -> String {
    s.to_uppercase().chars().filter(|c| c.is_alphanumeric()).collect()
}

const LIMIT: Duration = Duration::from_secs(600);

#[test]
fn the_offscreen_inspection_view_shows_the_container_number_and_risk_reasons() {
    if !peers(false) {
        return;
    }
    let s = Scratch::new();
    let png = s.path("inspection.png");
    let packet = s.packet();
    let args = [
        "inspect",
        "--packet",
        packet.to_str().unwrap(),
        "--display",
        "offscreen",
        "--out",
        png.to_str().unwrap(),
    ];
    let (ok, log) = run(s.command(false, &args), LIMIT);
    assert!(ok, "the off-screen render failed:\n{log}");
    let img = image::open(&png).expect("a PNG was written").to_rgb8();
    assert_eq!(img.dimensions(), (1920, 1080));
    let (text, squashed) = ocr(&png);
    assert!(
        squashed.contains(support::CONTAINER),
        "OCR did not read {}:\n{text}",
        support::CONTAINER
    );
    for words in support::REASON_WORDS {
        assert!(squashed.contains(&squash(words)), "OCR did not read {words:?}:\n{text}");
    }
    assert!(
        squashed.contains("RISK87100HIGH"),
        "OCR did not read the score:\n{text}"
    );
}

/// Share of pixels within `tolerance` of `colour` (sRGB bytes).
fn share_near(img: &image::RgbImage, colour: [u8; 3], tolerance: i32) -> f64 {
    let near = img
        .pixels()
        .filter(|p| (0..3).all(|i| (i32::from(p.0[i]) - i32::from(colour[i])).abs() <= tolerance))
        .count();
    near as f64 / (img.width() * img.height()) as f64
}

#[test]
fn a_training_scenario_renders_its_container_and_cargo() {
    if !peers(false) {
        return;
    }
    let s = Scratch::new();
    let png = s.path("training.png");
    let packet = s.packet();
    let args = [
        "train",
        "--trainee",
        "ana",
        "--packet",
        packet.to_str().unwrap(),
        "--open",
        "--display",
        "offscreen",
        "--out",
        png.to_str().unwrap(),
    ];
    let (ok, log) = run(s.command(false, &args), LIMIT);
    assert!(ok, "the off-screen render failed:\n{log}");
    let img = image::open(&png).expect("a PNG was written").to_rgb8();
    let (text, squashed) = ocr(&png);
    assert!(
        squashed.contains(support::CONTAINER),
        "OCR did not read {}:\n{text}",
        support::CONTAINER
    );
    assert!(
        squashed.contains("TRAININGLEVEL1"),
        "OCR did not read the level:\n{text}"
    );
    // The picture is mostly the container's inside and cartons, not sky or an empty frame.
    let mut colours = std::collections::BTreeMap::new();
    for p in img.pixels() {
        *colours.entry([p.0[0] / 32, p.0[1] / 32, p.0[2] / 32]).or_insert(0usize) += 1;
    }
    assert!(colours.len() > 12, "a flat picture: {colours:?}");
    let sky = share_near(&img, [158, 179, 199], 6);
    assert!(sky < 0.35, "{:.0} % of the picture is the clear colour", sky * 100.0);
    let cartons = img
        .pixels()
        .filter(|p| {
            let [r, g, b] = p.0.map(i32::from);
            r > g && g > b && r - b > 40
        })
        .count() as f64
        / f64::from(img.width() * img.height());
    assert!(cartons > 0.05, "cartons cover {:.1} % of the picture", cartons * 100.0);
}

#[test]
fn the_desktop_window_under_xvfb_shows_the_inspection_and_xr_falls_back_to_it() {
    if !peers(true) {
        return;
    }
    let s = Scratch::new();
    let packet = s.packet();
    for display in ["window", "xr"] {
        let png = s.path(&format!("{display}.png"));
        let args = [
            "inspect",
            "--packet",
            packet.to_str().unwrap(),
            "--display",
            display,
            "--exit-after-frames",
            "12",
            "--window-png",
            png.to_str().unwrap(),
        ];
        let (ok, log) = run(s.command(true, &args), LIMIT);
        assert!(ok, "{display}: the windowed run failed:\n{log}");
        if display == "xr" {
            assert!(
                log.contains("no OpenXR runtime") && log.contains("showing the desktop window instead"),
                "{log}"
            );
        }
        let (text, squashed) = ocr(&png);
        assert!(
            squashed.contains(support::CONTAINER),
            "{display}: OCR did not read the number:\n{text}"
        );
    }
}
