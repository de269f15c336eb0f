//! Malformed EDIFACT gives errors that name the segment, where it is and the element; control
//! problems are flagged; unknown qualifiers are tolerated and reported.

use customs::edifact::{EdiError, Interchange, Warning, parse_container_lists, parse_cuscar};

const AURORA: &str = include_str!("../data/edifact/cuscar-d95b-aurora-bay.edi");
const COPRAR: &str = include_str!("../data/edifact/coprar-d95b_apimeister-edifact-types.edi");

/// A small CUSCAR with its UNT count right: UNH + `body` + UNT.
fn cuscar(body: &[&str]) -> String {
    let mut text = String::from("UNB+UNOA:2+S+R+240101:0000+REF1'\nUNH+M1+CUSCAR:D:95B:UN'\n");
    for s in body {
        text.push_str(s);
        text.push('\n');
    }
    text.push_str(&format!("UNT+{}+M1'\nUNZ+1+REF1'\n", body.len() + 2));
    text
}

const GOOD: &[&str] = &[
    "BGM+85+DOC1+9'",
    "EQD+CN+EXPU1234507+45G1:102:5++3+5'",
    "CNI+1+BL1'",
    "GID+1+10:CT'",
    "FTX+AAA+++TOYS'",
    "SGP+EXPU1234507+10'",
];

#[test]
fn the_minimal_message_is_fine() {
    let r = parse_cuscar(&cuscar(GOOD)).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert!(r.manifests[0].validate().is_empty());
}

#[test]
fn missing_unt() {
    let text = "UNB+UNOA:2+S+R+240101:0000+REF1'\nUNH+M1+CUSCAR:D:95B:UN'\nBGM+85+DOC1+9'\nUNZ+1+REF1'\n";
    let e = Interchange::parse(text).unwrap_err();
    match &e {
        EdiError::MissingTrailer {
            reference,
            start,
            found,
        } => {
            assert_eq!(reference, "M1");
            assert_eq!((start.line, start.ordinal), (2, 2));
            assert!(found.contains("UNZ") && found.contains("line 4"), "{found}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("no UNT"));
    // At the end of the input, and before the next message.
    let eof = "UNH+M1+CUSCAR:D:95B:UN'BGM+85+D+9'";
    assert!(
        matches!(Interchange::parse(eof), Err(EdiError::MissingTrailer { found, .. }) if found.contains("end of the input"))
    );
    let two = "UNH+M1+CUSCAR:D:95B:UN'BGM+85+D+9'UNH+M2+CUSCAR:D:95B:UN'UNT+2+M2'";
    assert!(matches!(Interchange::parse(two), Err(EdiError::MissingTrailer { reference, .. }) if reference == "M1"));
}

#[test]
fn wrong_unt_count_and_reference() {
    let text = cuscar(GOOD).replace("UNT+8+M1'", "UNT+7+M2'");
    let i = Interchange::parse(&text).unwrap();
    let count = i.warnings.iter().find_map(|w| match w {
        Warning::SegmentCount {
            declared, actual, pos, ..
        } => Some((declared.clone(), *actual, *pos)),
        _ => None,
    });
    let (declared, actual, pos) = count.expect("count flagged");
    assert_eq!((declared.as_str(), actual, pos.line, pos.index), ("7", 8, 9, Some(8)));
    assert!(
        i.warnings
            .iter()
            .any(|w| matches!(w, Warning::TrailerReference { trailer, .. } if trailer == "M2"))
    );
    let strict = i.strict().unwrap_err();
    assert!(strict.to_string().contains("declares 7 segments but has 8"), "{strict}");
    assert_eq!(strict.position().map(|p| p.line), Some(9));
    // A non-numeric count is flagged the same way, and a wrong UNZ count too.
    let text = cuscar(GOOD)
        .replace("UNT+8+M1'", "UNT+X+M1'")
        .replace("UNZ+1+REF1'", "UNZ+3+REF9'");
    let w = Interchange::parse(&text).unwrap().warnings;
    assert_eq!(w.iter().filter(|w| w.is_control()).count(), 3, "{w:?}");
}

#[test]
fn bad_elements_name_segment_position_and_element() {
    let mut body = GOOD.to_vec();
    body[3] = "GID+X+10:CT'";
    let e = parse_cuscar(&cuscar(&body)).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("GID at segment 6 (segment 5 of its message, line 6"),
        "{msg}"
    );
    assert!(msg.contains("element 1.1 (goods item number) \"X\""), "{msg}");
    match e {
        EdiError::BadElement { at, value, .. } => {
            assert_eq!((at.tag.as_str(), at.element, value.as_str()), ("GID", 1, "X"))
        }
        other => panic!("{other:?}"),
    }
    for (i, bad, needle) in [
        (
            1,
            "EQD+CN+EXPU1234507+45G1:102:5++3+7'",
            "element 6.1 (full/empty indicator)",
        ),
        (1, "EQD+CN'", "element 2.1 (equipment identification) is missing"),
        (5, "SGP+EXPU1234507+ten'", "element 2.1 (package quantity)"),
        (0, "BGM+85'", "element 2.1 (document number) is missing"),
    ] {
        let mut body = GOOD.to_vec();
        body[i] = bad;
        let msg = parse_cuscar(&cuscar(&body)).unwrap_err().to_string();
        assert!(msg.contains(needle), "{bad}: {msg}");
    }
    let mut body = GOOD.to_vec();
    body.insert(1, "DTM+137:20241340:102'");
    let msg = parse_cuscar(&cuscar(&body)).unwrap_err().to_string();
    assert!(
        msg.contains("DTM") && msg.contains("element 1.2") && msg.contains("line 4"),
        "{msg}"
    );
    let mut body = GOOD.to_vec();
    body.push("MEA+AAE+G+KGM:12x'");
    let msg = parse_cuscar(&cuscar(&body)).unwrap_err().to_string();
    assert!(
        msg.contains("MEA") && msg.contains("element 3.2 (measurement value) \"12x\""),
        "{msg}"
    );
}

#[test]
fn unterminated_segment_and_release_at_end() {
    // Cut the sample inside the FTX of line 46.
    let cut = AURORA.find("FTX+AAA+++LAPTOP").unwrap() + 20;
    match Interchange::parse(&AURORA[..cut]) {
        Err(EdiError::Unterminated { tag, pos }) => {
            assert_eq!(tag, "FTX");
            assert_eq!((pos.line, pos.column, pos.offset), (46, 1, cut - 20));
        }
        other => panic!("{other:?}"),
    }
    match Interchange::parse("UNH+1+CUSCAR:D:95B:UN'\nFTX+AAA+++TEXT?") {
        Err(e @ EdiError::ReleaseAtEnd { .. }) => {
            assert!(
                e.to_string()
                    .starts_with("FTX at segment 2 (line 2, column 1, byte 23)"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
    // An escaped terminator at the very end leaves the segment open.
    assert!(matches!(
        Interchange::parse("UNH+1+X'FTX+A?'"),
        Err(EdiError::Unterminated { .. })
    ));
    assert!(matches!(Interchange::parse(""), Err(EdiError::Empty)));
    assert!(matches!(
        Interchange::parse("UNZ+0+R'BGM+1'"),
        Err(EdiError::UnexpectedSegment { .. })
    ));
    assert!(matches!(
        Interchange::parse("BGM+1'"),
        Err(EdiError::UnexpectedSegment { .. })
    ));
    let msg = Interchange::parse("UNH+1+X'\n  b@d+1'").unwrap_err().to_string();
    assert!(msg.contains("line 2, column 3") && msg.contains("\"b@d\""), "{msg}");
}

#[test]
fn unknown_qualifiers_are_tolerated_and_reported() {
    let mut body = GOOD.to_vec();
    body.insert(1, "LOC+999+XXEXP:139:6'");
    body.insert(2, "RFF+ZZZ:ABC'");
    body.push("NAD+ZZ+++SOMEONE'");
    body.push("MEA+AAE+AAW+MTQ:12'");
    body.push("HAN+HWC'");
    let r = parse_cuscar(&cuscar(&body)).unwrap();
    let quals: Vec<&str> = r
        .warnings
        .iter()
        .filter_map(|w| match w {
            Warning::UnknownQualifier { qualifier, .. } => Some(qualifier.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(quals, vec!["999", "ZZZ", "ZZ", "AAW"]);
    assert!(
        r.warnings
            .iter()
            .any(|w| matches!(w, Warning::Unmapped { tag, .. } if tag == "HAN"))
    );
    assert_eq!(r.manifests[0].consignments[0].goods[0].description, "TOYS");
}

#[test]
fn structure_errors() {
    let mut body = GOOD.to_vec();
    body.remove(2); // GID without its CNI
    let e = parse_cuscar(&cuscar(&body)).unwrap_err();
    assert!(
        matches!(&e, EdiError::UnexpectedSegment { tag, .. } if tag == "GID"),
        "{e}"
    );
    let mut body = GOOD.to_vec();
    body[2] = "CNI+1'";
    let msg = parse_cuscar(&cuscar(&body)).unwrap_err().to_string();
    assert!(msg.contains("CNI") && msg.contains("bill of lading"), "{msg}");
    // A CNI without a number takes the RFF+BM bill of lading.
    body.insert(3, "RFF+BM:BL9'");
    assert_eq!(
        parse_cuscar(&cuscar(&body)).unwrap().manifests[0].consignments[0].bill_of_lading,
        "BL9"
    );
    assert!(matches!(parse_cuscar(COPRAR), Err(EdiError::WrongMessageType { found, .. }) if found == "COPRAR"));
    let cuscar_text = cuscar(GOOD);
    assert!(matches!(
        parse_container_lists(&cuscar_text),
        Err(EdiError::WrongMessageType { .. })
    ));
}

#[test]
fn validation_finds_goods_in_unknown_equipment() {
    let mut body = GOOD.to_vec();
    body[5] = "SGP+EXPU1234615+10'";
    let m = &parse_cuscar(&cuscar(&body)).unwrap().manifests[0];
    let problems: Vec<String> = m.validate().iter().map(|p| p.to_string()).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("container EXPU1234615 is not in the manifest's equipment")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("EXPU1234507 is declared full but no goods")),
        "{problems:?}"
    );
    let mut body = GOOD.to_vec();
    body[1] = "EQD+CN+EXPU1234508+45G1:102:5++3+5'";
    body[5] = "SGP+EXPU1234508+10'";
    body.insert(5, "PIA+5+8471.3:HS'");
    let m = &parse_cuscar(&cuscar(&body)).unwrap().manifests[0];
    let problems: Vec<String> = m.validate().iter().map(|p| p.to_string()).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("check digit is 8") && p.contains("give 7")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("HS code \"8471.3\"")),
        "{problems:?}"
    );
}
