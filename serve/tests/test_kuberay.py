"""The KubeRay manifest kept in the repository stays deployable by this package: its Serve config names our builder
and only options ServerConfig knows (it is not run on a cluster here; this is what can be checked without one)."""

import os
import unittest

import yaml

from diffucode_serve.config import ServerConfig

MANIFEST = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "kuberay", "rayservice.yaml")


class KubeRayManifestTests(unittest.TestCase):
    def test_serve_config_matches_the_builder(self):
        with open(MANIFEST) as f:
            doc = yaml.safe_load(f)
        self.assertEqual(doc["kind"], "RayService")
        serve_cfg = yaml.safe_load(doc["spec"]["serveConfigV2"])
        (app,) = serve_cfg["applications"]
        self.assertEqual(app["import_path"], "diffucode_serve.app:build")
        cfg = ServerConfig.from_dict(app["args"])
        self.assertEqual(cfg.provider, "cuda")
        self.assertEqual(cfg.replica_gpus, 1)
        self.assertTrue(cfg.autoscaling)
        self.assertIsNone(cfg.token_file, "the token comes from a Secret via DIFFUCODE_SERVE_TOKEN, not a file in the image")
        workers = doc["spec"]["rayClusterConfig"]["workerGroupSpecs"]
        env = {e["name"]: e for w in workers for c in w["template"]["spec"]["containers"] for e in c.get("env", [])}
        self.assertIn("secretKeyRef", env["DIFFUCODE_SERVE_TOKEN"]["valueFrom"])


if __name__ == "__main__":
    unittest.main()
