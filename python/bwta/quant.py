"""Integer-exact quantizers: docs/Semantics.md (`bwta.quantize`) in torch.

Every function here returns the levels, scales and zero points that the
compiler's CPU reference (`bwta-opt --bwta-cpu-reference`) computes, bit for
bit: IEEE f32 arithmetic in the order the contract writes it, `roundeven`
(torch.round), clamps in f32, and granule sums in the contract's 256-lane
order (`lane_sum`). `bwta.vectors` proves the equality against bwta-opt.

Tensors of any rank are quantized over their last dimension (K). Levels come
back as int32, scales as float32, zero points as int32 (None when the scheme
is symmetric or the levels are binary/ternary).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

import torch

F32 = torch.float32
LANES = 256  # lanes of a granule sum (docs/Semantics.md, "Arithmetic")


@dataclass(frozen=True)
class QType:
    """A level type of the bwta dialect: binary, ternary or int<bits, signedness>."""

    kind: str  # "binary" | "ternary" | "int"
    bits: int = 1
    signedness: str = "signed"  # "signed" | "unsigned" | "balanced"

    def __post_init__(self):
        if self.kind not in ("binary", "ternary", "int"):
            raise ValueError(f"unknown level kind {self.kind!r}")
        if self.kind == "int" and not (1 <= self.bits <= 8):
            raise ValueError(f"int levels need 1..8 bits, not {self.bits}")
        if self.signedness not in ("signed", "unsigned", "balanced"):
            raise ValueError(f"unknown signedness {self.signedness!r}")

    @property
    def qmin(self) -> int:
        if self.kind != "int":
            return -1
        return 0 if self.signedness == "unsigned" else -(2 ** (self.bits - 1))

    @property
    def qmax(self) -> int:
        if self.kind != "int":
            return 1
        if self.signedness == "unsigned":
            return 2 ** self.bits - 1
        return 2 ** (self.bits - 1) - (self.signedness == "signed")

    @property
    def planes(self) -> int:
        if self.kind != "int":
            return 1 if self.kind == "binary" else 2
        return self.bits + (self.signedness == "balanced")

    @property
    def mlir(self) -> str:
        if self.kind != "int":
            return f"!bwta.{self.kind}"
        suffix = "" if self.signedness == "signed" else f", {self.signedness}"
        return f"!bwta.int<{self.bits}{suffix}>"

    @staticmethod
    def parse(text: str) -> "QType":
        """'binary', 'ternary', 'int4', 'uint8', 'int2*' (balanced), or MLIR spelling."""
        t = text.strip().replace("!bwta.", "").replace(" ", "")
        if t in ("binary", "ternary"):
            return QType(t)
        if t.startswith("int<") and t.endswith(">"):
            bits, *rest = t[4:-1].split(",")
            return QType("int", int(bits), rest[0] if rest else "signed")
        for prefix, signedness in (("uint", "unsigned"), ("int", "signed")):
            if t.startswith(prefix):
                body = t[len(prefix):]
                if body.endswith("*"):
                    return QType("int", int(body[:-1]), "balanced")
                return QType("int", int(body), signedness)
        raise ValueError(f"cannot parse level type {text!r}")


BINARY = QType("binary")
TERNARY = QType("ternary")


def INT(bits: int, signedness: str = "signed") -> QType:
    return QType("int", bits, signedness)


@dataclass(frozen=True)
class Threshold:
    """Ternary threshold Δ per granule: fixed, mean_abs or max_abs times factor."""

    policy: str
    factor: float

    def __post_init__(self):
        if self.policy not in ("fixed", "mean_abs", "max_abs"):
            raise ValueError(f"unknown threshold policy {self.policy!r}")

    @property
    def mlir(self) -> str:
        return f"#bwta.threshold<{self.policy}, {float(self.factor)!r}>"


DEFAULT_THRESHOLD = Threshold("mean_abs", 0.7)


@dataclass(frozen=True)
class Scheme:
    """`#bwta.scheme`: granularity, group size, mode and ternary threshold."""

    granularity: str = "per_token"  # per_tensor | per_token | per_channel | per_group
    group_size: Optional[int] = None
    mode: str = "symmetric"  # symmetric | asymmetric
    threshold: Optional[Threshold] = None

    def __post_init__(self):
        if self.granularity not in ("per_tensor", "per_token", "per_channel", "per_group"):
            raise ValueError(f"unknown granularity {self.granularity!r}")
        if (self.granularity == "per_group") != (self.group_size is not None):
            raise ValueError("group_size is needed by, and only by, per_group")
        if self.mode not in ("symmetric", "asymmetric"):
            raise ValueError(f"unknown mode {self.mode!r}")

    @property
    def mlir(self) -> str:
        parts = [f"granularity = {self.granularity}"]
        if self.group_size is not None:
            parts.append(f"group_size = {self.group_size}")
        if self.mode != "symmetric":
            parts.append(f"mode = {self.mode}")
        if self.threshold is not None:
            parts.append(f"threshold = {self.threshold.mlir}")
        return "#bwta.scheme<" + ", ".join(parts) + ">"

    def param_shape(self, shape) -> tuple:
        shape = tuple(shape)
        if self.granularity == "per_tensor":
            return ()
        if self.granularity == "per_group":
            return shape[:-1] + (math.ceil(shape[-1] / self.group_size),)
        return shape[:-1]


# ----------------------------------------------------------------------------
# f32 helpers in the contract's order
# ----------------------------------------------------------------------------

_EXACT = [True]


@contextmanager
def fast_sums():
    """Within this block `lane_sum` is a plain `sum` (the same value up to f32
    rounding, one kernel instead of ~30): for training, where only speed
    matters. Everything outside it, evaluation included, stays bit-exact."""
    _EXACT.append(False)
    try:
        yield
    finally:
        _EXACT.pop()


def lane_sum(a: torch.Tensor) -> torch.Tensor:
    """Sums of the rows of `a` [R, n] in f32, in the contract's lane order.

    p_l = 0.0f + a_l + a_{l+256} + ... (sequentially) for l = 0..255, then
    p_l = p_l + p_{l+s} for l < s, s = 128, 64, ..., 1; the sum is p_0.
    Zero padding changes nothing: x + 0.0f == x for every non-(-0) x.
    Inside `fast_sums()` it is a plain sum instead.
    """
    a = a.to(F32)
    if not _EXACT[-1]:
        return a.sum(dim=1)
    rows, n = a.shape
    chunks = max(1, -(-n // LANES))
    padded = torch.zeros(rows, chunks * LANES, dtype=F32, device=a.device)
    padded[:, :n] = a
    padded = padded.view(rows, chunks, LANES)
    p = torch.zeros(rows, LANES, dtype=F32, device=a.device)
    for c in range(chunks):
        p = p + padded[:, c]
    s = LANES // 2
    while s >= 1:
        p = torch.cat([p[:, :s] + p[:, s:2 * s], p[:, s:]], dim=1)
        s //= 2
    return p[:, 0]


def lane_mean(a: torch.Tensor) -> torch.Tensor:
    """mean(S) = lane_sum(S) / f32(|S|) over the rows of `a`."""
    return lane_sum(a) / torch.tensor(float(a.shape[1]), dtype=F32)


def _clamp(v: torch.Tensor, lo, hi) -> torch.Tensor:
    return torch.clamp(v, float(lo), float(hi))


def _expand(param: torch.Tensor, shape, scheme: Scheme) -> torch.Tensor:
    """The value of a per tensor / row / group parameter at every element."""
    param = torch.as_tensor(param)
    if param.dim() == 0:
        return param.expand(shape)
    if scheme.granularity == "per_group":
        idx = torch.arange(shape[-1], device=param.device) // scheme.group_size
        return param[..., idx]
    return param.unsqueeze(-1).expand(shape)


def _by_granule(x: torch.Tensor, scheme: Scheme, fn):
    """Applies fn(A[R, n]) -> (q[R, n], s[R], z[R] or None) to each granule."""
    shape = x.shape
    K = shape[-1]
    if scheme.granularity == "per_tensor":
        q, s, z = fn(x.reshape(1, -1))
        return q.reshape(shape), s.reshape(()), None if z is None else z.reshape(())
    X = x.reshape(-1, K)
    if scheme.granularity != "per_group":
        q, s, z = fn(X)
        rows = shape[:-1]
        return q.reshape(shape), s.reshape(rows), None if z is None else z.reshape(rows)
    G = scheme.group_size
    parts = [fn(X[:, a:a + G]) for a in range(0, K, G)]
    q = torch.cat([p[0] for p in parts], dim=1).reshape(shape)
    pshape = scheme.param_shape(shape)
    s = torch.stack([p[1] for p in parts], dim=1).reshape(pshape)
    z = None if parts[0][2] is None else torch.stack([p[2] for p in parts], dim=1).reshape(pshape)
    return q, s, z


def ternary_delta(a: torch.Tensor, threshold: Threshold) -> torch.Tensor:
    """Δ per row of a granule matrix `a` [R, n]."""
    f = torch.tensor(threshold.factor, dtype=F32, device=a.device)
    if threshold.policy == "fixed":
        return f.expand(a.shape[0]).clone()
    absa = a.abs()
    if threshold.policy == "mean_abs":
        return f * lane_mean(absa)
    return f * absa.amax(dim=1)


def _ternary_levels(a: torch.Tensor, delta: torch.Tensor):
    mask = a.abs() > delta[:, None]
    return (torch.sign(a) * mask).to(torch.int32), mask


# ----------------------------------------------------------------------------
# bwta.quantize
# ----------------------------------------------------------------------------

def quantize(x: torch.Tensor, qtype: QType, scheme: Scheme = Scheme(),
             scale: Optional[torch.Tensor] = None,
             zero_point: Optional[torch.Tensor] = None):
    """`bwta.quantize`: returns (levels int32, scale f32, zero point int32 or None).

    Dynamic when `scale` is None (scale and zero point computed per granule),
    static otherwise (the given scale and zero point are returned).
    """
    x = torch.as_tensor(x).to(F32)
    asym = scheme.mode == "asymmetric"
    if asym and qtype.kind != "int":
        raise ValueError("asymmetric quantization needs int levels")
    if scale is not None:
        return _quantize_static(x, qtype, scheme, scale, zero_point)
    if qtype.kind == "binary":
        def fn(a):
            return torch.where(a >= 0, 1, -1).to(torch.int32), lane_mean(a.abs()), None
        return _by_granule(x, scheme, fn)
    if qtype.kind == "ternary":
        threshold = scheme.threshold or DEFAULT_THRESHOLD

        def fn(a):
            t, mask = _ternary_levels(a, ternary_delta(a, threshold))
            total = lane_sum(torch.where(mask, a.abs(), 0.0))
            count = mask.sum(dim=1).to(F32)
            alpha = torch.where(count > 0, total / count, 1.0)
            return t, alpha, None
        return _by_granule(x, scheme, fn)
    qmin, qmax = qtype.qmin, qtype.qmax
    if not asym:
        if qmax <= 0:
            raise ValueError(f"symmetric quantization is not defined for {qtype.mlir}")

        def fn(a):
            s = a.abs().amax(dim=1) / torch.tensor(float(qmax), dtype=F32)
            s = torch.where(s == 0, 1.0, s)
            q = _clamp(torch.round(a / s[:, None]), qmin, qmax)
            return q.to(torch.int32), s, None
        return _by_granule(x, scheme, fn)

    def fn(a):
        lo, hi = a.amin(dim=1), a.amax(dim=1)
        s = (hi - lo) / torch.tensor(float(qmax - qmin), dtype=F32)
        s = torch.where(s == 0, 1.0, s)
        zf = _clamp(torch.tensor(float(qmin), dtype=F32) - torch.round(lo / s), -2.0 ** 30, 2.0 ** 30)
        q = _clamp(torch.round(a / s[:, None]) + zf[:, None], qmin, qmax)
        return q.to(torch.int32), s, zf.to(torch.int32)
    return _by_granule(x, scheme, fn)


def _quantize_static(x, qtype, scheme, scale, zero_point):
    scale = torch.as_tensor(scale).to(F32)
    if qtype.kind == "binary":
        return torch.where(x >= 0, 1, -1).to(torch.int32), scale, None
    s = _expand(scale, x.shape, scheme)
    if qtype.kind == "ternary":
        if scheme.threshold is None:
            return _clamp(torch.round(x / s), -1, 1).to(torch.int32), scale, None

        def fn(a):
            return _ternary_levels(a, ternary_delta(a, scheme.threshold))[0], a[:, 0], None
        return _by_granule(x, scheme, fn)[0], scale, None
    zf = torch.zeros((), dtype=F32)
    if zero_point is not None:
        zero_point = torch.as_tensor(zero_point).to(torch.int32)
        zf = _expand(zero_point, x.shape, scheme).to(F32)
    q = _clamp(torch.round(x / s) + zf, qtype.qmin, qtype.qmax)
    return q.to(torch.int32), scale, zero_point


def dequantize(q: torch.Tensor, scale: torch.Tensor, zero_point=None,
               scheme: Scheme = Scheme()) -> torch.Tensor:
    """`bwta.dequantize`: f32(q − zp) · s with each element's granule parameters."""
    q = torch.as_tensor(q).to(torch.int32)
    d = q if zero_point is None else q - _expand(torch.as_tensor(zero_point).to(torch.int32),
                                                 q.shape, scheme)
    return d.to(F32) * _expand(torch.as_tensor(scale).to(F32), q.shape, scheme)
