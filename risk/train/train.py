#!/usr/bin/env python3
"""Training recipe for the risk crate: customs declarations -> one JSON artefact.

Run by scripts/train-risk. Reproducible: fixed seeds, one thread, LightGBM `deterministic`.

Inputs: risk/data/df_syn_train_eng.csv (training months) and df_syn_valid_eng.csv (validation
months, used only for the reported metrics and the reference predictions), plus optional
inspection findings (`--findings f.jsonl`, format in risk/README.md) that are added to the
training rows, so examinations improve targeting.

Two LightGBM binary models:
  fraud    : P(Fraud = 1)
  critical : P(Critical Fraud = 2), the critical subset of fraud (every row with Critical
             Fraud 1 or 2 has Fraud 1, so 1 adds nothing beyond the fraud model).

Output: risk/models/risk-model.json (feature spec, encoder tables, both models' dump_model()
trees stripped to the fields inference needs, their LightGBM text for the Python peer, and
metadata: data hashes, parameters, validation metrics) and risk/models/reference-predictions.json
(validation rows with features, raw scores, probabilities and pred_contrib SHAP values).
"""

import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import features as fx  # noqa: E402

SEED = 42
RATES = (0.01, 0.02, 0.05, 0.10)
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    # Depth 7 scores as well as unlimited depth on the inner split and bounds the steps of the
    # Rust evaluator's branch-free walk (risk/src/model.rs) at 7 per tree.
    "max_depth": 7,
    "min_data_in_leaf": 30,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_cat_to_onehot": 8,
    "cat_smooth": 10.0,
    "seed": SEED,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
# Chosen on an inner time split of the training year (fit Jan-Oct, score Nov-Dec), never on the
# validation months: fraud AUC still rises slowly at 400 trees, critical is best near 100.
ROUNDS = {"fraud": 400, "critical": 100}
# Dump fields the Rust evaluator reads; the rest (gains, internal values, weights) is dropped.
KEEP_NODE = {
    "split_feature", "threshold", "decision_type", "default_left", "missing_type", "internal_count",
    "left_child", "right_child", "leaf_value", "leaf_count",
}
REFERENCE_EVERY = 40


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_findings(path):
    """JSON lines: {"declaration": {CSV header: value, ...}, "fraud": 0|1, "critical_fraud": 0|1|2}."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise fx.RowError(f"{path} line {line_no}: not JSON: {e}") from None
            if not isinstance(item, dict) or not isinstance(item.get("declaration"), dict):
                raise fx.RowError(f"{path} line {line_no}: needs an object with a \"declaration\" object")
            row = fx.normalise(item["declaration"], line_no)
            row["fraud"] = fx.parse_label(item.get("fraud", ""), {"0", "1"}, "fraud", line_no)
            row["critical_fraud"] = fx.parse_label(item.get("critical_fraud", ""), {"0", "1", "2"}, "critical_fraud", line_no)
            if row["critical_fraud"] > 0 and row["fraud"] == 0:
                raise fx.RowError(f"{path} line {line_no}: critical_fraud {row['critical_fraud']} needs fraud 1")
            rows.append(row)
    return rows


def encoders_of(train_rows):
    full = fx.fit_tables(train_rows)
    stats = {("hs6",): fx.medians(train_rows, "hs6"), ("hs4",): fx.medians(train_rows, "hs4")}
    n = len(train_rows)
    prior = {
        "fraud": sum(r["fraud"] for r in train_rows) / n,
        "critical": sum(1 for r in train_rows if r["critical_fraud"] == 2) / n,
    }
    tables = {}
    for fields in fx.TABLES:
        keys = sorted(full[fields])
        t = {
            "fields": list(fields),
            "keys": keys,
            "n": [full[fields][k][0] for k in keys],
            "fraud": [full[fields][k][1] for k in keys],
            "critical": [full[fields][k][2] for k in keys],
        }
        if fields in stats:
            for stat in ("median_unit_value", "median_log_mass", "mad_log_mass", "mass_count"):
                t[stat] = [stats[fields].get(k, {}).get(stat) for k in keys]
        tables[fx.table_name(fields)] = t
    return {"prior": prior, "smoothing": fx.SMOOTHING, "separator": fx.KEY_SEPARATOR, "tables": tables}, full


def training_matrix(enc, full, train_rows):
    """Training rows: target rates out of fold (5 folds), counts leave-one-out."""
    n = len(train_rows)
    fold = np.empty(n, dtype=np.int64)
    fold[np.random.RandomState(SEED).permutation(n)] = np.arange(n) % fx.OOF_FOLDS
    per_fold = [fx.fit_tables([r for r, f in zip(train_rows, fold) if f == k]) for k in range(fx.OOF_FOLDS)]
    out = np.empty((n, len(enc.spec)), dtype=np.float64)
    for i, row in enumerate(train_rows):
        oof = {}
        for fields in fx.TABLES:
            k = fx.key_of(row, fields)
            a = full[fields][k]
            b = per_fold[fold[i]][fields][k]
            name = fx.table_name(fields)
            oof[name] = (a[0] - b[0], a[1] - b[1], a[2] - b[2])
            oof[name + "#loo"] = a[0] - 1
        out[i] = enc.row(row, oof)
    return out


def labels(rows):
    return (
        np.array([r["fraud"] for r in rows], dtype=np.float64),
        np.array([1.0 if r["critical_fraud"] == 2 else 0.0 for r in rows], dtype=np.float64),
    )


def auc(y, s):
    """Tie-aware ROC-AUC (Mann-Whitney with average ranks), as risk::metrics::roc_auc."""
    order = np.argsort(s, kind="stable")
    ranks = np.empty(len(s), dtype=np.float64)
    ss = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and ss[j + 1] == ss[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    pos = y > 0.5
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    return (ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def at_k(y, s, rate):
    k = max(1, math.ceil(rate * len(s) - 1e-9))
    order = np.argsort(-s, kind="stable")[:k]
    hits = float(y[order].sum())
    return {"k": k, "precision": hits / k, "recall": hits / max(1.0, float(y.sum()))}


def metrics(y, s):
    return {"auc": auc(y, s), "at": {f"{int(r * 100)}%": at_k(y, s, r) for r in RATES}}


def strip_tree(node):
    return {k: (strip_tree(v) if isinstance(v, dict) else v) for k, v in node.items() if k in KEEP_NODE}


def train_models(x, y_fraud, y_crit, cat_idx, names):
    import lightgbm as lgb

    boosters = {}
    for target, y in (("fraud", y_fraud), ("critical", y_crit)):
        ds = lgb.Dataset(x, label=y, feature_name=names, categorical_feature=cat_idx, free_raw_data=False)
        boosters[target] = lgb.train(PARAMS, ds, num_boost_round=ROUNDS[target])
    return boosters


def dump(booster):
    d = booster.dump_model()
    return {
        "version": d["version"],
        "objective": d["objective"],
        "num_class": d["num_class"],
        "max_feature_idx": d["max_feature_idx"],
        "average_output": d["average_output"],
        "feature_names": d["feature_names"],
        "tree_info": [
            {"tree_index": t["tree_index"], "num_leaves": t["num_leaves"], "tree_structure": strip_tree(t["tree_structure"])}
            for t in d["tree_info"]
        ],
    }


def json_float(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def main():
    root = os.path.dirname(HERE)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", default=os.path.join(root, "data", "df_syn_train_eng.csv"))
    ap.add_argument("--valid", default=os.path.join(root, "data", "df_syn_valid_eng.csv"))
    ap.add_argument("--findings", help="inspection findings, JSON lines")
    ap.add_argument("--out", default=os.path.join(root, "models", "risk-model.json"))
    ap.add_argument("--reference", help="reference predictions (default: reference-predictions.json beside --out)")
    args = ap.parse_args()
    if args.reference is None:
        args.reference = os.path.join(os.path.dirname(os.path.abspath(args.out)), "reference-predictions.json")

    import lightgbm as lgb

    train_rows = fx.read_csv(args.train)
    valid_rows = fx.read_csv(args.valid)
    findings = read_findings(args.findings) if args.findings else []
    train_rows = train_rows + findings
    print(f"training rows {len(train_rows)} (findings {len(findings)}), validation rows {len(valid_rows)}", file=sys.stderr)

    enc_json, full = encoders_of(train_rows)
    spec = fx.feature_spec(train_rows)
    artefact = {"format": "portops-risk-model", "format_version": 1, "features": spec, "encoders": enc_json}
    enc = fx.Encoders(artefact)
    names = [f["name"].replace(":", "__").replace("|", "_x_") for f in spec]
    cat_idx = [j for j, f in enumerate(spec) if f["kind"] == "category"]

    x_train = training_matrix(enc, full, train_rows)
    y_fraud, y_crit = labels(train_rows)
    boosters = train_models(x_train, y_fraud, y_crit, cat_idx, names)

    x_valid = enc.matrix(valid_rows)
    v_fraud, v_crit = labels(valid_rows)
    p_fraud = boosters["fraud"].predict(x_valid)
    p_crit = boosters["critical"].predict(x_valid)
    validation = {"rows": len(valid_rows), "fraud": metrics(v_fraud, p_fraud), "critical": metrics(v_crit, p_crit)}
    print(json.dumps(validation, indent=1), file=sys.stderr)

    artefact["models"] = {t: dump(b) for t, b in boosters.items()}
    artefact["lightgbm_text"] = {t: b.model_to_string() for t, b in boosters.items()}
    artefact["metadata"] = {
        "recipe": "risk/train/train.py",
        "lightgbm_version": lgb.__version__,
        "numpy_version": np.__version__,
        "data": {
            "train": {"file": os.path.basename(args.train), "sha256": sha256(args.train), "rows": len(train_rows) - len(findings)},
            "valid": {"file": os.path.basename(args.valid), "sha256": sha256(args.valid), "rows": len(valid_rows)},
            "findings": None if not args.findings else {"file": os.path.basename(args.findings), "sha256": sha256(args.findings), "rows": len(findings)},
        },
        "targets": {"fraud": "Fraud == 1", "critical": "Critical Fraud == 2"},
        "params": PARAMS,
        "rounds": ROUNDS,
        "oof_folds": fx.OOF_FOLDS,
        "validation": validation,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(artefact, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")

    # Reference predictions for the Rust tests: every 40th validation row.
    pick = list(range(0, len(valid_rows), REFERENCE_EVERY))
    xs = x_valid[pick]
    ref = {"model_sha256": sha256(args.out), "valid_file": os.path.basename(args.valid), "rows": []}
    raw = {t: b.predict(xs, raw_score=True) for t, b in boosters.items()}
    prob = {t: b.predict(xs) for t, b in boosters.items()}
    contrib = {t: b.predict(xs, pred_contrib=True) for t, b in boosters.items()}
    for n, i in enumerate(pick):
        ref["rows"].append({
            "declaration_id": valid_rows[i]["declaration_id"],
            "features": [json_float(float(v)) for v in xs[n]],
            **{f"{t}_raw": float(raw[t][n]) for t in boosters},
            **{f"{t}_prob": float(prob[t][n]) for t in boosters},
            **{f"{t}_contrib": [float(v) for v in contrib[t][n]] for t in boosters},
        })
    with open(args.reference, "w", encoding="utf-8") as f:
        json.dump(ref, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes) and {args.reference}", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except fx.RowError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
