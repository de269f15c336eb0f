//! Random and mutated input never panics the readers, and every error that points at a
//! segment points inside the input.

use customs::edifact::{Interchange, decode, parse_container_lists, parse_cuscar};
use customs::hs::{Nomenclature, parse_code};
use customs::iso6346::{ContainerNumber, SizeType};
use customs::manifest::Manifest;
use proptest::prelude::*;

const SAMPLES: [&str; 4] = [
    include_str!("../data/edifact/cuscar-d95b-aurora-bay.edi"),
    include_str!("../data/edifact/cuscar-d95b-interchange-custom-separators.edi"),
    include_str!("../data/edifact/coprar-d95b_apimeister-edifact-types.edi"),
    include_str!("../data/edifact/baplie-d04b_apimeister-edifact-types.edi"),
];

/// Runs every reader on `text`; checks that error positions are inside it.
fn read_all(text: &str) {
    for result in [
        parse_cuscar(text).map(|_| ()),
        parse_container_lists(text).map(|_| ()),
        Interchange::parse(text).and_then(Interchange::strict).map(|_| ()),
    ] {
        if let Err(e) = result {
            let _ = e.to_string();
            if let Some(p) = e.position() {
                assert!(p.offset <= text.len(), "{e}");
                assert!(p.line >= 1 && p.column >= 1);
            }
        }
    }
    if let Ok(r) = parse_cuscar(text) {
        for m in &r.manifests {
            let _ = m.validate();
            assert_eq!(Manifest::from_json(&m.to_json()).ok().as_ref(), Some(m));
        }
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, char),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1..20usize).prop_map(|(a, n)| Edit::Delete(a, n)),
        (
            any::<usize>(),
            prop_oneof![
                Just('\''),
                Just('+'),
                Just(':'),
                Just('?'),
                Just('*'),
                Just('~'),
                Just('!'),
                Just('>'),
                any::<char>()
            ]
        )
            .prop_map(|(a, c)| Edit::Insert(a, c)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1..200usize).prop_map(|(a, n)| Edit::Duplicate(a, n)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len().max(1);
        match *e {
            Edit::Delete(a, n) => {
                let a = a % len;
                let b = (a + n).min(chars.len());
                if a < b {
                    chars.drain(a..b);
                }
            }
            Edit::Insert(a, c) => chars.insert(a % (chars.len() + 1), c),
            Edit::Truncate(a) => chars.truncate(a % len),
            Edit::Duplicate(a, n) => {
                let a = a % len;
                let b = (a + n).min(chars.len());
                let copy: Vec<char> = chars.get(a..b).map(<[char]>::to_vec).unwrap_or_default();
                let at = b.min(chars.len());
                chars.splice(at..at, copy);
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_samples_never_panic(sample in 0..SAMPLES.len(), edits in prop::collection::vec(edit(), 1..6)) {
        read_all(&apply(SAMPLES[sample], &edits));
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        read_all(&decode(&bytes));
    }

    #[test]
    fn edifact_looking_noise_never_panics(text in "(UNA|UNB|UNH|UNT|UNZ|BGM|EQD|CNI|GID|SGP|MEA|LOC|DTM|TDT|NAD|SEL|PIA|FTX|CNT|[+:?' \n]|[A-Z0-9]{1,3}){0,60}") {
        read_all(&text);
    }

    #[test]
    fn other_parsers_never_panic(text in "\\PC{0,24}") {
        let _ = ContainerNumber::parse(&text);
        let _ = ContainerNumber::check_digit_for(&text);
        let _ = SizeType::parse(&text);
        let _ = parse_code(&text);
        let _ = Nomenclature::hs2022().describe(&text);
        let _ = Manifest::from_json(&text);
    }
}
