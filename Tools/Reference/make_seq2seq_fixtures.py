"""Reference fixtures for GRUKit's seq2seq task (Tests/Fixtures/seq2seq).

The GRU encoder-decoder of Cho et al. 2014 as Ben Trevett's PyTorch seq2seq tutorial 2 writes it
(no dropout), with a stacked, optionally bidirectional encoder whose last layer's final states
become the context through a tanh linear layer. Forward and autograd gradients in float64
(weights drawn in float32 in [-0.5, 0.5]) of the mean cross-entropy over the valid target tokens.
Stored: every parameter under its PyTorch name, the token ids and lengths (I64), `context`,
`decoder_output`, `logits`, `loss` and `grad.<name>` for every parameter. The equations are in
Tests/Fixtures/seq2seq/README.md.

Before writing, each case checks that autograd agrees with central finite differences on 3 random
parameter entries and that the padded tokens do not change the context or the loss; written
files are read back and compared bit for bit.

safetensors is written and read here by a small numpy codec, so the script needs torch and numpy
only.

Run: python3 -m venv .venv && .venv/bin/pip install torch==2.15.0 numpy==2.4.6
     .venv/bin/python Tools/Reference/make_seq2seq_fixtures.py
"""
import glob
import json
import os
import struct
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "seq2seq")
GENERATOR = "Tools/Reference/make_seq2seq_fixtures.py"

# name, Vs, Vt, E, H, L, bidirectional, B, S, T
CASES = [
    ("uni_l1", 7, 6, 3, 4, 1, False, 3, 5, 4),
    ("bi_l1", 7, 6, 3, 4, 1, True, 3, 5, 4),
    ("bi_l2", 9, 8, 4, 5, 2, True, 4, 6, 5),
    ("uni_l2_h20", 11, 10, 6, 20, 2, False, 2, 4, 6),
]

WEIGHT_RANGE = 0.5
FD_EPS = 1e-6
FD_RTOL = 1e-6
# Finite differences in float64 carry ~1e-10 absolute error at eps 1e-6, so a relative check only
# means something on entries whose gradient is well above that.
FD_MIN_GRADIENT = 1e-3
FD_ENTRIES = 3


# MARK: - safetensors codec (F32 and I64, little-endian)

DTYPES = {"F32": np.dtype("<f4"), "I64": np.dtype("<i8")}


def write_safetensors(path, tensors, metadata):
    """Writes `tensors` (name -> float32 or int64 array) in name order, contiguous."""
    header = {"__metadata__": dict(metadata)}
    chunks, offset = [], 0
    for name in sorted(tensors):
        a = tensors[name]
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[a.dtype]
        data = np.ascontiguousarray(a, dtype=DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # The buffer starts 8-aligned: the header is padded with spaces (valid JSON whitespace).
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def read_safetensors(path):
    """Returns (name -> array, metadata) of a file written by `write_safetensors`."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    buffer = raw[8 + n:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(buffer[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return tensors, metadata


# MARK: - model

class Seq2Seq(torch.nn.Module):
    """Parameter names are the fixture's tensor names."""

    def __init__(self, Vs, Vt, E, H, L, bi):
        super().__init__()
        D = 2 if bi else 1
        self.source_embedding = torch.nn.Embedding(Vs, E)
        self.encoder = torch.nn.GRU(E, H, num_layers=L, bidirectional=bi)
        self.context = torch.nn.Linear(D * H, H)
        self.target_embedding = torch.nn.Embedding(Vt, E)
        self.decoder = torch.nn.GRU(E + H, H)
        self.head = torch.nn.Linear(E + H + H, Vt)
        self.bidirectional = bi

    def forward(self, source, source_lengths, target_input):
        x = self.source_embedding(source)                                    # (S, B, E)
        packed = pack_padded_sequence(x, source_lengths, enforce_sorted=False)
        _, h_n = self.encoder(packed)                                        # (L*D, B, H), batch order restored
        last = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.bidirectional else h_n[-1]  # (B, D*H)
        c = torch.tanh(self.context(last))                                   # (B, H)
        T = target_input.shape[0]
        y = self.target_embedding(target_input)                              # (T, B, E)
        cs = c.unsqueeze(0).expand(T, -1, -1)                                # (T, B, H)
        s, _ = self.decoder(torch.cat([y, cs], dim=2), c.unsqueeze(0).contiguous())  # (T, B, H)
        logits = self.head(torch.cat([y, s, cs], dim=2))                     # (T, B, Vt)
        return c, s, logits


def masked_loss(logits, target_output, target_lengths):
    """Mean cross-entropy over the positions t < target_lengths[b]."""
    T = logits.shape[0]
    mask = torch.arange(T).unsqueeze(1) < target_lengths.unsqueeze(0)     # (T, B)
    return F.cross_entropy(logits[mask], target_output[mask], reduction="sum") / mask.sum()


# MARK: - data

def draw_lengths(B, maximum, g):
    """Lengths in [1, maximum], holding maximum and 1 when B >= 2, never in decreasing order."""
    lengths = torch.randint(1, maximum + 1, (B,), generator=g)
    if B >= 2:
        where = torch.randperm(B, generator=g)
        lengths[where[0]] = maximum
        lengths[where[1]] = 1
        # Decreasing order is what enforce_sorted=True needs; avoid it so the sort is exercised.
        if bool((lengths[:-1] >= lengths[1:]).all()):
            lengths = lengths.flip(0)
    return lengths


def draw_tokens(length, B, vocabulary, lengths, g):
    tokens = torch.randint(0, vocabulary, (length, B), generator=g)
    tokens[torch.arange(length).unsqueeze(1) >= lengths.unsqueeze(0)] = 0
    return tokens


def seed_of(name):
    return zlib.crc32(name.encode("utf-8"))


# MARK: - checks

def finite_difference_check(name, model, inputs, g):
    params = dict(model.named_parameters())
    names = sorted(params)
    checked = []
    while len(checked) < FD_ENTRIES:
        pname = names[int(torch.randint(len(names), (1,), generator=g))]
        grad = params[pname].grad.reshape(-1)
        candidates = torch.nonzero(grad.abs() > FD_MIN_GRADIENT).reshape(-1)
        if len(candidates) == 0:
            continue
        k = int(candidates[int(torch.randint(len(candidates), (1,), generator=g))])
        if (pname, k) in checked:
            continue
        flat = params[pname].data.view(-1)
        original = flat[k].item()
        with torch.no_grad():
            flat[k] = original + FD_EPS
            plus = masked_loss(model(*inputs[:3])[2], *inputs[3:]).item()
            flat[k] = original - FD_EPS
            minus = masked_loss(model(*inputs[:3])[2], *inputs[3:]).item()
            flat[k] = original
        fd = (plus - minus) / (2 * FD_EPS)
        ad = grad[k].item()
        rel = abs(fd - ad) / max(abs(fd), abs(ad))
        print(f"  fd {name} {pname}[{k}]: autograd {ad:+.12e} finite difference {fd:+.12e} rel {rel:.2e}")
        if not rel <= FD_RTOL:
            raise SystemExit(f"{name}: gradient of {pname}[{k}] disagrees with finite differences "
                             f"(autograd {ad}, finite difference {fd}, relative {rel} > {FD_RTOL})")
        checked.append((pname, k))


def padding_check(name, model, inputs, c, loss, g, Vs, Vt):
    """Other ids in the padded positions leave the context and the loss unchanged."""
    source, source_lengths, target_input, target_output, target_lengths = inputs
    S, T = source.shape[0], target_input.shape[0]
    pad_s = torch.arange(S).unsqueeze(1) >= source_lengths.unsqueeze(0)
    pad_t = torch.arange(T).unsqueeze(1) >= target_lengths.unsqueeze(0)
    source2 = torch.where(pad_s, torch.randint(0, Vs, source.shape, generator=g), source)
    input2 = torch.where(pad_t, torch.randint(0, Vt, target_input.shape, generator=g), target_input)
    output2 = torch.where(pad_t, torch.randint(0, Vt, target_output.shape, generator=g), target_output)
    with torch.no_grad():
        c2, _, logits2 = model(source2, source_lengths, input2)
        loss2 = masked_loss(logits2, output2, target_lengths)
    if not (torch.equal(c2, c) and abs(loss2.item() - loss.item()) <= 1e-14 * abs(loss.item())):
        raise SystemExit(f"{name}: padded tokens changed the context or the loss")


# MARK: - cases

def f32(t):
    return np.ascontiguousarray(t.detach().to(torch.float32).numpy())


def i64(t):
    return np.ascontiguousarray(t.detach().to(torch.int64).numpy())


def make_case(name, Vs, Vt, E, H, L, bi, B, S, T):
    g = torch.Generator().manual_seed(seed_of(name))
    model = Seq2Seq(Vs, Vt, E, H, L, bi)
    with torch.no_grad():
        for _, p in model.named_parameters():
            # x - 0.5 is exact in float32, so the stored F32 values are the ones used.
            p.copy_(torch.rand(p.shape, generator=g, dtype=torch.float32) * (2 * WEIGHT_RANGE) - WEIGHT_RANGE)
    model = model.double()

    source_lengths = draw_lengths(B, S, g)
    target_lengths = draw_lengths(B, T, g)
    source = draw_tokens(S, B, Vs, source_lengths, g)
    target_input = draw_tokens(T, B, Vt, target_lengths, g)
    target_output = draw_tokens(T, B, Vt, target_lengths, g)
    inputs = (source, source_lengths, target_input, target_output, target_lengths)

    c, s, logits = model(source, source_lengths, target_input)
    loss = masked_loss(logits, target_output, target_lengths)
    model.zero_grad()
    loss.backward()

    finite_difference_check(name, model, inputs, g)
    padding_check(name, model, inputs, c.detach(), loss.detach(), g, Vs, Vt)

    t = {"source": i64(source), "source_lengths": i64(source_lengths),
         "target_input": i64(target_input), "target_output": i64(target_output),
         "target_lengths": i64(target_lengths),
         "context": f32(c), "decoder_output": f32(s), "logits": f32(logits), "loss": f32(loss.reshape(1))}
    for pname, p in model.named_parameters():
        t[pname] = f32(p)
        t["grad." + pname] = f32(p.grad)
    meta = {"generator": GENERATOR, "source_vocabulary": str(Vs), "target_vocabulary": str(Vt),
            "embedding_size": str(E), "hidden_size": str(H), "encoder_layers": str(L),
            "bidirectional": str(bi).lower(), "batch_size": str(B), "source_length": str(S),
            "target_length": str(T)}
    path = os.path.join(OUT, name + ".safetensors")
    write_safetensors(path, t, meta)

    back, back_meta = read_safetensors(path)
    if back_meta != meta or sorted(back) != sorted(t) or not all(
            back[k].dtype == t[k].dtype and back[k].shape == t[k].shape
            and back[k].tobytes() == t[k].tobytes() for k in t):
        raise SystemExit(f"{path}: reading the file back does not give what was written")
    print(f"  {name}: loss {loss.item():.12f}, {len(t)} tensors, {os.path.getsize(path)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*.safetensors")):
        os.remove(old)
    for case in CASES:
        make_case(*case)


if __name__ == "__main__":
    main()
