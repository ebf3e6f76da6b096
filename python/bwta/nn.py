"""Quantized building blocks that mirror what the compiler builds.

`QLinear` is a linear layer as `bwta-distribution-correction` +
`bwta-quantize` rewrite it: optional LET smoothing `X' = (X − δ)/s`,
`W' = W·diag(s) + a·bᵀ` (rank-1 compensation), learnable weight clipping,
then an activation quantizer and a weight quantizer (any callables, usually
`bwta.ste.Quantizer`s), the output `+ W·δ + bias`. `attention` is the
attention core with the quantizers `bwta-quantize` puts on Q·Kᵀ and P·V.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn


class QLinear(nn.Module):
    def __init__(self, weight: torch.Tensor, bias: Optional[torch.Tensor] = None, name: str = ""):
        super().__init__()
        self.weight = nn.Parameter(weight.detach().clone().float())
        self.bias = None if bias is None else nn.Parameter(bias.detach().clone().float())
        self.name = name  # the bwta.weight name of the weight
        self.act: Optional[Callable] = None  # activation quantizer
        self.wq: Optional[Callable] = None  # weight quantizer
        # distribution correction (bwta.calibrate); None = off
        self.smooth: Optional[nn.Parameter] = None
        self.shift: Optional[nn.Parameter] = None
        self.rank1_a: Optional[nn.Parameter] = None
        self.rank1_b: Optional[nn.Parameter] = None
        self.clip_hi: Optional[nn.Parameter] = None  # LWC logits, per output channel
        self.clip_lo: Optional[nn.Parameter] = None
        self.out_scale: Optional[nn.Parameter] = None  # SMSQ magnitude factor, per output channel

    @property
    def in_features(self) -> int:
        return self.weight.shape[1]

    @property
    def out_features(self) -> int:
        return self.weight.shape[0]

    def corrected_weight(self) -> torch.Tensor:
        """W·diag(s) + a·bᵀ, clipped per output channel (LWC: σ(γ)·max, σ(β)·min)."""
        w = self.weight
        if self.smooth is not None:
            w = w * self.smooth
        if self.rank1_a is not None:
            w = w + self.rank1_a[:, None] * self.rank1_b[None, :]
        if self.clip_hi is not None:
            hi = torch.sigmoid(self.clip_hi)[:, None] * w.detach().amax(dim=1, keepdim=True).clamp(min=0)
            lo = torch.sigmoid(self.clip_lo)[:, None] * w.detach().amin(dim=1, keepdim=True).clamp(max=0)
            w = torch.minimum(torch.maximum(w, lo), hi)
        return w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.shift is not None:
            x = x - self.shift
        if self.smooth is not None:
            x = x / self.smooth
        if self.act is not None:
            x = self.act(x)
        w = self.corrected_weight()
        if self.wq is not None:
            w = self.wq(w)
        y = F.linear(x, w)
        if self.out_scale is not None:
            y = y * self.out_scale
        if self.shift is not None:
            y = y + F.linear(self.shift, self.weight)
        if self.bias is not None:
            y = y + self.bias
        return y


class AttentionQuant(nn.Module):
    """The quantizers of one attention core: Q and K rows (per token over the
    head dimension), P rows (per query over the keys) and Vᵀ rows (per
    channel over the keys: `bwta-quantize` transposes V to [.., d, S])."""

    def __init__(self, q=None, k=None, p=None, v=None):
        super().__init__()
        self.q, self.k, self.p, self.v = q, k, p, v


def attention(q, k, v, mask: Optional[torch.Tensor], quant: Optional[AttentionQuant] = None,
              record: Optional[list] = None) -> torch.Tensor:
    """softmax(Q·Kᵀ/√d + mask)·V on [B, H, S, d]; `mask` is additive [B, 1, S|1, S].

    `record` (a list) receives the attention probabilities, for distillation.
    """
    quant = quant or AttentionQuant()
    if quant.q is not None:
        q = quant.q(q)
    if quant.k is not None:
        k = quant.k(k)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    probs = torch.softmax(scores, dim=-1)
    if record is not None:
        record.append(probs)
    if quant.p is not None:
        probs = quant.p(probs)
    if quant.v is not None:
        v = quant.v(v.transpose(-1, -2)).transpose(-1, -2)
    return torch.matmul(probs, v)


def linears(model: nn.Module):
    """The model's QLinear layers, by name."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, QLinear)]
