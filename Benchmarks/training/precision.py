"""The accuracy cost of low-precision inference: trains GRUKit's GRU on each real data set of
RESULTS.md with its config (as grukit_train.py does), then evaluates the one trained model
on the test file with `gru evaluate --json --precision float32|bf16|int8`, and writes the
table between the `precision-table` markers of RESULTS.md. The records go to
results/precision/<data set>.json.

    swift build -c release --product gru
    .venv-bench/bin/python Benchmarks/training/precision.py [--datasets japanese-vowels,airline,persuasion]
    .venv-bench/bin/python Benchmarks/training/precision.py --no-run     # the table from the records
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

import common
import grukit_train
from run_all import DATASETS

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "precision"
PRECISIONS = ("float32", "bf16", "int8")
# The metric each task is judged by, its name in the table, and the largest cost allowed:
# accuracy in points, perplexity and MAE relative.
METRICS = {
    "classify": ("accuracy", "accuracy (%)", "within 0.5 points"),
    "forecast": ("mae", "MAE", "within 2%"),
    "language-model": ("perplexity", "perplexity", "within 2%"),
}


def measure(name: str, gru: Path, threads: int) -> dict:
    train, test = DATASETS[name]
    config_path = HERE / "configs" / f"{name}.json"
    config = common.load_config(config_path, None)
    with tempfile.TemporaryDirectory(prefix="grukit-precision-") as scratch:
        model = Path(scratch) / name
        grukit_train.run([str(gru), "train", "--train", str(train), "--validation", str(test), "--model", str(model),
                          *grukit_train.train_flags(config, config_path)], threads)
        evaluations = {}
        for precision in PRECISIONS:
            evaluations[precision] = json.loads(grukit_train.run(
                [str(gru), "evaluate", "--model", str(model), "--data", str(test), "--json",
                 "--precision", precision], threads))
    return {"dataset": name, "task": config["task"], "config": common.relative(config_path),
            "test": common.relative(test), "gru": grukit_train.version(), "evaluations": evaluations}


def within(task: str, float32: float, value: float) -> bool:
    if task == "classify":
        return abs(value - float32) * 100 <= 0.5
    return abs(value - float32) <= 0.02 * abs(float32)


def table(records: list[dict]) -> str:
    lines = ["| data set | metric | float32 | bf16 | int8 | target | bf16 within | int8 within |",
             "| --- | --- | ---: | ---: | ---: | --- | --- | --- |"]
    for record in records:
        key, label, target = METRICS[record["task"]]
        values = {p: record["evaluations"][p][key] for p in PRECISIONS}
        scale = 100 if record["task"] == "classify" else 1
        cells = [record["dataset"], label] + [f"{values[p] * scale:.4g}" for p in PRECISIONS] + [target]
        cells += ["yes" if within(record["task"], values["float32"], values[p]) else "no" for p in ("bf16", "int8")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_table(path: Path, text: str) -> None:
    content = path.read_text()
    pattern = re.compile(r"(<!-- precision-table -->\n).*?(<!-- end precision-table -->)", re.S)
    if not pattern.search(content):
        sys.exit(f"error: {path} has no <!-- precision-table --> ... <!-- end precision-table --> markers")
    path.write_text(pattern.sub(lambda m: m.group(1) + text + "\n" + m.group(2), content))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=lambda t: t.split(","), default=list(DATASETS))
    parser.add_argument("--gru", type=Path, default=grukit_train.DEFAULT_GRU)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-run", action="store_true", help="only rewrite the table from the records")
    parser.add_argument("--table", type=Path, default=common.REPO / "RESULTS.md")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.no_run:
        for name in args.datasets:
            record = measure(name, args.gru, args.threads)
            (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
            common.say(f"{name}: " + ", ".join(
                f"{p} {record['evaluations'][p][METRICS[record['task']][0]]:.5g}" for p in PRECISIONS))
    records = [json.loads((RESULTS / f"{name}.json").read_text()) for name in DATASETS
               if (RESULTS / f"{name}.json").exists()]
    text = table(records)
    print(text)
    write_table(args.table, text)


if __name__ == "__main__":
    main()
