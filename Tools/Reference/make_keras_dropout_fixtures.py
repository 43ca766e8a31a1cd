#!/usr/bin/env python3
"""Generate the recurrent-dropout fixtures in Tests/Fixtures/keras-recurrent-dropout/.

GRUKit's recurrent dropout claims Keras's `recurrent_dropout`: one (B, H) mask per
sequence, layer and direction, the same at every step; the recurrent products see
h * mask, the update z * h + (1 - z) * n sees h itself. Each case here runs Keras 3's
own GRUCell (float64, JAX backend, training=True) with a FIXED mask injected through
`get_recurrent_dropout_mask`, and stores, in the layout of Tests/Fixtures/gru (PyTorch
names, gate order r, z, n, time-major):

* the weights, input, initial state, the masks (`recurrent_mask`, (L*D, B, H), index
  layer * D + direction), the output and final state;
* the gradients (`grad.*`) of sum(output * grad_output) + sum(final_state * grad_final_state)
  with respect to the input, the initial state and every weight, by jax.grad through Keras.

Keras itself draws three independent masks, one per gate (its GRUCell sets
dropout_mask_count = 3 when recurrent_dropout > 0); GRUKit draws one for all three, so the
injected mask is the same for z, r and h. Keras's reset-before GRU (reset_after=False)
has one bias, the input bias; its GRUKit twin has bias_hh = 0, and since b_hh enters every
pre-activation beside b_ih there (n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)), the
gradient of bias_hh is that of bias_ih.

Stacked and bidirectional cases are composed of one Keras RNN per layer and direction
(go_backwards for the reverse one), so each direction gets its own mask; no dropout
between layers. Before writing, every case is checked against a hand-written float64 numpy
GRU that applies the mask as GRUKit documents, which also checks the gate reordering.

Run from the repository root:  .venv/bin/python Tools/Reference/make_keras_dropout_fixtures.py
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from make_gru_fixtures import serialize_reproducibly  # noqa: E402

keras.config.set_floatx("float64")

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "keras-recurrent-dropout"
GENERATOR = "Tools/Reference/make_keras_dropout_fixtures.py"

RATE = 0.4  # the masks hold 0 or 1 / (1 - RATE)
WEIGHT_RANGE = 0.6  # gates away from saturation, as in make_gru_fixtures.py
# XLA's CPU tanh is accurate to about 3e-8 even in float64, so Keras on JAX and numpy agree to
# about 1e-7 after two layers; the Swift tests' tolerance (1e-5) is far wider.
SELF_CHECK_ATOL = 1e-6


@dataclass(frozen=True)
class Case:
    reset_after: bool
    num_layers: int
    bidirectional: bool
    input_size: int = 3
    hidden_size: int = 5
    sequence_length: int = 4
    batch_size: int = 3

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def name(self) -> str:
        return "_".join(["ra" if self.reset_after else "rb", f"l{self.num_layers}", "bi" if self.bidirectional else "uni"])

    def layer_input_size(self, layer: int) -> int:
        return self.input_size if layer == 0 else self.directions * self.hidden_size


CASES = [Case(reset_after, layers, bi) for reset_after in (True, False) for layers, bi in ((1, False), (2, True))]


# MARK: - Layout: PyTorch (3H, ...) rows r, z, n <-> Keras (..., 3H) columns z, r, h


def keras_from_pytorch(rows: np.ndarray) -> np.ndarray:
    r, z, n = np.split(rows, 3, axis=0)
    return np.concatenate([z, r, n], axis=0).T


def pytorch_from_keras(columns: np.ndarray) -> np.ndarray:
    z, r, h = np.split(columns, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1).T


# MARK: - Keras


class FixedMaskGRUCell(keras.layers.GRUCell):
    """Keras's GRUCell whose recurrent dropout mask is the given (B, H) array, for all three gates."""

    def __init__(self, units: int, mask: np.ndarray, **kwargs) -> None:
        # A non-zero rate turns the masked code path on (and Keras's implementation 1).
        super().__init__(units, recurrent_dropout=RATE, **kwargs)
        self.fixed_mask = mask

    def get_recurrent_dropout_mask(self, step_input):
        return [self.fixed_mask] * 3


def keras_weights(case: Case, weights: dict[str, np.ndarray], layer: int, suffix: str) -> list[np.ndarray]:
    """kernel (I, 3H), recurrent_kernel (H, 3H), bias: (2, 3H) reset-after, (3H) reset-before."""
    kernel = keras_from_pytorch(weights[f"weight_ih_l{layer}{suffix}"])
    recurrent = keras_from_pytorch(weights[f"weight_hh_l{layer}{suffix}"])
    input_bias = keras_from_pytorch(weights[f"bias_ih_l{layer}{suffix}"][:, None])[0]
    if case.reset_after:
        recurrent_bias = keras_from_pytorch(weights[f"bias_hh_l{layer}{suffix}"][:, None])[0]
        return [kernel, recurrent, np.stack([input_bias, recurrent_bias])]
    return [kernel, recurrent, input_bias]


def keras_run(case: Case, weights: dict, data: dict) -> tuple[dict, dict]:
    """Forward and jax.grad through Keras; returns (output, final_state) and the gradients, PyTorch names."""
    suffixes = ["", "_reverse"][: case.directions]
    rnns, variables = {}, {}
    for layer in range(case.num_layers):
        for direction, suffix in enumerate(suffixes):
            index = layer * case.directions + direction
            cell = FixedMaskGRUCell(case.hidden_size, data["recurrent_mask"][index], reset_after=case.reset_after)
            rnn = keras.layers.RNN(cell, return_sequences=True, return_state=True, go_backwards=direction == 1)
            rnn.build((case.batch_size, case.sequence_length, case.layer_input_size(layer)))
            paths = [v.path.split("/")[-1] for v in rnn.trainable_variables]
            assert paths == ["kernel", "recurrent_kernel", "bias"], paths
            rnns[(layer, suffix)] = rnn
            variables[(layer, suffix)] = keras_weights(case, weights, layer, suffix)

    def forward(x, h0, variables):
        layer_input = jax.numpy.transpose(x, (1, 0, 2))  # Keras is batch-first
        finals = []
        for layer in range(case.num_layers):
            outputs = []
            for direction, suffix in enumerate(suffixes):
                index = layer * case.directions + direction
                rnn = rnns[(layer, suffix)]
                # The one non-trainable variable is the dropout seed generator's state, unused here.
                (sequence, final), _ = rnn.stateless_call(
                    variables[(layer, suffix)], [v.value for v in rnn.non_trainable_variables], layer_input,
                    initial_state=[h0[index]], training=True)
                outputs.append(sequence[:, ::-1] if direction == 1 else sequence)  # go_backwards runs reversed
                finals.append(final)
            layer_input = jax.numpy.concatenate(outputs, axis=-1)
        return jax.numpy.transpose(layer_input, (1, 0, 2)), jax.numpy.stack(finals)

    def objective(x, h0, variables):
        output, final = forward(x, h0, variables)
        return jax.numpy.sum(output * data["grad_output"]) + jax.numpy.sum(final * data["grad_final_state"])

    output, final = forward(data["input"], data["initial_state"], variables)
    grad_x, grad_h0, grad_variables = jax.grad(objective, argnums=(0, 1, 2))(
        data["input"], data["initial_state"], variables)
    gradients = {"input": np.asarray(grad_x), "initial_state": np.asarray(grad_h0)}
    for (layer, suffix), (kernel, recurrent, bias) in grad_variables.items():
        kernel, recurrent, bias = np.asarray(kernel), np.asarray(recurrent), np.asarray(bias)
        gradients[f"weight_ih_l{layer}{suffix}"] = pytorch_from_keras(kernel)
        gradients[f"weight_hh_l{layer}{suffix}"] = pytorch_from_keras(recurrent)
        input_bias = bias[0] if case.reset_after else bias
        gradients[f"bias_ih_l{layer}{suffix}"] = pytorch_from_keras(input_bias[None, :])[:, 0]
        # Reset-before: GRUKit's b_hh sits beside b_ih in every pre-activation, so shares its gradient.
        recurrent_bias = bias[1] if case.reset_after else bias
        gradients[f"bias_hh_l{layer}{suffix}"] = pytorch_from_keras(recurrent_bias[None, :])[:, 0]
    return {"output": np.asarray(output), "final_state": np.asarray(final)}, gradients


# MARK: - The hand-written check


def numpy_forward(case: Case, weights: dict, data: dict) -> dict:
    """GRUKit's documented recurrence: products see h * mask, the update sees h."""
    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    h_size, suffixes = case.hidden_size, ["", "_reverse"][: case.directions]
    layer_input, finals = data["input"], []
    for layer in range(case.num_layers):
        outputs = []
        for direction, suffix in enumerate(suffixes):
            index = layer * case.directions + direction
            w_ih, w_hh = weights[f"weight_ih_l{layer}{suffix}"], weights[f"weight_hh_l{layer}{suffix}"]
            b_ih, b_hh = weights[f"bias_ih_l{layer}{suffix}"], weights[f"bias_hh_l{layer}{suffix}"]
            mask, h = data["recurrent_mask"][index], data["initial_state"][index]
            output = np.zeros((case.sequence_length, case.batch_size, h_size))
            steps = range(case.sequence_length) if direction == 0 else reversed(range(case.sequence_length))
            for t in steps:
                gi = layer_input[t] @ w_ih.T + b_ih
                seen = h * mask
                gh = seen @ w_hh[: 2 * h_size].T + b_hh[: 2 * h_size]
                r = sigmoid(gi[:, :h_size] + gh[:, :h_size])
                z = sigmoid(gi[:, h_size:2 * h_size] + gh[:, h_size:])
                if case.reset_after:
                    n = np.tanh(gi[:, 2 * h_size:] + r * (seen @ w_hh[2 * h_size:].T + b_hh[2 * h_size:]))
                else:
                    n = np.tanh(gi[:, 2 * h_size:] + (r * seen) @ w_hh[2 * h_size:].T + b_hh[2 * h_size:])
                h = (1 - z) * n + z * h
                output[t] = h
            outputs.append(output)
            finals.append(h)
        layer_input = np.concatenate(outputs, axis=-1)
    return {"output": layer_input, "final_state": np.stack(finals)}


# MARK: - Writing


def draw_case(case: Case) -> tuple[dict, dict]:
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    h = case.hidden_size

    def uniform(shape, bound):
        # float32 values, kept in float64 for the computation
        return rng.uniform(-bound, bound, size=shape).astype(np.float32).astype(np.float64)

    weights = {}
    for layer in range(case.num_layers):
        for suffix in ["", "_reverse"][: case.directions]:
            weights[f"weight_ih_l{layer}{suffix}"] = uniform((3 * h, case.layer_input_size(layer)), WEIGHT_RANGE)
            weights[f"weight_hh_l{layer}{suffix}"] = uniform((3 * h, h), WEIGHT_RANGE)
            weights[f"bias_ih_l{layer}{suffix}"] = uniform((3 * h,), WEIGHT_RANGE)
            # Keras's reset-before GRU has no recurrent bias: its twin's is zero.
            weights[f"bias_hh_l{layer}{suffix}"] = uniform((3 * h,), WEIGHT_RANGE) if case.reset_after else np.zeros(3 * h)
    states = case.num_layers * case.directions
    kept = rng.uniform(size=(states, case.batch_size, h)) >= RATE
    # Every mask drops some units and keeps some, or a mix-up of masks could pass unnoticed.
    assert all(0 < k.sum() < k.size for k in kept), "redraw: a mask keeps all or nothing"
    data = {
        "input": uniform((case.sequence_length, case.batch_size, case.input_size), 1.0),
        "initial_state": uniform((states, case.batch_size, h), 0.8),
        "recurrent_mask": kept / (1 - np.float32(RATE)).astype(np.float64),
        "grad_output": uniform((case.sequence_length, case.batch_size, case.directions * h), 1.0),
        "grad_final_state": uniform((states, case.batch_size, h), 1.0),
    }
    data["recurrent_mask"] = data["recurrent_mask"].astype(np.float32).astype(np.float64)
    return weights, data


def build(case: Case) -> bytes:
    weights, data = draw_case(case)
    result, gradients = keras_run(case, weights, data)
    check = numpy_forward(case, weights, data)
    for key in result:
        difference = np.max(np.abs(result[key] - check[key]))
        assert difference < SELF_CHECK_ATOL, f"{case.name} {key}: Keras and the numpy GRU differ by {difference}"
    tensors = {**weights, **{k: v for k, v in data.items()}, **result}
    tensors.update({f"grad.{name}": value for name, value in gradients.items()})
    tensors = {name: np.ascontiguousarray(value.astype(np.float32)) for name, value in tensors.items()}
    metadata = {
        "generator": GENERATOR,
        "keras_version": keras.__version__,
        "variant": "reset-after" if case.reset_after else "reset-before",
        "num_layers": str(case.num_layers),
        "bidirectional": "true" if case.bidirectional else "false",
        "recurrent_dropout": str(RATE),
    }
    return serialize_reproducibly(tensors, metadata)


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for stale in OUT_DIR.glob("*.safetensors"):
        stale.unlink()
    total = 0
    for case in CASES:
        blob = build(case)
        (OUT_DIR / f"{case.name}.safetensors").write_bytes(blob)
        total += len(blob)
    print(f"wrote {len(CASES)} fixtures ({total / 1024:.0f} KiB) to {OUT_DIR.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
