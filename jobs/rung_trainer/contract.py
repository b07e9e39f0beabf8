"""The job contract (docs/jobs.md): what a rung job reads from its environment.

Standard library only, so that the client imports in any image with Python 3.8+.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

#: Exit code of a job that was interrupted (SIGTERM: Spot reclaim, drain, timeout), saved its
#: checkpoint and wants to be run again. 128 + SIGTERM(15): also what a process killed by SIGTERM
#: exits with, so a job without a handler is retried too (it resumes from its last checkpoint).
#: The Batch job definition's retry strategy retries it (infra/constructs/batch-training.ts).
RETRY_EXIT_CODE = 143

#: Seconds between periodic checkpoints when RUNG_CHECKPOINT_SECONDS is absent (the study's
#: `trial.checkpoint.everySeconds` default, shared/study/job-environment.ts).
DEFAULT_CHECKPOINT_SECONDS = 300


class JobContractError(Exception):
    """The environment or the API does not hold up the job contract: retrying will not help."""


def _need(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if value is None:
        raise JobContractError(f"{name} is not set: run this program as a rung trial")
    return value


@dataclass(frozen=True)
class TrialEnv:
    team: str
    study_id: str
    trial_id: str
    params: Dict[str, Any]
    #: Resource already trained (0 = from scratch): the checkpoint holds at least this much.
    resource_from: int
    #: Train up to here, then checkpoint and exit 0.
    resource_to: int
    rung: int
    checkpoint_uri: str
    api_url: str
    #: The trial's job token: the only credential its reports carry (bearer locally, x-rung-job-token on AWS).
    api_token: str
    #: The study's trial.environment (the image entrypoint exports it; so does the local runtime).
    environment: Dict[str, str] = field(default_factory=dict)
    #: Periodic checkpoints within the slice: at the first step boundary after this many seconds
    #: (0: never by time) or ``checkpoint_steps`` steps (None: never by count), whichever comes first.
    checkpoint_seconds: int = DEFAULT_CHECKPOINT_SECONDS
    checkpoint_steps: Optional[int] = None
    #: Batch's attempt number of this job (1 on the first run, 2 after a retry, ...).
    attempt: int = 1

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "TrialEnv":
        env = os.environ if env is None else env
        return cls(
            team=_need(env, "RUNG_TEAM"),
            study_id=_need(env, "RUNG_STUDY_ID"),
            trial_id=_need(env, "RUNG_TRIAL_ID"),
            params=json.loads(_need(env, "RUNG_PARAMS")),
            resource_from=_integer(_need(env, "RUNG_RESOURCE_FROM")),
            resource_to=_integer(_need(env, "RUNG_RESOURCE_TO")),
            rung=int(env.get("RUNG_RUNG", "0") or 0),
            checkpoint_uri=_need(env, "RUNG_CHECKPOINT_URI"),
            api_url=_need(env, "RUNG_API_URL").rstrip("/"),
            api_token=env.get("RUNG_API_TOKEN", ""),
            environment=json.loads(env.get("RUNG_ENV") or "{}"),
            checkpoint_seconds=_setting(env, "RUNG_CHECKPOINT_SECONDS", 0, DEFAULT_CHECKPOINT_SECONDS),
            checkpoint_steps=_setting(env, "RUNG_CHECKPOINT_STEPS", 1, None),
            attempt=int(env.get("AWS_BATCH_JOB_ATTEMPT", "1") or 1),
        )


def _integer(text: str) -> int:
    # Resources are whole steps (epochs); Hyperband plans with eta powers, so they arrive as integers.
    value = float(text)
    if value != int(value):
        raise JobContractError(f"resource {text} is not a whole number of steps")
    return int(value)


def _setting(env: Mapping[str, str], name: str, least: int, default: Optional[int]) -> Optional[int]:
    # Absent or empty: the default (a job started by an older runtime has neither variable).
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < least:
        raise JobContractError(f"{name}={text!r} must be a whole number of at least {least}")
    return value
