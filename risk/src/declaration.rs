//! Customs declarations: the row type of the Korea Customs declaration CSV and its reader.
//!
//! The reader maps columns by header name (any order, extra columns ignored), so files with or
//! without the label columns read alike. Every bad row is an error naming its line and column;
//! nothing is skipped silently: [`read_csv`] stops at the first error, [`read_csv_all`] keeps
//! the good rows and returns every error beside them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The CSV headers this crate reads, in the data set's order.
pub const HEADERS: [&str; 20] = [
    "Declaration ID",
    "Date",
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    "HS6 Code",
    "Country of Departure",
    "Country of Origin",
    "Tax Rate",
    "Tax Type",
    "Country of Origin Indicator",
    "Net Mass",
    "Item Price",
];
/// Optional label headers (present in training and validation files).
pub const LABEL_HEADERS: [&str; 2] = ["Fraud", "Critical Fraud"];

/// A calendar date (YYYY-MM-DD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the day against the month (leap years included).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |s: &str| -> Option<u16> {
            if s.bytes().all(|c| c.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        };
        let year = num(text.get(0..4)?)?;
        let month = num(text.get(5..7)?)? as u8;
        let day = num(text.get(8..10)?)? as u8;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (day >= 1 && day <= days).then_some(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// What inspection found, when known: `Fraud` and `Critical Fraud` (0 none, 1 fraud, 2 critical).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    pub fraud: bool,
    pub critical_fraud: u8,
}

impl Labels {
    /// The critical model's target: `Critical Fraud == 2`.
    pub fn critical(&self) -> bool {
        self.critical_fraud == 2
    }
}

/// One import declaration (one row of the data set). Identifier and code fields are kept as
/// text (leading zeros matter: HS 071080); empty text means "none" (no seller, no courier).
/// Numbers are `None` when the cell is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    pub id: String,
    pub date: Date,
    pub office: String,
    pub process: String,
    pub import_type: String,
    pub import_use: String,
    pub payment: String,
    pub transport: String,
    pub declarant: String,
    pub importer: String,
    pub seller: String,
    pub courier: String,
    /// Six-digit HS subheading as declared.
    pub hs6: String,
    pub departure: String,
    pub origin: String,
    /// Percent.
    pub tax_rate: Option<f64>,
    pub tax_type: String,
    pub origin_indicator: String,
    /// Kilograms.
    pub net_mass: Option<f64>,
    pub item_price: Option<f64>,
    pub labels: Option<Labels>,
}

impl Declaration {
    /// HS heading (first four digits) and chapter (first two), by characters as train.py slices.
    pub fn hs4(&self) -> &str {
        prefix_chars(&self.hs6, 4)
    }
    pub fn hs2(&self) -> &str {
        prefix_chars(&self.hs6, 2)
    }
    /// Price per kilogram; None without a positive mass and a price.
    pub fn unit_value(&self) -> Option<f64> {
        match (self.item_price, self.net_mass) {
            (Some(p), Some(m)) if m > 0.0 => Some(p / m),
            _ => None,
        }
    }
}

pub(crate) fn prefix_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A problem in the CSV, with the 1-based line where the record starts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CsvError {
    #[error("line {line}: missing column {column:?} in the header")]
    MissingColumn { line: usize, column: String },
    #[error("line {line}: {found} fields, the header has {expected}")]
    FieldCount { line: usize, expected: usize, found: usize },
    #[error("line {line}, column {column:?}: {problem}: {value:?}")]
    BadValue {
        line: usize,
        column: String,
        value: String,
        problem: String,
    },
    #[error("line {line}: unterminated quoted field")]
    UnterminatedQuote { line: usize },
    #[error("the file is empty (no header)")]
    Empty,
}

impl CsvError {
    /// The line the error is on (0 for an empty file).
    pub fn line(&self) -> usize {
        match self {
            CsvError::MissingColumn { line, .. }
            | CsvError::FieldCount { line, .. }
            | CsvError::BadValue { line, .. }
            | CsvError::UnterminatedQuote { line } => *line,
            CsvError::Empty => 0,
        }
    }
}

/// Splits CSV text (RFC 4180: quotes, doubled quotes, CRLF) into records with their first line.
struct Records<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Records { text, pos: 0, line: 1 }
    }
}

impl Iterator for Records<'_> {
    type Item = Result<(usize, Vec<String>), CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        // Blank lines between records are not records.
        loop {
            let rest = &self.text[self.pos..];
            if rest.is_empty() {
                return None;
            }
            let skip = if rest.starts_with("\r\n") {
                2
            } else if rest.starts_with('\n') {
                1
            } else {
                break;
            };
            self.pos += skip;
            self.line += 1;
        }
        let start_line = self.line;
        let bytes = self.text.as_bytes();
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut i = self.pos;
        let mut quoted = false;
        let mut field_start = true;
        loop {
            if i >= bytes.len() {
                if quoted {
                    self.pos = bytes.len();
                    return Some(Err(CsvError::UnterminatedQuote { line: start_line }));
                }
                fields.push(std::mem::take(&mut field));
                self.pos = i;
                return Some(Ok((start_line, fields)));
            }
            let c = bytes[i];
            if quoted {
                if c == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        field.push('"');
                        i += 2;
                    } else {
                        quoted = false;
                        i += 1;
                    }
                } else {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    // Copy one whole UTF-8 character.
                    let ch_len = utf8_len(c);
                    field.push_str(&self.text[i..(i + ch_len).min(bytes.len())]);
                    i += ch_len;
                }
                continue;
            }
            match c {
                b'"' if field_start => {
                    quoted = true;
                    field_start = false;
                    i += 1;
                }
                b',' => {
                    fields.push(std::mem::take(&mut field));
                    field_start = true;
                    i += 1;
                }
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    fields.push(std::mem::take(&mut field));
                    self.pos = i + 2;
                    self.line += 1;
                    return Some(Ok((start_line, fields)));
                }
                b'\n' => {
                    fields.push(std::mem::take(&mut field));
                    self.pos = i + 1;
                    self.line += 1;
                    return Some(Ok((start_line, fields)));
                }
                _ => {
                    let ch_len = utf8_len(c);
                    field.push_str(&self.text[i..(i + ch_len).min(bytes.len())]);
                    field_start = false;
                    i += ch_len;
                }
            }
        }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Column positions of the known headers in one file.
struct Columns {
    index: [usize; 20],
    labels: Option<[usize; 2]>,
    width: usize,
}

fn columns(header: &[String], line: usize) -> Result<Columns, CsvError> {
    let find = |name: &str| header.iter().position(|h| h.trim() == name);
    let mut index = [0usize; 20];
    for (slot, name) in index.iter_mut().zip(HEADERS) {
        *slot = find(name).ok_or_else(|| CsvError::MissingColumn {
            line,
            column: name.to_string(),
        })?;
    }
    let labels = match (find(LABEL_HEADERS[0]), find(LABEL_HEADERS[1])) {
        (Some(a), Some(b)) => Some([a, b]),
        (None, None) => None,
        (Some(_), None) => {
            return Err(CsvError::MissingColumn {
                line,
                column: LABEL_HEADERS[1].into(),
            });
        }
        (None, Some(_)) => {
            return Err(CsvError::MissingColumn {
                line,
                column: LABEL_HEADERS[0].into(),
            });
        }
    };
    Ok(Columns {
        index,
        labels,
        width: header.len(),
    })
}

fn bad(line: usize, column: &str, value: &str, problem: &str) -> CsvError {
    CsvError::BadValue {
        line,
        column: column.to_string(),
        value: value.to_string(),
        problem: problem.to_string(),
    }
}

/// A number cell: empty means missing; otherwise finite and not negative.
fn number(line: usize, column: &str, value: &str) -> Result<Option<f64>, CsvError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let x: f64 = v.parse().map_err(|_| bad(line, column, value, "not a number"))?;
    if !x.is_finite() || x < 0.0 {
        return Err(bad(line, column, value, "must be a finite number >= 0"));
    }
    Ok(Some(x))
}

fn record_to_declaration(cols: &Columns, line: usize, f: &[String]) -> Result<Declaration, CsvError> {
    if f.len() != cols.width {
        return Err(CsvError::FieldCount {
            line,
            expected: cols.width,
            found: f.len(),
        });
    }
    let text = |i: usize| f[cols.index[i]].trim().to_string();
    let id = text(0);
    if id.is_empty() {
        return Err(bad(line, HEADERS[0], &id, "empty"));
    }
    let date_raw = &f[cols.index[1]];
    let date =
        Date::parse(date_raw.trim()).ok_or_else(|| bad(line, HEADERS[1], date_raw, "not a date (YYYY-MM-DD)"))?;
    let labels = match cols.labels {
        None => None,
        Some([a, b]) => {
            let fraud = match f[a].trim() {
                "0" => false,
                "1" => true,
                _ => return Err(bad(line, LABEL_HEADERS[0], &f[a], "must be 0 or 1")),
            };
            let critical_fraud = match f[b].trim() {
                "0" => 0,
                "1" => 1,
                "2" => 2,
                _ => return Err(bad(line, LABEL_HEADERS[1], &f[b], "must be 0, 1 or 2")),
            };
            Some(Labels { fraud, critical_fraud })
        }
    };
    Ok(Declaration {
        id,
        date,
        office: text(2),
        process: text(3),
        import_type: text(4),
        import_use: text(5),
        payment: text(6),
        transport: text(7),
        declarant: text(8),
        importer: text(9),
        seller: text(10),
        courier: text(11),
        hs6: text(12),
        departure: text(13),
        origin: text(14),
        tax_rate: number(line, HEADERS[15], &f[cols.index[15]])?,
        tax_type: text(16),
        origin_indicator: text(17),
        net_mass: number(line, HEADERS[18], &f[cols.index[18]])?,
        item_price: number(line, HEADERS[19], &f[cols.index[19]])?,
        labels,
    })
}

/// Every record of the text as a declaration or an error; header problems come back alone.
pub fn parse_records(text: &str) -> Result<Vec<Result<Declaration, CsvError>>, CsvError> {
    let mut records = Records::new(text);
    let (line, header) = match records.next() {
        None => return Err(CsvError::Empty),
        Some(r) => r?,
    };
    let cols = columns(&header, line)?;
    Ok(records
        .map(|r| r.and_then(|(line, fields)| record_to_declaration(&cols, line, &fields)))
        .collect())
}

/// All declarations, or the first error (with its line).
pub fn read_csv(text: &str) -> Result<Vec<Declaration>, CsvError> {
    parse_records(text)?.into_iter().collect()
}

/// The good declarations and every error, for callers that report bad rows and go on.
pub fn read_csv_all(text: &str) -> Result<(Vec<Declaration>, Vec<CsvError>), CsvError> {
    let mut good = Vec::new();
    let mut errors = Vec::new();
    for r in parse_records(text)? {
        match r {
            Ok(d) => good.push(d),
            Err(e) => errors.push(e),
        }
    }
    Ok((good, errors))
}
