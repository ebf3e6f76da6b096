"""Quantization schemes applied to a model's QLinear layers and attention
cores, exactly as `bwta-quantize` rewrites them (docs/Passes.md):

| scheme | linear activations | linear weights | Q·Kᵀ | P·V |
|---|---|---|---|---|
| `fp` | float | float | float | float |
| `wPaQ` | Q-bit unsigned asym. per token | P-bit unsigned asym. per channel | Q bits × Q bits | float |
| `wP*aQ` | as `wPaQ` | P-bit balanced asym. per channel | as `wPaQ` | float |
| `bwta` | ternary, Δ = 0.7·mean\\|x\\| | binary, α = mean\\|w\\| | ternary × ternary | {0,1} × ternary Vᵀ |

Embeddings, norms and the LM head stay in float.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

from torch import nn

from .nn import AttentionQuant, QLinear
from .ste import quantizer


def parse(name: str) -> Tuple[Optional[str], Optional[str]]:
    """'w2*a8' → ('w2*', 'a8'); 'bwta' → ('bwta-w', 'bwta-act'); 'fp' → (None, None)."""
    name = name.lower()
    if name == "fp":
        return None, None
    if name == "bwta":
        return "bwta-w", "bwta-act"
    m = re.fullmatch(r"w([1-8])(\*?)a([1-8])", name)
    if not m:
        raise ValueError(f"unknown scheme {name!r} (fp, bwta, wPaQ, wP*aQ)")
    return f"w{m.group(1)}{m.group(2)}", f"a{m.group(3)}"


def attention_quant(name: str) -> AttentionQuant:
    w, a = parse(name)
    if a is None:
        return AttentionQuant()
    if name.lower() == "bwta":
        t = quantizer("bwta-act")
        return AttentionQuant(q=t, k=t, p=quantizer("bwta-p"), v=t)
    return AttentionQuant(q=quantizer(a), k=quantizer(a))


def apply(model: nn.Module, name: str) -> nn.Module:
    """Sets every QLinear's quantizers and every layer's attention quantizers."""
    w, a = parse(name)
    for m in model.modules():
        if isinstance(m, QLinear):
            m.wq = None if w is None else quantizer(w)
            m.act = None if a is None else quantizer(a)
        if hasattr(m, "attn_quant"):
            m.attn_quant = attention_quant(name)
    return model
