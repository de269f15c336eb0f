//! The port's customs data: manifests read from CUSCAR, declarations read from the risk data set's CSV columns, and where each container stands in the scenario's yard.
//!
//! The defaults are compiled in: the customs crate's CUSCAR samples of the example port and the
//! declarations written for them (`ground-station/data/customs/`), so a station runs with no
//! file. A configured file that cannot be read or parsed stops the start with its name and
//! position; nothing is skipped silently (EDIFACT control warnings are kept and logged).

use std::collections::HashMap;
use std::path::Path;

use customs::Manifest;
use customs::iso6346::normalise;
use mission::geodesy::LatLon;
use mission::scenario::PortScenario;
use risk::Declaration;

use super::InspectionConfig;

/// The example port's manifests (file name as in the customs crate, text).
pub const SAMPLE_MANIFESTS: [(&str, &str); 2] = [
    (
        "customs/data/edifact/cuscar-d95b-aurora-bay.edi",
        include_str!("../../../customs/data/edifact/cuscar-d95b-aurora-bay.edi"),
    ),
    (
        "customs/data/edifact/cuscar-d95b-interchange-custom-separators.edi",
        include_str!("../../../customs/data/edifact/cuscar-d95b-interchange-custom-separators.edi"),
    ),
];

/// The declarations of the example port's bills of lading (written for this project).
pub const SAMPLE_DECLARATIONS: (&str, &str) = (
    "ground-station/data/customs/declarations-example-port.csv",
    include_str!("../../data/customs/declarations-example-port.csv"),
);

#[derive(Debug, thiserror::Error)]
pub enum CustomsDataError {
    #[error("{setting}")]
    Config { setting: String },
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("manifest file {file}: {error}")]
    Manifest {
        file: String,
        error: Box<customs::EdiError>,
    },
    #[error("declarations file {file}: {}", problems.join("; "))]
    Declarations { file: String, problems: Vec<String> },
    #[error("risk model: {0}")]
    Model(#[from] risk::ArtefactError),
}

/// One manifest and the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedManifest {
    pub file: String,
    pub manifest: Manifest,
}

/// Where a container stands: its stack (a `container_stack` site of the scenario) and the
/// stack's centre.
#[derive(Debug, Clone, PartialEq)]
pub struct StackPlace {
    pub stack: String,
    pub position: LatLon,
}

/// Everything the desk knows about the port's cargo.
#[derive(Debug, Clone, Default)]
pub struct PortCustoms {
    pub manifests: Vec<LoadedManifest>,
    /// Declarations by id (the bill of lading number).
    pub declarations: HashMap<String, Declaration>,
    /// Stack of each container the scenario places, by normalised number.
    pub places: HashMap<String, StackPlace>,
    /// Control problems of the EDIFACT files and duplicates, each with its file.
    pub warnings: Vec<String>,
    /// Normalised container number → (manifest index, number as declared), first manifest wins.
    index: HashMap<String, (usize, String)>,
    /// The index's keys in manifest order (equipment first, then goods-only containers).
    order: Vec<String>,
}

impl PortCustoms {
    /// Reads the configured files (or the compiled-in samples) and the scenario's stacks.
    pub fn load(config: &InspectionConfig, scenario: &PortScenario) -> Result<PortCustoms, CustomsDataError> {
        config.check().map_err(|setting| CustomsDataError::Config { setting })?;
        let mut manifest_texts: Vec<(String, String)> = Vec::new();
        if config.manifests.is_empty() {
            manifest_texts.extend(SAMPLE_MANIFESTS.iter().map(|(f, t)| (f.to_string(), t.to_string())));
        } else {
            for path in &config.manifests {
                manifest_texts.push((path.display().to_string(), read(path)?));
            }
        }
        let (declarations_file, declarations_text) = match &config.declarations {
            Some(path) => (path.display().to_string(), read(path)?),
            None => (SAMPLE_DECLARATIONS.0.to_string(), SAMPLE_DECLARATIONS.1.to_string()),
        };
        let mut port = PortCustoms::default();
        for (file, text) in &manifest_texts {
            port.add_cuscar(file, text)?;
        }
        port.add_declarations(&declarations_file, &declarations_text)?;
        port.add_stacks(scenario);
        Ok(port)
    }

    /// Adds the manifests of one CUSCAR interchange.
    pub fn add_cuscar(&mut self, file: &str, text: &str) -> Result<(), CustomsDataError> {
        let report = customs::parse_cuscar(text).map_err(|error| CustomsDataError::Manifest {
            file: file.to_string(),
            error: Box::new(error),
        })?;
        for w in &report.warnings {
            self.warnings.push(format!("{file}: {w}"));
        }
        for manifest in report.manifests {
            let m = self.manifests.len();
            let numbers = manifest
                .equipment
                .iter()
                .map(|e| e.number.clone())
                .chain(manifest.consignments.iter().flat_map(|c| c.containers()));
            for number in numbers {
                let key = normalise(&number);
                match self.index.get(&key) {
                    Some((other, _)) if *other == m => {}
                    Some((other, _)) => self.warnings.push(format!(
                        "{file}: container {number} of manifest {} is also on manifest {} (the first is used)",
                        manifest.document_number, self.manifests[*other].manifest.document_number
                    )),
                    None => {
                        self.index.insert(key.clone(), (m, number));
                        self.order.push(key);
                    }
                }
            }
            self.manifests.push(LoadedManifest {
                file: file.to_string(),
                manifest,
            });
        }
        Ok(())
    }

    /// Adds declarations from CSV text; every bad row and duplicate id is reported, with its line.
    pub fn add_declarations(&mut self, file: &str, text: &str) -> Result<(), CustomsDataError> {
        let bad = |problems: Vec<String>| CustomsDataError::Declarations {
            file: file.to_string(),
            problems,
        };
        let (rows, errors) = risk::read_csv_all(text).map_err(|e| bad(vec![e.to_string()]))?;
        let mut problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
        for d in rows {
            let id = d.id.clone();
            if self.declarations.insert(id.clone(), d).is_some() {
                problems.push(format!("declaration {id} appears twice"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(bad(problems))
        }
    }

    /// Places containers by the scenario's `container_stack` sites.
    pub fn add_stacks(&mut self, scenario: &PortScenario) {
        for (site, stack) in scenario.container_stacks() {
            for number in stack.containers {
                self.places.insert(
                    normalise(&number),
                    StackPlace {
                        stack: site.name.clone(),
                        position: site.position,
                    },
                );
            }
        }
    }

    /// Every container on the manifests (as declared), in manifest order.
    pub fn containers(&self) -> Vec<&str> {
        self.order
            .iter()
            .filter_map(|k| self.index.get(k))
            .map(|(_, n)| n.as_str())
            .collect()
    }

    /// The manifest a container is on (spaces, dashes and case ignored).
    pub fn manifest_of(&self, container: &str) -> Option<&LoadedManifest> {
        let (m, _) = self.index.get(&normalise(container))?;
        self.manifests.get(*m)
    }

    /// The container's number as the manifest declares it.
    pub fn declared_number(&self, container: &str) -> Option<&str> {
        self.index.get(&normalise(container)).map(|(_, n)| n.as_str())
    }

    pub fn place(&self, container: &str) -> Option<&StackPlace> {
        self.places.get(&normalise(container))
    }

    pub fn declaration(&self, bill_of_lading: &str) -> Option<&Declaration> {
        self.declarations.get(bill_of_lading.trim())
    }
}

fn read(path: &Path) -> Result<String, CustomsDataError> {
    std::fs::read_to_string(path).map_err(|source| CustomsDataError::Io {
        path: path.display().to_string(),
        source,
    })
}
