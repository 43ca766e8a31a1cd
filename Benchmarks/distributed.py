"""Data-parallel training throughput of `mpirun -np N gru train` on this machine, and what more
machines would give.

For each shape (S2, S3 of BENCHMARKS.md: features I, hidden H, steps T, batch B per process) it
trains a forecasting GRU on seeded random features with 1, 2 and 4 processes, splitting this
machine's cores between them (GRUKIT_NUM_THREADS = cores / processes, at least 1; more processes
than cores are oversubscribed), and reads from the model directory's log.jsonl the training
sequences per second, the seconds each epoch spent summing gradients (MPI_Allreduce, once every
process has reached it) and waiting for the slowest process to reach the sum. The global batch is the same for every process count
(strong scaling), so the table shows what splitting one machine's batch buys.

Then, on paper: N machines of this kind, each with a batch of B (weak scaling), summing the
gradients with a ring allreduce over a 10 or 25 Gbit/s network, step = compute + allreduce, no
overlap: allreduce = 2 (N - 1) / N * bytes / bandwidth + 2 (N - 1) * latency.

    .venv-bench/bin/python Benchmarks/distributed.py [--gru .build/release/gru] [--markdown FILE] [--update]

Needs numpy, Open MPI's mpirun and a gru built with Open MPI installed.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Benchmarks" / "training"))
from common import machine, say, write_marked_table  # noqa: E402

# name: (features I, hidden H, steps T, batch B, training sequences)
SHAPES = {
    "S2": (128, 256, 100, 32, 1024),
    "S3": (256, 512, 200, 64, 512),
}
LATENCY_SECONDS = 25e-6  # one TCP message between machines, a typical datacenter figure
ROOT = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


def write_data(directory: Path, features: int, steps: int, count: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True)
    x = rng.standard_normal((count, steps, features), dtype=np.float32)
    np.save(directory / "X.npy", x)
    np.save(directory / "y.npy", x[:, -1, :2].sum(axis=1).astype(np.float32))


def train(gru: Path, processes: int, cores: int, data: Path, validation: Path, model: Path,
          hidden: int, batch: int, epochs: int) -> dict:
    threads = max(1, cores // processes)
    env = dict(os.environ, GRUKIT_NUM_THREADS=str(threads), **ROOT)
    env.pop("OPENBLAS_CORETYPE", None)  # OpenBLAS's own AVX-512 kernels, as BENCHMARKS.md's tables
    command = [str(gru), "train", "--train", str(data), "--validation", str(validation), "--task", "forecast",
               "--model", str(model), "--hidden-size", str(hidden), "--batch-size", str(batch),
               "--epochs", str(epochs), "--seed", "1"]
    if processes > 1:
        placement = ["--oversubscribe", "--bind-to", "none"] if processes > cores else ["--bind-to", "core"]
        command = ["mpirun", "-np", str(processes), *placement, *command]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(command)} failed:\n{result.stderr[-2000:]}")
    parameters = int(re.search(r"(\d+) parameters", result.stdout).group(1))
    records = [json.loads(line) for line in (model / "log.jsonl").read_text().splitlines()]
    kept = records[1:] or records  # the first epoch warms up the thread team and the caches
    rate = float(np.median([r["sequencesPerSecond"] for r in kept]))
    reduction = float(np.median([r.get("reductionSeconds", 0.0) for r in kept]))
    waiting = float(np.median([r.get("waitingSeconds", 0.0) for r in kept]))
    return {"processes": processes, "threads": threads, "sequences_per_second": rate,
            "reduction_seconds_per_epoch": reduction, "waiting_seconds_per_epoch": waiting,
            "parameters": parameters}


def ring_allreduce_seconds(parameters: int, machines: int, gigabits: float) -> float:
    if machines == 1:
        return 0.0
    size = parameters * 4
    return 2 * (machines - 1) / machines * size / (gigabits * 1e9 / 8) + 2 * (machines - 1) * LATENCY_SECONDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gru", type=Path, default=REPO / ".build" / "release" / "gru")
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--shapes", default="S2,S3")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--markdown", type=Path, help="also write the tables here")
    parser.add_argument("--update", action="store_true",
                        help="replace the tables between BENCHMARKS.md's <!-- distributed --> markers")
    parser.add_argument("--json", type=Path, help="write the records here")
    args = parser.parse_args()
    if shutil.which("mpirun") is None:
        sys.exit("error: mpirun not found; expected Open MPI (apt-get install openmpi-bin libopenmpi-dev)")
    if not args.gru.exists():
        sys.exit(f"error: {args.gru} not found; expected a release gru (swift build -c release --product gru)")
    cores = os.cpu_count() or 1
    counts = [int(p) for p in args.processes.split(",")]
    rows, projections, records = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for shape in args.shapes.split(","):
            features, hidden, steps, batch, count = SHAPES[shape]
            data, validation = root / f"{shape}-train", root / f"{shape}-validation"
            write_data(data, features, steps, count, seed=1)
            write_data(validation, features, steps, batch, seed=2)
            base = None
            for processes in counts:
                say(f"{shape}: {processes} processes")
                record = train(args.gru, processes, cores, data, validation, root / f"{shape}-{processes}",
                               hidden, batch, args.epochs)
                record["shape"] = shape
                records.append(record)
                base = base or record["sequences_per_second"]
                step_ms = batch / record["sequences_per_second"] * 1e3
                steps_per_epoch = math.ceil(count / batch)
                reduction_ms = record["reduction_seconds_per_epoch"] / steps_per_epoch * 1e3
                waiting_ms = record["waiting_seconds_per_epoch"] / steps_per_epoch * 1e3
                rows.append(f"| {shape} | {processes} | {record['threads']} | {record['sequences_per_second']:.0f} | "
                            f"{record['sequences_per_second'] / base:.2f}x | {step_ms:.1f} | "
                            + (f"{reduction_ms:.2f} ({reduction_ms / step_ms:.1%}) | {waiting_ms:.2f} |"
                               if processes > 1 else "- | - |"))
                if processes == 1:
                    compute = batch / record["sequences_per_second"]  # one machine's step, all its cores
                    for gigabits in (10, 25):
                        for machines in (8, 16, 32, 64):
                            comm = ring_allreduce_seconds(record["parameters"], machines, gigabits)
                            projections.append(
                                f"| {shape} | {record['parameters']:,} | {gigabits} | {machines} | "
                                f"{compute * 1e3:.1f} | {comm * 1e3:.2f} | {compute / (compute + comm):.0%} | "
                                f"{machines * batch / (compute + comm):,.0f} |")
    info = machine()
    text = "\n".join([
        f"Measured on {info['cpu']}, {cores} cores (`Benchmarks/distributed.py`, median of epochs 2-{args.epochs}).",
        "",
        "| shape | processes | threads each | sequences/s | against 1 | step ms | allreduce ms per step (share) "
        "| waiting ms per step |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "| shape | parameters | Gbit/s | machines | compute ms per step | allreduce ms | efficiency | sequences/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *projections,
    ])
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    if args.update:
        write_marked_table(REPO / "BENCHMARKS.md", "distributed", text)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "records": records}, indent=2) + "\n")


if __name__ == "__main__":
    main()
