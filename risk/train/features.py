"""Feature computation for the risk model, shared by train.py and the peer scripts.

The Rust crate (risk/src/features.rs) computes the same features from the same artefact: every
value here is a table look-up or one IEEE division/addition, never a transcendental function,
so both sides produce bit-identical inputs for the trees. Keep the two in step.
"""

import csv
import math

import numpy as np

# CSV header -> field name used in keys and the Rust `Declaration`.
COLUMNS = {
    "Declaration ID": "declaration_id",
    "Date": "date",
    "Office ID": "office",
    "Process Type": "process",
    "Import Type": "import_type",
    "Import Use": "import_use",
    "Payment Type": "payment",
    "Mode of Transport": "transport",
    "Declarant ID": "declarant",
    "Importer ID": "importer",
    "Seller ID": "seller",
    "Courier ID": "courier",
    "HS6 Code": "hs6",
    "Country of Departure": "departure",
    "Country of Origin": "origin",
    "Tax Rate": "tax_rate",
    "Tax Type": "tax_type",
    "Country of Origin Indicator": "origin_indicator",
    "Net Mass": "net_mass",
    "Item Price": "item_price",
}
LABELS = {"Fraud": "fraud", "Critical Fraud": "critical_fraud"}
NUMERIC = ("tax_rate", "net_mass", "item_price")

# Low-cardinality codes used as LightGBM categorical features (vocabulary index).
CATEGORIES = ("office", "process", "import_type", "import_use", "payment", "transport", "tax_type", "origin_indicator")

# Key sets encoded by count and smoothed target rate (fitted on training rows only).
TABLES = (
    ("importer",),
    ("declarant",),
    ("seller",),
    ("courier",),
    ("hs6",),
    ("hs4",),
    ("hs2",),
    ("origin",),
    ("departure",),
    ("departure", "origin"),
    ("hs6", "origin"),
    ("hs4", "origin"),
    ("importer", "hs6"),
    ("declarant", "hs6"),
    ("office", "hs6"),
)
# Tables whose critical-fraud rate is also a feature (the rest carry only the fraud rate).
CRITICAL_RATE_TABLES = {("importer",), ("declarant",), ("seller",), ("hs6",), ("hs4",), ("origin",), ("hs6", "origin"), ("importer", "hs6")}
KEY_SEPARATOR = "|"
SMOOTHING = 10.0
OOF_FOLDS = 5


class RowError(ValueError):
    pass


def parse_number(text, field, line):
    text = text.strip()
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise RowError(f"line {line}: {field} is not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise RowError(f"line {line}: {field} must be finite and >= 0: {text!r}")
    return value


def normalise(raw, line):
    """A declaration dict (CSV header names, string or number values) -> field dict."""
    row = {}
    for header, field in COLUMNS.items():
        value = raw.get(header, "")
        value = "" if value is None else str(value)
        if field in NUMERIC:
            row[field] = parse_number(value, header, line)
        else:
            row[field] = value.strip()
    if row["declaration_id"] == "":
        raise RowError(f"line {line}: Declaration ID is empty")
    hs6 = row["hs6"]
    row["hs4"] = hs6[:4]
    row["hs2"] = hs6[:2]
    return row


def parse_label(value, allowed, header, line):
    text = str(value).strip()
    if text not in allowed:
        raise RowError(f"line {line}: {header} must be one of {sorted(allowed)}: {text!r}")
    return int(text)


def read_csv(path):
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for raw in reader:
            line = reader.line_num
            row = normalise(raw, line)
            row["fraud"] = parse_label(raw.get("Fraud", ""), {"0", "1"}, "Fraud", line)
            row["critical_fraud"] = parse_label(raw.get("Critical Fraud", ""), {"0", "1", "2"}, "Critical Fraud", line)
            rows.append(row)
    return rows


def unit_value(row):
    mass, price = row["net_mass"], row["item_price"]
    if math.isnan(mass) or math.isnan(price) or mass <= 0.0:
        return math.nan
    return price / mass


def table_name(fields):
    return KEY_SEPARATOR.join(fields)


def key_of(row, fields):
    return KEY_SEPARATOR.join(row[f] for f in fields)


def rate(pos, n, prior):
    # Same operation order as risk/src/features.rs: (pos + m * prior) / (n + m).
    return (float(pos) + SMOOTHING * prior) / (float(n) + SMOOTHING)


def fit_tables(rows):
    """Counts and label sums per key; medians for the HS tables."""
    tables = {}
    for fields in TABLES:
        stats = {}
        for row in rows:
            k = key_of(row, fields)
            s = stats.setdefault(k, [0, 0, 0])
            s[0] += 1
            s[1] += row["fraud"]
            s[2] += 1 if row["critical_fraud"] == 2 else 0
        tables[fields] = stats
    return tables


def medians(rows, field):
    """Median unit value, and median/MAD of ln(net mass), per key of `field` (training rows)."""
    by_key = {}
    for row in rows:
        by_key.setdefault(row[field], []).append(row)
    out = {}
    for k, group in by_key.items():
        uv = np.array([unit_value(r) for r in group], dtype=np.float64)
        uv = uv[np.isfinite(uv) & (uv > 0)]
        mass = np.array([r["net_mass"] for r in group], dtype=np.float64)
        mass = mass[np.isfinite(mass) & (mass > 0)]
        entry = {}
        if uv.size:
            entry["median_unit_value"] = float(np.median(uv))
        if mass.size:
            log_mass = np.log(mass)
            med = float(np.median(log_mass))
            entry["median_log_mass"] = med
            entry["mad_log_mass"] = float(np.median(np.abs(log_mass - med)))
            entry["mass_count"] = int(mass.size)
        out[k] = entry
    return out


def feature_spec(train_rows):
    spec = [
        {"name": "tax_rate", "kind": "number", "field": "tax_rate"},
        {"name": "net_mass", "kind": "number", "field": "net_mass"},
        {"name": "item_price", "kind": "number", "field": "item_price"},
        {"name": "unit_value", "kind": "number", "field": "unit_value"},
        {"name": "unit_value_vs_hs6", "kind": "ratio", "field": "unit_value", "table": "hs6", "stat": "median_unit_value"},
        {"name": "unit_value_vs_hs4", "kind": "ratio", "field": "unit_value", "table": "hs4", "stat": "median_unit_value"},
        {"name": "same_country", "kind": "number", "field": "same_country"},
    ]
    for field in CATEGORIES:
        vocab = sorted({r[field] for r in train_rows})
        spec.append({"name": field, "kind": "category", "field": field, "vocab": vocab})
    for fields in TABLES:
        name = table_name(fields)
        spec.append({"name": f"{name}:count", "kind": "count", "table": name})
        spec.append({"name": f"{name}:fraud_rate", "kind": "rate", "table": name, "target": "fraud"})
        if fields in CRITICAL_RATE_TABLES:
            spec.append({"name": f"{name}:critical_rate", "kind": "rate", "table": name, "target": "critical"})
    return spec


def number_field(row, field):
    if field == "unit_value":
        return unit_value(row)
    if field == "same_country":
        return 1.0 if row["departure"] == row["origin"] else 0.0
    return row[field]


class Encoders:
    """The artefact's encoder tables, in the form the features need."""

    def __init__(self, artefact):
        self.spec = artefact["features"]
        self.prior = artefact["encoders"]["prior"]
        self.tables = {}
        for name, t in artefact["encoders"]["tables"].items():
            index = {k: i for i, k in enumerate(t["keys"])}
            self.tables[name] = (t["fields"], index, t)
        self.vocab = {f["field"]: {v: i for i, v in enumerate(f["vocab"])} for f in self.spec if f["kind"] == "category"}

    def row(self, row, oof=None):
        """Feature vector of one row; `oof` = (count, pos_fraud, pos_critical) overrides per table for training rows."""
        out = np.empty(len(self.spec), dtype=np.float64)
        for j, f in enumerate(self.spec):
            kind = f["kind"]
            if kind == "number":
                out[j] = number_field(row, f["field"])
            elif kind == "ratio":
                num = number_field(row, f["field"])
                fields, index, t = self.tables[f["table"]]
                i = index.get(key_of(row, fields))
                den = t[f["stat"]][i] if i is not None else None
                out[j] = num / den if den is not None and den > 0 and not math.isnan(num) else math.nan
            elif kind == "category":
                i = self.vocab[f["field"]].get(row[f["field"]])
                out[j] = math.nan if i is None else float(i)
            else:
                fields, index, t = self.tables[f["table"]]
                if oof is not None:
                    n, pf, pc = oof[f["table"]]
                    n_count = oof[f["table"] + "#loo"]
                else:
                    i = index.get(key_of(row, fields))
                    n, pf, pc = (0, 0, 0) if i is None else (t["n"][i], t["fraud"][i], t["critical"][i])
                    n_count = n
                if kind == "count":
                    out[j] = float(n_count)
                elif f["target"] == "fraud":
                    out[j] = rate(pf, n, self.prior["fraud"])
                else:
                    out[j] = rate(pc, n, self.prior["critical"])
        return out

    def matrix(self, rows):
        return np.vstack([self.row(r) for r in rows]) if rows else np.empty((0, len(self.spec)))
