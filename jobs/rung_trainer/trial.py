"""A rung trial as a PyTorch (or any Python) training loop sees it.

    trial = Trial.from_env()
    ckpt = trial.load_checkpoint()                      # None on a fresh start
    for step in trial.steps(ckpt, save=lambda: {...}):   # RUNG_RESOURCE_FROM+1 .. RUNG_RESOURCE_TO
        train_one_epoch()
        trial.report(step, val_accuracy=evaluate())

`steps()` saves the checkpoint when the slice ends, when the study asks the job to stop (exit 0),
after SIGTERM (exit RETRY_EXIT_CODE, so that Batch runs the job again and it resumes), and
periodically within the slice (RUNG_CHECKPOINT_SECONDS / RUNG_CHECKPOINT_STEPS), so that a job
killed without warning (SIGKILL 30 s after SIGTERM, a Spot reclaim that sends none) loses at most
that much training.
"""
from __future__ import annotations

import io
import json
import math
import pickle
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from .api import ApiClient
from .contract import RETRY_EXIT_CODE, JobContractError, TrialEnv
from .storage import store_for

CHECKPOINT_FILE = "state.pt"


@dataclass
class Checkpoint:
    #: Last step the saved state has trained (and reported).
    step: int
    state: Any


def _dumps(obj: Any) -> bytes:
    try:
        import torch
    except ImportError:  # jobs without PyTorch still get checkpoints
        return pickle.dumps(obj)
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def _loads(data: bytes, map_location: Any = None) -> Any:
    try:
        import torch
    except ImportError:
        return pickle.loads(data)
    return torch.load(io.BytesIO(data), map_location=map_location)


class Trial:
    def __init__(self, env: TrialEnv, api: Optional[ApiClient] = None, handle_sigterm: bool = True):
        self.env = env
        self.api = api or ApiClient(env)
        # On AWS (an s3:// folder) the checkpoint is reached through URLs the API signs for this trial.
        self.store = store_for(env.checkpoint_uri, self.api)
        #: Set by SIGTERM: finish the current step, checkpoint, exit RETRY_EXIT_CODE.
        self.interrupted = False
        #: Set when the API answers shouldStop (the study is stopping): checkpoint and exit 0.
        self.stop_requested = False
        self.last_reported: Optional[int] = None
        if handle_sigterm:
            signal.signal(signal.SIGTERM, self._on_sigterm)

    @classmethod
    def from_env(cls, **kwargs: Any) -> "Trial":
        return cls(TrialEnv.from_env(), **kwargs)

    # -- what the trial is ------------------------------------------------------------------
    @property
    def params(self) -> dict:
        return self.env.params

    def _on_sigterm(self, signum, frame) -> None:
        if self.interrupted:
            # A second SIGTERM: no time left. The last saved checkpoint is what the retry resumes from.
            self.log("second SIGTERM: exiting without a checkpoint")
            sys.exit(RETRY_EXIT_CODE)
        # Only a flag: a checkpoint taken mid-step would hold half-updated weights and optimizer state.
        self.interrupted = True
        self.log("SIGTERM: checkpointing at the end of this step")

    def log(self, message: str) -> None:
        print(f"trial {self.env.trial_id}: {message}", flush=True)

    def should_stop(self) -> bool:
        return self.interrupted or self.stop_requested

    # -- measurements ------------------------------------------------------------------------
    def report(self, step: int, candidates: Optional[list] = None, **metrics: float) -> bool:
        """Reports one step (stored once: a retry is harmless). Returns whether the job should stop.

        ``candidates``: architectures the search found, ``[{"params": {...}, "metrics": {...}}]``,
        which a study with ``retrain: {from: candidates}`` retrains from scratch once the search ends.
        """
        clean = {}
        for name, value in metrics.items():
            value = float(value)
            if not math.isfinite(value):
                raise JobContractError(f"metric {name} at step {step} is {value}: report finite numbers")
            clean[name] = value
        answer = self.api.report(int(step), clean, candidates)
        self.last_reported = int(step)
        if answer.get("shouldStop"):
            self.stop_requested = True
        return self.should_stop()

    # -- checkpoints -------------------------------------------------------------------------
    def load_checkpoint(self, map_location: Any = None) -> Optional[Checkpoint]:
        """The saved state, or None on a fresh start.

        Read whenever one exists, not only when RUNG_RESOURCE_FROM > 0: a retried job (same
        environment) resumes from what the interrupted attempt saved.
        """
        data = self.store.read(CHECKPOINT_FILE)
        if data is None:
            if self.env.resource_from > 0:
                raise JobContractError(
                    f"resuming from {self.env.resource_from} but there is no checkpoint at {self.store.uri(CHECKPOINT_FILE)}"
                )
            return None
        saved = _loads(data, map_location)
        return Checkpoint(step=int(saved["step"]), state=saved["state"])

    def save_checkpoint(self, state: Any, step: int) -> None:
        self.store.write(CHECKPOINT_FILE, _dumps({"step": int(step), "state": state}))

    def save_json(self, name: str, value: Any) -> str:
        """Writes a result next to the checkpoint (a genotype, the top-k architectures); returns its URI."""
        self.store.write(name, json.dumps(value, indent=2).encode())
        return self.store.uri(name)

    def load_json(self, name: str) -> Any:
        data = self.store.read(name)
        return None if data is None else json.loads(data)

    # -- the training loop -------------------------------------------------------------------
    def checkpoint_due(self, steps_since: int, seconds_since: float) -> bool:
        """Whether a periodic checkpoint is due, this long after the last one (or the slice's start)."""
        every_steps, every_seconds = self.env.checkpoint_steps, self.env.checkpoint_seconds
        return (every_steps is not None and steps_since >= every_steps) or (every_seconds > 0 and seconds_since >= every_seconds)

    def steps(self, checkpoint: Optional[Checkpoint], save: Callable[[], Any]) -> Iterator[int]:
        """Yields the steps still to train in this slice and saves the checkpoint when it ends.

        `save()` returns the state to checkpoint; it is called only between steps, where the
        state is whole. After SIGTERM the job exits RETRY_EXIT_CODE once the checkpoint is saved.
        Between steps it also saves whenever `checkpoint_due` says so: the body of the loop has
        reported its step by then, so a job resumed from step k reports from k + 1 on.
        """
        start = checkpoint.step if checkpoint else 0
        if start < self.env.resource_from:
            raise JobContractError(f"the checkpoint holds step {start}, behind RUNG_RESOURCE_FROM={self.env.resource_from}")
        end = self.env.resource_to
        self.log(f"steps {start + 1}..{end} (resumed from {start}, attempt {self.env.attempt})")
        done = start
        saved_step, saved_at = start, time.monotonic()
        for step in range(start + 1, end + 1):
            if self.should_stop():
                break
            yield step
            done = step
            # The last step and a stopping job save below, once.
            if step < end and not self.should_stop() and self.checkpoint_due(step - saved_step, time.monotonic() - saved_at):
                self.save_checkpoint(save(), step)
                # Timed from the end of the write: a checkpoint slower than the period does not make every step save.
                saved_step, saved_at = step, time.monotonic()
                self.log(f"periodic checkpoint at step {step}")
        self.save_checkpoint(save(), done)
        if self.interrupted:
            self.log(f"interrupted after step {done}: checkpoint saved, exit {RETRY_EXIT_CODE} to be retried")
            sys.stdout.flush()
            sys.exit(RETRY_EXIT_CODE)
        if self.stop_requested:
            self.log(f"the study is stopping: checkpoint saved at step {done}")
