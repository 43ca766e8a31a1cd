#!/usr/bin/env python3
"""Generate the GRU reference fixtures in Tests/Fixtures/gru/.

Each case becomes one safetensors file holding the weights, inputs, the forward
result and the gradients of a fixed scalar loss. Two independent implementations
produce them, and they must agree before anything is written:

* forward (`output`, `final_state`): onnxruntime's GRU operator, cross-checked
  against a hand-written float64 GRU in PyTorch and, for the reset-after
  variant, against torch.nn.GRU;
* gradients (`grad.*`): autograd through the hand-written float64 GRU, itself
  checked once against torch.nn.GRU (reset-after) and against finite
  differences (reset-before, which torch.nn.GRU cannot express).

Run from the repository root:  .venv/bin/python Tools/Reference/make_gru_fixtures.py
"""

from __future__ import annotations

import itertools
import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper
import safetensors.numpy
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "gru"
GENERATOR = "Tools/Reference/make_gru_fixtures.py"

# ORT computes in float32; 1e-5 is the tolerance the Swift tests use as well.
FORWARD_ATOL = 1e-5
# Both gradient references run in float64, so they must agree almost exactly.
GRAD_SELF_CHECK_ATOL = 1e-10
# Keep gates away from saturation so every gate actually matters in the result.
WEIGHT_RANGE = 0.6

RESET_AFTER = "reset-after"
RESET_BEFORE = "reset-before"


@dataclass(frozen=True)
class Case:
    variant: str
    num_layers: int
    bidirectional: bool
    batch_first: bool
    has_initial_state: bool
    has_lengths: bool
    bias: bool
    # Input size differs from hidden size on purpose, so that swapped
    # dimensions fail instead of passing by accident.
    input_size: int = 3
    hidden_size: int = 5
    sequence_length: int = 4
    batch_size: int = 3
    edge: bool = False

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def suffixes(self) -> list[str]:
        """PyTorch's parameter-name suffix per direction, in direction order."""
        return ["", "_reverse"][: self.directions]

    @property
    def name(self) -> str:
        parts = [
            "ra" if self.variant == RESET_AFTER else "rb",
            f"l{self.num_layers}",
            "bi" if self.bidirectional else "uni",
            "bf" if self.batch_first else "tm",
            "h0" if self.has_initial_state else "noh0",
            "len" if self.has_lengths else "nolen",
            "bias" if self.bias else "nobias",
        ]
        if self.edge:
            sizes = (
                f"i{self.input_size}h{self.hidden_size}"
                f"t{self.sequence_length}b{self.batch_size}"
            )
            parts = ["edge", sizes] + parts
        return "_".join(parts)

    def metadata(self) -> dict[str, str]:
        def flag(value: bool) -> str:
            return "true" if value else "false"

        return {
            "variant": self.variant,
            "batch_first": flag(self.batch_first),
            "num_layers": str(self.num_layers),
            "bidirectional": flag(self.bidirectional),
            "bias": flag(self.bias),
            "input_size": str(self.input_size),
            "hidden_size": str(self.hidden_size),
            "sequence_length": str(self.sequence_length),
            "batch_size": str(self.batch_size),
            "has_initial_state": flag(self.has_initial_state),
            "has_lengths": flag(self.has_lengths),
            "generator": GENERATOR,
        }

    def layer_input_size(self, layer: int) -> int:
        return self.input_size if layer == 0 else self.directions * self.hidden_size

    def weight_names(self) -> list[str]:
        """Parameter names in torch.nn.GRU's state_dict order."""
        kinds = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
        return [
            f"{kind}_l{layer}{suffix}"
            for layer in range(self.num_layers)
            for suffix in self.suffixes
            for kind in kinds
        ]

    def io_shape(self, features: int) -> tuple[int, int, int]:
        t, b = self.sequence_length, self.batch_size
        return (b, t, features) if self.batch_first else (t, b, features)

    def state_shape(self) -> tuple[int, int, int]:
        return (self.num_layers * self.directions, self.batch_size, self.hidden_size)


def grid_cases() -> list[Case]:
    return [
        Case(variant, layers, bi, bf, h0, lengths, bias)
        for variant, layers, bi, bf, h0, lengths, bias in itertools.product(
            [RESET_AFTER, RESET_BEFORE],
            [1, 2, 3],
            [False, True],
            [False, True],
            [False, True],
            [False, True],
            [True, False],
        )
    ]


def edge_cases() -> list[Case]:
    cases = []
    for variant in [RESET_AFTER, RESET_BEFORE]:
        ones = dict(input_size=1, hidden_size=1, sequence_length=1, batch_size=1, edge=True)
        cases += [
            # Every dimension 1: catches code that squeezes or infers dimensions.
            Case(variant, 1, False, False, True, False, True, **ones),
            Case(variant, 2, True, True, False, False, False, **ones),
            # Scalar features over a real sequence, with one length-1 sequence.
            Case(variant, 2, True, False, True, True, True, input_size=1, hidden_size=1,
                 sequence_length=5, batch_size=2, edge=True),
            # Odd sizes, none a multiple of another, to catch stride mix-ups.
            Case(variant, 2, True, True, True, True, True, input_size=7, hidden_size=9,
                 sequence_length=6, batch_size=5, edge=True),
            # A single step, every length 1: both directions see only t = 0.
            Case(variant, 2, True, False, True, True, True, sequence_length=1, edge=True),
        ]
    return cases


# --------------------------------------------------------------------------- data


def draw_lengths(rng: np.random.Generator, t: int, b: int) -> np.ndarray:
    """Lengths in [1, t] with both extremes present and in no sorted order.

    torch's pack_padded_sequence wants non-increasing lengths unless
    enforce_sorted=False, so unsorted lengths make sure implementations keep
    each sequence in its own batch slot instead of relying on an ordering.
    """
    if b == 1:
        return np.array([rng.integers(1, t + 1)], dtype=np.int64)
    base = np.concatenate([[t, 1], rng.integers(1, t + 1, size=b - 2)]).astype(np.int64)
    if t == 1:
        return base  # all ones: no order to avoid
    while True:
        lengths = rng.permutation(base)
        steps = np.diff(lengths)
        non_increasing = np.all(steps <= 0)
        non_decreasing = np.all(steps >= 0)
        # With two sequences one of the two orders is unavoidable; take the ascending one.
        if not non_increasing and (b == 2 or not non_decreasing):
            return lengths


def draw_case_data(case: Case) -> dict[str, np.ndarray]:
    # Seed from the name so that adding or reordering cases never changes other files.
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    h = case.hidden_size

    def uniform(shape, bound):
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)

    data: dict[str, np.ndarray] = {}
    for layer in range(case.num_layers):
        for suffix in case.suffixes:
            data[f"weight_ih_l{layer}{suffix}"] = uniform((3 * h, case.layer_input_size(layer)), WEIGHT_RANGE)
            data[f"weight_hh_l{layer}{suffix}"] = uniform((3 * h, h), WEIGHT_RANGE)
            if case.bias:
                data[f"bias_ih_l{layer}{suffix}"] = uniform((3 * h,), WEIGHT_RANGE)
                data[f"bias_hh_l{layer}{suffix}"] = uniform((3 * h,), WEIGHT_RANGE)
    data["input"] = uniform(case.io_shape(case.input_size), 1.0)
    if case.has_initial_state:
        data["initial_state"] = uniform(case.state_shape(), 0.8)
    if case.has_lengths:
        data["lengths"] = draw_lengths(rng, case.sequence_length, case.batch_size)
    data["grad_output"] = uniform(case.io_shape(case.directions * h), 1.0)
    data["grad_final_state"] = uniform(case.state_shape(), 1.0)
    return data


# --------------------------------------------------------------------------- onnxruntime


def to_onnx_gate_order(rows: np.ndarray) -> np.ndarray:
    """PyTorch stacks gate rows as (r, z, n); ONNX expects (z, r, h)."""
    r, z, n = np.split(rows, 3, axis=0)
    return np.concatenate([z, r, n], axis=0)


def onnx_forward(case: Case, data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Run the case through onnxruntime's GRU operator, one GRU node per layer."""
    t, b, h, d = case.sequence_length, case.batch_size, case.hidden_size, case.directions
    # ORT's GRU kernel supports only the time-major layout, so convert outside the graph.
    x = data["input"].transpose(1, 0, 2) if case.batch_first else data["input"]

    feeds = {"X": x}
    graph_inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x.shape))]
    if case.has_lengths:
        # ONNX sequence_lens is int32.
        feeds["sequence_lens"] = data["lengths"].astype(np.int32)
        graph_inputs.append(helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, [b]))

    nodes, initializers, final_states = [], [], []
    layer_input = "X"
    for layer in range(case.num_layers):
        def stacked(kind: str) -> np.ndarray:
            return np.stack([to_onnx_gate_order(data[f"{kind}_l{layer}{s}"]) for s in case.suffixes])

        w_name, r_name = f"W{layer}", f"R{layer}"
        initializers += [
            numpy_helper.from_array(stacked("weight_ih"), w_name),
            numpy_helper.from_array(stacked("weight_hh"), r_name),
        ]
        b_name = ""  # an omitted B input means zero biases
        if case.bias:
            b_name = f"B{layer}"
            biases = np.concatenate([stacked("bias_ih"), stacked("bias_hh")], axis=1)
            initializers.append(numpy_helper.from_array(biases, b_name))
        h0_name = ""
        if case.has_initial_state:
            h0_name = f"initial_h{layer}"
            feeds[h0_name] = data["initial_state"][layer * d:(layer + 1) * d]
            graph_inputs.append(helper.make_tensor_value_info(h0_name, TensorProto.FLOAT, [d, b, h]))

        y, y_h = f"Y{layer}", f"Y_h{layer}"
        nodes.append(helper.make_node(
            "GRU",
            [layer_input, w_name, r_name, b_name,
             "sequence_lens" if case.has_lengths else "", h0_name],
            [y, y_h],
            hidden_size=h,
            direction="bidirectional" if case.bidirectional else "forward",
            linear_before_reset=1 if case.variant == RESET_AFTER else 0,
        ))
        # Y is (T, D, B, H); the next layer and the fixture want (T, B, D*H),
        # forward direction first along the last axis.
        layer_output = f"layer_output{layer}"
        shape_name = f"shape{layer}"
        initializers.append(numpy_helper.from_array(np.array([t, b, d * h], dtype=np.int64), shape_name))
        nodes += [
            helper.make_node("Transpose", [y], [f"{y}_tbdh"], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [f"{y}_tbdh", shape_name], [layer_output]),
        ]
        final_states.append(y_h)
        layer_input = layer_output

    nodes += [
        helper.make_node("Identity", [layer_input], ["output"]),
        helper.make_node("Concat", final_states, ["final_state"], axis=0),
    ]
    graph = helper.make_graph(
        nodes, "gru_reference", graph_inputs,
        [
            helper.make_tensor_value_info("output", TensorProto.FLOAT, [t, b, d * h]),
            helper.make_tensor_value_info("final_state", TensorProto.FLOAT, list(case.state_shape())),
        ],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model, full_check=True)

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # deterministic reductions
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    output, final_state = session.run(["output", "final_state"], feeds)
    if case.batch_first:
        output = output.transpose(1, 0, 2)
    return np.ascontiguousarray(output), final_state


# --------------------------------------------------------------------------- hand-written torch GRU


def gru_cell(variant: str, x, h, w_ih, w_hh, b_ih, b_hh):
    """One step; gate rows are (r, z, n) as in PyTorch. Biases may be None."""
    gi_r, gi_z, gi_n = (x @ w_ih.T).chunk(3, dim=-1)
    w_hr, w_hz, w_hn = w_hh.chunk(3, dim=0)
    b_ir, b_iz, b_in = b_ih.chunk(3) if b_ih is not None else (0, 0, 0)
    b_hr, b_hz, b_hn = b_hh.chunk(3) if b_hh is not None else (0, 0, 0)

    r = torch.sigmoid(gi_r + b_ir + h @ w_hr.T + b_hr)
    z = torch.sigmoid(gi_z + b_iz + h @ w_hz.T + b_hz)
    if variant == RESET_AFTER:
        n = torch.tanh(gi_n + b_in + r * (h @ w_hn.T + b_hn))
    else:
        n = torch.tanh(gi_n + b_in + (r * h) @ w_hn.T + b_hn)
    return (1 - z) * n + z * h


def torch_forward(case: Case, params: dict, x, h0, lengths):
    """Reference GRU written from the equations, independent of nn.GRU.

    Lengths are handled by masking: at t >= length the state is carried
    unchanged and the output is zero. For the reverse direction this means the
    state stays at h0 until t = length-1, i.e. each sequence starts at its own
    last valid step.
    """
    x_tm = x.transpose(0, 1) if case.batch_first else x
    t_len = x_tm.shape[0]
    valid = None
    if lengths is not None:
        valid = (torch.arange(t_len)[:, None] < lengths[None, :]).unsqueeze(-1)  # (T, B, 1)

    layer_input, final_states = x_tm, []
    for layer in range(case.num_layers):
        direction_outputs = []
        for d, suffix in enumerate(case.suffixes):
            def p(kind):
                return params.get(f"{kind}_l{layer}{suffix}")

            h = h0[layer * case.directions + d]
            steps = range(t_len) if d == 0 else reversed(range(t_len))
            outputs = [None] * t_len
            for t in steps:
                h_new = gru_cell(case.variant, layer_input[t], h,
                                 p("weight_ih"), p("weight_hh"), p("bias_ih"), p("bias_hh"))
                if valid is None:
                    h, outputs[t] = h_new, h_new
                else:
                    h = torch.where(valid[t], h_new, h)
                    outputs[t] = torch.where(valid[t], h_new, torch.zeros_like(h_new))
            direction_outputs.append(torch.stack(outputs))
            final_states.append(h)
        layer_input = torch.cat(direction_outputs, dim=-1)

    output = layer_input.transpose(0, 1) if case.batch_first else layer_input
    return output, torch.stack(final_states)


def torch_leaves(case: Case, data: dict[str, np.ndarray]):
    """float64 leaf tensors for autograd, from the exact float32 values stored."""
    def leaf(array):
        return torch.tensor(array, dtype=torch.float64, requires_grad=True)

    params = {name: leaf(data[name]) for name in case.weight_names()}
    x = leaf(data["input"])
    # Always a leaf, zeros when absent, so its gradient can be stored too.
    h0 = leaf(data["initial_state"] if case.has_initial_state
              else np.zeros(case.state_shape(), dtype=np.float32))
    lengths = torch.tensor(data["lengths"]) if case.has_lengths else None
    return params, x, h0, lengths


def loss(data, output, final_state):
    """L = sum(output * grad_output) + sum(final_state * grad_final_state)."""
    go = torch.tensor(data["grad_output"], dtype=torch.float64)
    gf = torch.tensor(data["grad_final_state"], dtype=torch.float64)
    return (output * go).sum() + (final_state * gf).sum()


# --------------------------------------------------------------------------- torch.nn.GRU


def nn_gru_forward(case: Case, params: dict, x, h0, lengths):
    """torch.nn.GRU (reset-after only) on the same parameters, differentiable."""
    assert case.variant == RESET_AFTER, "torch.nn.GRU implements only reset-after"
    gru = torch.nn.GRU(case.input_size, case.hidden_size, case.num_layers, bias=case.bias,
                       batch_first=case.batch_first, bidirectional=case.bidirectional,
                       dtype=torch.float64)
    # Our names must be exactly nn.GRU's state_dict keys, or the Swift loader and
    # PyTorch checkpoints would disagree.
    assert list(gru.state_dict().keys()) == case.weight_names(), gru.state_dict().keys()
    # Swap the module's parameters for our leaves so gradients flow back to them
    # (RNNBase.__setattr__ keeps the weight list its forward uses in step).
    for name in case.weight_names():
        delattr(gru, name)
        setattr(gru, name, params[name])

    if lengths is None:
        return gru(x, h0)
    packed = pack_padded_sequence(x, lengths, batch_first=case.batch_first, enforce_sorted=False)
    packed_output, final_state = gru(packed, h0)
    output, _ = pad_packed_sequence(packed_output, batch_first=case.batch_first,
                                    total_length=case.sequence_length)
    return output, final_state


# --------------------------------------------------------------------------- checks


def assert_close(label: str, actual, expected, atol: float):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{label}: shape {actual.shape} != {expected.shape}"
    error = np.max(np.abs(actual - expected), initial=0.0)
    assert error <= atol, f"{label}: max abs difference {error:.3e} > {atol:.0e}"


def self_check_gradients():
    """Check the hand-written GRU's autograd gradients against independent ones.

    reset-after: against torch.nn.GRU's autograd. reset-before: nn.GRU cannot
    express it, so against central finite differences (torch gradcheck).
    """
    shared = dict(input_size=2, hidden_size=3, sequence_length=4, batch_size=3)
    nn_cases = [
        Case(RESET_AFTER, 2, True, True, True, True, True, **shared),
        Case(RESET_AFTER, 1, False, False, False, False, False, **shared),
        Case(RESET_AFTER, 3, True, False, False, True, False, **shared),
    ]
    for case in nn_cases:
        data = draw_case_data(case)
        gradients = []
        for forward in (torch_forward, nn_gru_forward):
            params, x, h0, lengths = torch_leaves(case, data)
            loss(data, *forward(case, params, x, h0, lengths)).backward()
            gradients.append({"input": x.grad, "initial_state": h0.grad,
                              **{name: p.grad for name, p in params.items()}})
        hand, reference = gradients
        for name in reference:
            assert_close(f"self-check {case.name} grad.{name}",
                         hand[name], reference[name], GRAD_SELF_CHECK_ATOL)

    for case in [Case(RESET_BEFORE, 2, True, False, True, True, True, **shared),
                 Case(RESET_BEFORE, 1, False, True, False, False, False, **shared)]:
        data = draw_case_data(case)
        params, x, h0, lengths = torch_leaves(case, data)
        names = list(params)

        def scalar_loss(x, h0, *weights):
            output, final_state = torch_forward(case, dict(zip(names, weights)), x, h0, lengths)
            return loss(data, output, final_state)

        assert torch.autograd.gradcheck(scalar_loss, (x, h0, *params.values())), case.name
    print("self-check: hand-written GRU gradients match torch.nn.GRU and finite differences")


# --------------------------------------------------------------------------- fixtures


def build_fixture(case: Case) -> dict[str, np.ndarray]:
    data = draw_case_data(case)
    output, final_state = onnx_forward(case, data)

    params, x, h0, lengths = torch_leaves(case, data)
    torch_output, torch_final = torch_forward(case, params, x, h0, lengths)
    assert_close(f"{case.name} output (ORT vs torch)", output, torch_output.detach(), FORWARD_ATOL)
    assert_close(f"{case.name} final_state (ORT vs torch)", final_state, torch_final.detach(), FORWARD_ATOL)

    if case.variant == RESET_AFTER:
        with torch.no_grad():
            nn_params, nn_x, nn_h0, nn_lengths = torch_leaves(case, data)
            nn_output, nn_final = nn_gru_forward(
                case, nn_params, nn_x, nn_h0 if case.has_initial_state else None, nn_lengths)
        assert_close(f"{case.name} output (ORT vs nn.GRU)", output, nn_output, FORWARD_ATOL)
        assert_close(f"{case.name} final_state (ORT vs nn.GRU)", final_state, nn_final, FORWARD_ATOL)

    loss(data, torch_output, torch_final).backward()

    tensors = dict(data)
    tensors["output"] = output
    tensors["final_state"] = final_state
    tensors["grad.input"] = x.grad
    tensors["grad.initial_state"] = h0.grad
    for name, p in params.items():
        tensors[f"grad.{name}"] = p.grad
    return {
        key: np.ascontiguousarray(value if isinstance(value, np.ndarray)
                                  else value.detach().numpy().astype(np.float32))
        for key, value in tensors.items()
    }


def serialize_reproducibly(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """safetensors bytes whose header does not change from run to run.

    The safetensors package emits `__metadata__` in hash-map order, which
    differs between processes; regenerating would then rewrite every fixture
    although no value changed. Sorting the metadata keys fixes that. The
    rewritten header has the same length, so the tensor offsets stay valid.
    """
    blob = safetensors.numpy.save(tensors, metadata=metadata)
    (header_length,) = struct.unpack("<Q", blob[:8])
    header_bytes = blob[8:8 + header_length]
    json_text = header_bytes.rstrip(b" ")  # the package pads the header with spaces
    header = json.loads(json_text)
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    canonical = json.dumps(header, separators=(",", ":")).encode()
    assert len(canonical) == len(json_text), "header changed length; layout assumption broken"
    padded = canonical + header_bytes[len(canonical):]
    return blob[:8] + padded + blob[8 + header_length:]


def main():
    self_check_gradients()

    cases = grid_cases() + edge_cases()
    names = [case.name for case in cases]
    assert len(set(names)) == len(names), "case names must be unique"

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for stale in OUT_DIR.glob("*.safetensors"):
        stale.unlink()
    for case in cases:
        path = OUT_DIR / f"{case.name}.safetensors"
        path.write_bytes(serialize_reproducibly(build_fixture(case), case.metadata()))

    total = sum(path.stat().st_size for path in OUT_DIR.glob("*.safetensors"))
    print(f"wrote {len(cases)} fixtures ({total / 1024:.0f} KiB) to {OUT_DIR.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
