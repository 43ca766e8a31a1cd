"""Shared harness of the competitor benchmarks: shapes, timing, records and the CLI.

Each competitor script (bench_onnxruntime.py, bench_torch.py, bench_keras.py) only
says how its framework builds a GRU or an LSTM (`--cell`), runs it forward, takes a
training step and steps a stream; everything else (which cases exist, how they are timed, what a
record holds, the command-line options, the peak-memory subprocess) lives here,
so the three scripts and `gru bench --json` measure the same thing.

Letters: B batch, T sequence length (time steps), I input size, H hidden size.
All shapes are one layer, unidirectional, float32, zero initial state; the GRU
reset-after (linear_before_reset=1), the LSTM without peepholes (PyTorch's).

Record schema (one JSON object per measurement; the scripts print a JSON array):
    framework            "onnxruntime" | "pytorch" | "keras" | "gruKit"
    version              the framework's version string
    case                 "S1".."S4", "stream-H128", "stream-H512", or a sweep
                         shape "B32-T25-I128-H256" (see Case.name)
    mode                 "forward" | "train" | "stream"
    cell                 "gru" | "lstm"; a record without it (written before the
                         LSTM) is the GRU's
    batch, steps,        B, T (for "stream": 1, the record is per single step)
    input_size, hidden_size
    median_ms, min_ms    one whole call: a sequence forward or one training step;
                         for "stream" one single step
    repeats              timed calls after warm-up
    threads              the framework's intra-op thread count
    gflops               FLOPs / median time; forward FLOPs = 2*G*(I*H + H*H)*T*B
                         with G = 3 gates (GRU) or 4 (LSTM), training = 3x forward,
                         stream = 2*G*(I*H + H*H) per step
    sequence_steps_per_s T*B / median time
    peak_memory_mb       training only, with --memory: MiB (2^20 bytes) a step adds
                         to the peak resident set (see measure_peak_memory)

GRUKit's records also carry sgemm_gflops, its BLAS's sgemm (1024^3, all cores)
measured in the same run, and kernels, what its own kernels run on this processor
(instruction set, one-row weight prefetch), and its regularizer cases (S2-zoneout...)
regularizer, what the case adds to the plain S2 training step; compare.py's --rounds
adds round_medians_ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

FORWARD = "forward"
TRAIN = "train"
STREAM = "stream"

RECORD_KEYS = (
    "framework", "version", "case", "mode", "batch", "steps", "input_size",
    "hidden_size", "median_ms", "min_ms", "repeats", "threads", "gflops",
    "sequence_steps_per_s", "peak_memory_mb",
)
# Keys a record may carry beside RECORD_KEYS: the cell (every record since the LSTM),
# GRUKit's sgemm ceiling, kernels and regularizer, --rounds' round medians, the weights'
# precision and size (GRUKit's records), and the suite of cases it was measured in
# ("precision": precision.py's, which compare.py --precision runs beside its own).
OPTIONAL_KEYS = ("cell", "regularizer", "sgemm_gflops", "kernels", "round_medians_ms", "precision",
                 "weight_mb", "suite")

GRU = "gru"
LSTM = "lstm"
CELLS = (GRU, LSTM)
# Gate blocks of each cell: the G of the FLOP count.
GATES = {GRU: 3, LSTM: 4}


def record_cell(record: dict[str, Any]) -> str:
    """A record's cell; records written before the LSTM carry none and are the GRU's."""
    return record.get("cell", GRU)


# MARK: - Cases

@dataclass(frozen=True)
class Case:
    """One benchmark shape. For a streaming case, `steps` is the number of
    consecutive single steps one timed call runs (the record is per step)."""

    name: str
    batch: int
    steps: int
    input_size: int
    hidden_size: int
    # Timed calls and warm-up calls when --repeats is not given.
    repeats: int
    warmup: int
    streaming: bool = False

    @property
    def modes(self) -> list[str]:
        if self.streaming:
            return [STREAM]
        return [FORWARD, TRAIN] if self.name in TRAINING_CASES else [FORWARD]

    def step_flops(self, cell: str = GRU) -> float:
        """FLOPs of one forward time step of one sequence (G gates, 2 per multiply-add)."""
        I, H = self.input_size, self.hidden_size
        return 2.0 * GATES[cell] * (I * H + H * H)


STANDARD_CASES = [
    Case("S1", batch=1, steps=100, input_size=64, hidden_size=128, repeats=20, warmup=3),
    Case("S2", batch=32, steps=100, input_size=128, hidden_size=256, repeats=20, warmup=2),
    Case("S3", batch=64, steps=200, input_size=256, hidden_size=512, repeats=5, warmup=1),
    Case("S4", batch=128, steps=50, input_size=512, hidden_size=1024, repeats=5, warmup=1),
    Case("stream-H128", batch=1, steps=1000, input_size=64, hidden_size=128,
         repeats=10, warmup=1, streaming=True),
    Case("stream-H512", batch=1, steps=1000, input_size=256, hidden_size=512,
         repeats=10, warmup=1, streaming=True),
]
TRAINING_CASES = {"S2", "S3"}

# The scaling sweep: one variable at a time around S2 (B=32, T=100, I=128, H=256),
# forward only; I follows H as I = H/2, as in S2.
SWEEP_T = [25, 50, 100, 200]
SWEEP_B = [1, 8, 32, 128]
SWEEP_H = [64, 128, 256, 512]
SWEEP_REPEATS = 5
SWEEP_CENTER = {"B": 32, "T": 100, "H": 256}

_SHAPE_NAME = re.compile(r"^B(\d+)-T(\d+)-I(\d+)-H(\d+)$")


def shape_case(batch: int, steps: int, input_size: int, hidden_size: int) -> Case:
    """A forward-only case of any shape, named "B32-T100-I128-H256"."""
    name = f"B{batch}-T{steps}-I{input_size}-H{hidden_size}"
    return Case(name, batch, steps, input_size, hidden_size, repeats=SWEEP_REPEATS, warmup=1)


def sweep_cases() -> list[Case]:
    """The shapes of the scaling sweep, each once, in a stable order."""
    b, t, h = SWEEP_CENTER["B"], SWEEP_CENTER["T"], SWEEP_CENTER["H"]
    shapes = [(b, steps, h // 2, h) for steps in SWEEP_T]
    shapes += [(batch, t, h // 2, h) for batch in SWEEP_B]
    shapes += [(b, t, hidden // 2, hidden) for hidden in SWEEP_H]
    unique = list(dict.fromkeys(shapes))
    return [shape_case(*shape) for shape in unique]


def parse_cases(text: str | None) -> list[Case]:
    """Cases from `--cases`: standard names and shape names, comma-separated."""
    if not text:
        return list(STANDARD_CASES)
    by_name = {case.name: case for case in STANDARD_CASES}
    cases = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        if name in by_name:
            cases.append(by_name[name])
        elif match := _SHAPE_NAME.match(name):
            cases.append(shape_case(*(int(group) for group in match.groups())))
        else:
            known = ", ".join(by_name)
            raise SystemExit(f"error: unknown case '{name}' (expected one of {known}, "
                             f"or a shape like B32-T100-I128-H256)")
    return cases


# MARK: - Framework interface

class Framework(Protocol):
    """What a competitor script provides. `model` and `inputs` are opaque here."""

    name: str
    version: str
    threads: int
    can_train: bool

    def build(self, input_size: int, hidden_size: int, cell: str) -> Any:
        """A GRU or an LSTM (`cell`) with fresh weights."""

    def inputs(self, model: Any, batch: int, steps: int) -> Any:
        """Random float32 inputs of B sequences of T steps, in the framework's layout."""

    def forward(self, model: Any, inputs: Any) -> Any:
        """The whole sequence forward (inference), completed when it returns."""

    def train_step(self, model: Any, inputs: Any) -> Any:
        """Forward, loss = sum of the outputs, backward: gradients of all weights
        and the input, no optimizer step."""

    def streamer(self, model: Any) -> Callable[[int], None]:
        """A function that runs n single steps with B=1, carrying the state (h, and
        c for the LSTM)."""


# MARK: - Timing

def time_calls(call: Callable[[], Any], repeats: int, warmup: int) -> list[float]:
    """Seconds of each of `repeats` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def make_record(framework: Framework, case: Case, mode: str, seconds: list[float],
                peak_memory_mb: float | None = None, cell: str = GRU) -> dict[str, Any]:
    """A record in the shared schema; `seconds` are per call (per step for streaming)."""
    median = statistics.median(seconds)
    batch, steps = (1, 1) if mode == STREAM else (case.batch, case.steps)
    flops = case.step_flops(cell) * steps * batch * (3 if mode == TRAIN else 1)
    return {
        "framework": framework.name,
        "version": framework.version,
        "case": case.name,
        "mode": mode,
        "cell": cell,
        "batch": batch,
        "steps": steps,
        "input_size": case.input_size,
        "hidden_size": case.hidden_size,
        "median_ms": round(median * 1e3, 6),
        "min_ms": round(min(seconds) * 1e3, 6),
        "repeats": len(seconds),
        "threads": framework.threads,
        "gflops": round(flops / median / 1e9, 3),
        "sequence_steps_per_s": round(steps * batch / median, 1),
        "peak_memory_mb": peak_memory_mb,
    }


def run_case(framework: Framework, case: Case, mode: str, repeats: int, warmup: int,
             stream_steps: int, cell: str = GRU) -> dict[str, Any]:
    model = framework.build(case.input_size, case.hidden_size, cell)
    if mode == STREAM:
        run_steps = framework.streamer(model)
        seconds = time_calls(lambda: run_steps(stream_steps), repeats, warmup)
        return make_record(framework, case, mode, [s / stream_steps for s in seconds], cell=cell)
    inputs = framework.inputs(model, case.batch, case.steps)
    call = framework.forward if mode == FORWARD else framework.train_step
    seconds = time_calls(lambda: call(model, inputs), repeats, warmup)
    return make_record(framework, case, mode, seconds, cell=cell)


# MARK: - Peak memory of a training step

def _status_kib(field: str) -> int:
    """A "VmRSS"/"VmHWM" line of /proc/self/status, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise OSError(f"/proc/self/status has no {field}")


def _reset_peak_rss() -> bool:
    """Sets the peak RSS (VmHWM) back to the current RSS (Linux >= 4.0); False if it can't."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure_peak_memory(framework: Framework, case: Case, cell: str = GRU) -> float:
    """Peak memory of one training step, in MiB, measured in this (fresh) process.

    Definition, shared with `gru bench --memory`: the peak resident set size
    during one full-size training step minus the resident set size just before
    it, i.e. the step's extra peak over the process's state before the step.
    That state already holds the model, the inputs, the loaded libraries and
    their thread pools, and whatever the framework keeps after a first step (a
    traced graph, gradient buffers): one training step on a tiny input (B=1,
    T=2) of the same model runs first, so start-up costs are not charged to the
    step. What remains is what the step itself needs: activations saved for
    backward, gradients, outputs and work space.

    On Linux the peak is read as VmHWM after resetting it to the current RSS
    (/proc/self/clear_refs). The increase of ru_maxrss would hide the step
    whenever an earlier peak was higher, and ru_maxrss survives exec: a child
    starts with its parent's peak. Elsewhere that increase is the fallback.
    """
    model = framework.build(case.input_size, case.hidden_size, cell)
    framework.train_step(model, framework.inputs(model, 1, 2))
    inputs = framework.inputs(model, case.batch, case.steps)
    if _reset_peak_rss():
        before = _status_kib("VmRSS")
        framework.train_step(model, inputs)
        after = _status_kib("VmHWM")
    else:
        # ru_maxrss is in KiB on Linux.
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        framework.train_step(model, inputs)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round((after - before) / 1024.0, 2)


def peak_memory_in_subprocess(script: str, case: Case, cell: str = GRU) -> float | None:
    """Runs `script --cell CELL --memory-child CASE` in a fresh interpreter and returns its MiB."""
    command = [sys.executable, script, "--cell", cell, "--memory-child", case.name]
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        log(f"peak memory of {case.name}: the subprocess failed (exit {result.returncode})")
        return None
    return float(result.stdout.strip())


# MARK: - Command line

def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def intra_op_threads(reported: int | None = None) -> int:
    """The framework's reported thread count, or the CPU count where it says 0 (default)."""
    return reported if reported else (os.cpu_count() or 1)


def main(framework_factory: Callable[[], Framework], script: str) -> None:
    """The CLI of a competitor script: prints a JSON array of records on stdout."""
    parser = argparse.ArgumentParser(
        description="GRU or LSTM benchmark of one framework; prints a JSON array of records.")
    parser.add_argument("--cell", choices=CELLS, default=GRU,
                        help="the recurrent cell (default: %(default)s)")
    parser.add_argument("--cases", help="comma-separated case names (default: all): "
                        + ", ".join(case.name for case in STANDARD_CASES)
                        + ", or shapes like B32-T100-I128-H256 (forward only)")
    parser.add_argument("--repeats", type=int, help="timed calls per case (default: per case)")
    parser.add_argument("--quick", action="store_true",
                        help="3 repeats, 1 warm-up, 100-step streams: a smoke test")
    parser.add_argument("--memory", action="store_true",
                        help="peak memory of each training step, in a fresh subprocess")
    parser.add_argument("--memory-child", metavar="CASE", help=argparse.SUPPRESS)
    args = parser.parse_args()

    framework = framework_factory()
    if args.memory_child:
        (case,) = parse_cases(args.memory_child)
        print(measure_peak_memory(framework, case, args.cell))
        return

    log(f"{framework.name} {framework.version}, {framework.threads} threads, {args.cell}")
    records = []
    for case in parse_cases(args.cases):
        for mode in case.modes:
            if mode == TRAIN and not framework.can_train:
                continue
            repeats = args.repeats or (3 if args.quick else case.repeats)
            warmup = 1 if args.quick else case.warmup
            stream_steps = 100 if args.quick else case.steps
            record = run_case(framework, case, mode, repeats, warmup, stream_steps, args.cell)
            if mode == TRAIN and args.memory:
                record["peak_memory_mb"] = peak_memory_in_subprocess(script, case, args.cell)
            memory = record["peak_memory_mb"]
            log(f"  {case.name:>12} {mode:<7} median {record['median_ms']:10.4f} ms  "
                f"min {record['min_ms']:10.4f} ms  {record['gflops']:7.2f} GFLOP/s"
                + (f"  peak +{memory} MB" if memory is not None else ""))
            records.append(record)
    json.dump(records, sys.stdout, indent=1)
    print()
