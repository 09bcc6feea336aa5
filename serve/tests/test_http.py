"""The HTTP edge without Ray: token source, constant-time check, request validation, error statuses."""

import os
import tempfile
import unittest
from unittest import mock

from diffucode_serve.config import ServerConfig
from diffucode_serve.http import TOKEN_ENV, HttpError, TokenSource, parse_json_body, status_for_worker_error, token_file_warning, validate_infill

TOKEN = "s3cret-token-0123456789abcdef"


class TokenTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "token")
        with open(self.path, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(self.path, 0o600)

    def tearDown(self):
        self.dir.cleanup()

    def status(self, src, header):
        try:
            src.check(header)
            return 200
        except HttpError as e:
            self.assertNotIn(TOKEN, str(e), "an error message must never carry the token")
            return e.status

    def test_file_token_accepts_only_the_exact_bearer(self):
        src = TokenSource(self.path)
        self.assertEqual(self.status(src, f"Bearer {TOKEN}"), 200)
        self.assertEqual(self.status(src, f"bearer {TOKEN}"), 200)
        for bad in (None, "", TOKEN, f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", "Bearer \u00e9"):
            self.assertEqual(self.status(src, bad), 401, bad)

    def test_rotated_file_applies_without_restart(self):
        src = TokenSource(self.path)
        new = "rotated-token-abcdefghijklmnop"
        with open(self.path, "w") as f:
            f.write(new)
        st = os.stat(self.path)
        os.utime(self.path, (st.st_atime, st.st_mtime + 5))
        self.assertEqual(self.status(src, f"Bearer {new}"), 200)
        self.assertEqual(self.status(src, f"Bearer {TOKEN}"), 401)

    def test_env_token_and_missing_or_weak_tokens(self):
        with mock.patch.dict(os.environ, {TOKEN_ENV: TOKEN}):
            self.assertEqual(self.status(TokenSource(None), f"Bearer {TOKEN}"), 200)
        with mock.patch.dict(os.environ, {TOKEN_ENV: ""}):
            with self.assertRaisesRegex(ValueError, "no token"):
                TokenSource(None)
        with open(self.path, "w") as f:
            f.write("short")
        with self.assertRaisesRegex(ValueError, "at least 16"):
            TokenSource(self.path)
        with self.assertRaisesRegex(ValueError, "cannot read"):
            TokenSource(os.path.join(self.dir.name, "missing"))

    def test_world_readable_token_file_is_flagged(self):
        self.assertIsNone(token_file_warning(self.path))
        os.chmod(self.path, 0o644)
        self.assertIn("chmod 600", token_file_warning(self.path))


class ValidationTests(unittest.TestCase):
    def test_good_request_passes_unchanged(self):
        req = {"pieces": ["a", "b"], "gaps": [{"maxTokens": 4, "singleLine": True}], "sampler": {"seed": 1}}
        self.assertIs(validate_infill(req), req)

    def test_bad_requests_name_the_field(self):
        cases = [
            ([], "JSON object"),
            ({"pieces": ["a"], "gaps": []}, "non-empty"),
            ({"pieces": ["a"], "gaps": [{"maxTokens": 1}]}, "one more element"),
            ({"pieces": ["a", 1], "gaps": [{"maxTokens": 1}]}, "array of strings"),
            ({"pieces": ["a", "b"], "gaps": [{"maxTokens": 0}]}, "maxTokens"),
            ({"pieces": ["a", "b"], "gaps": [{"maxTokens": True}]}, "maxTokens"),
            ({"pieces": ["a", "b"], "gaps": [{"maxTokens": 2, "singleLine": "yes"}]}, "singleLine"),
            ({"pieces": ["a", "b"], "gaps": [{"maxTokens": 2}], "sampler": 3}, "sampler"),
            ({"pieces": ["a", "b"], "gaps": [{"maxTokens": 2}], "model": "x"}, "unknown field"),
        ]
        for req, msg in cases:
            with self.assertRaises(HttpError) as cm:
                validate_infill(req)
            self.assertEqual(cm.exception.status, 400)
            self.assertIn(msg, str(cm.exception))

    def test_malformed_json_is_400(self):
        with self.assertRaises(HttpError) as cm:
            parse_json_body(b'{"pieces": [')
        self.assertEqual((cm.exception.status, cm.exception.code), (400, "bad_json"))
        with self.assertRaises(HttpError):
            parse_json_body(b"\xff\xfe")

    def test_worker_errors_map_to_statuses(self):
        self.assertEqual(status_for_worker_error("EngineError", "BAD_SAMPLER"), 400)
        self.assertEqual(status_for_worker_error("EngineError", "TOO_LONG"), 400)
        self.assertEqual(status_for_worker_error("EngineError", "BAD_MODEL"), 500)
        self.assertEqual(status_for_worker_error("AbortError", None), 499)
        self.assertEqual(status_for_worker_error("Error", None), 500)


class ConfigTests(unittest.TestCase):
    def test_defaults_and_bounds(self):
        cfg = ServerConfig.from_dict({})
        self.assertTrue(cfg.worker_script.endswith(os.path.join("dist", "worker.js")))
        self.assertFalse(cfg.autoscaling)
        self.assertTrue(ServerConfig.from_dict({"min_replicas": 1, "max_replicas": 3}).autoscaling)
        for bad in ({"replicas": 0}, {"min_replicas": 1}, {"min_replicas": 3, "max_replicas": 2}, {"max_concurrent": 0}, {"request_timeout_s": 0}, {"modeldir": "x"}):
            with self.assertRaises(ValueError, msg=bad):
                ServerConfig.from_dict(bad)


if __name__ == "__main__":
    unittest.main()
