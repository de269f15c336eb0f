//! Rendered pictures, read back: the inspection view of a known packet and a training container,
//! off-screen and in a window under Xvfb, on Mesa's software Vulkan (lavapipe). The assertions
//! are on the image: Tesseract OCR must read the container number and the risk reasons, and the
//! training picture must show the container's inside and its cargo.

mod station_support;
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

/// Runs the client off-screen with `args` plus the packet, and returns the picture with
/// Tesseract's reading of it (as written, and squashed).
fn render_offscreen(s: &Scratch, args: &[&str], name: &str) -> (image::RgbImage, String, String) {
    let png = s.path(name);
    let packet = s.packet();
    let mut all: Vec<&str> = args.to_vec();
    all.extend([
        "--packet",
        packet.to_str().unwrap(),
        "--display",
        "offscreen",
        "--out",
        png.to_str().unwrap(),
    ]);
    let (ok, log) = run(s.command(false, &all), LIMIT);
    assert!(ok, "the off-screen render failed:\n{log}");
    let img = image::open(&png).expect("a PNG was written").to_rgb8();
    let (text, squashed) = ocr(&png);
    (img, text, squashed)
}

#[test]
fn the_offscreen_inspection_view_shows_the_container_number_and_risk_reasons() {
    if !peers(false) {
        return;
    }
    let s = Scratch::new();
    let (img, text, squashed) = render_offscreen(&s, &["inspect"], "inspection.png");
    assert_eq!(img.dimensions(), (1920, 1080));
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
    let (img, text, squashed) = render_offscreen(&s, &["train", "--trainee", "ana", "--open"], "training.png");
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

/// A person filmed by drone1 near Stack A1 (where EXPU1234507 stands) a minute ago, with a
/// magenta snapshot nothing else in the scene could be mistaken for.
fn person_near_stack_a1(station: &ground_station::station::Station) {
    use ground_station::store::{AlertRaise, DetectionRecord, Severity, SnapshotRecord};
    let now = ar_client::now_ms() as i64;
    let mut jpeg = Vec::new();
    image::RgbImage::from_pixel(160, 120, image::Rgb([255, 0, 255]))
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap();
    let store = station.store.lock().unwrap();
    store
        .insert_detections(&[DetectionRecord {
            drone: "drone1".into(),
            msg_id: 901,
            idx: 0,
            track_id: Some(5),
            class: "person".into(),
            score: 0.87,
            // 18 m south-west of Stack A1.
            lat: Some(44.398498),
            lon: Some(8.905517),
            error_m: Some(2.5),
            time: now - 60_000,
        }])
        .unwrap();
    let snapshot = store
        .insert_snapshot(&SnapshotRecord {
            drone: "drone1".into(),
            msg_id: 902,
            track_id: 5,
            time: now - 59_000,
            content_type: "image/jpeg".into(),
            jpeg: Some(jpeg),
            path: None,
            meta: serde_json::json!({"class": "person"}),
        })
        .unwrap();
    // The station links an observation to its picture through the alert raised on it.
    store
        .raise_alert(&AlertRaise {
            rule: "person_in_yard".into(),
            severity: Severity::Warning,
            drone: "drone1".into(),
            track_id: 5,
            message: "person in the container yard".into(),
            lat: 44.398498,
            lon: 8.905517,
            snapshot_id: Some(snapshot),
            time: now - 58_000,
        })
        .unwrap();
}

#[test]
fn the_inspector_signs_in_takes_the_task_and_sees_packet_and_drone_photo() {
    use ground_station::store::Role;
    if !peers(false) {
        return;
    }
    let s = Scratch::new();
    let (_rt, station) = station_support::start(&s.path("station"));
    person_near_stack_a1(&station);
    station_support::assign(&station, support::CONTAINER);

    let png = s.path("signed-in.png");
    let mut c = s.command(
        false,
        &["inspect", "--display", "offscreen", "--out", png.to_str().unwrap()],
    );
    c.env("PORTOPS_STATION_URL", format!("http://{}", station.http_addr))
        .env("PORTOPS_TOKEN", station.token_for(Role::Inspector).unwrap());
    let (ok, log) = run(c, LIMIT);
    assert!(ok, "the signed-in render failed:\n{log}");
    assert!(log.contains("taking task") && log.contains(support::CONTAINER), "{log}");
    let (text, squashed) = ocr(&png);
    assert!(
        squashed.contains(support::CONTAINER),
        "OCR did not read the number:\n{text}"
    );
    assert!(
        squashed.contains("INSPECTOR"),
        "the signed-in inspector is shown:\n{text}"
    );
    let img = image::open(&png).unwrap().to_rgb8();
    let magenta = share_near(&img, [255, 0, 255], 40);
    assert!(
        magenta > 0.001,
        "the drone snapshot is not on the evidence panel ({magenta})"
    );
}
