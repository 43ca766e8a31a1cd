#!/usr/bin/env python3
"""Low-precision GRU inference side by side, in one run: GRUKit's float32, bf16 and int8
weights (`gru bench --precision float32,bf16,int8`) against onnxruntime and PyTorch in
float32 and PyTorch's dynamically quantized int8 GRU (bench_torch_int8.py), on the
memory-bound cases S1, stream-H128, stream-H512 and on S2's forward pass. The frameworks take
turns in every round; each keeps its median round. Prints a Markdown table.

    .venv-bench/bin/python Benchmarks/precision.py [--rounds 3] [--json Benchmarks/results-precision.json]
    .venv-bench/bin/python Benchmarks/precision.py --records Benchmarks/results-precision.json

`compare.py --precision` runs the same cases (measure()) after its own, in the same run, and
prints this table below its own; its --json holds them with `suite` "precision", and
--records here renders those from such a file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import compare
import harness

CASES = "S1,S2,stream-H128,stream-H512"
PRECISIONS = ("float32", "bf16", "int8")
COMPETITORS = {
    "onnxruntime": compare.BENCHMARKS / "bench_onnxruntime.py",
    "pytorch": compare.BENCHMARKS / "bench_torch.py",
    "pytorch-int8": compare.BENCHMARKS / "bench_torch_int8.py",
}
NAMES = {"onnxruntime": "onnxruntime", "pytorch": "PyTorch", "pytorch-int8": "PyTorch int8 dynamic"}
# The `suite` of these records, which tells them from compare.py's own in one --json file.
SUITE = "precision"


def one_round(gru: str, quick: bool) -> list[dict]:
    options = ["--cases", CASES] + (["--quick"] if quick else [])
    records = compare.run_benchmark(
        [gru, "bench", "--json", "--precision", ",".join(PRECISIONS)] + options, "gru bench") or []
    for name, script in COMPETITORS.items():
        records += compare.run_benchmark([sys.executable, str(script)] + options, name) or []
    return [r for r in records if r["mode"] != harness.TRAIN]


def measure(gru: str, rounds: int, quick: bool) -> list[dict]:
    """Every framework on the precision cases, `rounds` times taking turns, each keeping its
    median round; the records carry `suite` "precision"."""
    return [dict(record, suite=SUITE) for record in median_rounds([one_round(gru, quick) for _ in range(rounds)])]


def of_suite(records: list[dict]) -> list[dict]:
    """The precision records of a file: those of the suite, or all where none is marked (files
    written by this script before the mark)."""
    return [r for r in records if r.get("suite") == SUITE] or records


def key(record: dict) -> tuple:
    return (record["framework"], record.get("precision", "float32"), record["case"], record["mode"])


def median_rounds(rounds: list[list[dict]]) -> list[dict]:
    merged: dict[tuple, list[dict]] = {}
    for records in rounds:
        for record in records:
            merged.setdefault(key(record), []).append(record)
    result = []
    for group in merged.values():
        group.sort(key=lambda r: r["median_ms"])
        chosen = dict(group[len(group) // 2])
        chosen["round_medians_ms"] = [r["median_ms"] for r in group]
        result.append(chosen)
    return result


def table(records: list[dict]) -> str:
    by_key = {key(r): r for r in records}
    cases = [c for c in CASES.split(",") if any(r["case"] == c for r in records)]
    header = ["case", "mode"] + [f"GRUKit {p} ms" for p in PRECISIONS] + [f"{NAMES[n]} ms" for n in COMPETITORS]
    header += ["best competitor", "GRUKit int8 speed-up", "GRUKit bf16 speed-up", "int8 / own float32",
               "weights MB float32 / bf16 / int8"]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" if h in ("case", "mode", "best competitor")
                                                              else "---:" for h in header) + " |"]
    for case in cases:
        mode = next(r["mode"] for r in records if r["case"] == case)
        ours = {p: by_key.get((compare.GRUKIT, p, case, mode)) for p in PRECISIONS}
        theirs = {n: by_key.get((n, "float32", case, mode)) for n in COMPETITORS}
        present = {n: r for n, r in theirs.items() if r}
        best = min(present, key=lambda n: present[n]["median_ms"]) if present else None
        cells = [case, mode]
        cells += [f"{ours[p]['median_ms']:.4g}" if ours[p] else "-" for p in PRECISIONS]
        cells += [f"{theirs[n]['median_ms']:.4g}" if theirs[n] else "-" for n in COMPETITORS]
        cells.append(NAMES[best] if best else "-")
        for p in ("int8", "bf16"):
            cells.append(f"{present[best]['median_ms'] / ours[p]['median_ms']:.2f}x" if best and ours[p] else "-")
        cells.append(f"{ours['float32']['median_ms'] / ours['int8']['median_ms']:.2f}x"
                     if ours["float32"] and ours["int8"] else "-")
        cells.append(" / ".join(f"{ours[p]['weight_mb']:.3g}" if ours[p] and ours[p].get("weight_mb") else "-"
                                for p in PRECISIONS))
        lines.append("| " + " | ".join(cells) + " |")
    kernels = sorted({r["kernels"] for r in records if r["framework"] == compare.GRUKIT and r.get("kernels")})
    return "\n".join(lines) + "\n\nGRUKit kernels: " + "; ".join(kernels) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gru", default=".build/release/gru", help="GRUKit's CLI (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds, frameworks taking turns (default 1)")
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke test")
    parser.add_argument("--json", metavar="OUT", help="write the records to OUT")
    parser.add_argument("--records", metavar="FILE", help="render FILE's records instead of running")
    args = parser.parse_args()
    if args.records:
        records = of_suite(json.loads(Path(args.records).read_text()))
    else:
        if not Path(args.gru).exists():
            raise SystemExit(f"error: {args.gru}: no gru executable; build it with "
                             "`swift build -c release --product gru`")
        records = measure(args.gru, args.rounds, args.quick)
        if args.json:
            Path(args.json).write_text(json.dumps(records, indent=1) + "\n")
    print("  \n".join(compare.machine_lines(records)[:2]) + "\n")
    print(table(records))


if __name__ == "__main__":
    main()
