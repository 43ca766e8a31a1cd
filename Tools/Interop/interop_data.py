"""What the consumer checks of Tools/Interop share: small data files of every kind `gru train`
reads, the sequences a consumer is fed from them (as GRUKit reads them), and running `gru`.
"""

from __future__ import annotations

import csv
import math
import re
import subprocess
from pathlib import Path

import numpy as np

TOLERANCE = 1e-5


# MARK: - Data files

def write_ts(path: Path, rng: np.random.RandomState, count: int, features: int, classes: int) -> None:
    lines = ["@problemName Check", "@timeStamps false", "@missing false", "@univariate false",
             f"@dimensions {features}", "@equalLength false",
             "@classLabel true " + " ".join(f"c{k}" for k in range(classes)), "@data"]
    for index in range(count):
        label = index % classes
        steps = int(rng.randint(2, 9))
        # Never an all-zero step: Keras's Masking would take it for padding.
        values = rng.randn(features, steps) * 2.0 + 3.0 + label
        dims = [",".join(repr(float(np.float32(v))) for v in row) for row in values]
        lines.append(":".join(dims) + f":c{label}")
    path.write_text("\n".join(lines) + "\n")


WORDS = ["good", "great", "fine", "nice", "bad", "awful", "poor", "terrible", "and", "the", "movie", "plot"]


def write_text_csv(path: Path, rng: np.random.RandomState, count: int) -> None:
    rows = ["label,text"]
    for index in range(count):
        label = "pos" if index % 2 == 0 else "neg"
        pool = WORDS[:4] if label == "pos" else WORDS[4:8]
        words = [pool[rng.randint(len(pool))] if rng.rand() < 0.7 else WORDS[8 + rng.randint(4)]
                 for _ in range(rng.randint(1, 8))]
        rows.append(f"{label},{' '.join(words)}")
    path.write_text("\n".join(rows) + "\n")


def write_conll(path: Path, rng: np.random.RandomState, count: int) -> None:
    vocabulary = {"the": "DET", "a": "DET", "cat": "NOUN", "dog": "NOUN", "log": "NOUN", "sat": "VERB",
                  "ran": "VERB", "on": "ADP", "home": "NOUN", "quickly": "ADV"}
    tokens = list(vocabulary)
    sentences = []
    for _ in range(count):
        words = [tokens[rng.randint(len(tokens))] for _ in range(rng.randint(1, 8))]
        sentences.append("\n".join(f"{word} {vocabulary[word]}" for word in words))
    path.write_text("\n\n".join(sentences) + "\n")


def write_series(path: Path, rng: np.random.RandomState, rows: int) -> None:
    lines = ["load,temperature"]
    for step in range(rows):
        load = 100 + 20 * math.sin(step * 0.5) + step + rng.randn()
        temperature = 15 + 5 * math.cos(step * 0.3) + 0.5 * rng.randn()
        lines.append(f"{load:.3f},{temperature:.3f}")
    path.write_text("\n".join(lines) + "\n")


def write_text(path: Path) -> None:
    path.write_text("the cat sat on the mat.\nthe dog sat on the log.\na cat ran home.\n" * 3)


# MARK: - The sequences GRUKit reads, rebuilt from the files

def ts_sequences(path: Path) -> list[np.ndarray]:
    lines = path.read_text().splitlines()
    result = []
    for line in lines[lines.index("@data") + 1:]:
        if line.strip():
            *dims, _ = line.split(":")
            result.append(np.array([[float(v) for v in dim.split(",")] for dim in dims], dtype=np.float32).T)
    return result  # each (T, F), raw: the Keras model normalizes


def ids(tokens: list[str], vocabulary: list[str]) -> np.ndarray:
    index = {token: i for i, token in enumerate(vocabulary)}
    return np.array([index.get(token, 1) for token in tokens], dtype=np.int64)


def csv_text_sequences(path: Path, vocabulary: list[str]) -> list[np.ndarray]:
    with path.open() as file:
        rows = list(csv.DictReader(file))
    return [ids([t for t in re.split(r"[^0-9a-z]+", row["text"].lower()) if t], vocabulary) for row in rows]


def conll_sequences(path: Path, vocabulary: list[str]) -> list[np.ndarray]:
    blocks = [b for b in path.read_text().split("\n\n") if b.strip()]
    return [ids([line.split()[0] for line in block.splitlines()], vocabulary) for block in blocks]


def text_sequences(path: Path, vocabulary: list[str], length: int) -> list[tuple[np.ndarray, np.ndarray]]:
    tokens = ids(list(path.read_text()), vocabulary)
    return [(tokens[start:start + length + 1][:-1], tokens[start:start + length + 1][1:])
            for start in range(0, len(tokens) - 1, length)]


# MARK: - Running gru, feeding a consumer

def run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def padded(sequences: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The sequences zero-padded into one batch (B, T, ...), and their lengths (B) int64."""
    steps = max(len(s) for s in sequences)
    batch = np.zeros((len(sequences), steps) + sequences[0].shape[1:], dtype=sequences[0].dtype)
    for b, sequence in enumerate(sequences):
        batch[b, :len(sequence)] = sequence
    return batch, np.array([len(s) for s in sequences], dtype=np.int64)


def step_error(rows: list[dict[str, str]], outputs: list[np.ndarray], consumer: str) -> float:
    """The largest difference between the consumer's (T, C) rows and predict's probabilities column."""
    if len(rows) != len(outputs):
        raise AssertionError(f"gru predict wrote {len(rows)} rows for {len(outputs)} sequences")
    worst = 0.0
    for row, output in zip(rows, outputs):
        expected = np.array([[float(v) for v in step.split(" ")] for step in row["probabilities"].split(";")])
        if expected.shape != output.shape:
            raise AssertionError(f"row {row['index']}: predict has {expected.shape} probabilities, "
                                 f"{consumer} {output.shape}")
        worst = max(worst, float(np.max(np.abs(output - expected))))
    return worst
