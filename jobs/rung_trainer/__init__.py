"""rung's Python trainer client: the job contract (docs/jobs.md) for PyTorch jobs.

Module-level helpers act on one Trial built from the environment on first use:

    import rung_trainer as rung
    lr = rung.params()["lr"]
    rung.report(3, val_accuracy=0.91)
"""
from __future__ import annotations

from typing import Any, Optional

from .api import ApiClient
from .contract import RETRY_EXIT_CODE, JobContractError, TrialEnv
from .storage import read_uri, store_for
from .trial import Checkpoint, Trial

__all__ = [
    "ApiClient", "Checkpoint", "JobContractError", "RETRY_EXIT_CODE", "Trial", "TrialEnv",
    "current", "load_checkpoint", "params", "read_uri", "report", "save_checkpoint", "should_stop", "store_for",
]

_current: Optional[Trial] = None


def current() -> Trial:
    """The job's trial (reads the environment and installs the SIGTERM handler once)."""
    global _current
    if _current is None:
        _current = Trial.from_env()
    return _current


def params() -> dict:
    return current().params


def report(step: int, **metrics: float) -> bool:
    return current().report(step, **metrics)


def should_stop() -> bool:
    return current().should_stop()


def load_checkpoint(map_location: Any = None) -> Optional[Checkpoint]:
    return current().load_checkpoint(map_location)


def save_checkpoint(state: Any, step: int) -> None:
    current().save_checkpoint(state, step)
