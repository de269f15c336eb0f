//! CUSCAR (customs cargo report, D.95B) → [`Manifest`].
//!
//! Segments are placed by the group they belong to: the header (BGM, DTM, RFF, NAD, FTX), the
//! transport group (TDT with its DTM, LOC, RFF), equipment groups (EQD, MEA, SEL) and
//! consignment groups (CNI with LOC, RFF, NAD, and goods-item groups GID with FTX, PIA, MEA,
//! SGP, DGS, PCI). A segment the mapper does not use is reported as a warning, not dropped
//! silently.

use super::envelope::{Interchange, Message};
use super::error::{EdiError, Warning};
use super::syntax::{Delimiters, Segment};
use super::values;
use crate::manifest::{Consignment, DangerousGoods, Equipment, GoodsItem, Manifest, Packages, Placement, Route};

/// The manifests of an interchange (one per CUSCAR message) and everything flagged on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct CuscarReport {
    pub manifests: Vec<Manifest>,
    /// Envelope control problems first, then each message's mapping warnings.
    pub warnings: Vec<Warning>,
}

/// Reads an interchange of CUSCAR messages. Messages of another type are an error.
pub fn parse_cuscar(text: &str) -> Result<CuscarReport, EdiError> {
    manifests(&Interchange::parse(text)?)
}

/// Where the segment being read belongs.
#[derive(Clone, Copy)]
enum Ctx {
    Header,
    Transport,
    Equipment(usize),
    Consignment,
    Goods,
    Placement,
}

/// Maps one CUSCAR message. Versions other than D.95B are read with the D.95B layout and a
/// warning.
pub fn manifest_from_message(m: &Message, d: &Delimiters, warnings: &mut Vec<Warning>) -> Result<Manifest, EdiError> {
    if m.id.message_type != "CUSCAR" {
        return Err(EdiError::WrongMessageType {
            expected: "CUSCAR",
            found: m.id.message_type.clone(),
            pos: m.header.pos,
        });
    }
    if m.id.directory() != "D95B" {
        warnings.push(Warning::Suspicious {
            tag: "UNH".into(),
            pos: m.header.pos,
            what: "message version".into(),
            value: m.id.directory(),
            reason: "read with the D.95B layout".into(),
        });
    }
    let mut man = Manifest::default();
    let mut ctx = Ctx::Header;
    for seg in &m.body {
        let skip = |reason: &str| Warning::Unmapped {
            tag: seg.tag.clone(),
            pos: seg.pos,
            reason: reason.into(),
        };
        match seg.tag.as_str() {
            "BGM" => {
                man.document_number = seg.require(1, 0, "document number")?.to_string();
                man.message_function = seg.get(2, 0).map(str::to_string);
            }
            "TDT" => {
                let t = values::transport(seg, warnings)?;
                if t.stage != "20" || !man.consignments.is_empty() {
                    warnings.push(skip("only the main-carriage TDT (stage 20) of the header is used"));
                    continue;
                }
                ctx = Ctx::Transport;
                man.voyage_number = t.voyage.or(man.voyage_number.take());
                man.vessel = t.vessel;
                if let (Some(code), None) = (t.carrier, &man.carrier) {
                    man.carrier = Some(crate::manifest::Party {
                        name: seg.get(4, 3).unwrap_or("").to_string(),
                        id: Some(code),
                        ..Default::default()
                    });
                }
            }
            "EQD" => {
                ctx = Ctx::Equipment(equipment(seg, &mut man, warnings)?);
            }
            "CNI" => {
                ctx = Ctx::Consignment;
                man.consignments.push(Consignment {
                    bill_of_lading: seg.get(1, 0).unwrap_or("").to_string(),
                    ..Default::default()
                });
            }
            "GID" => {
                let Some(c) = man.consignments.last_mut() else {
                    return Err(outside(seg, "a goods item (GID) must follow its consignment (CNI)"));
                };
                ctx = Ctx::Goods;
                c.goods.push(goods_item(seg)?);
            }
            "SGP" => {
                let Some(g) = current_goods(&mut man) else {
                    return Err(outside(
                        seg,
                        "a split goods placement (SGP) must follow its goods item (GID)",
                    ));
                };
                ctx = Ctx::Placement;
                g.placements.push(Placement {
                    container: seg.require(0, 0, "equipment identification")?.to_string(),
                    packages: seg
                        .get(1, 0)
                        .map(|_| values::count(seg, 1, 0, "package quantity"))
                        .transpose()?,
                    gross_kg: None,
                });
            }
            "DTM" => match ctx {
                Ctx::Header | Ctx::Transport => {
                    let (q, iso) = values::date(seg, warnings)?;
                    match q.as_str() {
                        "137" => man.issued = Some(iso),
                        "132" | "178" | "232" => man.arrival = Some(iso),
                        "133" | "186" => man.departure = Some(iso),
                        _ => warnings.push(unknown(seg, &q)),
                    }
                }
                _ => warnings.push(skip("dates below the header are not part of the manifest model")),
            },
            "RFF" => reference(seg, ctx, &mut man, warnings)?,
            "NAD" => party(seg, ctx, &mut man, warnings)?,
            "LOC" => location(seg, ctx, &mut man, warnings)?,
            "MEA" => measure(seg, ctx, &mut man, d, warnings)?,
            "SEL" => match ctx {
                Ctx::Equipment(i) => man.equipment[i].seals.push(values::seal(seg)?),
                _ => warnings.push(skip("a seal (SEL) belongs to an equipment group (EQD)")),
            },
            "FTX" => match (ctx, seg.get(0, 0)) {
                (Ctx::Goods | Ctx::Placement, Some("AAA")) => {
                    let text: Vec<&str> = seg.components(3).collect();
                    if let Some(g) = current_goods(&mut man) {
                        if !g.description.is_empty() {
                            g.description.push(' ');
                        }
                        g.description.push_str(&text.join(" "));
                    }
                }
                _ => warnings.push(skip("free text other than a goods description (FTX+AAA)")),
            },
            "PIA" | "CST" => commodity(seg, &mut man, warnings),
            "PCI" => match current_goods(&mut man) {
                Some(g) => g.marks.extend(seg.components(1).map(str::to_string)),
                None => warnings.push(skip("marks (PCI) belong to a goods item")),
            },
            "DGS" => match current_goods(&mut man) {
                Some(g) => {
                    g.dangerous = Some(DangerousGoods {
                        class: seg.get(1, 0).map(str::to_string),
                        un_number: seg.get(2, 0).map(str::to_string),
                    })
                }
                None => warnings.push(skip("dangerous goods (DGS) belong to a goods item")),
            },
            "CNT" => control_total(seg, &man, d, warnings)?,
            _ => warnings.push(skip("not used by the manifest model")),
        }
    }
    for (i, c) in man.consignments.iter().enumerate() {
        if c.bill_of_lading.is_empty() {
            let cni = m.body.iter().filter(|s| s.tag == "CNI").nth(i).unwrap_or(&m.header);
            return Err(cni.bad(
                1,
                0,
                "bill of lading number",
                "no transport document number in CNI nor RFF+BM",
            ));
        }
    }
    if man.document_number.is_empty() {
        return Err(EdiError::UnexpectedSegment {
            tag: "UNH".into(),
            pos: m.header.pos,
            reason: "the message has no BGM with a document number".into(),
        });
    }
    Ok(man)
}

fn current_goods(man: &mut Manifest) -> Option<&mut GoodsItem> {
    man.consignments.last_mut().and_then(|c| c.goods.last_mut())
}

fn outside(seg: &Segment, reason: &str) -> EdiError {
    EdiError::UnexpectedSegment {
        tag: seg.tag.clone(),
        pos: seg.pos,
        reason: reason.into(),
    }
}

fn unknown(seg: &Segment, qualifier: &str) -> Warning {
    Warning::UnknownQualifier {
        tag: seg.tag.clone(),
        qualifier: qualifier.into(),
        pos: seg.pos,
    }
}

fn equipment(seg: &Segment, man: &mut Manifest, warnings: &mut Vec<Warning>) -> Result<usize, EdiError> {
    let number = seg.require(1, 0, "equipment identification")?.to_string();
    let e = Equipment {
        kind: seg.require(0, 0, "equipment qualifier")?.to_string(),
        size_type: values::size_type(seg),
        full_empty: values::full_empty(seg)?,
        number,
        ..Default::default()
    };
    // A container listed twice (some senders repeat EQD per consignment) is one container.
    if let Some(i) = man.equipment.iter().position(|x| x.number == e.number) {
        warnings.push(Warning::Suspicious {
            tag: seg.tag.clone(),
            pos: seg.pos,
            what: "equipment".into(),
            value: e.number,
            reason: "listed again; its seals and weights are merged into the first entry".into(),
        });
        return Ok(i);
    }
    man.equipment.push(e);
    Ok(man.equipment.len() - 1)
}

fn goods_item(seg: &Segment) -> Result<GoodsItem, EdiError> {
    let packages = match seg.get(1, 0) {
        Some(_) => Some(Packages {
            count: values::count(seg, 1, 0, "number of packages")?,
            kind: seg.get(1, 1).map(str::to_string),
            kind_text: seg.get(1, 4).map(str::to_string),
        }),
        None => None,
    };
    Ok(GoodsItem {
        item_number: values::count(seg, 0, 0, "goods item number")?,
        packages,
        ..Default::default()
    })
}

fn reference(seg: &Segment, ctx: Ctx, man: &mut Manifest, warnings: &mut Vec<Warning>) -> Result<(), EdiError> {
    let q = seg.require(0, 0, "reference qualifier")?;
    let value = seg.require(0, 1, "reference number")?.to_string();
    match (ctx, q) {
        (Ctx::Header | Ctx::Transport, "VON") => man.voyage_number = Some(value),
        (Ctx::Header | Ctx::Transport, "VM") => man.vessel.call_sign = Some(value),
        (Ctx::Consignment | Ctx::Goods | Ctx::Placement, "BM") => {
            if let Some(c) = man.consignments.last_mut()
                && c.bill_of_lading.is_empty()
            {
                c.bill_of_lading = value;
            }
        }
        _ => warnings.push(unknown(seg, q)),
    }
    Ok(())
}

fn party(seg: &Segment, ctx: Ctx, man: &mut Manifest, warnings: &mut Vec<Warning>) -> Result<(), EdiError> {
    let (role, p) = values::party(seg)?;
    match (ctx, role.as_str()) {
        (Ctx::Header | Ctx::Transport, "CA") => man.carrier = Some(p),
        (Ctx::Header | Ctx::Transport, "MS") => warnings.push(Warning::Unmapped {
            tag: seg.tag.clone(),
            pos: seg.pos,
            reason: "message sender is envelope data".into(),
        }),
        (Ctx::Consignment | Ctx::Goods | Ctx::Placement, "CZ" | "CN" | "NI" | "N1") => {
            if let Some(c) = man.consignments.last_mut() {
                let slot = match role.as_str() {
                    "CZ" => &mut c.consignor,
                    "CN" => &mut c.consignee,
                    _ => &mut c.notify,
                };
                *slot = Some(p);
            }
        }
        _ => warnings.push(unknown(seg, &role)),
    }
    Ok(())
}

fn location(seg: &Segment, ctx: Ctx, man: &mut Manifest, warnings: &mut Vec<Warning>) -> Result<(), EdiError> {
    let q = seg.require(0, 0, "location qualifier")?;
    let code = values::location(seg, warnings)?;
    let route: &mut Route = match ctx {
        Ctx::Consignment | Ctx::Goods | Ctx::Placement => match man.consignments.last_mut() {
            Some(c) => &mut c.route,
            None => &mut man.route,
        },
        _ => match q {
            "5" => {
                man.departure_port = Some(code);
                return Ok(());
            }
            "60" | "24" => {
                man.arrival_port = Some(code);
                return Ok(());
            }
            _ => &mut man.route,
        },
    };
    match q {
        "9" | "76" => route.loading = Some(code),
        "11" | "12" => route.discharge = Some(code),
        "7" | "8" | "83" => route.delivery = Some(code),
        _ => warnings.push(unknown(seg, q)),
    }
    Ok(())
}

fn measure(
    seg: &Segment,
    ctx: Ctx,
    man: &mut Manifest,
    d: &Delimiters,
    warnings: &mut Vec<Warning>,
) -> Result<(), EdiError> {
    let dim = values::mea_dimension(seg).to_string();
    let weighs = matches!(dim.as_str(), "G" | "AAB" | "T" | "WT");
    if !weighs {
        warnings.push(unknown(seg, &dim));
        return Ok(());
    }
    let kg = values::weight_kg(seg, d)?;
    match ctx {
        Ctx::Equipment(i) if dim == "T" => man.equipment[i].tare_kg = Some(kg),
        Ctx::Equipment(i) => man.equipment[i].gross_kg = Some(kg),
        Ctx::Goods => {
            if let Some(g) = current_goods(man) {
                g.gross_kg = Some(kg);
            }
        }
        Ctx::Placement => {
            if let Some(p) = current_goods(man).and_then(|g| g.placements.last_mut()) {
                p.gross_kg = Some(kg);
            }
        }
        _ => warnings.push(Warning::Unmapped {
            tag: seg.tag.clone(),
            pos: seg.pos,
            reason: "a weight outside equipment and goods groups".into(),
        }),
    }
    Ok(())
}

/// CNT control totals checked against the message: 16 equipment count, 11 packages, 7 gross
/// weight of the goods (kg). A mismatch is a warning; other totals are skipped with one.
fn control_total(seg: &Segment, man: &Manifest, d: &Delimiters, warnings: &mut Vec<Warning>) -> Result<(), EdiError> {
    let q = seg.require(0, 0, "control total qualifier")?;
    let declared = values::number(seg, 0, 1, "control total value", d)?;
    let goods = || man.consignments.iter().flat_map(|c| &c.goods);
    let actual = match q {
        "16" => man.equipment.len() as f64,
        "11" => goods()
            .filter_map(|g| g.packages.as_ref())
            .map(|p| f64::from(p.count))
            .sum(),
        "7" => goods().filter_map(|g| g.gross_kg).sum(),
        _ => {
            warnings.push(unknown(seg, q));
            return Ok(());
        }
    };
    // Totals are checked where they stand: a CNT counts what came before it.
    if (declared - actual).abs() > 0.5 {
        warnings.push(Warning::Suspicious {
            tag: seg.tag.clone(),
            pos: seg.pos,
            what: format!("control total {q}"),
            value: seg.get(0, 1).unwrap_or("").to_string(),
            reason: format!("the message has {actual} before this CNT"),
        });
    }
    Ok(())
}

/// PIA (C212: item number with item type `HS`) or CST (first C246 customs code) → the goods
/// item's HS code.
fn commodity(seg: &Segment, man: &mut Manifest, warnings: &mut Vec<Warning>) {
    let code = if seg.tag == "PIA" {
        (1..seg.elements.len()).find_map(|e| (seg.get(e, 1) == Some("HS")).then(|| seg.get(e, 0)).flatten())
    } else {
        (1..seg.elements.len()).find_map(|e| seg.get(e, 0))
    };
    match (code, current_goods(man)) {
        (Some(code), Some(g)) => g.hs_code = Some(code.to_string()),
        _ => warnings.push(Warning::Unmapped {
            tag: seg.tag.clone(),
            pos: seg.pos,
            reason: "no HS commodity code for a goods item here".into(),
        }),
    }
}

/// Maps every CUSCAR message of an already-read interchange.
pub fn manifests(interchange: &Interchange) -> Result<CuscarReport, EdiError> {
    let mut warnings = interchange.warnings.clone();
    let manifests = interchange
        .messages
        .iter()
        .map(|m| manifest_from_message(m, &interchange.delimiters, &mut warnings))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CuscarReport { manifests, warnings })
}
