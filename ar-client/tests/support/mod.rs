//! A known packet for the AR client's tests: the Aurora Bay CUSCAR sample's container
//! EXPU1234507 with a risk score and reasons chosen for the test to look for.
#![allow(dead_code)]

use customs::InspectionPacket;
use customs::inspection::{DroneEvidence, Reason, RiskLevel, RiskSummary};

pub const CUSCAR: &str = include_str!("../../../customs/data/edifact/cuscar-d95b-aurora-bay.edi");
pub const CONTAINER: &str = "EXPU1234507";
/// The reasons' words the snapshot must show.
pub const REASON_WORDS: [&str; 2] = ["laptops declared far below market value", "consignor new on this route"];

pub fn risk() -> RiskSummary {
    RiskSummary {
        score: 87.0,
        level: RiskLevel::High,
        reasons: vec![
            Reason {
                factor: "unit_value".into(),
                text: "Laptops declared far below market value".into(),
                weight: 1.9,
            },
            Reason {
                factor: "consignor_history".into(),
                text: "Consignor new on this route".into(),
                weight: 0.8,
            },
        ],
    }
}

pub fn packet() -> InspectionPacket {
    let manifest = customs::parse_cuscar(CUSCAR)
        .expect("the sample parses")
        .manifests
        .remove(0);
    let evidence = vec![DroneEvidence {
        snapshot_id: Some("17".into()),
        snapshot_url: Some("/api/v1/snapshots/17".into()),
        lat: 44.398651,
        lon: 8.9056642,
        time: 1_716_200_000_000,
        class: "person".into(),
        score: Some(0.81),
        drone_id: Some("drone1".into()),
    }];
    InspectionPacket::build(
        &manifest,
        CONTAINER,
        customs::Nomenclature::hs2022(),
        Some(risk()),
        evidence,
    )
    .expect("the sample holds the container")
}
