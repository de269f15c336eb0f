//! The cargo manifest model: vessel, voyage, ports, consignments, equipment and goods items,
//! with a schema-versioned JSON form for other systems.
//!
//! Weights are kilograms; times are ISO 8601 text as the source gave them (a manifest is a
//! declaration, not a clock); container numbers are kept as declared (see [`crate::iso6346`]
//! to check them).

mod validate;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use validate::ManifestProblem;

/// The JSON schema version this build writes and reads.
pub const MANIFEST_SCHEMA: u32 = 1;

/// A UN/LOCODE (`CNSHA`, `ITGOA`): 2-letter country code and 3 letters or digits 2–9.
/// Kept verbatim even when malformed, so nothing declared is lost; [`UnLocode::check`] says why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnLocode(pub String);

impl UnLocode {
    /// From text, upper-cased, with an optional space after the country (`IT GOA`) removed.
    pub fn new(text: &str) -> UnLocode {
        UnLocode(text.trim().replace(' ', "").to_ascii_uppercase())
    }

    /// Ok when it has the UN/LOCODE form, else the reason.
    pub fn check(&self) -> Result<(), String> {
        let b = self.0.as_bytes();
        if b.len() != 5 {
            return Err(format!(
                "a UN/LOCODE has 5 characters, this has {}",
                self.0.chars().count()
            ));
        }
        if !b[..2].iter().all(u8::is_ascii_uppercase) {
            return Err("the first two characters (country) must be letters".into());
        }
        if !b[2..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || (b'2'..=b'9').contains(c))
        {
            return Err("the last three characters must be letters or digits 2-9".into());
        }
        Ok(())
    }

    /// The ISO 3166 country code part (first two characters).
    pub fn country(&self) -> &str {
        self.0.get(..2).unwrap_or("")
    }
}

impl fmt::Display for UnLocode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vessel {
    pub name: Option<String>,
    /// IMO ship number (7 digits, check digit verified when read from EDIFACT).
    pub imo: Option<u32>,
    pub call_sign: Option<String>,
    /// Flag state (nationality of the means of transport), ISO 3166 alpha-2.
    pub flag: Option<String>,
}

/// Where goods are loaded, discharged and delivered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub loading: Option<UnLocode>,
    pub discharge: Option<UnLocode>,
    pub delivery: Option<UnLocode>,
}

impl Route {
    /// This route with gaps filled from `other` (a consignment's route over the voyage's).
    pub fn or(&self, other: &Route) -> Route {
        Route {
            loading: self.loading.clone().or_else(|| other.loading.clone()),
            discharge: self.discharge.clone().or_else(|| other.discharge.clone()),
            delivery: self.delivery.clone().or_else(|| other.delivery.clone()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    /// Address lines, street first, city line last.
    pub address: Vec<String>,
    /// Identification (EORI, tax number, carrier code...).
    pub id: Option<String>,
    pub country: Option<String>,
}

/// Who applied a seal (EDIFACT 9303).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealingParty {
    Carrier,
    Shipper,
    Customs,
    TerminalOperator,
    Consolidator,
    QuarantineAgency,
    /// Not given, or a code outside the list (kept verbatim).
    Other(String),
}

impl SealingParty {
    pub fn from_code(code: &str) -> SealingParty {
        match code {
            "CA" => SealingParty::Carrier,
            "SH" => SealingParty::Shipper,
            "CU" => SealingParty::Customs,
            "TO" => SealingParty::TerminalOperator,
            "AA" => SealingParty::Consolidator,
            "AC" => SealingParty::QuarantineAgency,
            other => SealingParty::Other(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub number: String,
    pub party: SealingParty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FullEmpty {
    Full,
    Empty,
}

/// A container (or other equipment) on the manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Equipment {
    /// As declared (normally an ISO 6346 container number).
    pub number: String,
    /// EDIFACT equipment qualifier: `CN` container, `TE` trailer, `BL` blocks...
    pub kind: String,
    /// ISO 6346 size/type code (`22G1`), as declared.
    pub size_type: Option<String>,
    pub seals: Vec<Seal>,
    pub full_empty: Option<FullEmpty>,
    pub tare_kg: Option<f64>,
    pub gross_kg: Option<f64>,
}

/// How many packages of what kind (UN/ECE Rec. 21 code: `CT` carton, `PX` pallet...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packages {
    pub count: u32,
    pub kind: Option<String>,
    pub kind_text: Option<String>,
}

/// The part of a goods item stowed in one container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    pub container: String,
    pub packages: Option<u32>,
    pub gross_kg: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DangerousGoods {
    /// IMDG class (`9`, `3`, `2.1`).
    pub class: Option<String>,
    pub un_number: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoodsItem {
    pub item_number: u32,
    pub description: String,
    /// Commodity code as declared (`847130`, `8517.13`, `61091000`); see [`crate::hs`].
    pub hs_code: Option<String>,
    pub packages: Option<Packages>,
    pub gross_kg: Option<f64>,
    /// Which container(s) hold it; one entry per container.
    pub placements: Vec<Placement>,
    pub marks: Vec<String>,
    pub dangerous: Option<DangerousGoods>,
}

impl GoodsItem {
    /// Gross weight of this item inside `container` (normalised compare): the placement's own
    /// weight, else the item's when it sits in that one container only.
    pub fn gross_kg_in(&self, container: &str) -> Option<f64> {
        let key = crate::iso6346::normalise(container);
        let p = self
            .placements
            .iter()
            .find(|p| crate::iso6346::normalise(&p.container) == key)?;
        p.gross_kg.or(if self.placements.len() == 1 {
            self.gross_kg
        } else {
            None
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Consignment {
    pub bill_of_lading: String,
    pub consignor: Option<Party>,
    pub consignee: Option<Party>,
    pub notify: Option<Party>,
    /// This consignment's ports; gaps fall back to the voyage's (see [`Route::or`]).
    pub route: Route,
    pub goods: Vec<GoodsItem>,
}

impl Consignment {
    /// The containers this consignment's goods are in, in first-mention order.
    pub fn containers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in self.goods.iter().flat_map(|g| &g.placements) {
            if !out
                .iter()
                .any(|c| crate::iso6346::normalise(c) == crate::iso6346::normalise(&p.container))
            {
                out.push(p.container.clone());
            }
        }
        out
    }
}

/// A cargo manifest: one vessel call (one CUSCAR message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: u32,
    /// The document (BGM) number.
    pub document_number: String,
    /// BGM message function: `9` original, `5` replacement, `1` cancellation.
    pub message_function: Option<String>,
    pub issued: Option<String>,
    pub carrier: Option<Party>,
    pub vessel: Vessel,
    pub voyage_number: Option<String>,
    pub departure_port: Option<UnLocode>,
    pub arrival_port: Option<UnLocode>,
    pub departure: Option<String>,
    pub arrival: Option<String>,
    /// Voyage-level ports (gaps in a consignment's route fall back to these).
    pub route: Route,
    pub equipment: Vec<Equipment>,
    pub consignments: Vec<Consignment>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            schema: MANIFEST_SCHEMA,
            document_number: String::new(),
            message_function: None,
            issued: None,
            carrier: None,
            vessel: Vessel::default(),
            voyage_number: None,
            departure_port: None,
            arrival_port: None,
            departure: None,
            arrival: None,
            route: Route::default(),
            equipment: Vec::new(),
            consignments: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestJsonError {
    #[error("manifest JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("manifest JSON has schema {found}; this build reads schema {MANIFEST_SCHEMA}")]
    Schema { found: u32 },
}

impl Manifest {
    /// The JSON form (pretty-printed).
    pub fn to_json(&self) -> String {
        // Plain data without maps keyed by non-strings: serialisation cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the JSON form, refusing a schema this build does not know.
    pub fn from_json(text: &str) -> Result<Manifest, ManifestJsonError> {
        #[derive(Deserialize)]
        struct Probe {
            schema: u32,
        }
        let probe: Probe = serde_json::from_str(text)?;
        if probe.schema != MANIFEST_SCHEMA {
            return Err(ManifestJsonError::Schema { found: probe.schema });
        }
        Ok(serde_json::from_str(text)?)
    }

    /// The equipment entry for a container number (spaces, dashes and case ignored).
    pub fn equipment(&self, container: &str) -> Option<&Equipment> {
        let key = crate::iso6346::normalise(container);
        self.equipment
            .iter()
            .find(|e| crate::iso6346::normalise(&e.number) == key)
    }

    /// Consignments with goods in `container`, each with the goods items placed in it.
    pub fn goods_in<'a>(&'a self, container: &str) -> Vec<(&'a Consignment, Vec<&'a GoodsItem>)> {
        let key = crate::iso6346::normalise(container);
        self.consignments
            .iter()
            .filter_map(|c| {
                let goods: Vec<&GoodsItem> = c
                    .goods
                    .iter()
                    .filter(|g| {
                        g.placements
                            .iter()
                            .any(|p| crate::iso6346::normalise(&p.container) == key)
                    })
                    .collect();
                (!goods.is_empty()).then_some((c, goods))
            })
            .collect()
    }

    /// Every problem found by the checks in [`ManifestProblem`]; empty when consistent.
    pub fn validate(&self) -> Vec<ManifestProblem> {
        validate::validate(self)
    }
}
