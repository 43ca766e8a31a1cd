"""Trains every data set in every framework, one run after the other, and rewrites RESULTS.md.

    bash Benchmarks/setup.sh                                      # .venv-bench: torch, keras
    .venv-bench/bin/python Benchmarks/training/run_all.py         # all 3 data sets x 3 frameworks
    .venv-bench/bin/python Benchmarks/training/run_all.py --datasets airline --frameworks grukit

First builds the release `gru` (`swift build -c release --product gru`; `--no-build` skips it),
then runs grukit_train.py, pytorch_train.py and keras_train.py on each data set with the
interpreter that runs this script, each record going to results/<data set>-<framework>.json
(written once the run has succeeded, so a failed run keeps the previous record), and finally
writes every record's row into RESULTS.md's tables (results_table.py --write). The records
of the data sets and frameworks not run stay as they were, each with its own date.

Run it on a quiet machine: the frameworks spin their threads while they wait, so anything
else running makes every epoch slower (each record keeps the load average before and after).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import common
import results_table

HERE = Path(__file__).resolve().parent
DATA = common.REPO / "Datasets"

# Each data set's config, training file and the file its metrics are measured on.
DATASETS = {
    "japanese-vowels": (DATA / "japanese-vowels/JapaneseVowels_TRAIN.ts", DATA / "japanese-vowels/JapaneseVowels_TEST.ts"),
    "airline": (DATA / "airline/airline-train.csv", DATA / "airline/airline-test.csv"),
    "persuasion": (DATA / "persuasion/persuasion-train.txt", DATA / "persuasion/persuasion-validation.txt"),
}
SCRIPTS = {"grukit": "grukit_train.py", "pytorch": "pytorch_train.py", "keras": "keras_train.py"}


def names(text: str, known: dict) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"{', '.join(unknown) or 'nothing'}; expected some of {', '.join(known)}")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=lambda t: names(t, DATASETS), default=list(DATASETS),
                        help=f"comma-separated, of {', '.join(DATASETS)} (default all)")
    parser.add_argument("--frameworks", type=lambda t: names(t, SCRIPTS), default=list(SCRIPTS),
                        help=f"comma-separated, of {', '.join(SCRIPTS)} (default all)")
    parser.add_argument("--threads", type=int, default=2, help="threads of every framework (default 2)")
    parser.add_argument("--epochs", type=int, help="override every config's epochs (smoke tests)")
    parser.add_argument("--no-build", action="store_true", help="use the gru already in .build/release")
    parser.add_argument("--results", type=Path, help="where the records go (default results/)")
    parser.add_argument("--table", type=Path, help="the file whose tables are rewritten (default RESULTS.md)")
    args = parser.parse_args()
    if args.epochs is not None and (args.results is None or args.table is None):
        parser.error("--epochs makes records unlike the configs': give --results DIR and --table FILE elsewhere")
    args.results = args.results or HERE / "results"
    args.table = args.table or common.REPO / "RESULTS.md"

    if "grukit" in args.frameworks and not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "gru"], cwd=common.REPO, check=True)
    args.results.mkdir(parents=True, exist_ok=True)
    for dataset in args.datasets:
        train, test = DATASETS[dataset]
        for framework in args.frameworks:
            command = [sys.executable, str(HERE / SCRIPTS[framework]), "--config", str(HERE / "configs" / f"{dataset}.json"),
                       "--train", str(train), "--test", str(test), "--threads", str(args.threads)]
            if args.epochs is not None:
                command += ["--epochs", str(args.epochs)]
            common.say(f"== {dataset}, {framework}")
            completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=common.REPO)
            if completed.returncode != 0:
                sys.exit(f"error: {SCRIPTS[framework]} on {dataset} exited with {completed.returncode}")
            record = args.results / f"{dataset}-{framework}.json"
            partial = record.with_suffix(".json.partial")
            partial.write_text(completed.stdout)
            partial.replace(record)
    results_table.write(args.table, results_table.load(sorted(args.results.glob("*.json"))))
    common.say(f"tables -> {args.table}")


if __name__ == "__main__":
    main()
