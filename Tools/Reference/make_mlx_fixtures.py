"""Makes Tests/Fixtures/mlx with the real MLX: one mlx.nn.GRU with fixed weights and its outputs.

    python3 -m venv .venv && .venv/bin/pip install "mlx[cpu]==0.32.4" numpy
    .venv/bin/python Tools/Reference/make_mlx_fixtures.py

Writes
  gru.safetensors  the GRU's parameters under MLX's own names (Wx, Wh, b, bhn), saved by
                   mx.save_safetensors from the module's parameters;
  io.safetensors   input (N, L, I), initial_state (N, H), and mlx.nn.GRU's outputs (N, L, H):
                   output_no_state (hidden=None), output_zero_state (hidden=zeros) and
                   output_initial_state (hidden=initial_state), with the mlx version in the
                   metadata.
MLXGRUReferenceTests loads gru.safetensors through MLXGRUNames and matches all three.
"""

import pathlib

import mlx.core as mx
import mlx.nn as nn
import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "mlx"
INPUT, HIDDEN, BATCH, STEPS = 3, 4, 2, 5


def main():
    rng = np.random.default_rng(17)
    gru = nn.GRU(INPUT, HIDDEN)
    # Fixed weights, not MLX's random initialization, so the fixture does not depend on its RNG.
    # The biases are large enough that skipping r * bhn on the first step would show.
    gru.update(
        {
            "Wx": mx.array(rng.uniform(-0.6, 0.6, (3 * HIDDEN, INPUT)).astype(np.float32)),
            "Wh": mx.array(rng.uniform(-0.6, 0.6, (3 * HIDDEN, HIDDEN)).astype(np.float32)),
            "b": mx.array(rng.uniform(-0.8, 0.8, (3 * HIDDEN,)).astype(np.float32)),
            "bhn": mx.array(rng.uniform(-0.8, 0.8, (HIDDEN,)).astype(np.float32)),
        }
    )
    x = mx.array(rng.uniform(-1, 1, (BATCH, STEPS, INPUT)).astype(np.float32))
    h0 = mx.array(rng.uniform(-0.5, 0.5, (BATCH, HIDDEN)).astype(np.float32))

    OUT.mkdir(parents=True, exist_ok=True)
    weights = dict(nn.utils.tree_flatten(gru.parameters()))
    assert sorted(weights) == ["Wh", "Wx", "b", "bhn"], sorted(weights)
    mx.save_safetensors(str(OUT / "gru.safetensors"), weights)
    io = {
        "input": x,
        "initial_state": h0,
        "output_no_state": gru(x),
        "output_zero_state": gru(x, mx.zeros((BATCH, HIDDEN))),
        "output_initial_state": gru(x, h0),
    }
    mx.eval(io)
    mx.save_safetensors(str(OUT / "io.safetensors"), io, metadata={"mlx": mx.__version__})
    gap = np.abs(np.array(io["output_no_state"]) - np.array(io["output_zero_state"])).max()
    print(f"mlx {mx.__version__}: wrote {OUT}; |no state - zero state| max {gap:.3g}")


if __name__ == "__main__":
    main()
