"""Reports measurements to the rung API with the trial's job token (RUNG_API_TOKEN).

Locally the token is the bearer token. On AWS the request is also SigV4-signed with the job
role (the gateway's IAM authorization), which takes the Authorization header, so the token
travels in ``x-rung-job-token``. The token alone names the team, study and trial.
"""
from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from typing import Dict, Mapping, Optional
from urllib.parse import quote, urlparse

from .contract import JobContractError, TrialEnv

#: Statuses worth another try: throttling and server-side trouble. The API stores a step once,
#: so a retried report never counts twice.
_RETRYABLE = {429, 500, 502, 503, 504}


def _is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


def _region_of(url: str) -> str:
    found = re.match(r"https://[^.]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com", url)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or (found.group(1) if found else None)
    if not region:
        raise JobContractError(f"cannot tell the AWS region of {url}: set AWS_REGION")
    return region


def sigv4_headers(method: str, url: str, body: bytes, headers: Mapping[str, str]) -> Dict[str, str]:
    """Signs a request for API Gateway (IAM authorization) with the job role's credentials."""
    try:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.session import Session
    except ImportError as e:  # the job image has boto3; a custom image might not
        raise JobContractError("reports to the AWS API must be SigV4-signed: install boto3 in the job image") from e
    credentials = Session().get_credentials()
    if credentials is None:
        raise JobContractError("no AWS credentials to sign the report with (the job role should provide them)")
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    SigV4Auth(credentials.get_frozen_credentials(), "execute-api", _region_of(url)).add_auth(request)
    return dict(request.headers.items())


def _measurement_conflict(status: int, detail: str) -> Optional[dict]:
    """A 409 MeasurementConflict: the step was reported before with other values, which stand.

    An attempt resumed from a checkpoint re-runs the steps after it, which its predecessor may have
    reported already: the job goes on (the next new step's answer says whether to stop).
    """
    if status != 409:
        return None
    try:
        error = json.loads(detail).get("error", {})
    except ValueError:
        return None
    if error.get("code") != "MeasurementConflict":
        return None
    print(f"rung: {error.get('message', 'step reported before')}", flush=True)
    return {"stored": False, "shouldStop": False, "conflict": error.get("message", "")}


class ApiClient:
    def __init__(self, trial: TrialEnv, attempts: int = 6, base_delay: float = 0.2, timeout: float = 30.0):
        self.trial = trial
        self.attempts = attempts
        self.base_delay = base_delay
        self.timeout = timeout

    def measurement_url(self) -> str:
        t = self.trial
        return f"{t.api_url}/studies/{quote(t.study_id, safe='')}/trials/{quote(t.trial_id, safe='')}/measurements"

    def _headers(self, url: str, body: bytes) -> Dict[str, str]:
        token = self.trial.api_token
        if not token:
            raise JobContractError("RUNG_API_TOKEN is empty: run this program as a rung trial")
        headers = {"content-type": "application/json"}
        if _is_loopback(url):
            headers["authorization"] = f"Bearer {token}"
            return headers
        headers["x-rung-job-token"] = token
        return sigv4_headers("POST", url, body, headers)

    def _post(self, url: str, payload: dict, what: str, on_4xx=None) -> dict:
        """POSTs JSON with retries on throttling and server errors; a 4xx is a JobContractError unless `on_4xx` answers it."""
        body = json.dumps(payload).encode()
        last_error: Optional[BaseException] = None
        for attempt in range(self.attempts):
            # Signed again on every try: a SigV4 signature is only valid for a few minutes.
            request = urllib.request.Request(url, data=body, method="POST", headers=self._headers(url, body))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as e:
                if e.code not in _RETRYABLE:
                    detail = e.read().decode(errors="replace")[:500]
                    answer = on_4xx(e.code, detail) if on_4xx else None
                    if answer is not None:
                        return answer
                    raise JobContractError(f"{what} rejected ({e.code}): {detail}") from None
                last_error = e
            except (urllib.error.URLError, OSError) as e:
                last_error = e
            time.sleep(self.base_delay * 2**attempt)
        raise ConnectionError(f"could not send {what} after {self.attempts} tries: {last_error}")

    def report(self, step: int, metrics: Mapping[str, float], candidates: Optional[list] = None) -> dict:
        """POSTs one step; returns the API's answer ({stored, shouldStop}). Raises JobContractError on a 4xx but a step conflict."""
        payload: dict = {"step": step, "metrics": dict(metrics)}
        if candidates:
            payload["candidates"] = [{"params": dict(c["params"]), "metrics": dict(c.get("metrics", {}))} for c in candidates]
        return self._post(self.measurement_url(), payload, f"report of step {step}", _measurement_conflict)

    def checkpoint_url(self, name: str, method: str) -> str:
        """A short-lived URL for one object of this trial's checkpoint folder (on AWS the job role reaches no checkpoint itself)."""
        t = self.trial
        url = f"{t.api_url}/studies/{quote(t.study_id, safe='')}/trials/{quote(t.trial_id, safe='')}/checkpoint-url"
        return self._post(url, {"name": name, "method": method}, f"checkpoint URL for {method} {name}")["url"]
