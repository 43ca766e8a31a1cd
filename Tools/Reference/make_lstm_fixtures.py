"""Reference fixtures for GRUKit's LSTM (Tests/Fixtures/lstm).

torch.nn.LSTM cases: forward and autograd gradients (float64, weights drawn in float32) of
loss = sum(output * grad_output) + sum(h_n * grad_final_state) + sum(c_n * grad_final_cell_state),
with lengths through pack_padded_sequence. Stored: input, weights under PyTorch's names, h0/c0
(when given), lengths (when given), output, h_n, c_n, the loss's random weights, and grad.<name>
for the input, h0, c0 and every weight.

onnx_*: an ONNX LSTM node (opset 14, gates i, o, f, c; B = [Wb; Rb]) run by onnxruntime on the
same kind of weights, stored in ONNX's layout (W, R, B, initial_h, initial_c, sequence_lens,
X) with its Y (T, D, B, H), Y_h and Y_c.

Run: python3 -m venv .venv && .venv/bin/pip install torch numpy safetensors onnx onnxruntime
     .venv/bin/python Tools/Reference/make_lstm_fixtures.py
"""
import os

import numpy as np
import torch
from safetensors.numpy import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "lstm")

# name, I, H, layers, bidirectional, batch_first, initial state, lengths, bias, T, B
CASES = [
    ("l1_uni_tm_h0_nolen_bias", 4, 5, 1, False, False, True, False, True, 5, 3),
    ("l1_bi_bf_h0_len_bias", 4, 5, 1, True, True, True, True, True, 5, 3),
    ("l2_bi_tm_noh0_len_nobias", 3, 6, 2, True, False, False, True, False, 4, 3),
    ("l2_uni_bf_h0_len_bias", 5, 4, 2, False, True, True, True, True, 6, 2),
    ("l1_uni_tm_h0_len_bias_h40", 3, 40, 1, False, False, True, True, True, 3, 2),
]


def f32(t):
    return np.ascontiguousarray(t.detach().to(torch.float32).numpy())


def torch_case(name, I, H, L, bi, bf, h0c0, use_len, bias, T, B, seed):
    g = torch.Generator().manual_seed(seed)
    D = 2 if bi else 1
    lstm = torch.nn.LSTM(I, H, num_layers=L, bias=bias, batch_first=bf, bidirectional=bi)
    with torch.no_grad():
        for p in lstm.parameters():
            p.copy_(torch.rand(p.shape, generator=g) * 1.2 - 0.6)
    lstm = lstm.double()
    x = (torch.randn((B, T, I) if bf else (T, B, I), generator=g).double()).requires_grad_()
    h0 = (torch.randn(L * D, B, H, generator=g) * 0.5).double().requires_grad_() if h0c0 else None
    c0 = (torch.randn(L * D, B, H, generator=g) * 0.5).double().requires_grad_() if h0c0 else None
    lengths = None
    if use_len:
        lengths = torch.randint(1, T + 1, (B,), generator=g)
        lengths[0] = T
    state = (h0, c0) if h0c0 else None
    if lengths is not None:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=bf, enforce_sorted=False)
        out_packed, (hn, cn) = lstm(packed, state)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed, batch_first=bf, total_length=T)
    else:
        out, (hn, cn) = lstm(x, state)
    go = torch.randn(out.shape, generator=g).double()
    gh = torch.randn(hn.shape, generator=g).double()
    gc = torch.randn(cn.shape, generator=g).double()
    loss = (out * go).sum() + (hn * gh).sum() + (cn * gc).sum()
    loss.backward()
    t = {"input": f32(x), "output": f32(out), "final_state": f32(hn), "final_cell_state": f32(cn),
         "grad_output": f32(go), "grad_final_state": f32(gh), "grad_final_cell_state": f32(gc),
         "grad.input": f32(x.grad)}
    if h0c0:
        t.update({"initial_state": f32(h0), "initial_cell_state": f32(c0),
                  "grad.initial_state": f32(h0.grad), "grad.initial_cell_state": f32(c0.grad)})
    if lengths is not None:
        t["lengths"] = lengths.numpy().astype(np.float32)
    for pname, p in lstm.named_parameters():
        t[pname] = f32(p)
        t["grad." + pname] = f32(p.grad)
    meta = {"num_layers": str(L), "bidirectional": str(bi).lower(), "batch_first": str(bf).lower(),
            "bias": str(bias).lower(), "input_size": str(I), "hidden_size": str(H)}
    save_file(t, os.path.join(OUT, name + ".safetensors"), metadata=meta)


def onnx_case(name, I, H, bi, T, B, seed):
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    rng = np.random.default_rng(seed)
    D = 2 if bi else 1
    # PyTorch gate order i, f, g, o -> ONNX i, o, f, c, written independently of ONNXLSTM.swift.
    order = [0, 3, 1, 2]

    def reorder(m):
        blocks = np.split(m, 4, axis=0)
        return np.concatenate([blocks[k] for k in order], axis=0)

    W, R, Bias = [], [], []
    for _ in range(D):
        wih = rng.uniform(-0.6, 0.6, (4 * H, I)).astype(np.float32)
        whh = rng.uniform(-0.6, 0.6, (4 * H, H)).astype(np.float32)
        bih = rng.uniform(-0.6, 0.6, (4 * H,)).astype(np.float32)
        bhh = rng.uniform(-0.6, 0.6, (4 * H,)).astype(np.float32)
        W.append(reorder(wih))
        R.append(reorder(whh))
        Bias.append(np.concatenate([reorder(bih), reorder(bhh)]))
    W, R, Bias = np.stack(W), np.stack(R), np.stack(Bias)
    X = rng.standard_normal((T, B, I)).astype(np.float32)
    h0 = (rng.standard_normal((D, B, H)) * 0.5).astype(np.float32)
    c0 = (rng.standard_normal((D, B, H)) * 0.5).astype(np.float32)
    lens = rng.integers(1, T + 1, (B,)).astype(np.int32)
    lens[0] = T
    node = helper.make_node(
        "LSTM", ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c"], ["Y", "Y_h", "Y_c"],
        hidden_size=H, direction="bidirectional" if bi else "forward")
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape)
              for n, a in [("X", X), ("W", W), ("R", R), ("B", Bias), ("initial_h", h0), ("initial_c", c0)]]
    inputs.insert(4, helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, lens.shape))
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [None, None, None, None] if n == "Y" else [None, None, None]) for n in ["Y", "Y_h", "Y_c"]]
    graph = helper.make_graph([node], "lstm", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {"X": X, "W": W, "R": R, "B": Bias, "sequence_lens": lens, "initial_h": h0, "initial_c": c0}
    Y, Yh, Yc = session.run(None, feeds)
    t = {"X": X, "W": W, "R": R, "B": Bias, "initial_h": h0, "initial_c": c0,
         "sequence_lens": lens.astype(np.float32), "Y": Y, "Y_h": Yh, "Y_c": Yc}
    save_file(t, os.path.join(OUT, name + ".safetensors"),
              metadata={"bidirectional": str(bi).lower(), "hidden_size": str(H), "input_size": str(I)})


def main():
    os.makedirs(OUT, exist_ok=True)
    for seed, case in enumerate(CASES):
        torch_case(*case, seed=100 + seed)
    onnx_case("onnx_uni_h0_len", 4, 5, False, 5, 3, seed=7)
    onnx_case("onnx_bi_h0_len", 3, 6, True, 4, 3, seed=8)


if __name__ == "__main__":
    main()
