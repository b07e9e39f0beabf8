"""Job: one-shot NAS (single-path one-shot, Guo et al., 2020). A weight-sharing supernet holds every
candidate op of every layer; each minibatch trains one uniformly sampled path, so all
architectures are trained at once. At the end of the slice, candidate sub-architectures are scored
with the shared weights on validation data and the top k are written to `topk.json` in the trial's
checkpoint folder (path strings that rung_jobs.retrain and rung_jobs.latency take as `arch`).

Parameters: lr, momentum, weight_decay, width, layers, batch_size, candidates (how many paths to
score), top_k. Resource: supernet epochs. Reports val_accuracy (mean of fixed probe paths) every
epoch, and best_candidate_accuracy at the slice's last epoch.
"""
from __future__ import annotations

import random

import torch
from torch import nn


from .archs import Reduce, stage_channels, stem
from .common import accuracy, count_params, optimizer_for, resume, start_image_job
from .data import batches
from .ops import ONESHOT_OPS, OPS


class Supernet(nn.Module):
    def __init__(self, classes: int, width: int, layers: int):
        super().__init__()
        self.stem = stem(width)
        self.reduce = nn.ModuleDict()
        self.choices = nn.ModuleList()
        c = width
        for i, (channels, reduce) in enumerate(stage_channels(width, layers)):
            if reduce:
                self.reduce[str(i)] = Reduce(c, channels)
                c = channels
            self.choices.append(nn.ModuleList(OPS[op](c, 1, False) for op in ONESHOT_OPS))
        self.head = nn.Linear(c, classes)
        self.path = [0] * layers

    def forward(self, x):
        x = self.stem(x)
        for i, (choice, op) in enumerate(zip(self.choices, self.path)):
            if str(i) in self.reduce:
                x = self.reduce[str(i)](x)
            x = x + choice[op](x)
        return self.head(x.mean((2, 3)))

    def path_params(self) -> int:
        """Parameters of the current path alone (what the discrete network would have, BN aside)."""
        used = [self.stem, self.head, *self.reduce.values()] + [c[op] for c, op in zip(self.choices, self.path)]
        return sum(count_params(m) for m in used)


def name_of(path) -> str:
    return "-".join(ONESHOT_OPS[i] for i in path)


def score(net: Supernet, path, val, dev) -> float:
    net.path = list(path)
    return accuracy(net, val, dev)


def main() -> None:
    trial, p, dev, train, val, classes = start_image_job()
    layers = int(p.get("layers", 4))
    net = Supernet(classes, int(p.get("width", 16)), layers).to(dev)
    optimizer = optimizer_for(p, net.parameters())
    checkpoint, state = resume(trial, net, optimizer, dev)
    batch_size = int(p.get("batch_size", 64))
    # Fixed probe paths: their mean accuracy tracks how well the shared weights train.
    probes = [[random.Random(1000 + k).randrange(len(ONESHOT_OPS)) for _ in range(layers)] for k in range(4)]

    for epoch in trial.steps(checkpoint, save=state):
        rng = random.Random(epoch)  # the paths of an epoch: the same after a resume
        net.train()
        for x, y in batches(train, batch_size, epoch, dev):
            net.path = [rng.randrange(len(ONESHOT_OPS)) for _ in range(layers)]
            optimizer.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(net(x), y).backward()
            optimizer.step()
        metrics = {"val_accuracy": sum(score(net, path, val, dev) for path in probes) / len(probes)}
        if epoch == trial.env.resource_to:
            ranked = search(net, val, dev, layers, int(p.get("candidates", 24)))
            top = ranked[: int(p.get("top_k", 3))]
            uri = trial.save_json("topk.json", {"epoch": epoch, "space": ONESHOT_OPS, "layers": layers, "top": top})
            trial.log(f"top {len(top)} of {len(ranked)} candidates -> {uri}: " + ", ".join(t["arch"] for t in top))
            metrics["best_candidate_accuracy"] = top[0]["val_accuracy"]
            # The study's retraining phase (retrain.from: candidates) trains these from scratch.
            candidates = [{"params": {"arch": t["arch"]}, "metrics": {"val_accuracy": t["val_accuracy"]}} for t in top]
            trial.report(epoch, candidates=candidates, **metrics)
            continue
        trial.report(epoch, **metrics)


def search(net: Supernet, val, dev, layers: int, candidates: int):
    """Scores distinct random paths with the shared weights, best first."""
    rng = random.Random(0)
    space = len(ONESHOT_OPS) ** layers
    seen = set()
    while len(seen) < min(candidates, space):
        seen.add(tuple(rng.randrange(len(ONESHOT_OPS)) for _ in range(layers)))
    ranked = []
    for path in sorted(seen):
        acc = score(net, path, val, dev)
        ranked.append({"arch": name_of(path), "val_accuracy": acc, "params": net.path_params()})
    ranked.sort(key=lambda r: (-r["val_accuracy"], r["params"]))
    return ranked


if __name__ == "__main__":
    main()
