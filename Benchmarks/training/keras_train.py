"""Trains a config's GRU in Keras 3 (TensorFlow backend, CPU) and prints the JSON record.

    .venv-bench/bin/python Benchmarks/training/keras_train.py \
        --config Benchmarks/training/configs/japanese-vowels.json \
        --train Datasets/japanese-vowels/JapaneseVowels_TRAIN.ts \
        --test Datasets/japanese-vowels/JapaneseVowels_TEST.ts

The same models as pytorch_train.py, built from keras.layers.GRU(reset_after=True) with
Keras's default initialization (Glorot-uniform input weights, orthogonal recurrent weights,
zero biases), which differs from PyTorch's uniform(-1/sqrt(H), 1/sqrt(H)). Variable-length
sequences run with a mask, so the GRU returns each sequence's last valid state. Batches come
from the same shuffled order as in PyTorch (numpy's generator with the config's seed) and go
through train_on_batch. Adam's epsilon is set to the config's (Keras's default is 1e-7) and
clip_norm becomes global_clipnorm (clipnorm would clip each tensor separately).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

import common  # noqa: E402
import data  # noqa: E402


def configure(threads: int, seed: int):
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()
    import keras
    keras.utils.set_random_seed(seed)
    return keras


def make_optimizer(keras, config: dict):
    return keras.optimizers.Adam(learning_rate=config["learning_rate"],
                                 beta_1=config.get("beta1", 0.9), beta_2=config.get("beta2", 0.999),
                                 epsilon=config.get("epsilon", 1e-8),
                                 global_clipnorm=config.get("clip_norm"))


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities over the last axis, in float64."""
    shifted = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def train(model, config: dict, rng: np.random.Generator, count: int, batch_arrays, weight):
    """Runs the epochs; batch_arrays(indices) gives (inputs, targets) for train_on_batch."""
    epoch_losses, epoch_seconds = [], []
    start = time.perf_counter()
    for epoch in range(config["epochs"]):
        epoch_start = time.perf_counter()
        total, total_weight = 0.0, 0
        for indices in data.batches(count, config["batch_size"], rng if config.get("shuffle", True) else None):
            inputs, targets = batch_arrays(indices)
            loss = float(model.train_on_batch(inputs, targets))
            total += loss * weight(indices)
            total_weight += weight(indices)
        epoch_losses.append(total / total_weight)
        epoch_seconds.append(time.perf_counter() - epoch_start)
        common.log_epoch(epoch, config, epoch_losses[-1], time.perf_counter() - start)
    return common.TrainingLog(time.perf_counter() - start, epoch_losses, epoch_seconds)


def run_classify(keras, args, config, rng):
    train_set, test_set = data.classification_sets(args.train, args.test)
    classes = len(train_set.class_names)

    def mask(s: data.SequenceSet, width: int) -> np.ndarray:
        return np.arange(width)[None, :] < s.lengths[:, None]

    features = keras.Input((None, train_set.features.shape[2]))
    valid = keras.Input((None,), dtype="bool")
    last = keras.layers.GRU(config["hidden_size"], reset_after=True)(features, mask=valid)
    model = keras.Model([features, valid], keras.layers.Dense(classes)(last))
    model.compile(optimizer=make_optimizer(keras, config),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    # Every batch keeps the full padded width: one shape, so the step is traced once.
    train_mask = mask(train_set, train_set.features.shape[1])

    def batch_arrays(indices):
        return [train_set.features[indices], train_mask[indices]], train_set.labels[indices]

    log = train(model, config, rng, len(train_set.labels), batch_arrays, len)
    width = test_set.features.shape[1]
    logits = np.asarray(model([test_set.features, mask(test_set, width)], training=False),
                        dtype=np.float64)
    loss = float(-log_softmax(logits)[np.arange(len(test_set.labels)), test_set.labels].mean())
    metrics = data.classification_metrics(test_set.labels, logits.argmax(1), classes)
    return {"loss": loss, **metrics}, log


def run_forecast(keras, args, config, rng):
    window = config["window"]
    sets = data.forecast_sets(args.train, args.test, window, config.get("horizon", 1))
    x, y = sets.inputs, sets.targets
    inputs = keras.Input((window, 1))
    last = keras.layers.GRU(config["hidden_size"], reset_after=True)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(last))
    model.compile(optimizer=make_optimizer(keras, config), loss="mse")
    log = train(model, config, rng, len(y),
                            lambda i: (x[i], y[i][:, None]), len)
    predicted = np.asarray(model(sets.test_inputs, training=False))[:, 0]
    return data.forecast_metrics(predicted, sets.test_targets, sets.mean, sets.std), log


def run_language_model(keras, args, config, rng):
    vocabulary, pieces, test_pieces = data.language_model_sets(args.train, args.test,
                                                               config["sequence_length"])
    symbols = len(vocabulary) + 1
    codes = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(symbols, config["embedding_size"], mask_zero=True)(codes)
    outputs = keras.layers.GRU(config["hidden_size"], reset_after=True,
                               return_sequences=True)(embedded)
    model = keras.Model(codes, keras.layers.Dense(symbols)(outputs))
    model.compile(optimizer=make_optimizer(keras, config),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    log = train(model, config, rng, len(pieces.lengths),
                            lambda i: (pieces.inputs[i], pieces.targets[i]),
                            lambda i: int(pieces.lengths[i].sum()))
    total = 0.0
    for indices in data.batches(len(test_pieces.lengths), 256, None):
        logits = np.asarray(model(test_pieces.inputs[indices], training=False), dtype=np.float64)
        targets = test_pieces.targets[indices]
        picked = np.take_along_axis(log_softmax(logits), targets[:, :, None], axis=2)[:, :, 0]
        total -= float(picked[targets > 0].sum())
    metrics = data.language_model_metrics(total, int(test_pieces.lengths.sum()), len(vocabulary))
    return metrics, log


def main() -> None:
    args = common.parse_arguments("Keras")
    config = common.load_config(args.config, args.epochs, args)
    if config["cell"] != "gru":
        sys.exit(f"error: keras_train.py builds GRUs only, not cell {config['cell']!r}")
    keras = configure(args.threads, config["seed"])
    rng = common.seed_everything(config["seed"])
    load_before = os.getloadavg()
    runner = {"classify": run_classify, "forecast": run_forecast,
              "language-model": run_language_model}[config["task"]]
    metrics, log = runner(keras, args, config, rng)
    import tensorflow as tf
    common.emit("keras", f"keras {keras.__version__}, tensorflow {tf.__version__}",
                args, config, metrics, log, load_before)


if __name__ == "__main__":
    main()
