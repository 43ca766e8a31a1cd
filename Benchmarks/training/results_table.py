"""Prints the Markdown rows of RESULTS.md from the records in results/ (or files given).

    python3 Benchmarks/training/results_table.py                # every results/*.json
    python3 Benchmarks/training/results_table.py A.json B.json  # these records, e.g. GRUKit's
    python3 Benchmarks/training/results_table.py --pending      # plus a GRUKit row marked pending

A record is what pytorch_train.py or keras_train.py prints (see common.py). GRUKit's run can
be turned into the same shape from `gru evaluate --json` and its training time; see RESULTS.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

ORDER = {"pytorch": 0, "keras": 1}

COLUMNS = {
    "classify": (("test accuracy", "accuracy", "{:.2%}"), ("macro-F1", "macro_f1", "{:.4f}"),
                 ("test loss", "loss", "{:.4f}")),
    "forecast": (("test MAE", "mae", "{:.2f}"), ("test RMSE", "rmse", "{:.2f}")),
    "language-model": (("validation perplexity", "perplexity", "{:.3f}"),
                       ("bits/char", "bits_per_character", "{:.3f}")),
}


def row(record: dict) -> str:
    metrics = record["metrics"]
    cells = [record["framework"], record["version"]]
    cells += [fmt.format(metrics[key]) for _, key, fmt in COLUMNS[record["task"]]]
    load = record["load_average"]
    fastest = record["fastest_epoch_seconds"]
    cells += [f"{record['train_seconds']:.1f}", f"{fastest:.3f}",
              f"{fastest * len(record['epoch_seconds']):.1f}", str(record["threads"]),
              f"{load['before'][0]:.1f} / {load['after'][0]:.1f}"]
    return "| " + " | ".join(cells) + " |"


def pending_row(task: str) -> str:
    return "| GRUKit | pending | " + " | ".join(["pending"] * (len(COLUMNS[task]) + 3)) + " | 2 | |"


def main() -> None:
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    paths = [Path(p) for p in sys.argv[1:] if not p.startswith("--")] or sorted(RESULTS.glob("*.json"))
    records = [json.loads(p.read_text()) for p in paths]
    for dataset in dict.fromkeys(r["dataset"] for r in records):
        group = sorted((r for r in records if r["dataset"] == dataset),
                       key=lambda r: ORDER.get(r["framework"], len(ORDER)))
        task = group[0]["task"]
        names = [name for name, _, _ in COLUMNS[task]]
        print(f"### {dataset} ({task})\n")
        print("| framework | version | " + " | ".join(names)
              + " | train seconds | fastest epoch s | epochs x fastest s | threads"
              " | load 1-min before / after |")
        print("|" + " --- |" * (len(names) + 7))
        for record in group:
            print(row(record))
        if "--pending" in flags:
            print(pending_row(task))
        print()


if __name__ == "__main__":
    main()
