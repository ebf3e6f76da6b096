"""Schemes as bwta-quantize applies them."""

import pytest
import torch

from bwta import schemes
from bwta.nn import QLinear, attention
from bwta.quant import BINARY, INT, TERNARY


def test_parse():
    assert schemes.parse("W2*A8") == ("w2*", "a8")
    assert schemes.parse("bwta") == ("bwta-w", "bwta-act") and schemes.parse("fp") == (None, None)
    with pytest.raises(ValueError):
        schemes.parse("w9a8")


def test_apply_sets_linear_and_attention_quantizers(tiny_llama_dir):
    from bwta.models.llama import Llama
    model = schemes.apply(Llama.from_pretrained(tiny_llama_dir), "w2*a8")
    lin = model.layers[0].mlp.down_proj
    assert lin.wq.qtype == INT(2, "balanced") and lin.act.qtype == INT(8, "unsigned")
    aq = model.layers[1].attn_quant
    assert aq.q.qtype == INT(8, "unsigned") and aq.p is None and aq.v is None
    schemes.apply(model, "bwta")
    assert lin.wq.qtype == BINARY and lin.act.qtype == TERNARY
    assert aq is not model.layers[1].attn_quant
    aq = model.layers[1].attn_quant
    assert aq.p.qtype == INT(1, "unsigned") and aq.v.qtype == TERNARY
    schemes.apply(model, "fp")
    assert lin.wq is None and model.layers[0].attn_quant.q is None


def test_bwta_attention_levels():
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 2, 5, 8, generator=g) for _ in range(3))
    aq = schemes.attention_quant("bwta")
    rec = []
    out = attention(q, k, v, None, aq, rec)
    probs = rec[0]
    pq = aq.p(probs)
    # {0,1} levels times the row's max: P is kept where it exceeds half the row max
    assert torch.equal(pq > 0, probs > probs.amax(-1, keepdim=True) / 2)
    assert out.shape == v.shape


def test_qlinear_correction_is_the_identity_in_float():
    g = torch.Generator().manual_seed(0)
    lin = QLinear(torch.randn(6, 4, generator=g), torch.randn(6, generator=g))
    x = torch.randn(3, 4, generator=g)
    want = lin(x)
    lin.smooth = torch.nn.Parameter(torch.tensor([2.0, 0.5, 4.0, 1.0]))
    lin.shift = torch.nn.Parameter(torch.tensor([0.25, -1.0, 0.0, 2.0]))
    assert torch.allclose(lin(x), want, atol=1e-5)
