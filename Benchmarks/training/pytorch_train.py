"""Trains a config's GRU in PyTorch on CPU and prints the JSON record (see common.py).

    .venv-bench/bin/python Benchmarks/training/pytorch_train.py \
        --config Benchmarks/training/configs/japanese-vowels.json \
        --train Datasets/japanese-vowels/JapaneseVowels_TRAIN.ts \
        --test Datasets/japanese-vowels/JapaneseVowels_TEST.ts

Models (torch.nn.GRU is reset-after, gate order r, z, n; default PyTorch initialization; the
config's `cell` or --cell swaps in torch.nn.LSTM or torch.nn.RNN (tanh) with the same sizes):
    classify        GRU(F -> H) over packed sequences, last valid state, Linear(H -> classes),
                    softmax cross-entropy (mean over the batch)
    forecast        GRU(1 -> H) over a window, last state, Linear(H -> 1), MSE on standardized values
    language-model  Embedding(V + 1 -> E, padding 0), GRU(E -> H) per step, Linear(H -> V + 1),
                    cross-entropy per character, mean over the batch's valid characters
Adam with the config's learning rate, betas and epsilon; optional clipping by global norm.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import common
import data


CELLS = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}


def last_hidden(state) -> torch.Tensor:
    """h_n of a GRU or RNN, or of an LSTM's (h_n, c_n)."""
    return state[0] if isinstance(state, tuple) else state


class Classifier(nn.Module):
    def __init__(self, features: int, hidden: int, classes: int, cell: str):
        super().__init__()
        self.gru = CELLS[cell](features, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, last = self.gru(packed)  # (1, B, H): the state after each sequence's last valid step
        return self.linear(last_hidden(last)[0])


class Forecaster(nn.Module):
    def __init__(self, hidden: int, cell: str):
        super().__init__()
        self.gru = CELLS[cell](1, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, last = self.gru(x)
        return self.linear(last_hidden(last)[0])[:, 0]


class CharacterModel(nn.Module):
    def __init__(self, symbols: int, embedding: int, hidden: int, cell: str):
        super().__init__()
        self.embedding = nn.Embedding(symbols, embedding, padding_idx=0)
        self.gru = CELLS[cell](embedding, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, symbols)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.gru(self.embedding(codes))  # (B, L, H); padding is only at the end
        return self.linear(outputs)


def make_optimizer(model: nn.Module, config: dict) -> torch.optim.Optimizer:
    return torch.optim.Adam(model.parameters(), lr=config["learning_rate"],
                            betas=(config.get("beta1", 0.9), config.get("beta2", 0.999)),
                            eps=config.get("epsilon", 1e-8),
                            weight_decay=config.get("weight_decay", 0.0))


def train(model: nn.Module, config: dict, rng: np.random.Generator, count: int,
          step_loss) -> tuple[float, list[float]]:
    """Runs the epochs; step_loss(indices) returns the mean loss of one batch and its weight."""
    optimizer = make_optimizer(model, config)
    clip = config.get("clip_norm")
    epoch_losses, epoch_seconds = [], []
    start = time.perf_counter()
    for epoch in range(config["epochs"]):
        epoch_start = time.perf_counter()
        model.train()
        total, weight = 0.0, 0
        for indices in data.batches(count, config["batch_size"], rng if config.get("shuffle", True) else None):
            optimizer.zero_grad(set_to_none=True)
            loss, n = step_loss(indices)
            loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            total += loss.item() * n
            weight += n
        epoch_losses.append(total / weight)
        epoch_seconds.append(time.perf_counter() - epoch_start)
        common.log_epoch(epoch, config, epoch_losses[-1], time.perf_counter() - start)
    return common.TrainingLog(time.perf_counter() - start, epoch_losses, epoch_seconds)


def run_classify(args, config, rng):
    train_set, test_set = data.classification_sets(args.train, args.test)
    classes = len(train_set.class_names)
    model = Classifier(train_set.features.shape[2], config["hidden_size"], classes, config["cell"])
    x = torch.from_numpy(train_set.features)
    lengths = torch.from_numpy(train_set.lengths)
    y = torch.from_numpy(train_set.labels)
    loss_function = nn.CrossEntropyLoss()

    def step(indices):
        i = torch.from_numpy(indices)
        return loss_function(model(x[i], lengths[i]), y[i]), len(indices)

    log = train(model, config, rng, len(y), step)
    metrics, _ = evaluate_classify(model, test_set)
    return metrics, log


def evaluate_classify(model: nn.Module, test_set: data.SequenceSet) -> tuple[dict, np.ndarray]:
    """The test metrics and each case's class probabilities (N, C)."""
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(test_set.features), torch.from_numpy(test_set.lengths))
        loss = nn.functional.cross_entropy(logits, torch.from_numpy(test_set.labels)).item()
    metrics = data.classification_metrics(test_set.labels, logits.argmax(1).numpy(), len(test_set.class_names))
    return {"loss": loss, **metrics}, torch.softmax(logits, 1).numpy()


def run_forecast(args, config, rng):
    window = config["window"]
    sets = data.forecast_sets(args.train, args.test, window, config.get("horizon", 1))
    x, y = torch.from_numpy(sets.inputs), torch.from_numpy(sets.targets)
    model = Forecaster(config["hidden_size"], config["cell"])
    loss_function = nn.MSELoss()

    def step(indices):
        i = torch.from_numpy(indices)
        return loss_function(model(x[i]), y[i]), len(indices)

    log = train(model, config, rng, len(y), step)
    metrics, _ = evaluate_forecast(model, sets)
    return metrics, log


def evaluate_forecast(model: nn.Module, sets: data.ForecastSets) -> tuple[dict, np.ndarray]:
    """The test metrics and each test window's forecast in the series' unit (N,)."""
    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(sets.test_inputs)).numpy()
    metrics = data.forecast_metrics(predicted, sets.test_targets, sets.mean, sets.std)
    return metrics, predicted.astype(np.float64) * sets.std + sets.mean


def run_language_model(args, config, rng):
    vocabulary, pieces, test_pieces = data.language_model_sets(args.train, args.test,
                                                               config["sequence_length"])
    model = CharacterModel(len(vocabulary) + 1, config["embedding_size"], config["hidden_size"], config["cell"])
    inputs, targets = torch.from_numpy(pieces.inputs), torch.from_numpy(pieces.targets)
    loss_function = nn.CrossEntropyLoss(ignore_index=0)

    def step(indices):
        i = torch.from_numpy(indices)
        logits = model(inputs[i])
        n = int(pieces.lengths[indices].sum())
        return loss_function(logits.reshape(-1, logits.shape[-1]), targets[i].reshape(-1)), n

    log = train(model, config, rng, len(pieces.lengths), step)
    metrics, _ = evaluate_language_model(model, test_pieces, len(vocabulary))
    return metrics, log


def evaluate_language_model(model: nn.Module, pieces: data.CharacterPieces,
                            vocabulary_size: int) -> tuple[dict, np.ndarray]:
    """The test metrics and every valid step's next-character probabilities (steps, V + 1),
    piece after piece, each piece's steps in order."""
    model.eval()
    total = 0.0
    probabilities = []
    with torch.no_grad():
        for indices in data.batches(len(pieces.lengths), 256, None):
            logits = model(torch.from_numpy(pieces.inputs[indices]))  # (B, L, V + 1)
            total += nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]),
                torch.from_numpy(pieces.targets[indices]).reshape(-1),
                ignore_index=0, reduction="sum").item()
            softmax = torch.softmax(logits, -1).numpy()
            probabilities += [softmax[row, :length] for row, length in enumerate(pieces.lengths[indices])]
    metrics = data.language_model_metrics(total, int(pieces.lengths.sum()), vocabulary_size)
    return metrics, np.concatenate(probabilities)


def main() -> None:
    args = common.parse_arguments("PyTorch")
    config = common.load_config(args.config, args.epochs, args)
    if config["cell"] not in CELLS:
        sys.exit(f"error: torch.nn has no cell {config['cell']!r}; pytorch_train.py builds {', '.join(CELLS)}")
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = common.seed_everything(config["seed"])
    torch.manual_seed(config["seed"])
    load_before = os.getloadavg()
    runner = {"classify": run_classify, "forecast": run_forecast,
              "language-model": run_language_model}[config["task"]]
    metrics, log = runner(args, config, rng)
    common.emit("pytorch", torch.__version__, args, config, metrics, log, load_before)


if __name__ == "__main__":
    main()
