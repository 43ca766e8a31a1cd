"""Long-range dependencies: the adding problem and the copy-memory task for the RNN, the GRU and the LSTM.

    python3 Benchmarks/training/long_range.py                        # T = 50, 100, 200, 400; 2 seeds
    python3 Benchmarks/training/long_range.py --tasks adding --lengths 50,100 --seeds 1
    python3 Benchmarks/training/long_range.py --no-run               # tables and plot from the records

For each task and length T the data come from `gru data adding --steps T` or `gru data copy
--delay T` (a training set from seed 1, a validation set from seed 2). Each cell then trains
with the same settings (hidden 64, Adam, lr 0.002, clipping at norm 1, batch 32) for at most
--budget optimizer steps; the run stops as soon as an epoch's validation pass counts as
solved, which the script reads from the model directory's log.jsonl while `gru train` runs:

    adding  validation MSE below 0.01 (predicting 1 scores about 0.167)
    copy    validation cross-entropy below a tenth of the baseline 10 ln 8 / (T + 20)

A run's record (results/long-range/<task>-T<T>-<cell>-seed<S>.json) holds every epoch's
validation metrics, whether and after how many optimizer steps it was solved, and its
seconds. Runs whose record exists are skipped (--rerun runs them again). Then the table
replaces the block `<!-- study-table: long-range -->` of RESULTS.md.

The gradient plot (plots/gradient-norms.png) is `gru gradient-norms` on 16 validation
sequences of the adding problem at T = 200, for each cell at initialization and after its
first seed's training; its CSVs go to results/long-range/gradient-norms/.

Only the Python standard library is needed for the runs; the plot needs matplotlib.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import study

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "long-range"
GRU = common.REPO / ".build" / "release" / "gru"
CELLS = ("rnn", "gru", "lstm")
TASKS = ("adding", "copy")
TRAINING = {"hidden_size": 64, "learning_rate": 0.002, "clip_norm": 1.0, "batch_size": 32,
            "train_count": 4000, "validation_count": 500}
GRADIENT_LENGTH = 200


def baseline(task: str, length: int) -> float:
    """The loss of the trivial answer: the mean for adding, blanks then a uniform guess for copy."""
    return 1 / 6 if task == "adding" else 10 * math.log(8) / (length + 20)


def solved(task: str, length: int, validation: dict) -> bool:
    if task == "adding":
        return validation["rmse"] ** 2 < 0.01
    return validation["loss"] < baseline(task, length) / 10


def data_sets(task: str, length: int, scratch: Path) -> tuple[Path, Path]:
    """The training and validation sets of a task and length, generated once per scratch folder."""
    sets = []
    for name, seed, count in (("train", 1, TRAINING["train_count"]), ("validation", 2, TRAINING["validation_count"])):
        folder = scratch / f"{task}-T{length}-{name}"
        if not (folder / "y.npy").exists():
            flag = "--steps" if task == "adding" else "--delay"
            subprocess.run([str(GRU), "data", task, flag, str(length), "--count", str(count), "--seed", str(seed),
                            "--output", str(folder)], check=True, stdout=subprocess.DEVNULL)
        sets.append(folder)
    return sets[0], sets[1]


def read_log(model: Path) -> list[dict]:
    log = model / "log.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def train(task: str, length: int, cell: str, seed: int, budget: int, scratch: Path, threads: int) -> dict:
    """Trains one cell until solved or out of budget; the record."""
    train_set, validation_set = data_sets(task, length, scratch)
    model = scratch / f"{task}-T{length}-{cell}-seed{seed}"
    steps_per_epoch = math.ceil(TRAINING["train_count"] / TRAINING["batch_size"])
    epochs = math.ceil(budget / steps_per_epoch)
    command = [str(GRU), "train", "--task", "forecast" if task == "adding" else "tag",
               "--train", str(train_set), "--validation", str(validation_set), "--model", str(model),
               "--cell", cell, "--hidden-size", str(TRAINING["hidden_size"]), "--epochs", str(epochs),
               "--batch-size", str(TRAINING["batch_size"]), "--learning-rate", str(TRAINING["learning_rate"]),
               "--clip-norm", str(TRAINING["clip_norm"]), "--seed", str(seed)]
    environment = dict(os.environ, GRUKIT_NUM_THREADS=str(threads))
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    solved_at = None
    while process.poll() is None:
        time.sleep(0.5)
        log = read_log(model)
        hit = next((e for e in log if e.get("validation") and solved(task, length, e["validation"])), None)
        if hit is not None:
            solved_at = hit["epoch"]
            process.send_signal(signal.SIGTERM)
            process.wait()
            break
    if solved_at is None and process.returncode not in (0, None):
        sys.exit(f"error: gru train exited with {process.returncode}: {' '.join(command)}")
    log = read_log(model)
    if solved_at is None:
        solved_at = next((e["epoch"] for e in log if solved(task, length, e["validation"])), None)
    validation = [e["validation"] for e in log]
    return {"task": task, "length": length, "cell": cell, "seed": seed, "training": TRAINING,
            "budget_steps": epochs * steps_per_epoch, "steps_per_epoch": steps_per_epoch,
            "solved": solved_at is not None,
            "steps_to_solve": solved_at * steps_per_epoch if solved_at is not None else None,
            "baseline_loss": baseline(task, length), "epoch_validation": validation,
            "best_validation_loss": min(v["loss"] for v in validation) if validation else None,
            "seconds": round(time.perf_counter() - start, 2), "threads": threads,
            "model": str(model)}


def table(records: list[dict], lengths: list[int]) -> str:
    lines = ["| task | cell | " + " | ".join(f"T = {t}" for t in lengths) + " |",
             "|" + " --- |" * (len(lengths) + 2)]
    for task in TASKS:
        for cell in CELLS:
            cells = []
            for length in lengths:
                group = [r for r in records if (r["task"], r["cell"], r["length"]) == (task, cell, length)]
                if not group:
                    cells.append("")
                    continue
                wins = [r["steps_to_solve"] for r in group if r["solved"]]
                text = f"{len(wins)}/{len(group)}"
                if wins:
                    text += f", {statistics.median(wins):,.0f} steps"
                else:
                    best = min(r["best_validation_loss"] for r in group) / group[0]["baseline_loss"]
                    text += f" (best loss {best:.2f} x baseline)"
                cells.append(text)
            if any(cells):
                lines.append(f"| {task} | {study.CELL_NAMES[cell]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def gradient_norms(records: list[dict], scratch: Path) -> list[Path]:
    """`gru gradient-norms` CSVs of each cell at initialization and trained, adding T = 200."""
    out = RESULTS / "gradient-norms"
    out.mkdir(parents=True, exist_ok=True)
    _, validation_set = data_sets("adding", GRADIENT_LENGTH, scratch)
    written = []
    for cell in CELLS:
        trained = sorted((r for r in records if (r["task"], r["length"], r["cell"]) == ("adding", GRADIENT_LENGTH, cell)),
                         key=lambda r: r["seed"])
        if not trained or not Path(trained[0]["model"]).exists():
            continue
        model = trained[0]["model"]
        for state, extra in (("initialization", ["--at-initialization", "7"]), ("trained", [])):
            csv = out / f"adding-T{GRADIENT_LENGTH}-{cell}-{state}.csv"
            subprocess.run([str(GRU), "gradient-norms", "--model", model, "--data", str(validation_set),
                            "--sequences", "16", "--output", str(csv), *extra], check=True)
            written.append(csv)
    return written


def plot_gradient_norms() -> Path | None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = RESULTS / "gradient-norms"
    figure, ax = plt.subplots(figsize=(7, 4.2))
    drawn = False
    for cell, color in zip(CELLS, ("tab:red", "tab:blue", "tab:green")):
        for state, style in (("initialization", "-"), ("trained", "--")):
            csv = folder / f"adding-T{GRADIENT_LENGTH}-{cell}-{state}.csv"
            if not csv.exists():
                continue
            rows = [line.split(",") for line in csv.read_text().splitlines()[1:] if line]
            ax.semilogy([int(d) for d, _ in rows], [max(float(n), 1e-30) for _, n in rows], style, color=color,
                        label=f"{study.CELL_NAMES[cell]}, {state}")
            drawn = True
    if not drawn:
        plt.close(figure)
        return None
    ax.set_xlabel("distance from h_t to the loss (steps)")
    ax.set_ylabel("mean ||dL/dh_t||")
    ax.set_title(f"The adding problem, T = {GRADIENT_LENGTH}: how far back the gradient reaches")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    figure.tight_layout()
    study.PLOTS.mkdir(exist_ok=True)
    path = study.PLOTS / "gradient-norms.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=lambda t: t.split(","), default=list(TASKS))
    parser.add_argument("--lengths", type=lambda t: [int(x) for x in t.split(",")], default=[50, 100, 200, 400])
    parser.add_argument("--cells", type=lambda t: t.split(","), default=list(CELLS))
    parser.add_argument("--seeds", type=lambda t: [int(x) for x in t.split(",")], default=[1, 2])
    parser.add_argument("--budget", type=int, default=2000, help="most optimizer steps per run (default 2000)")
    parser.add_argument("--threads", type=int, default=1, help="GRUKit threads per run (default 1)")
    parser.add_argument("--scratch", type=Path, help="where data sets and models go (default a temporary folder)")
    parser.add_argument("--rerun", action="store_true")
    parser.add_argument("--no-run", action="store_true")
    parser.add_argument("--table", type=Path, default=common.REPO / "RESULTS.md")
    args = parser.parse_args()
    if not GRU.is_file():
        sys.exit(f"error: {GRU}: no gru executable; build it with `swift build -c release --product gru`")
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="grukit-long-range-"))
    scratch.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.no_run:
        runs = [(task, length, cell, seed) for task in args.tasks for length in args.lengths
                for seed in args.seeds for cell in args.cells]
        for index, (task, length, cell, seed) in enumerate(runs, 1):
            path = RESULTS / f"{task}-T{length}-{cell}-seed{seed}.json"
            if path.exists() and not args.rerun:
                continue
            common.say(f"[{index}/{len(runs)}] {task} T={length} {cell} seed {seed}")
            record = train(task, length, cell, seed, args.budget, scratch, args.threads)
            common.say(f"    {'solved after ' + str(record['steps_to_solve']) + ' steps' if record['solved'] else 'not solved'}"
                       f", best loss {record['best_validation_loss']:.4f} (baseline {record['baseline_loss']:.4f}),"
                       f" {record['seconds']:.0f} s")
            partial = path.with_suffix(".json.partial")
            partial.write_text(json.dumps(record, indent=1))
            partial.replace(path)
    records = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
    if not args.no_run and "adding" in args.tasks and GRADIENT_LENGTH in args.lengths:
        for csv in gradient_norms(records, scratch):
            common.say(f"gradient norms -> {common.relative(csv)}")
    study.write_tables(args.table, {"long-range": table(records, sorted({r["length"] for r in records}))})
    common.say(f"table -> {args.table}")
    try:
        if (plot := plot_gradient_norms()) is not None:
            common.say(f"plot -> {common.relative(plot)}")
    except ImportError:
        common.say("no matplotlib here: run with .venv-bench/bin/python to draw the plot")


if __name__ == "__main__":
    main()
