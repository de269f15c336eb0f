//! The `customs` binary on the samples: output, JSON and exit codes.

use std::process::Command;

use customs::manifest::Manifest;

fn customs(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_customs"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn manifest_summary_and_json() {
    let (code, out, _) = customs(&["manifest", "data/edifact/cuscar-d95b-aurora-bay.edi"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("vessel MV AURORA BAY IMO 9301146 call sign D5AB7 flag LR, voyage 0426E"),
        "{out}"
    );
    assert!(out.contains("EXPU1234507,EXPU1234615"), "{out}");
    assert!(!out.contains("problem:"), "{out}");

    let (code, out, _) = customs(&[
        "manifest",
        "--json",
        "data/edifact/cuscar-d95b-interchange-custom-separators.edi",
    ]);
    assert_eq!(code, 0);
    let manifests: Vec<Manifest> = serde_json::from_str(&out).unwrap();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/edifact/cuscar-d95b-interchange-custom-separators.edi"),
    )
    .unwrap();
    assert_eq!(manifests, customs::parse_cuscar(&text).unwrap().manifests);

    let (code, _, err) = customs(&["manifest", "data/edifact/coprar-d95b_apimeister-edifact-types.edi"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected a CUSCAR message, found COPRAR"), "{err}");
    let (code, _, err) = customs(&["manifest", "no/such/file.edi"]);
    assert_eq!(code, 2);
    assert!(err.contains("reading no/such/file.edi"), "{err}");
}

#[test]
fn container_and_hs() {
    let (code, out, _) = customs(&["container", "CSQU 305438 3", "--size-type", "45G1"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("owner code CSQ, category U (freight container), serial 305438, check digit 3"),
        "{out}"
    );
    assert!(out.contains("45G1: 40 ft long"), "{out}");
    let (code, out, _) = customs(&["container", "MSCU1234565"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("check digit is 5 but the owner code, category and serial give 6"),
        "{out}"
    );
    let (code, out, _) = customs(&["hs", "8471 30 00"]);
    assert_eq!(code, 0);
    assert!(out.contains("subheading 8471.30"), "{out}");
    let (code, out, _) = customs(&["hs", "8471.99"]);
    assert_eq!(code, 1);
    assert!(out.contains("nearest existing: heading 8471"), "{out}");
}

#[test]
fn bayplan() {
    let (code, out, err) = customs(&["bayplan", "data/edifact/baplie-d04b_apimeister-edifact-types.edi"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("005-03-02") && out.contains("CONTAINER") && out.contains("23000 kg"),
        "{out}"
    );
    assert!(err.contains("IMONUMBER"), "{err}");
    let (code, out, err) = customs(&["bayplan", "data/edifact/coprar-d95b_apimeister-edifact-types.edi"]);
    assert_eq!(code, 0);
    assert!(out.contains("MSTI6415664  NO"), "{out}");
    assert!(err.contains("declares 56 segments but has 29"), "{err}");
}
