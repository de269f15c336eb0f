"""Times onnxruntime on the tiles drone-agent's detect benchmark wrote: one thread and default threads.

Usage: ort_tiles.py MODEL TILES.f32 N [TRACT_OUT0.f32]
TILES.f32 holds N pre-processed inputs (raw float32, [N, 3, 416, 416]); the optional file holds
tract's output for the first one, to check that both runtimes agree. Prints one JSON object.
"""

import json
import sys
import time

import numpy as np
import onnxruntime as ort


def session(model, threads):
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


def ms_per_tile(sess, tiles, rounds):
    name = sess.get_inputs()[0].name
    sess.run(None, {name: tiles[0]})  # warm-up: first run allocates
    start = time.perf_counter()
    for _ in range(rounds):
        for t in tiles:
            sess.run(None, {name: t})
    return (time.perf_counter() - start) * 1000.0 / (rounds * len(tiles))


def main():
    model, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tiles = np.fromfile(path, dtype=np.float32).reshape(n, 1, 3, 416, 416)
    rounds = 2
    out = {
        "onnxruntime": ort.__version__,
        "tiles": n,
        "single_thread_ms_per_tile": ms_per_tile(session(model, 1), tiles, rounds),
        "default_ms_per_tile": ms_per_tile(session(model, 0), tiles, rounds),
    }
    if len(sys.argv) > 4:
        sess = session(model, 1)
        ours = np.fromfile(sys.argv[4], dtype=np.float32)
        theirs = sess.run(None, {sess.get_inputs()[0].name: tiles[0]})[0].ravel()
        out["max_abs_diff_vs_tract"] = float(np.abs(ours - theirs).max())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
