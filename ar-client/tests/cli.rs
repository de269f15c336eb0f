//! The binary's answers to bad input: each names what is wrong and where, exits non-zero, and
//! writes nothing it should not. No GPU needed: every case stops before a window opens.

mod support;

use std::process::Command;

fn client(data: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ar-client"))
        .args(args)
        .env("PORTOPS_AR_DATA", data)
        .env_remove("PORTOPS_STATION_URL")
        .env_remove("PORTOPS_TOKEN")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the client runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn bad_packets_manifests_levels_and_images_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bad = dir.path().join("bad-packet.json");
    std::fs::write(&bad, r#"{"schema": 1, "container": "#).unwrap();
    let (ok, text) = client(
        &data,
        &["inspect", "--packet", bad.to_str().unwrap(), "--display", "offscreen"],
    );
    assert!(!ok);
    assert!(text.contains("bad-packet.json: not an inspection packet"), "{text}");
    assert!(text.contains("line 1"), "the parser's position is given: {text}");

    let edi = dir.path().join("broken.edi");
    std::fs::write(&edi, "UNB+UNOC:3+X+Y+240101:1200+1'UNH+1+CUSCAR:D:95B:UN'BGM+85'").unwrap();
    let (ok, text) = client(
        &data,
        &[
            "inspect",
            "--manifest",
            edi.to_str().unwrap(),
            "--container",
            support::CONTAINER,
        ],
    );
    assert!(!ok);
    assert!(text.contains("broken.edi"), "{text}");

    let (ok, text) = client(&data, &["train", "--trainee", "ana", "--level", "9"]);
    assert!(!ok);
    assert!(text.contains("there is no level 9"), "{text}");
    let (ok, text) = client(&data, &["train", "--trainee", "ana", "--level", "3"]);
    assert!(!ok);
    assert!(text.contains("level 3 is locked for ana"), "{text}");

    let not_image = dir.path().join("door.png");
    std::fs::write(&not_image, b"not a png").unwrap();
    let (ok, text) = client(&data, &["scan", not_image.to_str().unwrap()]);
    assert!(!ok);
    assert!(text.contains("door.png: not an image"), "{text}");

    let (ok, text) = client(&data, &["inspect", "--container", support::CONTAINER]);
    assert!(!ok);
    assert!(
        text.contains("PORTOPS_STATION_URL"),
        "says how to reach a station: {text}"
    );
    let (ok, text) = client(&data, &["sync"]);
    assert!(!ok);
    assert!(text.contains("sync needs the station"), "{text}");
}

#[test]
fn the_queue_and_progress_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, text) = client(&data, &["queue"]);
    assert!(ok, "{text}");
    assert!(text.contains("pending: 0") && text.contains("refused: 0"), "{text}");
    let (ok, text) = client(&data, &["progress", "--trainee", "ana"]);
    assert!(ok, "{text}");
    assert!(text.contains("ana: level 1 unlocked"), "{text}");
    assert!(text.contains("level 5 Everything at once"), "{text}");
}
