//! ISO 6346 size/type codes (`22G1`, `45G1`, `42R1`): length, height/width and type group from
//! the code's structure, and the descriptions of the vendored Roskus/iso table.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// `data/iso6346/size-type-codes.tsv`: code, group, group description, description.
const TABLE: &str = include_str!("../../data/iso6346/size-type-codes.tsv");

/// The type group of the third and fourth characters, e.g. `GP`, `RT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeGroup {
    pub code: String,
    pub meaning: String,
}

/// A described size/type code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeType {
    pub code: String,
    /// Nominal length, e.g. "20 ft", and in millimetres.
    pub length: String,
    pub length_mm: Option<u32>,
    /// Height (and width when not 8 ft), e.g. "8 ft 6 in".
    pub height: String,
    pub high_cube: bool,
    /// None for pre-1995 numeric type codes (`2210`).
    pub group: Option<TypeGroup>,
    /// Description from the vendored table, when the code is listed there.
    pub table_description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeTypeError {
    #[error("size/type code {0:?} must have 4 characters (length, height, type, detail), e.g. 22G1")]
    Length(String),
    #[error("size/type code {code:?}: length code {found:?} is not an ISO 6346 length code")]
    LengthCode { code: String, found: char },
    #[error("size/type code {code:?}: height/width code {found:?} is not an ISO 6346 height code")]
    HeightCode { code: String, found: char },
    #[error("size/type code {code:?}: type {found:?} is not an ISO 6346 type code")]
    TypeCode { code: String, found: String },
}

fn length_code(c: char) -> Option<(&'static str, u32)> {
    Some(match c {
        '1' => ("10 ft", 2991),
        '2' => ("20 ft", 6058),
        '3' => ("30 ft", 9125),
        '4' => ("40 ft", 12192),
        'B' => ("24 ft", 7315),
        'C' => ("24 ft 6 in", 7430),
        'G' => ("41 ft", 12500),
        'H' => ("43 ft", 13106),
        'L' => ("45 ft", 13716),
        'M' => ("48 ft", 14630),
        'N' => ("49 ft", 14935),
        _ => return None,
    })
}

/// Height, and whether it is a high cube (9 ft 6 in or more).
fn height_code(c: char) -> Option<(&'static str, bool)> {
    Some(match c {
        '0' => ("8 ft", false),
        '2' => ("8 ft 6 in", false),
        '4' => ("9 ft", false),
        '5' => ("9 ft 6 in (high cube)", true),
        '6' => ("over 9 ft 6 in", true),
        '8' => ("4 ft 3 in (half height)", false),
        '9' => ("4 ft or less", false),
        'C' => ("8 ft 6 in, width 2438-2500 mm", false),
        'D' => ("9 ft, width 2438-2500 mm", false),
        'E' => ("9 ft 6 in (high cube), width 2438-2500 mm", true),
        'F' => ("over 9 ft 6 in, width 2438-2500 mm", true),
        'L' => ("8 ft 6 in, width over 2500 mm", false),
        'M' => ("9 ft, width over 2500 mm", false),
        'N' => ("9 ft 6 in (high cube), width over 2500 mm", true),
        'P' => ("over 9 ft 6 in, width over 2500 mm", true),
        _ => return None,
    })
}

/// ISO 6346 (1995) type code (type letter and detail digit) → type group code, for codes that
/// the vendored table does not list.
fn rule_group(t: char, d: char) -> Option<&'static str> {
    let n = d.to_digit(10)?;
    Some(match (t, n) {
        ('G', _) => "GP",
        ('V', _) => "VH",
        ('B', 0..=2) => "BU",
        ('B', _) => "BK",
        ('S', _) => "SN",
        ('R', 0) => "RE",
        ('R', 1) => "RT",
        ('R', 2 | 3) => "RS",
        ('R', _) => "RC",
        ('H', 0..=4) => "HR",
        ('H', _) => "HI",
        ('U', 0..=5) => "UT",
        ('U', _) => "UP",
        ('P', 0) => "PL",
        ('P', 1 | 2) => "PF",
        ('P', 5) => "PS",
        ('P', _) => "PC",
        ('T', 0..=2) => "TN",
        ('T', 3..=6) => "TD",
        ('T', _) => "TG",
        ('A', _) => "AS",
        _ => return None,
    })
}

/// What a type group code stands for.
fn group_meaning(group: &str) -> &'static str {
    match group {
        "GP" => "general purpose",
        "VH" => "ventilated",
        "BU" => "dry bulk, non-pressurised",
        "BK" => "dry bulk, pressurised",
        "SN" => "named cargo (livestock, cars, fish...)",
        "RE" => "refrigerated, mechanical",
        "RT" => "refrigerated and heated, mechanical",
        "RS" => "refrigerated, self-powered (built-in generator)",
        "RC" => "refrigerated (carrier-specific detail)",
        "HR" => "thermal, refrigerated or heated with removable equipment",
        "HI" => "thermal insulated",
        "UT" => "open top",
        "UP" => "hard top",
        "PL" => "platform",
        "PF" => "flat rack, fixed ends",
        "PC" => "flat rack, collapsible ends",
        "PS" => "flat rack, space saver",
        "TN" => "tank, non-dangerous liquids",
        "TD" => "tank, dangerous liquids",
        "TG" => "tank, gases",
        "AS" => "air/surface",
        _ => "unlisted group",
    }
}

/// code → (type group, description) from the vendored table.
fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static TABLE_MAP: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    TABLE_MAP.get_or_init(|| {
        TABLE
            .lines()
            .skip(1)
            .filter_map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                let group = cols.get(1)?.get(2..)?;
                Some((*cols.first()?, (group, *cols.get(3)?)))
            })
            .collect()
    })
}

impl SizeType {
    /// Describes a size/type code. Pre-1995 four-digit codes (`2210`) get length and height only.
    pub fn parse(code: &str) -> Result<SizeType, SizeTypeError> {
        let code = code.trim().to_ascii_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 4 {
            return Err(SizeTypeError::Length(code));
        }
        let (length, length_mm) = length_code(chars[0]).ok_or_else(|| SizeTypeError::LengthCode {
            code: code.clone(),
            found: chars[0],
        })?;
        let (height, high_cube) = height_code(chars[1]).ok_or_else(|| SizeTypeError::HeightCode {
            code: code.clone(),
            found: chars[1],
        })?;
        let listed = table().get(code.as_str()).copied();
        let legacy = chars[2].is_ascii_digit() && chars[3].is_ascii_digit();
        let group = if legacy {
            None
        } else {
            // The table's group wins where it lists the code (it is data, the rule a fallback).
            let g = listed
                .map(|(g, _)| g)
                .or_else(|| rule_group(chars[2], chars[3]))
                .ok_or_else(|| SizeTypeError::TypeCode {
                    code: code.clone(),
                    found: chars[2..].iter().collect(),
                })?;
            Some(TypeGroup {
                code: g.to_string(),
                meaning: group_meaning(g).to_string(),
            })
        };
        Ok(SizeType {
            table_description: listed.map(|(_, d)| d.to_string()),
            code,
            length: length.to_string(),
            length_mm: Some(length_mm),
            height: height.to_string(),
            high_cube,
            group,
        })
    }

    /// One line: "45G1: 40 ft long, 9 ft 6 in (high cube) high, general purpose (GP) — HIGH CUBE CONT.".
    pub fn describe(&self) -> String {
        let kind = match &self.group {
            Some(g) => format!("{} ({})", g.meaning, g.code),
            None => "type given in the pre-1995 numeric form".to_string(),
        };
        let mut s = format!("{}: {} long, {} high, {kind}", self.code, self.length, self.height);
        if let Some(t) = &self.table_description {
            s.push_str(&format!(" - {t}"));
        }
        s
    }

    /// Number of rows in the vendored table (for tests and the CLI).
    pub fn table_len() -> usize {
        table().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_codes() {
        let g = SizeType::parse("22G1").unwrap();
        assert_eq!((g.length.as_str(), g.height.as_str()), ("20 ft", "8 ft 6 in"));
        assert_eq!(g.group.as_ref().map(|g| g.code.as_str()), Some("GP"));
        let hc = SizeType::parse("45G1").unwrap();
        assert!(hc.high_cube);
        assert_eq!(hc.length, "40 ft");
        assert_eq!(hc.table_description.as_deref(), Some("HIGH CUBE CONT."));
        let r = SizeType::parse("42R1").unwrap();
        assert_eq!(r.group.as_ref().map(|g| g.code.as_str()), Some("RT"));
        assert_eq!(r.table_description.as_deref(), Some("REEFER CONTAINER"));
        assert!(r.describe().contains("refrigerated"));
        let legacy = SizeType::parse("2210").unwrap();
        assert!(legacy.group.is_none());
        assert!(matches!(SizeType::parse("22X1"), Err(SizeTypeError::TypeCode { .. })));
        assert!(matches!(SizeType::parse("Z2G1"), Err(SizeTypeError::LengthCode { .. })));
        assert!(matches!(SizeType::parse("22G"), Err(SizeTypeError::Length(_))));
    }
}
