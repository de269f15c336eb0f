//! COPRAR (container discharge/loading order, D.95B) and BAPLIE (bayplan, D.95B–D.04B) →
//! container positions and load lists.
//!
//! A COPRAR container group starts at its EQD; a BAPLIE one at its stowage LOC+147 (the EQD
//! comes later in the group). Both share the header: BGM, DTM, TDT (vessel, voyage), LOC, NAD.

use serde::{Deserialize, Serialize};

use super::envelope::{Interchange, Message};
use super::error::{EdiError, Warning};
use super::syntax::{Delimiters, Segment};
use super::values;
use crate::iso6346::ContainerNumber;
use crate::manifest::{FullEmpty, UnLocode, Vessel};

/// A bay-row-tier stowage cell (ISO 9711: `BBBRRTT`, or `BBRRTT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stowage {
    pub bay: u16,
    pub row: u16,
    pub tier: u16,
    pub raw: String,
}

impl Stowage {
    /// Parses `0050302` (bay 005, row 03, tier 02) or `050302`; None for other forms.
    pub fn parse(raw: &str) -> Option<Stowage> {
        let s = raw.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let bay_len = match s.len() {
            7 => 3,
            6 => 2,
            _ => return None,
        };
        let n = |a: usize, b: usize| s[a..b].parse::<u16>().ok();
        Some(Stowage {
            bay: n(0, bay_len)?,
            row: n(bay_len, bay_len + 2)?,
            tier: n(bay_len + 2, bay_len + 4)?,
            raw: s.to_string(),
        })
    }
}

/// One container of a load list or bayplan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerEntry {
    /// As given; see `number_valid`.
    pub number: String,
    /// Whether `number` is a valid ISO 6346 container number.
    pub number_valid: bool,
    pub size_type: Option<String>,
    /// The stowage cell as given (BAPLIE LOC+147).
    pub stowage_cell: Option<String>,
    /// The stowage cell read as bay, row and tier, when it has that form.
    pub stowage: Option<Stowage>,
    /// This container's port of loading, else the message's.
    pub port_of_loading: Option<UnLocode>,
    pub port_of_discharge: Option<UnLocode>,
    pub place_of_delivery: Option<UnLocode>,
    pub gross_kg: Option<f64>,
    /// Verified gross mass (SOLAS), when given apart from the gross weight.
    pub vgm_kg: Option<f64>,
    pub full_empty: Option<FullEmpty>,
    /// EDIFACT 8249 equipment status: 2 export, 3 import, 6 transhipment...
    pub status: Option<String>,
    pub booking: Option<String>,
    pub bill_of_lading: Option<String>,
    pub description: Option<String>,
    /// Container operator (NAD+CF or NAD+CA in the group).
    pub operator: Option<String>,
    /// Another leg named in the group (COPRAR TDT): voyage and means of transport.
    pub other_leg: Option<String>,
}

/// A COPRAR or BAPLIE message read as a list of containers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerList {
    pub message_type: String,
    pub reference: String,
    pub document_number: Option<String>,
    pub vessel: Vessel,
    /// The TDT's conveyance reference (in BAPLIE, the discharge voyage).
    pub voyage: Option<String>,
    /// RFF+VON (in BAPLIE, the loading voyage), when given.
    pub loading_voyage: Option<String>,
    pub carrier: Option<String>,
    /// Header dates (ISO 8601): message date (137), departure (133, 186), arrival (132, 178).
    pub issued: Option<String>,
    pub departure: Option<String>,
    pub arrival: Option<String>,
    pub departure_port: Option<UnLocode>,
    pub next_port: Option<UnLocode>,
    pub loading_port: Option<UnLocode>,
    pub containers: Vec<ContainerEntry>,
}

/// Reads every COPRAR or BAPLIE message of an interchange.
pub fn parse_container_lists(text: &str) -> Result<(Vec<ContainerList>, Vec<Warning>), EdiError> {
    let interchange = Interchange::parse(text)?;
    let mut warnings = interchange.warnings.clone();
    let lists = interchange
        .messages
        .iter()
        .map(|m| container_list(m, &interchange.delimiters, &mut warnings))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((lists, warnings))
}

/// Maps one COPRAR or BAPLIE message.
pub fn container_list(m: &Message, d: &Delimiters, warnings: &mut Vec<Warning>) -> Result<ContainerList, EdiError> {
    let baplie = match m.id.message_type.as_str() {
        "BAPLIE" => true,
        "COPRAR" => false,
        other => {
            return Err(EdiError::WrongMessageType {
                expected: "COPRAR or BAPLIE",
                found: other.to_string(),
                pos: m.header.pos,
            });
        }
    };
    let mut list = ContainerList {
        message_type: m.id.message_type.clone(),
        reference: m.reference.clone(),
        document_number: None,
        vessel: Vessel::default(),
        voyage: None,
        loading_voyage: None,
        carrier: None,
        issued: None,
        departure: None,
        arrival: None,
        departure_port: None,
        next_port: None,
        loading_port: None,
        containers: Vec::new(),
    };
    // Whether the current BAPLIE group has had its EQD (a second EQD in one cell is an attached unit).
    let mut eqd_seen = false;
    let mut declared_count: Option<(u32, &Segment)> = None;
    for seg in &m.body {
        let in_group = !list.containers.is_empty();
        let skip = |reason: &str| Warning::Unmapped {
            tag: seg.tag.clone(),
            pos: seg.pos,
            reason: reason.into(),
        };
        match seg.tag.as_str() {
            "BGM" => list.document_number = seg.get(1, 0).map(str::to_string),
            "LOC" if baplie && seg.get(0, 0) == Some("147") => {
                let cell = seg.require(1, 0, "stowage cell")?;
                list.containers.push(ContainerEntry {
                    stowage_cell: Some(cell.to_string()),
                    stowage: stowage(seg, cell, warnings),
                    ..Default::default()
                });
                eqd_seen = false;
            }
            "EQD" => {
                if !baplie || !in_group || eqd_seen {
                    if baplie {
                        warnings.push(skip(
                            "EQD without its own stowage cell (LOC+147); listed without a position",
                        ));
                    }
                    list.containers.push(ContainerEntry::default());
                }
                eqd_seen = true;
                let number = seg.require(1, 0, "equipment identification")?.to_string();
                if list.containers.iter().any(|c| c.number == number) {
                    warnings.push(Warning::Suspicious {
                        tag: seg.tag.clone(),
                        pos: seg.pos,
                        what: "container".into(),
                        value: number.clone(),
                        reason: "listed more than once in this message; each listing kept".into(),
                    });
                }
                if let Some(c) = list.containers.last_mut() {
                    c.number_valid = ContainerNumber::parse(&number).is_ok();
                    c.number = number;
                    c.size_type = values::size_type(seg);
                    c.status = seg.get(4, 0).map(str::to_string);
                    c.full_empty = values::full_empty(seg)?;
                }
            }
            "TDT" => {
                let t = values::transport(seg, warnings)?;
                match list.containers.last_mut() {
                    Some(c) => {
                        let vessel = t.vessel.name.or(t.vessel.call_sign).unwrap_or_default();
                        c.other_leg = Some(format!(
                            "stage {} voyage {} {vessel}",
                            t.stage,
                            t.voyage.as_deref().unwrap_or("?")
                        ));
                    }
                    None => {
                        list.vessel = t.vessel;
                        list.voyage = t.voyage;
                        list.carrier = t.carrier;
                    }
                }
            }
            "LOC" => {
                let q = seg.require(0, 0, "location qualifier")?;
                let code = values::location(seg, warnings)?;
                match (list.containers.last_mut(), q) {
                    (None, "5") => list.departure_port = Some(code),
                    (None, "61") => list.next_port = Some(code),
                    (None, "9") => list.loading_port = Some(code),
                    (Some(c), "9" | "76") => c.port_of_loading = Some(code),
                    (Some(c), "11" | "12") => c.port_of_discharge = Some(code),
                    (Some(c), "7" | "83") => c.place_of_delivery = Some(code),
                    _ => warnings.push(Warning::UnknownQualifier {
                        tag: seg.tag.clone(),
                        qualifier: q.into(),
                        pos: seg.pos,
                    }),
                }
            }
            "MEA" => match list.containers.last_mut() {
                Some(c) => {
                    let kg = values::weight_kg(seg, d)?;
                    match values::mea_dimension(seg) {
                        "VGM" => c.vgm_kg = Some(kg),
                        "G" | "AAB" | "WT" => c.gross_kg = Some(kg),
                        other => warnings.push(Warning::UnknownQualifier {
                            tag: seg.tag.clone(),
                            qualifier: other.into(),
                            pos: seg.pos,
                        }),
                    }
                }
                None => warnings.push(skip("a weight before any container")),
            },
            "RFF" => {
                let value = seg.get(0, 1).map(str::to_string);
                match (list.containers.last_mut(), seg.get(0, 0)) {
                    (Some(c), Some("BN")) => c.booking = value,
                    (Some(c), Some("BM")) => c.bill_of_lading = value,
                    (None, Some("VON")) => list.loading_voyage = value,
                    (_, q) => warnings.push(Warning::UnknownQualifier {
                        tag: seg.tag.clone(),
                        qualifier: q.unwrap_or("").into(),
                        pos: seg.pos,
                    }),
                }
            }
            "FTX" => match (list.containers.last_mut(), seg.get(0, 0)) {
                (Some(c), Some("AAA")) => c.description = Some(seg.components(3).collect::<Vec<_>>().join(" ")),
                _ => warnings.push(skip("free text other than a container's goods description")),
            },
            "NAD" => {
                let id = seg.get(1, 0).map(str::to_string);
                match (list.containers.last_mut(), seg.get(0, 0)) {
                    (Some(c), Some("CF" | "CA")) => c.operator = id,
                    (None, Some("CA")) => list.carrier = id.or(list.carrier.take()),
                    _ => warnings.push(skip("party not used in a container list")),
                }
            }
            "DTM" if !in_group => {
                let (q, iso) = values::date(seg, warnings)?;
                match q.as_str() {
                    "137" => list.issued = Some(iso),
                    "133" | "186" => list.departure = Some(iso),
                    "132" | "178" => list.arrival = Some(iso),
                    _ => warnings.push(Warning::UnknownQualifier {
                        tag: seg.tag.clone(),
                        qualifier: q,
                        pos: seg.pos,
                    }),
                }
            }
            "CNT" if seg.get(0, 0) == Some("16") => {
                declared_count = Some((values::count(seg, 0, 1, "number of containers")?, seg));
            }
            _ => warnings.push(skip("not used in a container list")),
        }
    }
    for c in &mut list.containers {
        if c.port_of_loading.is_none() {
            c.port_of_loading = list.loading_port.clone();
        }
    }
    if let Some((n, seg)) = declared_count
        && n as usize != list.containers.len()
    {
        warnings.push(Warning::Suspicious {
            tag: seg.tag.clone(),
            pos: seg.pos,
            what: "control total of containers (CNT+16)".into(),
            value: n.to_string(),
            reason: format!("the message lists {}", list.containers.len()),
        });
    }
    Ok(list)
}

fn stowage(seg: &Segment, cell: &str, warnings: &mut Vec<Warning>) -> Option<Stowage> {
    let parsed = Stowage::parse(cell);
    if parsed.is_none() {
        warnings.push(Warning::Suspicious {
            tag: seg.tag.clone(),
            pos: seg.pos,
            what: "stowage cell".into(),
            value: cell.into(),
            reason: "not in the ISO 9711 bay-row-tier form (BBBRRTT); kept as text".into(),
        });
    }
    parsed
}
