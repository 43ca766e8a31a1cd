#!/usr/bin/env python3
"""onnxruntime's GRU or LSTM operator (--cell) on the CPU: forward and streaming (no
training).

The model is one ONNX GRU node (opset 14, linear_before_reset=1, i.e.
reset-after) or LSTM node (no peepholes), built with onnx.helper. Weights are
initializers; X (T, B, I), initial_h (1, B, H) and the LSTM's initial_c are
inputs with symbolic T and B, so one session serves every sequence length and
batch. Session options are the defaults (threads, graph optimizations).
Streaming runs the same session with T=1, feeding Y_h (and Y_c) back as
initial_h (and initial_c).

    .venv-bench/bin/python Benchmarks/bench_onnxruntime.py --quick [--cell lstm]
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

import harness

OPSET = 14
# onnx writes a newer IR version than onnxruntime reads; 8 covers opset 14.
IR_VERSION = 8


def recurrent_model(input_size: int, hidden_size: int, cell: str = harness.GRU,
                    seed: int = 0) -> onnx.ModelProto:
    """One GRU node (gate order z, r, h in W (1, 3H, I), R (1, 3H, H), B (1, 6H)) or LSTM
    node (i, o, f, c in W (1, 4H, I), R (1, 4H, H), B (1, 8H); inputs and outputs add the
    cell state initial_c and Y_c)."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(hidden_size)
    gates = harness.GATES[cell]
    lstm = cell == harness.LSTM

    def uniform(*shape: int) -> np.ndarray:
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)

    initializers = [
        numpy_helper.from_array(uniform(1, gates * hidden_size, input_size), "W"),
        numpy_helper.from_array(uniform(1, gates * hidden_size, hidden_size), "R"),
        numpy_helper.from_array(uniform(1, 2 * gates * hidden_size), "B"),
    ]
    state = ["initial_h", "initial_c"] if lstm else ["initial_h"]
    final = ["Y_h", "Y_c"] if lstm else ["Y_h"]
    if lstm:
        node = helper.make_node("LSTM", ["X", "W", "R", "B", "", *state], ["Y", *final],
                                hidden_size=hidden_size)
    else:
        node = helper.make_node("GRU", ["X", "W", "R", "B", "", *state], ["Y", *final],
                                hidden_size=hidden_size, linear_before_reset=1)
    graph = helper.make_graph(
        [node], cell,
        inputs=[helper.make_tensor_value_info("X", TensorProto.FLOAT, ["T", "B", input_size])]
        + [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, "B", hidden_size])
           for name in state],
        outputs=[helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["T", 1, "B", hidden_size])]
        + [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, "B", hidden_size])
           for name in final],
        initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION)
    onnx.checker.check_model(model)
    return model


class OnnxRuntime:
    name = "onnxruntime"
    version = ort.__version__
    # intra_op_num_threads is 0 (default): onnxruntime then uses one thread per core.
    threads = harness.intra_op_threads(ort.SessionOptions().intra_op_num_threads)
    can_train = False

    def build(self, input_size: int, hidden_size: int, cell: str) -> ort.InferenceSession:
        model = recurrent_model(input_size, hidden_size, cell)
        return ort.InferenceSession(model.SerializeToString(),
                                    providers=["CPUExecutionProvider"])

    def inputs(self, session: ort.InferenceSession, batch: int, steps: int) -> dict:
        input_size = session.get_inputs()[0].shape[2]
        hidden_size = session.get_inputs()[1].shape[2]
        rng = np.random.default_rng(1)
        feeds = {"X": rng.uniform(-1, 1, size=(steps, batch, input_size)).astype(np.float32)}
        for state in session.get_inputs()[1:]:  # initial_h, and the LSTM's initial_c
            feeds[state.name] = np.zeros((1, batch, hidden_size), np.float32)
        return feeds

    def forward(self, session: ort.InferenceSession, feeds: dict) -> list:
        return session.run(None, feeds)

    def train_step(self, session: ort.InferenceSession, feeds: dict) -> None:
        raise NotImplementedError("onnxruntime has no training")

    def streamer(self, session: ort.InferenceSession):
        feeds = self.inputs(session, batch=1, steps=1)
        lstm = "initial_c" in feeds

        def run(steps: int) -> None:
            for _ in range(steps):
                # Only the final states are fetched: with T=1, Y_h equals Y.
                if lstm:
                    feeds["initial_h"], feeds["initial_c"] = session.run(["Y_h", "Y_c"], feeds)
                else:
                    (feeds["initial_h"],) = session.run(["Y_h"], feeds)

        return run


if __name__ == "__main__":
    harness.main(OnnxRuntime, __file__)
