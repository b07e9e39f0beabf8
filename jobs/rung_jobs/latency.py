"""Job: measure a candidate architecture's inference latency on the job's device.

Parameters: arch (a DARTS genotype or a one-shot path, as rung_jobs.retrain takes), width, cells,
batch_size (default 1: online inference), resolution, iterations (timed forward passes per step).
Resource: timing rounds. Each round times `iterations` forward passes after a warm-up and reports
latency_ms (the median), latency_p90_ms and params. Untrained weights time the same as trained ones.
"""
from __future__ import annotations

import statistics
import time

import torch

from rung_trainer import Trial

from .archs import network_for
from .common import count_params, device, limit_threads


def main() -> None:
    limit_threads()
    trial = Trial.from_env()
    p = trial.params
    dev = device()
    arch = str(p["arch"])
    model = network_for(arch, 6, int(p.get("width", 16)), int(p.get("cells", 2))).to(dev).eval()
    batch, resolution = int(p.get("batch_size", 1)), int(p.get("resolution", 16))
    iterations = int(p.get("iterations", 30))
    x = torch.randn(batch, 3, resolution, resolution, device=dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    checkpoint = trial.load_checkpoint()

    with torch.no_grad():
        for _ in range(5):  # warm-up: allocator, cuDNN autotuning, caches
            model(x)
        sync()
        for step in trial.steps(checkpoint, save=lambda: {"arch": arch}):
            times = []
            for _ in range(iterations):
                start = time.perf_counter()
                model(x)
                sync()  # CUDA runs asynchronously: wait for the work before reading the clock
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            trial.report(
                step,
                latency_ms=statistics.median(times),
                latency_p90_ms=times[min(len(times) - 1, int(0.9 * len(times)))],
                params=count_params(model),
            )


if __name__ == "__main__":
    main()
