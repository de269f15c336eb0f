//! Reading a `.plan` file's JSON, with errors placed by line and column.
//!
//! The workspace enables serde_json's `float_roundtrip`: without it about one 17-digit latitude
//! in twenty is read one ulp off, and import → export → import would not reproduce a plan bit
//! for bit.

use serde_json::Value;

use super::QgcError;

pub(super) fn parse(text: &str) -> Result<Value, QgcError> {
    serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        // serde_json appends " at line L column C"; the error carries those as fields.
        let message = full.split(" at line ").next().unwrap_or(&full).to_string();
        QgcError::NotJson {
            line: e.line(),
            column: e.column(),
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_placed() {
        let e = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(e.to_string(), "not JSON: expected `:` at line 3, column 7");
        for bad in ["", "{", "[1,]", "{\"a\":}", "nul", "1 2"] {
            assert!(matches!(parse(bad), Err(QgcError::NotJson { .. })), "{bad:?}");
        }
    }

    #[test]
    fn seventeen_digit_coordinates_round_trip_exactly() {
        for s in ["47.397742000000001", "8.5455939000000008", "-35.363261799999997"] {
            let v = parse(s).unwrap();
            assert_eq!(v.as_f64().unwrap(), s.parse::<f64>().unwrap());
        }
    }
}
