#!/usr/bin/env python3
"""Generate the whole-model ONNX import fixtures in Tests/Fixtures/onnx-import/.

Each case is a small PyTorch module, an nn.GRU (1 to 3 layers, uni- or bidirectional,
batch_first True or False) with or without an nn.Linear head, exported by the TorchScript
exporter (torch.onnx.export, dynamo=False, opset 14) with dynamic batch and time axes:

- tagger_*: the head on every step of the GRU's output;
- classifier_*: the head on the last layer's final state h_n[-1] (h_n.squeeze(0) for
  one layer), or the concatenation cat(h_n[-2], h_n[-1]) of its two directions, or the
  last step y[:, -1] of a unidirectional GRU;
- *_lengths_*: pack_padded_sequence before the GRU and pad_packed_sequence after it; the
  exporter passes the lengths to every GRU node as sequence_lens (cast to int32), and with
  enforce_sorted=False sorts the batch by length before the GRU (TopK, Gather) and unsorts
  the output after it (ScatterElements, Gather). The exporter refuses h_n of a packed GRU in
  torch 2.13 ("vector::_M_range_check"), so classifiers with lengths are not covered;
- unsupported_*: graphs GRUKit must refuse (a bare GRU, a Tanh between the GRU and the head).

For each, NAME.safetensors holds the fixed input (`input`, in the module's own layout),
`lengths` (as float32) where the module takes them, and PyTorch's `output`, which
onnxruntime's output on the exported file matches within 1e-5 (checked here). Padded steps
of a tagger with lengths are zero in PyTorch's padded output and are not compared.
ONNXTorchGraphImportReferenceTests imports each file and matches `output` with
SequenceModel.forward.

Run from the repository root with torch, onnx, onnxruntime and safetensors in .venv:
    .venv/bin/python Tools/Reference/make_onnx_import_fixtures.py
Versions used: torch 2.13.0+cpu, onnx 1.23.2, onnxruntime 1.32.0, numpy (the venv's).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import safetensors.numpy
import torch
from torch import nn

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "onnx-import"
ATOL = 1e-5
INPUT_SIZE, HIDDEN_SIZE, CLASSES, STEPS, BATCH = 3, 4, 5, 6, 3
LENGTHS_SORTED = [6, 4, 2]
LENGTHS_UNSORTED = [3, 6, 5]


class Tagger(nn.Module):
    """The head on every step; with lengths, packed before the GRU and padded after it."""

    def __init__(self, layers: int, bidirectional: bool, batch_first: bool, enforce_sorted: bool | None = None):
        super().__init__()
        self.gru = nn.GRU(INPUT_SIZE, HIDDEN_SIZE, num_layers=layers, bidirectional=bidirectional,
                          batch_first=batch_first)
        self.head = nn.Linear(HIDDEN_SIZE * (2 if bidirectional else 1), CLASSES)
        self.batch_first = batch_first
        self.enforce_sorted = enforce_sorted

    def forward(self, x, lengths=None):
        if lengths is None:
            y, _ = self.gru(x)
        else:
            packed = nn.utils.rnn.pack_padded_sequence(
                x, lengths, batch_first=self.batch_first, enforce_sorted=self.enforce_sorted)
            y, _ = self.gru(packed)
            y, _ = nn.utils.rnn.pad_packed_sequence(y, batch_first=self.batch_first, total_length=STEPS)
        return self.head(y)


class Classifier(nn.Module):
    """The head on the last layer's final state (both directions), or on the last step."""

    def __init__(self, layers: int, bidirectional: bool, batch_first: bool, reads: str = "h_n",
                 activation: bool = False):
        super().__init__()
        self.gru = nn.GRU(INPUT_SIZE, HIDDEN_SIZE, num_layers=layers, bidirectional=bidirectional,
                          batch_first=batch_first)
        self.head = nn.Linear(HIDDEN_SIZE * (2 if bidirectional else 1), CLASSES)
        self.bidirectional, self.batch_first, self.reads, self.activation = (
            bidirectional, batch_first, reads, activation)

    def forward(self, x):
        y, h_n = self.gru(x)
        if self.reads == "last_step":
            summary = y[:, -1] if self.batch_first else y[-1]
        elif self.reads == "squeeze":
            summary = h_n.squeeze(0)
        elif self.bidirectional:
            summary = torch.cat([h_n[-2], h_n[-1]], dim=1)
        else:
            summary = h_n[-1]
        if self.activation:
            summary = torch.tanh(summary)
        return self.head(summary)


def randomized(module: nn.Module, seed: int) -> nn.Module:
    """Non-zero biases everywhere, so that a dropped bias shows; eval mode."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.uniform_(-0.6, 0.6)
    return module.eval()


def export(name: str, module: nn.Module, batch_first: bool, lengths: list[int] | None, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed + 1000)
    shape = (BATCH, STEPS, INPUT_SIZE) if batch_first else (STEPS, BATCH, INPUT_SIZE)
    x = torch.randn(*shape, generator=generator)
    sequence_axes = {0: "B", 1: "T"} if batch_first else {0: "T", 1: "B"}
    input_names, args = ["input"], (x,)
    dynamic_axes = {"input": sequence_axes}
    if lengths is not None:
        length_tensor = torch.tensor(lengths, dtype=torch.int64)
        input_names.append("lengths")
        args = (x, length_tensor)
        dynamic_axes["lengths"] = {0: "B"}
        # Padded steps hold values too, so that reading them would show.
    outputs = ["output"]
    with torch.no_grad():
        expected = module(*args)
    dynamic_axes["output"] = sequence_axes if expected.dim() == 3 else {0: "B"}
    path = OUT_DIR / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=outputs,
                          dynamic_axes=dynamic_axes, opset_version=14, dynamo=False)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {"input": x.numpy()}
    if lengths is not None:
        feeds["lengths"] = np.array(lengths, dtype=np.int64)
    (output,) = session.run(None, feeds)
    reference = expected.numpy()
    if lengths is not None and reference.ndim == 3:
        mask = np.zeros(reference.shape[:2], dtype=bool)
        for b, length in enumerate(lengths):
            if batch_first:
                mask[b, :length] = True
            else:
                mask[:length, b] = True
        np.testing.assert_allclose(output[mask], reference[mask], atol=ATOL, rtol=0)
    else:
        np.testing.assert_allclose(output, reference, atol=ATOL, rtol=0)

    tensors = {"input": x.numpy(), "output": reference}
    if lengths is not None:
        tensors["lengths"] = np.array(lengths, dtype=np.float32)
    safetensors.numpy.save_file(
        tensors, str(OUT_DIR / f"{name}.safetensors"),
        metadata={"source": f"torch {torch.__version__}; onnxruntime {ort.__version__} agrees within {ATOL}",
                  "batch_first": str(batch_first)})
    ops = sorted({node.op_type for node in model.graph.node})
    print(f"{name}: {path.stat().st_size} bytes, ops {', '.join(ops)}")


def export_unsupported(name: str, module: nn.Module, batch_first: bool, seed: int) -> None:
    shape = (BATCH, STEPS, INPUT_SIZE) if batch_first else (STEPS, BATCH, INPUT_SIZE)
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
    path = OUT_DIR / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), str(path), input_names=["input"], opset_version=14, dynamo=False,
                          dynamic_axes={"input": {0: "B", 1: "T"} if batch_first else {0: "T", 1: "B"}})
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    print(f"{name}: {path.stat().st_size} bytes (GRUKit refuses it)")


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    cases = [
        ("tagger_l1_uni_batchfirst", Tagger(1, False, True), True, None),
        ("tagger_l2_bi_timemajor", Tagger(2, True, False), False, None),
        ("tagger_l3_uni_timemajor", Tagger(3, False, False), False, None),
        ("tagger_l1_bi_batchfirst_lengths_sorted", Tagger(1, True, True, enforce_sorted=True), True,
         LENGTHS_SORTED),
        ("tagger_l2_uni_timemajor_lengths_unsorted", Tagger(2, False, False, enforce_sorted=False), False,
         LENGTHS_UNSORTED),
        ("tagger_l2_bi_batchfirst_lengths_unsorted", Tagger(2, True, True, enforce_sorted=False), True,
         LENGTHS_UNSORTED),
        ("classifier_l1_uni_batchfirst", Classifier(1, False, True), True, None),
        ("classifier_l2_bi_timemajor", Classifier(2, True, False), False, None),
        ("classifier_l3_bi_batchfirst", Classifier(3, True, True), True, None),
        ("classifier_l2_uni_batchfirst_laststep", Classifier(2, False, True, reads="last_step"), True, None),
        ("classifier_l1_uni_timemajor_laststep", Classifier(1, False, False, reads="last_step"), False, None),
        ("classifier_l1_uni_timemajor_squeeze", Classifier(1, False, False, reads="squeeze"), False, None),
    ]
    for seed, (name, module, batch_first, lengths) in enumerate(cases, start=1):
        export(name, randomized(module, seed), batch_first, lengths, seed)
    export_unsupported("unsupported_bare_gru", randomized(nn.GRU(INPUT_SIZE, HIDDEN_SIZE), 50), False, 50)
    export_unsupported("unsupported_tanh_before_head",
                       randomized(Classifier(1, False, True, activation=True), 51), True, 51)
    export_unsupported("unsupported_bidirectional_laststep",
                       randomized(Classifier(1, True, True, reads="last_step"), 52), True, 52)


if __name__ == "__main__":
    main()
