#!/usr/bin/env python3
"""Generate Tests/Fixtures/keras-models/: small Keras 3 models saved as .keras, with predictions.

Each model is built with real Keras 3 (JAX backend), trained for a few steps on random data
(so no weight is at its initial value and biases are non-zero), saved with `model.save`, and
run with `model.predict` on fixed, padded inputs: sequences of different lengths padded with
zeros at the end, so the masks (Embedding mask_zero, Masking) decide what the GRUs see.
`Tests/GRUInteropTests/KerasModelImportReferenceTests.swift` imports each archive with GRUKit
and compares GRUKit's forward pass (softmax of its head) with these predictions.

Models (batch-major inputs, as Keras takes them):

* token_classifier.keras: Sequential, int32 ids (B, T) -> Embedding(12, 5, mask_zero) ->
  Bidirectional(GRU(6), merge_mode concat) -> Dense(3, softmax). reset_after True.
* feature_tagger.keras: Sequential, (B, T, 4) -> Masking(0) -> GRU(6, return_sequences) ->
  GRU(6, return_sequences) -> Dense(3, softmax), both GRUs reset_after False.
* feature_classifier_functional.keras: Functional, (B, T, 3) -> Masking(0) ->
  Bidirectional(GRU(4, return_sequences, reset_after False)) -> Bidirectional(GRU(4,
  reset_after False)) -> Dropout(0.2) -> Dense(2, softmax).
* feature_forecaster.keras: Sequential, (B, T, 2) -> Masking(0) -> GRU(5, return_sequences)
  -> GlobalAveragePooling1D (masked mean) -> Dense(2, linear).

Each NAME.json holds `inputs` (B, T) ids or (B, T, F) features, `lengths` (B) and
`predictions`: (B, C) per sequence or (B, T, C) per step (padded steps included; tests read
only the valid ones). Run from the repository root:

    .venv/bin/python Tools/Reference/make_keras_model_fixtures.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402  (the backend is chosen before the import)
import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "keras-models"
LENGTHS = [5, 3, 1, 4]
STEPS = max(LENGTHS)


def padded_tokens(rng: np.random.Generator, vocabulary: int, lengths: list[int]) -> np.ndarray:
    """Ids in 1..<vocabulary for the valid steps, 0 (padding) after them: (B, T) int32."""
    ids = np.zeros((len(lengths), max(lengths)), dtype=np.int32)
    for row, length in enumerate(lengths):
        ids[row, :length] = rng.integers(1, vocabulary, size=length)
    return ids


def padded_features(rng: np.random.Generator, features: int, lengths: list[int]) -> np.ndarray:
    """Normal features for the valid steps (never an all-zero step), zeros after: (B, T, F)."""
    values = np.zeros((len(lengths), max(lengths), features), dtype=np.float32)
    for row, length in enumerate(lengths):
        values[row, :length] = rng.normal(0.5, 1.0, size=(length, features))
    return values


def train_briefly(model: keras.Model, inputs: np.ndarray, targets: np.ndarray, loss: str) -> None:
    """A few Adam steps, so that weights and biases move away from their initial values."""
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    model.fit(inputs, targets, epochs=8, batch_size=8, verbose=0)


def save(name: str, model: keras.Model, inputs: np.ndarray, lengths: list[int]) -> None:
    predictions = model.predict(inputs, verbose=0)
    # Saved uncompiled, as a deployed model is: without the optimizer's variables.
    deployed = type(model).from_config(model.get_config())
    deployed.set_weights(model.get_weights())
    np.testing.assert_array_equal(deployed.predict(inputs, verbose=0), predictions)
    deployed.save(OUT_DIR / f"{name}.keras")
    record = {
        "generator": "Tools/Reference/make_keras_model_fixtures.py",
        "keras_version": keras.__version__,
        "inputs": inputs.tolist(),
        "lengths": lengths,
        "predictions": predictions.astype(np.float32).tolist(),
    }
    (OUT_DIR / f"{name}.json").write_text(json.dumps(record) + "\n")
    print(f"{name}: inputs {inputs.shape} -> predictions {predictions.shape}")


def token_classifier(rng: np.random.Generator) -> None:
    model = keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            keras.layers.Embedding(12, 5, mask_zero=True),
            keras.layers.Bidirectional(keras.layers.GRU(6), merge_mode="concat"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    train_lengths = list(rng.integers(1, 7, size=32))
    train_briefly(
        model, padded_tokens(rng, 12, train_lengths), rng.integers(0, 3, size=32), "sparse_categorical_crossentropy"
    )
    save("token_classifier", model, padded_tokens(rng, 12, LENGTHS), LENGTHS)


def feature_tagger(rng: np.random.Generator) -> None:
    model = keras.Sequential(
        [
            keras.Input(shape=(None, 4)),
            keras.layers.Masking(0.0),
            keras.layers.GRU(6, return_sequences=True, reset_after=False),
            keras.layers.GRU(6, return_sequences=True, reset_after=False),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    train_lengths = [STEPS] * 32
    train_briefly(
        model,
        padded_features(rng, 4, train_lengths),
        rng.integers(0, 3, size=(32, STEPS)),
        "sparse_categorical_crossentropy",
    )
    save("feature_tagger", model, padded_features(rng, 4, LENGTHS), LENGTHS)


def feature_classifier_functional(rng: np.random.Generator) -> None:
    inputs = keras.Input(shape=(None, 3), name="features")
    x = keras.layers.Masking(0.0)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True, reset_after=False))(x)
    x = keras.layers.Bidirectional(keras.layers.GRU(4, reset_after=False))(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    train_lengths = list(rng.integers(1, 7, size=32))
    train_briefly(
        model, padded_features(rng, 3, train_lengths), rng.integers(0, 2, size=32), "sparse_categorical_crossentropy"
    )
    save("feature_classifier_functional", model, padded_features(rng, 3, LENGTHS), LENGTHS)


def feature_forecaster(rng: np.random.Generator) -> None:
    model = keras.Sequential(
        [
            keras.Input(shape=(None, 2)),
            keras.layers.Masking(0.0),
            keras.layers.GRU(5, return_sequences=True),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(2),
        ]
    )
    train_lengths = list(rng.integers(1, 7, size=32))
    train_briefly(model, padded_features(rng, 2, train_lengths), rng.normal(size=(32, 2)), "mse")
    save("feature_forecaster", model, padded_features(rng, 2, LENGTHS), LENGTHS)


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    token_classifier(rng)
    feature_tagger(rng)
    feature_classifier_functional(rng)
    feature_forecaster(rng)


if __name__ == "__main__":
    main()
