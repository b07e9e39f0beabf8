"""A job for periodic-checkpoints.test.ts: trains nothing, sleeps STEP_SECONDS per step, and keeps
in its state the steps it trained, so that a resumed attempt shows which steps it redid."""
import os
import time

from rung_trainer import Trial

trial = Trial.from_env()
ckpt = trial.load_checkpoint()
trained = list(ckpt.state["trained"]) if ckpt else []
for step in trial.steps(ckpt, save=lambda: {"trained": list(trained)}):
    time.sleep(float(os.environ["STEP_SECONDS"]))
    trained.append(step)
    print(f"trained step {step}", flush=True)
    trial.report(step, loss=1.0 / step, attempt=trial.env.attempt)
