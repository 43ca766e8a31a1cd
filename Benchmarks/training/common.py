"""What pytorch_train.py, keras_train.py and grukit_train.py share: the command line, the config and the record.

Record (one JSON object on stdout):
    dataset, task, framework, version   what ran
    config                              the config file's path and its contents, with the
                                        command line's overrides (cell, hidden_size, seed)
    train_file, test_file               the data files
    metrics                             classify: accuracy, macro_f1, loss, confusion_matrix;
                                        forecast: mae, rmse (original unit), loss (normalized MSE);
                                        language-model: perplexity, loss (nats per character)
    train_seconds                       wall-clock seconds of the epochs only (no loading,
                                        no evaluation)
    fastest_epoch_seconds               the quickest epoch: on a busy machine, a better guide
                                        to the speed than the total
    epoch_losses, epoch_seconds         mean training loss and wall-clock seconds of each epoch
    threads                             intra-op threads of the framework
    load_average                        os.getloadavg() before and after training
    machine                             CPU model, core count, Python version
    date                                the UTC date of the run (records before 2026-12-02 have none)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

REPO = Path(__file__).resolve().parents[2]
TASKS = ("classify", "forecast", "language-model")
CELLS = ("gru", "lstm", "rnn", "layer-norm-gru")


@dataclass
class TrainingLog:
    """What the epochs took and reached."""

    seconds: float               # wall-clock time of all epochs
    epoch_losses: list[float]    # mean training loss of each epoch
    epoch_seconds: list[float]   # wall-clock time of each epoch


def parse_arguments(framework: str,
                    add_options: Callable[[argparse.ArgumentParser], object] | None = None) -> argparse.Namespace:
    """The shared command line; `add_options` adds a framework's own options."""
    parser = argparse.ArgumentParser(
        description=f"Trains the GRU of one Benchmarks/training/configs/*.json in {framework} "
                    "and prints one JSON record on stdout.")
    parser.add_argument("--config", type=Path, required=True, help="configs/<name>.json")
    parser.add_argument("--train", type=Path, required=True, help="training file")
    parser.add_argument("--test", type=Path, required=True,
                        help="file the reported metrics are measured on")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--epochs", type=int, help="override the config's epochs (smoke tests)")
    parser.add_argument("--cell", choices=CELLS, help="override the config's cell (default gru)")
    parser.add_argument("--hidden-size", type=int, help="override the config's hidden size")
    parser.add_argument("--seed", type=int, help="override the config's seed")
    if add_options is not None:
        add_options(parser)
    return parser.parse_args()


def load_config(path: Path, epochs: int | None, args: argparse.Namespace | None = None) -> dict[str, Any]:
    """The config file's settings, with the command line's overrides (`--epochs`, and from
    `args` `--cell`, `--hidden-size`, `--seed`) applied."""
    config = json.loads(path.read_text())
    if config.get("task") not in TASKS:
        sys.exit(f"error: {path}: task {config.get('task')!r} is not one of {TASKS}")
    if config.get("optimizer") != "adam":
        sys.exit(f"error: {path}: only optimizer 'adam' is scripted, found {config.get('optimizer')!r}")
    if config.get("layers", 1) != 1 or config.get("bidirectional", False):
        sys.exit(f"error: {path}: the scripts build 1-layer unidirectional GRUs")
    if epochs is not None:
        config["epochs"] = epochs
    for key in ("cell", "hidden_size", "seed"):
        value = getattr(args, key, None)
        if value is not None:
            config[key] = value
    if config.setdefault("cell", "gru") not in CELLS:
        sys.exit(f"error: {path}: cell {config['cell']!r} is not one of {CELLS}")
    return config


def seed_everything(seed: int) -> np.random.Generator:
    """Seeds Python and numpy; returns the generator that shuffles the batches."""
    random.seed(seed)
    np.random.seed(seed)
    return np.random.default_rng(seed)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version()}


def relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


def emit(framework: str, version: str, args: argparse.Namespace, config: dict[str, Any],
         metrics: dict[str, Any], log: TrainingLog, load_before: tuple[float, ...],
         extra: dict[str, Any] | None = None) -> None:
    """Prints the record; `extra` adds a framework's own keys (GRUKit: each epoch's validation
    metrics, `epoch_validation`)."""
    record = {
        "dataset": config.get("name", args.config.stem),
        "task": config["task"],
        "framework": framework,
        "version": version,
        "config": {"path": relative(args.config), **config},
        "train_file": relative(args.train),
        "test_file": relative(args.test),
        "metrics": metrics,
        "train_seconds": round(log.seconds, 3),
        "fastest_epoch_seconds": round(min(log.epoch_seconds), 3),
        "epoch_losses": [round(x, 6) for x in log.epoch_losses],
        "epoch_seconds": [round(x, 3) for x in log.epoch_seconds],
        "threads": args.threads,
        "load_average": {"before": [round(x, 2) for x in load_before],
                         "after": [round(x, 2) for x in os.getloadavg()]},
        "machine": machine(),
        "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
        **(extra or {}),
    }
    json.dump(record, sys.stdout, indent=2)
    sys.stdout.write("\n")


def log_epoch(epoch: int, config: dict[str, Any], loss: float, seconds: float) -> None:
    say(f"epoch {epoch + 1}/{config['epochs']}  loss {loss:.5f}  {seconds:.1f}s")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_marked_table(path: Path, marker: str, text: str) -> None:
    """Replaces what lies between `<!-- {marker} -->` and `<!-- end {marker} -->` in `path`."""
    content = path.read_text()
    pattern = re.compile(rf"(<!-- {marker} -->\n).*?(<!-- end {marker} -->)", re.S)
    if not pattern.search(content):
        sys.exit(f"error: {path} has no <!-- {marker} --> ... <!-- end {marker} --> markers")
    path.write_text(pattern.sub(lambda m: m.group(1) + text + "\n" + m.group(2), content))

