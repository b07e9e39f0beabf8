"""What every example job shares: device choice, a train epoch, accuracy, optimizers."""
from __future__ import annotations

import os

import torch
import torch.nn.functional as F

from .data import batches


def device() -> torch.device:
    # CUDA on a GPU instance, the CPU elsewhere (laptops, CI).
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def limit_threads() -> None:
    # Several jobs share a machine's cores locally; OMP_NUM_THREADS set in the study's
    # trial.environment keeps them from oversubscribing it.
    threads = os.environ.get("OMP_NUM_THREADS")
    if threads:
        torch.set_num_threads(int(threads))


def optimizer_for(p: dict, model_params) -> torch.optim.Optimizer:
    """The optimizer a trial's parameters name (optimizer, lr, weight_decay, momentum)."""
    name = str(p.get("optimizer", "sgd"))
    lr = float(p.get("lr", 0.05))
    wd = float(p.get("weight_decay", 0.0))
    if name == "adamw":
        return torch.optim.AdamW(model_params, lr=lr, weight_decay=wd)
    if name == "adam":
        return torch.optim.Adam(model_params, lr=lr, weight_decay=wd)
    return torch.optim.SGD(model_params, lr=lr, momentum=float(p.get("momentum", 0.9)), weight_decay=wd, nesterov=False)


def train_epoch(model, optimizer, data, batch_size: int, seed: int, dev) -> float:
    model.train()
    total, count = 0.0, 0
    for x, y in batches(data, batch_size, seed, dev):
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        total += float(loss) * len(y)
        count += len(y)
    return total / max(count, 1)


@torch.no_grad()
def accuracy(model, data, dev, batch_size: int = 512, train_mode: bool = False) -> float:
    model.train(train_mode)
    x, y = data
    right = 0
    for start in range(0, len(y), batch_size):
        xb, yb = x[start : start + batch_size].to(dev), y[start : start + batch_size].to(dev)
        right += int((model(xb).argmax(1) == yb).sum())
    return right / len(y)


def count_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def resume(trial, model, optimizer, dev, **extra):
    """Loads the trial's checkpoint, when one exists, into the model and its optimizer.

    Returns (checkpoint, state): `state()` is what `trial.steps(..., save=state)` saves (the model,
    the optimizer and `extra`).
    """
    checkpoint = trial.load_checkpoint(map_location=dev)
    if checkpoint:
        model.load_state_dict(checkpoint.state["model"])
        optimizer.load_state_dict(checkpoint.state["optimizer"])

    def state():
        return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), **extra}

    return checkpoint, state


def start_image_job(size: int = 16):
    """What every image job does first: a CPU-friendly thread count, the trial, the device, the data.

    Returns (trial, params, device, train, val, classes).
    """
    # Imported here so that helpers above stay usable without the trainer client on the path.
    from rung_trainer import Trial

    from .data import dataset

    limit_threads()
    trial = Trial.from_env()
    train, val, classes = dataset(size=size)
    return trial, trial.params, device(), train, val, classes

