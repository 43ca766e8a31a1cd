#!/usr/bin/env python3
"""Generate the training reference fixtures in Tests/Fixtures/training/.

Four small safetensors files, each holding several named cases (tensor names
`<case>.<field>`, the case's settings as JSON in the metadata under `<case>`):

* losses.safetensors: cross-entropy (masks, class weights, label smoothing),
  binary cross-entropy with logits (pos_weight, masks), MSE and L1: inputs,
  loss and gradient, from torch.nn.functional in float64 and autograd;
* optimizers.safetensors: torch.optim.SGD, Adam, AdamW and RMSprop in float64,
  several steps from given values with a fixed sequence of gradients: the
  values after every step and the final state buffers;
* schedules.safetensors: learning rates per epoch from
  torch.optim.lr_scheduler (StepLR, SequentialLR of LinearLR and
  CosineAnnealingLR, ReduceLROnPlateau);
* layers.safetensors: nn.Linear and nn.Embedding (padding_idx) forward and
  backward, which pin down PyTorch's parameter layout;
* clipping.safetensors: torch.nn.utils.clip_grad_norm_ and clip_grad_value_.

Run from the repository root:  .venv/bin/python Tools/Reference/make_training_fixtures.py
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from make_gru_fixtures import serialize_reproducibly

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Tests" / "Fixtures" / "training"
GENERATOR = "Tools/Reference/make_training_fixtures.py"


class Fixture:
    """The tensors and per-case metadata of one output file."""

    def __init__(self) -> None:
        self.tensors: dict[str, np.ndarray] = {}
        self.metadata: dict[str, str] = {"generator": GENERATOR}

    def add(self, case: str, settings: dict, **tensors) -> None:
        assert case not in self.metadata, f"duplicate case {case}"
        self.metadata[case] = json.dumps(settings, sort_keys=True)
        for field, value in tensors.items():
            if isinstance(value, torch.Tensor):
                value = value.detach().numpy()
            self.tensors[f"{case}.{field}"] = np.ascontiguousarray(np.asarray(value, dtype=np.float32))

    def write(self, name: str) -> Path:
        path = OUT_DIR / name
        path.write_bytes(serialize_reproducibly(self.tensors, self.metadata))
        return path


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def floats(generator: np.random.Generator, shape, scale: float = 1.0) -> np.ndarray:
    """Float32 samples: the Swift side reads exactly the values PyTorch saw."""
    return (generator.standard_normal(shape) * scale).astype(np.float32)


def sequence_mask(lengths: list[int], steps: int) -> np.ndarray:
    """(T*B) time-major row mask: step t of sequence b is valid when t < lengths[b]."""
    return np.array([[t < length for length in lengths] for t in range(steps)]).reshape(-1)


# MARK: - Losses


def add_loss_case(fixture: Fixture, case: str, settings: dict, function, x: np.ndarray, targets: np.ndarray,
                  lengths, mask: np.ndarray, **extras) -> None:
    """Evaluates `function` at `x` in float64 and stores the inputs, the loss and its gradient."""
    x64 = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    loss = function(x64)
    loss.backward()
    tensors = dict(input=x, target=targets, loss=np.array([loss.item()]), grad=x64.grad)
    if lengths:
        settings = {**settings, "lengths": lengths}
        tensors["mask"] = mask
    tensors.update({name: value for name, value in extras.items() if value is not None})
    fixture.add(case, settings, **tensors)


def cross_entropy_case(fixture: Fixture, case: str, seed: int, shape, *, scale=1.0, lengths=None,
                       weights=False, smoothing=0.0) -> None:
    g = rng(seed)
    classes = shape[-1]
    logits = floats(g, shape, scale)
    rows = logits.size // classes
    targets = g.integers(0, classes, rows)
    mask = sequence_mask(lengths, shape[0]) if lengths else np.ones(rows, dtype=bool)
    class_weights = (g.uniform(0.2, 2.0, classes).astype(np.float32)) if weights else None
    ignored = torch.tensor(np.where(mask, targets, -100))
    weight64 = torch.tensor(class_weights, dtype=torch.float64) if weights else None

    def function(x):
        return F.cross_entropy(x.reshape(rows, classes), ignored, weight=weight64,
                               label_smoothing=smoothing, reduction="mean")

    add_loss_case(fixture, case, {"loss": "cross_entropy", "label_smoothing": smoothing}, function, logits,
                  targets, lengths, mask, class_weights=class_weights)


def masked_mean(elementwise: torch.Tensor, mask: np.ndarray) -> torch.Tensor:
    """Mean over the elements of valid rows (rows along the last dimension)."""
    rows = torch.tensor(mask).reshape(-1)
    per_row = elementwise.reshape(rows.numel(), -1)
    return per_row[rows].sum() / (rows.sum() * per_row.shape[1])


def elementwise_case(fixture: Fixture, case: str, loss_name: str, seed: int, shape, *, lengths=None,
                     pos_weight=False, scale=1.0) -> None:
    g = rng(seed)
    predictions = floats(g, shape, scale)
    if loss_name == "binary_cross_entropy":
        targets = g.uniform(0, 1, shape).astype(np.float32)
        targets.reshape(-1)[::3] = np.round(targets.reshape(-1)[::3])  # some hard 0/1 labels
    else:
        targets = floats(g, shape)
        targets.reshape(-1)[::4] = predictions.reshape(-1)[::4]  # exact ties: L1's gradient is 0 there
    rows = predictions.size // shape[-1]
    mask = sequence_mask(lengths, shape[0]) if lengths else np.ones(rows, dtype=bool)
    weights = g.uniform(0.5, 3.0, shape[-1]).astype(np.float32) if pos_weight else None
    y = torch.tensor(targets, dtype=torch.float64)

    def function(x):
        if loss_name == "binary_cross_entropy":
            w = torch.tensor(weights, dtype=torch.float64) if pos_weight else None
            elementwise = F.binary_cross_entropy_with_logits(x, y, pos_weight=w, reduction="none")
        elif loss_name == "mean_squared_error":
            elementwise = F.mse_loss(x, y, reduction="none")
        else:
            elementwise = F.l1_loss(x, y, reduction="none")
        return masked_mean(elementwise, mask)

    # Unmasked, the masked mean must be PyTorch's own mean reduction.
    if not lengths and loss_name != "binary_cross_entropy":
        x = torch.tensor(predictions, dtype=torch.float64)
        reduced = F.mse_loss(x, y) if loss_name == "mean_squared_error" else F.l1_loss(x, y)
        assert torch.allclose(function(x), reduced, rtol=1e-12)
    add_loss_case(fixture, case, {"loss": loss_name}, function, predictions, targets, lengths, mask,
                  pos_weight=weights)


def losses() -> Fixture:
    fixture = Fixture()
    cross_entropy_case(fixture, "ce_plain", 1, (6, 5))
    cross_entropy_case(fixture, "ce_masked", 2, (4, 3, 5), lengths=[4, 2, 1])
    cross_entropy_case(fixture, "ce_weighted", 3, (7, 4), weights=True)
    cross_entropy_case(fixture, "ce_smoothing", 4, (6, 5), smoothing=0.1)
    cross_entropy_case(fixture, "ce_weighted_smoothing", 5, (7, 4), weights=True, smoothing=0.2)
    cross_entropy_case(fixture, "ce_weighted_smoothing_masked", 6, (5, 2, 6), lengths=[3, 5],
                       weights=True, smoothing=0.15)
    cross_entropy_case(fixture, "ce_large_logits", 7, (5, 4), scale=60.0)
    elementwise_case(fixture, "bce_plain", "binary_cross_entropy", 11, (6, 3))
    elementwise_case(fixture, "bce_pos_weight", "binary_cross_entropy", 12, (6, 3), pos_weight=True)
    elementwise_case(fixture, "bce_masked_large", "binary_cross_entropy", 13, (4, 2, 3), lengths=[2, 4],
                     scale=30.0)
    elementwise_case(fixture, "mse_plain", "mean_squared_error", 21, (5, 3))
    elementwise_case(fixture, "mse_masked", "mean_squared_error", 22, (4, 3, 2), lengths=[4, 1, 3])
    elementwise_case(fixture, "mae_plain", "mean_absolute_error", 31, (5, 3))
    elementwise_case(fixture, "mae_masked", "mean_absolute_error", 32, (4, 3, 2), lengths=[2, 4, 3])
    return fixture


# MARK: - Optimizers

STEPS = 6
PARAMETERS = 10

STATE_NAMES = {
    "sgd": ["momentum_buffer"],
    "adam": ["exp_avg", "exp_avg_sq"],
    "adamw": ["exp_avg", "exp_avg_sq"],
    "rmsprop": ["square_avg", "grad_avg", "momentum_buffer"],
}


def optimizer_case(fixture: Fixture, case: str, seed: int, kind: str, **settings) -> None:
    g = rng(seed)
    initial = floats(g, PARAMETERS)
    # Gradients of varied scale, with one element always zero (Adam's and RMSprop's ε matter there).
    scales = np.geomspace(0.01, 3.0, PARAMETERS).astype(np.float32)
    gradients = floats(g, (STEPS, PARAMETERS)) * scales
    gradients[:, 3] = 0
    parameter = torch.nn.Parameter(torch.tensor(initial, dtype=torch.float64))
    constructor = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
                   "rmsprop": torch.optim.RMSprop}[kind]
    optimizer = constructor([parameter], foreach=False, **settings)
    values = []
    for gradient in gradients:
        parameter.grad = torch.tensor(gradient, dtype=torch.float64)
        optimizer.step()
        values.append(parameter.detach().clone().numpy())
    state = optimizer.state[parameter]
    buffers = {f"state.{name}": state[name] for name in STATE_NAMES[kind] if name in state}
    step = state.get("step", STEPS)
    fixture.add(case, {"optimizer": kind, "step": int(step), **settings},
                initial=initial, gradients=gradients, values=np.stack(values), **buffers)


def optimizers() -> Fixture:
    fixture = Fixture()
    optimizer_case(fixture, "sgd_plain", 41, "sgd", lr=0.1)
    optimizer_case(fixture, "sgd_momentum_weight_decay", 42, "sgd", lr=0.05, momentum=0.9, weight_decay=0.01)
    optimizer_case(fixture, "sgd_nesterov", 43, "sgd", lr=0.05, momentum=0.9, nesterov=True)
    optimizer_case(fixture, "sgd_dampening", 44, "sgd", lr=0.1, momentum=0.8, dampening=0.3)
    optimizer_case(fixture, "sgd_high_lr", 45, "sgd", lr=1.0, momentum=0.5, weight_decay=0.1)
    optimizer_case(fixture, "adam_default", 51, "adam", lr=0.001)
    optimizer_case(fixture, "adam_weight_decay", 52, "adam", lr=0.01, betas=(0.8, 0.95), eps=1e-6,
                   weight_decay=0.1)
    optimizer_case(fixture, "adam_high_lr", 53, "adam", lr=1.0)
    optimizer_case(fixture, "adamw_default", 54, "adamw", lr=0.01)
    optimizer_case(fixture, "adamw_high_lr", 55, "adamw", lr=1.0, weight_decay=0.1)
    optimizer_case(fixture, "rmsprop_default", 61, "rmsprop", lr=0.01)
    optimizer_case(fixture, "rmsprop_centered", 62, "rmsprop", lr=0.001, centered=True)
    optimizer_case(fixture, "rmsprop_momentum_centered_weight_decay", 63, "rmsprop", lr=0.01,
                   momentum=0.9, centered=True, weight_decay=0.01)
    optimizer_case(fixture, "rmsprop_high_lr", 64, "rmsprop", lr=1.0, alpha=0.9, momentum=0.5)
    return fixture


# MARK: - Learning-rate schedules

EPOCHS = 20


def rates(optimizer, scheduler_step, epochs: int = EPOCHS) -> list[float]:
    """The rate of each epoch from 0: read it, then step the scheduler."""
    out = []
    for epoch in range(epochs):
        out.append(optimizer.param_groups[0]["lr"])
        scheduler_step(epoch)
    return out


def fresh_optimizer(lr: float) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def cosine_warmup(base: float, warmup: int, total: int, eta_min: float, start_factor: float | None):
    """Rates of SequentialLR(LinearLR, CosineAnnealingLR), checked against the closed form."""
    factor = start_factor if start_factor is not None else 1 / (warmup + 1)
    optimizer = fresh_optimizer(base)
    linear = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=factor, end_factor=1.0,
                                               total_iters=warmup)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - warmup, eta_min=eta_min)
    scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [linear, cosine], milestones=[warmup])
    out = rates(optimizer, lambda _: scheduler.step(), total + 1)
    for n, rate in enumerate(out):
        expected = (base * (factor + (1 - factor) * n / warmup) if n < warmup else
                    eta_min + (base - eta_min) * (1 + math.cos(math.pi * (n - warmup) / (total - warmup))) / 2)
        assert abs(rate - expected) < 1e-12 * base, (n, rate, expected)
    return out


def schedules() -> Fixture:
    fixture = Fixture()
    optimizer = fresh_optimizer(0.1)
    step = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    fixture.add("step_lr", {"schedule": "step", "base": 0.1, "step_size": 3, "gamma": 0.5},
                rates=rates(optimizer, lambda _: step.step()))

    fixture.add("cosine_warmup_default", {"schedule": "cosine", "base": 0.01, "warmup": 4, "total": 16,
                                          "eta_min": 0.0},
                rates=cosine_warmup(0.01, 4, 16, 0.0, None))
    fixture.add("cosine_warmup_floor", {"schedule": "cosine", "base": 0.5, "warmup": 3, "total": 12,
                                        "eta_min": 0.001, "start_factor": 0.25},
                rates=cosine_warmup(0.5, 3, 12, 0.001, 0.25))

    g = rng(71)
    plateau_cases = [
        ("plateau_min", dict(mode="min", factor=0.5, patience=2, cooldown=1, min_lr=0.01), 0.1,
         np.concatenate([np.linspace(1.0, 0.6, 5), 0.6 + np.abs(floats(g, 15, 0.01))])),
        ("plateau_max_abs", dict(mode="max", factor=0.3, patience=1, threshold=0.01, threshold_mode="abs"),
         0.05, np.array([0.5, 0.6, 0.605, 0.62, 0.62, 0.7, 0.69, 0.69, 0.71, 0.705, 0.7, 0.72,
                         0.73, 0.73, 0.731, 0.74, 0.74, 0.74, 0.75, 0.75])),
    ]
    for case, settings, base, metrics in plateau_cases:
        metrics = metrics.astype(np.float32)
        optimizer = fresh_optimizer(base)
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **settings)
        after = []
        for metric in metrics:
            plateau.step(float(metric))
            after.append(optimizer.param_groups[0]["lr"])
        assert len(set(after)) > 2, f"{case} should cut the rate more than once"
        fixture.add(case, {"schedule": "plateau", "base": base, **settings}, metrics=metrics, rates=after)
    return fixture


# MARK: - Layers and clipping


def layers() -> Fixture:
    fixture = Fixture()
    torch.manual_seed(81)
    g = rng(81)
    linear = torch.nn.Linear(4, 3).double()
    x = torch.tensor(floats(g, (2, 5, 4)), dtype=torch.float64, requires_grad=True)
    grad_output = floats(g, (2, 5, 3))
    y = linear(x)
    y.backward(torch.tensor(grad_output, dtype=torch.float64))
    fixture.add("linear", {"in_features": 4, "out_features": 3},
                weight=linear.weight, bias=linear.bias, input=x, output=y, grad_output=grad_output,
                **{"grad.weight": linear.weight.grad, "grad.bias": linear.bias.grad, "grad.input": x.grad})

    embedding = torch.nn.Embedding(7, 3, padding_idx=0).double()
    ids = torch.tensor(g.integers(0, 7, (4, 3)))
    ids[0, 0] = ids[2, 1] = 0  # the padding id, which gets no gradient
    ids[1, 2] = ids[3, 0] = 5  # a repeated id, whose gradients add up
    out = embedding(ids)
    grad_output = floats(g, (4, 3, 3))
    out.backward(torch.tensor(grad_output, dtype=torch.float64))
    assert embedding.weight.grad[0].abs().sum() == 0
    fixture.add("embedding", {"num_embeddings": 7, "embedding_dim": 3, "padding_idx": 0},
                weight=embedding.weight, ids=ids, output=out, grad_output=grad_output,
                **{"grad.weight": embedding.weight.grad})
    return fixture


def clipping() -> Fixture:
    fixture = Fixture()
    g = rng(91)
    for case, max_norm, scale in [("norm_clipped", 1.0, 2.0), ("norm_unclipped", 100.0, 1.0)]:
        gradients = floats(g, 12, scale)
        parameter = torch.nn.Parameter(torch.zeros(12))
        parameter.grad = torch.tensor(gradients)
        norm = torch.nn.utils.clip_grad_norm_([parameter], max_norm)
        fixture.add(case, {"clip": "norm", "max_norm": max_norm},
                    gradients=gradients, clipped=parameter.grad, norm=np.array([norm.item()]))
    gradients = floats(g, 12, 2.0)
    parameter = torch.nn.Parameter(torch.zeros(12))
    parameter.grad = torch.tensor(gradients)
    torch.nn.utils.clip_grad_value_([parameter], 0.75)
    fixture.add("value", {"clip": "value", "clip_value": 0.75}, gradients=gradients, clipped=parameter.grad)
    return fixture


def main() -> None:
    warnings.filterwarnings("ignore", category=UserWarning)  # scheduler-order notices
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    written = [
        losses().write("losses.safetensors"),
        optimizers().write("optimizers.safetensors"),
        schedules().write("schedules.safetensors"),
        layers().write("layers.safetensors"),
        clipping().write("clipping.safetensors"),
    ]
    total = sum(path.stat().st_size for path in written)
    print(f"wrote {len(written)} fixtures ({total / 1024:.0f} KiB) to {OUT_DIR.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
