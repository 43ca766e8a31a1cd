#!/usr/bin/env python3
"""Generate the activation fixtures in Tests/Fixtures/keras-activations/.

GRUKit's GRU and LSTM take Keras's `activation` (tanh in PyTorch: the GRU's candidate n, the
LSTM's g and the act(c) of h = o * act(c)) and `recurrent_activation` (sigmoid in PyTorch: the
GRU's r and z, the LSTM's i, f and o). Each case here runs Keras 3's own `keras.layers.GRU`
(reset_after true and false) or `keras.layers.LSTM` (float64, JAX backend) with a pair of
activations other than PyTorch's, and stores, in PyTorch layout and names (time-major):

* the weights (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`; GRU gate order
  r, z, n, LSTM i, f, g, o), the input, the initial state (and cell state), the output and the
  final state (and cell state);
* the gradients (`grad.*`) of sum(output * grad_output) + sum(final_state * grad_final_state)
  (+ sum(final_cell_state * grad_final_cell_state) for the LSTM) with respect to the input, the
  initial state(s) and every weight, by jax.grad through Keras.

Keras's GRU kernel columns are z, r, h (PyTorch's rows r, z, n); its LSTM's are i, f, c, o,
PyTorch's order. Keras's reset-before GRU and its LSTM have one bias, the input bias; their
GRUKit twins have bias_hh = 0, and since b_hh enters every pre-activation beside b_ih, the
gradient of bias_hh is that of bias_ih. Before writing, every case is checked against a
hand-written float64 numpy recurrence, which also checks the gate reordering.

Run from the repository root:  .venv/bin/python Tools/Reference/make_keras_activation_fixtures.py
(keras==3.15.1, jax==0.10.2 as pinned in Tools/Interop/requirements.txt).
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
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "keras-activations"
GENERATOR = "Tools/Reference/make_keras_activation_fixtures.py"

WEIGHT_RANGE = 0.6
SELF_CHECK_ATOL = 1e-6


@dataclass(frozen=True)
class Case:
    model: str  # "gru" or "lstm"
    reset_after: bool  # the GRU's variant; ignored for the LSTM
    activation: str
    recurrent_activation: str
    input_size: int = 3
    hidden_size: int = 5
    sequence_length: int = 4
    batch_size: int = 3

    @property
    def gates(self) -> int:
        return 3 if self.model == "gru" else 4

    @property
    def name(self) -> str:
        variant = ("_ra" if self.reset_after else "_rb") if self.model == "gru" else ""
        return f"{self.model}{variant}_{self.activation}_{self.recurrent_activation}"


CASES = [
    Case("gru", True, "relu", "hard_sigmoid"),
    Case("gru", True, "tanh", "hard_sigmoid"),
    Case("gru", False, "relu", "hard_sigmoid"),
    Case("gru", False, "linear", "sigmoid"),
    Case("lstm", False, "relu", "hard_sigmoid"),
    Case("lstm", False, "linear", "sigmoid"),
]


# MARK: - Activations, as Keras 3 defines them

def activation(name: str):
    return {
        "tanh": np.tanh,
        "relu": lambda v: np.maximum(v, 0),
        "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
        "hard_sigmoid": lambda v: np.clip(v / 6 + 0.5, 0, 1),  # relu6(x + 3) / 6
        "linear": lambda v: v,
    }[name]


# MARK: - Layout: PyTorch (GH, ...) rows <-> Keras (..., GH) columns


def keras_from_pytorch(case: Case, rows: np.ndarray) -> np.ndarray:
    if case.model == "lstm":
        return rows.T
    r, z, n = np.split(rows, 3, axis=0)
    return np.concatenate([z, r, n], axis=0).T


def pytorch_from_keras(case: Case, columns: np.ndarray) -> np.ndarray:
    if case.model == "lstm":
        return columns.T
    z, r, h = np.split(columns, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1).T


# MARK: - Keras


def keras_run(case: Case, weights: dict, data: dict) -> tuple[dict, dict]:
    """Forward and jax.grad through Keras; returns the outputs and the gradients, PyTorch names."""
    common = dict(
        activation=case.activation, recurrent_activation=case.recurrent_activation, return_sequences=True,
        return_state=True)
    if case.model == "gru":
        layer = keras.layers.GRU(case.hidden_size, reset_after=case.reset_after, **common)
    else:
        layer = keras.layers.LSTM(case.hidden_size, **common)
    layer.build((case.batch_size, case.sequence_length, case.input_size))
    paths = [v.path.split("/")[-1] for v in layer.trainable_variables]
    assert paths == ["kernel", "recurrent_kernel", "bias"], paths
    kernel = keras_from_pytorch(case, weights["weight_ih_l0"])
    recurrent = keras_from_pytorch(case, weights["weight_hh_l0"])
    input_bias = keras_from_pytorch(case, weights["bias_ih_l0"][:, None])[0]
    if case.model == "gru" and case.reset_after:
        recurrent_bias = keras_from_pytorch(case, weights["bias_hh_l0"][:, None])[0]
        variables = [kernel, recurrent, np.stack([input_bias, recurrent_bias])]
    else:
        variables = [kernel, recurrent, input_bias]
    lstm = case.model == "lstm"

    def forward(x, states, variables):
        initial = [states[0][0], states[1][0]] if lstm else [states[0][0]]
        outputs, _ = layer.stateless_call(
            variables, [v.value for v in layer.non_trainable_variables], jax.numpy.transpose(x, (1, 0, 2)),
            initial_state=initial)
        sequence, finals = outputs[0], outputs[1:]
        return jax.numpy.transpose(sequence, (1, 0, 2)), [f[None] for f in finals]

    def objective(x, states, variables):
        output, finals = forward(x, states, variables)
        total = jax.numpy.sum(output * data["grad_output"]) + jax.numpy.sum(finals[0] * data["grad_final_state"])
        if lstm:
            total += jax.numpy.sum(finals[1] * data["grad_final_cell_state"])
        return total

    states = [data["initial_state"]] + ([data["initial_cell_state"]] if lstm else [])
    output, finals = forward(data["input"], states, variables)
    grad_x, grad_states, (g_kernel, g_recurrent, g_bias) = jax.grad(objective, argnums=(0, 1, 2))(
        data["input"], states, variables)
    result = {"output": np.asarray(output), "final_state": np.asarray(finals[0])}
    gradients = {"input": np.asarray(grad_x), "initial_state": np.asarray(grad_states[0])}
    if lstm:
        result["final_cell_state"] = np.asarray(finals[1])
        gradients["initial_cell_state"] = np.asarray(grad_states[1])
    g_bias = np.asarray(g_bias)
    gradients["weight_ih_l0"] = pytorch_from_keras(case, np.asarray(g_kernel))
    gradients["weight_hh_l0"] = pytorch_from_keras(case, np.asarray(g_recurrent))
    two_biases = case.model == "gru" and case.reset_after
    gradients["bias_ih_l0"] = pytorch_from_keras(case, (g_bias[0] if two_biases else g_bias)[None, :])[:, 0]
    # One Keras bias: GRUKit's b_hh sits beside b_ih in every pre-activation, so shares its gradient.
    gradients["bias_hh_l0"] = pytorch_from_keras(case, (g_bias[1] if two_biases else g_bias)[None, :])[:, 0]
    return result, gradients


# MARK: - The hand-written check


def numpy_forward(case: Case, weights: dict, data: dict) -> dict:
    f, s = activation(case.activation), activation(case.recurrent_activation)
    H = case.hidden_size
    w_ih, w_hh, b_ih, b_hh = (weights[k] for k in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    h = data["initial_state"][0]
    c = data["initial_cell_state"][0] if case.model == "lstm" else None
    output = np.zeros((case.sequence_length, case.batch_size, H))
    for t in range(case.sequence_length):
        gi = data["input"][t] @ w_ih.T + b_ih
        if case.model == "lstm":
            a = gi + h @ w_hh.T + b_hh
            i, fg, g, o = s(a[:, :H]), s(a[:, H:2 * H]), f(a[:, 2 * H:3 * H]), s(a[:, 3 * H:])
            c = fg * c + i * g
            h = o * f(c)
        else:
            gh = h @ w_hh[: 2 * H].T + b_hh[: 2 * H]
            r = s(gi[:, :H] + gh[:, :H])
            z = s(gi[:, H:2 * H] + gh[:, H:])
            if case.reset_after:
                n = f(gi[:, 2 * H:] + r * (h @ w_hh[2 * H:].T + b_hh[2 * H:]))
            else:
                n = f(gi[:, 2 * H:] + (r * h) @ w_hh[2 * H:].T + b_hh[2 * H:])
            h = (1 - z) * n + z * h
        output[t] = h
    result = {"output": output, "final_state": h[None]}
    if case.model == "lstm":
        result["final_cell_state"] = c[None]
    return result


# MARK: - Writing


def draw_case(case: Case) -> tuple[dict, dict]:
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    H, G = case.hidden_size, case.gates

    def uniform(shape, bound):
        # float32 values, kept in float64 for the computation
        return rng.uniform(-bound, bound, size=shape).astype(np.float32).astype(np.float64)

    two_biases = case.model == "gru" and case.reset_after
    weights = {
        "weight_ih_l0": uniform((G * H, case.input_size), WEIGHT_RANGE),
        "weight_hh_l0": uniform((G * H, H), WEIGHT_RANGE),
        "bias_ih_l0": uniform((G * H,), WEIGHT_RANGE),
        # One Keras bias: the twin's b_hh is zero.
        "bias_hh_l0": uniform((G * H,), WEIGHT_RANGE) if two_biases else np.zeros(G * H),
    }
    states = (1, case.batch_size, H)
    data = {
        "input": uniform((case.sequence_length, case.batch_size, case.input_size), 1.0),
        "initial_state": uniform(states, 0.8),
        "grad_output": uniform((case.sequence_length, case.batch_size, H), 1.0),
        "grad_final_state": uniform(states, 1.0),
    }
    if case.model == "lstm":
        data["initial_cell_state"] = uniform(states, 0.8)
        data["grad_final_cell_state"] = uniform(states, 1.0)
    return weights, data


def build(case: Case) -> bytes:
    weights, data = draw_case(case)
    result, gradients = keras_run(case, weights, data)
    check = numpy_forward(case, weights, data)
    for key in result:
        difference = np.max(np.abs(result[key] - check[key]))
        assert difference < SELF_CHECK_ATOL, f"{case.name} {key}: Keras and the numpy recurrence differ by {difference}"
    tensors = {**weights, **data, **result}
    tensors.update({f"grad.{name}": value for name, value in gradients.items()})
    tensors = {name: np.ascontiguousarray(value.astype(np.float32)) for name, value in tensors.items()}
    metadata = {
        "generator": GENERATOR,
        "keras_version": keras.__version__,
        "model": case.model,
        "activation": case.activation,
        "recurrent_activation": case.recurrent_activation,
    }
    if case.model == "gru":
        metadata["variant"] = "reset-after" if case.reset_after else "reset-before"
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
