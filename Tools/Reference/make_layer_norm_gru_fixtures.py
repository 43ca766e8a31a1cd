#!/usr/bin/env python3
"""Generate the layer-norm GRU reference fixtures in Tests/Fixtures/layer-norm-gru/.

The reference is Haste's LayerNormGRU (lmnt-com/haste, its PyTorch fallback
`LayerNormGRUScript`) written out in float64 PyTorch ops, in Haste's own
parameter layout: kernel (I, 3H) and recurrent_kernel (H, 3H) with gate blocks
z, r, n; bias and recurrent_bias (3H); gamma (2, 3H), no normalization shift:

    Wx = layer_norm(x @ kernel, weight=gamma[0]) + bias
    Rh = layer_norm(h @ recurrent_kernel, weight=gamma[1]) + recurrent_bias
    z = sigmoid(Wx_z + Rh_z); r = sigmoid(Wx_r + Rh_r)
    n = tanh(Wx_n + r * Rh_n); h' = z * h + (1 - z) * n

extended to GRUKit's stacks: L layers, two directions, and lengths with PyTorch
packed-sequence semantics (a row at t >= its length carries its state and
outputs zeros; the reverse direction starts at its last valid step). The tensors
are stored under GRUKit's names (weight_ih_l0, ..., layer_norm_gamma_l0), in
PyTorch's gate order r, z, n: the blocks are permuted here, so the fixtures
also pin that mapping. Gradients (`grad.*`) are autograd's, of the loss
sum(output * grad_output) + sum(final_state * grad_final_state).

Run from the repository root:  .venv/bin/python Tools/Reference/make_layer_norm_gru_fixtures.py
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import safetensors.numpy
import torch
import torch.nn.functional as F

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "layer-norm-gru"
GENERATOR = "Tools/Reference/make_layer_norm_gru_fixtures.py"
# Haste's z, r, n blocks in GRUKit's (PyTorch's) r, z, n order.
HASTE_BLOCKS_IN_GRUKIT_ORDER = [1, 0, 2]


@dataclass(frozen=True)
class Case:
    name: str
    num_layers: int
    bidirectional: bool
    bias: bool
    lengths: tuple[int, ...] | None
    steps: int = 5
    input_size: int = 3
    hidden_size: int = 4

    @property
    def batch(self) -> int:
        return len(self.lengths) if self.lengths else 2


CASES = [
    Case("stacked_bidirectional_lengths", 2, True, True, (5, 2, 4)),
    Case("single_forward", 1, False, True, None),
    Case("single_bidirectional_no_bias", 1, True, False, (3, 5)),
]


def haste_direction(x, h0, kernel, recurrent_kernel, bias, recurrent_bias, gamma, lengths, reverse):
    """One direction of one layer: (T, B, I) -> outputs (T, B, H) and the final state (B, H)."""
    steps, hidden = x.shape[0], h0.shape[1]
    wx = F.layer_norm(x @ kernel, (3 * hidden,), weight=gamma[0], eps=1e-5)
    if bias is not None:
        wx = wx + bias
    h = h0
    outputs = [None] * steps
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for t in order:
        rh = F.layer_norm(h @ recurrent_kernel, (3 * hidden,), weight=gamma[1], eps=1e-5)
        if recurrent_bias is not None:
            rh = rh + recurrent_bias
        vx, vh = torch.chunk(wx[t], 3, 1), torch.chunk(rh, 3, 1)
        z = torch.sigmoid(vx[0] + vh[0])
        r = torch.sigmoid(vx[1] + vh[1])
        n = torch.tanh(vx[2] + r * vh[2])
        candidate = z * h + (1 - z) * n
        valid = (t < lengths).unsqueeze(1)  # (B, 1)
        h = torch.where(valid, candidate, h)
        outputs[t] = torch.where(valid, h, torch.zeros_like(h))
    return torch.stack(outputs), h


def to_grukit_blocks(matrix_rows):
    """(3H, ...) in Haste's z, r, n blocks -> r, z, n."""
    blocks = torch.chunk(matrix_rows, 3, 0)
    return torch.cat([blocks[i] for i in HASTE_BLOCKS_IN_GRUKIT_ORDER], 0)


def from_grukit_blocks(matrix_rows):
    """The inverse of to_grukit_blocks (the permutation is its own inverse)."""
    return to_grukit_blocks(matrix_rows)


def make_case(case: Case) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    h, i, t, b = case.hidden_size, case.input_size, case.steps, case.batch
    directions = 2 if case.bidirectional else 1

    def draw(*shape, low=-0.6, high=0.6):
        return rng.uniform(low, high, size=shape)

    tensors: dict[str, np.ndarray] = {}
    # GRUKit-named parameters, r, z, n blocks.
    for layer in range(case.num_layers):
        layer_input = i if layer == 0 else directions * h
        for d in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
            tensors["weight_ih" + suffix] = draw(3 * h, layer_input)
            tensors["weight_hh" + suffix] = draw(3 * h, h)
            if case.bias:
                tensors["bias_ih" + suffix] = draw(3 * h)
                tensors["bias_hh" + suffix] = draw(3 * h)
            tensors["layer_norm_gamma" + suffix] = draw(2, 3 * h, low=0.5, high=1.5)
    data = {
        "input": draw(t, b, i, low=-1, high=1),
        "initial_state": draw(case.num_layers * directions, b, h, low=-0.8, high=0.8),
        "grad_output": draw(t, b, directions * h, low=-1, high=1),
        "grad_final_state": draw(case.num_layers * directions, b, h, low=-1, high=1),
    }
    lengths = torch.tensor(case.lengths if case.lengths else [t] * b)

    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in {**tensors, **data}.items()
              if not k.startswith("grad_")}
    x = leaves["input"]
    finals = []
    for layer in range(case.num_layers):
        outputs = []
        for d in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
            # Haste's layout: kernel (I, 3H) and recurrent_kernel (H, 3H), z, r, n blocks.
            kernel = from_grukit_blocks(leaves["weight_ih" + suffix]).T
            recurrent_kernel = from_grukit_blocks(leaves["weight_hh" + suffix]).T
            bias = from_grukit_blocks(leaves["bias_ih" + suffix]) if case.bias else None
            recurrent_bias = from_grukit_blocks(leaves["bias_hh" + suffix]) if case.bias else None
            gamma = from_grukit_blocks(leaves["layer_norm_gamma" + suffix].T).T
            out, final = haste_direction(
                x, leaves["initial_state"][layer * directions + d], kernel, recurrent_kernel, bias,
                recurrent_bias, gamma, lengths, reverse=d == 1)
            outputs.append(out)
            finals.append(final)
        x = torch.cat(outputs, 2)
    output, final_state = x, torch.stack(finals)
    loss = (output * torch.tensor(data["grad_output"])).sum() + (
        final_state * torch.tensor(data["grad_final_state"])).sum()
    loss.backward()

    result = {k: np.asarray(v, dtype=np.float32) for k, v in {**tensors, **data}.items()}
    if case.lengths:
        result["lengths"] = np.asarray(case.lengths, dtype=np.float32)
    result["output"] = output.detach().numpy().astype(np.float32)
    result["final_state"] = final_state.detach().numpy().astype(np.float32)
    for name, leaf in leaves.items():
        result["grad." + name] = leaf.grad.numpy().astype(np.float32)
    return result


def main() -> None:
    torch.use_deterministic_algorithms(True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in OUT_DIR.glob("*.safetensors"):
        old.unlink()
    for case in CASES:
        tensors = make_case(case)
        metadata = {
            "generator": GENERATOR,
            "num_layers": str(case.num_layers),
            "bidirectional": "true" if case.bidirectional else "false",
            "bias": "true" if case.bias else "false",
        }
        safetensors.numpy.save_file(tensors, str(OUT_DIR / f"{case.name}.safetensors"), metadata=metadata)
        print(f"wrote {case.name}.safetensors")


if __name__ == "__main__":
    main()
