#!/usr/bin/env python3
"""Generate the ONNX fixtures in Tests/Fixtures/onnx/.

Import fixtures (torch_*.onnx): torch.nn.GRU (batch_first=False) exported by the
TorchScript exporter (torch.onnx.export, dynamo=False, opset 14), which writes one
standard GRU node per layer. For each, torch_*.safetensors holds a fixed input,
initial state and onnxruntime's outputs on them (checked here against PyTorch
within 1e-5). ONNXGRUReferenceTests imports each .onnx with ONNXGRU and matches
onnxruntime's outputs with GRU.forward.

Export fixtures (gruKit_*.onnx): files GRUKit's ONNXGRU.model wrote (ONNXGRUTests
rewrites them when GRUKIT_WRITE_ONNX_FIXTURES=1 and otherwise checks it still
writes them byte for byte). This script runs onnx.checker (full_check) and
onnxruntime on each and stores onnxruntime's outputs on a fixed input, with and
without sequence lengths, in gruKit_*.safetensors, which GRU.forward must match.

Run from the repository root, after the Swift tests have written the gruKit files:
    .venv/bin/python Tools/Reference/make_onnx_fixtures.py
Versions used: torch 2.13.0+cpu, onnx 1.23.2, onnxruntime 1.32.0, numpy 2.4.6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import safetensors.numpy
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "onnx"
ATOL = 1e-5
INPUT_SIZE, HIDDEN_SIZE, STEPS, BATCH = 3, 4, 5, 2


def run_onnxruntime(path: Path, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def torch_case(name: str, num_layers: int, bidirectional: bool, with_initial_state: bool, seed: int) -> None:
    torch.manual_seed(seed)
    gru = torch.nn.GRU(INPUT_SIZE, HIDDEN_SIZE, num_layers=num_layers, bidirectional=bidirectional)
    with torch.no_grad():  # non-zero biases everywhere, so that a dropped bias shows
        for parameter in gru.parameters():
            parameter.uniform_(-0.6, 0.6)
    directions = 2 if bidirectional else 1
    x = torch.randn(STEPS, BATCH, INPUT_SIZE)
    h0 = torch.randn(num_layers * directions, BATCH, HIDDEN_SIZE) if with_initial_state else None
    path = OUT_DIR / f"{name}.onnx"
    args = (x, h0) if with_initial_state else (x,)
    input_names = ["input", "h0"] if with_initial_state else ["input"]
    dynamic_axes = {"input": {0: "T", 1: "B"}, "output": {0: "T", 1: "B"}, "h_n": {1: "B"}}
    if with_initial_state:
        dynamic_axes["h0"] = {1: "B"}
    torch.onnx.export(
        gru, args, str(path), input_names=input_names, output_names=["output", "h_n"],
        dynamic_axes=dynamic_axes, opset_version=14, dynamo=False)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert sum(node.op_type == "GRU" for node in model.graph.node) == num_layers, "expected one GRU node per layer"

    feeds = {"input": x.numpy()}
    if with_initial_state:
        feeds["h0"] = h0.numpy()
    output, final_state = run_onnxruntime(path, feeds)
    with torch.no_grad():
        expected_output, expected_final = gru(x, h0) if with_initial_state else gru(x)
    np.testing.assert_allclose(output, expected_output.numpy(), atol=ATOL, rtol=0)
    np.testing.assert_allclose(final_state, expected_final.numpy(), atol=ATOL, rtol=0)
    tensors = {"input": x.numpy(), "output": output, "final_state": final_state}
    if with_initial_state:
        tensors["initial_state"] = h0.numpy()
    safetensors.numpy.save_file(
        tensors, str(OUT_DIR / f"{name}.safetensors"),
        metadata={"source": f"onnxruntime {ort.__version__} on {name}.onnx (torch {torch.__version__})"})
    print(f"{name}: {num_layers} layer(s), {'bi' if bidirectional else 'uni'}directional")


def gru_kit_case(path: Path) -> None:
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    input_size = model.graph.input[0].type.tensor_type.shape.dim[2].dim_value
    takes_lengths = any(value.name == "sequence_lens" for value in model.graph.input)
    rng = np.random.default_rng(17)
    x = rng.standard_normal((STEPS, BATCH, input_size)).astype(np.float32)
    feeds = {"input": x}
    tensors = {"input": x}
    if takes_lengths:
        lengths = np.array([STEPS, STEPS - 2], dtype=np.int32)
        feeds["sequence_lens"] = lengths
        tensors["lengths"] = lengths.astype(np.float32)
    output, final_state = run_onnxruntime(path, feeds)
    tensors.update({"output": output, "final_state": final_state})
    safetensors.numpy.save_file(
        tensors, str(path.with_suffix(".safetensors")),
        metadata={"source": f"onnxruntime {ort.__version__} on {path.name}; onnx.checker full_check passed"})
    print(f"{path.name}: checker passed, onnxruntime output {output.shape}")


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    torch_case("torch_l1_uni_h0", 1, False, True, seed=1)
    torch_case("torch_l1_uni_noh0", 1, False, False, seed=2)
    torch_case("torch_l2_bi_h0", 2, True, True, seed=3)
    for path in sorted(OUT_DIR.glob("gruKit_*.onnx")):
        gru_kit_case(path)


if __name__ == "__main__":
    main()
