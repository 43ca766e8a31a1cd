#!/usr/bin/env python3
"""Generate the Keras fixtures in Tests/Fixtures/keras/.

Small Keras 3 models (JAX backend) whose recurrent layers form one GRU stack, with seeded
uniform weights (non-zero biases), each saved by Keras as NAME.keras and NAME.weights.h5.
NAME.safetensors holds a fixed input of the GRU stack, `input` (T, B, I) time-major, and the
stack's output on it computed by Keras, `output` (T, B, D*H). Where an Embedding or Dense
surrounds the stack (`embedding_dense`), the input is what the stack receives and the other
layers are only there to be ignored. KerasGRUReferenceTests loads each and matches `output`
with GRU.forward within 1e-5.

`trained_adam`: a GRU compiled with Adam and fitted for one step, so that its files hold the
optimizer's state, an int64 iteration count among it, as every trained model's do.

`malformed_int_dataset.weights.h5`: a GRU's weights file whose recurrent kernel is int32,
which KerasWeightsFile must refuse in one line.

Run from the repository root:
    KERAS_BACKEND=jax .venv/bin/python Tools/Reference/make_keras_fixtures.py
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

from pathlib import Path

import h5py
import keras
import numpy as np
import safetensors.numpy

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "keras"
STEPS, BATCH = 4, 2


def gru(units, **settings):
    return keras.layers.GRU(units, return_sequences=True, **settings)


def models():
    """(name, model, input size of the GRU stack, index of its first layer, layer count)."""
    yield "reset_after", keras.Sequential([keras.Input((STEPS, 3)), gru(5)]), 3, 0, 1
    yield "reset_before", keras.Sequential([keras.Input((STEPS, 3)), gru(5, reset_after=False)]), 3, 0, 1
    yield (
        "stacked_no_bias",
        keras.Sequential([keras.Input((STEPS, 3)), gru(4, use_bias=False, name="encoder"), gru(4, use_bias=False)]),
        3, 0, 2,
    )
    yield (
        "bidirectional",
        keras.Sequential([keras.Input((STEPS, 3)), keras.layers.Bidirectional(gru(3)),
                          keras.layers.Bidirectional(gru(3))]),
        3, 0, 2,
    )
    yield (
        "embedding_dense",
        keras.Sequential([keras.Input((STEPS,), dtype="int32"), keras.layers.Embedding(10, 3),
                          gru(4, reset_after=False), keras.layers.Dropout(0.5), keras.layers.Dense(2)]),
        3, 1, 1,
    )


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for name, model, input_size, first, count in models():
        model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
        model.save(OUT_DIR / f"{name}.keras")
        model.save_weights(OUT_DIR / f"{name}.weights.h5")
        x = rng.uniform(-1, 1, (BATCH, STEPS, input_size)).astype(np.float32)
        y = x
        for layer in model.layers[first:first + count]:
            y = np.asarray(layer(y))
        safetensors.numpy.save_file(
            {"input": np.ascontiguousarray(x.transpose(1, 0, 2)),
             "output": np.ascontiguousarray(y.transpose(1, 0, 2))},
            OUT_DIR / f"{name}.safetensors")
        # Keras finds the variables by class-name paths, whatever the layers are called.
        with h5py.File(OUT_DIR / f"{name}.weights.h5") as f:
            print(name, sorted(k for k in _datasets(f)))
    save_trained_model()
    with h5py.File(OUT_DIR / "reset_after.weights.h5") as source, \
            h5py.File(OUT_DIR / "malformed_int_dataset.weights.h5", "w") as target:
        for path in _datasets(source):
            value = source[path][()]
            target[path] = value.astype(np.int32) if path.endswith("vars/1") else value


def save_trained_model() -> None:
    """A model as users save one: compiled, fitted, with the optimizer's variables in its files."""
    rng = np.random.default_rng(11)
    keras.utils.set_random_seed(11)
    model = keras.Sequential([keras.Input((STEPS, 3)), gru(5)])
    model.compile(optimizer="adam", loss="mse")
    x = rng.uniform(-1, 1, (BATCH, STEPS, 3)).astype(np.float32)
    model.fit(x, rng.uniform(-1, 1, (BATCH, STEPS, 5)).astype(np.float32), epochs=1, verbose=0)
    model.save(OUT_DIR / "trained_adam.keras")
    model.save_weights(OUT_DIR / "trained_adam.weights.h5")
    safetensors.numpy.save_file(
        {"input": np.ascontiguousarray(x.transpose(1, 0, 2)),
         "output": np.ascontiguousarray(np.asarray(model(x)).transpose(1, 0, 2))},
        OUT_DIR / "trained_adam.safetensors")
    with h5py.File(OUT_DIR / "trained_adam.weights.h5") as f:
        print("trained_adam", sorted((k, str(f[k].dtype)) for k in _datasets(f)))


def _datasets(f):
    found = []
    f.visititems(lambda path, obj: found.append(path) if isinstance(obj, h5py.Dataset) else None)
    return found


if __name__ == "__main__":
    main()
