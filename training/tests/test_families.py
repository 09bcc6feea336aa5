"""LLaDA and CoDA (Qwen3-block) checkpoints through the one graph builder: tiny RANDOM checkpoints in each family's
published format (training/hf/tiny_families.py) converted by the TypeScript converter (`node dist/cli.js convert`)
and compared with a small torch reference
written here from the families' own modeling code (LLaDA's LLaDALlamaBlock, CoDA's CoDAAttention), which reads the
families' own tensor names, so a wrong entry in training/hf/families.py's tables cannot hide in the reference."""
import json
import os
import tempfile
import unittest

import numpy as np

from training.common import Fatal
from training.hf.convert_cli import export_main, run_convert
from training.hf.run_graph import cut_window, open_session, run_graph
from training.hf.tiny_families import make_tiny_coda, make_tiny_llada


def load_weights(ckpt: str) -> dict:
    """Every tensor as fp32 torch, read with the safetensors package (not the exporter's reader)."""
    from safetensors.torch import load_file

    out = {}
    for name in sorted(os.listdir(ckpt)):
        if name.endswith(".safetensors"):
            out.update({k: v.float() for k, v in load_file(os.path.join(ckpt, name)).items()})
    return out


def _rms(x, w, eps):
    import torch
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def _rope(x, theta):
    """Non-interleaved RoPE (both families' rotate_half): x [heads, T, d]."""
    import torch
    d = x.shape[-1]
    inv = 1.0 / theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    f = torch.arange(x.shape[1], dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cat([f.cos(), f.cos()], -1).float(), torch.cat([f.sin(), f.sin()], -1).float()
    x1, x2 = x[..., :d // 2], x[..., d // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def _attention(q, k, v, heads, kv_heads):
    """Bidirectional attention (no mask), K/V heads repeated for grouped queries: q [T, H*d] -> [T, H*d]."""
    import torch
    t = q.shape[0]
    q, k, v = (x.view(t, -1, x.shape[-1] // n).transpose(0, 1) for x, n in ((q, heads), (k, kv_heads), (v, kv_heads)))
    return q, k, v, lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(
        q, k.repeat_interleave(heads // kv_heads, 0), v.repeat_interleave(heads // kv_heads, 0)
    ).transpose(0, 1).reshape(t, -1)


def llada_logits(cfg: dict, w: dict, ids) -> np.ndarray:
    """LLaDAModelLM.forward for block_type llama: logits at every position (not shifted)."""
    import torch
    import torch.nn.functional as F
    p, eps = "model.transformer.", cfg["rms_norm_eps"]
    x = w[p + "wte.weight"][torch.tensor(ids)]
    for i in range(cfg["n_layers"]):
        b = f"{p}blocks.{i}."
        h = _rms(x, w[b + "attn_norm.weight"], eps)
        q, k, v, attend = _attention(h @ w[b + "q_proj.weight"].T, h @ w[b + "k_proj.weight"].T,
                                     h @ w[b + "v_proj.weight"].T, cfg["n_heads"], cfg["n_kv_heads"])
        x = x + attend(_rope(q, cfg["rope_theta"]), _rope(k, cfg["rope_theta"]), v) @ w[b + "attn_out.weight"].T
        h = _rms(x, w[b + "ff_norm.weight"], eps)
        x = x + (F.silu(h @ w[b + "ff_proj.weight"].T) * (h @ w[b + "up_proj.weight"].T)) @ w[b + "ff_out.weight"].T
    return (_rms(x, w[p + "ln_f.weight"], eps) @ w[p + "ff_out.weight"].T).numpy()


def coda_logits(cfg: dict, w: dict, ids) -> np.ndarray:
    """CoDALanguageModel in eval mode: raw lm_head rows (generation shifts them by one, like Dream)."""
    import torch
    import torch.nn.functional as F
    eps = cfg["rms_norm_eps"]
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(cfg["num_hidden_layers"]):
        b = f"model.layers.{i}."
        a = b + "self_attn."
        h = _rms(x, w[b + "input_layernorm.weight"], eps)
        q, k, v, attend = _attention(h @ w[a + "q_proj.weight"].T, h @ w[a + "k_proj.weight"].T,
                                     h @ w[a + "v_proj.weight"].T, cfg["num_attention_heads"],
                                     cfg["num_key_value_heads"])
        q, k = _rms(q, w[a + "q_norm.weight"], eps), _rms(k, w[a + "k_norm.weight"], eps)  # per head, then RoPE
        x = x + attend(_rope(q, cfg["rope_theta"]), _rope(k, cfg["rope_theta"]), v) @ w[a + "o_proj.weight"].T
        h = _rms(x, w[b + "post_attention_layernorm.weight"], eps)
        m = b + "mlp."
        x = x + (F.silu(h @ w[m + "gate_proj.weight"].T) * (h @ w[m + "up_proj.weight"].T)) @ w[m + "down_proj.weight"].T
    return (_rms(x, w["model.norm.weight"], eps) @ w["lm_head.weight"].T).numpy()


FAMILIES = {"llada": (make_tiny_llada, llada_logits), "coda": (make_tiny_coda, coda_logits)}


class FamilyExports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cases = {}
        for fam, (make, ref) in FAMILIES.items():
            ckpt = os.path.join(cls.tmp.name, f"{fam}-ckpt")
            cfg = make(ckpt)
            outs = {}
            for dtype in ("fp32", "int4"):
                outs[dtype] = os.path.join(cls.tmp.name, f"{fam}-{dtype}")
                export_main([ckpt, outs[dtype], "--dtype", dtype, "--quiet"])
            with open(os.path.join(outs["fp32"], "manifest.json"), encoding="utf-8") as f:
                manifest = json.load(f)
            t = manifest["tokens"]
            rng = np.random.default_rng(3)
            ids = [int(i) for i in rng.integers(0, 400, 36)]
            ids[0] = t["bos"]
            ids[12:20] = [t["mask"]] * 8
            cls.cases[fam] = dict(ckpt=ckpt, cfg=cfg, outs=outs, manifest=manifest, ids=ids,
                                  want=ref(cfg, load_weights(ckpt), ids))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_fp32_graph_matches_the_family_reference(self):
        rows = [0, 11, 12, 15, 19, 35]
        for fam, c in self.cases.items():
            with self.subTest(family=fam):
                got = run_graph(open_session(c["outs"]["fp32"]), c["ids"], rows, outputs=["logits"])["logits"]
                want = c["want"][rows]
                scale = float(np.abs(want).max())
                self.assertGreater(scale, 1.0)
                self.assertLessEqual(float(np.abs(got - want).max()) / scale, 1e-4)

    def test_int4_stays_close_to_the_reference(self):
        rows = list(range(12, 20))
        for fam, c in self.cases.items():
            with self.subTest(family=fam):
                got = run_graph(open_session(c["outs"]["int4"]), c["ids"], rows, outputs=["logits"])["logits"]
                want = c["want"][rows]
                self.assertLess(float(np.abs(got - want).max()), 0.2 * float(np.abs(want).max()))

    def test_manifest_states_each_familys_conventions(self):
        llada, coda = self.cases["llada"]["manifest"], self.cases["coda"]["manifest"]
        self.assertEqual((llada["family"], llada["shiftedLogits"]), ("llada", False))
        self.assertEqual((coda["family"], coda["shiftedLogits"]), ("coda", True))
        tok = {}
        for fam in ("llada", "coda"):
            with open(os.path.join(self.cases[fam]["outs"]["fp32"], "tokenizer.json"), encoding="utf-8") as f:
                tok[fam] = {t["content"]: t["id"] for t in json.load(f)["added_tokens"]}
        lc = self.cases["llada"]["cfg"]
        self.assertEqual(llada["tokens"]["mask"], lc["mask_token_id"])
        self.assertEqual(llada["tokens"]["mask"], tok["llada"]["<|mdm_mask|>"])
        self.assertEqual(llada["tokens"]["bos"], tok["llada"]["<|startoftext|>"])
        self.assertEqual(llada["tokens"]["eos"], lc["eos_token_id"])
        self.assertIn(tok["llada"]["<|eot_id|>"], llada["tokens"]["stop"])
        self.assertEqual(llada["sampler"]["algorithm"], "maskgit_plus")
        self.assertEqual(llada["license"], "mit")
        self.assertEqual(coda["tokens"]["mask"], tok["coda"]["<|mask|>"])
        self.assertEqual(coda["tokens"]["bos"], tok["coda"]["<|endoftext|>"])
        self.assertEqual(coda["tokens"]["eos"], tok["coda"]["<|im_end|>"])
        self.assertEqual(coda["sampler"]["algorithm"], "entropy")
        self.assertEqual(coda["license"], "cc-by-nc-4.0")

    def test_attention_is_bidirectional_and_windows_match_the_full_pass(self):
        for fam, c in self.cases.items():
            with self.subTest(family=fam):
                sess = open_session(c["outs"]["fp32"])
                ids = c["ids"]
                full = run_graph(sess, ids, list(range(len(ids))))
                later = list(ids)
                later[30] = (later[30] + 1) % 400
                changed = run_graph(sess, later, [10], outputs=["logits"])["logits"]
                self.assertGreater(float(np.abs(changed - full["logits"][10]).max()), 1e-3)
                lo, hi = 12, 20  # a window over the gap, the rest from the full pass's (q/k-normed, rotated) cache
                win = run_graph(sess, ids[lo:hi], list(range(hi - lo)), start=lo,
                                past=cut_window(full["present_keys"], full["present_values"], lo, hi))
                np.testing.assert_allclose(win["logits"], full["logits"][lo:hi], atol=2e-4)


class FamilyRefusals(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def _edit_config(self, ckpt, **changes):
        path = os.path.join(ckpt, "config.json")
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
        cfg.update(changes)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(cfg, f)

    def _fails(self, ckpt, pattern):
        out = os.path.join(self.tmp.name, "out")
        with self.assertRaisesRegex(Fatal, pattern):
            export_main([ckpt, out, "--dtype", "fp32", "--quiet"])
        self.assertFalse(os.path.exists(out) or os.path.exists(out + ".partial"))

    def test_configs_the_builder_would_compute_differently(self):
        ckpt = os.path.join(self.tmp.name, "llada")
        make_tiny_llada(ckpt)
        for key, value, published in (("block_type", "sequential", "llama"), ("include_qkv_bias", True, False),
                                      ("alibi", True, False), ("layer_norm_type", "default", "rms")):
            with self.subTest(key=key):
                self._edit_config(ckpt, **{key: value})
                self._fails(ckpt, f"LLaDA {key}={value!r} is not supported")
                self._edit_config(ckpt, **{key: published})
        coda = os.path.join(self.tmp.name, "coda")
        make_tiny_coda(coda)
        self._edit_config(coda, attention_bias=True)
        self._fails(coda, "CoDA attention_bias=True is not supported")

    def test_tensors_that_contradict_the_config(self):
        ckpt = os.path.join(self.tmp.name, "llada")
        make_tiny_llada(ckpt)
        self._edit_config(ckpt, mlp_hidden_size=160)
        self._fails(ckpt, "tensor shape.*do not match config.json.*ff_proj")
        coda = os.path.join(self.tmp.name, "coda")
        make_tiny_coda(coda)
        self._edit_config(coda, mask_token_id=3)
        self._fails(coda, "mask_token_id 3 disagrees with the tokenizer's <\\|mask\\|> id")

    def test_command_line_exit_2_with_one_line(self):
        ckpt = os.path.join(self.tmp.name, "llada")
        make_tiny_llada(ckpt)
        self._edit_config(ckpt, rope=False)
        r = run_convert([ckpt, os.path.join(self.tmp.name, "out")])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("LLaDA rope=False is not supported", r.stderr)


if __name__ == "__main__":
    unittest.main()
