"""bwta.ste: exact forward values, straight-through gradients."""

import pytest
import torch

from bwta.quant import INT, TERNARY, Scheme, dequantize, quantize
from bwta.ste import fake_quant, quantizer, ste_round


@pytest.mark.parametrize("spec", ["bwta-act", "bwta-w", "bwta-p", "a8", "a4", "w2", "w2*", "w4"])
def test_forward_is_dequantize_of_quantize(spec):
    x = torch.randn(5, 70, generator=torch.Generator().manual_seed(1), requires_grad=True)
    qz = quantizer(spec)
    y = qz(x)
    q, s, z = qz.levels(x)
    assert torch.equal(y.detach(), dequantize(q, s, z, qz.scheme))
    y.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_clipped_gradient_of_static_saturation():
    x = torch.tensor([[0.1, 0.2, 100.0]], requires_grad=True)
    y = fake_quant(x, INT(4), Scheme("per_token"))
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0, 1.0]]  # dynamic amax: nothing saturates
    x.grad = None
    fake_quant(x, TERNARY, Scheme("per_token")).sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0, 1.0]]


def test_ste_round():
    x = torch.tensor([0.5, 1.5, 2.4], requires_grad=True)
    r = ste_round(x)
    r.sum().backward()
    assert r.tolist() == [0.0, 2.0, 2.0] and x.grad.tolist() == [1.0, 1.0, 1.0]


def test_unknown_quantizer():
    with pytest.raises(ValueError):
        quantizer("x3")


def test_specs_match_bwta_quantize_pass():
    assert quantizer("a8").qtype == INT(8, "unsigned") and quantizer("a8").scheme.mode == "asymmetric"
    assert quantizer("w2*").qtype == INT(2, "balanced")
    assert quantizer("bwta-act").scheme.threshold.factor == 0.7
    q, s, _ = quantize(torch.tensor([[0.1, 0.9, 0.3]]), quantizer("bwta-p").qtype, quantizer("bwta-p").scheme)
    assert q.tolist() == [[0, 1, 0]]


@pytest.mark.parametrize("spec", ["bwta-act", "bwta-w", "bwta-p"])
def test_fast_training_path_matches_up_to_rounding(spec):
    """Inside quant.fast_sums() the BWTA quantizers take a leaner path: the
    same values up to the f32 rounding of the granule sums, same gradient."""
    from bwta import quant
    x = torch.randn(3, 5, 384, generator=torch.Generator().manual_seed(2))
    if spec == "bwta-p":
        x = x.softmax(-1)
    x.requires_grad_(True)
    exact = quantizer(spec)(x)
    with quant.fast_sums():
        fast = quantizer(spec)(x)
    assert torch.allclose(exact, fast, rtol=1e-5, atol=1e-7)
    g1, = torch.autograd.grad(exact.sum(), x)
    g2, = torch.autograd.grad(fast.sum(), x)
    assert torch.equal(g1, g2)
