"""Tiny generated image data: no downloads at run time, the same images in every trial.

Each image is an oriented grating with a class-specific orientation and tint, random phase and
frequency, and Gaussian noise. A small CNN separates the classes within a few epochs; a linear
model does poorly, so hyperparameters and architectures matter.
"""
from __future__ import annotations

import io
import math
import os

import torch


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def gratings(n: int, classes: int = 6, size: int = 32, seed: int = 0, noise: float = 1.6):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    coords = torch.linspace(-1.0, 1.0, size)
    yy, xx = torch.meshgrid(coords, coords, indexing="ij")
    # Classes pair an orientation (three of them) with a tint (two): neither alone tells the class.
    angle = (y % 3).float() * math.pi / 3 + 0.15 * torch.randn(n, generator=g)
    freq = 2.0 + 2.0 * torch.rand(n, generator=g)
    phase = 2 * math.pi * torch.rand(n, generator=g)
    wave = torch.sin(
        math.pi * freq[:, None, None] * (xx * torch.cos(angle)[:, None, None] + yy * torch.sin(angle)[:, None, None])
        + phase[:, None, None]
    )
    tints = torch.tensor([[1.0, 0.4, 0.1], [0.1, 0.5, 1.0]])
    tint = tints[(y // 3) % 2] + 0.2 * torch.randn(n, 3, generator=g)
    x = wave[:, None] * tint[:, :, None, None] + noise * torch.randn(n, 3, size, size, generator=g)
    return x, y


def dataset(size: int = 32, classes: int = 6):
    """(train, val, classes): the dataset at DATA_URI when set, else generated gratings whose sizes come
    from TRAIN_EXAMPLES / VAL_EXAMPLES so that tests stay small. IMAGE_SIZE shrinks the images."""
    size = env_int("IMAGE_SIZE", size)
    uri = os.environ.get("DATA_URI")
    if uri:
        return load_dataset(uri, size)
    seed = env_int("DATA_SEED", 0)
    train = gratings(env_int("TRAIN_EXAMPLES", 2048), classes, size, seed=seed)
    val = gratings(env_int("VAL_EXAMPLES", 512), classes, size, seed=seed + 1)
    return train, val, classes


def load_dataset(uri: str, size: int):
    """A real dataset from the study's `trial.environment.DATA_URI` (s3:// on AWS, file:// locally): one
    torch.save'd dict {"train": (x, y), "val": (x, y), "classes": n}, x float N x C x H x W, y int64.
    Images are resized to `size` (square) when they differ."""
    from rung_trainer import read_uri  # imported here: the generated data needs no trainer client

    data = torch.load(io.BytesIO(read_uri(uri)))
    missing = {"train", "val", "classes"} - set(data)
    if missing:
        raise ValueError(f"{uri}: the dataset file lacks {sorted(missing)}")

    def fit(split):
        x, y = split
        x = x.float()
        if x.shape[-1] != size or x.shape[-2] != size:
            x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        return x, y.long()

    return fit(data["train"]), fit(data["val"]), int(data["classes"])


def batches(data, batch_size: int, seed: int, device):
    """Shuffled minibatches; the order depends only on (seed), so a resumed epoch sees the same order."""
    x, y = data
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    for start in range(0, len(y), batch_size):
        idx = order[start : start + batch_size]
        yield x[idx].to(device), y[idx].to(device)
