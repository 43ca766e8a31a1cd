#!/usr/bin/env python3
"""GRUKit against onnxruntime, PyTorch and Keras: one run, the same shapes, one table.

Runs `gru bench --json` and each competitor script (one after another, never
concurrently: they would share the cores; with --rounds N, N times over, taking
turns, each keeping its median round), merges their records (schema in
harness.py) and prints one table: a row per (cell, case, mode), each framework's
median in ms (per step for streaming), the best competitor, GRUKit's speed-up
over it (best competitor time / GRUKit time; > 1 means GRUKit is faster) and
GRUKit's GFLOP/s. --cells gru,lstm runs every framework's LSTM beside its GRU
(a cell column appears when there is more than one cell); --regularizers adds
GRUKit's regularizer cases and a table of their cost, each as a ratio to the
plain S2 training step of the same cell and run (the target: at most 1.3x).
--precision adds, after the rest of the run and with the same --rounds,
precision.py's cases: GRUKit's float32, bf16 and int8 weights on S1, S2 forward,
stream-H128 and stream-H512 against onnxruntime and PyTorch float32 and
PyTorch's dynamically quantized int8 GRU, in a table of their own (their
records carry `suite` "precision" in --json).

    .venv-bench/bin/python Benchmarks/compare.py --memory \\
        --markdown BENCHMARKS-table.md --plot Benchmarks/scaling.png
    .venv-bench/bin/python Benchmarks/compare.py --precision --rounds 3 --json results.json

What `gru bench` is asked for (the contract with the Swift side):
    gru bench --json --cell CELL [--quick] [--cases LIST] [--repeats N] [--memory]
              [--regularizers]
printing a JSON array of records with framework "gruKit" on stdout. LIST holds
the standard case names and, for the scaling sweep, shape names such as
B32-T25-I128-H256 (forward only). If the binary is missing or fails, the run
goes on with the competitors and exits 1 at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import harness

BENCHMARKS = Path(__file__).resolve().parent
COMPETITORS = {
    "onnxruntime": BENCHMARKS / "bench_onnxruntime.py",
    "pytorch": BENCHMARKS / "bench_torch.py",
    "keras": BENCHMARKS / "bench_keras.py",
}
GRUKIT = "gruKit"
DISPLAY_NAMES = {GRUKIT: "GRUKit", "onnxruntime": "onnxruntime", "pytorch": "PyTorch",
                 "keras": "Keras"}
MODE_ORDER = [harness.FORWARD, harness.TRAIN, harness.STREAM]
TEXT_COLUMNS = {"cell", "case", "mode", "best competitor"}
# The regularizer cost target: a regularized training step at most this many times the
# plain one.
REGULARIZER_TARGET = 1.3
# `gru bench --regularizers`'s cases, in its order.
REGULARIZERS = ["layer-norm", "zoneout", "weight-drop", "recurrent-dropout"]

Record = dict[str, Any]


# MARK: - Running

def parse_records(text: str, source: str) -> list[Record]:
    """The JSON array a benchmark printed, with a warning per record off the schema."""
    records = json.loads(text)
    if not isinstance(records, list):
        raise ValueError(f"{source}: expected a JSON array of records, found {type(records).__name__}")
    expected = set(harness.RECORD_KEYS)
    for record in records:
        # The cell, GRUKit's sgemm ceiling, kernels and regularizer, --rounds' medians.
        keys = set(record) - set(harness.OPTIONAL_KEYS)
        if keys != expected:
            missing, extra = sorted(expected - keys), sorted(keys - expected)
            harness.log(f"warning: {source}: record {record.get('case')}/{record.get('mode')} "
                        f"is off the schema (missing {missing}, extra {extra})")
    return records


def load_records(path: str) -> list[Record]:
    try:
        return parse_records(Path(path).read_text(), path)
    except (OSError, ValueError) as error:
        raise SystemExit(f"error: cannot read records from {path}: {error}")


def run_benchmark(command: list[str], source: str) -> list[Record] | None:
    """Runs one benchmark (its stderr passes through); None if it fails."""
    harness.log(f"$ {' '.join(command)}")
    try:
        result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    except OSError as error:
        harness.log(f"error: {source}: could not run {command[0]}: {error}")
        return None
    if result.returncode != 0:
        harness.log(f"error: {source} exited with {result.returncode}")
        return None
    try:
        return parse_records(result.stdout, source)
    except ValueError as error:
        harness.log(f"error: {source} printed no valid JSON array on stdout: {error}")
        return None


def bench_options(cases: str | None, repeats: int | None, quick: bool,
                  memory: bool, cell: str = harness.GRU) -> list[str]:
    options = ["--cell", cell]
    if quick:
        options.append("--quick")
    if cases:
        options += ["--cases", cases]
    if repeats:
        options += ["--repeats", str(repeats)]
    if memory:
        options.append("--memory")
    return options


def record_key(record: Record) -> tuple[str, str, str, str]:
    """What identifies a measurement: framework, cell, case and mode."""
    return (record["framework"], harness.record_cell(record), record["case"], record["mode"])


def run_rounds(args: argparse.Namespace, options: list[str], gru_from_file: bool,
               regularizers: bool = False) -> tuple[list[Record], bool]:
    """`run_all` --rounds times, the frameworks taking turns in every round, so that a slow
    stretch of a drifting machine falls on all of them rather than on whichever ran then;
    each (framework, case, mode) keeps its median round."""
    rounds: list[list[Record]] = []
    ok = True
    for number in range(args.rounds):
        if args.rounds > 1:
            harness.log(f"round {number + 1} of {args.rounds}")
        records, round_ok = run_all(args, options, gru_from_file, regularizers)
        rounds.append(records)
        ok &= round_ok
    return merge_rounds(rounds), ok


def merge_rounds(rounds: list[list[Record]]) -> list[Record]:
    """Per (framework, cell, case, mode), the record of the round with the median time (the
    lower middle one of an even count), noting every round's median in `round_medians_ms`."""
    if len(rounds) == 1:
        return rounds[0]
    groups: dict[tuple[str, str, str, str], list[Record]] = {}
    for records in rounds:
        for record in records:
            groups.setdefault(record_key(record), []).append(record)
    merged = []
    for group in groups.values():
        ordered = sorted(group, key=lambda record: record["median_ms"])
        chosen = dict(ordered[(len(ordered) - 1) // 2])
        chosen["round_medians_ms"] = [record["median_ms"] for record in group]
        merged.append(chosen)
    return merged


def run_all(args: argparse.Namespace, options: list[str], gru_from_file: bool,
            regularizers: bool = False) -> tuple[list[Record], bool]:
    """Records of GRUKit (unless read from a file) and the chosen competitors, and
    whether everything ran; with `regularizers`, GRUKit also runs its regularizer cases."""
    records: list[Record] = []
    ok = True
    if not gru_from_file:
        gru = Path(args.gru)
        if not gru.is_file():
            harness.log(f"error: GRUKit's binary {gru} does not exist (build it with "
                        "`swift build -c release`, or give --gru PATH); "
                        "going on with the competitors only")
            ok = False
        else:
            extra = ["--regularizers"] if regularizers else []
            gru_records = run_benchmark([str(gru), "bench", "--json", *options, *extra], "gru bench")
            ok &= gru_records is not None
            records += gru_records or []
    for name in args.competitors.split(","):
        script = COMPETITORS[name]
        result = run_benchmark([sys.executable, str(script), *options], script.name)
        ok &= result is not None
        records += result or []
    return records, ok


# MARK: - Machine

def machine_lines(records: list[Record]) -> list[str]:
    """The CPU, its cores, and each framework's version and threads, as the run saw them."""
    model, cores = "unknown CPU", set()
    try:
        physical = "0"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = (part.strip() for part in line.partition(":"))
            if key == "model name":
                model = value
            elif key == "physical id":
                physical = value
            elif key == "core id":
                cores.add((physical, value))
    except OSError:
        pass
    logical = os.cpu_count() or 1
    lines = [f"Machine: {model}, {len(cores) or logical} cores, {logical} logical CPUs"]
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    if coretype:
        lines[0] += f" (OPENBLAS_CORETYPE={coretype} in the environment)"
    versions = {}
    for record in records:
        versions.setdefault(record["framework"], (record["version"], record["threads"]))
    frameworks = ", ".join(f"{DISPLAY_NAMES.get(name, name)} {version} ({threads} threads)"
                           for name, (version, threads) in sorted(versions.items(), key=framework_order))
    lines.append(f"Frameworks: {frameworks}; Python {sys.version.split()[0]}")
    # GRUKit measures its BLAS's sgemm (1024^3, all cores) in each of its runs: the ceiling
    # that the S4 target is a fraction of. One measurement takes a few tens of milliseconds, so
    # a slow stretch of a shared machine can halve it; the ceiling is the best of the run.
    sgemm = [record["sgemm_gflops"] for record in records
             if record["framework"] == GRUKIT and record.get("sgemm_gflops")]
    if sgemm:
        ceiling = max(sgemm)
        line = (f"sgemm 1024^3 through GRUKit's BLAS in this run: best {ceiling:.1f} GFLOP/s, "
                f"median {sorted(sgemm)[len(sgemm) // 2]:.1f}")
        s4 = next((record for record in records if record["framework"] == GRUKIT
                   and record["case"] == "S4" and record["mode"] == harness.FORWARD
                   and harness.record_cell(record) == harness.GRU), None)
        if s4:
            line += f"; S4 forward at {100 * s4['gflops'] / ceiling:.0f}% of the best"
        lines.append(line)
    kernels = next((record["kernels"] for record in records
                    if record["framework"] == GRUKIT and record.get("kernels")), None)
    if kernels:
        lines.append(f"GRUKit kernels: {kernels}")
    return lines


def framework_order(item: tuple[str, Any]) -> int:
    order = [GRUKIT, *COMPETITORS]
    return order.index(item[0]) if item[0] in order else len(order)


# MARK: - Table

def format_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 1000 else f"{value:.4g}"


def table(records: list[Record], memory: bool) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the comparison: one row per (cell, case, mode), with a cell column
    when the records hold more than one cell."""
    frameworks = sorted({record["framework"] for record in records},
                        key=lambda name: framework_order((name, None)))
    competitors = [name for name in frameworks if name != GRUKIT]
    by_key = {(harness.record_cell(r), r["case"], r["mode"], r["framework"]): r for r in records}
    rows_keys = sorted({(harness.record_cell(r), r["case"], r["mode"]) for r in records}, key=row_order)
    show_cell = len({cell for cell, _, _ in rows_keys}) > 1
    memory_frameworks = [name for name in frameworks
                         if any(r.get("peak_memory_mb") is not None
                                for r in records if r["framework"] == name)] if memory else []

    header = (["cell"] if show_cell else []) + ["case", "mode"]
    header += [f"{DISPLAY_NAMES.get(name, name)} ms" for name in frameworks]
    header += ["best competitor", "GRUKit speed-up", "GRUKit GFLOP/s"]
    header += [f"{DISPLAY_NAMES.get(name, name)} peak MB" for name in memory_frameworks]
    rows = []
    for cell, case, mode in rows_keys:
        def median(name: str) -> float | None:
            record = by_key.get((cell, case, mode, name))
            return record["median_ms"] if record else None

        timed = [(median(name), name) for name in competitors if median(name) is not None]
        best_ms, best = min(timed) if timed else (None, None)
        ours = by_key.get((cell, case, mode, GRUKIT))
        speedup = f"{best_ms / ours['median_ms']:.2f}x" if ours and best_ms else "-"
        row = ([cell] if show_cell else []) + [case, mode]
        row += [format_ms(median(name)) for name in frameworks]
        row += [DISPLAY_NAMES.get(best, best) if best else "-", speedup,
                f"{ours['gflops']:.1f}" if ours else "-"]
        for name in memory_frameworks:
            record = by_key.get((cell, case, mode, name))
            peak = record["peak_memory_mb"] if record else None
            row.append(f"{peak:.1f}" if peak is not None else "")
        rows.append(row)
    return header, rows


def row_order(key: tuple[str, str, str]) -> tuple[int, int, int, int, int]:
    cell, case, mode = key
    cell_index = harness.CELLS.index(cell) if cell in harness.CELLS else len(harness.CELLS)
    standard = [case.name for case in harness.STANDARD_CASES]
    if case in standard:
        return (0, standard.index(case), MODE_ORDER.index(mode), cell_index, 0)
    # Sweep shapes: by B, T, I, H.
    numbers = [int(part[1:]) for part in case.split("-")]
    return (1, numbers[0], numbers[1], numbers[3] * 10**6 + numbers[2], cell_index)


def is_regularizer_run(record: Record) -> bool:
    """Whether `gru bench --regularizers` prints `record`: a regularizer case, or the plain S2
    training step it is compared with."""
    return bool(record.get("regularizer")) or (record["case"] == "S2" and record["mode"] == harness.TRAIN)


def regularizer_table(records: list[Record]) -> tuple[list[str], list[list[str]]]:
    """GRUKit's regularizer cases, each beside the plain S2 training step of its cell from
    the same records: its time, the plain step's, and their ratio against the target."""
    plain = {harness.record_cell(r): r for r in records
             if r["framework"] == GRUKIT and r["case"] == "S2" and r["mode"] == harness.TRAIN}
    header = ["cell", "case", "GRUKit ms", "plain S2 train ms", "ratio",
              f"within {REGULARIZER_TARGET}x"]
    rows = []
    regularized = [r for r in records if r["framework"] == GRUKIT and r.get("regularizer")]
    def order(record: Record) -> tuple[int, int]:
        cell, regularizer = harness.record_cell(record), record["regularizer"]
        return (harness.CELLS.index(cell) if cell in harness.CELLS else len(harness.CELLS),
                REGULARIZERS.index(regularizer) if regularizer in REGULARIZERS else len(REGULARIZERS))

    for record in sorted(regularized, key=order):
        base = plain.get(harness.record_cell(record))
        ratio = record["median_ms"] / base["median_ms"] if base else None
        rows.append([harness.record_cell(record), record["case"], format_ms(record["median_ms"]),
                     format_ms(base["median_ms"] if base else None),
                     f"{ratio:.2f}x" if ratio else "-",
                     ("yes" if ratio <= REGULARIZER_TARGET else "no") if ratio else "-"])
    return header, rows


def render_text(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) if name in TEXT_COLUMNS else cell.rjust(width)
                       for name, cell, width in zip(header, row, widths))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def render_markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---" if name in TEXT_COLUMNS else "---:" for name in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def legend() -> str:
    shapes = "; ".join(f"{case.name} B={case.batch} T={case.steps} I={case.input_size} "
                       f"H={case.hidden_size}" if not case.streaming else
                       f"{case.name} B=1 I={case.input_size} H={case.hidden_size}"
                       for case in harness.STANDARD_CASES)
    return (f"Shapes (time-major, one layer, float32, the GRU reset-after): {shapes}. "
            "Times are medians in ms of one call (a whole sequence forward, one training "
            "step); stream rows are ms per single step. Speed-up = best competitor's time / "
            "GRUKit's (> 1: GRUKit faster). Peak MB = MiB by which one training step "
            "raises the peak resident set above the resident set just before it.")


# MARK: - Plot

def plot_scaling(records: list[Record], path: str) -> None:
    """Three log-log panels, forward time versus T, B and H around S2."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    def plain(value: float, _position: int) -> str:
        return f"{value:g}"

    def plain_at_2_and_5(value: float, _position: int) -> str:
        return f"{value:g}" if f"{value:.0e}"[0] in "25" else ""

    center = harness.SWEEP_CENTER
    sweeps = [
        ("T", harness.SWEEP_T, lambda v: (center["B"], v, center["H"] // 2, center["H"]),
         f"sequence length T (B={center['B']}, H={center['H']}, I=H/2)"),
        ("B", harness.SWEEP_B, lambda v: (v, center["T"], center["H"] // 2, center["H"]),
         f"batch B (T={center['T']}, H={center['H']}, I=H/2)"),
        ("H", harness.SWEEP_H, lambda v: (center["B"], center["T"], v // 2, v),
         f"hidden size H (B={center['B']}, T={center['T']}, I=H/2)"),
    ]
    forward = {(r["framework"], r["batch"], r["steps"], r["input_size"], r["hidden_size"]): r
               for r in records if r["mode"] == harness.FORWARD}
    frameworks = sorted({r["framework"] for r in records},
                        key=lambda name: framework_order((name, None)))
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for axis, (letter, values, shape, label) in zip(axes, sweeps):
        for name in frameworks:
            points = [(value, forward[(name, *shape(value))]["median_ms"])
                      for value in values if (name, *shape(value)) in forward]
            if points:
                xs, ys = zip(*points)
                axis.plot(xs, ys, marker="o", label=DISPLAY_NAMES.get(name, name),
                          linewidth=2.5 if name == GRUKIT else 1.5)
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xticks(values, [str(value) for value in values])
        axis.yaxis.set_major_formatter(FuncFormatter(plain))
        axis.yaxis.set_minor_formatter(FuncFormatter(plain_at_2_and_5))
        axis.set_xlabel(label)
        axis.set_ylabel("forward time per call (ms)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle("GRU forward time versus T, B and H (median, log-log)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


# MARK: - Main

def main() -> int:
    import precision  # precision.py imports this module, so not at the top
    parser = argparse.ArgumentParser(
        description="Run GRUKit and the competitor frameworks on the same shapes; print one table.")
    parser.add_argument("--gru", default=".build/release/gru", help="GRUKit's CLI (default: %(default)s)")
    parser.add_argument("--gru-json", metavar="FILE",
                        help="read GRUKit's records from FILE instead of running the binary")
    parser.add_argument("--records", metavar="FILE",
                        help="render the table from all records in FILE (as written by --json); runs nothing")
    parser.add_argument("--competitors", default=",".join(COMPETITORS),
                        help="comma-separated competitors to run (default: %(default)s)")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--cells", default=harness.GRU,
                        help="comma-separated cells to run, of " + ",".join(harness.CELLS)
                             + " (default: %(default)s)")
    parser.add_argument("--regularizers", action="store_true",
                        help="also run GRUKit's regularizer cases (S2 training step with the layer-norm "
                             "GRU, zoneout, weight-drop, recurrent dropout) and print each one's ratio "
                             "to the plain S2 training step")
    parser.add_argument("--precision", action="store_true",
                        help="also run precision.py's cases (GRUKit float32, bf16 and int8 against onnxruntime, "
                             "PyTorch float32 and PyTorch's dynamic int8 GRU on S1, S2 forward, stream-H128, "
                             "stream-H512) with the same --rounds, and print their table")
    parser.add_argument("--repeats", type=int, help="timed calls per case (default: per case)")
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke test")
    parser.add_argument("--memory", action="store_true",
                        help="peak memory of each training step, in a fresh process")
    parser.add_argument("--scaling", action="store_true",
                        help="also run the forward sweep over T, B and H around S2")
    parser.add_argument("--plot", metavar="OUT.png", help="draw the sweep (implies --scaling)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run everything this many times, the frameworks taking turns, and keep "
                             "each one's median round (default: %(default)s)")
    parser.add_argument("--json", metavar="OUT", help="write all records to OUT")
    parser.add_argument("--markdown", metavar="OUT", help="write the table as a Markdown section to OUT")
    args = parser.parse_args()
    for name in args.competitors.split(","):
        if name not in COMPETITORS:
            parser.error(f"unknown competitor '{name}' (expected {', '.join(COMPETITORS)})")
    harness.parse_cases(args.cases)  # Rejects unknown names before anything runs.
    cells = [cell.strip() for cell in args.cells.split(",") if cell.strip()]
    for cell in cells:
        if cell not in harness.CELLS:
            parser.error(f"unknown cell '{cell}' (expected {', '.join(harness.CELLS)})")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    scaling = args.scaling or bool(args.plot)

    ok = True
    if args.records:
        records = load_records(args.records)
    else:
        gru_records = []
        if args.gru_json:
            # Only the cells and cases this run measures, as if the binary had been asked.
            wanted = {case.name for case in harness.parse_cases(args.cases)}
            if scaling:
                wanted |= {case.name for case in harness.sweep_cases()}
            gru_records = [r for r in load_records(args.gru_json)
                           if harness.record_cell(r) in cells
                           and (r["case"] in wanted or (args.regularizers and is_regularizer_run(r)))]
        records = []
        for cell in cells:
            options = bench_options(args.cases, args.repeats, args.quick, args.memory, cell)
            cell_records, cell_ok = run_rounds(args, options, gru_from_file=bool(args.gru_json),
                                               regularizers=args.regularizers)
            records += cell_records
            ok &= cell_ok
            if scaling:
                names = ",".join(case.name for case in harness.sweep_cases())
                sweep_repeats = None if args.quick else harness.SWEEP_REPEATS
                sweep_records, sweep_ok = run_rounds(
                    args, bench_options(names, sweep_repeats, args.quick, False, cell),
                    gru_from_file=bool(args.gru_json))
                records += sweep_records
                ok &= sweep_ok
        records = gru_records + records
        if args.precision:
            records += precision.measure(args.gru, args.rounds, args.quick)

    precision_records = [r for r in records if r.get("suite") == precision.SUITE]
    records_here = [r for r in records if r.get("suite") != precision.SUITE]
    standard_names = {case.name for case in harness.STANDARD_CASES}
    main_records = [r for r in records_here if r["case"] in standard_names and not r.get("regularizer")]
    regularizer_records = [r for r in records_here if r.get("regularizer")]
    sweep_records = [r for r in records_here if r["case"] not in standard_names and not r.get("regularizer")]
    lines = machine_lines(records)
    header, rows = table(main_records, args.memory)
    text = ["\n".join(lines), "", render_text(header, rows)]
    markdown = ["## Latest results", "", *(f"{line}  " for line in lines), "",
                render_markdown(header, rows), "", legend()]
    if regularizer_records:
        regularizer_header, regularizer_rows = regularizer_table(main_records + regularizer_records)
        text += ["", "Regularizer cost (GRUKit, S2 training step):",
                 render_text(regularizer_header, regularizer_rows)]
        markdown += ["", "### Regularizer cost (GRUKit, S2 training step)", "",
                     render_markdown(regularizer_header, regularizer_rows)]
    if sweep_records:
        sweep_header, sweep_rows = table(sweep_records, memory=False)
        text += ["", "Scaling sweep (forward):", render_text(sweep_header, sweep_rows)]
        markdown += ["", "### Scaling sweep (forward)", "", render_markdown(sweep_header, sweep_rows)]
    if precision_records:
        text += ["", "Low-precision inference (forward and streaming):", precision.table(precision_records)]
        markdown += ["", "### Low-precision inference", "", precision.table(precision_records)]
    text += ["", legend()]

    # Files first: what a run measured is kept even if stdout goes away.
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1) + "\n")
    if args.markdown:
        Path(args.markdown).write_text("\n".join(markdown) + "\n")
    if args.plot:
        plot_scaling(records, args.plot)
        harness.log(f"wrote {args.plot}")
    print("\n".join(text))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
