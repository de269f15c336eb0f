//! HS2022 nomenclature: look-ups at chapter (2 digits), heading (4) and subheading (6) level,
//! the chain of descriptions from section down, and tolerant parsing of written codes
//! (`8471.30`, `847130`, `8471 30 00`; national 8- and 10-digit codes map to their subheading).
//!
//! The data (`data/harmonized-system/`, ODC-PDDL-1.0) is compiled in with `include_str!`.

mod csv;

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const HS_CSV: &str = include_str!("../../data/harmonized-system/harmonized-system.csv");
const SECTIONS_CSV: &str = include_str!("../../data/harmonized-system/sections.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Section,
    Chapter,
    Heading,
    Subheading,
}

impl Level {
    fn from_digits(n: usize) -> Option<Level> {
        match n {
            2 => Some(Level::Chapter),
            4 => Some(Level::Heading),
            6 => Some(Level::Subheading),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Section => "section",
            Level::Chapter => "chapter",
            Level::Heading => "heading",
            Level::Subheading => "subheading",
        })
    }
}

/// One row of the nomenclature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 2, 4 or 6 digits.
    pub code: String,
    pub level: Level,
    pub description: String,
    /// Roman numeral of the section; None for the UN Comtrade chapter 99.
    pub section: Option<String>,
}

/// A written code read tolerantly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsQuery {
    /// The HS digits looked up: 2, 4 or 6.
    pub code: String,
    pub level: Level,
    /// The full national code (8 or 10 digits) when one was given.
    pub national: Option<String>,
}

/// One step of the chain from section to the code asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub level: Level,
    /// As usually written: `XVI`, `84`, `8471`, `8471.30`.
    pub code: String,
    pub description: String,
}

/// What a code means, with its ancestors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsDescription {
    /// HS digits (2, 4 or 6).
    pub code: String,
    /// As usually written (`8471.30`).
    pub display: String,
    pub level: Level,
    pub national: Option<String>,
    pub description: String,
    /// Section → chapter → heading → subheading, ending with the code itself.
    pub chain: Vec<Link>,
}

impl HsDescription {
    /// The chain on one line per level, indented.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (i, l) in self.chain.iter().enumerate() {
            out.push_str(&format!(
                "{}{} {}: {}\n",
                "  ".repeat(i),
                l.level,
                l.code,
                l.description
            ));
        }
        if let Some(n) = &self.national {
            out.push_str(&format!(
                "(national code {n}: its first six digits are the HS subheading)\n"
            ));
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HsError {
    #[error("empty HS code")]
    Empty,
    #[error("HS code {input:?}: {found:?} is not a digit (write e.g. 8471.30, 847130 or 8471 30 00)")]
    NotDigits { input: String, found: char },
    #[error(
        "HS code {input:?} has {digits} digits; expected 2 (chapter), 4 (heading), 6 (subheading) or a national 8 or 10{hint}"
    )]
    Length { input: String, digits: usize, hint: String },
    #[error("HS code {code}: no such {level} in HS2022{}", nearest.as_ref().map(|n| format!(" (nearest existing: {n})")).unwrap_or_default())]
    NotFound {
        code: String,
        level: Level,
        nearest: Option<String>,
    },
}

/// Reads a written code: blanks, dots, dashes and a leading `HS` are ignored.
pub fn parse_code(input: &str) -> Result<HsQuery, HsError> {
    let trimmed = input.trim();
    let body = trimmed
        .strip_prefix("HS")
        .or_else(|| trimmed.strip_prefix("hs"))
        .unwrap_or(trimmed);
    let mut digits = String::new();
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '\t' => {}
            other => {
                return Err(HsError::NotDigits {
                    input: input.into(),
                    found: other,
                });
            }
        }
    }
    let n = digits.len();
    match n {
        0 => Err(HsError::Empty),
        2 | 4 | 6 => Ok(HsQuery {
            level: Level::from_digits(n).unwrap_or(Level::Subheading),
            code: digits,
            national: None,
        }),
        8 | 10 => Ok(HsQuery {
            code: digits[..6].to_string(),
            level: Level::Subheading,
            national: Some(digits),
        }),
        _ => Err(HsError::Length {
            input: input.into(),
            digits: n,
            hint: if n % 2 == 1 && n < 10 {
                format!(" (a leading zero may have been lost: 0{digits}?)")
            } else {
                String::new()
            },
        }),
    }
}

/// `847130` → `8471.30`; shorter codes unchanged.
pub fn display_code(code: &str) -> String {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}.{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

/// The nomenclature, indexed by code.
#[derive(Debug, Clone)]
pub struct Nomenclature {
    entries: HashMap<String, Entry>,
    sections: HashMap<String, String>,
}

impl Nomenclature {
    /// The vendored HS2022 nomenclature, parsed once.
    pub fn hs2022() -> &'static Nomenclature {
        static HS: OnceLock<Nomenclature> = OnceLock::new();
        // The data is compiled into the crate and a test parses it, so this cannot fail at run time.
        HS.get_or_init(|| Nomenclature::from_csv(HS_CSV, SECTIONS_CSV).expect("vendored HS2022 data parses"))
    }

    /// Builds from the datasets/harmonized-system CSVs (`section,hscode,description,parent,level`
    /// and `section,name`).
    pub fn from_csv(hs_csv: &str, sections_csv: &str) -> Result<Nomenclature, String> {
        let mut entries = HashMap::new();
        for (i, row) in csv::parse(hs_csv)?.into_iter().enumerate().skip(1) {
            let [section, code, description, _parent, _level] = row.as_slice() else {
                return Err(format!("harmonized-system.csv line {}: expected 5 fields", i + 1));
            };
            let Some(level) = Level::from_digits(code.len()).filter(|_| code.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue; // the `TOTAL` root row
            };
            let section = (section != "TOTAL").then(|| section.clone());
            entries.insert(
                code.clone(),
                Entry {
                    code: code.clone(),
                    level,
                    description: description.trim().to_string(),
                    section,
                },
            );
        }
        let mut sections = HashMap::new();
        for (i, row) in csv::parse(sections_csv)?.into_iter().enumerate().skip(1) {
            let [number, name] = row.as_slice() else {
                return Err(format!("sections.csv line {}: expected 2 fields", i + 1));
            };
            sections.insert(number.clone(), name.trim().to_string());
        }
        Ok(Nomenclature { entries, sections })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of exactly these digits (2, 4 or 6).
    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.entries.get(code)
    }

    /// A section's title by its roman numeral.
    pub fn section(&self, number: &str) -> Option<&str> {
        self.sections.get(number).map(String::as_str)
    }

    /// Entries one level below `code` (headings of a chapter, subheadings of a heading), sorted.
    pub fn children(&self, code: &str) -> Vec<&Entry> {
        let mut out: Vec<&Entry> = self
            .entries
            .values()
            .filter(|e| e.code.len() == code.len() + 2 && e.code.starts_with(code))
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }

    /// Reads `input` tolerantly and describes it with its chain.
    pub fn describe(&self, input: &str) -> Result<HsDescription, HsError> {
        let q = parse_code(input)?;
        let Some(entry) = self.entries.get(&q.code) else {
            let nearest = [4, 2]
                .into_iter()
                .filter(|&n| n < q.code.len())
                .find_map(|n| self.entries.get(&q.code[..n]))
                .map(|e| format!("{} {}", e.level, display_code(&e.code)));
            return Err(HsError::NotFound {
                code: display_code(&q.code),
                level: q.level,
                nearest,
            });
        };
        let mut chain = Vec::new();
        if let Some(s) = &entry.section {
            chain.push(Link {
                level: Level::Section,
                code: s.clone(),
                description: self.section(s).unwrap_or("").to_string(),
            });
        }
        for n in [2, 4, 6].into_iter().filter(|&n| n <= q.code.len()) {
            if let Some(e) = self.entries.get(&q.code[..n]) {
                chain.push(Link {
                    level: e.level,
                    code: display_code(&e.code),
                    description: e.description.clone(),
                });
            }
        }
        Ok(HsDescription {
            display: display_code(&q.code),
            code: q.code,
            level: q.level,
            national: q.national,
            description: entry.description.clone(),
            chain,
        })
    }
}
