"""Loads the Datasets/ files into numpy arrays exactly as the GRUKit run is meant to see them.

Framework-free (numpy only), shared by pytorch_train.py and keras_train.py so that both
train on the same arrays. Every rule here is one the GRUKit loaders must follow for the
numbers in RESULTS.md to be comparable:

- classify (.ts, UEA/UCR format): one case per line after `@data`, dimensions separated by
  `:`, values by `,`, the class label last. Labels map to indices in the order of the
  header's `@classLabel` list. Features are standardized per dimension with the mean and
  population standard deviation of every time step of every training case.
- forecast (.csv with a header, last column the value): windows of `window` consecutive
  values predict the value `horizon` steps after the window. Values are standardized with
  the mean and population standard deviation of the training file; errors are reported
  back in the original unit.
- language-model (.txt): the vocabulary is the sorted set of characters of the training
  file (index 0 is reserved for padding, so characters are 1...V). The text is cut into
  consecutive pieces of `sequence_length` targets: inputs text[k*L : k*L+L], targets
  text[k*L+1 : k*L+L+1]; the last piece is shorter and kept, with its length. Every piece
  starts from a zero hidden state (no state is carried between pieces).

Letters: N cases, T time steps (padded), F features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DataError(Exception):
    """A data file is not in the expected format; the message names the file and line."""


# MARK: - Classification (.ts)


@dataclass
class SequenceSet:
    """Padded variable-length multivariate sequences with labels."""

    features: np.ndarray  # (N, T, F) float32, zero-padded after each case's length
    lengths: np.ndarray   # (N,) int64
    labels: np.ndarray    # (N,) int64 in 0..<classes
    class_names: list[str]


def load_ts(path: Path, class_names: list[str] | None = None) -> SequenceSet:
    header_classes: list[str] | None = None
    cases: list[np.ndarray] = []
    labels: list[str] = []
    in_data = False
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            lowered = line.lower()
            if lowered.startswith("@classlabel"):
                parts = line.split()
                if len(parts) > 2 and parts[1].lower() == "true":
                    header_classes = parts[2:]
            elif lowered == "@data":
                in_data = True
            continue
        fields = line.split(":")
        if len(fields) < 2:
            raise DataError(f"{path}:{number}: expected dimensions separated by ':' and a label")
        try:
            dims = [np.array([float(v) for v in field.split(",")], dtype=np.float64)
                    for field in fields[:-1]]
        except ValueError as error:
            raise DataError(f"{path}:{number}: {error}") from error
        if len({len(d) for d in dims}) != 1:
            raise DataError(f"{path}:{number}: dimensions have different lengths "
                            f"{sorted({len(d) for d in dims})}")
        cases.append(np.stack(dims, axis=1))  # (T_i, F)
        labels.append(fields[-1].strip())
    if not cases:
        raise DataError(f"{path}: no cases after @data")
    names = class_names or header_classes or sorted(set(labels))
    unknown = sorted(set(labels) - set(names))
    if unknown:
        raise DataError(f"{path}: labels {unknown} not among the classes {names}")
    feature_count = cases[0].shape[1]
    longest = max(c.shape[0] for c in cases)
    features = np.zeros((len(cases), longest, feature_count), dtype=np.float64)
    for i, case in enumerate(cases):
        if case.shape[1] != feature_count:
            raise DataError(f"{path}: case {i + 1} has {case.shape[1]} dimensions, "
                            f"the first has {feature_count}")
        features[i, :case.shape[0]] = case
    return SequenceSet(features=features,
                       lengths=np.array([c.shape[0] for c in cases], dtype=np.int64),
                       labels=np.array([names.index(l) for l in labels], dtype=np.int64),
                       class_names=names)


def fit_standardization(data: SequenceSet) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and population standard deviation over all valid time steps."""
    mask = np.arange(data.features.shape[1])[None, :] < data.lengths[:, None]  # (N, T)
    steps = data.features[mask]  # (valid steps, F)
    std = steps.std(axis=0)
    return steps.mean(axis=0), np.where(std > 0, std, 1.0)


def standardize(data: SequenceSet, mean: np.ndarray, std: np.ndarray) -> SequenceSet:
    mask = np.arange(data.features.shape[1])[None, :, None] < data.lengths[:, None, None]
    features = np.where(mask, (data.features - mean) / std, 0.0).astype(np.float32)
    return SequenceSet(features, data.lengths, data.labels, data.class_names)


def classification_sets(train_path: Path, test_path: Path) -> tuple[SequenceSet, SequenceSet]:
    """Both files, standardized with the training file's per-feature statistics."""
    train_set = load_ts(train_path)
    test_set = load_ts(test_path, train_set.class_names)
    mean, std = fit_standardization(train_set)
    return standardize(train_set, mean, std), standardize(test_set, mean, std)


def classification_metrics(labels: np.ndarray, predictions: np.ndarray,
                           classes: int) -> dict[str, object]:
    confusion = np.zeros((classes, classes), dtype=np.int64)  # rows true, columns predicted
    np.add.at(confusion, (labels, predictions), 1)
    true_positive = np.diag(confusion).astype(np.float64)
    precision = np.divide(true_positive, confusion.sum(axis=0),
                          out=np.zeros(classes), where=confusion.sum(axis=0) > 0)
    recall = np.divide(true_positive, confusion.sum(axis=1),
                       out=np.zeros(classes), where=confusion.sum(axis=1) > 0)
    f1 = np.divide(2 * precision * recall, precision + recall,
                   out=np.zeros(classes), where=(precision + recall) > 0)
    return {"accuracy": float(true_positive.sum() / len(labels)),
            "macro_f1": float(f1.mean()),
            "confusion_matrix": confusion.tolist()}


# MARK: - Forecasting (.csv)


def load_series(path: Path) -> tuple[list[str], np.ndarray]:
    """The first column (time labels) and the last column (float64 values) of a CSV file."""
    lines = path.read_text().splitlines()
    if not lines:
        raise DataError(f"{path}: empty file")
    times, values = [], []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split(",")
        try:
            values.append(float(fields[-1]))
        except ValueError as error:
            raise DataError(f"{path}:{number}: value {fields[-1]!r} is not a number") from error
        times.append(fields[0])
    return times, np.array(values, dtype=np.float64)


def windows(values: np.ndarray, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (N, window, 1) and targets (N,) of every complete window, in time order."""
    count = len(values) - window - horizon + 1
    if count < 1:
        raise DataError(f"{len(values)} values are fewer than window {window} + horizon {horizon}")
    inputs = np.stack([values[i:i + window] for i in range(count)])[:, :, None]
    targets = np.array([values[i + window + horizon - 1] for i in range(count)])
    return inputs.astype(np.float32), targets.astype(np.float32)


@dataclass
class ForecastSets:
    """Standardized windows of the training and test files, and the training statistics."""

    inputs: np.ndarray        # (N, window, 1) float32
    targets: np.ndarray       # (N,) float32
    test_inputs: np.ndarray
    test_targets: np.ndarray
    mean: float
    std: float


def forecast_sets(train_path: Path, test_path: Path, window: int, horizon: int) -> ForecastSets:
    _, train_values = load_series(train_path)
    _, test_values = load_series(test_path)
    mean, std = float(train_values.mean()), float(train_values.std())
    inputs, targets = windows((train_values - mean) / std, window, horizon)
    test_inputs, test_targets = windows((test_values - mean) / std, window, horizon)
    return ForecastSets(inputs, targets, test_inputs, test_targets, mean, std)


def forecast_metrics(predicted: np.ndarray, targets: np.ndarray, mean: float,
                     std: float) -> dict[str, object]:
    """MAE and RMSE in the series' own unit; loss is the MSE of the standardized values."""
    predicted = predicted.astype(np.float64)
    targets = targets.astype(np.float64)
    error = (predicted - targets) * std
    return {"mae": float(np.abs(error).mean()), "rmse": float(np.sqrt((error ** 2).mean())),
            "loss": float(np.mean((predicted - targets) ** 2)), "test_windows": len(targets)}


# MARK: - Character language model (.txt)


@dataclass
class CharacterPieces:
    """Consecutive pieces of a text as vocabulary indices (0 = padding)."""

    inputs: np.ndarray   # (N, L) int64
    targets: np.ndarray  # (N, L) int64, 0 after each piece's length
    lengths: np.ndarray  # (N,) int64


def character_vocabulary(text: str) -> list[str]:
    return sorted(set(text))


def character_pieces(text: str, vocabulary: list[str], sequence_length: int,
                     origin: str) -> CharacterPieces:
    index = {c: i + 1 for i, c in enumerate(vocabulary)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise DataError(f"{origin}: characters {unknown!r} are not in the training vocabulary")
    codes = np.array([index[c] for c in text], dtype=np.int64)
    targets_total = len(codes) - 1
    count = -(-targets_total // sequence_length)
    inputs = np.zeros((count, sequence_length), dtype=np.int64)
    targets = np.zeros((count, sequence_length), dtype=np.int64)
    lengths = np.zeros(count, dtype=np.int64)
    for k in range(count):
        start = k * sequence_length
        n = min(sequence_length, targets_total - start)
        inputs[k, :n] = codes[start:start + n]
        targets[k, :n] = codes[start + 1:start + n + 1]
        lengths[k] = n
    return CharacterPieces(inputs, targets, lengths)


def language_model_sets(train_path: Path, test_path: Path, sequence_length: int
                        ) -> tuple[list[str], CharacterPieces, CharacterPieces]:
    """The training file's vocabulary and both files cut into pieces."""
    train_text = train_path.read_text()
    vocabulary = character_vocabulary(train_text)
    return (vocabulary,
            character_pieces(train_text, vocabulary, sequence_length, str(train_path)),
            character_pieces(test_path.read_text(), vocabulary, sequence_length, str(test_path)))


def language_model_metrics(total_nats: float, characters: int,
                           vocabulary_size: int) -> dict[str, object]:
    loss = total_nats / characters
    return {"perplexity": math.exp(loss), "loss": loss, "bits_per_character": loss / math.log(2),
            "vocabulary_size": vocabulary_size, "predicted_characters": characters}


def batches(count: int, batch_size: int, rng: np.random.Generator | None):
    """Index arrays of the batches of one epoch; shuffled when rng is given; the last may be short."""
    order = rng.permutation(count) if rng is not None else np.arange(count)
    return [order[i:i + batch_size] for i in range(0, count, batch_size)]
