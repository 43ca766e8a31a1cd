#!/usr/bin/env python3
"""onnxruntime's GRU operator on the CPU: forward and streaming (no training).

The model is one ONNX GRU node (opset 14, linear_before_reset=1, i.e.
reset-after), built with onnx.helper. Weights are initializers; X (T, B, I) and
initial_h (1, B, H) are inputs with symbolic T and B, so one session serves
every sequence length and batch. Session options are the defaults (threads,
graph optimizations). Streaming runs the same session with T=1, feeding Y_h
back as initial_h.

    .venv-bench/bin/python Benchmarks/bench_onnxruntime.py --quick
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


def gru_model(input_size: int, hidden_size: int, seed: int = 0) -> onnx.ModelProto:
    """One GRU node; ONNX gate order z, r, h in W (1, 3H, I), R (1, 3H, H), B (1, 6H)."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(hidden_size)

    def uniform(*shape: int) -> np.ndarray:
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)

    initializers = [
        numpy_helper.from_array(uniform(1, 3 * hidden_size, input_size), "W"),
        numpy_helper.from_array(uniform(1, 3 * hidden_size, hidden_size), "R"),
        numpy_helper.from_array(uniform(1, 6 * hidden_size), "B"),
    ]
    node = helper.make_node(
        "GRU", ["X", "W", "R", "B", "", "initial_h"], ["Y", "Y_h"],
        hidden_size=hidden_size, linear_before_reset=1)
    graph = helper.make_graph(
        [node], "gru",
        inputs=[
            helper.make_tensor_value_info("X", TensorProto.FLOAT, ["T", "B", input_size]),
            helper.make_tensor_value_info("initial_h", TensorProto.FLOAT, [1, "B", hidden_size]),
        ],
        outputs=[
            helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["T", 1, "B", hidden_size]),
            helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [1, "B", hidden_size]),
        ],
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

    def build(self, input_size: int, hidden_size: int) -> ort.InferenceSession:
        model = gru_model(input_size, hidden_size)
        return ort.InferenceSession(model.SerializeToString(),
                                    providers=["CPUExecutionProvider"])

    def inputs(self, session: ort.InferenceSession, batch: int, steps: int) -> dict:
        input_size = session.get_inputs()[0].shape[2]
        hidden_size = session.get_inputs()[1].shape[2]
        rng = np.random.default_rng(1)
        return {
            "X": rng.uniform(-1, 1, size=(steps, batch, input_size)).astype(np.float32),
            "initial_h": np.zeros((1, batch, hidden_size), np.float32),
        }

    def forward(self, session: ort.InferenceSession, feeds: dict) -> list:
        return session.run(None, feeds)

    def train_step(self, session: ort.InferenceSession, feeds: dict) -> None:
        raise NotImplementedError("onnxruntime has no training")

    def streamer(self, session: ort.InferenceSession):
        feeds = self.inputs(session, batch=1, steps=1)

        def run(steps: int) -> None:
            for _ in range(steps):
                # Only Y_h is fetched: with T=1 it equals Y.
                (feeds["initial_h"],) = session.run(["Y_h"], feeds)

        return run


if __name__ == "__main__":
    harness.main(OnnxRuntime, __file__)
