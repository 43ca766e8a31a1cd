#!/usr/bin/env python3
"""Write the small example that README's quick start runs, into Examples/.

A 2-layer bidirectional reset-after GRU (I=8, H=16) with PyTorch's initialization
(uniform +-1/sqrt(H)), a batch of 4 noisy multi-frequency sine sequences of up to
24 steps with their lengths, and the output gradient of the loss mean(output).

Run from the repository root:  .venv/bin/python Tools/Reference/make_examples.py
"""

from pathlib import Path

import numpy as np
import safetensors.numpy

ROOT = Path(__file__).resolve().parents[2] / "Examples"
I, H, LAYERS, D, T, B = 8, 16, 2, 2, 24, 4

rng = np.random.default_rng(2026)
bound = 1 / np.sqrt(H)
weights = {}
for layer in range(LAYERS):
    layer_input = I if layer == 0 else D * H
    for suffix in ["", "_reverse"]:
        weights[f"weight_ih_l{layer}{suffix}"] = rng.uniform(-bound, bound, (3 * H, layer_input))
        weights[f"weight_hh_l{layer}{suffix}"] = rng.uniform(-bound, bound, (3 * H, H))
        weights[f"bias_ih_l{layer}{suffix}"] = rng.uniform(-bound, bound, (3 * H,))
        weights[f"bias_hh_l{layer}{suffix}"] = rng.uniform(-bound, bound, (3 * H,))
weights = {k: v.astype(np.float32) for k, v in weights.items()}
ROOT.mkdir(exist_ok=True)
safetensors.numpy.save_file(weights, ROOT / "weights.safetensors", metadata={"variant": "reset-after"})

time = np.arange(T)[:, None, None]
frequency = np.linspace(0.1, 0.8, I)[None, None, :]
phase = rng.uniform(0, np.pi, (1, B, 1))
inputs = np.sin(frequency * time + phase) + 0.1 * rng.standard_normal((T, B, I))
np.save(ROOT / "input.npy", inputs.astype(np.float32))
np.save(ROOT / "lengths.npy", np.array([24, 17, 9, 20], dtype=np.int64))
# d mean(output) / d output: every element of the (T, B, D*H) output weighs the same.
np.save(ROOT / "grad_output.npy", np.full((T, B, D * H), 1 / (T * B * D * H), dtype=np.float32))
print(f"wrote {sorted(p.name for p in ROOT.iterdir())}")
