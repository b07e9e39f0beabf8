"""Job: compound scaling (EfficientNet, Tan & Le, 2019). A base network is scaled in depth by
alpha^phi, width by beta^phi and input resolution by gamma^phi. With FLOPs growing as
depth * width^2 * resolution^2, the constraint alpha * beta^2 * gamma^2 ~ 2 makes phi = 1 double
the FLOPs; the study searches alpha and beta at phi = 1 and the job sets
gamma = sqrt(2 / (alpha * beta^2)) (at least 1), so every trial sits on the constraint.
Scaling a found (alpha, beta) up is the same job with a larger phi.

Parameters: scale (a `compound_scaling` parameter: alpha, beta and gamma on the constraint) or plain
alpha and beta, phi (default 1), lr, weight_decay, batch_size. Resource: epochs.
Reports val_accuracy, mflops (measured on the scaled network), flops_ratio (against phi = 0),
gamma, depth, width and resolution.
"""
from __future__ import annotations

import json
import math

import torch
from torch import nn

from rung_trainer import Trial

from .common import accuracy, device, limit_threads, optimizer_for, resume, train_epoch
from .data import dataset

#: The base network (phi = 0): blocks and channels per stage, input resolution.
BASE_DEPTHS = (2, 2, 2)
BASE_WIDTHS = (8, 16, 32)
BASE_RESOLUTION = 12
#: Images are generated at this size and resized to the trial's resolution.
SOURCE_RESOLUTION = 32


def conv_block(cin: int, cout: int, stride: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class ScaledNet(nn.Module):
    def __init__(self, classes: int, depths, widths, resolution: int):
        super().__init__()
        self.resolution = resolution
        layers, cin = [], 3
        for stage, (d, w) in enumerate(zip(depths, widths)):
            for b in range(d):
                layers.append(conv_block(cin, w, 2 if b == 0 and stage > 0 else 1))
                cin = w
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(cin, classes)

    def forward(self, x):
        if x.shape[-1] != self.resolution:
            x = nn.functional.interpolate(x, size=self.resolution, mode="bilinear", align_corners=False)
        return self.head(self.body(x).mean((2, 3)))


def scaled(alpha: float, beta: float, gamma: float, phi: float):
    # Depth scales the total block count (rounded), spread over the stages by largest remainder:
    # rounding each stage alone would turn alpha = 1.2 on two blocks into 2 or 3 blocks everywhere.
    ideal = [d * alpha**phi for d in BASE_DEPTHS]
    depths = [max(1, math.floor(x)) for x in ideal]
    for i in sorted(range(len(ideal)), key=lambda i: depths[i] - ideal[i])[: max(0, round(sum(ideal)) - sum(depths))]:
        depths[i] += 1
    widths = [max(1, int(round(w * beta**phi))) for w in BASE_WIDTHS]
    resolution = int(round(BASE_RESOLUTION * gamma**phi))
    return depths, widths, resolution


def mflops(model: ScaledNet) -> float:
    """Multiply-accumulates of one image through the convolutions and the head, counted with hooks."""
    total = 0

    def conv_hook(m, inputs, output):
        nonlocal total
        total += output.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inputs, output):
        nonlocal total
        total += m.in_features * m.out_features

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, model.resolution, model.resolution, device=next(model.parameters()).device))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total / 1e6


def coefficients(p: dict):
    """(alpha, beta, gamma, phi): from a `compound_scaling` parameter named `scale` (its composed
    value carries gamma, docs/spaces.md), else from plain alpha and beta with gamma derived."""
    phi = float(p.get("phi", 1.0))
    if "scale" in p:
        c = json.loads(p["scale"]) if isinstance(p["scale"], str) else p["scale"]
        return float(c["alpha"]), float(c["beta"]), float(c["gamma"]), phi
    alpha, beta = float(p.get("alpha", 1.0)), float(p.get("beta", 1.0))
    return alpha, beta, max(1.0, math.sqrt(2.0 / (alpha * beta**2))), phi


def main() -> None:
    limit_threads()
    trial = Trial.from_env()
    p = trial.params
    dev = device()
    alpha, beta, gamma, phi = coefficients(p)
    depths, widths, resolution = scaled(alpha, beta, gamma, phi)
    train, val, classes = dataset(size=SOURCE_RESOLUTION)
    model = ScaledNet(classes, depths, widths, resolution).to(dev)
    base = ScaledNet(classes, BASE_DEPTHS, BASE_WIDTHS, BASE_RESOLUTION).to(dev)
    flops, base_flops = mflops(model), mflops(base)
    optimizer = optimizer_for(p, model.parameters())
    checkpoint, state = resume(trial, model, optimizer, dev)
    trial.log(f"alpha {alpha} beta {beta} gamma {gamma:.3f} phi {phi}: depths {depths} widths {widths} resolution {resolution}, {flops:.2f} MFLOPs ({flops / base_flops:.2f}x base)")
    batch_size = int(p.get("batch_size", 64))

    for epoch in trial.steps(checkpoint, save=state):
        train_epoch(model, optimizer, train, batch_size, epoch, dev)
        trial.report(
            epoch,
            val_accuracy=accuracy(model, val, dev),
            mflops=flops,
            flops_ratio=flops / base_flops,
            gamma=gamma,
            depth=sum(depths),
            width=widths[-1],
            resolution=resolution,
        )


if __name__ == "__main__":
    main()
