//! Typed readings of EDIFACT values shared by the mappers: dates (DTM), quantities and
//! weights (MEA), UN/LOCODEs (LOC), parties (NAD), transport (TDT), seals (SEL), equipment (EQD).

use super::error::{EdiError, Warning};
use super::syntax::{Delimiters, Segment};
use crate::manifest::{FullEmpty, Party, Seal, SealingParty, UnLocode, Vessel};

/// A DTM (C507: qualifier, value, format) as ISO 8601 text. Formats 102 (CCYYMMDD), 203
/// (CCYYMMDDHHMM), 204 (CCYYMMDDHHMMSS), 101 (YYMMDD) and 201 (YYMMDDHHMM) are converted
/// (two-digit years are 20YY); others are kept verbatim. A value whose length fits another of
/// these formats than the one declared (a real COPRAR writes `20121124:203`) is read by its
/// length, with a warning; impossible months, days or times are errors.
pub fn date(seg: &Segment, warnings: &mut Vec<Warning>) -> Result<(String, String), EdiError> {
    let qualifier = seg.require(0, 0, "date/time qualifier")?.to_string();
    let value = seg.require(0, 1, "date/time value")?;
    let declared = seg.get(0, 2).unwrap_or("");
    let by_length = match value.len() {
        8 => "102",
        12 => "203",
        14 => "204",
        6 => "101",
        10 => "201",
        _ => "",
    };
    let known = ["102", "203", "204", "101", "201"];
    if !known.contains(&declared) {
        return Ok((qualifier, value.to_string()));
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) || by_length.is_empty() {
        return Err(seg.bad(0, 1, "date/time value", format!("does not match format {declared}")));
    }
    if by_length != declared {
        warnings.push(Warning::Suspicious {
            tag: seg.tag.clone(),
            pos: seg.pos,
            what: "date/time".into(),
            value: value.into(),
            reason: format!("format {declared} declared, read as format {by_length} by its length"),
        });
    }
    let full = if value.len() == 6 || value.len() == 10 {
        format!("20{value}")
    } else {
        value.to_string()
    };
    let p = |a: usize, b: usize| full[a..b].parse::<u32>().unwrap_or(0);
    let (month, day) = (p(4, 6), p(6, 8));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(seg.bad(0, 1, "date/time value", "month or day out of range"));
    }
    let mut iso = format!("{}-{}-{}", &full[0..4], &full[4..6], &full[6..8]);
    if full.len() >= 12 {
        if p(8, 10) > 23 || p(10, 12) > 59 {
            return Err(seg.bad(0, 1, "date/time value", "hour or minute out of range"));
        }
        iso.push_str(&format!("T{}:{}", &full[8..10], &full[10..12]));
    }
    if full.len() == 14 {
        if p(12, 14) > 59 {
            return Err(seg.bad(0, 1, "date/time value", "second out of range"));
        }
        iso.push_str(&format!(":{}", &full[12..14]));
    }
    Ok((qualifier, iso))
}

/// A number written with the interchange's decimal mark (either mark is accepted, as ISO 9735
/// allows), e.g. `11740`, `1250,5`.
pub fn number(
    seg: &Segment,
    element: usize,
    component: usize,
    what: &'static str,
    d: &Delimiters,
) -> Result<f64, EdiError> {
    let raw = seg.require(element, component, what)?;
    let normal: String = raw
        .chars()
        .map(|c| if c == d.decimal || c == ',' { '.' } else { c })
        .collect();
    match normal.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(seg.bad(element, component, what, "not a number")),
    }
}

/// A whole count such as a number of packages.
pub fn count(seg: &Segment, element: usize, component: usize, what: &'static str) -> Result<u32, EdiError> {
    let raw = seg.require(element, component, what)?;
    raw.trim()
        .parse::<u32>()
        .map_err(|_| seg.bad(element, component, what, "not a whole number"))
}

/// A MEA weight (C174: unit, value) in kilograms: `KGM`, `TNE` (tonnes) or `LBR` (pounds).
pub fn weight_kg(seg: &Segment, d: &Delimiters) -> Result<f64, EdiError> {
    let value = number(seg, 2, 1, "measurement value", d)?;
    if value < 0.0 {
        return Err(seg.bad(2, 1, "measurement value", "a weight cannot be negative"));
    }
    match seg.get(2, 0) {
        Some("KGM") | None => Ok(value),
        Some("TNE") => Ok(value * 1000.0),
        Some("LBR") => Ok(value * 0.453_592_37),
        Some(_) => Err(seg.bad(2, 0, "measure unit", "weight units are KGM, TNE or LBR")),
    }
}

/// The MEA's dimension (C502 6313: `G` gross, `T` tare, `VGM`, `AAB`...), defaulting to the
/// application qualifier when C502 is empty (`MEA+WT++KGM:23000`).
pub fn mea_dimension(seg: &Segment) -> &str {
    seg.get(1, 0).or_else(|| seg.get(0, 0)).unwrap_or("")
}

/// A LOC location (C517 3225) as a UN/LOCODE; a value that is not one is kept verbatim with a
/// warning.
pub fn location(seg: &Segment, warnings: &mut Vec<Warning>) -> Result<UnLocode, EdiError> {
    let raw = seg.require(1, 0, "location identification")?;
    let code = UnLocode::new(raw);
    if let Err(reason) = code.check() {
        warnings.push(Warning::Suspicious {
            tag: seg.tag.clone(),
            pos: seg.pos,
            what: "location".into(),
            value: raw.into(),
            reason,
        });
    }
    Ok(code)
}

/// A NAD party: identification (C082), name from C080 or the first line of C058, address from
/// the other C058 lines, C059 street, city, postcode and country.
pub fn party(seg: &Segment) -> Result<(String, Party), EdiError> {
    let role = seg.require(0, 0, "party function qualifier")?.to_string();
    let c058: Vec<&str> = seg.components(2).collect();
    let c080: Vec<&str> = seg.components(3).collect();
    let (name, mut address) = if c080.is_empty() {
        match c058.split_first() {
            Some((first, rest)) => (first.to_string(), rest.iter().map(|s| s.to_string()).collect()),
            None => (String::new(), Vec::new()),
        }
    } else {
        (c080.join(" "), c058.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    };
    address.extend(seg.components(4).map(str::to_string));
    let city_line: Vec<&str> = [seg.get(7, 0), seg.get(5, 0), seg.get(6, 0)]
        .into_iter()
        .flatten()
        .collect();
    if !city_line.is_empty() {
        address.push(city_line.join(" "));
    }
    let id = seg.get(1, 0).map(str::to_string);
    if name.is_empty() && id.is_none() {
        return Err(seg.bad(
            3,
            0,
            "party name",
            "a party needs a name (C080 or C058) or an identification (C082)",
        ));
    }
    Ok((
        role,
        Party {
            name,
            address,
            id,
            country: seg.get(8, 0).map(str::to_string),
        },
    ))
}

/// What a TDT says: stage qualifier, voyage (conveyance reference), carrier code, vessel.
pub struct Transport {
    pub stage: String,
    pub voyage: Option<String>,
    pub carrier: Option<String>,
    pub vessel: Vessel,
}

/// A TDT (D.95B and D.04B share the layout up to C222). C222 8213 is an IMO number when its
/// code list (1131) is `146` (Lloyd's/IMO, as SMDG uses) or `IMO`, a call sign when it is
/// `103`; other identifications are kept as the call sign with a warning.
pub fn transport(seg: &Segment, warnings: &mut Vec<Warning>) -> Result<Transport, EdiError> {
    let stage = seg.require(0, 0, "transport stage qualifier")?.to_string();
    let mut vessel = Vessel {
        name: seg.get(7, 3).map(str::to_string),
        imo: None,
        call_sign: None,
        flag: seg.get(7, 4).map(str::to_string),
    };
    if let Some(id) = seg.get(7, 0) {
        match seg.get(7, 1) {
            Some("146") | Some("IMO") => match parse_imo(id) {
                Some(imo) => vessel.imo = Some(imo),
                None => warnings.push(Warning::Suspicious {
                    tag: seg.tag.clone(),
                    pos: seg.pos,
                    what: "IMO number".into(),
                    value: id.into(),
                    reason: "not a 7-digit IMO number with a valid check digit; not used".into(),
                }),
            },
            Some("103") => vessel.call_sign = Some(id.to_string()),
            other => {
                warnings.push(Warning::Suspicious {
                    tag: seg.tag.clone(),
                    pos: seg.pos,
                    what: "vessel identification".into(),
                    value: id.into(),
                    reason: format!(
                        "code list {:?} is neither 146 (IMO) nor 103 (call sign); kept as call sign",
                        other.unwrap_or("")
                    ),
                });
                vessel.call_sign = Some(id.to_string());
            }
        }
    }
    Ok(Transport {
        stage,
        voyage: seg.get(1, 0).map(str::to_string),
        carrier: seg.get(4, 0).map(str::to_string),
        vessel,
    })
}

/// `9301146`, `IMO 9301146` or `IMO9301146` → the number, when its check digit is right.
pub fn parse_imo(text: &str) -> Option<u32> {
    let digits = text.trim().trim_start_matches("IMO").trim();
    let n: u32 = digits.parse().ok()?;
    (digits.len() == 7 && mission::scenario::is_valid_imo(n)).then_some(n)
}

/// A SEL seal: number (9308) and sealing party (C215 9303).
pub fn seal(seg: &Segment) -> Result<Seal, EdiError> {
    Ok(Seal {
        number: seg.require(0, 0, "seal number")?.to_string(),
        party: SealingParty::from_code(seg.get(1, 0).unwrap_or("")),
    })
}

/// EQD full/empty indicator (8169): 4 empty, 5 full.
pub fn full_empty(seg: &Segment) -> Result<Option<FullEmpty>, EdiError> {
    match seg.get(5, 0) {
        None => Ok(None),
        Some("5") => Ok(Some(FullEmpty::Full)),
        Some("4") => Ok(Some(FullEmpty::Empty)),
        Some(_) => Err(seg.bad(5, 0, "full/empty indicator", "expected 4 (empty) or 5 (full)")),
    }
}

/// EQD size/type (C224): the code (8155), or, when only the free text (8154) is given, that.
pub fn size_type(seg: &Segment) -> Option<String> {
    seg.get(2, 0).or_else(|| seg.get(2, 3)).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edifact::syntax::lex;

    fn seg(text: &str) -> Segment {
        lex(text).unwrap().segments.remove(0)
    }

    #[test]
    fn dates_in_several_formats() {
        let mut w = Vec::new();
        assert_eq!(
            date(&seg("DTM+137:202405180615:203'"), &mut w).unwrap().1,
            "2024-05-18T06:15"
        );
        assert_eq!(date(&seg("DTM+132:20121124:102'"), &mut w).unwrap().1, "2012-11-24");
        assert_eq!(
            date(&seg("DTM+137:0910301200:201'"), &mut w).unwrap().1,
            "2009-10-30T12:00"
        );
        assert_eq!(date(&seg("DTM+7:SOON:ZZZ'"), &mut w).unwrap().1, "SOON");
        assert!(w.is_empty());
        assert_eq!(date(&seg("DTM+132:20121124:203'"), &mut w).unwrap().1, "2012-11-24");
        assert_eq!(w.len(), 1);
        let e = date(&seg("DTM+137:20241318:102'"), &mut w).unwrap_err().to_string();
        assert!(e.contains("element 1.2"), "{e}");
        assert!(date(&seg("DTM+137:2024131:102'"), &mut w).is_err());
        assert!(date(&seg("DTM+137:202401011260:203'"), &mut w).is_err());
    }

    #[test]
    fn weights_and_units() {
        let d = Delimiters::default();
        assert_eq!(weight_kg(&seg("MEA+AAE+G+KGM:11740'"), &d).unwrap(), 11740.0);
        assert_eq!(weight_kg(&seg("MEA+AAE+G+TNE:1.5'"), &d).unwrap(), 1500.0);
        assert!(weight_kg(&seg("MEA+AAE+G+KGM:12x'"), &d).is_err());
        assert!(weight_kg(&seg("MEA+AAE+G+MTQ:12'"), &d).is_err());
        assert!(weight_kg(&seg("MEA+AAE+G+KGM:-5'"), &d).is_err());
    }

    #[test]
    fn imo_numbers_are_checked() {
        assert_eq!(parse_imo("9301146"), Some(9_301_146));
        assert_eq!(parse_imo("IMO 9301146"), Some(9_301_146));
        assert_eq!(parse_imo("9301147"), None);
        assert_eq!(parse_imo("IMONUMBER"), None);
    }
}
