"""A real dataset from DATA_URI, and candidates reported for the study's retraining phase."""
import os
import sys
import tempfile
import unittest

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fake_api import FakeApi  # noqa: E402
from test_client import env_for  # noqa: E402

from rung_jobs.data import dataset  # noqa: E402
from rung_trainer import JobContractError, Trial, TrialEnv  # noqa: E402


class DataUriTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp()
        self.saved = dict(os.environ)

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved)

    def test_reads_the_dataset_at_data_uri_and_resizes_its_images(self):
        # Prepare: 10 train and 4 val images of 3 x 16 x 16 in 5 classes.
        path = os.path.join(self.folder, "tiny.pt")
        x, y = torch.rand(10, 3, 16, 16), torch.arange(10) % 5
        torch.save({"train": (x, y), "val": (x[:4], y[:4]), "classes": 5}, path)
        os.environ["DATA_URI"] = "file://" + path
        os.environ["IMAGE_SIZE"] = "8"
        # Act
        (tx, ty), (vx, vy), classes = dataset()
        # Assess
        self.assertEqual(tuple(tx.shape), (10, 3, 8, 8))
        self.assertEqual(tuple(vx.shape), (4, 3, 8, 8))
        self.assertEqual(ty.tolist(), y.tolist())
        self.assertEqual(classes, 5)

    def test_names_what_a_dataset_file_lacks(self):
        path = os.path.join(self.folder, "bad.pt")
        torch.save({"train": (torch.rand(2, 3, 4, 4), torch.zeros(2))}, path)
        os.environ["DATA_URI"] = "file://" + path
        with self.assertRaisesRegex(ValueError, r"lacks \['classes', 'val'\]"):
            dataset()

    def test_a_missing_dataset_is_a_contract_error(self):
        os.environ["DATA_URI"] = "file://" + os.path.join(self.folder, "absent.pt")
        with self.assertRaises(JobContractError):
            dataset()


class CandidatesTest(unittest.TestCase):
    def test_reports_candidates_with_the_step(self):
        # Prepare
        api = FakeApi()
        self.addCleanup(api.close)
        trial = Trial(TrialEnv.from_env(env_for(api, tempfile.mkdtemp())), handle_sigterm=False)
        # Act
        trial.report(3, candidates=[{"params": {"arch": "conv3-skip"}, "metrics": {"val_accuracy": 0.7}}, {"params": {"arch": "skip-skip"}}], val_accuracy=0.5)
        # Assess
        body = api.requests[-1][2]
        self.assertEqual(body, {
            "step": 3,
            "metrics": {"val_accuracy": 0.5},
            "candidates": [{"params": {"arch": "conv3-skip"}, "metrics": {"val_accuracy": 0.7}}, {"params": {"arch": "skip-skip"}, "metrics": {}}],
        })


if __name__ == "__main__":
    unittest.main()
