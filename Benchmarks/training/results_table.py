"""The Markdown tables of RESULTS.md, one per data set, from the records in results/.

    python3 Benchmarks/training/results_table.py                  # print every table
    python3 Benchmarks/training/results_table.py --write RESULTS.md
    python3 Benchmarks/training/results_table.py A.json B.json    # these records only

A record is what pytorch_train.py, keras_train.py or grukit_train.py prints (see common.py).
With --write, each data set's table replaces the lines between `<!-- results-table: NAME -->`
and `<!-- end results-table -->` in the file; a data set without such a block is an error,
so that no table is silently dropped.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

# Row order and the names the tables show.
FRAMEWORKS = {"pytorch": "PyTorch", "keras": "Keras", "grukit": "GRUKit"}

COLUMNS = {
    "classify": (("test accuracy", "accuracy", "{:.2%}"), ("macro-F1", "macro_f1", "{:.4f}"),
                 ("test loss", "loss", "{:.4f}")),
    "forecast": (("test MAE", "mae", "{:.2f}"), ("test RMSE", "rmse", "{:.2f}")),
    "language-model": (("validation perplexity", "perplexity", "{:.3f}"),
                       ("bits/char", "bits_per_character", "{:.3f}")),
}

BLOCK = re.compile(r"(<!-- results-table: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end results-table -->)",
                   re.DOTALL)


def row(record: dict) -> str:
    metrics = record["metrics"]
    cells = [FRAMEWORKS.get(record["framework"], record["framework"]), record["version"]]
    cells += [fmt.format(metrics[key]) for _, key, fmt in COLUMNS[record["task"]]]
    load = record["load_average"]
    fastest = record["fastest_epoch_seconds"]
    cells += [f"{record['train_seconds']:.1f}", f"{fastest:.4f}" if fastest < 0.01 else f"{fastest:.3f}",
              f"{fastest * len(record['epoch_seconds']):.1f}", str(record["threads"]),
              f"{load['before'][0]:.1f} / {load['after'][0]:.1f}", record.get("date", "")]
    return "| " + " | ".join(cells) + " |"


def table(group: list[dict]) -> str:
    names = [name for name, _, _ in COLUMNS[group[0]["task"]]]
    lines = ["| framework | version | " + " | ".join(names)
             + " | train seconds | fastest epoch s | epochs x fastest s | threads"
             " | load 1-min before / after | date |",
             "|" + " --- |" * (len(names) + 8)]
    order = list(FRAMEWORKS)
    for record in sorted(group, key=lambda r: order.index(r["framework"]) if r["framework"] in order else len(order)):
        lines.append(row(record))
    return "\n".join(lines) + "\n"


def tables(records: list[dict]) -> dict[str, str]:
    """Each data set's table, in the order the data sets first appear."""
    return {dataset: table([r for r in records if r["dataset"] == dataset])
            for dataset in dict.fromkeys(r["dataset"] for r in records)}


def write(path: Path, records: list[dict]) -> None:
    """Replaces each data set's block in `path` with its table."""
    text = path.read_text()
    new = tables(records)
    missing = set(new) - {m["name"] for m in BLOCK.finditer(text)}
    if missing:
        sys.exit(f"error: {path}: no '<!-- results-table: NAME -->' block for {sorted(missing)}")
    text = BLOCK.sub(lambda m: m.group(1) + new.get(m["name"], m["body"]) + m.group(4), text)
    path.write_text(text)


def load(paths: list[Path]) -> list[dict]:
    return [json.loads(p.read_text()) for p in paths]


def main() -> None:
    arguments = sys.argv[1:]
    target = None
    if "--write" in arguments:
        index = arguments.index("--write")
        if index + 1 >= len(arguments):
            sys.exit("error: --write needs a file, such as RESULTS.md")
        target = Path(arguments[index + 1])
        del arguments[index:index + 2]
    records = load([Path(p) for p in arguments] or sorted(RESULTS.glob("*.json")))
    if target is not None:
        write(target, records)
        return
    for dataset, text in tables(records).items():
        task = next(r["task"] for r in records if r["dataset"] == dataset)
        print(f"### {dataset} ({task})\n")
        print(text)


if __name__ == "__main__":
    main()
