//! The vendored and written EDIFACT samples parse, with their field values asserted, and agree
//! with the example port scenario (vessels, IMO numbers, container numbers).

use customs::edifact::{Interchange, Warning, parse_container_lists, parse_cuscar};
use customs::manifest::{FullEmpty, Manifest, SealingParty, UnLocode};

const AURORA: &str = include_str!("../data/edifact/cuscar-d95b-aurora-bay.edi");
const INTERCHANGE: &str = include_str!("../data/edifact/cuscar-d95b-interchange-custom-separators.edi");
const COPRAR: &str = include_str!("../data/edifact/coprar-d95b_apimeister-edifact-types.edi");
const BAPLIE: &str = include_str!("../data/edifact/baplie-d04b_apimeister-edifact-types.edi");
const SCENARIO: &str = include_str!("../../data/scenarios/example-port.geojson");

fn loc(s: &str) -> Option<UnLocode> {
    Some(UnLocode(s.into()))
}

fn control_warnings(w: &[Warning]) -> Vec<&Warning> {
    w.iter()
        .filter(|w| w.is_control() || matches!(w, Warning::Envelope { .. }))
        .collect()
}

/// Vessel name and IMO number.
type Vessels = Vec<(String, u32)>;
/// Stack name and its containers.
type Stacks = Vec<(String, Vec<String>)>;

/// The scenario's vessels and container stacks, read by the mission crate.
fn scenario() -> (Vessels, Stacks) {
    let s = mission::scenario::parse(SCENARIO).unwrap();
    let vessels = s.vessels().filter_map(|(_, v)| Some((v.name, v.imo?))).collect();
    let stacks = s
        .container_stacks()
        .map(|(site, st)| (site.name.clone(), st.containers))
        .collect();
    (vessels, stacks)
}

fn stack(name: &str) -> Vec<String> {
    scenario().1.into_iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn aurora_bay_manifest() {
    let report = parse_cuscar(AURORA).unwrap();
    assert!(control_warnings(&report.warnings).is_empty(), "{:?}", report.warnings);
    assert_eq!(report.manifests.len(), 1);
    let m = &report.manifests[0];
    assert_eq!(m.document_number, "AURB0426E-XXEXP");
    assert_eq!(m.message_function.as_deref(), Some("9"));
    assert_eq!(m.issued.as_deref(), Some("2024-05-18T06:15"));
    assert_eq!(m.vessel.name.as_deref(), Some("MV AURORA BAY"));
    assert_eq!(m.vessel.imo, Some(9_301_146));
    assert_eq!(m.vessel.call_sign.as_deref(), Some("D5AB7"));
    assert_eq!(m.vessel.flag.as_deref(), Some("LR"));
    assert_eq!(m.voyage_number.as_deref(), Some("0426E"));
    assert_eq!(
        (m.departure_port.clone(), m.arrival_port.clone()),
        (loc("CNSHA"), loc("XXEXP"))
    );
    assert_eq!(m.arrival.as_deref(), Some("2024-05-20T14:00"));
    assert_eq!(
        m.carrier.as_ref().map(|c| c.name.as_str()),
        Some("AURORA BAY LINES SPA")
    );

    // The equipment is Stack A1 of the example port, and the vessel is the scenario's.
    let numbers: Vec<String> = m.equipment.iter().map(|e| e.number.clone()).collect();
    assert_eq!(numbers, stack("Stack A1"));
    assert!(scenario().0.contains(&("MV Aurora Bay".to_string(), 9_301_146)));

    let e = m.equipment("EXPU 123450-7").unwrap();
    assert_eq!(e.size_type.as_deref(), Some("45G1"));
    assert_eq!(
        (e.tare_kg, e.gross_kg, e.full_empty),
        (Some(3900.0), Some(14380.0), Some(FullEmpty::Full))
    );
    assert_eq!(e.seals.len(), 2);
    assert_eq!(
        (e.seals[0].number.as_str(), &e.seals[0].party),
        ("CN7741021", &SealingParty::Carrier)
    );
    assert_eq!(e.seals[1].party, SealingParty::Shipper);
    assert_eq!(
        m.equipment("LGRU7001122").unwrap().seals[1].party,
        SealingParty::Customs
    );

    assert_eq!(m.consignments.len(), 4);
    let c = &m.consignments[0];
    assert_eq!(c.bill_of_lading, "AURB0426E0001");
    assert_eq!(c.consignor.as_ref().unwrap().name, "SHENZHEN BRIGHT ELECTRONICS CO LTD");
    assert_eq!(
        c.consignor.as_ref().unwrap().address,
        vec!["88 KEJI ROAD, NANSHAN", "518057 SHENZHEN"]
    );
    assert_eq!(c.consignor.as_ref().unwrap().country.as_deref(), Some("CN"));
    assert_eq!(c.notify.as_ref().unwrap().name, "LIGURIA FREIGHT AGENCY");
    assert_eq!(
        (c.route.loading.clone(), c.route.discharge.clone()),
        (loc("CNSHA"), loc("XXEXP"))
    );
    // One consignment over two containers with three HS codes.
    assert_eq!(c.containers(), vec!["EXPU1234507", "EXPU1234615"]);
    let hs: Vec<&str> = c.goods.iter().filter_map(|g| g.hs_code.as_deref()).collect();
    assert_eq!(hs, vec!["847130", "8517.13", "852852"]);
    let laptops = &c.goods[0];
    assert_eq!(laptops.description, "LAPTOP COMPUTERS 14 INCH WITH CHARGERS");
    let p = laptops.packages.as_ref().unwrap();
    assert_eq!(
        (p.count, p.kind.as_deref(), p.kind_text.as_deref()),
        (420, Some("CT"), Some("CARTONS"))
    );
    assert_eq!(laptops.gross_kg, Some(10480.0));
    assert_eq!(laptops.placements.len(), 2);
    assert_eq!(
        (laptops.placements[1].packages, laptops.placements[1].gross_kg),
        (Some(180), Some(4490.0))
    );
    assert_eq!(laptops.gross_kg_in("EXPU1234615"), Some(4490.0));
    assert_eq!(laptops.marks, vec!["SBE", "GENOVA", "1-420"]);

    // The release character: D?'ANGELO.
    assert_eq!(m.consignments[1].consignee.as_ref().unwrap().name, "D'ANGELO MODA SRL");
    assert_eq!(m.consignments[1].route.delivery, loc("ITMIL"));
    let batteries = &m.consignments[2].goods[0];
    let dg = batteries.dangerous.as_ref().unwrap();
    assert_eq!(
        (dg.class.as_deref(), dg.un_number.as_deref()),
        (Some("9"), Some("3480"))
    );
    assert!(m.validate().is_empty(), "{:?}", m.validate());
}

#[test]
fn interchange_with_custom_separators_and_two_messages() {
    let interchange = Interchange::parse(INTERCHANGE).unwrap();
    assert_eq!(interchange.delimiters.element, '*');
    assert_eq!(interchange.delimiters.release, Some('!'));
    assert_eq!(interchange.control_reference(), Some("PEX240521A"));
    let interchange = interchange.strict().unwrap();
    assert_eq!(interchange.messages.len(), 2);
    let report = parse_cuscar(INTERCHANGE).unwrap();
    let [ligurian, trader] = report.manifests.as_slice() else {
        panic!("two manifests")
    };
    let vessels = scenario().0;
    for m in [ligurian, trader] {
        let name = m
            .vessel
            .name
            .as_deref()
            .unwrap()
            .trim_start_matches("MV ")
            .to_lowercase();
        let found = vessels.iter().find(|(n, _)| n.to_lowercase().ends_with(&name)).unwrap();
        assert_eq!(m.vessel.imo, Some(found.1), "{name}");
        assert!(m.validate().is_empty(), "{:?}", m.validate());
    }
    assert_eq!(ligurian.vessel.call_sign.as_deref(), Some("9HA4821"));
    let numbers: Vec<String> = ligurian.equipment.iter().map(|e| e.number.clone()).collect();
    assert_eq!(numbers, stack("Stack A2"));
    let mut b: Vec<String> = stack("Stack B1");
    b.extend(stack("Stack B2"));
    let mut numbers: Vec<String> = trader.equipment.iter().map(|e| e.number.clone()).collect();
    numbers.sort();
    b.sort();
    assert_eq!(numbers, b);
    // Decimal comma, released element separator, an empty container declared as such.
    assert_eq!(ligurian.equipment[0].gross_kg, Some(18250.5));
    assert_eq!(
        ligurian.consignments[0].goods[0].description,
        "HEXAGON BOLTS M8*40, STEEL, ZINC PLATED"
    );
    assert_eq!(ligurian.consignments[0].goods[0].gross_kg, Some(16020.5));
    let empty = ligurian.equipment("CSTU8803090").unwrap();
    assert_eq!(
        (empty.full_empty, empty.tare_kg),
        (Some(FullEmpty::Empty), Some(2230.0))
    );
    let tyres = &trader.consignments[0].goods[0];
    assert_eq!(tyres.placements.len(), 2);
    assert_eq!(tyres.placements.iter().filter_map(|p| p.packages).sum::<u32>(), 1520);
}

#[test]
fn manifests_round_trip_through_json() {
    let mut all = parse_cuscar(AURORA).unwrap().manifests;
    all.extend(parse_cuscar(INTERCHANGE).unwrap().manifests);
    for m in all {
        let json = m.to_json();
        assert_eq!(Manifest::from_json(&json).unwrap(), m);
    }
    let future = parse_cuscar(AURORA).unwrap().manifests[0]
        .to_json()
        .replacen("\"schema\": 1", "\"schema\": 2", 1);
    assert!(
        Manifest::from_json(&future)
            .unwrap_err()
            .to_string()
            .contains("schema 2")
    );
}

#[test]
fn coprar_sample_with_its_wrong_segment_count() {
    let (lists, warnings) = parse_container_lists(COPRAR).unwrap();
    let count = warnings
        .iter()
        .find_map(|w| match w {
            Warning::SegmentCount {
                reference,
                declared,
                actual,
                pos,
            } => Some((reference, declared, *actual, *pos)),
            _ => None,
        })
        .expect("the sample's UNT count is flagged");
    assert_eq!((count.0.as_str(), count.1.as_str(), count.2), ("638", "56", 29));
    assert_eq!((count.3.line, count.3.index), (29, Some(29)));
    assert!(warnings.iter().any(|w| matches!(w, Warning::Envelope { .. })));
    assert!(Interchange::parse(COPRAR).unwrap().strict().is_err());

    let [list] = lists.as_slice() else {
        panic!("one message")
    };
    assert_eq!(list.message_type, "COPRAR");
    assert_eq!(list.document_number.as_deref(), Some("20121121084145"));
    assert_eq!(list.vessel.call_sign.as_deref(), Some("D5EP4"));
    assert_eq!(list.vessel.name.as_deref(), Some("HELLO WORLD"));
    assert_eq!(
        (list.voyage.as_deref(), list.carrier.as_deref()),
        (Some("123W"), Some("MSK"))
    );
    assert_eq!(list.arrival.as_deref(), Some("2012-11-24"));
    assert_eq!(list.containers.len(), 2);
    let c = &list.containers[0];
    assert_eq!(c.number, "MSTI6415664");
    assert!(!c.number_valid, "category I is not U/J/Z");
    assert_eq!(c.size_type.as_deref(), Some("45G1"));
    assert_eq!(
        (c.gross_kg, c.vgm_kg, c.full_empty),
        (Some(11740.0), Some(11740.0), Some(FullEmpty::Full))
    );
    assert_eq!(c.port_of_loading, loc("AEJEA"));
    assert_eq!(
        (c.port_of_discharge.clone(), c.place_of_delivery.clone()),
        (loc("INNSA"), loc("INNSA"))
    );
    assert_eq!(c.booking.as_deref(), Some("2GO2005174"));
    assert_eq!(c.description.as_deref(), Some("PLASTICS:ARTICLES"));
    assert_eq!(c.operator.as_deref(), Some("MSK"));
    assert_eq!(c.status.as_deref(), Some("6"));
    assert!(c.stowage.is_none());
    // The sample's CNT+16 says 5 containers for the 2 it lists: flagged, not hidden.
    assert!(
        warnings
            .iter()
            .any(|w| matches!(w, Warning::Suspicious { what, value, .. } if what.contains("CNT+16") && value == "5"))
    );
}

#[test]
fn baplie_sample_positions() {
    let (lists, warnings) = parse_container_lists(BAPLIE).unwrap();
    assert!(control_warnings(&warnings).is_empty(), "{warnings:?}");
    let [list] = lists.as_slice() else {
        panic!("one message")
    };
    assert_eq!(list.message_type, "BAPLIE");
    assert_eq!(list.document_number.as_deref(), Some("2343"));
    assert_eq!(list.voyage.as_deref(), Some("RFN234"));
    assert_eq!(list.loading_voyage.as_deref(), Some("VOYAGENUMBER"));
    assert_eq!(list.issued.as_deref(), Some("2009-10-30T12:00"));
    assert_eq!(list.vessel.imo, None, "IMONUMBER is a placeholder, not an IMO number");
    assert!(
        warnings
            .iter()
            .any(|w| matches!(w, Warning::Suspicious { value, .. } if value == "IMONUMBER"))
    );
    let [c] = list.containers.as_slice() else {
        panic!("one container")
    };
    let s = c.stowage.as_ref().unwrap();
    assert_eq!((s.bay, s.row, s.tier), (5, 3, 2));
    assert_eq!(c.stowage_cell.as_deref(), Some("0050302"));
    assert_eq!(c.number, "CONTAINER");
    assert!(!c.number_valid);
    assert_eq!(c.size_type.as_deref(), Some("2210"));
    assert_eq!((c.gross_kg, c.full_empty), (Some(23000.0), Some(FullEmpty::Full)));
    assert_eq!(c.port_of_discharge, Some(UnLocode("PORTOFDISCHARGE".into())));
    assert_eq!(c.place_of_delivery, Some(UnLocode("PLACEOFDELIVERY".into())));
    assert_eq!(
        (c.bill_of_lading.as_deref(), c.operator.as_deref()),
        (Some("1"), Some("TSL"))
    );
    // LOC+6 is not a qualifier the mapper knows: reported with its position, not dropped silently.
    assert!(warnings.iter().any(
        |w| matches!(w, Warning::UnknownQualifier { qualifier, pos, .. } if qualifier == "6" && pos.index == Some(13))
    ));
}
