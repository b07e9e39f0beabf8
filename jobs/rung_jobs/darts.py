"""Job: DARTS (Liu et al., 2019), first order. Each edge of a cell is a softmax-weighted mix of all
candidate ops (the continuous relaxation); training alternates a weight step on a training batch
with an architecture step on a validation batch. The discrete genotype (per node, its two strongest
inputs and their strongest op other than `none`) is exported to `genotype.json` in the trial's
checkpoint folder at the end of every slice; rung_jobs.retrain trains it from scratch.

Parameters: lr, momentum, weight_decay, arch_lr, width, nodes, cells, batch_size.
Resource: search epochs. Reports val_accuracy (the relaxed network) every epoch.
"""
from __future__ import annotations

import itertools

import torch
from torch import nn


from .archs import format_genotype, staged_blocks, stem
from .common import accuracy, optimizer_for, start_image_job
from .data import batches
from .ops import DARTS_OPS, OPS


class MixedOp(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.ops = nn.ModuleList(OPS[name](c, 1, False) for name in DARTS_OPS)

    def forward(self, x, weights):
        return sum(w * op(x) for w, op in zip(weights, self.ops))


class SearchCell(nn.Module):
    """Node i (0-based) mixes inputs 0..i: the cell input and the earlier nodes."""

    def __init__(self, c: int, nodes: int):
        super().__init__()
        self.edges = nn.ModuleList(MixedOp(c) for i in range(nodes) for _ in range(i + 1))
        self.nodes = nodes
        self.project = nn.Sequential(nn.ReLU(), nn.Conv2d(c * nodes, c, 1, bias=False), nn.BatchNorm2d(c, affine=False))

    def forward(self, x, weights):
        states, e = [x], 0
        for i in range(self.nodes):
            states.append(sum(self.edges[e + j](h, weights[e + j]) for j, h in enumerate(states)))
            e += i + 1
        return x + self.project(torch.cat(states[1:], 1))


class SearchNet(nn.Module):
    def __init__(self, classes: int, width: int, nodes: int, cells: int):
        super().__init__()
        self.nodes = nodes
        self.stem = stem(width)
        blocks, c = staged_blocks(width, cells, lambda _, ch: SearchCell(ch, nodes))
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(c, classes)
        edges = nodes * (nodes + 1) // 2
        # One alpha per (edge, op), shared by every cell; small so that all ops start nearly equal.
        self.alpha = nn.Parameter(1e-3 * torch.randn(edges, len(DARTS_OPS)))

    def weights(self):
        return [p for name, p in self.named_parameters() if name != "alpha"]

    def forward(self, x):
        w = torch.softmax(self.alpha, dim=-1)
        x = self.stem(x)
        for block in self.blocks:
            x = block(x, w) if isinstance(block, SearchCell) else block(x)
        return self.head(x.mean((2, 3)))

    def genotype(self):
        """Per node: the (up to) two inputs whose best non-`none` op weighs most, with that op."""
        w = torch.softmax(self.alpha.detach(), dim=-1).cpu()
        none = DARTS_OPS.index("none")
        genotype, e = [], 0
        for i in range(self.nodes):
            candidates = []
            for src in range(i + 1):
                row = w[e + src].clone()
                row[none] = -1
                best = int(row.argmax())
                candidates.append((float(row[best]), DARTS_OPS[best], src))
            top = sorted(candidates, reverse=True)[:2]
            genotype.append([(op, src) for _, op, src in sorted(top, key=lambda t: t[2])])
            e += i + 1
        return genotype


def main() -> None:
    trial, p, dev, train, val, classes = start_image_job()
    torch.manual_seed(int(p.get("seed", 0)))
    net = SearchNet(classes, int(p.get("width", 8)), int(p.get("nodes", 3)), int(p.get("cells", 2))).to(dev)
    w_opt = optimizer_for(p, net.weights())
    # DARTS's architecture optimizer: Adam, betas (0.5, 0.999), weight decay 1e-3.
    a_opt = torch.optim.Adam([net.alpha], lr=float(p.get("arch_lr", 3e-3)), betas=(0.5, 0.999), weight_decay=1e-3)
    checkpoint = trial.load_checkpoint(map_location=dev)
    if checkpoint:
        net.load_state_dict(checkpoint.state["model"])
        w_opt.load_state_dict(checkpoint.state["w_opt"])
        a_opt.load_state_dict(checkpoint.state["a_opt"])
    batch_size = int(p.get("batch_size", 64))

    def state():
        return {"model": net.state_dict(), "w_opt": w_opt.state_dict(), "a_opt": a_opt.state_dict()}

    for epoch in trial.steps(checkpoint, save=state):
        net.train()
        val_batches = itertools.cycle(list(batches(val, batch_size, 10_000 + epoch, dev)))
        for x, y in batches(train, batch_size, epoch, dev):
            # Architecture step on held-out data (first-order: no unrolled weight step).
            xv, yv = next(val_batches)
            a_opt.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(net(xv), yv).backward()
            a_opt.step()
            # Weight step on training data.
            w_opt.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(net(x), y).backward()
            nn.utils.clip_grad_norm_(net.weights(), 5.0)
            w_opt.step()
        genotype = net.genotype()
        if epoch == trial.env.resource_to:
            uri = trial.save_json(
                "genotype.json",
                {"epoch": epoch, "genotype": format_genotype(genotype), "cell": genotype, "ops": DARTS_OPS,
                 "alpha": torch.softmax(net.alpha.detach(), -1).cpu().tolist()},
            )
            trial.log(f"genotype {format_genotype(genotype)} -> {uri}")
            score = accuracy(net, val, dev)
            # The study's retraining phase (retrain.from: candidates) trains the genotype from scratch.
            trial.report(epoch, candidates=[{"params": {"arch": format_genotype(genotype)}, "metrics": {"val_accuracy": score}}], val_accuracy=score)
            continue
        trial.report(epoch, val_accuracy=accuracy(net, val, dev))


if __name__ == "__main__":
    main()
