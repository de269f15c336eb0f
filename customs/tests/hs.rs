//! HS2022 look-ups at each level, tolerant code parsing and the description chain.

use customs::hs::{HsError, Level, Nomenclature, parse_code};

fn hs() -> &'static Nomenclature {
    Nomenclature::hs2022()
}

#[test]
fn sizes_of_the_vendored_data() {
    // 97 chapters + 1,229 headings + 5,613 subheadings (the TOTAL root row is not an entry).
    assert_eq!(hs().len(), 6939);
    let chapters = (1..=99).filter(|c| hs().get(&format!("{c:02}")).is_some()).count();
    assert_eq!(chapters, 97);
    assert!(hs().get("77").is_none(), "chapter 77 is reserved");
    assert_eq!(
        hs().section("XVI")
            .map(|s| s.starts_with("Machinery and mechanical appliances")),
        Some(true)
    );
    assert_eq!(
        hs().section("VII"),
        Some("Plastics and articles thereof; rubber and articles thereof")
    );
}

#[test]
fn chapter_heading_and_subheading() {
    let c = hs().describe("84").unwrap();
    assert_eq!(c.level, Level::Chapter);
    assert_eq!(
        c.description,
        "Machinery and mechanical appliances, boilers, nuclear reactors; parts thereof"
    );
    assert_eq!(
        c.chain.iter().map(|l| l.level).collect::<Vec<_>>(),
        vec![Level::Section, Level::Chapter]
    );

    let h = hs().describe("8471").unwrap();
    assert_eq!(h.level, Level::Heading);
    assert!(h.description.starts_with("Automatic data processing machines"));
    assert_eq!(hs().children("8471").len(), 8);

    let s = hs().describe("8471.30").unwrap();
    assert_eq!(
        (s.code.as_str(), s.display.as_str(), s.level),
        ("847130", "8471.30", Level::Subheading)
    );
    assert!(s.description.contains("portable, weighing not more than 10kg"));
    let codes: Vec<&str> = s.chain.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, vec!["XVI", "84", "8471", "8471.30"]);
    assert!(
        s.render()
            .contains("    heading 8471: Automatic data processing machines")
    );

    // Leading zeros are kept (chapter 01, live animals).
    let horses = hs().describe("0101.21").unwrap();
    assert_eq!(horses.chain[0].code, "I");
    assert_eq!(horses.chain[1].description, "Animals; live");
}

#[test]
fn tolerant_parsing() {
    for written in ["8471.30", "847130", "8471 30", " 8471-30 ", "HS 8471.30"] {
        let q = parse_code(written).unwrap();
        assert_eq!((q.code.as_str(), q.national), ("847130", None), "{written}");
    }
    for written in ["8471 30 00", "84713000", "8471.30.00.90", "8471300090"] {
        let d = hs().describe(written).unwrap();
        assert_eq!(d.code, "847130", "{written}");
        assert!(d.national.as_deref().is_some_and(|n| n.starts_with("847130")));
        assert!(d.render().contains("national code"));
    }
    assert!(matches!(parse_code(""), Err(HsError::Empty)));
    assert!(matches!(parse_code("84x1"), Err(HsError::NotDigits { found: 'x', .. })));
    let e = parse_code("8471.3").unwrap_err();
    assert!(matches!(e, HsError::Length { digits: 5, .. }));
    assert!(e.to_string().contains("leading zero may have been lost"), "{e}");
    assert!(matches!(
        parse_code("84713000901"),
        Err(HsError::Length { digits: 11, .. })
    ));
}

#[test]
fn codes_not_in_hs2022() {
    let e = hs().describe("8471.99").unwrap_err();
    assert!(matches!(
        &e,
        HsError::NotFound {
            level: Level::Subheading,
            ..
        }
    ));
    assert!(e.to_string().contains("nearest existing: heading 8471"), "{e}");
    let e = hs().describe("7700").unwrap_err();
    assert!(matches!(&e, HsError::NotFound { nearest: None, .. }), "{e}");
    // Chapter 99 is UN Comtrade's, outside every section: described, without a section.
    let d = hs().describe("99").unwrap();
    assert_eq!(d.chain.len(), 1);
}
