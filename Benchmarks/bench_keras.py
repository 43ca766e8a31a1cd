#!/usr/bin/env python3
"""Keras 3's GRU or LSTM layer (--cell; TensorFlow backend) on the CPU: forward, training
step, streaming.

keras.layers.GRU(reset_after=True, return_sequences=True, return_state=True), or
keras.layers.LSTM(return_sequences=True, return_state=True), float32, TensorFlow's default threads. Keras is batch-first: inputs are (B, T, I),
the same numbers as the time-major (T, B, I) of the other frameworks.

Each call is a tf.function traced once per model with symbolic B and T (so the
timed calls run a compiled graph, as model.predict and model.fit would):
forward is layer(x, training=False); a training step is a GradientTape over the
forward with a sum loss, returning the gradients of all weights and the input.
Streaming runs the layer's GRUCell (LSTMCell) one step at a time under tf.function,
feeding its state (h, c) back: the cheapest per-step path Keras offers (the layer
itself would wrap every step in a while loop).

    .venv-bench/bin/python Benchmarks/bench_keras.py --quick [--cell lstm]
"""

from __future__ import annotations

import os

# Before TensorFlow loads: keep its C++ start-up banners off the progress output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import tensorflow as tf

import harness


class KerasModel:
    """A built GRU or LSTM layer and its compiled calls."""

    def __init__(self, input_size: int, hidden_size: int, cell: str):
        self.input_size = input_size
        self.hidden_size = hidden_size
        # The GRU's state is [h], the LSTM's [h, c].
        self.state_count = 2 if cell == harness.LSTM else 1
        if cell == harness.LSTM:
            self.layer = keras.layers.LSTM(hidden_size, return_sequences=True, return_state=True)
        else:
            self.layer = keras.layers.GRU(hidden_size, reset_after=True,
                                          return_sequences=True, return_state=True)
        self.layer.build((None, None, input_size))
        sequences = tf.TensorSpec((None, None, input_size), tf.float32)  # (B, T, I)
        self.forward = tf.function(self._forward, input_signature=[sequences])
        self.train_step = tf.function(self._train_step, input_signature=[sequences])
        step_input = tf.TensorSpec((1, input_size), tf.float32)  # (1, I)
        state = [tf.TensorSpec((1, hidden_size), tf.float32)] * self.state_count  # (1, H) each
        self.cell_step = tf.function(self._cell_step, input_signature=[step_input, state])

    def _forward(self, x):
        output, *states = self.layer(x, training=False)
        return output, states

    def _train_step(self, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            output = self.layer(x, training=True)[0]
            loss = tf.reduce_sum(output)
        # Returned, so that graph pruning cannot drop any gradient.
        return tape.gradient(loss, self.layer.trainable_variables + [x])

    def _cell_step(self, x, states):
        _, new_states = self.layer.cell(x, list(states), training=False)
        return list(new_states)


class Keras:
    name = "keras"
    version = f"{keras.__version__} (tensorflow {tf.__version__})"
    # 0 means TensorFlow's default: one thread per logical CPU.
    threads = harness.intra_op_threads(tf.config.threading.get_intra_op_parallelism_threads())
    can_train = True

    def build(self, input_size: int, hidden_size: int, cell: str) -> KerasModel:
        return KerasModel(input_size, hidden_size, cell)

    def inputs(self, model: KerasModel, batch: int, steps: int) -> tf.Tensor:
        rng = np.random.default_rng(1)
        x = rng.uniform(-1, 1, size=(batch, steps, model.input_size)).astype(np.float32)
        return tf.constant(x)  # (B, T, I)

    def forward(self, model: KerasModel, x: tf.Tensor):
        return model.forward(x)

    def train_step(self, model: KerasModel, x: tf.Tensor):
        return model.train_step(x)

    def streamer(self, model: KerasModel):
        x = tf.constant(np.random.default_rng(1).uniform(-1, 1, (1, model.input_size)),
                        tf.float32)  # (1, I)
        state = [tf.zeros((1, model.hidden_size))] * model.state_count  # (1, H) each

        def run(steps: int) -> None:
            nonlocal state
            for _ in range(steps):
                state = model.cell_step(x, state)

        return run


if __name__ == "__main__":
    harness.main(Keras, __file__)
