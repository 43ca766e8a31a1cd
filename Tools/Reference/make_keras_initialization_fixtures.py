#!/usr/bin/env python3
"""Generate Tests/Fixtures/keras-initialization/statistics.json.

GRUKit's `GRUInitialization.keras` claims Keras's default initializers: for the GRU
a Glorot-uniform kernel, an orthogonal recurrent kernel and zero biases; for Dense a
Glorot-uniform kernel and a zero bias; for Embedding uniform in [-0.05, 0.05]. GRUKit
draws from its own generator, so the values cannot match Keras's one for one; their
distributions can. This script builds real Keras 3 layers (`keras.layers.GRU`,
`Dense`, `Embedding`, defaults only) under many seeds, converts every tensor to the
PyTorch layout GRUKit stores (Keras's GRU kernel (I, 3H) in gate order z, r, h becomes
weight_ih (3H, I) in order r, z, n), and records per tensor:

* per-seed statistics of its elements (mean, standard deviation, minimum, maximum),
  summarized over the seeds by their mean and their standard deviation, so that a test
  drawing its own seeds can compare means within a few standard errors;
* the bound of a uniform initializer, from Keras's formula, checked here against the
  values Keras drew;
* for the recurrent kernel: the largest |W^T W - I| over the seeds (Keras's Orthogonal
  makes the whole (H, 3H) kernel's rows orthonormal, so W_hh (3H, H) has orthonormal
  columns; a single gate block is *not* orthogonal), and per gate block the mean of its
  squared and fourth-power singular values (from numpy's SVD; a test can compute them
  as ||W_g||_F^2 / H and ||W_g^T W_g||_F^2 / H). For the whole kernel's orthonormal
  columns, the mean squared singular value of each block is exactly 1/3 on average.

Run from the repository root:  .venv/bin/python Tools/Reference/make_keras_initialization_fixtures.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402  (the backend is chosen before the import)
import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_FILE = REPO_ROOT / "Tests" / "Fixtures" / "keras-initialization" / "statistics.json"
GENERATOR = "Tools/Reference/make_keras_initialization_fixtures.py"

# Seeds per layer shape: the standard error of each summarized statistic falls as 1/sqrt(seeds).
SEED_COUNT = 200
# Keras's Orthogonal runs a float32 QR; its columns are orthonormal to float32 rounding.
ORTHOGONALITY_LIMIT = 1e-5

# (kind, sizes): GRU (input I, hidden H), Dense (input I, output O), Embedding (vocabulary V, dimension D).
LAYERS = [
    ("gru", {"input_size": 7, "hidden_size": 16}),
    ("gru", {"input_size": 32, "hidden_size": 64}),
    ("dense", {"input_size": 20, "output_size": 3}),
    ("dense", {"input_size": 64, "output_size": 10}),
    ("embedding", {"vocabulary_size": 50, "dimension": 8}),
]

KERAS_GATES = "zrh"  # Keras's column blocks
PYTORCH_GATES = "rzn"  # PyTorch's (and GRUKit's) row blocks


# MARK: - Keras layers in PyTorch layout


def to_pytorch_gate_order(columns: np.ndarray) -> np.ndarray:
    """Keras's (..., 3H) blocks z, r, h -> PyTorch's r, z, n along the last axis."""
    z, r, h = np.split(columns, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


def keras_tensors(kind: str, sizes: dict, seed: int) -> dict[str, np.ndarray]:
    """One freshly built Keras layer's weights under PyTorch names, shapes and gate order."""
    keras.utils.set_random_seed(seed)
    if kind == "gru":
        layer = keras.layers.GRU(sizes["hidden_size"])
        layer.build((None, 1, sizes["input_size"]))
        cell = layer.cell
        assert cell.reset_after, "Keras's default GRU is reset-after, bias (2, 3H)"
        bias = np.asarray(cell.bias)
        return {
            "weight_ih_l0": to_pytorch_gate_order(np.asarray(cell.kernel)).T,  # (3H, I)
            "weight_hh_l0": to_pytorch_gate_order(np.asarray(cell.recurrent_kernel)).T,  # (3H, H)
            "bias_ih_l0": to_pytorch_gate_order(bias[0]),
            "bias_hh_l0": to_pytorch_gate_order(bias[1]),
        }
    if kind == "dense":
        layer = keras.layers.Dense(sizes["output_size"])
        layer.build((None, sizes["input_size"]))
        return {"weight": np.asarray(layer.kernel).T, "bias": np.asarray(layer.bias)}  # (O, I), (O)
    layer = keras.layers.Embedding(sizes["vocabulary_size"], sizes["dimension"])
    layer.build((None,))
    return {"weight": np.asarray(layer.embeddings)}  # (V, D)


def uniform_bound(kind: str, sizes: dict, name: str) -> float | None:
    """The half-width of Keras's uniform initializer for the tensor, or None when it is not uniform."""
    if kind == "gru" and name == "weight_ih_l0":
        # glorot_uniform over the (I, 3H) kernel: limit sqrt(6 / (fan_in + fan_out)).
        return float(np.sqrt(6 / (sizes["input_size"] + 3 * sizes["hidden_size"])))
    if kind == "dense" and name == "weight":
        return float(np.sqrt(6 / (sizes["input_size"] + sizes["output_size"])))
    if kind == "embedding":
        return 0.05  # Embedding's default "uniform": RandomUniform(-0.05, 0.05)
    return None


# MARK: - Statistics


def element_statistics(values: np.ndarray) -> dict[str, float]:
    flat = values.astype(np.float64).reshape(-1)
    return {"mean": flat.mean(), "standard_deviation": flat.std(), "minimum": flat.min(), "maximum": flat.max()}


def block_statistics(recurrent: np.ndarray) -> dict[str, float]:
    """Per gate block W_g (H, H) of W_hh (3H, H): the mean of sigma^2 and of sigma^4."""
    statistics = {}
    for gate, block in zip(PYTORCH_GATES, np.split(recurrent.astype(np.float64), 3, axis=0)):
        singular_values = np.linalg.svd(block, compute_uv=False)
        statistics[f"{gate}.mean_squared_singular_value"] = float(np.mean(singular_values**2))
        statistics[f"{gate}.mean_fourth_power_singular_value"] = float(np.mean(singular_values**4))
    return statistics


def orthogonality_error(recurrent: np.ndarray) -> float:
    """max |W^T W - I| of W_hh (3H, H), and a check by SVD that every singular value is 1."""
    w = recurrent.astype(np.float64)
    singular_values = np.linalg.svd(w, compute_uv=False)
    assert np.max(np.abs(singular_values - 1)) < ORTHOGONALITY_LIMIT, "Keras's recurrent kernel is not orthogonal"
    return float(np.max(np.abs(w.T @ w - np.eye(w.shape[1]))))


def summarize(per_seed: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Each statistic's mean and standard deviation (ddof 1) over the seeds."""
    return {
        name: {"mean": float(np.mean(values)), "standard_deviation": float(np.std(values, ddof=1))}
        for name in per_seed[0]
        for values in [[seed[name] for seed in per_seed]]
    }


def describe(kind: str, sizes: dict) -> list[dict]:
    draws = [keras_tensors(kind, sizes, seed) for seed in range(SEED_COUNT)]
    entries = []
    for name in draws[0]:
        values = [draw[name] for draw in draws]
        entry = {"layer": kind, "sizes": sizes, "tensor": name, "shape": list(values[0].shape)}
        largest = max(float(np.max(np.abs(v))) for v in values)
        entry["all_zero"] = largest == 0
        bound = uniform_bound(kind, sizes, name)
        if bound is not None:
            assert largest <= bound, f"{kind} {name}: Keras drew {largest} beyond the bound {bound}"
            assert largest > 0.99 * bound, f"{kind} {name}: Keras's values never approach the bound {bound}"
        entry["bound"] = bound
        per_seed = [element_statistics(v) for v in values]
        if name == "weight_hh_l0":
            entry["largest_orthogonality_error"] = max(orthogonality_error(v) for v in values)
            per_seed = [{**statistics, **block_statistics(v)} for statistics, v in zip(per_seed, values)]
        entry["statistics"] = summarize(per_seed)
        entries.append(entry)
    return entries


def main() -> None:
    entries = [entry for kind, sizes in LAYERS for entry in describe(kind, sizes)]
    # For orthonormal columns the three blocks' squared singular values sum to H per seed.
    for entry in entries:
        if entry["tensor"] == "weight_hh_l0":
            total = sum(entry["statistics"][f"{g}.mean_squared_singular_value"]["mean"] for g in PYTORCH_GATES)
            assert abs(total - 1) < 1e-5, f"block sigma^2 means sum to {total}, not 1"
    document = {
        "generator": GENERATOR,
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "seed_count": SEED_COUNT,
        "description": "Per tensor of Keras 3 layers with default initializers, in PyTorch layout: per-seed "
        "element statistics summarized over the seeds by mean and standard deviation.",
        "tensors": entries,
    }
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {len(entries)} tensors ({OUT_FILE.stat().st_size / 1024:.0f} KiB) to {OUT_FILE.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
