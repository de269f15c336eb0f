//! Failure injection plans: SIM_* parameter changes at set times, from the command line or a TOML file.

use serde::Deserialize;
use thiserror::Error;

/// One change: at `at` seconds of simulated time, set `param` to `value` on `vehicle` (all when None).
#[derive(Debug, Clone, PartialEq)]
pub struct TimedFailure {
    pub at: f64,
    pub vehicle: Option<u8>,
    pub param: String,
    pub value: f64,
}

#[derive(Debug, Error, PartialEq)]
pub enum FailureError {
    #[error("failure '{spec}': {problem} (expected TIME:PARAM=VALUE[@SYSID] or TIME:KIND[=VALUE][@SYSID], kinds: {kinds})", kinds = KINDS.join(", "))]
    Spec { spec: String, problem: String },
    #[error("failure file: {0}")]
    File(String),
    #[error("failure file, failure {index}: {problem}")]
    Entry { index: usize, problem: String },
}

/// Named failures and the SIM_* parameter each sets (the value, when given, replaces the default).
const KINDS: [&str; 8] = [
    "gps_loss",
    "gps_jamming",
    "gps_glitch_north",
    "gps_glitch_east",
    "battery_sag",
    "wind",
    "link_loss",
    "gps_restore",
];

fn kind_to_param(kind: &str, value: Option<f64>) -> Option<(&'static str, f64)> {
    Some(match kind {
        "gps_loss" => ("SIM_GPS_DISABLE", 1.0),
        "gps_restore" => ("SIM_GPS_DISABLE", 0.0),
        "gps_jamming" => ("SIM_GPS_JAM", value.unwrap_or(1.0)),
        // Metres, turned into ArduPilot's degrees.
        "gps_glitch_north" => ("SIM_GPS_GLITCH_X", value.unwrap_or(50.0) / 111_320.0),
        "gps_glitch_east" => ("SIM_GPS_GLITCH_Y", value.unwrap_or(50.0) / 111_320.0),
        "battery_sag" => ("SIM_BATT_SAG", value.unwrap_or(4.0)),
        "wind" => ("SIM_WIND_SPD", value.unwrap_or(10.0)),
        "link_loss" => ("SIM_LINK_LOSS", value.unwrap_or(30.0)),
        _ => return None,
    })
}

/// `TIME:PARAM=VALUE[@SYSID]` or `TIME:KIND[=VALUE][@SYSID]`, e.g. `60:gps_loss@2`, `30:SIM_WIND_SPD=12`.
pub fn parse_spec(spec: &str) -> Result<TimedFailure, FailureError> {
    let bad = |problem: &str| FailureError::Spec {
        spec: spec.to_string(),
        problem: problem.to_string(),
    };
    let (time, rest) = spec.split_once(':').ok_or_else(|| bad("no ':' after the time"))?;
    let at: f64 = time
        .trim()
        .parse()
        .map_err(|_| bad("the time is not a number of seconds"))?;
    if !(at.is_finite() && at >= 0.0) {
        return Err(bad("the time must be zero or more seconds"));
    }
    let (what, vehicle) = match rest.split_once('@') {
        Some((w, v)) => (
            w,
            Some(
                v.trim()
                    .parse::<u8>()
                    .map_err(|_| bad("the vehicle after '@' is not a system id"))?,
            ),
        ),
        None => (rest, None),
    };
    let (name, value) = match what.split_once('=') {
        Some((n, v)) => (
            n.trim(),
            Some(v.trim().parse::<f64>().map_err(|_| bad("the value is not a number"))?),
        ),
        None => (what.trim(), None),
    };
    let (param, value) = if name.starts_with("SIM_") {
        (
            name.to_string(),
            value.ok_or_else(|| bad("a SIM_ parameter needs '=VALUE'"))?,
        )
    } else {
        let (p, v) = kind_to_param(name, value).ok_or_else(|| bad("unknown failure kind"))?;
        (p.to_string(), v)
    };
    Ok(TimedFailure {
        at,
        vehicle,
        param,
        value,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    at: f64,
    vehicle: Option<u8>,
    kind: Option<String>,
    param: Option<String>,
    value: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureFile {
    #[serde(default)]
    failure: Vec<FileEntry>,
}

/// A TOML file of `[[failure]]` tables: `at`, optional `vehicle`, and `kind` (+ `value`) or `param` + `value`.
pub fn parse_file(text: &str) -> Result<Vec<TimedFailure>, FailureError> {
    let file: FailureFile = toml::from_str(text).map_err(|e| FailureError::File(e.to_string()))?;
    file.failure
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let bad = |problem: &str| FailureError::Entry {
                index: i + 1,
                problem: problem.to_string(),
            };
            if !(e.at.is_finite() && e.at >= 0.0) {
                return Err(bad("'at' must be zero or more seconds"));
            }
            let (param, value) = match (e.kind, e.param) {
                (Some(kind), None) => {
                    let (p, v) = kind_to_param(&kind, e.value).ok_or_else(|| bad(&format!("unknown kind '{kind}'")))?;
                    (p.to_string(), v)
                }
                (None, Some(param)) if param.starts_with("SIM_") => {
                    (param, e.value.ok_or_else(|| bad("'param' needs a 'value'"))?)
                }
                (None, Some(param)) => return Err(bad(&format!("'{param}' is not a SIM_ parameter"))),
                _ => return Err(bad("give either 'kind' or 'param'")),
            };
            Ok(TimedFailure {
                at: e.at,
                vehicle: e.vehicle,
                param,
                value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_files_become_parameter_changes() {
        assert_eq!(
            parse_spec("60:gps_loss@2").unwrap(),
            TimedFailure {
                at: 60.0,
                vehicle: Some(2),
                param: "SIM_GPS_DISABLE".into(),
                value: 1.0
            }
        );
        assert_eq!(parse_spec("30:SIM_WIND_SPD=12").unwrap().value, 12.0);
        assert!((parse_spec("5:gps_glitch_north=111.32").unwrap().value - 0.001).abs() < 1e-12);
        let e = parse_spec("x:gps_loss").unwrap_err().to_string();
        assert!(e.contains("'x:gps_loss'") && e.contains("not a number"), "{e}");
        assert!(
            parse_spec("10:melt")
                .unwrap_err()
                .to_string()
                .contains("unknown failure kind")
        );
        let file = r#"
            [[failure]]
            at = 90
            kind = "battery_sag"
            value = 6
            [[failure]]
            at = 120
            vehicle = 1
            param = "SIM_LINK_LOSS"
            value = 40
        "#;
        let f = parse_file(file).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].param, "SIM_BATT_SAG");
        assert_eq!(f[1].vehicle, Some(1));
        let bad = parse_file("[[failure]]\nat = 1\nparam = \"WPNAV_SPEED\"\nvalue = 3").unwrap_err();
        assert_eq!(
            bad.to_string(),
            "failure file, failure 1: 'WPNAV_SPEED' is not a SIM_ parameter"
        );
    }
}
