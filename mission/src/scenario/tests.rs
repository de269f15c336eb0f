//! Tests of the scenario module.
use super::*;

#[test]
fn imo_check_digits() {
    assert!(is_valid_imo(9_074_729));
    assert!(is_valid_imo(9_321_483));
    assert!(!is_valid_imo(9_321_484));
    assert!(!is_valid_imo(123));
    assert_eq!(parse_imo(&Value::from("IMO 9321483")), Ok(9_321_483));
    assert!(parse_imo(&Value::from("IMO 932148")).is_err());
}

#[test]
fn iso6346_check_digits() {
    // Vectors from the project's ISO 6346 reference set (python-stdnum and EDI samples),
    // including the sum-mod-11-is-10 case whose check digit is 0.
    assert_eq!(iso6346_check_digit("CSQU305438"), Some(3));
    for valid in [
        "CSQU3054383",
        "TCNU7200794",
        "TOLU4734787",
        "GYOU4047990",
        "TASU1170000",
        "ZEPU0037255",
    ] {
        assert!(is_valid_container_number(valid), "{valid}");
    }
    assert!(is_valid_container_number("CSQU 305438 3"));
    for invalid in [
        "CSQU3054384",
        "CSQU305438",
        "CSQU3054Z83",
        "MSCU1234565",
        "TGHU1234560",
        "MSTI6415664",
        "TEST0000001",
    ] {
        assert!(!is_valid_container_number(invalid), "{invalid}");
    }
    assert_eq!(iso6346_check_digit("MSCU123456"), Some(6));
    assert_eq!(iso6346_check_digit("cs1U305438"), None);
}

#[test]
fn container_slots_fill_bottom_tier_first() {
    let s = ContainerStack {
        containers: vec![],
        heading_deg: 0.0,
        rows: 3,
        tiers: 2,
    };
    assert_eq!(s.slot(0), (0, 0));
    assert_eq!(s.slot(2), (2, 0));
    assert_eq!(s.slot(4), (1, 1));
}

fn point(props: &str) -> String {
    format!(r#"{{"type":"Feature","properties":{props},"geometry":{{"type":"Point","coordinates":[8.9,44.4]}}}}"#)
}

fn collection(features: &[String]) -> String {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

#[test]
fn scenario_without_metadata_uses_launch_as_reference() {
    let s = parse(&collection(&[point(r#"{"kind":"launch","alt_amsl_m":4}"#)])).unwrap();
    assert_eq!(s.name, "");
    assert_eq!(s.reference, LatLon::new(44.4, 8.9));
    assert_eq!(s.launch(), Some(Geodetic::new(44.4, 8.9, 4.0)));
    assert!(s.geofence().is_empty());
}

#[test]
fn bad_sites_are_named() {
    let cases = [
        (
            r#"{"name":"Ghost","kind":"vessel","heading_deg":0,"length_m":100,"beam_m":20,"state":"sunk"}"#,
            "state must be",
        ),
        (
            r#"{"name":"Ghost","kind":"vessel","imo":9321484,"heading_deg":0,"length_m":100,"beam_m":20,"state":"berthed"}"#,
            "wrong check digit",
        ),
        (
            r#"{"name":"Ghost","kind":"vessel","heading_deg":0,"length_m":10,"beam_m":20,"state":"berthed"}"#,
            "larger than length_m",
        ),
        (
            r#"{"name":"Ghost","kind":"container_stack","containers":["CSQU3054384"],"heading_deg":0,"rows":1,"tiers":1}"#,
            "expected 3",
        ),
        (
            r#"{"name":"Ghost","kind":"container_stack","containers":["CSQU3054383","MSKU9070323"],"heading_deg":0,"rows":1,"tiers":1}"#,
            "do not fit",
        ),
        (r#"{"name":"Ghost","kind":"rally"}"#, "alt_m is missing"),
        (
            r#"{"name":"Ghost","kind":"scenario","max_alt_m":-5}"#,
            "max_alt_m must be",
        ),
    ];
    for (props, problem) in cases {
        let e = parse(&collection(&[point(props)])).unwrap_err().to_string();
        assert!(e.contains("Ghost (feature #1)") && e.contains(problem), "{e}");
    }
}

#[test]
fn duplicate_container_and_second_scenario_are_refused() {
    let stack =
        r#"{"name":"S","kind":"container_stack","containers":["CSQU3054383"],"heading_deg":0,"rows":1,"tiers":1}"#;
    let e = parse(&collection(&[point(stack), point(stack)]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("already in stack \"S\""), "{e}");
    let meta = r#"{"name":"P","kind":"scenario"}"#;
    let e = parse(&collection(&[point(meta), point(meta)])).unwrap_err().to_string();
    assert!(e.contains("second scenario feature"), "{e}");
}

#[test]
fn unknown_berth_is_refused() {
    let v = r#"{"name":"V","kind":"vessel","heading_deg":0,"length_m":100,"beam_m":20,"state":"berthed","berth":"Berth 9"}"#;
    let e = parse(&collection(&[point(v)])).unwrap_err().to_string();
    assert!(e.contains("Berth 9"), "{e}");
}
