"""Training throughput of the encoder-decoder: target tokens per second of teacher-forced Adam
steps, GRUKit (`gru train --task seq2seq`, the release build) against the same model in
PyTorch, on the same machine in one run, without attention and with additive and multiplicative
attention, at two sizes. Records go to results/seq2seq-throughput.json, the table between the
`seq2seq-throughput-table` markers of BENCHMARKS.md.

    env -u OPENBLAS_CORETYPE .venv-bench/bin/python Benchmarks/training/seq2seq_throughput.py
    .venv-bench/bin/python Benchmarks/training/seq2seq_throughput.py --no-run   # the table only

The data: PAIRS synthetic pairs of whitespace tokens, drawn with numpy's default_rng(seed):
each side's length uniform in LENGTHS, each token uniform over VOCABULARY words. A target
token is one the decoder is trained to predict, the end token included. The model and the
training step are g2p.py's (the fixtures' PyTorch modules, Adam, clipping by global norm,
batches in a shuffled order); both frameworks' epochs include making the batches. GRUKit's
rate is the one `gru train` logs (log.jsonl `targetTokensPerSecond`: the training steps only,
not the checkpoint); PyTorch's is timed around the same loop (g2p.pytorch_epoch).

The additive attention module of g2p.py and the fixtures is the tutorial's: every step applies
`attention` to [s; o_j], so it recomputes W_o o_j + b at every step. `pytorch-keys-once` is the
same model with those keys computed once per batch, as GRUKit does; the ratio is taken against
the faster PyTorch. The multiplicative module (LuongSeq2Seq) computes its keys W o_j once a
batch already.

Each case runs `--rounds` times, the frameworks taking turns; each keeps the median of its
rounds, where a round's rate is the median of its epochs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import common
import g2p

RESULTS = Path(__file__).resolve().parent / "results" / "seq2seq-throughput.json"
PAIRS, LENGTHS, VOCABULARY = 2048, (8, 24), 256
BASE = {"layers": 1, "bidirectional": True, "batch_size": 64, "learning_rate": 0.002, "clip_norm": 1.0,
        "seed": 0, "epochs": 3}
SIZES = ((64, 128), (128, 256))  # (embedding_size, hidden_size)
ATTENTIONS = ("none", "additive", "multiplicative")
FRAMEWORKS = ("grukit", "pytorch", "pytorch-keys-once")
NAMES = {"grukit": "GRUKit", "pytorch": "PyTorch", "pytorch-keys-once": "PyTorch, keys once"}


def write_pairs(path: Path, seed: int) -> list[tuple[list[str], list[str]]]:
    """Writes the synthetic pairs ("s3 s17 ... TAB t8 t0 ...") to `path` and returns them."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(PAIRS):
        source, target = (rng.integers(0, VOCABULARY, rng.integers(LENGTHS[0], LENGTHS[1] + 1)) for _ in range(2))
        pairs.append(([f"s{i}" for i in source], [f"t{i}" for i in target]))
    path.write_text("".join(f"{' '.join(s)}\t{' '.join(t)}\n" for s, t in pairs))
    return pairs


def settings_of(embedding_size: int, hidden_size: int) -> dict:
    return {**BASE, "embedding_size": embedding_size, "hidden_size": hidden_size}


# MARK: - GRUKit

def grukit_rates(data: Path, model: Path, attention: str, settings: dict, gru: Path,
                 threads: int | None) -> list[float]:
    """Each epoch's target tokens per second of one `gru train` run, from its log."""
    flags = ["train", "--task", "seq2seq", "--train", str(data), "--validation-fraction", "0",
             "--model", str(model), "--source-tokens", "whitespace", "--target-tokens", "whitespace",
             *g2p.model_flags(settings, attention)]
    environment = dict(os.environ)
    if threads is not None:
        environment["GRUKIT_NUM_THREADS"] = str(threads)
    completed = subprocess.run([str(gru), *flags], env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"error: gru train exited with {completed.returncode}: {completed.stderr.strip()}")
    log = [json.loads(line) for line in (model / "log.jsonl").read_text().splitlines() if line.strip()]
    return [epoch["targetTokensPerSecond"] for epoch in log]


# MARK: - PyTorch

def keys_once(model):
    """`model` (AttentionSeq2Seq) with its forward computing the attention keys W_o o_j + b
    once per batch and W_s s once per step: the same function of the same parameters."""
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    def forward(source, source_lengths, target_input):
        S, H = source.shape[0], model.decoder.hidden_size
        packed = pack_padded_sequence(model.source_embedding(source), source_lengths, enforce_sorted=False)
        packed_out, h_n = model.encoder(packed)
        O, _ = pad_packed_sequence(packed_out, total_length=S)               # (S, B, D*H)
        last = torch.cat([h_n[-2], h_n[-1]], dim=1) if model.bidirectional else h_n[-1]
        c = torch.tanh(model.context(last))                                  # (B, H)
        W = model.attention.weight                                           # (H, H + D*H)
        keys = torch.nn.functional.linear(O, W[:, H:], model.attention.bias)  # (S, B, H)
        y = model.target_embedding(target_input)                             # (T, B, E)
        masked = torch.arange(S).unsqueeze(1) >= source_lengths.unsqueeze(0)  # (S, B)
        s_prev, states, logits = c, [], []
        for t in range(target_input.shape[0]):
            energy = torch.tanh(keys + torch.nn.functional.linear(s_prev, W[:, :H]).unsqueeze(0))
            a = torch.softmax(model.attention_v(energy).squeeze(2).masked_fill(masked, float("-inf")), dim=0)
            weighted = (a.unsqueeze(2) * O).sum(dim=0)                       # (B, D*H)
            _, h = model.decoder(torch.cat([y[t], weighted], dim=1).unsqueeze(0), s_prev.unsqueeze(0).contiguous())
            s_prev = h[0]
            logits.append(model.head(torch.cat([y[t], s_prev, weighted], dim=1)))
            states.append(s_prev)
        return c, torch.stack(states), torch.stack(logits)

    model.forward = forward
    return model


def pytorch_rates(pairs: list, attention: str, settings: dict, threads: int, keys_once_forward: bool) -> list[float]:
    """Each epoch's target tokens per second of g2p.py's PyTorch training loop."""
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(settings["seed"])
    rng = common.seed_everything(settings["seed"])
    sources, targets = g2p.vocabularies(pairs)
    source_id = {c: i for i, c in enumerate(sources)}
    target_id = {p: i for i, p in enumerate(targets)}
    model = g2p.pytorch_model(attention, len(sources), len(targets), settings)
    if keys_once_forward:
        model = keys_once(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["learning_rate"], eps=1e-8)
    rates = []
    for _ in range(settings["epochs"]):
        started = time.perf_counter()
        _, tokens = g2p.pytorch_epoch(model, optimizer, [pairs[k] for k in rng.permutation(len(pairs))],
                                      lambda part: g2p.make_batch(part, source_id, target_id), settings)
        rates.append(tokens / (time.perf_counter() - started))
    return rates


# MARK: - run

def cases(attentions: list[str]) -> list[tuple[str, int, int]]:
    return [(attention, e, h) for e, h in SIZES for attention in attentions]


def measure(args: argparse.Namespace) -> list[dict]:
    """Every case and framework, `args.rounds` times taking turns; one record each."""
    rates: dict[tuple, list[float]] = {}
    epochs: dict[tuple, list[list[float]]] = {}
    loads: dict[tuple, list[tuple[float, float]]] = {}  # the 1-minute load average before and after each run
    with tempfile.TemporaryDirectory(prefix="grukit-seq2seq-throughput-") as scratch:
        data = Path(scratch) / "pairs.tsv"
        pairs = write_pairs(data, BASE["seed"])
        for round_index in range(args.rounds):
            for attention, e, h in cases(args.attention):
                settings = settings_of(e, h)
                for framework in args.frameworks:
                    if framework == "pytorch-keys-once" and attention != "additive":
                        continue
                    load_before = os.getloadavg()[0]
                    if framework == "grukit":
                        model = Path(scratch) / f"model-{round_index}-{attention}-{h}"
                        per_epoch = grukit_rates(data, model, attention, settings, args.gru, args.grukit_threads)
                    else:
                        per_epoch = pytorch_rates(pairs, attention, settings, args.threads,
                                                  framework == "pytorch-keys-once")
                    key = (framework, attention, e, h)
                    rates.setdefault(key, []).append(statistics.median(per_epoch))
                    epochs.setdefault(key, []).append(per_epoch)
                    loads.setdefault(key, []).append((round(load_before, 2), round(os.getloadavg()[0], 2)))
                    common.say(f"round {round_index + 1}/{args.rounds}  {framework:18} {attention:8} H={h}  "
                               f"{rates[key][-1]:,.0f} target tokens/s")
    import torch
    versions = {"grukit": "gru " + common.relative(args.gru), "pytorch": "torch " + torch.__version__,
                "pytorch-keys-once": "torch " + torch.__version__}
    threads = {"grukit": args.grukit_threads or os.environ.get("GRUKIT_NUM_THREADS", "default"),
               "pytorch": args.threads, "pytorch-keys-once": args.threads}
    target_tokens = sum(len(t) + 1 for _, t in pairs)
    return [{"suite": "seq2seq-throughput", "framework": framework, "version": versions[framework],
             "threads": threads[framework], "attention": attention, "embedding_size": e, "hidden_size": h,
             "settings": settings_of(e, h),
             "data": {"pairs": PAIRS, "lengths": LENGTHS, "vocabulary": VOCABULARY,
                      "target_tokens_per_epoch": target_tokens},
             "target_tokens_per_second": statistics.median(round_rates), "round_rates": round_rates,
             "epoch_rates": epochs[(framework, attention, e, h)],
             "round_load_averages": loads[(framework, attention, e, h)],
             "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"), "machine": common.machine(),
             "date": time.strftime("%Y-%m-%d", time.gmtime())}
            for (framework, attention, e, h), round_rates in rates.items()]


def table(records: list[dict]) -> str:
    by_key = {(r["framework"], r["attention"], r["hidden_size"]): r for r in records}
    lines = ["| attention | E | H | GRUKit tokens/s | PyTorch tokens/s | PyTorch, keys once tokens/s "
             "| GRUKit / best PyTorch |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for attention in ATTENTIONS:
        for e, h in SIZES:
            row = {f: by_key.get((f, attention, h)) for f in FRAMEWORKS}
            if row["grukit"] is None:
                continue
            rate = {f: r["target_tokens_per_second"] for f, r in row.items() if r is not None}
            best = max((v for f, v in rate.items() if f != "grukit"), default=None)
            cells = [attention, str(e), str(h)] + [f"{rate[f]:,.0f}" if f in rate else "-" for f in FRAMEWORKS]
            cells.append(f"{rate['grukit'] / best:.2f}x" if best else "-")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = g2p.comparison_parser(__doc__.split("\n\n")[0], FRAMEWORKS, ATTENTIONS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"the records (default {common.relative(RESULTS)})")
    parser.add_argument("--table", type=Path, default=common.REPO / "BENCHMARKS.md",
                        help="the Markdown file whose marked table is rewritten; 'none' for none")
    args = parser.parse_args()
    if not args.no_run:
        records = measure(args)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(records, indent=1) + "\n")
    records = json.loads(args.json.read_text())
    text = table(records)
    print(text)
    if str(args.table) != "none":
        common.write_marked_table(args.table, "seq2seq-throughput-table", text)


if __name__ == "__main__":
    sys.exit(main())
