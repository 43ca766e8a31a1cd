#!/usr/bin/env python3
"""Generate onnxruntime's outputs on the whole-model ONNX files in Tests/Fixtures/onnx-models/.

The .onnx files there are GRUKit's own exports: ONNXModelExportReferenceTests writes them when
GRUKIT_WRITE_ONNX_MODEL_FIXTURES=1 (ONNXModelExport.model of ExportedModelCase.all, and one
bare ONNXGRU.model with sequence_lens and initial_h) and otherwise checks that export still
writes them byte for byte. For each file this script runs onnx.checker (full_check), builds a
fixed padded batch of raw inputs (token ids or unnormalized features, batch-major, the longest
sequence filling the batch, lengths in 1...T), runs onnxruntime and stores the inputs and the
outputs in <name>.safetensors (float32; ids and lengths as exact small floats), which GRUKit's
forward must match within 1e-5.

Run from the repository root, after the Swift tests have written the .onnx files:
    GRUKIT_WRITE_ONNX_MODEL_FIXTURES=1 swift test --filter ONNXModelExportReferenceTests
    .venv/bin/python Tools/Reference/make_onnx_model_fixtures.py
Versions used: onnx 1.23.2, onnxruntime 1.32.0, numpy 2.4.6, safetensors 0.8.0.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import safetensors.numpy

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "Tests" / "Fixtures" / "onnx-models"
BATCH, STEPS = 3, 6


def lengths_for(rng: np.random.RandomState) -> np.ndarray:
    lengths = rng.randint(1, STEPS + 1, size=BATCH).astype(np.int64)
    lengths[0] = STEPS  # the longest fills the batch, as in GRUKit's batches
    lengths[-1] = 1  # and one sequence of a single step
    return lengths


def whole_model_case(path: Path, model: onnx.ModelProto, rng: np.random.RandomState) -> dict[str, np.ndarray]:
    metadata = {p.key: p.value for p in model.metadata_props}
    inputs = {i.name: i for i in model.graph.input}
    takes_lengths = "lengths" in inputs
    lengths = lengths_for(rng) if takes_lengths else np.full(BATCH, STEPS, dtype=np.int64)
    if metadata["input"] == "tokens":
        vocabulary = len(json.loads(metadata["vocabulary"]))
        x = rng.randint(1, vocabulary, size=(BATCH, STEPS)).astype(np.int64)
    else:
        features = inputs["input"].type.tensor_type.shape.dim[2].dim_value
        normalization = json.loads(metadata["feature_normalization"])
        x = (rng.randn(BATCH, STEPS, features) * np.array(normalization["standardDeviations"])
             + np.array(normalization["means"])).astype(np.float32)
    for b, length in enumerate(lengths):  # padding as GRUKit pads: id 0, zero features
        x[b, length:] = 0
    feeds = {"input": x}
    if takes_lengths:
        feeds["lengths"] = lengths
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (output,) = session.run(["output"], feeds)
    tensors = {"input": x.astype(np.float32), "output": output.astype(np.float32)}
    if takes_lengths:
        tensors["lengths"] = lengths.astype(np.float32)
    return tensors


def bare_gru_case(path: Path, model: onnx.ModelProto, rng: np.random.RandomState) -> dict[str, np.ndarray]:
    inputs = {i.name: i for i in model.graph.input}
    features = inputs["input"].type.tensor_type.shape.dim[2].dim_value
    state_shape = [d.dim_value for d in inputs["initial_h"].type.tensor_type.shape.dim]
    x = rng.randn(STEPS, BATCH, features).astype(np.float32)
    lengths = lengths_for(rng).astype(np.int32)
    h0 = rng.randn(state_shape[0], BATCH, state_shape[2]).astype(np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    y, y_h = session.run(["Y", "Y_h"], {"input": x, "sequence_lens": lengths, "initial_h": h0})
    return {"input": x, "sequence_lens": lengths.astype(np.float32), "initial_h": h0, "Y": y, "Y_h": y_h}


def main() -> None:
    paths = sorted(FIXTURES.glob("*.onnx"))
    if not paths:
        raise SystemExit(f"no .onnx files in {FIXTURES}; run the Swift test that writes them first")
    for seed, path in enumerate(paths):
        model = onnx.load(str(path))
        onnx.checker.check_model(model, full_check=True)
        rng = np.random.RandomState(100 + seed)
        is_whole_model = any(p.key == "grukit.manifest" for p in model.metadata_props)
        tensors = (whole_model_case if is_whole_model else bare_gru_case)(path, model, rng)
        safetensors.numpy.save_file(tensors, str(path.with_suffix(".safetensors")))
        print(f"{path.name}: {', '.join(f'{k} {list(v.shape)}' for k, v in tensors.items())}")


if __name__ == "__main__":
    main()
