"""A model directory trained by `gru train`, run in PyTorch: its weights.safetensors loaded into
pytorch_train.py's module for the task, evaluated on a test file as pytorch_train.py evaluates
its own models, at float32 and after `torch.ao.quantization.quantize_dynamic`.

`quantize_dynamic(model, {nn.GRU}, dtype=torch.qint8)` replaces only the GRU (by
torch.ao.nn.quantized.dynamic.GRU), as GRUKit's --precision int8 quantizes only the recurrent
stack: the embedding and the head stay float32. Its default qconfig quantizes each weight
matrix with one symmetric int8 scale (per tensor, where GRUKit has one per output row) and
each input matrix with one affine uint8 scale and zero point per call.

The test data comes from data.py, as in pytorch_train.py, after checking that it is what the
model was trained on: the feature and target standardization that model.json holds (fitted by
GRUKit on the same training file), the class names, and for a language model GRUKit's
vocabulary (model.json's tokens, `<pad>` first; data.py's own vocabulary is sorted, GRUKit's
is by frequency, so the codes are GRUKit's).
"""

from __future__ import annotations

import json
import struct
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

import data
import pytorch_train

warnings.filterwarnings("ignore", module="torch.ao")  # quantize_dynamic's deprecation notice

# GRUKit's tensor names that pytorch_train.py's modules spell otherwise; the GRU's
# (gru.weight_ih_l0 ...) and the embedding's are the same.
RENAMES = {"head.weight": "linear.weight", "head.bias": "linear.bias"}
SAFETENSORS_TYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The named tensors of a safetensors file: an 8-byte little-endian header length, the
    JSON header (dtype, shape, data_offsets per name), then the raw little-endian data."""
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    body = raw[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in SAFETENSORS_TYPES:
            sys.exit(f"error: {path}: tensor {name} has dtype {entry['dtype']}, "
                     f"expected one of {list(SAFETENSORS_TYPES)}")
        start, end = entry["data_offsets"]
        values = np.frombuffer(body[start:end], dtype=np.dtype(SAFETENSORS_TYPES[entry["dtype"]]).newbyteorder("<"))
        tensors[name] = values.reshape(entry["shape"]).astype(SAFETENSORS_TYPES[entry["dtype"]])
    return tensors


def module(directory: Path) -> nn.Module:
    """pytorch_train.py's module for the model in `directory`, holding its trained weights."""
    manifest = json.loads((directory / "model.json").read_text())
    architecture = manifest["model"]
    expected = {"cell": "gru", "variant": "reset-after", "layers": 1, "bidirectional": False,
                "pooling": "lastState", "trainableInitialState": False}
    for key, value in expected.items():
        if architecture.get(key) != value:
            sys.exit(f"error: {directory}/model.json: model.{key} is {architecture.get(key)!r}; "
                     f"pytorch_train.py's modules need {value!r}")
    task, hidden = architecture["task"], architecture["hiddenSize"]
    if task == "classify":
        model = pytorch_train.Classifier(architecture["featureCount"], hidden, architecture["outputSize"], "gru")
    elif task == "forecast":
        model = pytorch_train.Forecaster(hidden, "gru")
    else:
        model = pytorch_train.CharacterModel(architecture["vocabularySize"], architecture["embeddingSize"],
                                             hidden, "gru")
    tensors = read_safetensors(directory / "weights.safetensors")
    # strict: every tensor of the file has a place in the module and every parameter a tensor.
    model.load_state_dict({RENAMES.get(name, name): torch.from_numpy(values) for name, values in tensors.items()},
                          strict=True)
    return model.eval()


def check_statistics(directory: Path, what: str, ours: np.ndarray, theirs: list[float]) -> None:
    """Stops when data.py's standardization is not the one model.json holds (float32)."""
    if not np.allclose(np.asarray(ours, dtype=np.float64), theirs, rtol=1e-5, atol=1e-6):
        sys.exit(f"error: {directory}/model.json: {what} {theirs} differ from data.py's {list(np.atleast_1d(ours))}")


def evaluator(directory: Path, config: dict[str, Any], train: Path,
              test: Path) -> Callable[[nn.Module], tuple[dict, np.ndarray]]:
    """The function that runs a module on the test file: its metrics and its outputs (class
    probabilities (N, C); forecasts in the data's unit (N,); next-character probabilities
    (steps, V + 1))."""
    schema = json.loads((directory / "model.json").read_text())["data"]
    task = config["task"]
    if task == "classify":
        train_set = data.load_ts(train)
        mean, std = data.fit_standardization(train_set)
        check_statistics(directory, "featureNormalization.means", mean, schema["featureNormalization"]["means"])
        check_statistics(directory, "featureNormalization.standardDeviations", std,
                         schema["featureNormalization"]["standardDeviations"])
        if schema["labels"]["names"] != train_set.class_names:
            sys.exit(f"error: {directory}/model.json: classes {schema['labels']['names']}, "
                     f"data.py's {train_set.class_names}")
        test_set = data.standardize(data.load_ts(test, train_set.class_names), mean, std)
        return lambda model: pytorch_train.evaluate_classify(model, test_set)
    if task == "forecast":
        sets = data.forecast_sets(train, test, config["window"], config.get("horizon", 1))
        for kind in ("featureNormalization", "targetNormalization"):
            check_statistics(directory, f"{kind}.means", sets.mean, schema[kind]["means"])
            check_statistics(directory, f"{kind}.standardDeviations", sets.std, schema[kind]["standardDeviations"])
        return lambda model: pytorch_train.evaluate_forecast(model, sets)
    tokens = schema["vocabulary"]["tokens"]
    if tokens[0] != "<pad>":
        sys.exit(f"error: {directory}/model.json: the first token is {tokens[0]!r}, expected '<pad>' (code 0)")
    # character_pieces codes vocabulary[i] as i + 1: GRUKit's tokens after <pad> keep their codes.
    pieces = data.character_pieces(test.read_text(), tokens[1:], config["sequence_length"], str(test))
    return lambda model: pytorch_train.evaluate_language_model(model, pieces, len(tokens) - 1)


def quantized(model: nn.Module) -> nn.Module:
    """`model` with its GRU replaced by PyTorch's dynamically quantized int8 GRU."""
    result = torch.ao.quantization.quantize_dynamic(model, {nn.GRU}, dtype=torch.qint8)
    assert type(result.gru).__module__.startswith("torch.ao.nn.quantized.dynamic"), type(result.gru)
    return result


def evaluate(directory: Path, config: dict[str, Any], train: Path, test: Path,
             threads: int) -> dict[str, tuple[dict, np.ndarray]]:
    """The metrics and outputs of the trained model in PyTorch: "float32", and "int8" after
    quantize_dynamic."""
    torch.set_num_threads(threads)
    run = evaluator(directory, config, train, test)
    model = module(directory)
    return {"float32": run(model), "int8": run(quantized(model))}
