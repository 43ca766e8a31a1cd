"""Reference fixtures for GRUKit's seq2seq task (Tests/Fixtures/seq2seq).

The GRU encoder-decoder of Cho et al. 2014 as Ben Trevett's PyTorch seq2seq tutorial 2 writes it
(no dropout), with a stacked, optionally bidirectional encoder whose last layer's final states
become the context through a tanh linear layer; and the `attn_*` cases, the same encoder with a
decoder using Bahdanau et al. 2014 additive attention over the encoder's last-layer outputs as
tutorial 3 writes it (padded source positions masked out). Forward and autograd gradients in
float64 (weights drawn in float32 in [-0.5, 0.5]) of the mean cross-entropy over the valid target
tokens. Stored: every parameter under its PyTorch name, the token ids and lengths (I64), `context`,
`decoder_output`, `logits`, `loss`, `grad.<name>` for every parameter and, in the attention cases,
`attention_weights`. The equations are in Tests/Fixtures/seq2seq/README.md.

Before writing, each case checks that autograd agrees with central finite differences on 3 random
parameter entries (attention cases: also on the largest-gradient entry of each attention parameter)
and that the padded tokens do not change the context, the loss, nor the attention weights at the
valid target steps; written files are read back and compared bit for bit.

safetensors is written and read here by a small numpy codec, so the script needs torch and numpy
only.

The `luong_*` cases replace the additive attention with Luong et al. 2015's multiplicative
attention in its general form (score_j = s_{t-1}^T W o_j, `attention` a bias-free Linear giving
the keys W o_j, no `attention_v`).

The `feat_*` cases read a source of feature vectors (S, B, F) instead of token ids: no
`source_embedding`, the encoder's input size F, the source stored as F32 (zeros past each
length), and the padding check drawing other values there.

Run: python3 -m venv .venv && .venv/bin/pip install torch==2.15.0 numpy==2.4.6
     .venv/bin/python Tools/Reference/make_seq2seq_fixtures.py [--cases luong_uni_l1,luong_bi_l2]
"""
import glob
import json
import os
import struct
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "seq2seq")
GENERATOR = "Tools/Reference/make_seq2seq_fixtures.py"

# name, Vs, Vt, E, H, L, bidirectional, B, S, T, attention[, F: source features, Vs unused]
CASES = [
    ("uni_l1", 7, 6, 3, 4, 1, False, 3, 5, 4, "none"),
    ("bi_l1", 7, 6, 3, 4, 1, True, 3, 5, 4, "none"),
    ("bi_l2", 9, 8, 4, 5, 2, True, 4, 6, 5, "none"),
    ("uni_l2_h20", 11, 10, 6, 20, 2, False, 2, 4, 6, "none"),
    ("attn_uni_l1", 7, 6, 3, 4, 1, False, 3, 5, 4, "additive"),
    ("attn_bi_l1", 7, 6, 3, 4, 1, True, 3, 5, 4, "additive"),
    ("attn_bi_l2", 9, 8, 4, 5, 2, True, 4, 6, 5, "additive"),
    ("attn_uni_l2_h20", 11, 10, 6, 20, 2, False, 2, 4, 6, "additive"),
    ("luong_uni_l1", 7, 6, 3, 4, 1, False, 3, 5, 4, "multiplicative"),
    ("luong_bi_l2", 9, 8, 4, 5, 2, True, 4, 6, 5, "multiplicative"),
    ("feat_bi_l1", 0, 6, 3, 4, 1, True, 3, 5, 4, "none", 3),
    ("feat_attn_bi_l2", 0, 8, 4, 5, 2, True, 4, 6, 5, "additive", 4),
    ("feat_luong_uni_l1", 0, 6, 3, 4, 1, False, 3, 5, 4, "multiplicative", 2),
]

WEIGHT_RANGE = 0.5
FD_EPS = 1e-6
FD_RTOL = 1e-6
# Finite differences in float64 carry ~1e-10 absolute error at eps 1e-6, so a relative check only
# means something on entries whose gradient is well above that.
FD_MIN_GRADIENT = 1e-3
FD_ENTRIES = 3
# The attention parameters' gradients are small (~1e-4), below FD_MIN_GRADIENT, so their extra
# check uses the fourth-order stencil (f(-2e) - 8f(-e) + 8f(e) - f(2e)) / 12e at e = 1e-4, whose
# truncation (~e^4) and rounding (~1e-16 / e) errors are both ~1e-12.
FD4_EPS = 1e-4


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

def embed_source(model, source):
    """The source embeddings, or a source of feature vectors as it is."""
    return model.source_embedding(source) if hasattr(model, "source_embedding") else source


class Seq2Seq(torch.nn.Module):
    """Parameter names are the fixture's tensor names."""

    def __init__(self, Vs, Vt, E, H, L, bi, F=0):
        super().__init__()
        D = 2 if bi else 1
        if not F:
            self.source_embedding = torch.nn.Embedding(Vs, E)
        self.encoder = torch.nn.GRU(F or E, H, num_layers=L, bidirectional=bi)
        self.context = torch.nn.Linear(D * H, H)
        self.target_embedding = torch.nn.Embedding(Vt, E)
        self.decoder = torch.nn.GRU(E + H, H)
        self.head = torch.nn.Linear(E + H + H, Vt)
        self.bidirectional = bi

    def forward(self, source, source_lengths, target_input):
        x = embed_source(self, source)                                       # (S, B, E) or (S, B, F)
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


class AttentionSeq2Seq(torch.nn.Module):
    """Bahdanau additive attention (tutorial 3), source padding masked. Parameter names are the
    fixture's tensor names; they are registered (and so drawn) in this order."""

    def __init__(self, Vs, Vt, E, H, L, bi, F=0):
        super().__init__()
        D = 2 if bi else 1
        if not F:
            self.source_embedding = torch.nn.Embedding(Vs, E)
        self.encoder = torch.nn.GRU(F or E, H, num_layers=L, bidirectional=bi)
        self.context = torch.nn.Linear(D * H, H)
        self.attention = torch.nn.Linear(H + D * H, H)
        self.attention_v = torch.nn.Linear(H, 1, bias=False)
        self.target_embedding = torch.nn.Embedding(Vt, E)
        self.decoder = torch.nn.GRU(E + D * H, H)
        self.head = torch.nn.Linear(E + H + D * H, Vt)
        self.bidirectional = bi

    def forward(self, source, source_lengths, target_input):
        S = source.shape[0]
        x = embed_source(self, source)                                       # (S, B, E) or (S, B, F)
        packed = pack_padded_sequence(x, source_lengths, enforce_sorted=False)
        packed_out, h_n = self.encoder(packed)                               # batch order restored
        O, _ = pad_packed_sequence(packed_out, total_length=S)               # (S, B, D*H), 0 past length
        last = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.bidirectional else h_n[-1]  # (B, D*H)
        c = torch.tanh(self.context(last))                                   # (B, H)
        T = target_input.shape[0]
        y = self.target_embedding(target_input)                              # (T, B, E)
        masked = torch.arange(S).unsqueeze(1) >= source_lengths.unsqueeze(0)  # (S, B)
        s_prev, states, logits, weights = c, [], [], []
        for t in range(T):
            energy = torch.tanh(self.attention(
                torch.cat([s_prev.unsqueeze(0).expand(S, -1, -1), O], dim=2)))  # (S, B, H)
            score = self.attention_v(energy).squeeze(2)                      # (S, B)
            a = torch.softmax(score.masked_fill(masked, float("-inf")), dim=0)  # (S, B)
            weighted = (a.unsqueeze(2) * O).sum(dim=0)                       # (B, D*H)
            _, h = self.decoder(torch.cat([y[t], weighted], dim=1).unsqueeze(0),
                                s_prev.unsqueeze(0).contiguous())
            s_t = h[0]                                                       # (B, H)
            logits.append(self.head(torch.cat([y[t], s_t, weighted], dim=1)))  # (B, Vt)
            states.append(s_t)
            weights.append(a.t())                                            # (B, S)
            s_prev = s_t
        return c, torch.stack(states), torch.stack(logits), torch.stack(weights)


class LuongSeq2Seq(AttentionSeq2Seq):
    """Multiplicative attention, Luong et al. 2015's general form: score_j = s_{t-1}^T W o_j,
    attention = Linear(D*H -> H, no bias) giving the keys W o_j, source padding masked; the rest
    as AttentionSeq2Seq. Parameter names are the fixture's tensor names."""

    def __init__(self, Vs, Vt, E, H, L, bi, F=0):
        super().__init__(Vs, Vt, E, H, L, bi, F)
        D = 2 if bi else 1
        del self.attention_v
        self.attention = torch.nn.Linear(D * H, H, bias=False)
        # Registered in the order of AttentionSeq2Seq's, attention replaced in place.
        order = ["source_embedding", "encoder", "context", "attention", "target_embedding", "decoder", "head"]
        self._modules = {name: self._modules[name] for name in order if name in self._modules}

    def forward(self, source, source_lengths, target_input):
        S = source.shape[0]
        x = embed_source(self, source)                                       # (S, B, E) or (S, B, F)
        packed = pack_padded_sequence(x, source_lengths, enforce_sorted=False)
        packed_out, h_n = self.encoder(packed)
        O, _ = pad_packed_sequence(packed_out, total_length=S)               # (S, B, D*H)
        last = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.bidirectional else h_n[-1]
        c = torch.tanh(self.context(last))                                   # (B, H)
        keys = self.attention(O)                                             # (S, B, H) W o_j
        y = self.target_embedding(target_input)                              # (T, B, E)
        masked = torch.arange(S).unsqueeze(1) >= source_lengths.unsqueeze(0)  # (S, B)
        s_prev, states, logits, weights = c, [], [], []
        for t in range(target_input.shape[0]):
            score = (keys * s_prev.unsqueeze(0)).sum(dim=2)                  # (S, B)
            a = torch.softmax(score.masked_fill(masked, float("-inf")), dim=0)
            weighted = (a.unsqueeze(2) * O).sum(dim=0)                       # (B, D*H)
            _, h = self.decoder(torch.cat([y[t], weighted], dim=1).unsqueeze(0),
                                s_prev.unsqueeze(0).contiguous())
            s_t = h[0]
            logits.append(self.head(torch.cat([y[t], s_t, weighted], dim=1)))
            states.append(s_t)
            weights.append(a.t())
            s_prev = s_t
        return c, torch.stack(states), torch.stack(logits), torch.stack(weights)


def masked_loss(logits, target_output, target_lengths):
    """Mean cross-entropy over the positions t < target_lengths[b]."""
    T = logits.shape[0]
    mask = torch.arange(T).unsqueeze(1) < target_lengths.unsqueeze(0)     # (T, B)
    return F.cross_entropy(logits[mask], target_output[mask], reduction="sum") / mask.sum()


# MARK: - decoding

def greedy_decode(model, attention, source, source_lengths, max_output, start, end):
    """Each source's greedy decode, the end token excluded, at most `max_output` tokens: the
    steps of the modules' forward, one token at a time, fed back. `source` is (S, B) ids, or
    (S, B, F) features for a model without a source embedding."""
    S, B = source.shape[:2]
    packed = pack_padded_sequence(embed_source(model, source), source_lengths, enforce_sorted=False)
    packed_out, h_n = model.encoder(packed)
    last = torch.cat([h_n[-2], h_n[-1]], dim=1) if model.bidirectional else h_n[-1]
    c = torch.tanh(model.context(last))                                      # (B, H)
    if attention != "none":
        O, _ = pad_packed_sequence(packed_out, total_length=S)               # (S, B, D*H)
        masked = torch.arange(S).unsqueeze(1) >= source_lengths.unsqueeze(0)  # (S, B)
    if attention == "multiplicative":
        keys = model.attention(O)                                            # (S, B, H) W o_j
    state, previous = c, torch.full((B,), start, dtype=torch.long)
    outputs, done = [[] for _ in range(B)], torch.zeros(B, dtype=torch.bool)
    for _ in range(max_output):
        y = model.target_embedding(previous)                                 # (B, E)
        if attention == "additive":
            energy = torch.tanh(model.attention(torch.cat([state.unsqueeze(0).expand(S, -1, -1), O], dim=2)))
            a = torch.softmax(model.attention_v(energy).squeeze(2).masked_fill(masked, float("-inf")), dim=0)
            read = (a.unsqueeze(2) * O).sum(dim=0)                           # (B, D*H)
        elif attention == "multiplicative":
            score = (keys * state.unsqueeze(0)).sum(dim=2)                   # (S, B)
            a = torch.softmax(score.masked_fill(masked, float("-inf")), dim=0)
            read = (a.unsqueeze(2) * O).sum(dim=0)
        else:
            read = c
        _, h = model.decoder(torch.cat([y, read], dim=1).unsqueeze(0), state.unsqueeze(0).contiguous())
        state = h[0]
        previous = model.head(torch.cat([y, state, read], dim=1)).argmax(dim=1)
        for b in range(B):
            if not done[b]:
                if int(previous[b]) == end:
                    done[b] = True
                else:
                    outputs[b].append(int(previous[b]))
        if bool(done.all()):
            break
    return outputs


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
        finite_difference_entry(name, model, inputs, params, pname, k)
        checked.append((pname, k))


def finite_difference_largest(name, model, inputs, pnames):
    """The entry of largest |gradient| of each named parameter (no random draws), 4th order."""
    params = dict(model.named_parameters())
    for pname in pnames:
        k = int(params[pname].grad.reshape(-1).abs().argmax())
        finite_difference_entry(name, model, inputs, params, pname, k, fourth_order=True)


def finite_difference_entry(name, model, inputs, params, pname, k, fourth_order=False):
    grad = params[pname].grad.reshape(-1)
    flat = params[pname].data.view(-1)
    original = flat[k].item()

    def loss_at(delta):
        flat[k] = original + delta
        return masked_loss(model(*inputs[:3])[2], *inputs[3:]).item()

    with torch.no_grad():
        if fourth_order:
            e = FD4_EPS
            fd = (loss_at(-2 * e) - 8 * loss_at(-e) + 8 * loss_at(e) - loss_at(2 * e)) / (12 * e)
        else:
            plus, minus = loss_at(FD_EPS), loss_at(-FD_EPS)
            fd = (plus - minus) / (2 * FD_EPS)
        flat[k] = original
    ad = grad[k].item()
    rel = abs(fd - ad) / max(abs(fd), abs(ad))
    stencil = " (4th order)" if fourth_order else ""
    print(f"  fd {name} {pname}[{k}]{stencil}: autograd {ad:+.12e} finite difference {fd:+.12e} rel {rel:.2e}")
    if not rel <= FD_RTOL:
        raise SystemExit(f"{name}: gradient of {pname}[{k}] disagrees with finite differences "
                         f"(autograd {ad}, finite difference {fd}, relative {rel} > {FD_RTOL})")


def padding_check(name, model, inputs, c, loss, g, Vs, Vt, weights=None):
    """Other ids in the padded positions leave the context and the loss (and the attention weights)
    unchanged."""
    source, source_lengths, target_input, target_output, target_lengths = inputs
    S, T = source.shape[0], target_input.shape[0]
    pad_s = torch.arange(S).unsqueeze(1) >= source_lengths.unsqueeze(0)
    pad_t = torch.arange(T).unsqueeze(1) >= target_lengths.unsqueeze(0)
    if source.dtype == torch.int64:
        source2 = torch.where(pad_s, torch.randint(0, Vs, source.shape, generator=g), source)
    else:
        source2 = torch.where(pad_s.unsqueeze(2), torch.rand(source.shape, generator=g, dtype=source.dtype), source)
    input2 = torch.where(pad_t, torch.randint(0, Vt, target_input.shape, generator=g), target_input)
    output2 = torch.where(pad_t, torch.randint(0, Vt, target_output.shape, generator=g), target_output)
    with torch.no_grad():
        out = model(source2, source_lengths, input2)
        c2, logits2 = out[0], out[2]
        loss2 = masked_loss(logits2, output2, target_lengths)
    if not (torch.equal(c2, c) and abs(loss2.item() - loss.item()) <= 1e-14 * abs(loss.item())):
        raise SystemExit(f"{name}: padded tokens changed the context or the loss")
    # a_t depends on target_input[0 ..< t] through s_{t-1}, so only the valid steps stay put.
    if weights is not None and not torch.equal(out[3][~pad_t], weights[~pad_t]):
        raise SystemExit(f"{name}: padded tokens changed the attention weights at valid target steps")


def attention_weights_check(name, weights, source_lengths):
    """Weights are exactly 0 at j >= source_lengths[b] and sum to 1 over j."""
    S = weights.shape[2]
    masked = torch.arange(S).unsqueeze(0) >= source_lengths.unsqueeze(1)   # (B, S)
    if not bool((weights[:, masked] == 0).all()) or bool((weights[:, ~masked] <= 0).any()):
        raise SystemExit(f"{name}: attention weights are not exactly 0 on (only) the padded positions")
    if not torch.allclose(weights.sum(dim=2), torch.ones_like(weights[:, :, 0]), rtol=0, atol=1e-14):
        raise SystemExit(f"{name}: attention weights do not sum to 1")


# MARK: - cases

def f32(t):
    return np.ascontiguousarray(t.detach().to(torch.float32).numpy())


def i64(t):
    return np.ascontiguousarray(t.detach().to(torch.int64).numpy())


def make_case(name, Vs, Vt, E, H, L, bi, B, S, T, attention, F=0):
    g = torch.Generator().manual_seed(seed_of(name))
    model = {"none": Seq2Seq, "additive": AttentionSeq2Seq, "multiplicative": LuongSeq2Seq}[attention](
        Vs, Vt, E, H, L, bi, F)
    with torch.no_grad():
        for _, p in model.named_parameters():
            # x - 0.5 is exact in float32, so the stored F32 values are the ones used.
            p.copy_(torch.rand(p.shape, generator=g, dtype=torch.float32) * (2 * WEIGHT_RANGE) - WEIGHT_RANGE)
    model = model.double()

    source_lengths = draw_lengths(B, S, g)
    target_lengths = draw_lengths(B, T, g)
    if F:
        # Features in [-1, 1], exact in float32 (x - 1 of a float32 draw), zero past each length.
        source = (torch.rand((S, B, F), generator=g, dtype=torch.float32) * 2 - 1).double()
        source[torch.arange(S).unsqueeze(1) >= source_lengths.unsqueeze(0)] = 0
    else:
        source = draw_tokens(S, B, Vs, source_lengths, g)
    target_input = draw_tokens(T, B, Vt, target_lengths, g)
    target_output = draw_tokens(T, B, Vt, target_lengths, g)
    inputs = (source, source_lengths, target_input, target_output, target_lengths)

    out = model(source, source_lengths, target_input)
    c, s, logits = out[:3]
    weights = out[3].detach() if attention != "none" else None             # (T, B, S)
    loss = masked_loss(logits, target_output, target_lengths)
    model.zero_grad()
    loss.backward()

    finite_difference_check(name, model, inputs, g)
    padding_check(name, model, inputs, c.detach(), loss.detach(), g, Vs, Vt, weights)
    if weights is not None:
        # After the random draws, so these add checks without moving anything drawn above.
        finite_difference_largest(name, model, inputs,
                                  ["attention.weight", "attention.bias", "attention_v.weight"]
                                  if attention == "additive" else ["attention.weight"])
        attention_weights_check(name, weights, source_lengths)

    t = {"source": f32(source) if F else i64(source), "source_lengths": i64(source_lengths),
         "target_input": i64(target_input), "target_output": i64(target_output),
         "target_lengths": i64(target_lengths),
         "context": f32(c), "decoder_output": f32(s), "logits": f32(logits), "loss": f32(loss.reshape(1))}
    if weights is not None:
        t["attention_weights"] = f32(weights)
    for pname, p in model.named_parameters():
        t[pname] = f32(p)
        t["grad." + pname] = f32(p.grad)
    meta = {"generator": GENERATOR, "source_vocabulary": str(Vs), "target_vocabulary": str(Vt),
            "embedding_size": str(E), "hidden_size": str(H), "encoder_layers": str(L),
            "bidirectional": str(bi).lower(), "batch_size": str(B), "source_length": str(S),
            "target_length": str(T), "attention": attention}
    if F:
        meta["source_features"] = str(F)
    path = os.path.join(OUT, name + ".safetensors")
    write_safetensors(path, t, meta)

    back, back_meta = read_safetensors(path)
    if back_meta != meta or sorted(back) != sorted(t) or not all(
            back[k].dtype == t[k].dtype and back[k].shape == t[k].shape
            and back[k].tobytes() == t[k].tobytes() for k in t):
        raise SystemExit(f"{path}: reading the file back does not give what was written")
    print(f"  {name}: loss {loss.item():.12f}, {len(t)} tensors, {os.path.getsize(path)} bytes")


def main():
    """Every case, the old files removed first; with `--cases a,b`, only those cases."""
    os.makedirs(OUT, exist_ok=True)
    if len(sys.argv) == 3 and sys.argv[1] == "--cases":
        chosen = sys.argv[2].split(",")
        unknown = set(chosen) - {case[0] for case in CASES}
        if unknown:
            raise SystemExit(f"unknown cases: {sorted(unknown)}")
        for case in CASES:
            if case[0] in chosen:
                make_case(*case)
        return
    for old in glob.glob(os.path.join(OUT, "*.safetensors")):
        os.remove(old)
    for case in CASES:
        make_case(*case)


if __name__ == "__main__":
    main()
