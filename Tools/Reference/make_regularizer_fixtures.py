#!/usr/bin/env python3
"""Generate the zoneout and weight-drop fixtures in Tests/Fixtures/regularizers/.

Each case is a stacked, bidirectional, length-aware reset-after GRU written out in PyTorch
(float64) around torch.nn.GRUCell, called through torch.func.functional_call so that its
recurrent weight can be the weight-dropped one, with the regularizers applied as GRUKit
documents them:

* zoneout (Krueger et al. 2016): per step, row and unit, h_t = m h_{t-1} + (1 - m) h~_t with
  h~_t the GRUCell's step and m a fixed 0/1 mask (`zoneout_mask`, (L*D, T, B, H) by time,
  index layer * D + direction); at inference m = p everywhere (the expectation);
* weight-drop (Merity et al. 2017): the cell runs on weight_hh * mask, the mask
  (`weight_drop_mask`, (L*D, 3H, H)) holding 0 or 1 / (1 - p), one per layer and direction;
* lengths (PyTorch packed-sequence semantics): rows past their length carry their state and
  output zeros; the reverse direction starts at its own last valid step.

Stored (PyTorch names, gate order r, z, n, time-major): the weights, input, initial state,
lengths, masks, output, final state, and autograd's gradients (`grad.*`) of
sum(output * grad_output) + sum(final_state * grad_final_state) with respect to the input,
the initial state and every raw weight. Metadata: zoneout, weight_drop, training ("true" for
given masks, "false" for zoneout's inference expectation), num_layers, bidirectional.

Run from the repository root:  .venv/bin/python Tools/Reference/make_regularizer_fixtures.py
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.func import functional_call

import json
import struct

import safetensors.numpy

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "regularizers"
STEPS, BATCH, INPUT, HIDDEN = 5, 3, 4, 6
LENGTHS = [5, 3, 2]
WEIGHT_RANGE = 0.6  # gates away from saturation, as in make_gru_fixtures.py


@dataclass
class Case:
    name: str
    layers: int
    bidirectional: bool
    zoneout: float
    weight_drop: float
    training: bool
    seed: int


CASES = [
    Case("zoneout_l2_bi", 2, True, 0.3, 0.0, True, 1),
    Case("zoneout_inference_l2_bi", 2, True, 0.3, 0.0, False, 2),
    Case("weight_drop_l2_bi", 2, True, 0.0, 0.4, True, 3),
    Case("both_l1_uni", 1, False, 0.25, 0.5, True, 4),
]


def run(case: Case):
    generator = torch.Generator().manual_seed(case.seed)
    directions = 2 if case.bidirectional else 1
    states = case.layers * directions

    def uniform(*shape, scale=WEIGHT_RANGE):
        return ((torch.rand(*shape, generator=generator, dtype=torch.float64) * 2 - 1) * scale).requires_grad_()

    weights = {}
    for layer in range(case.layers):
        size = INPUT if layer == 0 else directions * HIDDEN
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
            weights["weight_ih" + suffix] = uniform(3 * HIDDEN, size)
            weights["weight_hh" + suffix] = uniform(3 * HIDDEN, HIDDEN)
            weights["bias_ih" + suffix] = uniform(3 * HIDDEN)
            weights["bias_hh" + suffix] = uniform(3 * HIDDEN)
    x = uniform(STEPS, BATCH, INPUT, scale=1.0)
    h0 = uniform(states, BATCH, HIDDEN, scale=1.0)
    zoneout_mask = (torch.rand(states, STEPS, BATCH, HIDDEN, generator=generator) < case.zoneout).double()
    keep = torch.rand(states, 3 * HIDDEN, HIDDEN, generator=generator) >= case.weight_drop
    weight_drop_mask = keep.double() / (1 - case.weight_drop)
    grad_output = torch.rand(STEPS, BATCH, directions * HIDDEN, generator=generator, dtype=torch.float64) * 2 - 1
    grad_final = torch.rand(states, BATCH, HIDDEN, generator=generator, dtype=torch.float64) * 2 - 1

    cell = torch.nn.GRUCell(INPUT, HIDDEN).double()
    lengths = torch.tensor(LENGTHS)
    layer_input = x
    finals = []
    for layer in range(case.layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
            w_hh = weights["weight_hh" + suffix]
            if case.weight_drop > 0:
                w_hh = w_hh * weight_drop_mask[index]
            parameters = {
                "weight_ih": weights["weight_ih" + suffix], "weight_hh": w_hh,
                "bias_ih": weights["bias_ih" + suffix], "bias_hh": weights["bias_hh" + suffix],
            }
            h = h0[index]
            out = [None] * STEPS
            times = range(STEPS) if direction == 0 else reversed(range(STEPS))
            for t in times:
                candidate = functional_call(cell, parameters, (layer_input[t], h))
                m = zoneout_mask[index, t] if case.training else torch.full_like(h, case.zoneout)
                zoned = m * h + (1 - m) * candidate if case.zoneout > 0 else candidate
                valid = (t < lengths).unsqueeze(1)
                h = torch.where(valid, zoned, h)
                out[t] = torch.where(valid, h, torch.zeros_like(h))
            outputs.append(torch.stack(out))
            finals.append(h)
        layer_input = torch.cat(outputs, dim=2)
    output, final_state = layer_input, torch.stack(finals)
    loss = (output * grad_output).sum() + (final_state * grad_final).sum()
    names = list(weights)
    grads = torch.autograd.grad(loss, [x, h0] + [weights[n] for n in names])

    tensors = {name: w.detach().numpy() for name, w in weights.items()}
    tensors.update({
        "input": x.detach().numpy(), "initial_state": h0.detach().numpy(),
        "lengths": np.array(LENGTHS, dtype=np.float32),
        "output": output.detach().numpy(), "final_state": final_state.detach().numpy(),
        "grad_output": grad_output.numpy(), "grad_final_state": grad_final.numpy(),
        "grad.input": grads[0].numpy(), "grad.initial_state": grads[1].numpy(),
    })
    tensors.update({"grad." + n: g.numpy() for n, g in zip(names, grads[2:])})
    if case.zoneout > 0 and case.training:
        tensors["zoneout_mask"] = zoneout_mask.numpy()
    if case.weight_drop > 0:
        tensors["weight_drop_mask"] = weight_drop_mask.numpy()
    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    metadata = {
        "generator": "Tools/Reference/make_regularizer_fixtures.py", "variant": "reset-after",
        "zoneout": repr(case.zoneout), "weight_drop": repr(case.weight_drop),
        "training": "true" if case.training else "false",
        "num_layers": str(case.layers), "bidirectional": "true" if case.bidirectional else "false",
    }
    return serialize_reproducibly(tensors, metadata)


def serialize_reproducibly(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """safetensors bytes with the metadata keys sorted, the same every run.

    make_gru_fixtures.serialize_reproducibly, here because importing that script needs onnx.
    """
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
    for case in CASES:
        path = OUT_DIR / f"{case.name}.safetensors"
        path.write_bytes(run(case))
        print(f"wrote {path.relative_to(REPO_ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
