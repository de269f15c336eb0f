//! Every vendored ISO 6346 test vector agrees, with the shared arithmetic in `mission` and with
//! the part each vector's reason names; the size/type table is consistent; the example port's
//! containers are valid.

use customs::iso6346::{ContainerNumber, ContainerNumberError as E, SizeType, normalise};

const VECTORS: &str = include_str!("../data/iso6346/test-vectors.csv");
const SIZE_TYPES: &str = include_str!("../data/iso6346/size-type-codes.tsv");
const SCENARIO: &str = include_str!("../../data/scenarios/example-port.geojson");

/// `... (expected 3) ...` → 3.
fn expected_digit(reason: &str) -> Option<u8> {
    let rest = &reason[reason.find("expected ")? + 9..];
    rest.chars().next()?.to_digit(10).map(|d| d as u8)
}

#[test]
fn every_vector_agrees() {
    let mut lines = VECTORS.lines();
    assert_eq!(lines.next(), Some("container_number,expected_valid,reason,source"));
    let mut n = 0;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.splitn(4, ',').collect();
        let (number, valid, reason) = (cols[0], cols[1] == "true", cols[2]);
        let parsed = ContainerNumber::parse(number);
        assert_eq!(parsed.is_ok(), valid, "{number}: {reason}: {parsed:?}");
        assert_eq!(
            mission::scenario::is_valid_container_number(number),
            valid,
            "mission disagrees on {number}"
        );
        if let Ok(c) = &parsed {
            assert_eq!(c.to_string(), number);
            assert_eq!(ContainerNumber::check_digit_for(number), Some(c.check_digit));
        }
        // The error names the part the vector's reason names.
        match (&parsed, reason) {
            (Ok(_), _) => {}
            (Err(E::Length { found, .. }), r) => assert!(r.contains("too short") && *found == 10, "{number}"),
            (Err(E::Serial { .. }), r) => assert!(r.contains("letter in serial"), "{number}"),
            (Err(E::Category { found, .. }), r) => {
                // TEST0000001 is listed for its check digit, but 'T' is no category: the
                // category is the first wrong part, so it is what the error names.
                assert!(r.contains("category") || *found == 'T', "{number}: {r}");
            }
            (Err(E::CheckDigit { expected, found, .. }), r) => {
                assert_eq!(Some(*expected), expected_digit(r), "{number}: {r}");
                assert_eq!(
                    *found as u32,
                    number.chars().last().and_then(|c| c.to_digit(10)).unwrap()
                );
            }
            (Err(e), r) => panic!("{number}: unexpected {e} for {r}"),
        }
        n += 1;
    }
    assert_eq!(n, 19);
}

#[test]
fn traps_in_the_vectors() {
    // Published as valid elsewhere, wrong here: the arithmetic says otherwise.
    for (number, expected) in [("MSCU1234565", 6), ("TGHU1234560", 7), ("CSQU3054384", 3)] {
        assert!(matches!(ContainerNumber::parse(number), Err(E::CheckDigit { expected: e, .. }) if e == expected));
    }
    // The remainder-10 rule gives check digit 0.
    for number in ["GYOU4047990", "TASU1170000"] {
        assert_eq!(ContainerNumber::parse(number).unwrap().check_digit, 0);
    }
    // A real EDI sample's number with category I.
    assert!(matches!(
        ContainerNumber::parse("MSTI6415664"),
        Err(E::Category { found: 'I', .. })
    ));
    assert_eq!(normalise(" csqu-305438 3 "), "CSQU3054383");
    assert!(ContainerNumber::parse(" csqu-305438 3 ").is_ok());
}

#[test]
fn scenario_containers_are_valid() {
    let s = mission::scenario::parse(SCENARIO).unwrap();
    let numbers: Vec<String> = s.container_stacks().flat_map(|(_, st)| st.containers).collect();
    assert_eq!(numbers.len(), 18);
    for n in numbers {
        assert!(ContainerNumber::parse(&n).is_ok(), "{n}");
    }
}

#[test]
fn size_type_table_is_consistent() {
    let rows: Vec<Vec<&str>> = SIZE_TYPES.lines().skip(1).map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 82);
    assert_eq!(SizeType::table_len(), 82);
    for r in &rows {
        let (code, group, description) = (r[0], r[1], r[3]);
        assert_eq!(code[..3], group[..3], "{code} is in group {group}");
        let t = SizeType::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(t.group.as_ref().map(|g| g.code.as_str()), Some(&group[2..]), "{code}");
        assert_eq!(t.table_description.as_deref(), Some(description));
    }
    let d = SizeType::parse("45G1").unwrap().describe();
    assert_eq!(
        d,
        "45G1: 40 ft long, 9 ft 6 in (high cube) high, general purpose (GP) - HIGH CUBE CONT."
    );
    let d = SizeType::parse("22G1").unwrap().describe();
    assert!(
        d.starts_with("22G1: 20 ft long, 8 ft 6 in high, general purpose (GP)"),
        "{d}"
    );
    let d = SizeType::parse("42R1").unwrap().describe();
    assert!(
        d.contains("40 ft long") && d.contains("refrigerated and heated") && d.contains("(RT)"),
        "{d}"
    );
    // A code the table does not list still gets its structure described.
    let t = SizeType::parse("L5R1").unwrap();
    assert_eq!(
        (t.length.as_str(), t.high_cube, t.table_description.is_none()),
        ("45 ft", true, true)
    );
}

proptest::proptest! {
    /// The crate's parser and the shared `mission` check agree on every input, near-valid or not.
    #[test]
    fn agrees_with_mission(s in "[A-Za-z]{3}[UJZIujz][0-9 -]{6,8}[0-9X]|\\PC{0,14}") {
        proptest::prop_assert_eq!(
            ContainerNumber::parse(&s).is_ok(),
            mission::scenario::is_valid_container_number(&s),
            "{:?}", s
        );
    }
}
