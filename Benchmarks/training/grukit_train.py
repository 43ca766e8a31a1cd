"""Trains a config's GRU with GRUKit's `gru` executable and prints the JSON record.

    swift build -c release --product gru
    python3 Benchmarks/training/grukit_train.py \
        --config Benchmarks/training/configs/japanese-vowels.json \
        --train Datasets/japanese-vowels/JapaneseVowels_TRAIN.ts \
        --test Datasets/japanese-vowels/JapaneseVowels_TEST.ts

The same command line and record as pytorch_train.py and keras_train.py (see common.py), from
two runs of the binary: `gru train` with the config's settings as flags (the configs hold keys
that `gru train --config` does not take, such as `head` and `beta1`, so each key is checked
against GRUKit's behaviour here and refused when GRUKit would do otherwise), then
`gru evaluate --json` on the test file. Epoch losses and times come from the model
directory's log.jsonl. `gru train` is given the test file as `--validation` only so that
the log shows it: there is no early stopping, so it does not choose the weights; it does put
a validation pass into every epoch's time, which the Python scripts' epochs do not have.

Only the Python standard library is needed (and numpy, which common.py imports).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import common

DEFAULT_GRU = common.REPO / ".build" / "release" / "gru"

# Config keys and the values GRUKit takes without a flag; any other value is refused.
FIXED = {"head": "last-state", "normalization": "standard", "shuffle": True, "beta1": 0.9,
         "beta2": 0.999, "epsilon": 1e-8, "dropout": 0.0}


def train_flags(config: dict[str, Any], path: Path) -> list[str]:
    """`gru train` flags for the config's settings."""
    for key, value in FIXED.items():
        if key in config and config[key] != value:
            sys.exit(f"error: {path}: {key} {config[key]!r} is not scripted for GRUKit; expected {value!r}")
    flags = ["--task", config["task"], "--cell", config.get("cell", "gru"),
             "--hidden-size", str(config["hidden_size"]), "--layers", str(config.get("layers", 1)),
             "--epochs", str(config["epochs"]), "--batch-size", str(config["batch_size"]),
             "--optimizer", config["optimizer"], "--learning-rate", repr(config["learning_rate"]),
             "--seed", str(config["seed"])]
    if config.get("cell", "gru") == "gru":
        flags += ["--variant", "reset-after" if config.get("reset_after", True) else "reset-before"]
    if config.get("bidirectional", False):
        flags.append("--bidirectional")
    if config.get("weight_decay", 0.0):
        flags += ["--weight-decay", repr(config["weight_decay"])]
    if config.get("clip_norm") is not None:
        flags += ["--clip-norm", repr(config["clip_norm"])]
    if config["task"] == "forecast":
        flags += ["--window", str(config["window"]), "--horizon", str(config["horizon"])]
    if config["task"] == "language-model":
        flags += ["--sequence-length", str(config["sequence_length"]),
                  "--embedding-size", str(config["embedding_size"])]
    return flags


def run(command: list[str], threads: int) -> str:
    """Runs `command` with GRUKit's thread count set; its stderr (progress) passes through."""
    environment = dict(os.environ, GRUKIT_NUM_THREADS=str(threads))
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=environment)
    if completed.returncode != 0:
        sys.exit(f"error: {' '.join(command[:2])} exited with {completed.returncode}")
    return completed.stdout


def metrics_of(task: str, evaluation: dict[str, Any]) -> dict[str, Any]:
    """The record's metrics from `gru evaluate --json`, under the Python scripts' names."""
    if task == "classify":
        return {key: evaluation[key] for key in ("loss", "accuracy", "macro_f1", "confusion_matrix")}
    if task == "forecast":
        return {key: evaluation[key] for key in ("mae", "rmse", "loss")}
    loss = evaluation["loss"]
    return {"perplexity": evaluation["perplexity"], "loss": loss, "bits_per_character": loss / math.log(2)}


def version() -> str:
    """GRUKit's version: the commit it was built from (with `+changes` for a dirty tree)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=common.REPO,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "Sources"],
                               cwd=common.REPO, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"git {commit}" + ("+changes" if dirty else "")


def main() -> None:
    def add_options(parser):
        parser.add_argument("--gru", type=Path, default=DEFAULT_GRU, help=f"the gru executable (default {DEFAULT_GRU})")
        parser.add_argument("--gru-flags", type=str.split, default=[],
                            help="more `gru train` flags, one string (e.g. \"--zoneout 0.1\"); "
                                 "the record's config keeps them as gru_flags")

    args = common.parse_arguments("GRUKit", add_options)
    config = common.load_config(args.config, args.epochs, args)
    if not args.gru.is_file():
        sys.exit(f"error: {args.gru}: no gru executable; build it with `swift build -c release --product gru`")
    with tempfile.TemporaryDirectory(prefix="grukit-train-") as scratch:
        model = Path(scratch) / config.get("name", args.config.stem)
        load_before = os.getloadavg()
        run([str(args.gru), "train", "--train", str(args.train), "--validation", str(args.test),
             "--model", str(model), *train_flags(config, args.config), *args.gru_flags], args.threads)
        epochs = [json.loads(line) for line in (model / "log.jsonl").read_text().splitlines() if line]
        evaluation = json.loads(run([str(args.gru), "evaluate", "--model", str(model),
                                     "--data", str(args.test), "--json"], args.threads))
    log = common.TrainingLog(seconds=sum(e["seconds"] for e in epochs),
                             epoch_losses=[e["trainingLoss"] for e in epochs],
                             epoch_seconds=[e["seconds"] for e in epochs])
    if args.gru_flags:
        config["gru_flags"] = args.gru_flags
    common.emit("grukit", version(), args, config, metrics_of(config["task"], evaluation), log, load_before,
                extra={"epoch_validation": [e.get("validation") for e in epochs]})


if __name__ == "__main__":
    main()
