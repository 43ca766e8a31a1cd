#!/usr/bin/env python3
"""Check that the .keras and .weights.h5 files `gru convert` writes load in Keras 3 and compute
what `gru forward` computes.

For each Keras fixture (Tests/Fixtures/keras/*.keras: reset-after, reset-before, stacked without
bias, bidirectional), convert it to safetensors and back to .keras and .weights.h5 with `gru
convert`; load the .keras with keras.saving.load_model, load the .weights.h5 into that model
with load_weights, and compare model.predict on a fixed batch with `gru forward --batch-first`
on the safetensors file, within 1e-5 per element. Exits 1 on a mismatch.

Run from the repository root after `swift build`:
    KERAS_BACKEND=jax .venv/bin/python Tools/Interop/check_keras_convert.py --gru .build/debug/gru
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import subprocess
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "Tests" / "Fixtures" / "keras"
ATOL = 1e-5


def run(gru: str, *arguments: str) -> None:
    subprocess.run([gru, *arguments], check=True, capture_output=True, text=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gru", default=str(REPO_ROOT / ".build" / "debug" / "gru"), help="the gru executable")
    gru = parser.parse_args().gru
    failures = 0
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for fixture in ["reset_after", "reset_before", "stacked_no_bias", "bidirectional"]:
            weights, converted, bare = work / f"{fixture}.safetensors", work / f"{fixture}.keras", work / f"{fixture}.weights.h5"
            run(gru, "convert", "--input", str(FIXTURES / f"{fixture}.keras"), "--output", str(weights))
            run(gru, "convert", "--input", str(weights), "--output", str(converted))
            run(gru, "convert", "--input", str(weights), "--output", str(bare))
            model = keras.saving.load_model(converted)
            x = rng.uniform(-1, 1, (3, 6, model.input_shape[-1])).astype(np.float32)  # (B, T, I)
            np.save(work / "x.npy", x)
            run(gru, "forward", "--weights", str(weights), "--input", str(work / "x.npy"), "--batch-first",
                "--output", str(work / "y.npy"))
            expected = np.load(work / "y.npy")
            for label, predicted in [(".keras", model.predict(x, verbose=0))]:
                model.load_weights(bare)
                for name, value in [(label, predicted), (".weights.h5", model.predict(x, verbose=0))]:
                    error = float(np.max(np.abs(value - expected)))
                    ok = value.shape == expected.shape and error <= ATOL
                    failures += not ok
                    print(f"{'ok' if ok else 'MISMATCH'} {fixture}{name}: max |keras - gru forward| = {error:.2e}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
