//! The inspection overlay without a GPU: panel contents, the checklist session and the finding
//! it builds, and container numbers read from QR codes.

mod support;

use ar_client::checklist::ChecklistSession;
use ar_client::panels::{self, PanelKind};
use customs::inspection::{AnswerKind, AnswerValue, DiscrepancyKind, item_ids};

#[test]
fn panels_show_the_container_risk_reasons_goods_seals_parties_evidence_and_checklist() {
    let session = ChecklistSession::new(support::packet());
    let all = panels::panels(&session);
    let text = |kind| all.iter().find(|p| p.kind == kind).unwrap().text();
    assert!(text(PanelKind::Container).contains(support::CONTAINER));
    let risk = text(PanelKind::Risk);
    assert!(risk.contains("87/100 HIGH"), "{risk}");
    for words in support::REASON_WORDS {
        assert!(risk.to_lowercase().contains(words), "{risk}");
    }
    let goods = text(PanelKind::Goods);
    assert!(goods.contains("HS "), "HS descriptions shown: {goods}");
    assert!(text(PanelKind::Seals).contains("not checked"));
    assert!(text(PanelKind::PartiesRoute).contains("consignee"));
    assert!(text(PanelKind::Evidence).contains("person by drone1"));
    assert!(text(PanelKind::Checklist).starts_with("CHECKLIST 0/"));
    // No two panels overlap on the door.
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            let (pa, pb) = (a.placement, b.placement);
            let apart_x = (pa.x - pb.x).abs() >= (pa.width + pb.width) / 2.0 - 1e-4;
            let apart_y = (pa.y - pb.y).abs() >= (pa.height + pb.height) / 2.0 - 1e-4;
            assert!(apart_x || apart_y, "{:?} overlaps {:?}", a.kind, b.kind);
        }
    }
}

/// Answers every required item the way the declaration says, except the first package count.
fn work_through(session: &mut ChecklistSession, short_by: u32) {
    while let Some(item) = session.current().cloned() {
        let value = match item.kind {
            AnswerKind::YesNo => AnswerValue::YesNo(!matches!(
                item.id.as_str(),
                item_ids::UNDECLARED_GOODS | item_ids::CONCEALMENT | item_ids::PROHIBITED_GOODS
            )),
            AnswerKind::Count => AnswerValue::Count(item.expected_count.unwrap_or(0).saturating_sub(short_by)),
            AnswerKind::Text => AnswerValue::Text(String::new()),
        };
        let last = session.cursor() + 1 == session.items().len();
        session.answer(value).unwrap();
        if last {
            break;
        }
    }
}

#[test]
fn a_complete_checklist_makes_a_finding_with_the_count_difference() {
    let mut session = ChecklistSession::new(support::packet());
    let incomplete = session.finding(4, "inspector", 1, "ref-1").unwrap_err();
    assert!(!incomplete.is_empty());
    // A yes/no item refuses a count.
    assert!(session.answer(AnswerValue::Count(3)).is_err());
    work_through(&mut session, 2);
    session.observed_seals = vec!["CN7741021".into(), "XX000001".into()];
    let finding = session.finding(4, "inspector", 1, "ref-1").unwrap();
    assert_eq!(finding.client_ref.as_deref(), Some("ref-1"));
    assert_eq!(finding.task_id, "4");
    assert_eq!(finding.container_number, support::CONTAINER);
    let kinds: Vec<_> = finding.discrepancies.iter().map(|d| d.kind).collect();
    assert!(kinds.contains(&DiscrepancyKind::QuantityDifference), "{kinds:?}");
    assert!(kinds.contains(&DiscrepancyKind::SealMismatch), "{kinds:?}");
    let q = finding
        .discrepancies
        .iter()
        .find(|d| d.kind == DiscrepancyKind::QuantityDifference)
        .unwrap();
    assert_eq!(q.declared_count.unwrap() - q.found_count.unwrap(), 2);
    assert!(q.bill_of_lading.is_some());
    assert_eq!(finding.label().fraud, 1);
    let seals = panels::panels(&session)
        .into_iter()
        .find(|p| p.kind == PanelKind::Seals)
        .unwrap()
        .text();
    assert!(seals.contains("XX000001 on door, not declared"), "{seals}");
}

#[test]
fn a_clean_examination_makes_a_clean_finding() {
    let mut session = ChecklistSession::new(support::packet());
    work_through(&mut session, 0);
    let finding = session.finding(4, "inspector", 1, "ref-2").unwrap();
    assert!(finding.discrepancies.is_empty());
    assert_eq!(finding.label().fraud, 0);
    assert_eq!(session.progress().0, session.progress().1);
}

#[test]
fn a_qr_code_on_the_door_gives_the_container_number_and_a_wrong_one_says_why() {
    let code = |text: &str| {
        let qr = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let img = qr.render::<image::Luma<u8>>().min_dimensions(300, 300).build();
        image::GrayImage::from_raw(img.width(), img.height(), img.into_raw()).unwrap()
    };
    let n = ar_client::scan::container_from_luma(code("EXPU 123450-7")).unwrap();
    assert_eq!(n.to_string().replace(' ', ""), support::CONTAINER);
    let n = ar_client::scan::container_from_luma(code("https://port.example/c/EXPU1234507")).unwrap();
    assert_eq!(n.to_string().replace(' ', ""), support::CONTAINER);
    let err = ar_client::scan::container_from_luma(code("EXPU1234508"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("EXPU1234508") && err.contains("not a container number"),
        "{err}"
    );
    let blank = image::GrayImage::from_pixel(200, 200, image::Luma([255]));
    assert!(matches!(
        ar_client::scan::container_from_luma(blank),
        Err(ar_client::scan::ScanError::NoCode)
    ));
}

mod keys {
    use ar_client::checklist::ChecklistSession;
    use ar_client::door_keys::{DoorKeys, Effect, Press};
    use customs::inspection::AnswerValue;

    use super::support;

    fn text(t: &str) -> Press {
        Press::Text(t.into())
    }

    #[test]
    fn the_inspector_works_the_checklist_with_keys() {
        let mut session = ChecklistSession::new(support::packet());
        let mut keys = DoorKeys::default();
        // Item 1 (container number, yes/no): a digit does nothing, Y answers and moves on.
        assert_eq!(keys.press(&mut session, text("4")), Effect::Nothing);
        assert_eq!(keys.press(&mut session, text("y")), Effect::Nothing);
        assert_eq!(
            session.answer_of("container_number_matches"),
            Some(&AnswerValue::YesNo(true))
        );
        assert_eq!(session.cursor(), 1);
        keys.press(&mut session, text("Y"));
        keys.press(&mut session, text("n"));
        assert_eq!(session.answer_of("seals_match"), Some(&AnswerValue::YesNo(false)));
        // A package count: digits, a slip corrected, Enter.
        let count_item = session.current().unwrap().id.clone();
        for t in ["2", "4", "9"] {
            keys.press(&mut session, text(t));
        }
        keys.press(&mut session, Press::Backspace);
        assert_eq!(keys.prompt().as_deref(), Some("> 24_"));
        keys.press(&mut session, text("0"));
        keys.press(&mut session, Press::Enter);
        assert_eq!(session.answer_of(&count_item), Some(&AnswerValue::Count(240)));
        // Enter with nothing typed on a count says what is wanted.
        assert!(matches!(keys.press(&mut session, Press::Enter), Effect::Say(w) if w.contains("package count")));
        // A seal read on the door, with an N in it: typed, not taken as "no".
        let before = session.cursor();
        keys.press(&mut session, text("o"));
        for t in ["x", "n", "1", "2"] {
            keys.press(&mut session, text(t));
        }
        let said = keys.press(&mut session, Press::Enter);
        assert_eq!(session.cursor(), before, "typing a seal answers nothing");
        assert_eq!(session.observed_seals, vec!["XN12".to_string()]);
        assert!(matches!(said, Effect::Say(w) if w.contains("NOT a declared seal")));
        // A note, then Esc abandons a second one.
        keys.press(&mut session, text("t"));
        keys.press(&mut session, text("paint"));
        keys.press(&mut session, Press::Space);
        keys.press(&mut session, text("fresh"));
        keys.press(&mut session, Press::Enter);
        keys.press(&mut session, text("t"));
        keys.press(&mut session, text("nothing"));
        keys.press(&mut session, Press::Escape);
        assert_eq!(session.notes, "paint fresh");
        assert_eq!(keys.press(&mut session, text("s")), Effect::SaveFinding);
        assert_eq!(keys.press(&mut session, Press::F5), Effect::Sync);
    }
}
