#!/usr/bin/env python3
"""Check `gru export`'s ONNX files with onnx and onnxruntime, the consumers themselves.

For every case below this script writes a small data file, trains a tiny model on it with
`gru train` (2 epochs), writes GRUKit's predictions with `gru predict`, exports the model with
`gru export --output FILE.onnx`, runs `onnx.checker.check_model(full_check=True)`, runs
onnxruntime on the same sequences (built here from the data file and the exported file's
metadata: vocabulary, raw features; the graph normalizes them itself) and compares:

- classify: onnxruntime's `output` (B, C) with predict's p_<label> columns (String(Float),
  which round-trips), max abs error <= 1e-5;
- forecast: `output` (B, horizon * targets) with predict's forecast columns, in the data's
  units, max abs error <= 1e-5 * max(1, |value|);
- tag, language-model: `output` (B, T, C) at every valid step with the column probabilities
  of `gru predict --probabilities` (every step's softmax, String(Float)), max abs error <= 1e-5;
  besides, its argmax must give predict's tags (tag), and the perplexity computed from its
  next-token probabilities must match predict's perplexity within 1e-5 relative
  (language-model).

Each sequence is fed both in one padded batch with `lengths` and, for the first two, alone,
so batching and padding are covered. Prints a table of the max errors and exits with 1 on any
failure.

Usage: check_onnx_exports.py --gru PATH/TO/gru [--work DIR] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

from interop_data import (  # noqa: E402  (beside this script)
    TOLERANCE, conll_sequences, csv_text_sequences, padded, run, step_error, text_sequences, ts_sequences,
    write_conll, write_series, write_text, write_text_csv, write_ts)


def series_windows(path: Path, window: int) -> list[np.ndarray]:
    values = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64).astype(np.float32)
    return [values[end - window + 1:end + 1] for end in range(window - 1, len(values))]


# MARK: - Running gru and onnxruntime

def onnxruntime_outputs(path: Path, sequences: list[np.ndarray], takes_lengths: bool) -> list[np.ndarray]:
    """Each sequence's output: from one padded batch, checked against the first two run alone."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    def feed(group: list[np.ndarray]) -> np.ndarray:
        batch, lengths = padded(group)
        feeds = {"input": batch}
        if takes_lengths:
            feeds["lengths"] = lengths
        return session.run(["output"], feeds)[0]

    together = feed(sequences)
    outputs = [together[b, :len(s)] if together.ndim == 3 else together[b] for b, s in enumerate(sequences)]
    for b in range(min(2, len(sequences))):
        alone = feed([sequences[b]])[0]
        if np.max(np.abs(alone - outputs[b])) > TOLERANCE:
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
    Case("classify-tokens-last-bi", "classify", "csv-text", ["--bidirectional"]),
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


def check(case: Case, gru: str, work: Path) -> tuple[str, float]:
    """Trains, predicts, exports and compares one case; returns (what was compared, max error)."""
    rng = np.random.RandomState(len(case.name))
    folder = work / case.name
    folder.mkdir(parents=True)
    data = folder / {"ts": "data.ts", "csv-text": "data.csv", "conll": "data.conll", "txt": "data.txt",
                     "series": "data.csv"}[case.data]
    {"ts": lambda: write_ts(data, rng, 12, 3, 3), "csv-text": lambda: write_text_csv(data, rng, 12),
     "conll": lambda: write_conll(data, rng, 10), "txt": lambda: write_text(data),
     "series": lambda: write_series(data, rng, 40)}[case.data]()
    model, predictions, exported = folder / "model", folder / "predictions.csv", folder / "model.onnx"
    run([gru, "train", "--train", str(data), "--validation", str(data), "--model", str(model), "--task", case.task,
         "--hidden-size", "5", "--epochs", "2", "--batch-size", "4", "--seed", "3"] + case.flags)
    per_step = case.task in ("tag", "language-model")
    run([gru, "predict", "--model", str(model), "--data", str(data), "--output", str(predictions)]
        + (["--probabilities"] if per_step else []))
    run([gru, "export", "--model", str(model), "--output", str(exported)])
    onnx.checker.check_model(onnx.load(str(exported)), full_check=True)
    metadata = {p.key: p.value for p in onnx.load(str(exported)).metadata_props}
    with predictions.open() as file:
        rows = list(csv.DictReader(file))

    if case.task == "classify":
        sequences = (ts_sequences(data) if case.data == "ts"
                     else csv_text_sequences(data, json.loads(metadata["vocabulary"])))
        outputs = onnxruntime_outputs(exported, sequences, takes_lengths=True)
        labels = json.loads(metadata["labels"])
        expected = np.array([[float(row[f"p_{label}"]) for label in labels] for row in rows])
        return "p_<label> columns", float(np.max(np.abs(np.array(outputs) - expected)))
    if case.task == "forecast":
        window = int(metadata["window"])
        outputs = np.array(onnxruntime_outputs(exported, series_windows(data, window), takes_lengths=False))
        columns = [name for name in rows[0] if "_t+" in name]
        expected = np.array([[float(row[c]) for c in columns] for row in rows])
        scale = np.maximum(1.0, np.abs(expected))
        return "forecast columns / max(1, |y|)", float(np.max(np.abs(outputs - expected) / scale))
    vocabulary = json.loads(metadata["vocabulary"])
    if case.task == "tag":
        sequences = conll_sequences(data, vocabulary)
        outputs = onnxruntime_outputs(exported, sequences, takes_lengths=True)
        labels = json.loads(metadata["labels"])
        for row, output in zip(rows, outputs):
            tags = " ".join(labels[k] for k in np.argmax(output, axis=1))
            if tags != row["prediction"]:
                raise AssertionError(f"row {row['index']}: onnxruntime tags '{tags}', gru predict '{row['prediction']}'")
        return "every step's probabilities", step_error(rows, outputs, "onnxruntime")
    length = json.loads(metadata["grukit.manifest"])["dataOptions"]["sequenceLength"]
    pairs = text_sequences(data, vocabulary, length)
    outputs = onnxruntime_outputs(exported, [p[0] for p in pairs], takes_lengths=True)
    if len(rows) != len(pairs):
        raise AssertionError(f"gru predict wrote {len(rows)} rows for {len(pairs)} sequences")
    for row, output, (_, targets) in zip(rows, outputs, pairs):
        cross_entropy = -np.mean(np.log(output[np.arange(len(targets)), targets].astype(np.float64)))
        expected = float(row["perplexity"])
        if abs(math.exp(cross_entropy) - expected) > TOLERANCE * expected:
            raise AssertionError(f"row {row['index']}: perplexity {math.exp(cross_entropy)} from onnxruntime, "
                                 f"{expected} from gru predict")
    return "every step's probabilities", step_error(rows, outputs, "onnxruntime")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gru", required=True, help="the gru executable")
    parser.add_argument("--work", help="a new or empty folder for the models, kept (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    arguments = parser.parse_args()
    work = Path(arguments.work) if arguments.work else Path(tempfile.mkdtemp(prefix="gru-onnx-check-"))
    if work.exists() and any(work.iterdir()):
        parser.error(f"--work {work} is not empty; give a new or empty folder")
    work.mkdir(parents=True, exist_ok=True)
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, tolerance {TOLERANCE:g}")
    print(f"{'case':48} {'compared':34} {'max error':>10}  result")
    failures = 0
    for case in CASES:
        try:
            what, error = check(case, arguments.gru, work)
            passed = error <= TOLERANCE
            print(f"{case.name:48} {what:34} {error:10.2e}  {'ok' if passed else 'MISMATCH'}")
        except Exception as problem:  # one line per failing case, then the others still run
            passed = False
            print(f"{case.name:48} {'':34} {'':>10}  FAILED: {problem}")
        failures += not passed
    if not arguments.keep and not arguments.work:
        shutil.rmtree(work)
    print(f"{len(CASES) - failures} of {len(CASES)} cases agree" + (f"; {failures} failed" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
