#!/usr/bin/env python3
"""PyTorch's torch.nn.GRU or torch.nn.LSTM (--cell) on the CPU: forward, training step
and streaming.

Time-major (T, B, I) inputs, one layer, float32, torch's default threads.
Forward runs under torch.inference_mode; a training step is forward, a sum loss
and backward with gradients of all weights and the input (no optimizer step).
Streaming calls the same module with T=1, feeding back its final state (h, or
the LSTM's (h, c)).

    .venv-bench/bin/python Benchmarks/bench_torch.py --quick [--cell lstm]
"""

from __future__ import annotations

import harness
import torch


class Torch:
    name = "pytorch"
    version = torch.__version__
    threads = harness.intra_op_threads(torch.get_num_threads())
    can_train = True

    def build(self, input_size: int, hidden_size: int, cell: str) -> torch.nn.RNNBase:
        module = torch.nn.LSTM if cell == harness.LSTM else torch.nn.GRU
        return module(input_size, hidden_size, num_layers=1)

    def inputs(self, model: torch.nn.RNNBase, batch: int, steps: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(0)
        x = torch.rand(steps, batch, model.input_size, generator=generator) * 2 - 1
        return x.requires_grad_(True)  # (T, B, I)

    def forward(self, model: torch.nn.RNNBase, x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            output, _ = model(x)
        return output

    def train_step(self, model: torch.nn.RNNBase, x: torch.Tensor) -> None:
        # Fresh gradients each step, as a training loop would zero them.
        model.zero_grad(set_to_none=True)
        x.grad = None
        output, _ = model(x)
        output.sum().backward()

    def streamer(self, model: torch.nn.RNNBase):
        x = torch.rand(1, 1, model.input_size) * 2 - 1  # (1, 1, I)
        state = torch.zeros(1, 1, model.hidden_size)  # (1, 1, H)
        if isinstance(model, torch.nn.LSTM):
            state = (state, torch.zeros(1, 1, model.hidden_size))  # (h, c)

        def run(steps: int) -> None:
            nonlocal state
            with torch.inference_mode():
                for _ in range(steps):
                    _, state = model(x, state)

        return run


if __name__ == "__main__":
    harness.main(Torch, __file__)
