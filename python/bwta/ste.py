"""Quantizers with straight-through estimators, for training and calibration.

The forward value is exactly `dequantize(quantize(x))` of `bwta.quant` (the
integer levels and scales the compiler computes); the backward pass is the
straight-through estimator: gradient 1 inside the representable range,
0 where a k-bit quantizer saturates (clipped STE), identity for binary and
ternary levels (their scale adapts to the data).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import quant
from .quant import BINARY, INT, TERNARY, DEFAULT_THRESHOLD, QType, Scheme, dequantize, quantize


@dataclass(frozen=True)
class Quantizer:
    """A level type and a scheme: what one `bwta.quantize` op does."""

    qtype: QType
    scheme: Scheme = Scheme()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return fake_quant(x, self.qtype, self.scheme)

    def levels(self, x: torch.Tensor):
        return quantize(x.detach(), self.qtype, self.scheme)


def ste_round(x: torch.Tensor) -> torch.Tensor:
    """roundeven forward, identity backward."""
    return x + (torch.round(x) - x).detach()


def _lean(x: torch.Tensor, qtype: QType, scheme: Scheme):
    """The dynamic BWTA quantizers in few kernels, for training inside
    `quant.fast_sums()` (same values up to the f32 rounding of the granule
    sums; None for anything else)."""
    gran, thr = scheme.granularity, scheme.threshold or DEFAULT_THRESHOLD
    if gran not in ("per_token", "per_channel"):
        return None
    if qtype.kind == "binary":
        return torch.where(x >= 0, 1.0, -1.0) * x.abs().mean(-1, keepdim=True)
    if qtype.kind == "ternary" and thr.policy == "mean_abs":
        a = x.abs()
        kept = a > thr.factor * a.mean(-1, keepdim=True)
        count = kept.sum(-1, keepdim=True)
        alpha = torch.where(count > 0, (a * kept).sum(-1, keepdim=True) / count.clamp(min=1), 1.0)
        return torch.sign(x) * kept * alpha
    if qtype == INT(1, "unsigned") and scheme.mode == "symmetric":  # {0,1}·max over the row
        m = x.abs().amax(-1, keepdim=True)
        s = torch.where(m == 0, 1.0, m)
        return torch.clamp(torch.round(x / s), 0, 1) * s
    return None


def fake_quant(x: torch.Tensor, qtype: QType, scheme: Scheme = Scheme()) -> torch.Tensor:
    """dequantize(quantize(x)) in value (bit for bit), straight-through in gradient.
    Inside `quant.fast_sums()` the BWTA quantizers take a faster path whose
    values differ only by the rounding of their sums (training only)."""
    if not quant._EXACT[-1]:
        with torch.no_grad():
            y = _lean(x.detach(), qtype, scheme)
        if y is not None:
            return y + (x - x.detach()) if x.requires_grad else y
    with torch.no_grad():
        q, s, z = quantize(x.detach(), qtype, scheme)
        y = dequantize(q, s, z, scheme)
    if not x.requires_grad:
        return y
    if qtype.kind == "int" and scheme.mode == "asymmetric" and scheme.granularity in ("per_token", "per_channel"):
        return _minmax_asymmetric(x, qtype)
    if qtype.kind == "int":
        step = dequantize(torch.ones_like(q), s, None, scheme)
        inside = (y - x.detach()).abs() <= step * 0.5001  # not saturated
        return y + (x - x.detach()) * inside
    return y + (x - x.detach())


def _minmax_asymmetric(x: torch.Tensor, qtype: QType) -> torch.Tensor:
    """Dynamic asymmetric per-row quantization, differentiable through the
    row's min and max (so clipping factors in front of it learn, as in
    OmniQuant / ABQ-LLM's LWC); the value is the contract's, bit for bit."""
    f32 = torch.float32
    lo, hi = x.amin(dim=-1, keepdim=True), x.amax(dim=-1, keepdim=True)
    s = (hi - lo) / torch.tensor(float(qtype.qmax - qtype.qmin), dtype=f32)
    s = torch.where(s == 0, 1.0, s)
    zp = torch.clamp(torch.tensor(float(qtype.qmin), dtype=f32) - ste_round(lo / s), -2.0 ** 30, 2.0 ** 30)
    q = torch.clamp(ste_round(x / s) + zp, float(qtype.qmin), float(qtype.qmax))
    return (q - zp) * s


def quantizer(spec: str) -> Quantizer:
    """The quantizers the compiler's `bwta-quantize` uses, by role:

    'bwta-act'  ternary, per token, Δ = 0.7·mean|x|;
    'bwta-w'    binary, per channel, α = mean|w|;
    'bwta-p'    {0,1} attention probabilities (int<1, unsigned>, per token);
    'aN'        N-bit unsigned asymmetric per token (activations);
    'wN'        N-bit unsigned asymmetric per channel (weights);
    'wN*'       N-bit balanced asymmetric per channel (bit balance).
    """
    if spec == "bwta-act":
        return Quantizer(TERNARY, Scheme("per_token", threshold=DEFAULT_THRESHOLD))
    if spec == "bwta-w":
        return Quantizer(BINARY, Scheme("per_channel"))
    if spec == "bwta-p":
        return Quantizer(INT(1, "unsigned"), Scheme("per_token"))
    if spec[0] in "aw" and spec[1:].rstrip("*").isdigit():
        bits = int(spec[1:].rstrip("*"))
        signedness = "balanced" if spec.endswith("*") else "unsigned"
        gran = "per_token" if spec[0] == "a" else "per_channel"
        return Quantizer(INT(bits, signedness), Scheme(gran, mode="asymmetric"))
    raise ValueError(f"unknown quantizer {spec!r}")
