"""Model: Hugging Face Qwen2/Dream parameter names, config keys, bidirectional attention, gather-before-head."""
import unittest

import torch

from training.model import DreamConfig, DreamLM, load_state_dict_checked


def small(**kw):
    torch.manual_seed(0)
    base = dict(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2)
    base.update(kw)
    return DreamLM(DreamConfig(**base)).eval()


class ModelTest(unittest.TestCase):
    def test_parameter_names_match_hf_qwen2(self):
        names = set(small(tie_word_embeddings=False).state_dict())
        want = {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"}
        for i in range(2):
            p = f"model.layers.{i}."
            want |= {p + "input_layernorm.weight", p + "post_attention_layernorm.weight",
                     p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight", p + "mlp.down_proj.weight",
                     p + "self_attn.o_proj.weight"}
            want |= {p + f"self_attn.{x}_proj.{w}" for x in "qkv" for w in ("weight", "bias")}
        self.assertEqual(names, want)  # and nothing else: o_proj has no bias, no extra buffers persisted

    def test_gqa_shapes(self):
        sd = small().state_dict()
        self.assertEqual(tuple(sd["model.layers.0.self_attn.q_proj.weight"].shape), (32, 32))
        self.assertEqual(tuple(sd["model.layers.0.self_attn.k_proj.weight"].shape), (16, 32))
        self.assertEqual(tuple(sd["model.layers.0.self_attn.v_proj.bias"].shape), (16,))

    def test_config_reads_dream_config_json(self):
        cfg = DreamConfig.from_dict({"architectures": ["DreamModel"], "hidden_size": 64, "num_attention_heads": 8,
                                     "num_key_value_heads": 2, "rope_theta": 1e6, "torch_dtype": "bfloat16",
                                     "mask_token_id": 151666, "vocab_size": 152064})
        self.assertEqual((cfg.hidden_size, cfg.rope_theta, cfg.mask_token_id), (64, 1e6, 151666))
        with self.assertRaises(ValueError):
            DreamConfig.from_dict({"hidden_size": 30, "num_attention_heads": 4})

    def test_tied_and_loadable(self):
        m = small()
        self.assertIs(m.lm_head.weight, m.model.embed_tokens.weight)
        m2 = small()
        sd = {k: v + 1 for k, v in m.state_dict().items()}
        load_state_dict_checked(m2, sd)
        self.assertTrue(torch.equal(m2.lm_head.weight, sd["model.embed_tokens.weight"]))
        with self.assertRaises(ValueError):
            load_state_dict_checked(m2, {"model.embed_tokens.weight": sd["model.embed_tokens.weight"]})

    def test_positions_gather_equals_full_rows(self):
        m = small()
        ids = torch.randint(0, 64, (1, 17))
        pos = torch.tensor([16, 0, 5])
        with torch.no_grad():
            self.assertTrue(torch.allclose(m(ids, pos), m.full_logits(ids)[0, pos], atol=1e-6))

    def test_attention_is_bidirectional(self):
        # Changing a later token must change an earlier row's output (a causal model would not).
        m = small()
        a = torch.randint(3, 64, (1, 10))
        b = a.clone()
        b[0, 9] = (a[0, 9] + 1) % 64
        with torch.no_grad():
            self.assertFalse(torch.allclose(m.full_logits(a)[0, 0], m.full_logits(b)[0, 0]))


if __name__ == "__main__":
    unittest.main()
