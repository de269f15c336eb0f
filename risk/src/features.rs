//! Feature vectors from declarations, exactly as risk/train/features.py computes them.
//!
//! Every feature is a table look-up, a vocabulary index, or one or two IEEE divisions and
//! additions in f64, in the same order as the Python side: no transcendental functions, so the
//! trees see bit-identical inputs in both languages (checked by the reference and peer tests).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::artefact::{ArtefactError, EncodersJson, FeatureSpec, Prior, TableJson, Target};
use crate::declaration::Declaration;

/// FNV-1a: the keys are short ids looked up on every declaration; SipHash's flood resistance is
/// not needed for a read-only table.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// Text fields of a declaration that keys and categories are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Office,
    Process,
    ImportType,
    ImportUse,
    Payment,
    Transport,
    Declarant,
    Importer,
    Seller,
    Courier,
    Hs6,
    Hs4,
    Hs2,
    Departure,
    Origin,
    TaxType,
    OriginIndicator,
}

impl TextField {
    pub fn parse(name: &str) -> Option<TextField> {
        use TextField::*;
        Some(match name {
            "office" => Office,
            "process" => Process,
            "import_type" => ImportType,
            "import_use" => ImportUse,
            "payment" => Payment,
            "transport" => Transport,
            "declarant" => Declarant,
            "importer" => Importer,
            "seller" => Seller,
            "courier" => Courier,
            "hs6" => Hs6,
            "hs4" => Hs4,
            "hs2" => Hs2,
            "departure" => Departure,
            "origin" => Origin,
            "tax_type" => TaxType,
            "origin_indicator" => OriginIndicator,
            _ => return None,
        })
    }

    pub fn get(self, d: &Declaration) -> &str {
        use TextField::*;
        match self {
            Office => &d.office,
            Process => &d.process,
            ImportType => &d.import_type,
            ImportUse => &d.import_use,
            Payment => &d.payment,
            Transport => &d.transport,
            Declarant => &d.declarant,
            Importer => &d.importer,
            Seller => &d.seller,
            Courier => &d.courier,
            Hs6 => &d.hs6,
            Hs4 => d.hs4(),
            Hs2 => d.hs2(),
            Departure => &d.departure,
            Origin => &d.origin,
            TaxType => &d.tax_type,
            OriginIndicator => &d.origin_indicator,
        }
    }
}

/// Number fields of a declaration (NaN when missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberField {
    TaxRate,
    NetMass,
    ItemPrice,
    UnitValue,
    SameCountry,
}

impl NumberField {
    fn parse(name: &str) -> Option<NumberField> {
        Some(match name {
            "tax_rate" => NumberField::TaxRate,
            "net_mass" => NumberField::NetMass,
            "item_price" => NumberField::ItemPrice,
            "unit_value" => NumberField::UnitValue,
            "same_country" => NumberField::SameCountry,
            _ => return None,
        })
    }

    pub fn get(self, d: &Declaration) -> f64 {
        match self {
            NumberField::TaxRate => d.tax_rate.unwrap_or(f64::NAN),
            NumberField::NetMass => d.net_mass.unwrap_or(f64::NAN),
            NumberField::ItemPrice => d.item_price.unwrap_or(f64::NAN),
            NumberField::UnitValue => d.unit_value().unwrap_or(f64::NAN),
            NumberField::SameCountry => {
                if d.departure == d.origin {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// Per-key statistics of the HS tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    MedianUnitValue,
    MedianLogMass,
    MadLogMass,
}

/// One encoder table, indexed.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub fields: Vec<TextField>,
    index: FnvMap<String, usize>,
    pub n: Vec<u64>,
    pub fraud: Vec<u64>,
    pub critical: Vec<u64>,
    median_unit_value: Vec<Option<f64>>,
    median_log_mass: Vec<Option<f64>>,
    mad_log_mass: Vec<Option<f64>>,
    mass_count: Vec<Option<u64>>,
}

/// What a table knows about one key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    pub n: u64,
    pub fraud: u64,
    pub critical: u64,
    pub median_unit_value: Option<f64>,
    pub median_log_mass: Option<f64>,
    pub mad_log_mass: Option<f64>,
    pub mass_count: Option<u64>,
}

impl Table {
    fn from_json(name: &str, t: TableJson) -> Result<Table, ArtefactError> {
        let err = |problem: String| ArtefactError::Table {
            table: name.to_string(),
            problem,
        };
        let len = t.keys.len();
        if t.n.len() != len || t.fraud.len() != len || t.critical.len() != len {
            return Err(err(format!("{len} keys but n/fraud/critical arrays of other lengths")));
        }
        let stat = |v: Option<Vec<Option<f64>>>, what: &str| match v {
            None => Ok(vec![None; len]),
            Some(v) if v.len() == len => Ok(v),
            Some(v) => Err(err(format!("{what} has {} values for {len} keys", v.len()))),
        };
        let fields = t
            .fields
            .iter()
            .map(|f| TextField::parse(f).ok_or_else(|| err(format!("unknown key field {f:?}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if fields.is_empty() {
            return Err(err("no key fields".into()));
        }
        let mass_count = match t.mass_count {
            None => vec![None; len],
            Some(v) if v.len() == len => v,
            Some(v) => return Err(err(format!("mass_count has {} values for {len} keys", v.len()))),
        };
        let mut index = FnvMap::default();
        for (i, k) in t.keys.into_iter().enumerate() {
            if index.insert(k, i).is_some() {
                return Err(err("duplicate key".into()));
            }
        }
        Ok(Table {
            name: name.to_string(),
            fields,
            index,
            n: t.n,
            fraud: t.fraud,
            critical: t.critical,
            median_unit_value: stat(t.median_unit_value, "median_unit_value")?,
            median_log_mass: stat(t.median_log_mass, "median_log_mass")?,
            mad_log_mass: stat(t.mad_log_mass, "mad_log_mass")?,
            mass_count,
        })
    }

    /// The key of a declaration in `buf` (fields joined by the separator).
    fn key_into(&self, d: &Declaration, separator: &str, buf: &mut String) {
        buf.clear();
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                buf.push_str(separator);
            }
            buf.push_str(f.get(d));
        }
    }

    fn find(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    fn entry(&self, i: usize) -> Entry {
        Entry {
            n: self.n[i],
            fraud: self.fraud[i],
            critical: self.critical[i],
            median_unit_value: self.median_unit_value[i],
            median_log_mass: self.median_log_mass[i],
            mad_log_mass: self.mad_log_mass[i],
            mass_count: self.mass_count[i],
        }
    }

    fn stat(&self, i: usize, stat: Stat) -> Option<f64> {
        match stat {
            Stat::MedianUnitValue => self.median_unit_value[i],
            Stat::MedianLogMass => self.median_log_mass[i],
            Stat::MadLogMass => self.mad_log_mass[i],
        }
    }
}

#[derive(Debug, Clone)]
enum Compiled {
    Number(NumberField),
    Ratio {
        field: NumberField,
        table: usize,
        stat: Stat,
    },
    Category {
        field: TextField,
        vocab: FnvMap<String, usize>,
    },
    Count {
        table: usize,
    },
    Rate {
        table: usize,
        target: Target,
    },
}

/// The artefact's encoders, compiled for fast feature computation.
#[derive(Debug, Clone)]
pub struct Encoders {
    specs: Vec<FeatureSpec>,
    plan: Vec<Compiled>,
    tables: Vec<Table>,
    table_index: FnvMap<String, usize>,
    pub prior: Prior,
    pub smoothing: f64,
    separator: String,
}

/// Reusable per-thread buffers, so that computing features allocates nothing.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    key: String,
    found: Vec<Option<usize>>,
}

impl Encoders {
    pub fn new(specs: Vec<FeatureSpec>, enc: EncodersJson) -> Result<Encoders, ArtefactError> {
        let mut tables = Vec::new();
        let mut table_index = FnvMap::default();
        for (name, t) in enc.tables {
            table_index.insert(name.clone(), tables.len());
            tables.push(Table::from_json(&name, t)?);
        }
        let mut plan = Vec::with_capacity(specs.len());
        for spec in &specs {
            let err = |problem: String| ArtefactError::Feature {
                feature: spec.name().to_string(),
                problem,
            };
            let table_of = |t: &str| {
                table_index
                    .get(t)
                    .copied()
                    .ok_or_else(|| err(format!("no table {t:?}")))
            };
            let number_of = |f: &str| NumberField::parse(f).ok_or_else(|| err(format!("unknown number field {f:?}")));
            plan.push(match spec {
                FeatureSpec::Number { field, .. } => Compiled::Number(number_of(field)?),
                FeatureSpec::Ratio { field, table, stat, .. } => Compiled::Ratio {
                    field: number_of(field)?,
                    table: table_of(table)?,
                    stat: match stat.as_str() {
                        "median_unit_value" => Stat::MedianUnitValue,
                        "median_log_mass" => Stat::MedianLogMass,
                        "mad_log_mass" => Stat::MadLogMass,
                        other => return Err(err(format!("unknown statistic {other:?}"))),
                    },
                },
                FeatureSpec::Category { field, vocab, .. } => Compiled::Category {
                    field: TextField::parse(field).ok_or_else(|| err(format!("unknown text field {field:?}")))?,
                    vocab: vocab.iter().enumerate().map(|(i, v)| (v.clone(), i)).collect(),
                },
                FeatureSpec::Count { table, .. } => Compiled::Count {
                    table: table_of(table)?,
                },
                FeatureSpec::Rate { table, target, .. } => Compiled::Rate {
                    table: table_of(table)?,
                    target: *target,
                },
            });
        }
        if !(enc.smoothing.is_finite() && enc.smoothing >= 0.0) {
            return Err(ArtefactError::Table {
                table: "*".into(),
                problem: "smoothing must be >= 0".into(),
            });
        }
        Ok(Encoders {
            specs,
            plan,
            tables,
            table_index,
            prior: enc.prior,
            smoothing: enc.smoothing,
            separator: enc.separator,
        })
    }

    pub fn len(&self) -> usize {
        self.plan.len()
    }

    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    pub fn specs(&self) -> &[FeatureSpec] {
        &self.specs
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.specs.iter().map(|s| s.name())
    }

    /// Smoothed rate, operation for operation as `rate()` in features.py.
    pub fn rate(&self, positives: u64, n: u64, target: Target) -> f64 {
        let prior = match target {
            Target::Fraud => self.prior.fraud,
            Target::Critical => self.prior.critical,
        };
        (positives as f64 + self.smoothing * prior) / (n as f64 + self.smoothing)
    }

    /// Features of one declaration into `out` (length [`Encoders::len`]).
    pub fn compute_into(&self, d: &Declaration, out: &mut [f64], scratch: &mut Scratch) {
        scratch.found.clear();
        for t in &self.tables {
            t.key_into(d, &self.separator, &mut scratch.key);
            scratch.found.push(t.find(&scratch.key));
        }
        for (slot, c) in out.iter_mut().zip(&self.plan) {
            *slot = match c {
                Compiled::Number(f) => f.get(d),
                Compiled::Ratio { field, table, stat } => {
                    let num = field.get(d);
                    let den = scratch.found[*table].and_then(|i| self.tables[*table].stat(i, *stat));
                    match den {
                        Some(den) if den > 0.0 && !num.is_nan() => num / den,
                        _ => f64::NAN,
                    }
                }
                Compiled::Category { field, vocab } => vocab.get(field.get(d)).map_or(f64::NAN, |&i| i as f64),
                Compiled::Count { table } => scratch.found[*table].map_or(0.0, |i| self.tables[*table].n[i] as f64),
                Compiled::Rate { table, target } => {
                    let t = &self.tables[*table];
                    let (pos, n) = match (scratch.found[*table], target) {
                        (None, _) => (0, 0),
                        (Some(i), Target::Fraud) => (t.fraud[i], t.n[i]),
                        (Some(i), Target::Critical) => (t.critical[i], t.n[i]),
                    };
                    self.rate(pos, n, *target)
                }
            };
        }
    }

    /// Features of one declaration.
    pub fn compute(&self, d: &Declaration) -> Vec<f64> {
        let mut out = vec![0.0; self.len()];
        self.compute_into(d, &mut out, &mut Scratch::default());
        out
    }

    /// What the named table knows about the declaration's key (None: key never seen in training).
    pub fn lookup(&self, table: &str, d: &Declaration) -> Option<Entry> {
        let t = &self.tables[*self.table_index.get(table)?];
        let mut key = String::new();
        t.key_into(d, &self.separator, &mut key);
        t.find(&key).map(|i| t.entry(i))
    }

    /// Look-up by an explicit key (fields joined by the separator).
    pub fn lookup_key(&self, table: &str, key: &str) -> Option<Entry> {
        let t = &self.tables[*self.table_index.get(table)?];
        t.find(key).map(|i| t.entry(i))
    }

    pub fn has_table(&self, table: &str) -> bool {
        self.table_index.contains_key(table)
    }

    pub fn separator(&self) -> &str {
        &self.separator
    }
}
