#!/usr/bin/env python3
"""Generate the plain RNN reference fixtures in Tests/Fixtures/rnn/.

Each case becomes one safetensors file holding torch.nn.RNN's weights (float32, under
PyTorch's state_dict names), the inputs, the forward result and autograd's gradients of
the loss L = sum(output * grad_output) + sum(h_n * grad_final_state) with respect to every
weight, the input and the initial state (`grad.<name>`). The reference runs in float64 on
the stored float32 values; lengths go through pack_padded_sequence, so outputs past a
sequence's end are zero and h_n is the state at its last valid step.

Without an initial state the gradient is taken at an explicit zero h0, which torch.nn.RNN
treats the same as none.

Run from the repository root:  .venv/bin/python Tools/Reference/make_rnn_fixtures.py
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import safetensors.numpy
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "rnn"
GENERATOR = "Tools/Reference/make_rnn_fixtures.py"
STEPS, BATCH, INPUT, HIDDEN = 4, 3, 3, 5


@dataclass(frozen=True)
class Case:
    nonlinearity: str
    layers: int
    bidirectional: bool
    batch_first: bool
    initial_state: bool
    lengths: tuple[int, ...] | None
    bias: bool

    @property
    def name(self) -> str:
        return "_".join([
            self.nonlinearity, f"l{self.layers}", "bi" if self.bidirectional else "uni",
            "bf" if self.batch_first else "tm", "h0" if self.initial_state else "noh0",
            "len" if self.lengths else "full", "bias" if self.bias else "nobias",
        ])

    def metadata(self) -> dict[str, str]:
        return {
            "generator": GENERATOR,
            "nonlinearity": self.nonlinearity,
            "num_layers": str(self.layers),
            "bidirectional": str(self.bidirectional).lower(),
            "batch_first": str(self.batch_first).lower(),
            "bias": str(self.bias).lower(),
            "torch": torch.__version__,
        }


CASES = [
    Case("tanh", 1, False, False, True, (4, 2, 3), True),
    Case("relu", 2, True, True, True, (3, 4, 1), True),
    Case("tanh", 2, True, False, False, None, False),
    Case("relu", 1, False, True, False, (2, 4, 3), False),
    Case("tanh", 1, True, True, True, None, True),
    Case("relu", 2, False, False, True, None, True),
    Case("tanh", 2, True, True, True, (1, 3, 4), True),
]


def build_fixture(case: Case, seed: int) -> dict[str, np.ndarray]:
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(
        INPUT, HIDDEN, num_layers=case.layers, nonlinearity=case.nonlinearity, bias=case.bias,
        batch_first=case.batch_first, bidirectional=case.bidirectional)
    with torch.no_grad():
        for name, parameter in rnn.named_parameters():
            # Biases well away from zero, so that a missing or doubled bias shows.
            parameter.uniform_(-0.6, 0.6)
    weights = {name: p.detach().float().numpy().copy() for name, p in rnn.named_parameters()}
    rnn = rnn.double()

    directions = 2 if case.bidirectional else 1
    shape = (BATCH, STEPS, INPUT) if case.batch_first else (STEPS, BATCH, INPUT)
    x32 = (torch.rand(shape) * 2 - 1).float()
    h32 = (torch.rand(case.layers * directions, BATCH, HIDDEN) * 2 - 1).float()
    if not case.initial_state:
        h32 = torch.zeros_like(h32)
    out_width = directions * HIDDEN
    out_shape = (BATCH, STEPS, out_width) if case.batch_first else (STEPS, BATCH, out_width)
    grad_output = (torch.rand(out_shape) * 2 - 1).float()
    grad_final = (torch.rand(h32.shape) * 2 - 1).float()

    x = x32.double().requires_grad_(True)
    h0 = h32.double().requires_grad_(True)
    if case.lengths:
        packed = pack_padded_sequence(
            x, torch.tensor(case.lengths), batch_first=case.batch_first, enforce_sorted=False)
        packed_out, hn = rnn(packed, h0)
        output, _ = pad_packed_sequence(packed_out, batch_first=case.batch_first, total_length=STEPS)
    else:
        output, hn = rnn(x, h0)
    loss = (output * grad_output.double()).sum() + (hn * grad_final.double()).sum()
    loss.backward()

    tensors = dict(weights)
    tensors["input"] = x32.numpy()
    if case.initial_state:
        tensors["initial_state"] = h32.numpy()
    if case.lengths:
        tensors["lengths"] = np.array(case.lengths, dtype=np.float32)
    tensors["output"] = output.detach().numpy()
    tensors["final_state"] = hn.detach().numpy()
    tensors["grad_output"] = grad_output.numpy()
    tensors["grad_final_state"] = grad_final.numpy()
    for name, parameter in rnn.named_parameters():
        tensors[f"grad.{name}"] = parameter.grad.numpy()
    tensors["grad.input"] = x.grad.numpy()
    tensors["grad.initial_state"] = h0.grad.numpy()
    return {key: np.ascontiguousarray(value, dtype=np.float32) for key, value in tensors.items()}


def serialize_reproducibly(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """safetensors bytes with the metadata keys sorted, so that reruns rewrite nothing."""
    blob = safetensors.numpy.save(tensors, metadata=metadata)
    (header_length,) = struct.unpack("<Q", blob[:8])
    header_bytes = blob[8:8 + header_length]
    json_text = header_bytes.rstrip(b" ")
    header = json.loads(json_text)
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    canonical = json.dumps(header, separators=(",", ":")).encode()
    assert len(canonical) == len(json_text), "header changed length"
    return blob[:8] + canonical + header_bytes[len(canonical):] + blob[8 + header_length:]


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for stale in OUT_DIR.glob("*.safetensors"):
        stale.unlink()
    for index, case in enumerate(CASES):
        path = OUT_DIR / f"{case.name}.safetensors"
        path.write_bytes(serialize_reproducibly(build_fixture(case, seed=100 + index), case.metadata()))
    total = sum(path.stat().st_size for path in OUT_DIR.glob("*.safetensors"))
    print(f"wrote {len(CASES)} fixtures ({total / 1024:.0f} KiB) to {OUT_DIR.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
