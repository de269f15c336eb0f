//! The inspection packet: what an inspector sees about one container (declaration, HS
//! descriptions, parties, route, risk and its reasons, drone evidence, checklist), assembled
//! from a manifest.

use serde::{Deserialize, Serialize};

use super::checklist::Checklist;
use super::{DroneEvidence, INSPECTION_SCHEMA, RiskSummary};
use crate::hs::{HsDescription, Nomenclature};
use crate::iso6346::{ContainerNumber, SizeType, normalise};
use crate::manifest::{DangerousGoods, FullEmpty, Manifest, Packages, Party, Route, Seal, UnLocode, Vessel};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerInfo {
    pub number: String,
    pub number_valid: bool,
    /// Why the number is not valid, in words.
    pub number_problem: Option<String>,
    pub size_type: Option<String>,
    pub size_type_description: Option<String>,
    pub full_empty: Option<FullEmpty>,
    pub tare_kg: Option<f64>,
    pub gross_kg: Option<f64>,
}

/// One declared goods item (or the part of it in this container).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoodsLine {
    pub bill_of_lading: String,
    pub item_number: u32,
    pub description: String,
    /// As declared.
    pub hs_code: Option<String>,
    /// What the declared code means (section → subheading), when it is a valid HS2022 code.
    pub hs: Option<HsDescription>,
    /// Why the declared code could not be described.
    pub hs_problem: Option<String>,
    /// Packages in this container (the placement's count, else the item's).
    pub packages: Option<Packages>,
    /// Gross weight in this container, when the manifest allows telling.
    pub gross_kg: Option<f64>,
    /// How many containers the whole goods item is spread over.
    pub containers_in_item: usize,
    pub dangerous: Option<DangerousGoods>,
    pub marks: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Carrier,
    Consignor,
    Consignee,
    NotifyParty,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyRole {
    pub role: Role,
    /// The bill of lading the party belongs to (None for the carrier).
    pub bill_of_lading: Option<String>,
    pub party: Party,
}

/// A consignment's ports, with gaps filled from the voyage's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillRoute {
    pub bill_of_lading: String,
    pub route: Route,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionPacket {
    pub schema: u32,
    /// The manifest (BGM document number) the packet was built from.
    pub manifest_document: String,
    pub container: ContainerInfo,
    pub seals_declared: Vec<Seal>,
    pub goods: Vec<GoodsLine>,
    pub parties: Vec<PartyRole>,
    pub vessel: Vessel,
    pub voyage_number: Option<String>,
    pub departure_port: Option<UnLocode>,
    pub arrival_port: Option<UnLocode>,
    pub routes: Vec<BillRoute>,
    pub risk: Option<RiskSummary>,
    pub evidence: Vec<DroneEvidence>,
    pub checklist: Checklist,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    #[error("container {container} is neither in the equipment nor in the goods of manifest {document}")]
    UnknownContainer { container: String, document: String },
}

impl InspectionPacket {
    /// Assembles the packet for `container_number` (spaces, dashes and case ignored) from a
    /// manifest. `risk` and `evidence` come from the risk model and the drone detections.
    pub fn build(
        manifest: &Manifest,
        container_number: &str,
        hs: &Nomenclature,
        risk: Option<RiskSummary>,
        evidence: Vec<DroneEvidence>,
    ) -> Result<InspectionPacket, PacketError> {
        let equipment = manifest.equipment(container_number);
        let consignments = manifest.goods_in(container_number);
        if equipment.is_none() && consignments.is_empty() {
            return Err(PacketError::UnknownContainer {
                container: container_number.to_string(),
                document: manifest.document_number.clone(),
            });
        }
        let number = equipment.map_or_else(|| normalise(container_number), |e| e.number.clone());
        let parsed = ContainerNumber::parse(&number);
        let size_type = equipment.and_then(|e| e.size_type.clone());
        let container = ContainerInfo {
            number_valid: parsed.is_ok(),
            number_problem: parsed.err().map(|e| e.to_string()),
            size_type_description: size_type.as_deref().map(|s| match SizeType::parse(s) {
                Ok(t) => t.describe(),
                Err(e) => e.to_string(),
            }),
            size_type,
            full_empty: equipment.and_then(|e| e.full_empty),
            tare_kg: equipment.and_then(|e| e.tare_kg),
            gross_kg: equipment.and_then(|e| e.gross_kg),
            number,
        };
        let mut goods = Vec::new();
        let mut parties = Vec::new();
        let mut routes = Vec::new();
        if let Some(carrier) = &manifest.carrier {
            parties.push(PartyRole {
                role: Role::Carrier,
                bill_of_lading: None,
                party: carrier.clone(),
            });
        }
        for (c, items) in &consignments {
            let bill = c.bill_of_lading.clone();
            routes.push(BillRoute {
                bill_of_lading: bill.clone(),
                route: c.route.or(&manifest.route),
            });
            for (role, p) in [
                (Role::Consignor, &c.consignor),
                (Role::Consignee, &c.consignee),
                (Role::NotifyParty, &c.notify),
            ] {
                if let Some(p) = p {
                    parties.push(PartyRole {
                        role,
                        bill_of_lading: Some(bill.clone()),
                        party: p.clone(),
                    });
                }
            }
            for g in items {
                goods.push(goods_line(&bill, g, container_number, hs));
            }
        }
        let seals_declared = equipment.map(|e| e.seals.clone()).unwrap_or_default();
        let checklist = Checklist::standard(&container.number, &seals_declared, &goods);
        Ok(InspectionPacket {
            schema: INSPECTION_SCHEMA,
            manifest_document: manifest.document_number.clone(),
            container,
            seals_declared,
            goods,
            parties,
            vessel: manifest.vessel.clone(),
            voyage_number: manifest.voyage_number.clone(),
            departure_port: manifest.departure_port.clone(),
            arrival_port: manifest.arrival_port.clone(),
            routes,
            risk,
            evidence,
            checklist,
        })
    }

    /// Total declared gross weight of the goods in this container, when every line has one.
    pub fn goods_gross_kg(&self) -> Option<f64> {
        self.goods.iter().map(|g| g.gross_kg).sum()
    }
}

fn goods_line(bill: &str, g: &crate::manifest::GoodsItem, container: &str, hs: &Nomenclature) -> GoodsLine {
    let key = normalise(container);
    let placement = g.placements.iter().find(|p| normalise(&p.container) == key);
    let packages = match (placement.and_then(|p| p.packages), &g.packages) {
        (Some(n), Some(p)) => Some(Packages { count: n, ..p.clone() }),
        (Some(n), None) => Some(Packages {
            count: n,
            kind: None,
            kind_text: None,
        }),
        (None, p) if g.placements.len() <= 1 => p.clone(),
        (None, _) => None,
    };
    let (hs_desc, hs_problem) = match g.hs_code.as_deref().map(|c| hs.describe(c)) {
        Some(Ok(d)) => (Some(d), None),
        Some(Err(e)) => (None, Some(e.to_string())),
        None => (None, None),
    };
    GoodsLine {
        bill_of_lading: bill.to_string(),
        item_number: g.item_number,
        description: g.description.clone(),
        hs_code: g.hs_code.clone(),
        hs: hs_desc,
        hs_problem,
        packages,
        gross_kg: g.gross_kg_in(container),
        containers_in_item: g.placements.len(),
        dangerous: g.dangerous.clone(),
        marks: g.marks.clone(),
    }
}
