#!/usr/bin/env python3
"""Generate the whole-model training-step fixtures in Tests/Fixtures/training-steps/.

Each case is one safetensors file: a small GRU sequence model (a PyTorch module
with submodules `embedding`, `gru` and `head`, the names GRUKit's SequenceModel
saves), its initial weights, two fixed batches, and what a few optimizer steps
over those batches in a fixed order do: the loss and the gradients' global norm
at every step and the weights after the last step.

The model mirrors SequenceModel (Sources/GRUTraining/Model/SequenceModel.swift):

* tokens pass through `nn.Embedding(V, E, padding_idx=0)`; features go straight in;
* `nn.GRU` (reset-after, time-major) reads packed sequences, so padding is never seen;
  PyTorch has no reset-before GRU, so reset-before cases use `HandWrittenGRU`, a
  step-by-step GRU with the same parameter names, the same initialization and the same
  packed-sequence semantics, whose gradients come from autograd; before any case is
  built, its reset-after twin is checked against `nn.GRU` (outputs, final states and every
  gradient, float64) and its reset-before step against make_gru_fixtures.py's (itself checked
  against onnxruntime);
* classify and forecast feed the last layer's final state (h_n, both directions
  concatenated when bidirectional) to `head`; tag and language-model feed every
  step, rows t*B + b of the padded (T, B, D*H) output;
* classify: cross-entropy over the batch; tag and language-model: cross-entropy
  over the valid steps only (mean over valid tokens); forecast: mean squared error.

Every step is computed in float64 from float32 inputs and weights, then stored as
float32. Before writing, the script runs every case again in float32 and checks
that the two runs agree well inside the Swift tests' tolerance, so each case is
well conditioned: a Swift failure is a Swift difference, not float noise.

Run from the repository root:  .venv/bin/python Tools/Reference/make_training_step_fixtures.py
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from make_gru_fixtures import RESET_BEFORE, gru_cell, serialize_reproducibly

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "training-steps"
GENERATOR = "Tools/Reference/make_training_step_fixtures.py"

# The Swift tests compare each tensor within RELATIVE_TOLERANCE of its largest magnitude;
# float32 PyTorch must stay within a fifth of that of float64 PyTorch.
RELATIVE_TOLERANCE = 1e-4
CONDITIONING_MARGIN = 0.2


# MARK: - Cases


@dataclass
class Case:
    """One fixture: the model, the optimizer, the batches and the order they are stepped in."""

    name: str
    description: str
    seed: int
    task: str  # classify | tag | forecast | language-model
    hidden_size: int
    output_size: int
    batch_lengths: list[list[int]]
    optimizer: dict  # kind, lr and torch.optim keyword arguments
    vocabulary_size: int | None = None
    embedding_size: int | None = None
    feature_count: int | None = None
    layer_count: int = 1
    bidirectional: bool = False
    clip_norm: float | None = None
    label_smoothing: float = 0.0
    steps: int = 4
    batch_order: list[int] = field(default_factory=list)
    variant: str = "reset_after"  # reset_after (nn.GRU) | reset_before (HandWrittenGRU)

    def __post_init__(self) -> None:
        if not self.batch_order:
            self.batch_order = [step % len(self.batch_lengths) for step in range(self.steps)]
        assert len(self.batch_order) == self.steps

    @property
    def per_step(self) -> bool:
        return self.task in ("tag", "language-model")

    @property
    def gru_input_size(self) -> int:
        return self.embedding_size if self.vocabulary_size else self.feature_count

    def model_settings(self) -> dict:
        """ModelConfiguration's fields, under the JSON names of the metadata."""
        return {
            "task": self.task, "vocabulary_size": self.vocabulary_size, "embedding_size": self.embedding_size,
            "feature_count": self.feature_count, "hidden_size": self.hidden_size, "layer_count": self.layer_count,
            "bidirectional": self.bidirectional, "output_size": self.output_size, "variant": self.variant,
        }

    def training_settings(self) -> dict:
        return {"steps": self.steps, "batch_order": self.batch_order, "clip_norm": self.clip_norm,
                "label_smoothing": self.label_smoothing, "regression_loss": "mse"}


CASES = [
    Case("classify_features_sgd_nesterov",
         "classify features, 2 layers bidirectional, SGD momentum 0.9 Nesterov with weight decay",
         seed=1, task="classify", feature_count=3, hidden_size=5, output_size=4, layer_count=2,
         bidirectional=True, batch_lengths=[[4, 2, 3], [5, 1]],
         optimizer={"kind": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    Case("classify_tokens_adam",
         "classify tokens (embedding with padding id 0), 1 layer bidirectional, Adam lr 0.01",
         seed=2, task="classify", vocabulary_size=11, embedding_size=4, hidden_size=6, output_size=3,
         bidirectional=True, batch_lengths=[[5, 3, 4, 1], [2, 6, 3]],
         optimizer={"kind": "adam", "lr": 0.01}),
    Case("tag_features_smoothing_adam",
         "tag features, cross-entropy with label smoothing 0.1 over valid steps, 1 layer bidirectional, Adam",
         seed=3, task="tag", feature_count=4, hidden_size=5, output_size=3, bidirectional=True,
         label_smoothing=0.1, batch_lengths=[[4, 2, 3], [3, 5]],
         optimizer={"kind": "adam", "lr": 0.01, "weight_decay": 0.001}),
    Case("forecast_features_sgd",
         "forecast 2 values with mean squared error, 2 layers unidirectional, plain SGD lr 0.1",
         seed=4, task="forecast", feature_count=2, hidden_size=4, output_size=2, layer_count=2,
         batch_lengths=[[6, 4, 5], [3, 6]],
         optimizer={"kind": "sgd", "lr": 0.1}),
    Case("language_model_tokens_adam_clip",
         "language model over tokens, 2 layers, Adam with gradients clipped to global norm 0.5",
         seed=5, task="language-model", vocabulary_size=9, embedding_size=5, hidden_size=6, output_size=9,
         layer_count=2, clip_norm=0.5, batch_lengths=[[5, 5, 3], [4, 2]],
         optimizer={"kind": "adam", "lr": 0.01}),
    Case("classify_features_sgd_lr1",
         "high learning rate: classify features, 1 layer unidirectional, SGD lr 1.0 with momentum 0.5",
         seed=6, task="classify", feature_count=3, hidden_size=4, output_size=3,
         batch_lengths=[[3, 5, 2], [4, 4]],
         optimizer={"kind": "sgd", "lr": 1.0, "momentum": 0.5}),
    Case("tag_features_adam_lr1",
         "high learning rate: tag features, 1 layer unidirectional, Adam lr 1.0, 3 steps",
         seed=7, task="tag", feature_count=3, hidden_size=4, output_size=3, steps=3,
         batch_lengths=[[3, 4], [2, 3, 4]],
         optimizer={"kind": "adam", "lr": 1.0}),
    Case("classify_features_reset_before_sgd",
         "reset-before GRU: classify features, 2 layers bidirectional, SGD momentum 0.9 with weight decay",
         seed=8, task="classify", feature_count=3, hidden_size=5, output_size=3, layer_count=2,
         bidirectional=True, batch_lengths=[[4, 2, 3], [5, 1]], variant="reset_before",
         optimizer={"kind": "sgd", "lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    Case("tag_tokens_reset_before_adam",
         "reset-before GRU: tag tokens (embedding with padding id 0), 1 layer bidirectional, Adam lr 0.01",
         seed=9, task="tag", vocabulary_size=10, embedding_size=4, hidden_size=6, output_size=3,
         bidirectional=True, batch_lengths=[[5, 3, 4], [2, 6, 3]], variant="reset_before",
         optimizer={"kind": "adam", "lr": 0.01}),
]


# MARK: - The model


class HandWrittenGRU(nn.Module):
    """A time-major GRU over padded sequences with lengths, one step at a time, either variant.

    Parameters, their names, order and initial values are nn.GRU's (it builds one and takes its
    parameters, consuming the same random numbers). A sequence's steps past its length leave
    its state alone and output zeros, so its final state is the state at its last valid step
    and the reverse direction starts there: nn.GRU's packed-sequence semantics.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool, variant: str) -> None:
        super().__init__()
        twin = nn.GRU(input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional)
        for name, value in twin.named_parameters():
            self.register_parameter(name, nn.Parameter(value.detach().clone()))
        self.hidden_size, self.num_layers, self.variant = hidden_size, num_layers, variant
        self.suffixes = ["", "_reverse"] if bidirectional else [""]

    def cell(self, x: torch.Tensor, h: torch.Tensor, layer: int, suffix: str) -> torch.Tensor:
        """One step; gate rows r, z, n as in PyTorch; b_hn outside r for reset-before (as GRUKit, ONNX)."""
        p = {kind: getattr(self, f"{kind}_l{layer}{suffix}") for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        gi_r, gi_z, gi_n = (x @ p["weight_ih"].T + p["bias_ih"]).chunk(3, dim=-1)
        w_hr, w_hz, w_hn = p["weight_hh"].chunk(3, dim=0)
        b_hr, b_hz, b_hn = p["bias_hh"].chunk(3)
        r = torch.sigmoid(gi_r + h @ w_hr.T + b_hr)
        z = torch.sigmoid(gi_z + h @ w_hz.T + b_hz)
        if self.variant == "reset_after":
            n = torch.tanh(gi_n + r * (h @ w_hn.T + b_hn))
        else:
            n = torch.tanh(gi_n + (r * h) @ w_hn.T + b_hn)
        return (1 - z) * n + z * h

    def forward(self, x: torch.Tensor, lengths: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """x (T, B, I) -> output (T, B, D*H), zero past each length, and final state (L*D, B, H)."""
        steps, batch = x.shape[0], x.shape[1]
        valid = torch.tensor([[t < length for length in lengths] for t in range(steps)])[:, :, None]  # (T, B, 1)
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self.suffixes):
                h = x.new_zeros(batch, self.hidden_size)
                rows = [None] * steps
                for t in (range(steps) if direction == 0 else reversed(range(steps))):
                    stepped = self.cell(x[t], h, layer, suffix)
                    h = torch.where(valid[t], stepped, h)
                    rows[t] = torch.where(valid[t], stepped, torch.zeros_like(stepped))
                outputs.append(torch.stack(rows))
                finals.append(h)
            x = torch.cat(outputs, dim=-1)
        return x, torch.stack(finals)


def check_hand_written_gru() -> None:
    """HandWrittenGRU's reset-after twin == nn.GRU on packed sequences (outputs, final states,
    gradients), and its reset-before step == make_gru_fixtures.py's."""
    for layers, bidirectional in [(1, False), (2, True)]:
        torch.manual_seed(layers)
        reference = nn.GRU(3, 4, num_layers=layers, bidirectional=bidirectional).double()
        twin = HandWrittenGRU(3, 4, layers, bidirectional, "reset_after").double()
        twin.load_state_dict(reference.state_dict())
        lengths = [5, 2, 4]
        x = torch.randn(5, 3, 3, dtype=torch.float64)
        packed, final = reference(pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False))
        output, _ = pad_packed_sequence(packed, total_length=5)
        twin_output, twin_final = twin(x, lengths)
        weights = (torch.randn_like(output), torch.randn_like(final))
        for model, (out, fin) in [(reference, (output, final)), (twin, (twin_output, twin_final))]:
            ((out * weights[0]).sum() + (fin * weights[1]).sum()).backward()
        for a, b in [(output, twin_output), (final, twin_final)] + [
                (p.grad, q.grad) for p, q in zip(reference.parameters(), twin.parameters())]:
            assert torch.allclose(a, b, rtol=0, atol=1e-12), "HandWrittenGRU (reset-after) differs from nn.GRU"
    # The reset-before step == make_gru_fixtures.py's, which is checked there against onnxruntime.
    torch.manual_seed(0)
    cell = HandWrittenGRU(3, 4, 1, False, "reset_before").double()
    x, h = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    expected = gru_cell(RESET_BEFORE, x, h, cell.weight_ih_l0, cell.weight_hh_l0, cell.bias_ih_l0, cell.bias_hh_l0)
    assert torch.allclose(cell.cell(x, h, 0, ""), expected, rtol=0, atol=1e-12), "reset-before step differs"


class SequenceModel(nn.Module):
    """PyTorch twin of GRUKit's SequenceModel (no dropout)."""

    def __init__(self, case: Case) -> None:
        super().__init__()
        self.case = case
        if case.vocabulary_size:
            self.embedding = nn.Embedding(case.vocabulary_size, case.embedding_size, padding_idx=0)
        else:
            self.embedding = None
        if case.variant == "reset_after":
            self.gru = nn.GRU(case.gru_input_size, case.hidden_size, num_layers=case.layer_count,
                              bidirectional=case.bidirectional, batch_first=False)
        else:
            self.gru = HandWrittenGRU(case.gru_input_size, case.hidden_size, case.layer_count,
                                      case.bidirectional, case.variant)
        directions = 2 if case.bidirectional else 1
        self.head = nn.Linear(case.hidden_size * directions, case.output_size)

    def forward(self, inputs: torch.Tensor, lengths: list[int]) -> torch.Tensor:
        """(B, C) per sequence, or (T*B, C) per step in time-major rows."""
        x = self.embedding(inputs) if self.embedding is not None else inputs  # (T, B, E or F)
        steps, batch = x.shape[0], x.shape[1]
        if isinstance(self.gru, HandWrittenGRU):
            padded, final = self.gru(x, lengths)
        else:
            packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
            output, final = self.gru(packed)  # final: (L*D, B, H)
            padded, _ = pad_packed_sequence(output, total_length=steps)  # (T, B, D*H), zeros past each length
        if self.case.per_step:
            return self.head(padded.reshape(steps * batch, -1))
        last = torch.cat([final[-2], final[-1]], dim=1) if self.case.bidirectional else final[-1]
        return self.head(last)


@dataclass
class Batch:
    inputs: np.ndarray  # (T, B, F) float32 or (T, B) int64 ids, padded
    lengths: list[int]
    targets: np.ndarray  # (B) classes, (T, B) step classes, or (B, K) values

    @property
    def mask(self) -> np.ndarray:
        """(T*B) time-major: step t of sequence b is valid when t < lengths[b]."""
        steps = self.inputs.shape[0]
        return np.array([[t < length for length in self.lengths] for t in range(steps)]).reshape(-1)


def make_batch(case: Case, lengths: list[int], g: np.random.Generator) -> Batch:
    steps, batch = max(lengths), len(lengths)
    valid = np.array([[t < length for length in lengths] for t in range(steps)])  # (T, B)
    if case.vocabulary_size:
        inputs = g.integers(1, case.vocabulary_size, (steps, batch)) * valid  # padding id 0
    else:
        inputs = g.standard_normal((steps, batch, case.feature_count)).astype(np.float32) * valid[:, :, None]
    if case.task == "classify":
        targets = g.integers(0, case.output_size, batch)
    elif case.per_step:
        targets = g.integers(0, case.output_size, (steps, batch)) * valid  # class 0 at padding
    else:
        targets = g.standard_normal((batch, case.output_size)).astype(np.float32)
    return Batch(inputs.astype(np.int64 if case.vocabulary_size else np.float32), lengths, targets)


def loss_of(case: Case, output: torch.Tensor, batch: Batch) -> torch.Tensor:
    if case.task == "forecast":
        return F.mse_loss(output, torch.tensor(batch.targets, dtype=output.dtype))
    targets = torch.tensor(batch.targets.reshape(-1))
    if case.per_step:
        valid = torch.tensor(batch.mask)
        output, targets = output[valid], targets[valid]
    return F.cross_entropy(output, targets, label_smoothing=case.label_smoothing)


def make_optimizer(settings: dict, parameters) -> torch.optim.Optimizer:
    arguments = {key: value for key, value in settings.items() if key != "kind"}
    constructor = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[settings["kind"]]
    return constructor(parameters, foreach=False, **arguments)


@dataclass
class Run:
    losses: list[float]
    norms: list[float]
    weights: dict[str, np.ndarray]


def train(case: Case, initial: dict[str, np.ndarray], batches: list[Batch], dtype: torch.dtype) -> Run:
    """The case's steps from `initial`, in `dtype`: zero grad, forward, loss, backward, clip, step."""
    model = SequenceModel(case).to(dtype)
    model.load_state_dict({name: torch.tensor(value, dtype=dtype) for name, value in initial.items()})
    optimizer = make_optimizer(case.optimizer, model.parameters())
    losses, norms = [], []
    for index in case.batch_order:
        batch = batches[index]
        inputs = torch.tensor(batch.inputs) if case.vocabulary_size else torch.tensor(batch.inputs, dtype=dtype)
        optimizer.zero_grad()
        loss = loss_of(case, model(inputs, batch.lengths), batch)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), case.clip_norm or float("inf"))
        optimizer.step()
        losses.append(loss.item())
        norms.append(norm.item())
    weights = {name: value.detach().to(torch.float64).numpy() for name, value in model.state_dict().items()}
    return Run(losses, norms, weights)


def worst_relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| over the largest magnitude of b: the Swift tests' measure."""
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


# MARK: - Writing


def build(case: Case) -> tuple[bytes, str]:
    torch.manual_seed(case.seed)
    g = np.random.default_rng(case.seed)
    # PyTorch's own initialization: non-zero biases, a zero padding row.
    initial = {name: value.detach().numpy().astype(np.float32) for name, value in SequenceModel(case).state_dict().items()}
    batches = [make_batch(case, lengths, g) for lengths in case.batch_lengths]

    reference = train(case, initial, batches, torch.float64)
    check = train(case, initial, batches, torch.float32)
    worst = max([abs(a - b) / abs(b) for a, b in zip(check.losses, reference.losses)]
                + [worst_relative_difference(check.weights[n], reference.weights[n]) for n in initial])
    assert worst < CONDITIONING_MARGIN * RELATIVE_TOLERANCE, f"{case.name}: float32 PyTorch is {worst:.1e} off float64"
    if case.clip_norm is not None:
        assert any(norm > case.clip_norm for norm in reference.norms), f"{case.name}: clipping never engages"
    moved = max(worst_relative_difference(reference.weights[n], initial[n]) for n in initial)
    assert moved > 1e-3, f"{case.name}: the steps barely move the weights"

    tensors: dict[str, np.ndarray] = {}
    for name, value in initial.items():
        tensors[f"initial.{name}"] = value
        tensors[f"final.{name}"] = reference.weights[name].astype(np.float32)
    for index, batch in enumerate(batches):
        tensors[f"batch{index}.inputs"] = batch.inputs
        tensors[f"batch{index}.lengths"] = np.array(batch.lengths, dtype=np.int64)
        tensors[f"batch{index}.targets"] = batch.targets.astype(np.float32 if case.task == "forecast" else np.int64)
    tensors["losses"] = np.array(reference.losses, dtype=np.float32)
    tensors["gradient_norms"] = np.array(reference.norms, dtype=np.float32)
    metadata = {
        "generator": GENERATOR,
        "description": case.description,
        "model": json.dumps(case.model_settings(), sort_keys=True),
        "optimizer": json.dumps(case.optimizer, sort_keys=True),
        "training": json.dumps(case.training_settings(), sort_keys=True),
        "batch_count": str(len(batches)),
    }
    tensors = {name: np.ascontiguousarray(value) for name, value in tensors.items()}
    summary = (f"{case.name}: losses {' '.join(f'{x:.4f}' for x in reference.losses)}; "
               f"float32 vs float64 {worst:.1e}")
    return serialize_reproducibly(tensors, metadata), summary


def main() -> None:
    torch.use_deterministic_algorithms(True)
    check_hand_written_gru()
    assert len({case.name for case in CASES}) == len(CASES), "case names must be unique"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for stale in OUT_DIR.glob("*.safetensors"):
        stale.unlink()
    total = 0
    for case in CASES:
        blob, summary = build(case)
        (OUT_DIR / f"{case.name}.safetensors").write_bytes(blob)
        total += len(blob)
        print(summary)
    print(f"wrote {len(CASES)} fixtures ({total / 1024:.0f} KiB) to {OUT_DIR.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
