//! The declaration CSV reader: real files, errors with line numbers, no panic on anything.

use proptest::prelude::*;
use risk::declaration::{CsvError, Date, HEADERS, parse_records};
use risk::{read_csv, read_csv_all};

const TRAIN: &str = include_str!("../data/df_syn_train_eng.csv");
const VALID: &str = include_str!("../data/df_syn_valid_eng.csv");

fn header() -> String {
    let mut h: Vec<&str> = HEADERS.to_vec();
    h.extend(["Fraud", "Critical Fraud"]);
    h.join(",")
}

const ROW: &str =
    "97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0";

#[test]
fn the_data_set_reads_completely() {
    let train = read_csv(TRAIN).expect("training CSV");
    let valid = read_csv(VALID).expect("validation CSV");
    assert_eq!((train.len(), valid.len()), (37_385, 8_134));
    assert_eq!(
        train.iter().filter(|d| d.labels.is_some_and(|l| l.fraud)).count(),
        8_114
    );
    assert_eq!(
        valid.iter().filter(|d| d.labels.is_some_and(|l| l.critical())).count(),
        78
    );
    let first = &train[0];
    assert_eq!(first.id, "97061800");
    assert_eq!(
        first.date,
        Date {
            year: 2020,
            month: 1,
            day: 1
        }
    );
    assert_eq!((first.hs6.as_str(), first.hs4(), first.hs2()), ("440890", "4408", "44"));
    assert_eq!(first.courier, "", "empty courier is none, not an error");
    assert_eq!((first.net_mass, first.item_price), (Some(108.0), Some(372_254.4)));
    assert_eq!(
        train.iter().find(|d| d.hs6 == "071080").map(|d| d.hs4()),
        Some("0710"),
        "leading zeros kept"
    );
}

#[test]
fn columns_by_name_labels_optional_quotes_and_crlf() {
    // Columns reordered, no labels, a quoted field with a comma, CRLF line ends.
    let mut h: Vec<&str> = HEADERS.to_vec();
    h.swap(0, 19);
    let mut f: Vec<String> = ROW.split(',').take(20).map(String::from).collect();
    f.swap(0, 19);
    f[10] = "\"SELL,ER\"".into();
    let text = format!("{}\r\n{}\r\n", h.join(","), f.join(","));
    let rows = read_csv(&text).expect("reads");
    assert_eq!(rows[0].id, "97061800");
    assert_eq!(rows[0].seller, "SELL,ER");
    assert_eq!(rows[0].labels, None);
}

fn with_field(col: usize, value: &str) -> String {
    let mut f: Vec<&str> = ROW.split(',').collect();
    f[col] = value;
    f.join(",")
}

#[test]
fn bad_rows_are_reported_with_line_and_column() {
    let text = format!(
        "{}\n{ROW}\n{}\n{ROW}\n{}\n",
        header(),
        with_field(18, "12kg"),
        with_field(1, "2020-02-30")
    );
    match read_csv(&text) {
        Err(CsvError::BadValue {
            line, column, value, ..
        }) => {
            assert_eq!((line, column.as_str(), value.as_str()), (3, "Net Mass", "12kg"));
        }
        other => panic!("expected a bad Net Mass on line 3, got {other:?}"),
    }
    let (good, errors) = read_csv_all(&text).expect("header is fine");
    assert_eq!(good.len(), 2, "good rows are kept");
    let lines: Vec<usize> = errors.iter().map(CsvError::line).collect();
    assert_eq!(lines, vec![3, 5]);
    assert!(
        errors[1].to_string().contains("line 5") && errors[1].to_string().contains("Date"),
        "{}",
        errors[1]
    );
}

#[test]
fn each_kind_of_error() {
    let h = header();
    let cases: Vec<(String, usize, &str)> = vec![
        (format!("{h}\n{}", with_field(20, "2")), 2, "Fraud"),
        (format!("{h}\n{}", with_field(21, "3")), 2, "Critical Fraud"),
        (format!("{h}\n{}", with_field(19, "-5")), 2, "Item Price"),
        (format!("{h}\n{}", with_field(15, "inf")), 2, "Tax Rate"),
        (format!("{h}\n{}", with_field(0, " ")), 2, "Declaration ID"),
        (format!("{h}\n\n{ROW},extra"), 3, "fields"),
        (format!("{h}\n{ROW}\n\"unterminated,{ROW}"), 3, "unterminated"),
        ("Date,Fraud\n".to_string(), 1, "Declaration ID"),
    ];
    for (text, line, what) in cases {
        let e = read_csv(&text).expect_err(what);
        assert_eq!(e.line(), line, "{what}: {e}");
        assert!(e.to_string().contains(what), "{what}: {e}");
    }
    assert_eq!(read_csv(""), Err(CsvError::Empty));
    // Only one of the two label columns: refused rather than guessed.
    let h = HEADERS.join(",") + ",Fraud";
    assert!(matches!(read_csv(&h), Err(CsvError::MissingColumn { .. })));
}

#[test]
fn empty_numbers_are_missing_not_errors() {
    let text = format!("{}\n{}\n", header(), with_field(18, ""));
    let rows = read_csv(&text).expect("reads");
    assert_eq!(rows[0].net_mass, None);
    assert_eq!(rows[0].unit_value(), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Arbitrary bytes after a valid header: an error or rows, never a panic.
    #[test]
    fn arbitrary_text_never_panics(body in "\\PC{0,400}") {
        let text = format!("{}\n{body}", header());
        let _ = parse_records(&text);
        let _ = read_csv(&body);
    }

    /// Real rows with a field replaced by anything: read or refused with a line, no panic, and
    /// the risk model scores whatever reads.
    #[test]
    fn mangled_rows_never_panic(col in 0usize..22, value in "[\\PC\",\"]{0,12}", line in 0usize..200) {
        let row = VALID.lines().nth(1 + line).unwrap_or(ROW);
        let mut f: Vec<String> = row.split(',').map(String::from).collect();
        f[col] = value;
        let text = format!("{}\n{}\n", header(), f.join(","));
        match read_csv(&text) {
            Ok(rows) => {
                let model = model();
                for d in &rows {
                    let p = model.predict(d);
                    prop_assert!((0.0..=1.0).contains(&p.fraud_prob) && (0.0..=1.0).contains(&p.critical_prob));
                    let _ = risk::Scorer::new(model).assess_declaration(d);
                }
            }
            Err(e) => prop_assert!(e.line() == 2, "error on line {}: {e}", e.line()),
        }
    }
}

fn model() -> &'static risk::RiskModel {
    static MODEL: std::sync::OnceLock<risk::RiskModel> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| risk::RiskModel::embedded().expect("artefact"))
}
