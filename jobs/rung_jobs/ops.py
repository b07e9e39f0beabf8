"""Candidate operations of the NAS search spaces (one-shot and DARTS), each C -> C channels.

`affine=False` batch norm in the searches follows DARTS (Liu et al., 2019): with weights shared
between architectures, learned BN scales would favour whichever op was trained most.
"""
from __future__ import annotations

import torch
from torch import nn


def conv_bn(c: int, k: int, stride: int, affine: bool, groups: int = 1) -> nn.Module:
    return nn.Sequential(
        nn.ReLU(),
        nn.Conv2d(c, c, k, stride, k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c, affine=affine, track_running_stats=affine),
    )


def sep_conv(c: int, k: int, stride: int, affine: bool) -> nn.Module:
    # Depthwise then pointwise (MobileNet-style): a cheap large receptive field.
    return nn.Sequential(
        nn.ReLU(),
        nn.Conv2d(c, c, k, stride, k // 2, groups=c, bias=False),
        nn.Conv2d(c, c, 1, bias=False),
        nn.BatchNorm2d(c, affine=affine, track_running_stats=affine),
    )


class Zero(nn.Module):
    """DARTS's `none`: the edge is absent. Searchable so that the softmax can switch an edge off."""

    def __init__(self, stride: int):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        return x[:, :, :: self.stride, :: self.stride] * 0.0


class FactorizedReduce(nn.Module):
    """Skip connection with stride 2: two offset 1x1 convs, concatenated."""

    def __init__(self, c: int, affine: bool):
        super().__init__()
        self.a = nn.Conv2d(c, c // 2, 1, 2, bias=False)
        self.b = nn.Conv2d(c, c - c // 2, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(c, affine=affine, track_running_stats=affine)

    def forward(self, x):
        x = nn.functional.relu(x)
        return self.bn(torch.cat([self.a(x), self.b(x[:, :, 1:, 1:] if x.shape[-1] > 1 else x)], 1))


def skip(c: int, stride: int, affine: bool) -> nn.Module:
    return nn.Identity() if stride == 1 else FactorizedReduce(c, affine)


#: name -> builder(channels, stride, affine). Names are what genotypes and architecture strings use.
OPS = {
    "none": lambda c, s, a: Zero(s),
    "skip": skip,
    "conv3": lambda c, s, a: conv_bn(c, 3, s, a),
    "conv5": lambda c, s, a: conv_bn(c, 5, s, a),
    "sep3": lambda c, s, a: sep_conv(c, 3, s, a),
    "sep5": lambda c, s, a: sep_conv(c, 5, s, a),
    "max3": lambda c, s, a: nn.MaxPool2d(3, s, 1),
    "avg3": lambda c, s, a: nn.AvgPool2d(3, s, 1, count_include_pad=False),
}

#: The one-shot (single-path) space: one op per layer.
ONESHOT_OPS = ["conv3", "conv5", "sep3", "sep5", "max3", "skip"]
#: The DARTS cell's candidate ops per edge.
DARTS_OPS = ["none", "skip", "conv3", "sep3", "max3", "avg3"]
