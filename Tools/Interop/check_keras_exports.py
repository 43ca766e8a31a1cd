#!/usr/bin/env python3
"""Check `gru export`'s Keras 3 archives with Keras itself (`keras.saving.load_model`, JAX backend).

For every case below this script writes a small data file, trains a tiny model on it with
`gru train` (2 epochs), writes GRUKit's predictions with `gru predict`, exports the model with
`gru export --output FILE.keras`, loads the archive with `keras.saving.load_model`, runs
`model.predict` on the same sequences (built here from the data file and the archive's
metadata.json: vocabulary, raw features padded with zeros; the model masks, normalizes and
denormalizes itself) and compares:

- classify: Keras's softmax (B, C) with predict's p_<label> columns (String(Float), which
  round-trips), max abs error <= 1e-5;
- forecast: Keras's (B, horizon * targets) with predict's forecast columns, in the data's
  units, max abs error <= 1e-5 * max(1, |value|);
- tag: the argmax of Keras's (B, T, C) at every valid step must give predict's tags; with a
  `gru predict --probabilities` (when this gru has it), every step's probabilities too;
- language-model: the perplexity from Keras's next-token probabilities must match predict's
  within 1e-5 relative (the error shown); and the step probabilities as for tag.

All sequences go to Keras in one padded batch, and the first two alone, so masking is
covered. Prints a table of the max errors and exits with 1 on any failure. It takes about
20 seconds with a debug gru (Keras 3.15.1, JAX, 2 cores).

Usage: KERAS_BACKEND=jax python Tools/Interop/check_keras_exports.py --gru .build/debug/gru [--work DIR] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402  (the backend is chosen before the import)
import numpy as np  # noqa: E402

from interop_data import (  # noqa: E402  (beside this script)
    TOLERANCE, conll_sequences, csv_text_sequences, padded, run, step_error, text_sequences, ts_sequences,
    write_conll, write_series, write_text, write_text_csv, write_ts)


def series_windows(path: Path, rows: list[dict[str, str]], window: int, columns: list[str]) -> list[np.ndarray]:
    """The window ending at the line each prediction row names (`source` is file:line, header line 1)."""
    with path.open() as file:
        table = list(csv.DictReader(file))
    values = np.array([[float(row[c]) for c in columns] for row in table], dtype=np.float32)
    ends = [int(row["source"].rsplit(":", 1)[1]) - 2 for row in rows]
    return [values[end - window + 1:end + 1] for end in ends]


# MARK: - Running gru and Keras

def keras_batch(sequences: list[np.ndarray]) -> np.ndarray:
    """The sequences zero-padded; token ids as the int32 the exported Input takes."""
    batch = padded(sequences)[0]
    return batch.astype(np.int32) if batch.dtype == np.int64 else batch


def keras_outputs(model: keras.Model, sequences: list[np.ndarray]) -> list[np.ndarray]:
    """Each sequence's output: from one padded batch, checked against the first two run alone."""
    together = np.asarray(model.predict(keras_batch(sequences), verbose=0))
    outputs = [together[b, :len(s)] if together.ndim == 3 else together[b] for b, s in enumerate(sequences)]
    for b in range(min(2, len(sequences))):
        alone = np.asarray(model.predict(keras_batch([sequences[b]]), verbose=0))[0]
        if np.max(np.abs(alone - outputs[b])) > TOLERANCE * max(1.0, float(np.max(np.abs(alone)))):
            raise AssertionError(f"sequence {b} alone differs from its row in the padded batch")
    return outputs


@dataclass
class Case:
    name: str
    task: str
    data: str  # ts, csv-text, conll, txt, series
    flags: list[str] = field(default_factory=list)


CASES = [
    Case("classify-features-last", "classify", "ts", []),
    Case("classify-features-mean-bi-2layers-resetBefore", "classify", "ts",
         ["--pooling", "mean", "--bidirectional", "--layers", "2", "--variant", "reset-before"]),
    Case("classify-tokens-last-bi-dropout", "classify", "csv-text",
         ["--bidirectional", "--input-dropout", "0.1", "--output-dropout", "0.2"]),
    Case("classify-tokens-mean-resetBefore", "classify", "csv-text", ["--pooling", "mean", "--variant", "reset-before"]),
    Case("tag-tokens-bi-2layers", "tag", "conll", ["--bidirectional", "--layers", "2"]),
    Case("tag-tokens-resetBefore", "tag", "conll", ["--variant", "reset-before"]),
    Case("forecast-features-last", "forecast", "series", ["--window", "5", "--horizon", "2"]),
    Case("forecast-features-mean-bi-2layers-resetBefore", "forecast", "series",
         ["--window", "4", "--horizon", "3", "--pooling", "mean", "--bidirectional", "--layers", "2",
          "--variant", "reset-before"]),
    Case("language-model-2layers", "language-model", "txt", ["--sequence-length", "12", "--layers", "2"]),
    Case("language-model-resetBefore", "language-model", "txt", ["--sequence-length", "10", "--variant", "reset-before"]),
    # Keras's other activations: HardSigmoid (alpha 1/6) and Affine (alpha 1, beta 0) in ONNX.
    Case("classify-features-last-bi-relu-hardSigmoid", "classify", "ts",
         ["--bidirectional", "--activation", "relu", "--recurrent-activation", "hard_sigmoid"]),
    Case("forecast-last-resetBefore-linear-hardSigmoid", "forecast", "series",
         ["--window", "5", "--horizon", "2", "--variant", "reset-before", "--activation", "linear",
          "--recurrent-activation", "hard_sigmoid"]),
]


def check(case: Case, gru: str, work: Path, has_probabilities: bool) -> tuple[str, float]:
    """Trains, predicts, exports and compares one case; returns (what was compared, max error)."""
    rng = np.random.RandomState(len(case.name))
    folder = work / case.name
    folder.mkdir(parents=True)
    data = folder / {"ts": "data.ts", "csv-text": "data.csv", "conll": "data.conll", "txt": "data.txt",
                     "series": "data.csv"}[case.data]
    {"ts": lambda: write_ts(data, rng, 12, 3, 3), "csv-text": lambda: write_text_csv(data, rng, 12),
     "conll": lambda: write_conll(data, rng, 10), "txt": lambda: write_text(data),
     "series": lambda: write_series(data, rng, 40)}[case.data]()
    model_dir, predictions, exported = folder / "model", folder / "predictions.csv", folder / "model.keras"
    run([gru, "train", "--train", str(data), "--validation", str(data), "--model", str(model_dir), "--task", case.task,
         "--hidden-size", "5", "--epochs", "2", "--batch-size", "4", "--seed", "3"] + case.flags)
    per_step = case.task in ("tag", "language-model")
    run([gru, "predict", "--model", str(model_dir), "--data", str(data), "--output", str(predictions)]
        + (["--probabilities"] if per_step and has_probabilities else []))
    run([gru, "export", "--model", str(model_dir), "--output", str(exported)])
    model = keras.saving.load_model(str(exported))
    with zipfile.ZipFile(exported) as archive:
        manifest = json.loads(archive.read("metadata.json"))["grukit"]["manifest"]
    schema = manifest["data"]
    with predictions.open() as file:
        rows = list(csv.DictReader(file))

    if case.task == "classify":
        sequences = (ts_sequences(data) if case.data == "ts"
                     else csv_text_sequences(data, schema["vocabulary"]["tokens"]))
        outputs = keras_outputs(model, sequences)
        expected = np.array([[float(row[f"p_{label}"]) for label in schema["labels"]["names"]] for row in rows])
        return "p_<label> columns", float(np.max(np.abs(np.array(outputs) - expected)))
    if case.task == "forecast":
        windows = series_windows(data, rows, schema["window"], schema["featureNames"])
        outputs = np.array(keras_outputs(model, windows))
        columns = [name for name in rows[0] if "_t+" in name]
        expected = np.array([[float(row[c]) for c in columns] for row in rows])
        scale = np.maximum(1.0, np.abs(expected))
        return "forecast columns / max(1, |y|)", float(np.max(np.abs(outputs - expected) / scale))
    vocabulary = schema["vocabulary"]["tokens"]
    if case.task == "tag":
        outputs = keras_outputs(model, conll_sequences(data, vocabulary))
        labels = schema["labels"]["names"]
        if len(rows) != len(outputs):
            raise AssertionError(f"gru predict wrote {len(rows)} rows for {len(outputs)} sequences")
        for row, output in zip(rows, outputs):
            tags = " ".join(labels[k] for k in np.argmax(output, axis=1))
            if tags != row["prediction"]:
                raise AssertionError(f"row {row['index']}: Keras tags '{tags}', gru predict '{row['prediction']}'")
        if has_probabilities:
            return "every step's probabilities", step_error(rows, outputs, "Keras")
        return "tags equal (error: 0)", 0.0
    pairs = text_sequences(data, vocabulary, manifest["dataOptions"]["sequenceLength"])
    outputs = keras_outputs(model, [p[0] for p in pairs])
    if len(rows) != len(pairs):
        raise AssertionError(f"gru predict wrote {len(rows)} rows for {len(pairs)} sequences")
    worst = 0.0
    for row, output, (_, targets) in zip(rows, outputs, pairs):
        cross_entropy = -np.mean(np.log(output[np.arange(len(targets)), targets].astype(np.float64)))
        expected = float(row["perplexity"])
        worst = max(worst, abs(math.exp(cross_entropy) - expected) / expected)
    if has_probabilities:
        worst = max(worst, step_error(rows, outputs, "Keras"))
        return "perplexity (relative), probabilities", worst
    return "perplexity (relative)", worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gru", required=True, help="the gru executable")
    parser.add_argument("--work", help="a folder for the models (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    arguments = parser.parse_args()
    work = Path(arguments.work) if arguments.work else Path(tempfile.mkdtemp(prefix="gru-keras-check-"))
    if work.exists() and any(work.iterdir()):
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    has_probabilities = "--probabilities" in run([arguments.gru, "predict", "--help"])
    print(f"keras {keras.__version__} ({keras.backend.backend()}), tolerance {TOLERANCE:g}")
    print(f"{'case':48} {'compared':38} {'max error':>10}  result")
    failures = 0
    for case in CASES:
        try:
            what, error = check(case, arguments.gru, work, has_probabilities)
            passed = error <= TOLERANCE
            print(f"{case.name:48} {what:38} {error:10.2e}  {'ok' if passed else 'MISMATCH'}")
        except Exception as problem:  # one line per failing case, then the others still run
            passed = False
            print(f"{case.name:48} {'':38} {'':>10}  FAILED: {str(problem).splitlines()[0] if str(problem) else type(problem).__name__}")
        failures += not passed
    if not arguments.keep and not arguments.work:
        shutil.rmtree(work)
    print(f"{len(CASES) - failures} of {len(CASES)} cases agree" + (f"; {failures} failed" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
