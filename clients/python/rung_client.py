"""A Python client for the rung REST API v1: ask/tell workers outside Batch, and steering.

Standard library only (urllib, json), so it runs in any Python 3.8+ without an install.

    from rung_client import RungClient, optimize

    rung = RungClient("http://127.0.0.1:8787/v1", token=TOKEN)
    study = rung.create_study({**spec, "strategy": {"execution": "external"}})

    def objective(params, trial):
        for epoch in range(1, trial.max_resource + 1):
            loss = train_one_epoch(params)
            if trial.report(epoch, {"loss": loss})["shouldStop"]:
                return {"pruned": True}
        return {}                       # completes with the last reported loss

    optimize(rung, study["studyId"], "worker-1", objective)

On AWS, pass ``headers=`` a function that returns SigV4 headers for each request
(for example with botocore's SigV4Auth).
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["RungClient", "RungApiError", "TrialHandle", "optimize"]


class RungApiError(Exception):
    """The API refused the request (4xx): fix it rather than retry."""

    def __init__(self, status, code, message, details=None):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.details = details or []


class RungClient:
    def __init__(self, api_url, token=None, headers=None, attempts=5, timeout=30):
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.headers = headers
        self.attempts = attempts
        self.timeout = timeout

    def request(self, method, route, body=None):
        url = self.api_url + route
        data = None if body is None else json.dumps(body).encode("utf-8")
        last_error = None
        for attempt in range(self.attempts):
            headers = {"content-type": "application/json"}
            if self.token:
                headers["authorization"] = "Bearer " + self.token
            if self.headers:
                headers.update(self.headers(method, url, data))
            req = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    return json.loads(res.read().decode("utf-8"))
            except urllib.error.HTTPError as e:
                if e.code < 500:
                    try:
                        err = json.loads(e.read().decode("utf-8")).get("error", {})
                    except ValueError:
                        err = {}
                    raise RungApiError(e.code, err.get("code", "Error"), err.get("message", e.reason), err.get("details"))
                last_error = e
            except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
                last_error = e
            time.sleep(0.1 * 2 ** attempt)
        raise last_error

    def _study(self, study_id):
        return "/studies/" + urllib.parse.quote(study_id, safe="")

    def _trial(self, study_id, trial_id):
        return self._study(study_id) + "/trials/" + urllib.parse.quote(str(trial_id), safe="")

    def create_study(self, spec):
        return self.request("POST", "/studies", spec)

    def get_study(self, study_id):
        return self.request("GET", self._study(study_id))

    def pareto(self, study_id):
        """The front over the study's objectives (the best trial for one objective).

        A dict {objectives, reference, hypervolume (2+ objectives), front, dominated, infeasible},
        each trial as {trialId, number, params, values}.
        """
        return self.request("GET", self._study(study_id) + "/pareto")

    def suggest(self, study_id, client_id):
        """A trial for this worker (its active one until it completes it); done when the study needs no more."""
        return self.request("POST", self._study(study_id) + "/trials/suggest", {"clientId": client_id})

    def report(self, study_id, trial_id, step, metrics):
        """Reports one step; the answer's shouldStop asks the worker to end the trial (complete it pruned)."""
        return self.request("POST", self._trial(study_id, trial_id) + "/measurements", {"step": step, "metrics": metrics})

    def complete(self, study_id, trial_id, metrics=None, step=None, infeasible=False, pruned=False, reason=None):
        """Ends the trial (idempotent): COMPLETE, PRUNED (pruned=True) or INFEASIBLE (infeasible=True)."""
        body = {}
        if metrics is not None:
            body["metrics"] = metrics
        if step is not None:
            body["step"] = step
        if infeasible:
            body["infeasible"] = True
        if pruned:
            body["pruned"] = True
        if reason is not None:
            body["reason"] = reason
        return self.request("POST", self._trial(study_id, trial_id) + "/complete", body)

    def enqueue(self, study_id, configs):
        return self.request("POST", self._study(study_id) + "/trials/enqueue", {"configs": configs})

    def set_limits(self, study_id, parallelism=None, max_trials=None):
        limits = {}
        if parallelism is not None:
            limits["parallelism"] = parallelism
        if max_trials is not None:
            limits["maxTrials"] = max_trials
        return self.request("PATCH", self._study(study_id), {"limits": limits})

    def stop_trial(self, study_id, trial_id):
        return self.request("POST", self._trial(study_id, trial_id) + "/stop")

    def stop_study(self, study_id):
        return self.request("POST", self._study(study_id) + "/stop")


class TrialHandle:
    def __init__(self, client, study_id, trial, max_resource):
        self.client = client
        self.study_id = study_id
        self.trial = trial
        self.params = trial["params"]
        self.trial_id = trial["trialId"]
        self.max_resource = max_resource

    def report(self, step, metrics):
        """Reports one step. A step this trial reported before with other values (a restarted worker
        training it again) keeps the first: the API answers 409 MeasurementConflict, and this returns
        ``{"stored": False, "shouldStop": False, "conflict": message}`` so that the worker goes on."""
        try:
            return self.client.report(self.study_id, self.trial_id, step, metrics)
        except RungApiError as e:
            if e.status != 409 or e.code != "MeasurementConflict":
                raise
            return {"stored": False, "shouldStop": False, "conflict": str(e)}


def optimize(client, study_id, client_id, objective):
    """One worker's ask/tell loop: asks for trials, runs objective(params, handle), tells the result.

    objective returns the completion as a dict (metrics, step, pruned, infeasible, reason), or None
    to complete with the last reported value. An exception completes the trial INFEASIBLE with
    its message and the loop goes on. Returns the trials this worker completed.
    """
    done = []
    while True:
        nxt = client.suggest(study_id, client_id)
        if nxt.get("done") or not nxt.get("trial"):
            return done
        resource = nxt.get("resource") or {}
        handle = TrialHandle(client, study_id, nxt["trial"], resource.get("max", 1))
        try:
            outcome = objective(handle.params, handle) or {}
        except Exception as e:  # the trial failed: record it and go on with the next one
            outcome = {"infeasible": True, "reason": str(e)[:1000]}
        done.append(client.complete(study_id, handle.trial_id, **outcome)["trial"])
