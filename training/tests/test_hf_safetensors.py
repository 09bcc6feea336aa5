"""The numpy safetensors reader/writer: exact bf16 handling, round trips, and clear errors on damaged files."""
import json
import os
import struct
import tempfile
import unittest

import numpy as np

from training.hf.safetensors_io import (SafetensorsError, SafetensorsFile, bf16_bits_to_f32, f32_to_bf16_bits,
                                        write_safetensors)


class Bf16Conversion(unittest.TestCase):
    def test_known_bit_patterns(self):
        values = np.array([1.0, -2.0, 0.0, 3.140625, np.inf], dtype=np.float32)
        bits = f32_to_bf16_bits(values)
        self.assertEqual([hex(b) for b in bits], ["0x3f80", "0xc000", "0x0", "0x4049", "0x7f80"])
        np.testing.assert_array_equal(bf16_bits_to_f32(bits), values)

    def test_rounds_to_nearest_even_like_torch(self):
        ulp = 2.0 ** -7  # bf16 keeps 7 mantissa bits
        halfway_down = np.float32(1 + ulp / 2)     # tie between 1 (even) and 1+ulp (odd) -> 1
        halfway_up = np.float32(1 + 1.5 * ulp)     # tie between 1+ulp (odd) and 1+2ulp (even) -> 1+2ulp
        out = bf16_bits_to_f32(f32_to_bf16_bits(np.array([halfway_down, halfway_up], dtype=np.float32)))
        np.testing.assert_array_equal(out, np.array([1.0, 1 + 2 * ulp], dtype=np.float32))

    def test_matches_torch_on_random_values(self):
        import torch

        x = (np.random.default_rng(1).standard_normal(4096) * 10).astype(np.float32)
        ours = bf16_bits_to_f32(f32_to_bf16_bits(x))
        theirs = torch.from_numpy(x).to(torch.bfloat16).to(torch.float32).numpy()
        np.testing.assert_array_equal(ours, theirs)

    def test_nan_stays_nan(self):
        self.assertTrue(np.isnan(bf16_bits_to_f32(f32_to_bf16_bits(np.array([np.nan], dtype=np.float32))))[0])


class RoundTrip(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "t.safetensors")

    def tearDown(self):
        self.dir.cleanup()

    def test_every_float_dtype_reads_back_as_float32(self):
        x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
        for dtype, tol in (("F32", 0), ("F16", 1e-3), ("BF16", 1e-2)):
            write_safetensors(self.path, {"w": x, "ids": np.arange(4, dtype=np.int64)}, dtype=dtype,
                              metadata={"format": "pt"})
            f = SafetensorsFile(self.path)
            self.assertEqual(f.dtype("w"), dtype)
            self.assertEqual(f.shape("w"), (3, 5))
            self.assertEqual(f.metadata, {"format": "pt"})
            w = f.tensor("w")
            self.assertEqual(w.dtype, np.float32)
            np.testing.assert_allclose(w, x, rtol=tol, atol=tol)
            np.testing.assert_array_equal(f.tensor("ids"), np.arange(4))
            w[0, 0] = 123.0  # a fresh copy: writing it must not touch the read-only map
            self.assertNotEqual(f.tensor("w")[0, 0], 123.0)
            f.close()

    def test_header_is_the_reference_layout(self):
        write_safetensors(self.path, {"b": np.zeros(2, np.float32), "a": np.ones(3, np.float32)}, dtype="BF16")
        with open(self.path, "rb") as fh:
            (n,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(n))
        self.assertEqual(n % 8, 0)
        self.assertEqual(header["a"], {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]})
        self.assertEqual(header["b"]["data_offsets"], [6, 10])

    def test_truncated_file_is_reported(self):
        write_safetensors(self.path, {"w": np.ones((64, 64), np.float32)}, dtype="F32")
        with open(self.path, "r+b") as fh:
            fh.truncate(os.path.getsize(self.path) - 100)
        with self.assertRaisesRegex(SafetensorsError, "truncated or corrupt"):
            SafetensorsFile(self.path)

    def test_garbage_is_reported(self):
        with open(self.path, "wb") as fh:
            fh.write(b"PK\x03\x04 this is a zip, not safetensors")
        with self.assertRaisesRegex(SafetensorsError, "header length"):
            SafetensorsFile(self.path)

    def test_unknown_tensor_name(self):
        write_safetensors(self.path, {"w": np.ones(2, np.float32)})
        with self.assertRaisesRegex(SafetensorsError, "no tensor named 'v'"):
            SafetensorsFile(self.path).tensor("v")


if __name__ == "__main__":
    unittest.main()
