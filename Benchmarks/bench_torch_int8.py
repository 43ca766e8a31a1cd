#!/usr/bin/env python3
"""PyTorch's dynamically quantized int8 GRU (torch.ao.nn.quantized.dynamic.GRU, what
torch.ao.quantization.quantize_dynamic puts in place of an nn.GRU submodule): int8
weights with per-tensor scales, activations quantized per call, on the CPU.
Forward and streaming only; the same cases and timing as bench_torch.py.

    .venv-bench/bin/python Benchmarks/bench_torch_int8.py --quick --cases S1,stream-H512
"""

from __future__ import annotations

import warnings

import harness
import torch
from bench_torch import Torch

warnings.filterwarnings("ignore")  # torch.ao.quantization's deprecation notices


class TorchDynamicInt8(Torch):
    name = "pytorch-int8"
    can_train = False

    def build(self, input_size: int, hidden_size: int, cell: str) -> torch.nn.RNNBase:
        if cell != harness.GRU:
            raise SystemExit("bench_torch_int8.py times the GRU only")
        # quantize_dynamic swaps submodules, not the module it is given: wrap it.
        wrapped = torch.nn.Sequential(torch.nn.GRU(input_size, hidden_size, num_layers=1))
        quantized = torch.ao.quantization.quantize_dynamic(wrapped, {torch.nn.GRU}, dtype=torch.qint8)
        module = quantized[0]
        assert type(module).__module__.startswith("torch.ao.nn.quantized.dynamic"), type(module)
        return module

    def inputs(self, model: torch.nn.RNNBase, batch: int, steps: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(0)
        return torch.rand(steps, batch, model.input_size, generator=generator) * 2 - 1  # (T, B, I)


if __name__ == "__main__":
    harness.main(TorchDynamicInt8, __file__)
