"""Driven by test/clients/ask-tell-clients.test.ts: two ask/tell workers (threads) with the stdlib client."""
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python"))
from rung_client import RungApiError, RungClient, optimize  # noqa: E402

client = RungClient(os.environ["RUNG_API_URL"], token=os.environ["RUNG_API_TOKEN"])
study_id = os.environ["STUDY_ID"]


def objective(params, trial):
    if params["kind"] == "broken":
        raise ValueError("this kind diverges")
    loss = None
    for step in range(1, trial.max_resource + 1):
        loss = (params["x"] - 0.3) ** 2 + 1.0 / step
        # The study trades loss against size (= x): both objectives at every report.
        if trial.report(step, {"loss": loss, "size": params["x"]})["shouldStop"]:
            return {"pruned": True}
    return None


results = {}
threads = [threading.Thread(target=lambda w=w: results.__setitem__(w, optimize(client, study_id, w, objective))) for w in ("py-a", "py-b")]
for t in threads:
    t.start()
for t in threads:
    t.join()

try:
    client.suggest("no-such-study", "py-a")
    refused = None
except RungApiError as e:
    refused = {"status": e.status, "code": e.code}

print(
    json.dumps(
        {
            "workers": {w: [t["trialId"] for t in ts] for w, ts in results.items()},
            "study": client.get_study(study_id),
            "pareto": client.pareto(study_id),
            "refused": refused,
        }
    )
)
