"""PyTorch encoder-decoders for GRUKit's PyTorch import test (Tests/Fixtures/seq2seq-import).

Each case is a module of make_seq2seq_fixtures.py (Seq2Seq, AttentionSeq2Seq, LuongSeq2Seq) in
float32, trained briefly with Adam on a toy transduction: a word of the letters a-h to the word
reversed in capitals, one whitespace token a letter ("abc" -> "C B A"); the `features_*` case reads
each letter as a noisy one-hot vector of 8 features instead of a token (noise in multiples of 1/64,
so that the written decimals are the exact float32 values). Written per case:
- `<case>.pt.safetensors`: the state_dict, as `safetensors.torch.save_file` writes it;
- `<case>.names.json`: the names file of `gru import --seq2seq`;
- `<case>.sources.txt`: held-out sources, one a line;
- `<case>.expected.tsv`: `source TAB prediction` lines of PyTorch's own greedy decoding
  (make_seq2seq_fixtures.greedy_decode), the tokens joined by spaces, as `gru predict` writes.

Before writing, every decoded step's two best logits (teacher forcing on the decoded tokens) must be
at least MARGIN apart, so that float rounding between the frameworks cannot change an argmax.

Run: .venv/bin/python Tools/Reference/make_seq2seq_import_fixtures.py (torch and numpy)
"""
import json
import os
import sys
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_seq2seq_fixtures import (AttentionSeq2Seq, LuongSeq2Seq, Seq2Seq, greedy_decode, masked_loss,  # noqa: E402
                                   write_safetensors)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "seq2seq-import")
LETTERS = "abcdefgh"
SOURCE_VOCABULARY = ["<pad>", "<unk>"] + list(LETTERS)
TARGET_VOCABULARY = ["<pad>", "<unk>", "<s>", "</s>"] + [c.upper() for c in LETTERS]
START, END = 2, 3
MAX_OUTPUT = 10
MARGIN = 1e-3
FEATURES = len(LETTERS)

# name, attention, E, H, layers, bidirectional, features
CASES = [
    ("none", "none", 8, 24, 1, True, False),
    ("additive", "additive", 8, 24, 2, True, False),
    ("multiplicative", "multiplicative", 8, 24, 1, False, False),
    ("features_additive", "additive", 8, 24, 1, True, True),
]


def words(count, rng):
    return ["".join(rng.choice(list(LETTERS), size=rng.integers(2, 7))) for _ in range(count)]


def feature_steps(word, rng):
    """One noisy one-hot vector a letter: values k/64, exact in float32 and in decimal."""
    steps = []
    for letter in word:
        hot = LETTERS.index(letter)
        steps.append([(64 * (k == hot) + int(rng.integers(-6, 7))) / 64 for k in range(FEATURES)])
    return steps


def source_text(steps):
    return ";".join(" ".join(repr(v) for v in step) for step in steps)


def batch(sources, targets, features):
    """Time-major padded tensors: source ids (S, B) or features (S, B, F), lengths, target input and
    output (T, B), target lengths."""
    B = len(sources)
    S = max(len(s) for s in sources)
    if features:
        source = torch.zeros((S, B, FEATURES))
        for b, steps in enumerate(sources):
            source[:len(steps), b] = torch.tensor(steps)
    else:
        source = torch.zeros((S, B), dtype=torch.long)
        for b, word in enumerate(sources):
            source[:len(word), b] = torch.tensor([SOURCE_VOCABULARY.index(c) for c in word])
    T = max(len(t) for t in targets) + 1
    target_input = torch.zeros((T, B), dtype=torch.long)
    target_output = torch.zeros((T, B), dtype=torch.long)
    for b, tokens in enumerate(targets):
        ids = [TARGET_VOCABULARY.index(t) for t in tokens]
        target_input[:len(ids) + 1, b] = torch.tensor([START] + ids)
        target_output[:len(ids) + 1, b] = torch.tensor(ids + [END])
    lengths = torch.tensor([len(s) for s in sources])
    return source, lengths, target_input, target_output, torch.tensor([len(t) + 1 for t in targets])


def make_case(name, attention, E, H, L, bi, features):
    seed = zlib.crc32(name.encode("utf-8"))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    Model = {"none": Seq2Seq, "additive": AttentionSeq2Seq, "multiplicative": LuongSeq2Seq}[attention]
    model = Model(len(SOURCE_VOCABULARY), len(TARGET_VOCABULARY), E, H, L, bi, FEATURES if features else 0)
    train = words(400, rng)
    held_out = words(30, rng)
    encode = (lambda w: feature_steps(w, rng)) if features else (lambda w: w)
    train_sources = [encode(w) for w in train]
    train_targets = [[c.upper() for c in reversed(w)] for w in train]
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(300):
        rows = rng.choice(len(train), size=32, replace=False)
        inputs = batch([train_sources[i] for i in rows], [train_targets[i] for i in rows], features)
        loss = masked_loss(model(*inputs[:3])[2], *inputs[3:])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    model.eval()

    sources = [encode(w) for w in held_out]
    source, lengths, *_ = batch(sources, [["A"]] * len(sources), features)
    with torch.no_grad():
        decoded = greedy_decode(model, attention, source, lengths, MAX_OUTPUT, START, END)
        # The decoded tokens teacher-forced: each step's argmax must win by MARGIN.
        ended = [d + [END] if len(d) < MAX_OUTPUT else d for d in decoded]
        T = max(len(e) for e in ended)
        target_input = torch.zeros((T, len(sources)), dtype=torch.long)
        for b, e in enumerate(ended):
            target_input[:len(e), b] = torch.tensor([START] + e[:-1])
        logits = model(source, lengths, target_input)[2]
        for b, e in enumerate(ended):
            for t, token in enumerate(e):
                top = torch.topk(logits[t, b], 2)
                if int(top.indices[0]) != token or float(top.values[0] - top.values[1]) < MARGIN:
                    raise SystemExit(f"{name}: source {b} step {t} is within {MARGIN} of a tie; change the case")

    os.makedirs(OUT, exist_ok=True)
    state = {k: np.ascontiguousarray(v.detach().numpy(), dtype=np.float32) for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(OUT, name + ".pt.safetensors"), state, {"format": "pt"})
    modules = {part: part for part in ["source_embedding", "encoder", "context", "attention", "attention_v",
                                       "target_embedding", "decoder", "head"]
               if any(k.startswith(part + ".") for k in state)}
    names = {"modules": modules, "target_vocabulary": TARGET_VOCABULARY, "source_tokens": "features" if features
             else "characters", "target_tokens": "whitespace", "max_output_length": MAX_OUTPUT}
    if not features:
        names["source_vocabulary"] = SOURCE_VOCABULARY
    with open(os.path.join(OUT, name + ".names.json"), "w") as f:
        json.dump(names, f, indent=1)
        f.write("\n")
    texts = [source_text(s) if features else s for s in sources]
    with open(os.path.join(OUT, name + ".sources.txt"), "w") as f:
        f.write("".join(t + "\n" for t in texts))
    with open(os.path.join(OUT, name + ".expected.tsv"), "w") as f:
        f.write("".join(t + "\t" + " ".join(TARGET_VOCABULARY[i] for i in d) + "\n" for t, d in zip(texts, decoded)))
    right = sum(d == [TARGET_VOCABULARY.index(c.upper()) for c in reversed(w)] for d, w in zip(decoded, held_out))
    print(f"  {name}: final loss {loss.item():.4f}, {right}/{len(held_out)} held-out words right")


def main():
    for case in CASES:
        make_case(*case)


if __name__ == "__main__":
    main()
