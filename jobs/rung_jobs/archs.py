"""Architectures as strings that fit a study parameter (categorical values are at most 256 characters),
and the discrete networks they describe.

- A one-shot *path*: one op per layer, e.g. `conv3-sep5-skip-max3`.
- A DARTS *genotype*: per intermediate node its chosen inputs, `op~input` joined by `+`, nodes by `|`;
  input 0 is the cell's input, input i > 0 is intermediate node i - 1. E.g. `sep3~0|conv3~0+skip~1`.
"""
from __future__ import annotations

from typing import List, Tuple

import torch
from torch import nn

from .ops import OPS

Genotype = List[List[Tuple[str, int]]]


def parse_path(text: str) -> List[str]:
    ops = text.split("-")
    unknown = [op for op in ops if op not in OPS or op == "none"]
    if unknown:
        raise ValueError(f"unknown ops {unknown} in path {text!r}")
    return ops


def format_genotype(genotype: Genotype) -> str:
    return "|".join("+".join(f"{op}~{src}" for op, src in node) for node in genotype)


def parse_genotype(text: str) -> Genotype:
    genotype: Genotype = []
    for i, node in enumerate(text.split("|")):
        edges = []
        for edge in node.split("+"):
            op, _, src = edge.partition("~")
            if op not in OPS or not src.isdigit() or int(src) > i:
                raise ValueError(f"bad edge {edge!r} of node {i} in genotype {text!r}")
            edges.append((op, int(src)))
        genotype.append(edges)
    return genotype


def is_genotype(text: str) -> bool:
    return "~" in text


def stem(c: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))


class Reduce(nn.Module):
    """Between stages: halve the resolution, double the channels (fixed, not searched)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.body = nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.body(x)


def stage_channels(width: int, layers: int, stages: int = 2) -> List[Tuple[int, bool]]:
    """(channels, reduce-before) of each searchable layer: layers split evenly over the stages."""
    per = -(-layers // stages)
    return [(width * 2 ** (i // per), i > 0 and i % per == 0) for i in range(layers)]


def staged_blocks(width: int, layers: int, block) -> Tuple[list, int]:
    """The searchable layers of a network, a Reduce before each new stage: `block(i, channels)`
    makes layer i. Returns the modules in order and the channels of the last one."""
    blocks, c = [], width
    for i, (channels, reduce) in enumerate(stage_channels(width, layers)):
        if reduce:
            blocks.append(Reduce(c, channels))
            c = channels
        blocks.append(block(i, c))
    return blocks, c


class PathNet(nn.Module):
    """A discrete one-shot architecture: stem, one op per layer (residual), stage reductions, head."""

    def __init__(self, path: List[str], classes: int, width: int = 16):
        super().__init__()
        self.stem = stem(width)
        blocks, c = staged_blocks(width, len(path), lambda i, ch: Residual(OPS[path[i]](ch, 1, True)))
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean((2, 3)))


class Residual(nn.Module):
    def __init__(self, op: nn.Module):
        super().__init__()
        self.op = op

    def forward(self, x):
        return x + self.op(x)


class Cell(nn.Module):
    """A discrete DARTS cell: each node sums its chosen (op, input) edges; the output concatenates the nodes."""

    def __init__(self, genotype: Genotype, c: int):
        super().__init__()
        self.genotype = genotype
        self.edges = nn.ModuleList(nn.ModuleList(OPS[op](c, 1, True) for op, _ in node) for node in genotype)
        self.project = nn.Sequential(nn.ReLU(), nn.Conv2d(c * len(genotype), c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        states = [x]
        for node, ops in zip(self.genotype, self.edges):
            states.append(sum(op(states[src]) for (_, src), op in zip(node, ops)))
        return x + self.project(torch.cat(states[1:], 1))


class CellNet(nn.Module):
    """Stacked DARTS cells with a reduction between the two stages."""

    def __init__(self, genotype: Genotype, classes: int, width: int = 16, cells: int = 2):
        super().__init__()
        self.stem = stem(width)
        blocks, c = staged_blocks(width, cells, lambda _, ch: Cell(genotype, ch))
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean((2, 3)))


def network_for(arch: str, classes: int, width: int, cells: int) -> nn.Module:
    """The discrete network of a genotype or a path string."""
    if is_genotype(arch):
        return CellNet(parse_genotype(arch), classes, width, cells)
    return PathNet(parse_path(arch), classes, width)
