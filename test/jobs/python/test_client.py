"""Unit tests of rung_trainer against a fake measurement route (fake_api.py). Standard library only."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from fake_api import FakeApi  # noqa: E402

from rung_trainer import RETRY_EXIT_CODE, JobContractError, Trial, TrialEnv  # noqa: E402
from rung_trainer.api import ApiClient  # noqa: E402


def env_for(api, folder, **extra):
    env = {
        "RUNG_TEAM": "team-a", "RUNG_STUDY_ID": "s1", "RUNG_TRIAL_ID": "7", "RUNG_PARAMS": '{"lr": 0.1}',
        "RUNG_RESOURCE_FROM": "0", "RUNG_RESOURCE_TO": "3", "RUNG_RUNG": "0",
        "RUNG_CHECKPOINT_URI": "file://" + folder, "RUNG_API_URL": api.url, "RUNG_API_TOKEN": "secret", "RUNG_ENV": "{}",
    }
    env.update(extra)
    return env


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.api = FakeApi()
        self.folder = tempfile.mkdtemp()

    def tearDown(self):
        self.api.close()

    def trial(self, **extra):
        env = TrialEnv.from_env(env_for(self.api, self.folder, **extra))
        return Trial(env, api=ApiClient(env, base_delay=0.01), handle_sigterm=False)

    def test_reports_with_the_trial_token_alone_and_retries_server_errors(self):
        trial = self.trial()
        self.api.fail_next = [503, 500]
        self.assertFalse(trial.report(1, val_accuracy=0.5))
        path, headers, body = self.api.requests[-1]
        self.assertEqual(path, "/v1/studies/s1/trials/7/measurements")
        # No header names the team: the token alone does (and SigV4, off loopback only).
        self.assertNotIn("x-rung-team", {k.lower() for k in headers})
        self.assertEqual(headers["authorization"], "Bearer secret")
        self.assertEqual(body, {"step": 1, "metrics": {"val_accuracy": 0.5}})
        self.assertEqual(len(self.api.requests), 3)
        # The same step again is harmless: the API stores it once; with other values (an attempt resumed from a
        # checkpoint re-running it) the API answers 409 MeasurementConflict, and the job goes on with the first kept.
        self.assertFalse(trial.report(1, val_accuracy=0.5))
        self.assertFalse(trial.report(1, val_accuracy=0.9))
        self.assertEqual(self.api.stored, {1: {"val_accuracy": 0.5}})

    def test_off_loopback_the_token_travels_beside_the_sigv4_signature(self):
        env = TrialEnv.from_env(env_for(self.api, self.folder, RUNG_API_URL="https://abc.execute-api.eu-west-1.amazonaws.com/v1"))
        import rung_trainer.api as api_module
        signed = {}
        original = api_module.sigv4_headers
        api_module.sigv4_headers = lambda method, url, body, headers: signed.update(headers) or dict(headers, authorization="AWS4-HMAC-SHA256 x")
        try:
            headers = ApiClient(env)._headers(ApiClient(env).measurement_url(), b"{}")
        finally:
            api_module.sigv4_headers = original
        self.assertEqual(signed["x-rung-job-token"], "secret")
        self.assertEqual(headers["authorization"], "AWS4-HMAC-SHA256 x")
        with self.assertRaises(JobContractError):
            ApiClient(TrialEnv.from_env(env_for(self.api, self.folder, RUNG_API_TOKEN="")))._headers("http://127.0.0.1/v1", b"{}")

    def test_a_rejected_report_raises_and_a_stopping_study_asks_to_stop(self):
        trial = self.trial()
        self.api.fail_next = [400]
        with self.assertRaises(JobContractError):
            trial.report(1, loss=1.0)
        with self.assertRaises(JobContractError):
            trial.report(1, loss=float("nan"))
        self.api.should_stop = True
        self.assertTrue(trial.report(2, loss=1.0))

    def test_checkpoints_round_trip_atomically_and_are_read_on_a_retry(self):
        trial = self.trial()
        self.assertIsNone(trial.load_checkpoint())
        trial.save_checkpoint({"w": [1, 2]}, step=2)
        self.assertEqual(os.listdir(self.folder), ["state.pt"])  # no temporary file left behind
        # A retried job has RUNG_RESOURCE_FROM=0 still, and must resume from what was saved.
        loaded = self.trial().load_checkpoint()
        self.assertEqual((loaded.step, loaded.state), (2, {"w": [1, 2]}))
        with self.assertRaises(JobContractError):
            self.trial(RUNG_CHECKPOINT_URI="file://" + tempfile.mkdtemp(), RUNG_RESOURCE_FROM="2").load_checkpoint()

    def test_an_s3_checkpoint_goes_through_urls_the_api_signs_for_this_trial_only(self):
        s3 = "s3://artifacts/teams/team-a/studies/s1/trials/7/checkpoint"
        trial = self.trial(RUNG_CHECKPOINT_URI=s3)
        self.assertIsNone(trial.load_checkpoint())  # 404 from the store: a fresh start
        trial.save_checkpoint({"w": [3]}, step=1)
        loaded = self.trial(RUNG_CHECKPOINT_URI=s3).load_checkpoint()
        self.assertEqual((loaded.step, loaded.state), (1, {"w": [3]}))
        asked = [(path, body) for path, _, body in self.api.requests if path.endswith("/checkpoint-url")]
        self.assertEqual({path for path, _ in asked}, {"/v1/studies/s1/trials/7/checkpoint-url"})
        self.assertEqual([body["method"] for _, body in asked], ["GET", "PUT", "GET"])
        self.assertEqual([m for m, _ in self.api.object_requests], ["GET", "PUT", "GET"])
        self.assertEqual(list(self.api.objects), ["state.pt"])

    def test_steps_after_sigterm_checkpoints_the_last_whole_step_and_exits_with_the_retry_code(self):
        env = TrialEnv.from_env(env_for(self.api, self.folder, RUNG_RESOURCE_TO="5"))
        trial = Trial(env, api=ApiClient(env, base_delay=0.01))
        seen = []
        with self.assertRaises(SystemExit) as exit_:
            for step in trial.steps(None, save=lambda: {"seen": list(seen)}):
                seen.append(step)
                trial.report(step, loss=1.0 / step)
                if step == 2:
                    os.kill(os.getpid(), signal.SIGTERM)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        self.assertEqual(exit_.exception.code, RETRY_EXIT_CODE)
        self.assertEqual(seen, [1, 2])
        resumed = self.trial(RUNG_RESOURCE_TO="5").load_checkpoint()
        self.assertEqual((resumed.step, resumed.state), (2, {"seen": [1, 2]}))

    def test_the_entrypoint_exports_the_study_environment(self):
        out = subprocess.run(
            [sys.executable, "-m", "rung_trainer.entrypoint", sys.executable, "-c", "import os; print(os.environ['DATA_URI'])"],
            env=dict(os.environ, RUNG_ENV=json.dumps({"DATA_URI": "s3://b/d"})), capture_output=True, text=True, check=True,
        )
        self.assertEqual(out.stdout.strip(), "s3://b/d")


if __name__ == "__main__":
    unittest.main()
