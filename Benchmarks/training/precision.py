"""The accuracy cost of low-precision inference: trains GRUKit's GRU on each real data set of
RESULTS.md with its config (as grukit_train.py does), then evaluates the one trained model
on the test file with `gru evaluate --json --precision float32|bf16|int8`, writes its
outputs with `gru predict --precision ...` (class probabilities, forecasts in the data's
unit, every step's next-character probabilities) for the largest difference from float32's,
and runs the same trained weights in PyTorch at float32 and under quantize_dynamic's int8 GRU
(grukit_in_pytorch.py). Writes the tables between the `precision-table` markers of
RESULTS.md. The records go to results/precision/<data set>.json.

    swift build -c release --product gru
    .venv-bench/bin/python Benchmarks/training/precision.py [--datasets japanese-vowels,airline,persuasion]
    .venv-bench/bin/python Benchmarks/training/precision.py --no-run     # the tables from the records

PyTorch's float32 metric on the weights must equal GRUKit's float32 (the records keep the
largest difference of their outputs too): that is the check that both run the same model.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

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
# What `gru predict` writes that the largest difference is taken of.
OUTPUTS = {"classify": "class probability", "forecast": "forecast (data units)",
           "language-model": "next-character probability"}
# How close PyTorch float32's metric on GRUKit's weights must be to GRUKit float32's, relative.
SAME_MODEL_TOLERANCE = 1e-4
QUANTIZATION = ("torch.ao.quantization.quantize_dynamic(model, {nn.GRU}, dtype=torch.qint8): the GRU only, "
                "per-tensor symmetric int8 weights, activations uint8 per call")


def measure(name: str, gru: Path, threads: int) -> dict:
    train, test = DATASETS[name]
    config_path = HERE / "configs" / f"{name}.json"
    config = common.load_config(config_path, None)
    task = config["task"]
    with tempfile.TemporaryDirectory(prefix="grukit-precision-") as scratch:
        model = Path(scratch) / name
        grukit_train.run([str(gru), "train", "--train", str(train), "--validation", str(test), "--model", str(model),
                          *grukit_train.train_flags(config, config_path)], threads)
        evaluations, outputs = {}, {}
        for precision in PRECISIONS:
            evaluations[precision] = json.loads(grukit_train.run(
                [str(gru), "evaluate", "--model", str(model), "--data", str(test), "--json",
                 "--precision", precision], threads))
            csv_path = Path(scratch) / f"predictions-{precision}.csv"
            step_probabilities = ["--probabilities"] if task == "language-model" else []
            grukit_train.run([str(gru), "predict", "--model", str(model), "--data", str(test),
                              "--output", str(csv_path), "--precision", precision, *step_probabilities], threads)
            outputs[precision] = predicted_outputs(task, csv_path, evaluations[precision]["count"])
        import grukit_in_pytorch  # torch, only to measure: --no-run needs none
        torch_runs = grukit_in_pytorch.evaluate(model, config, train, test, threads)
    theirs = {p: metrics for p, (metrics, _) in torch_runs.items()}
    torch_outputs = {p: result for p, (_, result) in torch_runs.items()}
    check_same_model(name, task, evaluations["float32"], theirs["float32"], outputs, torch_outputs)
    pytorch = {"version": grukit_in_pytorch.torch.__version__, "quantization": QUANTIZATION, "evaluations": theirs,
               "largest_difference": {
                   "int8": largest_difference(torch_outputs["int8"], torch_outputs["float32"]),
                   "float32_from_grukit": largest_difference(torch_outputs["float32"], outputs["float32"])}}
    return {"dataset": name, "task": task, "config": common.relative(config_path),
            "test": common.relative(test), "gru": grukit_train.version(), "evaluations": evaluations,
            "output": OUTPUTS[task],
            "largest_difference": {p: largest_difference(outputs[p], outputs["float32"]) for p in PRECISIONS[1:]},
            "pytorch": pytorch}


def check_same_model(name: str, task: str, ours: dict, theirs: dict, outputs: dict, torch_outputs: dict) -> None:
    """Stops unless PyTorch's float32 run of the weights has GRUKit's float32 outputs' shape and
    metric (to float32 rounding of the sums: 1e-4 relative), so that the PyTorch columns are
    of the same model."""
    if torch_outputs["float32"].size != outputs["float32"].size:
        sys.exit(f"error: {name}: PyTorch has {torch_outputs['float32'].size} outputs, "
                 f"gru predict {outputs['float32'].size}")
    key = METRICS[task][0]
    if abs(theirs[key] - ours[key]) > SAME_MODEL_TOLERANCE * abs(ours[key]):
        sys.exit(f"error: {name}: PyTorch float32 on GRUKit's weights has {key} {theirs[key]!r}, "
                 f"GRUKit float32 {ours[key]!r}: the PyTorch module is not the model GRUKit ran")


def predicted_outputs(task: str, path: Path, count: int) -> np.ndarray:
    """The outputs compared across precisions, from a `gru predict` table: classify, every
    class's probability (N, C); forecast, the forecasts of the `count` windows that
    `gru evaluate` scores (the table's last rows forecast past the file's end); language
    model, every step's next-character probabilities (steps, V + 1)."""
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    if task == "classify":
        columns = [c for c in rows[0] if c.startswith("p_")]
        return np.array([[float(row[c]) for c in columns] for row in rows])
    if task == "forecast":
        columns = list(rows[0])[2:]  # after index and source
        return np.array([[float(row[c]) for c in columns] for row in rows[:count]])
    return np.array([[float(p) for p in step.split()] for row in rows for step in row["probabilities"].split(";")])


def largest_difference(values: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(values.reshape(-1) - reference.reshape(-1))))


def within(task: str, float32: float, value: float) -> bool:
    if task == "classify":
        return abs(value - float32) * 100 <= 0.5
    return abs(value - float32) <= 0.02 * abs(float32)


def table(records: list[dict]) -> str:
    """Two tables: the metric at each precision, GRUKit's and PyTorch's on the same weights,
    against the target; and the largest output difference from float32."""
    lines = ["| data set | metric | float32 | bf16 | int8 | PyTorch float32 | PyTorch int8 dynamic | target "
             "| bf16 within | int8 within | PyTorch int8 within |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |"]
    for record in records:
        key, label, target = METRICS[record["task"]]
        values = {p: record["evaluations"][p][key] for p in PRECISIONS}
        # Records written before the PyTorch columns have none.
        theirs = {p: e[key] for p, e in record.get("pytorch", {}).get("evaluations", {}).items()}
        scale = 100 if record["task"] == "classify" else 1
        cells = [record["dataset"], label] + [f"{values[p] * scale:.4g}" for p in PRECISIONS]
        cells += [f"{theirs[p] * scale:.4g}" if p in theirs else "-" for p in ("float32", "int8")] + [target]
        cells += ["yes" if within(record["task"], values["float32"], values[p]) else "no" for p in ("bf16", "int8")]
        cells.append(("yes" if within(record["task"], theirs["float32"], theirs["int8"]) else "no") if theirs else "-")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Largest absolute difference of the outputs from float32's, over every output of the test "
                  "file (GRUKit's from `gru predict`; PyTorch int8 from PyTorch float32; the last column "
                  "PyTorch float32 from GRUKit float32, the check that both run the same model):", "",
              "| data set | output | GRUKit bf16 | GRUKit int8 | PyTorch int8 dynamic "
              "| PyTorch float32 vs GRUKit float32 |",
              "| --- | --- | ---: | ---: | ---: | ---: |"]
    for record in records:
        ours = record.get("largest_difference", {})
        theirs = record.get("pytorch", {}).get("largest_difference", {})
        cells = [record["dataset"], record.get("output", "-")]
        cells += [f"{ours[p]:.2g}" if p in ours else "-" for p in ("bf16", "int8")]
        cells += [f"{theirs[p]:.2g}" if p in theirs else "-" for p in ("int8", "float32_from_grukit")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
            key = METRICS[record["task"]][0]
            common.say(f"{name}: " + ", ".join(f"{p} {record['evaluations'][p][key]:.5g}" for p in PRECISIONS)
                       + "; PyTorch " + ", ".join(f"{p} {record['pytorch']['evaluations'][p][key]:.5g}"
                                                  for p in ("float32", "int8")))
    records = [json.loads((RESULTS / f"{name}.json").read_text()) for name in DATASETS
               if (RESULTS / f"{name}.json").exists()]
    text = table(records)
    print(text)
    common.write_marked_table(args.table, "precision-table", text)


if __name__ == "__main__":
    main()
