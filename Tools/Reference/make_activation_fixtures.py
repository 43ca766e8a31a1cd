#!/usr/bin/env python3
"""Generate Tests/Fixtures/activations/keras_activations.json: Keras 3's recurrent
activations (keras.activations.tanh, relu, sigmoid, hard_sigmoid, linear) at fixed points,
the kinks of hard_sigmoid (x = -3, 3) and of relu (x = 0) among them, in float32 on the jax
backend (keras and jax pinned in Tools/Interop/requirements.txt).

Run from the repository root:  .venv/bin/python Tools/Reference/make_activation_fixtures.py
"""

import json
import os
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"

import keras  # noqa: E402
import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "Tests" / "Fixtures" / "activations" / "keras_activations.json"
NAMES = ["tanh", "relu", "sigmoid", "hard_sigmoid", "linear"]


def main():
    points = [-4.0, -3.0, -2.999, -2.5, -1.0, -0.25, 0.0, 0.3, 1.0, 2.5, 2.999, 3.0, 4.5]
    x = np.array(points, dtype=np.float32)
    values = {name: [float(v) for v in np.asarray(keras.activations.get(name)(x))] for name in NAMES}
    fixture = {
        "generator": "Tools/Reference/make_activation_fixtures.py",
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "inputs": [float(v) for v in x],
        "outputs": values,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
