//! ISO 6346 container numbers (owner code, equipment category, serial, check digit) and
//! size/type codes.
//!
//! The check-digit arithmetic is `mission::scenario::iso6346_check_digit`, shared with the
//! port scenario; this module adds the structure, normalisation and errors that say which part
//! of a number is wrong.

mod size_type;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use size_type::{SizeType, SizeTypeError, TypeGroup};

/// Upper-cases (ASCII only, as `mission` does, so both agree on every input) and removes
/// blanks and dashes: `"csqu 305438-3"` → `"CSQU3054383"`.
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The equipment category identifier, the fourth character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EquipmentCategory {
    /// `U`: freight container.
    U,
    /// `J`: detachable freight-container-related equipment (clip-on generator sets, for example).
    J,
    /// `Z`: trailer or chassis.
    Z,
}

impl EquipmentCategory {
    pub fn from_char(c: char) -> Option<EquipmentCategory> {
        match c {
            'U' => Some(EquipmentCategory::U),
            'J' => Some(EquipmentCategory::J),
            'Z' => Some(EquipmentCategory::Z),
            _ => None,
        }
    }

    pub fn letter(self) -> char {
        match self {
            EquipmentCategory::U => 'U',
            EquipmentCategory::J => 'J',
            EquipmentCategory::Z => 'Z',
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            EquipmentCategory::U => "freight container",
            EquipmentCategory::J => "detachable freight-container-related equipment",
            EquipmentCategory::Z => "trailer or chassis",
        }
    }
}

/// A valid container number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContainerNumber {
    /// Three-letter owner code (registered with the BIC).
    pub owner: String,
    pub category: EquipmentCategory,
    /// Six-digit serial number, as written (leading zeros kept).
    pub serial: String,
    pub check_digit: u8,
}

/// Why a text is not a container number; the first wrong part, left to right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContainerNumberError {
    #[error(
        "{input:?}: {found} characters after removing blanks and dashes; a container number has 11 (4 letters, 7 digits)"
    )]
    Length { input: String, found: usize },
    #[error("{input:?}: owner code {found:?} must be three letters A-Z")]
    OwnerCode { input: String, found: String },
    #[error(
        "{input:?}: equipment category {found:?} must be U (freight container), J (detachable equipment) or Z (trailer/chassis)"
    )]
    Category { input: String, found: char },
    #[error("{input:?}: serial number {found:?} must be six digits")]
    Serial { input: String, found: String },
    #[error("{input:?}: check digit {found:?} must be a digit")]
    CheckDigitNotDigit { input: String, found: char },
    #[error("{input:?}: check digit is {found} but the owner code, category and serial give {expected}")]
    CheckDigit { input: String, found: u8, expected: u8 },
}

impl ContainerNumber {
    /// Parses after [`normalise`]; the error names the first wrong part.
    pub fn parse(text: &str) -> Result<ContainerNumber, ContainerNumberError> {
        let n = normalise(text);
        let input = text.to_string();
        let chars: Vec<char> = n.chars().collect();
        if chars.len() != 11 {
            return Err(ContainerNumberError::Length {
                input,
                found: chars.len(),
            });
        }
        let owner: String = chars[..3].iter().collect();
        if !chars[..3].iter().all(char::is_ascii_uppercase) {
            return Err(ContainerNumberError::OwnerCode { input, found: owner });
        }
        let Some(category) = EquipmentCategory::from_char(chars[3]) else {
            return Err(ContainerNumberError::Category { input, found: chars[3] });
        };
        let serial: String = chars[4..10].iter().collect();
        if !chars[4..10].iter().all(char::is_ascii_digit) {
            return Err(ContainerNumberError::Serial { input, found: serial });
        }
        let Some(found) = chars[10].to_digit(10) else {
            return Err(ContainerNumberError::CheckDigitNotDigit {
                input,
                found: chars[10],
            });
        };
        // The first ten characters are checked ASCII above, so the shared arithmetic applies.
        let expected =
            mission::scenario::iso6346_check_digit(&n[..10]).ok_or_else(|| ContainerNumberError::Serial {
                input: input.clone(),
                found: serial.clone(),
            })?;
        if found != expected {
            return Err(ContainerNumberError::CheckDigit {
                input,
                found: found as u8,
                expected: expected as u8,
            });
        }
        Ok(ContainerNumber {
            owner,
            category,
            serial,
            check_digit: found as u8,
        })
    }

    /// The check digit ISO 6346 gives the first ten characters (owner, category, serial) of
    /// `text`, when they have that form.
    pub fn check_digit_for(text: &str) -> Option<u8> {
        let n = normalise(text);
        let prefix: String = n.chars().take(10).collect();
        mission::scenario::iso6346_check_digit(&prefix).map(|d| d as u8)
    }

    /// A sentence an officer can read: owner, category and its meaning, serial, check digit.
    pub fn explain(&self) -> String {
        format!(
            "{self}: owner code {}, category {} ({}), serial {}, check digit {} (correct)",
            self.owner,
            self.category.letter(),
            self.category.meaning(),
            self.serial,
            self.check_digit
        )
    }

    /// Printed the way it is painted on a container: `CSQU 305438 3`.
    pub fn spaced(&self) -> String {
        format!(
            "{}{} {} {}",
            self.owner,
            self.category.letter(),
            self.serial,
            self.check_digit
        )
    }
}

impl fmt::Display for ContainerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}{}",
            self.owner,
            self.category.letter(),
            self.serial,
            self.check_digit
        )
    }
}

impl FromStr for ContainerNumber {
    type Err = ContainerNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ContainerNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_errors() {
        let c = ContainerNumber::parse("csqu 305438-3").unwrap();
        assert_eq!(
            (c.owner.as_str(), c.category, c.serial.as_str(), c.check_digit),
            ("CSQ", EquipmentCategory::U, "305438", 3)
        );
        assert_eq!(c.spaced(), "CSQU 305438 3");
        assert!(c.explain().contains("freight container"));
        use ContainerNumberError as E;
        assert!(matches!(
            ContainerNumber::parse("CSQU305438"),
            Err(E::Length { found: 10, .. })
        ));
        assert!(matches!(
            ContainerNumber::parse("C5QU3054383"),
            Err(E::OwnerCode { .. })
        ));
        assert!(matches!(
            ContainerNumber::parse("MSTI6415664"),
            Err(E::Category { found: 'I', .. })
        ));
        assert!(matches!(ContainerNumber::parse("CSQU3054Z83"), Err(E::Serial { .. })));
        assert!(matches!(
            ContainerNumber::parse("CSQU305438X"),
            Err(E::CheckDigitNotDigit { .. })
        ));
        assert!(matches!(
            ContainerNumber::parse("CSQU3054384"),
            Err(E::CheckDigit {
                found: 4,
                expected: 3,
                ..
            })
        ));
        // Non-ASCII letters count as characters, never as a panic on a byte boundary.
        assert!(ContainerNumber::parse("CSQÜ3054383").is_err());
    }

    #[test]
    fn remainder_ten_gives_zero() {
        // GYOU404799: the weighted sum mod 11 is 10, and the check digit is 0.
        assert_eq!(ContainerNumber::check_digit_for("GYOU404799"), Some(0));
        assert!(ContainerNumber::parse("GYOU4047990").is_ok());
    }
}
