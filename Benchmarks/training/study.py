"""Runs a study of RESULTS.md: one model changed along one axis, over several seeds, on the real data sets.

    .venv-bench/bin/python Benchmarks/training/study.py cells           # GRU, LSTM, RNN; GRUKit and PyTorch
    .venv-bench/bin/python Benchmarks/training/study.py regularizers    # GRUKit's GRU with each regularizer
    .venv-bench/bin/python Benchmarks/training/study.py cells --datasets airline --seeds 42

Studies:
    cells         GRU, LSTM and plain RNN (tanh) with the config's hidden size, and LSTM and RNN
                  with the hidden size whose parameter count is nearest the GRU's; in GRUKit,
                  and PyTorch's GRU and LSTM with the config's hidden size, trained alike.
    regularizers  GRUKit's GRU without regularization, with dropout before the output layer,
                  recurrent (variational) dropout, zoneout, weight-drop, and the layer-norm GRU,
                  on the character language model and the classification set.

Each run is grukit_train.py or pytorch_train.py with the data set's config and the run's
overrides (--cell, --hidden-size, --seed, GRUKit's --gru-flags); its record goes to
results/<study>/<data set>/<run>.json once it has succeeded. Runs whose record exists are
skipped, so an interrupted study goes on where it stopped (--rerun runs them again). Then
the study's tables replace the blocks `<!-- study-table: <study>/<data set> -->` ...
`<!-- end study-table -->` of RESULTS.md, and the regularizer study draws each data set's
validation curves (the mean over seeds of each epoch's validation metric) into
Benchmarks/training/plots/. `--no-run` only rewrites the tables and plots from the records.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import common
import run_all

HERE = Path(__file__).resolve().parent
PLOTS = HERE / "plots"
DEFAULT_SEEDS = (42, 43, 44)

# Input features and outputs of each data set's model, and its embedding (symbols, size).
SHAPES = {
    "japanese-vowels": {"inputs": 12, "outputs": 9, "embedding": None},
    "airline": {"inputs": 1, "outputs": 1, "embedding": None},
    "persuasion": {"inputs": 64, "outputs": 76, "embedding": (76, 64)},
}
GATES = {"gru": 3, "lstm": 4, "rnn": 1, "layer-norm-gru": 3}
CELL_NAMES = {"gru": "GRU", "lstm": "LSTM", "rnn": "RNN", "layer-norm-gru": "layer-norm GRU"}
FRAMEWORK_NAMES = {"grukit": "GRUKit", "pytorch": "PyTorch"}

# What each data set's tables show: (column, metric key, format, higher is better).
METRICS = {
    "classify": [("test accuracy", "accuracy", "{:.2%}", True), ("test loss", "loss", "{:.4f}", False)],
    "forecast": [("test MAE", "mae", "{:.2f}", False), ("test RMSE", "rmse", "{:.2f}", False)],
    "language-model": [("validation perplexity", "perplexity", "{:.3f}", False)],
}
# The per-epoch validation metric a regularizer plot draws, from GRUKit's log.
CURVES = {"classify": ("accuracy", "validation accuracy"), "language-model": ("loss", "validation loss (nats/char)"),
          "forecast": ("loss", "validation loss (normalized MSE)")}

# The regularizer study's settings, `gru train` flags on top of the data set's config.
REGULARIZERS = [
    ("none", []),
    ("dropout 0.25 before the output layer", ["--output-dropout", "0.25"]),
    ("recurrent dropout 0.25", ["--recurrent-dropout", "0.25"]),
    ("zoneout 0.1", ["--zoneout", "0.1"]),
    ("weight-drop 0.3", ["--weight-drop", "0.3"]),
    ("layer-norm GRU", None),
]


@dataclass
class Run:
    """One training run of a study."""

    dataset: str
    framework: str
    cell: str
    hidden: int
    seed: int
    label: str                      # the table row this run belongs to
    gru_flags: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.dataset, self.name)

    @property
    def name(self) -> str:
        flags = "".join(flag.strip("-") for flag in self.gru_flags).replace(".", "")
        return f"{self.framework}-{self.cell}-h{self.hidden}{'-' + flags if flags else ''}-seed{self.seed}"


def parameters(dataset: str, cell: str, hidden: int) -> int:
    """The model's parameter count: the recurrent layer (two biases per gate, as PyTorch and
    GRUKit have; the layer-norm GRU's two gains of 3H), the head, and the embedding."""
    shape = SHAPES[dataset]
    count = GATES[cell] * (shape["inputs"] * hidden + hidden * hidden + 2 * hidden)
    if cell == "layer-norm-gru":
        count += 2 * 3 * hidden
    count += hidden * shape["outputs"] + shape["outputs"]
    if shape["embedding"]:
        count += shape["embedding"][0] * shape["embedding"][1]
    return count


def matched_hidden(dataset: str, cell: str, gru_hidden: int) -> int:
    """The hidden size of `cell` whose model has the parameter count nearest the GRU's."""
    target = parameters(dataset, "gru", gru_hidden)
    return min(range(1, 8 * gru_hidden), key=lambda h: abs(parameters(dataset, cell, h) - target))


def config_of(dataset: str) -> dict:
    return json.loads((HERE / "configs" / f"{dataset}.json").read_text())


def cell_runs(datasets: list[str], seeds: list[int]) -> list[Run]:
    runs = []
    for dataset in datasets:
        hidden = config_of(dataset)["hidden_size"]
        for seed in seeds:
            for cell in ("gru", "lstm", "rnn"):
                runs.append(Run(dataset, "grukit", cell, hidden, seed, f"{CELL_NAMES[cell]}, same hidden size"))
            for cell in ("lstm", "rnn"):
                runs.append(Run(dataset, "grukit", cell, matched_hidden(dataset, cell, hidden), seed,
                                f"{CELL_NAMES[cell]}, the GRU's parameter count"))
            for cell in ("gru", "lstm"):
                runs.append(Run(dataset, "pytorch", cell, hidden, seed, f"{CELL_NAMES[cell]}, same hidden size"))
    return runs


def regularizer_runs(datasets: list[str], seeds: list[int]) -> list[Run]:
    runs = []
    for dataset in datasets:
        hidden = config_of(dataset)["hidden_size"]
        for seed in seeds:
            for label, flags in REGULARIZERS:
                cell = "layer-norm-gru" if flags is None else "gru"
                runs.append(Run(dataset, "grukit", cell, hidden, seed, label, flags or []))
    return runs


STUDIES = {
    "cells": (cell_runs, list(run_all.DATASETS)),
    "regularizers": (regularizer_runs, ["persuasion", "japanese-vowels"]),
}


def execute(run: Run, record: Path, threads: int) -> None:
    train, test = run_all.DATASETS[run.dataset]
    command = [sys.executable, str(HERE / run_all.SCRIPTS[run.framework]),
               "--config", str(HERE / "configs" / f"{run.dataset}.json"), "--train", str(train), "--test", str(test),
               "--threads", str(threads), "--cell", run.cell, "--hidden-size", str(run.hidden),
               "--seed", str(run.seed)]
    if run.gru_flags:
        command += ["--gru-flags", " ".join(run.gru_flags)]
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               cwd=common.REPO)
    if completed.returncode != 0:
        sys.exit(f"error: {' '.join(command[1:2])} for {run.dataset}/{run.name} exited with {completed.returncode}; "
                 f"rerun it alone to see its output: {' '.join(command)}")
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_suffix(".json.partial")
    partial.write_text(completed.stdout)
    partial.replace(record)


def spread(values: list[float], fmt: str) -> str:
    """`mean ± sd` over seeds (sd of the sample), or the one value."""
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.mean(values))} ± {fmt.format(statistics.stdev(values))}"


def table(study: str, dataset: str, runs: list[Run], records: dict[tuple, dict]) -> str:
    task = config_of(dataset)["task"]
    metrics = METRICS[task]
    lines = ["| framework | model | hidden | parameters | "
             + " | ".join(f"{name} (mean ± sd)" for name, *_ in metrics)
             + " | seeds | fastest epoch s (median) | train seconds (mean) |",
             "|" + " --- |" * (len(metrics) + 7)]
    rows: dict[tuple, list[dict]] = {}
    for run in runs:
        if run.dataset == dataset and run.key in records:
            rows.setdefault((run.framework, run.label, run.cell, run.hidden), []).append(records[run.key])
    for (framework, label, cell, hidden), group in rows.items():
        model = label if study == "regularizers" else label.replace(", ", ": ", 1)
        cells = [FRAMEWORK_NAMES[framework], model, str(hidden), f"{parameters(dataset, cell, hidden):,}"]
        cells += [spread([r["metrics"][key] for r in group], fmt) for _, key, fmt, _ in metrics]
        cells += [str(len(group)), f"{statistics.median(r['fastest_epoch_seconds'] for r in group):.3f}",
                  f"{statistics.mean(r['train_seconds'] for r in group):.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


BLOCK = re.compile(r"(<!-- study-table: (?P<name>[\w/-]+) -->\n)(?P<body>.*?)(<!-- end study-table -->)", re.DOTALL)


def write_tables(path: Path, tables: dict[str, str]) -> None:
    text = path.read_text()
    missing = set(tables) - {m["name"] for m in BLOCK.finditer(text)}
    if missing:
        sys.exit(f"error: {path}: no '<!-- study-table: NAME -->' block for {sorted(missing)}")
    path.write_text(BLOCK.sub(lambda m: m.group(1) + tables.get(m["name"], m["body"]) + m.group(4), text))


def plot_curves(dataset: str, runs: list[Run], records: dict[tuple, dict]) -> Path | None:
    """The regularizer study's validation curves of one data set, the mean over seeds."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    key, axis = CURVES[config_of(dataset)["task"]]
    figure, ax = plt.subplots(figsize=(7, 4.2))
    drawn = False
    for label in dict.fromkeys(run.label for run in runs if run.dataset == dataset):
        curves = [records[run.key]["epoch_validation"] for run in runs
                  if run.dataset == dataset and run.label == label and run.key in records]
        if not curves:
            continue
        epochs = min(len(curve) for curve in curves)
        mean = [statistics.mean(curve[e][key] for curve in curves) for e in range(epochs)]
        seeds = f"{len(curves)} seed{'s' if len(curves) != 1 else ''}"
        ax.plot(range(1, epochs + 1), mean, label=f"{label} ({seeds})")
        drawn = True
    if not drawn:
        plt.close(figure)
        return None
    ax.set_xlabel("epoch")
    ax.set_ylabel(axis)
    ax.set_title(f"{dataset}: GRUKit's GRU with each regularizer")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    figure.tight_layout()
    PLOTS.mkdir(exist_ok=True)
    out = PLOTS / f"regularizers-{dataset}.png"
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("study", choices=STUDIES)
    parser.add_argument("--datasets", type=lambda t: run_all.names(t, run_all.DATASETS),
                        help="comma-separated (default: the study's)")
    parser.add_argument("--seeds", type=lambda t: [int(s) for s in t.split(",")], default=list(DEFAULT_SEEDS),
                        help="comma-separated (default 42,43,44)")
    parser.add_argument("--threads", type=int, default=2, help="threads of every framework (default 2)")
    parser.add_argument("--rerun", action="store_true", help="run again the runs that have a record")
    parser.add_argument("--no-run", action="store_true", help="only rewrite the tables and plots")
    parser.add_argument("--table", type=Path, default=common.REPO / "RESULTS.md",
                        help="the file whose study tables are rewritten (default RESULTS.md)")
    args = parser.parse_args()
    make_runs, default_datasets = STUDIES[args.study]
    datasets = args.datasets or default_datasets
    runs = make_runs(datasets, args.seeds)
    results = HERE / "results" / args.study

    if not args.no_run:
        for index, run in enumerate(runs, 1):
            record = results / run.dataset / f"{run.name}.json"
            if record.exists() and not args.rerun:
                continue
            common.say(f"[{index}/{len(runs)}] {args.study}: {run.dataset} {run.name}")
            execute(run, record, args.threads)

    records = {}
    for run in runs:
        record = results / run.dataset / f"{run.name}.json"
        if record.exists():
            records[run.key] = json.loads(record.read_text())
    tables = {f"{args.study}/{dataset}": table(args.study, dataset, runs, records) for dataset in datasets}
    write_tables(args.table, tables)
    common.say(f"tables -> {args.table}")
    if args.study == "regularizers":
        for dataset in datasets:
            if (out := plot_curves(dataset, runs, records)) is not None:
                common.say(f"plot -> {common.relative(out)}")


if __name__ == "__main__":
    main()
