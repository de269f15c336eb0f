#!/usr/bin/env python3
"""Peer for the risk crate's tests: LightGBM's own predictions on declarations, live.

usage: lightgbm_peer.py ARTEFACT CSV
Computes features with risk/train/features.py from the artefact's encoders, loads both models
from the artefact's LightGBM text, and prints one JSON line per row: id, features (null = NaN),
raw scores, probabilities and pred_contrib SHAP values for both models.
"""

import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "train"))
import features as fx  # noqa: E402
import lightgbm as lgb  # noqa: E402
import numpy as np  # noqa: E402


def main():
    artefact_path, csv_path = sys.argv[1], sys.argv[2]
    with open(artefact_path, encoding="utf-8") as f:
        artefact = json.load(f)
    enc = fx.Encoders(artefact)
    boosters = {t: lgb.Booster(model_str=s) for t, s in artefact["lightgbm_text"].items()}
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [fx.normalise(raw, reader.line_num) for raw in reader]
    x = enc.matrix(rows)
    out = {}
    for t, b in boosters.items():
        out[t] = (b.predict(x, raw_score=True), b.predict(x), b.predict(x, pred_contrib=True))
    for i, row in enumerate(rows):
        line = {"id": row["declaration_id"], "features": [None if math.isnan(v) else float(v) for v in x[i]]}
        for t, (raw, prob, contrib) in out.items():
            line[f"{t}_raw"] = float(raw[i])
            line[f"{t}_prob"] = float(prob[i])
            line[f"{t}_contrib"] = [float(v) for v in contrib[i]]
        print(json.dumps(line))


if __name__ == "__main__":
    main()
