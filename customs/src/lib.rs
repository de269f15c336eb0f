//! Customs data for port inspections (issue #6): cargo manifests and their JSON form,
//! UN/EDIFACT CUSCAR, COPRAR and BAPLIE reading, ISO 6346 container numbers and size/type
//! codes, the HS2022 nomenclature, and the domain types of the inspection loop (tasks, packets,
//! checklists, findings) and VR training results.
//!
//! Pure library: no I/O besides parsing text handed in; the data it needs (HS2022, size/type
//! codes) is compiled in. Used by the ground station's API and by the AR client.

pub mod edifact;
pub mod hs;
pub mod inspection;
pub mod iso6346;
pub mod manifest;
pub mod training;

pub use edifact::{EdiError, Interchange, Warning, parse_container_lists, parse_cuscar};
pub use hs::Nomenclature;
pub use inspection::{Finding, InspectionPacket, InspectionTask, RiskSummary};
pub use iso6346::{ContainerNumber, SizeType};
pub use manifest::Manifest;
