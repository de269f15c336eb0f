//! Consistency checks of a manifest: references between goods and equipment, numbers, codes
//! and totals. Each problem says where it is (bill of lading, goods item, container).

use serde::{Deserialize, Serialize};

use super::Manifest;
use crate::iso6346::{ContainerNumber, normalise};

/// Weights are compared with this tolerance (kg), for rounding in the source.
const WEIGHT_TOLERANCE_KG: f64 = 0.5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ManifestProblem {
    #[error("B/L {bill}, goods item {item}: container {container} is not in the manifest's equipment")]
    UnknownEquipment { bill: String, item: u32, container: String },
    #[error("container {container} is listed {times} times in the equipment")]
    DuplicateEquipment { container: String, times: usize },
    #[error("container {container}: {reason}")]
    InvalidContainerNumber { container: String, reason: String },
    #[error("container {container} is declared full but no goods are placed in it")]
    FullWithoutGoods { container: String },
    #[error("container {container} is declared empty but goods are placed in it")]
    EmptyWithGoods { container: String },
    #[error("container {container}: goods placed in it weigh {goods_kg} kg, more than its gross {gross_kg} kg")]
    GoodsHeavierThanContainer {
        container: String,
        goods_kg: f64,
        gross_kg: f64,
    },
    #[error("consignment {index} has no bill of lading number")]
    MissingBillOfLading { index: usize },
    #[error("bill of lading {bill} appears {times} times")]
    DuplicateBillOfLading { bill: String, times: usize },
    #[error("B/L {bill} has no goods items")]
    NoGoods { bill: String },
    #[error("B/L {bill}, goods item {item}: no goods description")]
    MissingDescription { bill: String, item: u32 },
    #[error("B/L {bill}, goods item {item}: not placed in any container")]
    NotPlaced { bill: String, item: u32 },
    #[error("B/L {bill}, goods item {item}: HS code {code:?}: {reason}")]
    BadHsCode {
        bill: String,
        item: u32,
        code: String,
        reason: String,
    },
    #[error("B/L {bill}, goods item {item}: {declared} packages declared, {placed} placed in containers")]
    PackagesMismatch {
        bill: String,
        item: u32,
        declared: u32,
        placed: u32,
    },
    #[error("B/L {bill}, goods item {item}: {declared_kg} kg declared, {placed_kg} kg placed in containers")]
    WeightMismatch {
        bill: String,
        item: u32,
        declared_kg: f64,
        placed_kg: f64,
    },
    #[error("{field}: {code}: {reason}")]
    BadLocode {
        field: String,
        code: String,
        reason: String,
    },
    #[error("vessel IMO number {imo} has a wrong check digit or length")]
    BadImo { imo: u32 },
}

pub(super) fn validate(m: &Manifest) -> Vec<ManifestProblem> {
    let mut out = Vec::new();
    check_equipment(m, &mut out);
    check_consignments(m, &mut out);
    check_locations(m, &mut out);
    if let Some(imo) = m.vessel.imo
        && !mission::scenario::is_valid_imo(imo)
    {
        out.push(ManifestProblem::BadImo { imo });
    }
    out
}

fn check_equipment(m: &Manifest, out: &mut Vec<ManifestProblem>) {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for e in &m.equipment {
        let key = normalise(&e.number);
        match seen.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => seen.push((key, 1)),
        }
        if e.kind == "CN"
            && let Err(err) = e.number.parse::<ContainerNumber>()
        {
            out.push(ManifestProblem::InvalidContainerNumber {
                container: e.number.clone(),
                reason: err.to_string(),
            });
        }
        let goods: Vec<_> = m.goods_in(&e.number);
        let placed_kg: Option<f64> = goods
            .iter()
            .flat_map(|(_, items)| items.iter().map(|g| g.gross_kg_in(&e.number)))
            .sum::<Option<f64>>();
        match (e.full_empty, goods.is_empty()) {
            (Some(super::FullEmpty::Full), true) => out.push(ManifestProblem::FullWithoutGoods {
                container: e.number.clone(),
            }),
            (Some(super::FullEmpty::Empty), false) => out.push(ManifestProblem::EmptyWithGoods {
                container: e.number.clone(),
            }),
            _ => {}
        }
        if let (Some(goods_kg), Some(gross_kg)) = (placed_kg, e.gross_kg)
            && goods_kg > gross_kg + WEIGHT_TOLERANCE_KG
        {
            out.push(ManifestProblem::GoodsHeavierThanContainer {
                container: e.number.clone(),
                goods_kg,
                gross_kg,
            });
        }
    }
    for (key, times) in seen {
        if times > 1 {
            out.push(ManifestProblem::DuplicateEquipment { container: key, times });
        }
    }
}

fn check_consignments(m: &Manifest, out: &mut Vec<ManifestProblem>) {
    let hs = crate::hs::Nomenclature::hs2022();
    for (index, c) in m.consignments.iter().enumerate() {
        let bill = c.bill_of_lading.clone();
        if bill.trim().is_empty() {
            out.push(ManifestProblem::MissingBillOfLading { index });
        } else {
            let times = m.consignments.iter().filter(|o| o.bill_of_lading == bill).count();
            let first = m.consignments.iter().position(|o| o.bill_of_lading == bill) == Some(index);
            if times > 1 && first {
                out.push(ManifestProblem::DuplicateBillOfLading {
                    bill: bill.clone(),
                    times,
                });
            }
        }
        if c.goods.is_empty() {
            out.push(ManifestProblem::NoGoods { bill: bill.clone() });
        }
        for g in &c.goods {
            let item = g.item_number;
            if g.description.trim().is_empty() {
                out.push(ManifestProblem::MissingDescription {
                    bill: bill.clone(),
                    item,
                });
            }
            if g.placements.is_empty() {
                out.push(ManifestProblem::NotPlaced {
                    bill: bill.clone(),
                    item,
                });
            }
            for p in &g.placements {
                if m.equipment(&p.container).is_none() {
                    out.push(ManifestProblem::UnknownEquipment {
                        bill: bill.clone(),
                        item,
                        container: p.container.clone(),
                    });
                }
            }
            if let Some(code) = &g.hs_code
                && let Err(e) = hs.describe(code)
            {
                out.push(ManifestProblem::BadHsCode {
                    bill: bill.clone(),
                    item,
                    code: code.clone(),
                    reason: e.to_string(),
                });
            }
            check_totals(&bill, g, out);
        }
    }
}

/// Packages and weights split over containers must add up to the item's.
fn check_totals(bill: &str, g: &super::GoodsItem, out: &mut Vec<ManifestProblem>) {
    let placed: Option<u32> = g.placements.iter().map(|p| p.packages).sum();
    if let (Some(pk), Some(placed)) = (&g.packages, placed)
        && pk.count != placed
    {
        out.push(ManifestProblem::PackagesMismatch {
            bill: bill.to_string(),
            item: g.item_number,
            declared: pk.count,
            placed,
        });
    }
    let placed_kg: Option<f64> = g.placements.iter().map(|p| p.gross_kg).sum();
    if let (Some(declared_kg), Some(placed_kg)) = (g.gross_kg, placed_kg)
        && (declared_kg - placed_kg).abs() > WEIGHT_TOLERANCE_KG
    {
        out.push(ManifestProblem::WeightMismatch {
            bill: bill.to_string(),
            item: g.item_number,
            declared_kg,
            placed_kg,
        });
    }
}

fn check_locations(m: &Manifest, out: &mut Vec<ManifestProblem>) {
    let mut check = |field: String, code: &Option<super::UnLocode>| {
        if let Some(code) = code
            && let Err(reason) = code.check()
        {
            out.push(ManifestProblem::BadLocode {
                field,
                code: code.0.clone(),
                reason,
            });
        }
    };
    check("departure port".into(), &m.departure_port);
    check("arrival port".into(), &m.arrival_port);
    let routes = std::iter::once(("voyage".to_string(), &m.route)).chain(
        m.consignments
            .iter()
            .map(|c| (format!("B/L {}", c.bill_of_lading), &c.route)),
    );
    for (whose, r) in routes {
        check(format!("{whose} port of loading"), &r.loading);
        check(format!("{whose} port of discharge"), &r.discharge);
        check(format!("{whose} place of delivery"), &r.delivery);
    }
}
