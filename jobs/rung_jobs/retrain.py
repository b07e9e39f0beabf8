"""Job: retrain a searched architecture from scratch with the full budget.

Parameters: arch (a DARTS genotype such as `sep3~0|conv3~0+skip~1`, a one-shot path such as
`conv3-sep5-skip-max3`, or the file:// / s3:// URI of a genotype.json or topk.json a search wrote),
lr, optimizer, momentum, weight_decay, width, cells, batch_size. Resource: epochs.
Reports val_accuracy, train_loss and params every epoch.
"""
from __future__ import annotations

import json

from rung_trainer import read_uri

from .archs import network_for
from .common import accuracy, count_params, optimizer_for, resume, start_image_job, train_epoch


def resolve_arch(arch: str) -> str:
    """An architecture string, read from a search's result file when given a URI."""
    if "://" not in arch:
        return arch
    result = json.loads(read_uri(arch))
    return result["genotype"] if "genotype" in result else result["top"][0]["arch"]


def main() -> None:
    trial, p, dev, train, val, classes = start_image_job()
    arch = resolve_arch(str(p["arch"]))
    model = network_for(arch, classes, int(p.get("width", 16)), int(p.get("cells", 2))).to(dev)
    optimizer = optimizer_for(p, model.parameters())
    checkpoint, state = resume(trial, model, optimizer, dev, arch=arch)
    trial.log(f"architecture {arch} ({count_params(model)} parameters)")
    batch_size = int(p.get("batch_size", 64))

    for epoch in trial.steps(checkpoint, save=state):
        loss = train_epoch(model, optimizer, train, batch_size, epoch, dev)
        trial.report(epoch, val_accuracy=accuracy(model, val, dev), train_loss=loss, params=count_params(model))


if __name__ == "__main__":
    main()
