#!/usr/bin/env python3
"""LightGBM's own predict on the feature matrix the Rust benchmark wrote (risk/benches/score.rs).

usage: lightgbm_predict.py ARTEFACT MATRIX ROWS COLS CSV
MATRIX: little-endian f64, row-major. Prints one JSON object: declarations/s for both models on
one thread and on all threads (best of 3), the checksum of the probabilities, and the Python
feature computation's rate on the CSV's rows (features.py) for the end-to-end comparison.
"""

import csv
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
import features as fx  # noqa: E402
import lightgbm as lgb  # noqa: E402
import numpy as np  # noqa: E402


def best(f, repeats=3):
    times = []
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    artefact_path, matrix_path, rows, cols, csv_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    with open(artefact_path, encoding="utf-8") as f:
        artefact = json.load(f)
    x = np.fromfile(matrix_path, dtype="<f8").reshape(rows, cols)
    boosters = {t: lgb.Booster(model_str=s) for t, s in artefact["lightgbm_text"].items()}
    result = {"rows": rows, "lightgbm_version": lgb.__version__}
    for label, threads in (("one_thread", 1), ("all_threads", os.cpu_count() or 1)):
        secs, probs = best(lambda: [b.predict(x, num_threads=threads) for b in boosters.values()])
        result[label] = {"threads": threads, "seconds": secs, "per_second": rows / secs}
        result["checksum"] = float(sum(p.sum() for p in probs))
    enc = fx.Encoders(artefact)
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        decl = [fx.normalise(raw, reader.line_num) for raw in reader]
    secs, _ = best(lambda: enc.matrix(decl), repeats=1)
    result["python_features"] = {"rows": len(decl), "seconds": secs, "per_second": len(decl) / secs}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
