#!/usr/bin/env python3
"""Generate the self-checking end-to-end tests of the bwta CPU reference.

Every expected value in the generated `.mlir` files is computed here, with
numpy, straight from docs/Semantics.md -- never by running bwta.  The
arithmetic replicates the contract literally: IEEE f32, the exact operation
order of the page, granule sums in its 256-lane tree order, roundeven
as np.rint, clamp in f32 before the integer conversion, int32 wrapping
accumulation.

    python3 test/e2e/gen_cases.py          # (re)writes test/e2e/*.mlir, Inputs/
    python3 test/e2e/gen_cases.py --check  # fails if a committed file differs

Seeds: each case seeds its own numpy Generator with crc32(case name), so a case
does not change when others are added, removed or reordered.  See README.md.
"""
import io
import json
import textwrap
import os
import struct
import sys
import zlib

import numpy as np

F32 = np.float32
HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "Inputs")

RUN_LINE = ("// RUN: bwta-opt %s -bwta-cpu-reference | mlir-runner -e main "
            "-entry-point-result=void "
            "-shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s")


def run_line_with_weights(fname):
    return ('// RUN: bwta-opt %s --bwta-cpu-reference="weights=%S/Inputs/' + fname +
            '" | mlir-runner -e main -entry-point-result=void '
            "-shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s")


# =============================================================================
# Number formatting: every literal must parse back to exactly the same value.
# =============================================================================

def _bits32(v):
    return int(np.array([v], F32).view(np.uint32)[0])


def fmt_f32(v):
    v = F32(v)
    if np.isnan(v):
        return "0x%08X" % _bits32(v)
    if np.isinf(v):
        return "0x7F800000" if v > 0 else "0xFF800000"
    a = abs(float(v))
    if a == 0.0 or 1e-4 <= a < 1e7:
        s = np.format_float_positional(v, unique=True, trim=".")
    else:
        s = np.format_float_scientific(v, unique=True, trim=".")
    # MLIR reads the literal as a double, then rounds to f32: same as here.
    assert _bits32(F32(float(s))) == _bits32(v), (s, v)
    return s


def fmt_f16(v):
    v = np.float16(v)
    assert np.isfinite(v)
    a = abs(float(v))
    if a == 0.0 or 1e-4 <= a < 1e7:
        s = np.format_float_positional(v, unique=True, trim=".")
    else:
        s = np.format_float_scientific(v, unique=True, trim=".")
    back = np.float16(float(s))
    assert back.view(np.uint16) == v.view(np.uint16), (s, v)
    return s


def fmt_elem(v, elem):
    if elem == "f32":
        return fmt_f32(v)
    if elem == "f16":
        return fmt_f16(v)
    if elem == "i1":
        return "1" if v else "0"
    return str(int(v))


def dense(arr, elem):
    """`dense<...>` body for a numpy array (nested lists, one row per line)."""
    arr = np.asarray(arr)
    flat = arr.reshape(-1)
    if elem in ("f32", "f16"):
        keys = [fmt_elem(v, elem) for v in flat]
    else:
        keys = [fmt_elem(v, elem) for v in flat]
    if arr.ndim == 0:
        return "dense<%s>" % keys[0]
    if len(set(keys)) == 1 and flat.size > 1:
        return "dense<%s>" % keys[0]
    shape = arr.shape

    def rec(off, dim, indent):
        if dim == len(shape) - 1:
            return "[" + ",".join(keys[off:off + shape[dim]]) + "]"
        stride = int(np.prod(shape[dim + 1:]))
        parts = [rec(off + i * stride, dim + 1, indent + 1) for i in range(shape[dim])]
        return "[" + (",\n" + " " * (indent + 1)).join(parts) + "]"

    return "dense<" + rec(0, 0, 10) + ">"


def ttype(shape, elem, enc=None):
    dims = "".join("%dx" % d for d in shape)
    if enc:
        return "tensor<%s%s, %s>" % (dims, elem, enc)
    return "tensor<%s%s>" % (dims, elem)


# =============================================================================
# Element types
# =============================================================================

class QT:
    def __init__(self, kind, bits=None, sign="signed"):
        self.kind, self.bits, self.sign = kind, bits, sign
        if kind == "binary":
            self.mlir, self.qmin, self.qmax, self.planes = "!bwta.binary", -1, 1, 1
        elif kind == "ternary":
            self.mlir, self.qmin, self.qmax, self.planes = "!bwta.ternary", -1, 1, 2
        elif sign == "signed":
            self.mlir = "!bwta.int<%d>" % bits
            self.qmin, self.qmax, self.planes = -2 ** (bits - 1), 2 ** (bits - 1) - 1, bits
        elif sign == "unsigned":
            self.mlir = "!bwta.int<%d, unsigned>" % bits
            self.qmin, self.qmax, self.planes = 0, 2 ** bits - 1, bits
        else:
            self.mlir = "!bwta.int<%d, balanced>" % bits
            self.qmin, self.qmax, self.planes = -2 ** (bits - 1), 2 ** (bits - 1), bits + 1

    @property
    def is_int(self):
        return self.kind == "int"

    def levels(self):
        if self.kind == "binary":
            return np.array([-1, 1])
        return np.arange(self.qmin, self.qmax + 1)

    def __repr__(self):
        return self.mlir


BINARY = QT("binary")
TERNARY = QT("ternary")


def INT(bits, sign="signed"):
    return QT("int", bits, sign)


# =============================================================================
# The reference semantics (docs/Semantics.md), in numpy
# =============================================================================

def wrap32(a):
    a = np.asarray(a, dtype=np.int64) & 0xFFFFFFFF
    return np.where(a >= 2 ** 31, a - 2 ** 32, a).astype(np.int64)


LANES = 256


def seq_sum(A):
    """Row sums of a 2-D f32 array, k ascending, starting from 0.0f (the old
    contract; kept to show that the lane-tree order matters)."""
    A = np.asarray(A, F32)
    acc = np.zeros(A.shape[0], F32)
    for j in range(A.shape[1]):
        acc = (acc + A[:, j]).astype(F32)
    return acc


def tree_sum(A):
    """Row sums of a 2-D f32 array in the granule order of Semantics.md:
    lane l sums A[:, l], A[:, l + 256], ... sequentially from 0.0f (a lane
    without values stays 0.0f), then p_l = p_l + p_{l+s} for s = 128 .. 1."""
    A = np.asarray(A, F32)
    p = np.zeros((A.shape[0], LANES), F32)
    for j in range(0, A.shape[1], LANES):
        chunk = A[:, j:j + LANES]
        p[:, :chunk.shape[1]] = (p[:, :chunk.shape[1]] + chunk).astype(F32)
    s = LANES // 2
    while s >= 1:
        p[:, :s] = (p[:, :s] + p[:, s:2 * s]).astype(F32)
        s //= 2
    return p[:, 0].copy()


def clampf(v, lo, hi):
    return np.minimum(np.maximum(v, F32(lo)), F32(hi)).astype(F32)


def num_groups(K, G):
    return -(-K // G)


def group_bounds(K, G):
    if G is None:
        return [(0, K)]
    return [(g * G, min((g + 1) * G, K)) for g in range(num_groups(K, G))]


def param_shape(shape, gran, G=None):
    if gran == "per_tensor":
        return ()
    if gran in ("per_token", "per_channel"):
        return tuple(shape[:-1])
    return tuple(shape[:-1]) + (num_groups(shape[-1], G),)


def expand_param(p, shape, G=None):
    """Value of a per tensor / per row / per group parameter at every element."""
    p = np.asarray(p)
    K = shape[-1]
    if p.ndim == 0:
        return np.broadcast_to(p, shape).copy()
    if p.shape == tuple(shape[:-1]):
        return np.broadcast_to(p[..., None], shape).copy()
    assert G is not None and p.shape == tuple(shape[:-1]) + (num_groups(K, G),), (p.shape, shape)
    return p[..., np.arange(K) // G].copy()


def by_granule(x, gran, G, fn):
    """Apply fn(A[n, L]) -> (Q[n, L], s[n], z[n]) to every granule of x."""
    shape = x.shape
    K = shape[-1]
    X = x.reshape(-1, K)
    R = X.shape[0]
    if gran == "per_tensor":
        Q, s, z = fn(X.reshape(1, -1))
        return Q.reshape(shape), np.array(s[0], F32), np.array(z[0], np.int64)
    if gran in ("per_token", "per_channel"):
        Q, s, z = fn(X)
        return Q.reshape(shape), s.reshape(shape[:-1]), z.reshape(shape[:-1])
    assert gran == "per_group"
    bounds = group_bounds(K, G)
    Q = np.zeros((R, K), np.int64)
    S = np.zeros((R, len(bounds)), F32)
    Z = np.zeros((R, len(bounds)), np.int64)
    for g, (a, b) in enumerate(bounds):
        Q[:, a:b], S[:, g], Z[:, g] = fn(X[:, a:b])
    ps = tuple(shape[:-1]) + (len(bounds),)
    return Q.reshape(shape), S.reshape(ps), Z.reshape(ps)


def ternary_delta(A, threshold):
    policy, factor = threshold
    absA = np.abs(A).astype(F32)
    f = F32(factor)
    if policy == "fixed":
        return np.full(A.shape[0], f, F32)
    if policy == "mean_abs":
        mean = (tree_sum(absA) / F32(A.shape[1])).astype(F32)
        return (f * mean).astype(F32)
    assert policy == "max_abs"
    return (f * np.max(absA, axis=1)).astype(F32)


def ref_quantize(x, qt, gran, G=None, mode="symmetric", threshold=None,
                 scale=None, zp=None):
    """Returns (levels int64, scale f32, zero point int64) per Semantics.md.

    For static quantization (scale given) the returned scale/zp are the inputs.
    """
    x = np.asarray(x, F32)
    qmin, qmax = qt.qmin, qt.qmax
    zeros = lambda A: np.zeros(A.shape[0], np.int64)

    if scale is not None:  # ---------------- static ----------------
        s = expand_param(np.asarray(scale, F32), x.shape, G).astype(F32)
        if qt.kind == "binary":
            return np.where(x >= 0, 1, -1).astype(np.int64), scale, None
        if qt.kind == "ternary":
            if threshold is None:
                t = clampf(np.rint((x / s).astype(F32)), -1, 1)
                return t.astype(np.int64), scale, None

            def fn(A):
                d = ternary_delta(A, threshold)
                absA = np.abs(A).astype(F32)
                t = np.sign(A) * (absA > d[:, None])
                return t.astype(np.int64), np.zeros(A.shape[0], F32), zeros(A)
            q, _, _ = by_granule(x, gran, G, fn)
            return q, scale, None
        zf = F32(0) if zp is None else expand_param(np.asarray(zp), x.shape, G).astype(F32)
        q = clampf((np.rint((x / s).astype(F32)) + zf).astype(F32), qmin, qmax)
        return q.astype(np.int64), scale, zp

    # ---------------- dynamic ----------------
    if qt.kind == "binary":
        def fn(A):
            absA = np.abs(A).astype(F32)
            alpha = (tree_sum(absA) / F32(A.shape[1])).astype(F32)
            return np.where(A >= 0, 1, -1).astype(np.int64), alpha, zeros(A)
        q, s, _ = by_granule(x, gran, G, fn)
        return q, s, None

    if qt.kind == "ternary":
        thr = threshold if threshold is not None else ("mean_abs", 0.7)

        def fn(A):
            d = ternary_delta(A, thr)
            absA = np.abs(A).astype(F32)
            mask = absA > d[:, None]
            t = (np.sign(A) * mask).astype(np.int64)
            cnt = mask.sum(axis=1)
            ssum = tree_sum(np.where(mask, absA, F32(0)).astype(F32))
            with np.errstate(invalid="ignore", divide="ignore"):
                alpha = np.where(cnt > 0, (ssum / cnt.astype(F32)).astype(F32), F32(1)).astype(F32)
            return t, alpha, zeros(A)
        q, s, _ = by_granule(x, gran, G, fn)
        return q, s, None

    if mode == "symmetric":
        assert qmax > 0

        def fn(A):
            amax = np.max(np.abs(A), axis=1).astype(F32)
            s = (amax / F32(qmax)).astype(F32)
            s = np.where(s == 0, F32(1), s).astype(F32)
            q = clampf(np.rint((A / s[:, None]).astype(F32)), qmin, qmax)
            return q.astype(np.int64), s, zeros(A)
        q, s, _ = by_granule(x, gran, G, fn)
        return q, s, None

    def fn(A):
        lo = np.min(A, axis=1).astype(F32)
        hi = np.max(A, axis=1).astype(F32)
        s = ((hi - lo).astype(F32) / F32(qmax - qmin)).astype(F32)
        s = np.where(s == 0, F32(1), s).astype(F32)
        zf = (F32(qmin) - np.rint((lo / s).astype(F32))).astype(F32)
        zf = clampf(zf, -2.0 ** 30, 2.0 ** 30)
        q = clampf((np.rint((A / s[:, None]).astype(F32)) + zf[:, None]).astype(F32), qmin, qmax)
        return q.astype(np.int64), s, zf.astype(np.int64)
    return by_granule(x, gran, G, fn)


def ref_dequantize(q, s, zp=None, G=None):
    shape = q.shape
    S = expand_param(np.asarray(s, F32), shape, G).astype(F32)
    Z = 0 if zp is None else expand_param(np.asarray(zp, np.int64), shape, G)
    d = wrap32(np.asarray(q, np.int64) - Z).astype(F32)
    return (d * S).astype(F32)


def _param_for_group(p, q_ndim, g):
    """[.., rows] (per row) or [.., rows, G] (per group) or [] -> [.., rows]."""
    p = np.asarray(p)
    if p.ndim == 0:
        return p
    if p.ndim == q_ndim:  # per group
        return p[..., g]
    return p


def ref_qmatmul(ql, qr, sl, sr, zl=None, zr=None, bias=None, G=None, out="f32"):
    ql = np.asarray(ql, np.int64)
    qr = np.asarray(qr, np.int64)
    K = ql.shape[-1]
    nd = ql.ndim
    y = np.zeros(ql.shape[:-1] + (qr.shape[-2],), F32)
    for g, (a, b) in enumerate(group_bounds(K, G)):
        L = ql[..., a:b]
        R = qr[..., a:b]
        if zl is not None:
            L = wrap32(L - np.asarray(_param_for_group(zl, nd, g), np.int64)[..., None])
        if zr is not None:
            R = wrap32(R - np.asarray(_param_for_group(zr, nd, g), np.int64)[..., None])
        prod = wrap32(L[..., :, None, :] * R[..., None, :, :])  # int32 products
        acc = wrap32(prod.sum(axis=-1))                        # int32 wrapping sum
        slg = np.asarray(_param_for_group(sl, nd, g), F32)
        srg = np.asarray(_param_for_group(sr, nd, g), F32)
        if slg.ndim:
            slg = slg[..., :, None]
        if srg.ndim:
            srg = srg[..., None, :]
        term = ((acc.astype(F32) * slg).astype(F32) * srg).astype(F32)
        y = (y + term).astype(F32)
    if bias is not None:
        y = (y + np.asarray(bias, F32)).astype(F32)
    if out == "f16":
        return y.astype(np.float16)
    return y


def ref_split(q, qt):
    q = np.asarray(q, np.int64)
    if qt.kind == "binary":
        return (q == 1)[None].astype(np.int64)
    if qt.kind == "ternary":
        return np.stack([q == 1, q == -1]).astype(np.int64)
    P = qt.planes
    u = q % (2 ** P)
    return np.stack([(u >> i) & 1 for i in range(P)]).astype(np.int64)


def ref_combine(bits, qt):
    b = np.asarray(bits, np.int64)
    if qt.kind == "binary":
        v = 2 * b[0] - 1
    elif qt.kind == "ternary":
        v = b[0] - b[1]
    else:
        P = qt.planes
        if qt.sign == "unsigned":
            v = sum((1 << i) * b[i] for i in range(P))
        else:
            v = sum((1 << i) * b[i] for i in range(P - 1)) - (1 << (P - 1)) * b[P - 1]
    return np.clip(v, qt.qmin, qt.qmax)


def ref_plane_matmul(lhs, rhs):
    lhs = np.asarray(lhs, np.int64)
    rhs = np.asarray(rhs, np.int64)
    if lhs.ndim == 3:
        return np.einsum("imk,jnk->ijmn", lhs, rhs)
    return np.einsum("ibmk,jbnk->ijbmn", lhs, rhs)


# =============================================================================
# MLIR emission
# =============================================================================

def scheme_str(gran, G=None, mode="symmetric", threshold=None):
    parts = ["granularity = %s" % gran]
    if G is not None:
        parts.append("group_size = %d" % G)
    if mode != "symmetric":
        parts.append("mode = %s" % mode)
    if threshold is not None:
        parts.append("threshold = #bwta.threshold<%s, %s>" % (threshold[0], threshold[1]))
    return "#bwta.scheme<" + ", ".join(parts) + ">"


def packed_str(planes, word=32, order="lsb_first", tr=1, tw=1):
    parts = ["planes = %d" % planes]
    if word != 32:
        parts.append("word = %d" % word)
    if order != "lsb_first":
        parts.append("k_order = %s" % order)
    if tr != 1:
        parts.append("tile_rows = %d" % tr)
    if tw != 1:
        parts.append("tile_words = %d" % tw)
    return "#bwta.packed<" + ", ".join(parts) + ">"


def id_map(rank):
    d = ", ".join("d%d" % i for i in range(rank))
    return "affine_map<(%s) -> (%s)>" % (d, d)


def scalar_map(rank):
    d = ", ".join("d%d" % i for i in range(rank))
    return "affine_map<(%s) -> ()>" % d


class V:
    """An SSA tensor value with its shape and element type string."""

    def __init__(self, name, shape, elem, enc=None):
        self.name, self.shape, self.elem, self.enc = name, tuple(shape), elem, enc

    @property
    def type(self):
        return ttype(self.shape, self.elem, self.enc)

    def __str__(self):
        return self.name


class Case:
    def __init__(self, name, title, about, run=RUN_LINE):
        self.name, self.title, self.about, self.run = name, title, about, run
        self.body = []
        self.counter = 0
        self.tags = 0
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self._one = None
        self.funcs = {}

    # ---- plumbing ---------------------------------------------------------
    def fresh(self, base):
        self.counter += 1
        return "%%%s%d" % (base, self.counter)

    def emit(self, line):
        self.body.append("  " + line)

    def note(self, text):
        self.body.append("")
        for line in text.split("\n"):
            self.body.append("  // " + line)

    def const(self, arr, elem, base="c"):
        arr = np.asarray(arr)
        v = V(self.fresh(base), arr.shape, elem)
        self.emit("%s = arith.constant %s : %s" % (v, dense(arr, elem), v.type))
        return v

    def one(self):
        if self._one is None:
            self._one = self.const(np.array(1.0, F32), "f32", "one")
        return self._one

    # ---- bwta ops -----------------------------------------------------------
    def quantize(self, x, qt, gran, G=None, mode="symmetric", threshold=None,
                 scale=None, zp=None):
        scheme = scheme_str(gran, G, mode, threshold)
        q = V(self.fresh("q"), x.shape, qt.mlir)
        ps = param_shape(x.shape, gran, G)
        if scale is not None:
            ops = "%s scale(%s : %s)" % (x, scale, scale.type)
            if zp is not None:
                ops += " zero_point(%s : %s)" % (zp, zp.type)
            self.emit("%s = bwta.quantize %s {scheme = %s} : %s -> %s"
                      % (q, ops, scheme, x.type, q.type))
            return q
        s = V(self.fresh("s"), ps, "f32")
        if mode == "asymmetric":
            z = V(self.fresh("z"), ps, "i32")
            self.emit("%s, %s, %s = bwta.quantize %s {scheme = %s} : %s -> %s, %s, %s"
                      % (q, s, z, x, scheme, x.type, q.type, s.type, z.type))
            return q, s, z
        self.emit("%s, %s = bwta.quantize %s {scheme = %s} : %s -> %s, %s"
                  % (q, s, x, scheme, x.type, q.type, s.type))
        return q, s

    def levels_input(self, levels, qt):
        """A quantized tensor holding exactly `levels`: static per-tensor
        quantization with scale 1 of f32 constants equal to the levels."""
        c = self.const(np.asarray(levels, F32), "f32", "lv")
        return self.static_levels(c, qt)

    def static_levels(self, c, qt):
        if qt.qmax <= 0:
            # !bwta.int<1> (levels {-1, 0}): symmetric quantization is rejected
            # by the verifier; asymmetric static with zero point 0 is the same.
            return self.quantize(c, qt, "per_tensor", mode="asymmetric", scale=self.one(),
                                 zp=self.zero_zp())
        return self.quantize(c, qt, "per_tensor", scale=self.one())

    def zero_zp(self):
        if getattr(self, "_zero_zp", None) is None:
            self._zero_zp = self.const(np.array(0, np.int64), "i32", "zp0_")
        return self._zero_zp

    def levels_hashed(self, shape, qt):
        """Like levels_input, with pseudo-random levels computed in-IR
        (hashed(), exact integers) instead of a literal. Returns (V, levels)."""
        seed = int(self.rng.integers(0, 2 ** 31))
        if qt.kind == "binary":
            f, v = self.hashed(shape, seed, 2, -1, 1.0)
            lv = np.where(v >= 0, 1, -1)
        else:
            f, v = self.hashed(shape, seed, qt.qmax - qt.qmin + 1, qt.qmin, 1.0)
            lv = v.astype(np.int64)
        return self.static_levels(f, qt), lv

    def dequantize(self, q, s, zp=None, G=None, out="f32"):
        y = V(self.fresh("dq"), q.shape, out)
        ops = "%s, %s" % (q, s)
        if zp is not None:
            ops += " zero_point(%s : %s)" % (zp, zp.type)
        attr = " {group_size = %d : i64}" % G if G is not None else ""
        self.emit("%s = bwta.dequantize %s%s : %s, %s -> %s" % (y, ops, attr, q.type, s.type, y.type))
        return y

    def as_levels(self, q):
        return self.dequantize(q, self.one())

    def qmatmul(self, ql, qr, sl, sr, zl=None, zr=None, bias=None, G=None, out="f32"):
        batch = len(ql.shape) == 3
        op = "bwta.batch_qmatmul" if batch else "bwta.qmatmul"
        y = V(self.fresh("y"), ql.shape[:-1] + (qr.shape[-2],), out)
        text = "%s = %s %s, %s scales(%s, %s)" % (y, op, ql, qr, sl, sr)
        operands = [ql, qr, sl, sr]
        if zl is not None:
            text += " lhs_zero_point(%s)" % zl
            operands.append(zl)
        if zr is not None:
            text += " rhs_zero_point(%s)" % zr
            operands.append(zr)
        if bias is not None:
            text += " bias(%s)" % bias
            operands.append(bias)
        if G is not None:
            text += " {group_size = %d : i64}" % G
        text += " : (%s) -> %s" % (", ".join(o.type for o in operands), y.type)
        self.emit(text)
        return y

    def split(self, q, qt):
        p = V(self.fresh("pl"), (qt.planes,) + q.shape, "i1")
        self.emit("%s = bwta.split_planes %s : %s -> %s" % (p, q, q.type, p.type))
        return p

    def combine(self, p, qt):
        q = V(self.fresh("q"), p.shape[1:], qt.mlir)
        self.emit("%s = bwta.combine_planes %s : %s -> %s" % (q, p, p.type, q.type))
        return q

    def pack(self, v, enc):
        r = V(self.fresh("pk"), v.shape, v.elem, enc)
        self.emit("%s = bwta.pack %s : %s -> %s" % (r, v, v.type, r.type))
        return r

    def unpack(self, v):
        r = V(self.fresh("up"), v.shape, v.elem)
        self.emit("%s = bwta.unpack %s : %s -> %s" % (r, v, v.type, r.type))
        return r

    def plane_matmul(self, l, r):
        if len(l.shape) == 3:
            shape = (l.shape[0], r.shape[0], l.shape[1], r.shape[1])
        else:
            shape = (l.shape[0], r.shape[0], l.shape[1], l.shape[2], r.shape[2])
        y = V(self.fresh("pm"), shape, "i32")
        self.emit("%s = bwta.plane_matmul %s, %s : %s, %s -> %s" % (y, l, r, l.type, r.type, y.type))
        return y

    def weight(self, name, shape, elem):
        v = V(self.fresh("w"), shape, elem)
        self.emit('%s = bwta.weight "%s" : %s' % (v, name, v.type))
        return v

    # ---- upstream helpers ----------------------------------------------------
    def bits_from_words(self, bits):
        """An i1 tensor [..., K] from a compact i32 constant [..., ceil(K/32)]
        (bit k of a row is bit k%32 of word k/32), expanded by a linalg.generic
        of upstream ops only (no bwta op involved)."""
        bits = np.asarray(bits, np.int64)
        K = bits.shape[-1]
        KW = -(-K // 32)
        padded = np.zeros(bits.shape[:-1] + (KW * 32,), np.int64)
        padded[..., :K] = bits
        words = np.zeros(bits.shape[:-1] + (KW,), np.int64)
        for i in range(32):
            words |= padded[..., i::32] << i
        words = np.where(words >= 2 ** 31, words - 2 ** 32, words)
        w = self.const(words, "i32", "words")
        rank = bits.ndim
        out = V(self.fresh("bits"), bits.shape, "i1")
        e = self.fresh("e")
        self.emit("%s = tensor.empty() : %s" % (e, out.type))
        d = ", ".join("d%d" % i for i in range(rank))
        din = ", ".join(["d%d" % i for i in range(rank - 1)] + ["d%d floordiv 32" % (rank - 1)])
        a, o = self.fresh("a"), self.fresh("o")
        k, k32, kc, sh, one, bit, tb = (self.fresh(n) for n in ("k", "kk", "kc", "sh", "c1_", "bt", "tb"))
        self.emit("%s = linalg.generic {indexing_maps = [affine_map<(%s) -> (%s)>, %s], "
                  "iterator_types = [%s]} ins(%s : %s) outs(%s : %s) {"
                  % (out, d, din, id_map(rank), ", ".join(['"parallel"'] * rank), w, w.type, e, out.type))
        self.emit("^bb0(%s: i32, %s: i1):" % (a, o))
        self.emit("  %s = linalg.index %d : index" % (k, rank - 1))
        self.emit("  %s = arith.index_cast %s : index to i32" % (k32, k))
        self.emit("  %s = arith.constant 31 : i32" % kc)
        self.emit("  %s = arith.andi %s, %s : i32" % (sh, k32, kc))
        self.emit("  %s = arith.shrui %s, %s : i32" % (bit, a, sh))
        self.emit("  %s = arith.trunci %s : i32 to i1" % (tb, bit))
        self.emit("  linalg.yield %s : i1" % tb)
        self.emit("} -> %s" % out.type)
        return out

    def hashed(self, shape, seed, modulus, offset, scale):
        """A pseudo-random f32 tensor computed in-IR by upstream ops (a 32-bit
        integer hash of the linear index): value = f32(h % modulus + offset) *
        f32(scale), one correctly rounded f32 multiply (a non-power-of-two
        scale gives full mantissas, so that sums are order-sensitive). Keeps
        the large cases small on disk. Returns (V, the same values in numpy)."""
        shape = tuple(shape)
        n = int(np.prod(shape))
        mask = 0xFFFFFFFF
        A, Bm = 0x9E3779B1, 0x85EBCA77
        i = np.arange(n, dtype=np.uint64)
        h = (i * A + seed) & mask
        h ^= h >> 15
        h = (h * Bm) & mask
        h ^= h >> 13
        vals = ((h % modulus).astype(np.int64) + offset).astype(F32) * F32(scale)
        vals = vals.astype(F32).reshape(shape)
        out = V(self.fresh("hx"), shape, "f32")
        rank = len(shape)
        e = self.fresh("e")
        self.emit("%s = tensor.empty() : %s" % (e, out.type))
        o = self.fresh("o")
        self.emit("%s = linalg.generic {indexing_maps = [%s], iterator_types = [%s]} outs(%s : %s) {"
                  % (out, id_map(rank), ", ".join(['"parallel"'] * rank), e, out.type))
        self.emit("^bb0(%s: f32):" % o)
        lin = None
        for d in range(rank):
            ix = self.fresh("ix")
            self.emit("  %s = linalg.index %d : index" % (ix, d))
            if lin is None:
                lin = ix
            else:
                cd, m, a = self.fresh("cd"), self.fresh("lm"), self.fresh("la")
                self.emit("  %s = arith.constant %d : index" % (cd, shape[d]))
                self.emit("  %s = arith.muli %s, %s : index" % (m, lin, cd))
                self.emit("  %s = arith.addi %s, %s : index" % (a, m, ix))
                lin = a

        def i32(v):
            v &= mask
            return v - (1 << 32) if v >= 1 << 31 else v
        names = {}
        for key, val in (("A", A), ("S", seed), ("B", Bm), ("s15", 15), ("s13", 13),
                         ("M", modulus), ("O", offset)):
            names[key] = self.fresh("k")
            self.emit("  %s = arith.constant %d : i32" % (names[key], i32(val)))
        sc = self.fresh("ks")
        self.emit("  %s = arith.constant %s : f32" % (sc, fmt_f32(scale)))
        l32, h0, h1, t1, h2, h3, t2, h4, m, v, f, r = (self.fresh(x) for x in (
            "l", "h", "h", "t", "h", "h", "t", "h", "m", "v", "f", "r"))
        self.emit("  %s = arith.index_cast %s : index to i32" % (l32, lin))
        self.emit("  %s = arith.muli %s, %s : i32" % (h0, l32, names["A"]))
        self.emit("  %s = arith.addi %s, %s : i32" % (h1, h0, names["S"]))
        self.emit("  %s = arith.shrui %s, %s : i32" % (t1, h1, names["s15"]))
        self.emit("  %s = arith.xori %s, %s : i32" % (h2, h1, t1))
        self.emit("  %s = arith.muli %s, %s : i32" % (h3, h2, names["B"]))
        self.emit("  %s = arith.shrui %s, %s : i32" % (t2, h3, names["s13"]))
        self.emit("  %s = arith.xori %s, %s : i32" % (h4, h3, t2))
        self.emit("  %s = arith.remui %s, %s : i32" % (m, h4, names["M"]))
        self.emit("  %s = arith.addi %s, %s : i32" % (v, m, names["O"]))
        self.emit("  %s = arith.sitofp %s : i32 to f32" % (f, v))
        self.emit("  %s = arith.mulf %s, %s : f32" % (r, f, sc))
        self.emit("  linalg.yield %s : f32" % r)
        self.emit("} -> %s" % out.type)
        return out, vals

    def _print_tuple(self, tag, a, b, n):
        for i, val in enumerate((tag, a, b, n)):
            if i:
                self.emit("func.call @printComma() : () -> ()")
            else:
                self.emit("func.call @printOpen() : () -> ()")
            self.emit("func.call @printI64(%s) : (i64) -> ()" % val)
        self.emit("func.call @printClose() : () -> ()")
        self.emit("func.call @printNewline() : () -> ()")

    def check(self, got, want, label):
        """Compare `got` with `want` (numpy array -> dense constant, or a V):
        a call to an outlined @check_<type> function printing
        `( tag, bad_tol, bad_exact, n )`."""
        self.tags += 1
        tag = self.tags
        if not isinstance(want, V):
            want = np.asarray(want)
            assert tuple(want.shape) == tuple(got.shape), (label, want.shape, got.shape)
            want = self.const(want, got.elem, "want")
        assert want.shape == got.shape and want.elem == got.elem, (label, want.type, got.type)
        n = int(np.prod(got.shape)) if got.shape else 1
        fname = self.check_func(got.shape, got.elem)
        self.body.append("")
        self.body.append("  // check %d: %s" % (tag, label))
        self.body.append("  // CHECK: ( %d, 0, 0, %d )" % (tag, n))
        tg = self.fresh("tag")
        self.emit("%s = arith.constant %d : i64" % (tg, tag))
        self.emit("func.call @%s(%s, %s, %s) : (%s, %s, i64) -> ()"
                  % (fname, got, want, tg, got.type, want.type))

    def check_func(self, shape, elem):
        shape = tuple(shape)
        fname = "check_%s_%s" % (elem, "x".join(map(str, shape)) if shape else "scalar")
        if fname in self.funcs:
            return fname
        saved, self.body = self.body, []
        rank = len(shape)
        n = int(np.prod(shape)) if shape else 1
        tt = ttype(shape, elem)

        def body(g, w):
            lines = []
            t = self.fresh("true")
            lines.append("%s = arith.constant true" % t)
            if elem in ("f32", "f16", "bf16"):
                # exact = the same bits (distinguishes -0 from +0)
                ib = "i32" if elem == "f32" else "i16"
                gb, wb = self.fresh("gb"), self.fresh("wb")
                lines.append("%s = arith.bitcast %s : %s to %s" % (gb, g, elem, ib))
                lines.append("%s = arith.bitcast %s : %s to %s" % (wb, w, elem, ib))
                if elem != "f32":
                    g2, w2 = self.fresh("gx"), self.fresh("wx")
                    lines.append("%s = arith.extf %s : %s to f32" % (g2, g, elem))
                    lines.append("%s = arith.extf %s : %s to f32" % (w2, w, elem))
                    g, w = g2, w2
                one, eps = self.fresh("f1_"), self.fresh("eps")
                nw, aw, m, tol, d1, d2, o1, o2, ok, ex = (self.fresh(s) for s in (
                    "nw", "aw", "mx", "tol", "d", "d", "ok", "ok", "ok", "ex"))
                lines += [
                    "%s = arith.constant 1.0 : f32" % one,
                    "%s = arith.constant 1.0e-05 : f32" % eps,
                    "%s = arith.negf %s : f32" % (nw, w),
                    "%s = arith.maximumf %s, %s : f32" % (aw, w, nw),
                    "%s = arith.maximumf %s, %s : f32" % (m, aw, one),
                    "%s = arith.mulf %s, %s : f32" % (tol, m, eps),
                    "%s = arith.subf %s, %s : f32" % (d1, g, w),
                    "%s = arith.subf %s, %s : f32" % (d2, w, g),
                    "%s = arith.cmpf ole, %s, %s : f32" % (o1, d1, tol),
                    "%s = arith.cmpf ole, %s, %s : f32" % (o2, d2, tol),
                    "%s = arith.andi %s, %s : i1" % (ok, o1, o2),
                    "%s = arith.cmpi eq, %s, %s : %s" % (ex, gb, wb, ib),
                ]
            else:
                ok = self.fresh("eq")
                lines.append("%s = arith.cmpi eq, %s, %s : %s" % (ok, g, w, elem))
                ex = ok
            b1, b2, i1, i2 = (self.fresh(s) for s in ("bad", "bad", "bi", "bi"))
            lines += [
                "%s = arith.xori %s, %s : i1" % (b1, ok, t),
                "%s = arith.xori %s, %s : i1" % (b2, ex, t),
                "%s = arith.extui %s : i1 to i64" % (i1, b1),
                "%s = arith.extui %s : i1 to i64" % (i2, b2),
            ]
            return lines, i1, i2

        if rank == 0:
            g, w = self.fresh("g"), self.fresh("w")
            self.emit("%s = tensor.extract %%got[] : %s" % (g, tt))
            self.emit("%s = tensor.extract %%want[] : %s" % (w, tt))
            lines, i1, i2 = body(g, w)
            for line in lines:
                self.emit(line)
            ra, rb = i1, i2
        else:
            c0, e, init = self.fresh("zero"), self.fresh("e"), self.fresh("init")
            self.emit("%s = arith.constant 0 : i64" % c0)
            self.emit("%s = tensor.empty() : tensor<i64>" % e)
            self.emit("%s = linalg.fill ins(%s : i64) outs(%s : tensor<i64>) -> tensor<i64>" % (init, c0, e))
            r = self.fresh("r")
            g, w, a, b = self.fresh("g"), self.fresh("w"), self.fresh("a"), self.fresh("b")
            self.emit("%s:2 = linalg.generic {indexing_maps = [%s, %s, %s, %s], iterator_types = [%s]}"
                      % (r, id_map(rank), id_map(rank), scalar_map(rank), scalar_map(rank),
                         ", ".join(['"reduction"'] * rank)))
            self.emit("    ins(%%got, %%want : %s, %s) outs(%s, %s : tensor<i64>, tensor<i64>) {"
                      % (tt, tt, init, init))
            self.emit("^bb0(%s: %s, %s: %s, %s: i64, %s: i64):" % (g, elem, w, elem, a, b))
            lines, i1, i2 = body(g, w)
            s1, s2 = self.fresh("acc"), self.fresh("acc")
            lines += ["%s = arith.addi %s, %s : i64" % (s1, a, i1),
                      "%s = arith.addi %s, %s : i64" % (s2, b, i2),
                      "linalg.yield %s, %s : i64, i64" % (s1, s2)]
            for line in lines:
                self.emit("  " + line)
            self.emit("} -> (tensor<i64>, tensor<i64>)")
            ra, rb = self.fresh("na"), self.fresh("nb")
            self.emit("%s = tensor.extract %s#0[] : tensor<i64>" % (ra, r))
            self.emit("%s = tensor.extract %s#1[] : tensor<i64>" % (rb, r))
        nn = self.fresh("n")
        self.emit("%s = arith.constant %d : i64" % (nn, n))
        self._print_tuple("%tag", ra, rb, nn)
        self.emit("return")
        text = ["func.func @%s(%%got: %s, %%want: %s, %%tag: i64) {" % (fname, tt, tt)]
        text += self.body
        text.append("}")
        self.funcs[fname] = text
        self.body = saved
        return fname

    def check_levels(self, q, want_levels, label):
        self.check(self.as_levels(q), np.asarray(want_levels, F32), label + " (levels)")

    def print_i32(self, v, want, label):
        """Print an i32 tensor (or an integer-valued f32 tensor, converted with
        fptosi) with printMemrefI32 and CHECK it literally."""
        want = np.asarray(want, np.int64)
        if v.elem != "i32":
            out = V(self.fresh("ints"), v.shape, "i32")
            e = self.fresh("e")
            rank = len(v.shape)
            self.emit("%s = tensor.empty() : %s" % (e, out.type))
            a, o, c = self.fresh("a"), self.fresh("o"), self.fresh("cv")
            self.emit("%s = linalg.generic {indexing_maps = [%s, %s], iterator_types = [%s]} "
                      "ins(%s : %s) outs(%s : %s) {" % (out, id_map(rank), id_map(rank),
                                                        ", ".join(['"parallel"'] * rank), v, v.type, e, out.type))
            self.emit("^bb0(%s: %s, %s: i32):" % (a, v.elem, o))
            self.emit("  %s = arith.fptosi %s : %s to i32" % (c, a, v.elem))
            self.emit("  linalg.yield %s : i32" % c)
            self.emit("} -> %s" % out.type)
            v = out
        mt = "memref<%sxi32>" % "x".join(str(d) for d in v.shape)
        m, u = self.fresh("m"), self.fresh("u")
        self.body.append("")
        self.body.append("  // %s" % label)
        shape = list(v.shape)
        strides = [int(np.prod(shape[i + 1:])) for i in range(len(shape))]
        self.body.append("  // CHECK: Unranked Memref base@ = {{.*}} rank = %d offset = 0 sizes = [%s] "
                         "strides = [%s] data =" % (len(shape), ", ".join(map(str, shape)),
                                                    ", ".join(map(str, strides))))
        for line in memref_lines(want):
            self.body.append("  // CHECK-NEXT{LITERAL}: " + line)
        self.emit("%s = bufferization.to_buffer %s : %s to %s" % (m, v, v.type, mt))
        self.emit("%s = memref.cast %s : %s to memref<*xi32>" % (u, m, mt))
        self.emit("func.call @printMemrefI32(%s) : (memref<*xi32>) -> ()" % u)

    # ---- output ----------------------------------------------------------------
    def text(self):
        out = [self.run]
        if any("bwta.qmatmul" in l or "bwta.batch_qmatmul" in l for l in self.body):
            # The same checks through the Binary-TensorCore decomposition: it
            # must give the same bits as the reference qmatmul.
            out.append(self.run.replace("bwta-opt %s ",
                                        "bwta-opt %s -bwta-btc-decompose=path=btc ", 1))
            # ... and with the planes packed (weights at compile time).
            out.append(self.run.replace(
                "bwta-opt %s ",
                "bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout ", 1))
        out += ["//",
               "// " + self.title,
               "//"]
        for line in self.about.strip().split("\n"):
            for piece in textwrap.wrap(line, 76) or [""]:
                out.append(("// " + piece).rstrip())
        out += [
            "//",
            "// GENERATED by test/e2e/gen_cases.py (case '%s'); do not edit, regenerate" % self.name,
            "// with `python3 test/e2e/gen_cases.py`. Expected values come from an",
            "// independent numpy model of docs/Semantics.md. Each check prints",
            "// ( tag, a, b, n ): n elements compared, a = how many violate",
            "// |got - want| <= 1e-5 * max(1, |want|), b = how many differ in any bit",
            "// (integers: a = b = mismatches). Every check expects a = b = 0.",
            "",
            "func.func private @printI64(i64)",
            "func.func private @printOpen()",
            "func.func private @printClose()",
            "func.func private @printComma()",
            "func.func private @printNewline()",
            "func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}",
            "",
        ]
        out += ["func.func @main() {"]
        out += self.body
        out += ["  return", "}", ""]
        if self.funcs:
            out += ["// Comparison helpers: count mismatches, print ( tag, a, b, n ).", ""]
        for name in sorted(self.funcs):
            out += self.funcs[name] + [""]
        return "\n".join(out)


def memref_lines(a):
    """The lines printMemrefI32 writes after its header (whitespace-normalized:
    FileCheck canonicalizes horizontal whitespace)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return ["[%d]" % a]
    text = []

    def rec(sub, depth, first, last):
        if sub.ndim == 1:
            return ["[" + ", ".join(str(int(v)) for v in sub) + "]"]
        lines = []
        for i in range(sub.shape[0]):
            inner = rec(sub[i], depth + 1, i == 0, i == sub.shape[0] - 1)
            lines += inner
            if i != sub.shape[0] - 1:
                lines[-1] += ", "
        lines[0] = "[" + lines[0]
        lines[-1] = lines[-1] + "]"
        return lines

    text = rec(a, 0, True, True)
    return [line.strip() for line in text]


# =============================================================================
# Case helpers
# =============================================================================

def rnd(rng, shape, scale=1.0, decimals=3):
    """Random normal values with few decimals (short, exact literals)."""
    return np.round(rng.standard_normal(shape) * scale, decimals).astype(F32)


def qdesc(qt, gran, G=None, mode="symmetric", threshold=None, static=False):
    s = "%s %s" % (qt.mlir, gran)
    if G is not None:
        s += " G=%d" % G
    if qt.is_int:
        s += " " + mode
    if threshold is not None:
        s += " threshold %s %s" % threshold
    s += " static" if static else " dynamic"
    return s


def quant(c, x_np, xV, qt, gran, G=None, mode="symmetric", threshold=None,
          scale=None, zp=None, label=None, check_levels=True, check_params=True):
    """Emit a quantize op, check its results, return (qV, sV, zV, q, s, z)."""
    label = label or qdesc(qt, gran, G, mode, threshold, scale is not None)
    q, s, z = ref_quantize(x_np, qt, gran, G, mode, threshold, scale, zp)
    if scale is None:
        res = c.quantize(xV, qt, gran, G, mode, threshold)
        qV, sV = res[0], res[1]
        zV = res[2] if mode == "asymmetric" else None
        if check_levels:
            c.check_levels(qV, q, label)
        if check_params:
            c.check(sV, np.asarray(s, F32), label + " (scale)")
            if zV is not None:
                c.check(zV, np.asarray(z, np.int64), label + " (zero point)")
    else:
        sV = c.const(np.asarray(scale, F32), "f32", "sc")
        zV = c.const(np.asarray(zp, np.int64), "i32", "zc") if zp is not None else None
        qV = c.quantize(xV, qt, gran, G, mode, threshold, scale=sV, zp=zV)
        if check_levels:
            c.check_levels(qV, q, label)
        s, z = np.asarray(scale, F32), (None if zp is None else np.asarray(zp, np.int64))
    # generator self-check: dequantized values approximate x (loosely)
    return qV, sV, zV, q, s, z


def sanity_matmul(y, q_l, s_l, z_l, q_r, s_r, z_r, G, bias):
    """Independent float64 recomputation: y ~= dq(lhs) . dq(rhs)^T + bias."""
    dl = ref_dequantize(q_l, s_l, z_l, G).astype(np.float64)
    dr = ref_dequantize(q_r, s_r, z_r, G).astype(np.float64)
    want = np.einsum("...mk,...nk->...mn", dl, dr)
    if bias is not None:
        want = want + np.asarray(bias, np.float64)
    err = np.abs(np.asarray(y, np.float64) - want)
    tol = 2e-3 * np.maximum(1.0, np.abs(want)) if np.asarray(y).dtype == np.float16 \
        else 1e-4 * np.maximum(1.0, np.abs(want))
    assert np.all(err <= tol), float(np.max(err))


def matmul_checks(c, L, Rr, bias_np=None, biasV=None, G=None, outs=("f32",),
                  print_acc=False, label="qmatmul"):
    """L, Rr: tuples (qV, sV, zV, q, s, z) from quant()."""
    qlV, slV, zlV, ql, sl, zl = L
    qrV, srV, zrV, qr, sr, zr = Rr
    for out in outs:
        y = ref_qmatmul(ql, qr, sl, sr, zl, zr, bias_np, G, out)
        sanity_matmul(y, ql, sl, zl, qr, sr, zr, G, bias_np)
        yV = c.qmatmul(qlV, qrV, slV, srV, zlV, zrV, biasV, G, out)
        c.check(yV, y, "%s -> %s" % (label, out))
    if print_acc:
        # Unit scales: y = sum over groups of f32(acc_g), i.e. the integer
        # accumulator; printed literally.
        ul = c.const(np.ones(zlV.shape, F32), "f32", "unit") if zlV is not None else c.one()
        ur = c.const(np.ones(zrV.shape, F32), "f32", "unit") if zrV is not None else c.one()
        onel = np.ones(zlV.shape, F32) if zlV is not None else np.array(1, F32)
        oner = np.ones(zrV.shape, F32) if zrV is not None else np.array(1, F32)
        acc = ref_qmatmul(ql, qr, onel, oner, zl, zr, None, G, "f32")
        assert np.all(acc == np.rint(acc))
        accV = c.qmatmul(qlV, qrV, ul, ur, zlV, zrV, None, G, "f32")
        c.check(accV, acc, label + " with unit scales (integer accumulator)")
        c.print_i32(accV, acc.astype(np.int64), "the integer accumulator%s, printed"
                    % (" summed over groups" if G else ""))


def new_case(name, title, about, **kw):
    return Case(name, title, about, **kw)


CASES = []


def linear_inputs(c, M, N, K, small):
    """Activations [M, K], weights [N, K] and a bias [N] of a linear layer."""
    xV, x = act_input(c, (M, K), small, "x")
    wV, w = act_input(c, (N, K), small, "w")
    b = rnd(c.rng, (N,), 0.1)
    return xV, x, wV, w, b, c.const(b, "f32", "bias")


def act_input(c, shape, small, kind="x"):
    """Matmul inputs: literal short decimals for the small cases (readable),
    in-IR hashed values for the large ones (compact).  kind: x (about +-2),
    w (about +-0.06), p (in [0, 1))."""
    if small:
        rng = c.rng
        if kind == "x":
            a = rnd(rng, shape, 1.0, 2)
        elif kind == "w":
            a = rnd(rng, shape, 0.05, 3)
        else:
            a = np.round(rng.random(shape) ** 3, 3).astype(F32)
        return c.const(a, "f32", kind + "f"), a
    seed = int(c.rng.integers(0, 2 ** 31))
    if kind == "x":
        return c.hashed(shape, seed, 2001, -1000, 0.00197)
    if kind == "w":
        return c.hashed(shape, seed, 2001, -1000, 6.1e-05)
    return c.hashed(shape, seed, 1024, 0, 0.000977)


def case(fn):
    CASES.append(fn)
    return fn


def variant(fn, *args):
    """Register fn(*args) as a case."""
    CASES.append(lambda: fn(*args))


def small_and_large(fn, base, *extra):
    """Register base_small (M=3 N=5 K=77) and base_large (M=19 N=37 K=300)."""
    variant(fn, base + "_small", 3, 5, 77, True, *extra)
    variant(fn, base + "_large", 19, 37, 300, False, *extra)


# =============================================================================
# Quantized matmuls
# =============================================================================

def linear_ternary_binary(name, M, N, K, small):
    c = new_case(name, "BWTA linear layer: ternary activations x binary weights, M=%d N=%d K=%d" % (M, N, K), """
Activations: dynamic ternary quantization per token, threshold mean_abs 0.7.
Weights: binary per output channel (dynamic: alpha = mean |w|; static: given
alpha). Bias; f32 and f16 results (bwta.qmatmul).""")
    rng = c.rng
    xV, x, wV, w, b, bV = linear_inputs(c, M, N, K, small)
    L = quant(c, x, xV, TERNARY, "per_token", threshold=("mean_abs", 0.7))
    Rd = quant(c, w, wV, BINARY, "per_channel", check_levels=small)
    matmul_checks(c, L, Rd, b, bV, outs=("f32", "f16"), print_acc=small,
                  label="ternary x binary (dynamic weight scale)")
    if not small:
        alpha = np.round(rng.uniform(0.02, 0.06, (N,)), 4).astype(F32)
        Rs = quant(c, w, wV, BINARY, "per_channel", scale=alpha, check_levels=False)
        matmul_checks(c, L, Rs, b, bV, outs=("f32", "f16"),
                      label="ternary x binary (static weight scale)")
    return c


small_and_large(linear_ternary_binary, "linear_ternary_binary")


def attn_qk(name, M, N, K, small, B=2):
    c = new_case(name, "Attention scores Q.K^T: ternary x ternary (bwta.batch_qmatmul), B=%d M=%d N=%d K=%d"
                 % (B, M, N, K), """
Q [B, M, K] and K [B, N, K] are quantized dynamically per token to ternary
(Q without a threshold attribute, i.e. the default mean_abs 0.7; K with an
explicit threshold policy); scales [B, M] and [B, N].""")
    rng = c.rng
    qV, q = act_input(c, (B, M, K), small, "x")
    kV, k = act_input(c, (B, N, K), small, "x")
    L = quant(c, q, qV, TERNARY, "per_token")
    thr = ("max_abs", 0.5) if small else ("fixed", 0.4)
    R = quant(c, k, kV, TERNARY, "per_token", threshold=thr, check_levels=small)
    matmul_checks(c, L, R, outs=("f32",) if small else ("f32", "f16"), print_acc=small,
                  label="ternary Q x ternary K")
    return c


small_and_large(attn_qk, "attn_qk_ternary")


def attn_pv(name, M, N, K, small, B=2):
    c = new_case(name, "Attention output P.V: {0,1} x ternary (bwta.batch_qmatmul), B=%d M=%d N=%d S=%d"
                 % (B, M, N, K), """
P [B, M, S] (non-negative, softmax-like) is quantized to !bwta.int<1, unsigned>
(dynamic symmetric per token: s = max P, q = clamp(roundeven(P / s), 0, 1);
static with a given scale in the large case); V^T [B, N, S] to ternary per
channel. Bias [N].""")
    rng = c.rng
    pV, p = act_input(c, (B, M, K), small, "p")
    vV, v = act_input(c, (B, N, K), small, "x")
    b = rnd(rng, (N,), 0.1)
    bV = c.const(b, "f32", "bias")
    U1 = INT(1, "unsigned")
    L = quant(c, p, pV, U1, "per_token")
    R = quant(c, v, vV, TERNARY, "per_channel", check_levels=small)
    matmul_checks(c, L, R, b, bV, outs=("f32",) if small else ("f32", "f16"),
                  print_acc=small, label="{0,1} P x ternary V^T")
    if not small:
        Ls = quant(c, p, pV, U1, "per_tensor", scale=np.array(0.5, F32), check_levels=False)
        matmul_checks(c, Ls, R, b, bV, label="{0,1} P (static scale 0.5) x ternary V^T")
    return c


small_and_large(attn_pv, "attn_pv")


def w2a8(name, M, N, K, small, asym):
    title = "W2A8%s: !bwta.int<8> activations x !bwta.int<2> weights, M=%d N=%d K=%d" % (
        " asymmetric" if asym else "", M, N, K)
    about = """
Activations: int8, dynamic %s per token. Weights: int2 per output channel,
%s. Bias.""" % ("asymmetric (lhs zero points)" if asym and not small else "symmetric",
                 "dynamic asymmetric (rhs zero points)" if asym else
                 ("static symmetric (given scales)" if small else "dynamic symmetric"))
    c = new_case(name, title, about)
    rng = c.rng
    xV, x, wV, w, b, bV = linear_inputs(c, M, N, K, small)
    xmode = "asymmetric" if asym and not small else "symmetric"
    L = quant(c, x, xV, INT(8), "per_token", mode=xmode)
    if asym:
        R = quant(c, w, wV, INT(2), "per_channel", mode="asymmetric", check_levels=small)
    elif small:
        s = np.round(rng.uniform(0.03, 0.07, (N,)), 3).astype(F32)
        R = quant(c, w, wV, INT(2), "per_channel", scale=s)
    else:
        R = quant(c, w, wV, INT(2), "per_channel", check_levels=False)
    matmul_checks(c, L, R, b, bV, outs=("f32",) if small else ("f32", "f16"),
                  print_acc=small, label="int8 x int2")
    return c


small_and_large(w2a8, "w2a8", False)
small_and_large(w2a8, "w2a8_asym", True)


def wxax(name, M, N, K, small, bits):
    c = new_case(name, "W%dA%d: !bwta.int<%d> x !bwta.int<%d>, M=%d N=%d K=%d" % (bits, bits, bits, bits, M, N, K), """
Activations dynamic symmetric (per token in the small case, per tensor
otherwise); weights per channel (dynamic, or static given scales for W8 small);
large cases also use asymmetric activations. Bias.""")
    rng = c.rng
    xV, x, wV, w, b, bV = linear_inputs(c, M, N, K, small)
    qt = INT(bits)
    L = quant(c, x, xV, qt, "per_token" if small else "per_tensor")
    if bits == 8 and small:
        s = np.round(rng.uniform(0.001, 0.002, (N,)), 5).astype(F32)
        R = quant(c, w, wV, qt, "per_channel", scale=s)
    else:
        R = quant(c, w, wV, qt, "per_channel", check_levels=small)
    matmul_checks(c, L, R, b, bV, outs=("f32",) if small else ("f32", "f16"),
                  print_acc=small, label="int%d x int%d" % (bits, bits))
    if not small:
        La = quant(c, x, xV, qt, "per_token", mode="asymmetric", check_levels=False)
        matmul_checks(c, La, R, b, bV, label="int%d asymmetric x int%d" % (bits, bits))
    return c


small_and_large(wxax, "w4a4", 4)
small_and_large(wxax, "w8a8", 8)


def w2star(name, M, N, K, small):
    c = new_case(name, "W2*A8: !bwta.int<8> x balanced !bwta.int<2, balanced> (levels -2..2), M=%d N=%d K=%d"
                 % (M, N, K), """
Weights: balanced 2-bit per channel, dynamic symmetric (s = max|w| / 2);
the large case adds static and asymmetric balanced weights. Bias.""")
    rng = c.rng
    xV, x, wV, w, b, bV = linear_inputs(c, M, N, K, small)
    BAL = INT(2, "balanced")
    L = quant(c, x, xV, INT(8), "per_token")
    R = quant(c, w, wV, BAL, "per_channel", check_levels=small)
    matmul_checks(c, L, R, b, bV, outs=("f32",) if small else ("f32", "f16"),
                  print_acc=small, label="int8 x int2 balanced")
    if not small:
        s = np.round(rng.uniform(0.02, 0.05, (N,)), 3).astype(F32)
        Rs = quant(c, w, wV, BAL, "per_channel", scale=s, check_levels=False)
        matmul_checks(c, L, Rs, b, bV, label="int8 x int2 balanced (static)")
        Ra = quant(c, w, wV, BAL, "per_channel", mode="asymmetric", check_levels=False)
        matmul_checks(c, L, Ra, b, bV, label="int8 x int2 balanced (asymmetric)")
    return c


small_and_large(w2star, "w2star_a8")


def grouped(name, M, N, K, G, small):
    c = new_case(name, "Grouped qmatmul: per_group scales and zero points, M=%d N=%d K=%d group_size=%d"
                 % (M, N, K, G), """
int8 activations and int4 weights, both dynamic asymmetric per group of %d
(K is not a multiple of the group size: the last group is short). Scales and
zero points [M, G] / [N, G]; y = sum over groups of (f32(acc_g) * sl) * sr,
then + bias.%s""" % (G, "" if small else """
Also: symmetric per-group weights (no rhs zero point), and a
bwta.batch_qmatmul ([2, 7, K] x [2, 9, K]) with ternary per-group activations
(threshold mean_abs) x int4 asymmetric per-group weights."""))
    rng = c.rng
    xV, x, wV, w, b, bV = linear_inputs(c, M, N, K, small)
    L = quant(c, x, xV, INT(8), "per_group", G, mode="asymmetric")
    R = quant(c, w, wV, INT(4), "per_group", G, mode="asymmetric", check_levels=small)
    matmul_checks(c, L, R, b, bV, G=G, outs=("f32", "f16"), print_acc=small,
                  label="int8 x int4 per group")
    if not small:
        Rs = quant(c, w, wV, INT(4), "per_group", G, check_levels=False)
        matmul_checks(c, L, Rs, b, bV, G=G, label="int8 asym x int4 sym per group")
        Bt = 2
        G2 = 128
        xbV, xb = act_input(c, (Bt, 7, K), False, "x")
        wbV, wb = act_input(c, (Bt, 9, K), False, "w")
        Lb = quant(c, xb, xbV, TERNARY, "per_group", G2, threshold=("mean_abs", 0.7))
        Rb = quant(c, wb, wbV, INT(4), "per_group", G2, mode="asymmetric", check_levels=False)
        bb = rnd(rng, (9,), 0.1)
        matmul_checks(c, Lb, Rb, bb, c.const(bb, "f32", "bias"), G=G2, outs=("f32", "f16"),
                      label="batched ternary x int4 per group of %d" % G2)
    return c


variant(grouped, "grouped_small", 3, 5, 77, 32, True)


variant(grouped, "grouped_large", 19, 37, 300, 64, False)


@case
def grouped_mixed():
    M, N, K, G = 5, 7, 100, 24
    c = new_case("grouped_mixed", "Grouped qmatmul mixing per-tensor / per-row / per-group parameters, K=%d group_size=%d"
                 % (K, G), """
With group_size set, a per-tensor or per-row scale or zero point applies to
every group, but the sum is still formed group by group:
y = sum_g (f32(acc_g) * sl[m]) * sr[n, g]. Includes batch_qmatmul with
[B, M] lhs parameters and [B, N, G] rhs parameters.""")
    small = True
    rng = c.rng
    xV, x, wV, w, b, bV = linear_inputs(c, M, N, K, small)
    Lt = quant(c, x, xV, INT(8), "per_tensor", mode="asymmetric")
    Lr = quant(c, x, xV, INT(8), "per_token", mode="asymmetric")
    Lg = quant(c, x, xV, INT(8), "per_group", G)
    Rg = quant(c, w, wV, INT(4), "per_group", G, mode="asymmetric")
    Rr = quant(c, w, wV, INT(2), "per_channel", mode="asymmetric")
    matmul_checks(c, Lt, Rg, b, bV, G=G, label="per-tensor lhs x per-group rhs")
    matmul_checks(c, Lr, Rg, None, None, G=G, label="per-row lhs x per-group rhs")
    matmul_checks(c, Lg, Rr, b, bV, G=G, outs=("f32", "f16"), label="per-group lhs x per-row rhs")
    # batched
    B = 2
    xb = rnd(rng, (B, M, K), 1.0, 2)
    wb = rnd(rng, (B, N, K), 0.05, 3)
    xbV, wbV = c.const(xb, "f32", "xb"), c.const(wb, "f32", "wb")
    Lb = quant(c, xb, xbV, INT(4), "per_token", mode="asymmetric")
    Rb = quant(c, wb, wbV, TERNARY, "per_group", G, threshold=("max_abs", 0.3))
    matmul_checks(c, Lb, Rb, b, bV, G=G, label="batched per-row lhs x per-group ternary rhs")
    return c


def qmatmul_types(name, pairs):
    M, N, K = 3, 5, 77
    c = new_case(name, "qmatmul over element-type pairs (levels given directly)", """
Pairs: %s. Quantized operands with chosen random levels covering each type's
whole level range (both extremes present), per-row scales, zero points for
k-bit operands, bias; M=3 N=5 K=77. Checks the f32 result and the integer
accumulator.""" % ", ".join("%s x %s" % (a.mlir, b.mlir) for a, b in pairs))
    rng = c.rng
    b = rnd(rng, (N,), 0.1)
    bV = c.const(b, "f32", "bias")
    for lt, rt in pairs:
        ql = random_levels(rng, lt, (M, K))
        qr = random_levels(rng, rt, (N, K))
        ql[0, :2] = [lt.qmin, lt.qmax]
        qr[0, :2] = [rt.qmax, rt.qmin]
        qlV, qrV = c.levels_input(ql, lt), c.levels_input(qr, rt)
        sl = np.round(rng.uniform(0.01, 0.1, (M,)), 3).astype(F32)
        sr = np.round(rng.uniform(0.01, 0.1, (N,)), 3).astype(F32)
        slV, srV = c.const(sl, "f32", "sl"), c.const(sr, "f32", "sr")
        zl = rng.integers(lt.qmin, lt.qmax + 1, (M,)) if lt.is_int else None
        zr = rng.integers(rt.qmin, rt.qmax + 1, (N,)) if rt.is_int else None
        zlV = c.const(zl, "i32", "zl") if zl is not None else None
        zrV = c.const(zr, "i32", "zr") if zr is not None else None
        label = "%s x %s" % (lt.mlir, rt.mlir)
        matmul_checks(c, (qlV, slV, zlV, ql, sl, zl), (qrV, srV, zrV, qr, sr, zr), b, bV,
                      label=label)
        onel = np.ones(M, F32)
        oner = np.ones(N, F32)
        acc = ref_qmatmul(ql, qr, onel, oner, zl, zr)
        accV = c.qmatmul(qlV, qrV, c.const(onel, "f32", "u"), c.const(oner, "f32", "u"), zlV, zrV)
        c.check(accV, acc, label + " with unit scales (integer accumulator)")
    return c


variant(qmatmul_types, "qmatmul_types",
        [(BINARY, BINARY), (TERNARY, INT(4)), (INT(4, "unsigned"), INT(2, "balanced")),
         (INT(3), INT(1, "unsigned")), (INT(1), BINARY), (INT(2, "unsigned"), INT(3, "balanced"))])
variant(qmatmul_types, "qmatmul_types_wide8",
        [(INT(8, "unsigned"), INT(8)), (INT(8, "balanced"), TERNARY), (INT(8), INT(8, "unsigned"))])


@case
def qmatmul_wrap():
    M, N, K = 3, 5, 77
    c = new_case("qmatmul_wrap", "int32 wrap-around of the qmatmul accumulator and of dequantize's difference", """
Huge static zero points make (q - zp) products overflow int32: the contract
says the products and the sum are int32 and wrap. dequantize computes q - zp
in i32 (wrapping) and converts with round-to-nearest-even to f32.""")
    rng = c.rng
    ql = rng.integers(-128, 128, (M, K))
    qr = rng.integers(-128, 128, (N, K))
    I8 = INT(8)
    qlV, qrV = c.levels_input(ql, I8), c.levels_input(qr, I8)
    zl = np.array([2 ** 20 + 3, -(2 ** 22) - 1, 2 ** 30], np.int64)
    zr = np.array([-(2 ** 19) + 7, 2 ** 21, 12345, -(2 ** 30), 0], np.int64)
    sl = np.array([2.0 ** -20, 1.0, 2.0 ** -30], F32)
    sr = np.array([2.0 ** -19, 2.0 ** -21, 0.5, 1.0, 3.0], F32)
    zlV, zrV = c.const(zl, "i32", "zl"), c.const(zr, "i32", "zr")
    slV, srV = c.const(sl, "f32", "sl"), c.const(sr, "f32", "sr")
    y = ref_qmatmul(ql, qr, sl, sr, zl, zr)
    yV = c.qmatmul(qlV, qrV, slV, srV, zlV, zrV)
    c.check(yV, y, "qmatmul with int32-overflowing products (wrapping)")
    ones_l, ones_r = np.ones(M, F32), np.ones(N, F32)
    acc = ref_qmatmul(ql, qr, ones_l, ones_r, zl, zr)
    accV = c.qmatmul(qlV, qrV, c.const(ones_l, "f32", "u"), c.const(ones_r, "f32", "u"), zlV, zrV)
    c.check(accV, acc, "wrapped int32 accumulator (unit scales)")
    c.print_i32(accV, acc.astype(np.int64), "the wrapped accumulator, printed")
    # (q - zp) itself overflowing int32
    zl2 = np.array([-(2 ** 31) + 5, 2 ** 31 - 100, -(2 ** 31)], np.int64)
    zl2V = c.const(zl2, "i32", "zl")
    y2 = ref_qmatmul(ql, qr, sl, sr, zl2, zr)
    c.check(c.qmatmul(qlV, qrV, slV, srV, zl2V, zrV), y2, "qmatmul with (q - zp) overflowing int32")
    # dequantize: big differences round to f32, and wrap in i32
    s = np.array([1.0, 0.5, 3.0], F32)
    sV = c.const(s, "f32", "s")
    for zp in (np.array([-(2 ** 30) - 3, 2 ** 26 + 1, 16777217], np.int64), zl2):
        zV = c.const(zp, "i32", "z")
        c.check(c.dequantize(qlV, sV, zV), ref_dequantize(ql, s, zp),
                "dequantize with zero points %s" % list(zp))
    return c


# =============================================================================
# quantize / dequantize
# =============================================================================

def quant_inputs(rng):
    xs = rnd(rng, (4, 77))
    xs[1, :40] = F32(0.25)
    xs[1, 40:] = F32(0)
    xs[2] = rnd(rng, (77,), 0.01, 5)
    xs[3] = -(np.abs(rnd(rng, (77,))) + F32(0.5)).astype(F32)
    xl = rnd(rng, (2, 7, 300), 2.0, 2)
    xl[0, 3] = F32(0)
    return xs, xl


def static_tie_input(rng):
    # multiples of 1/8 in [-4.5, 4.5]: with power-of-two scales x/s hits .5 ties
    return (rng.integers(-36, 37, (4, 40)) / 8.0).astype(F32)


def zp_clamp_input():
    x = np.full((2, 77), F32(1000000.0), F32)
    x[0, 40:] = F32(1000000.0625)
    x[1] = -x[0]
    return x


def quant_int_family(name, title, qts):
    c = new_case(name, title, """
Dynamic symmetric and asymmetric quantization for every granularity
(per_tensor, per_token, per_group with K not a multiple of the group size) on
[4, 77] (rows: random, constant 0.25 then zeros, tiny values, all negative) and
[2, 7, 300] (with an all-zero row); the levels, scales and zero points, and
dequantize of the result. Static quantization with given scales / zero points
hitting exact .5 ties (roundeven), and asymmetric granules far from zero whose
zero point is clamped to [-2^30, 2^30] / rounded in f32.""")
    rng = c.rng
    xs, xl = quant_inputs(rng)
    xsV, xlV = c.const(xs, "f32", "xs"), c.const(xl, "f32", "xl")
    for qt in qts:
        modes = ["symmetric", "asymmetric"] if qt.qmax > 0 else ["asymmetric"]
        for mode in modes:
            for gran, G in (("per_tensor", None), ("per_token", None), ("per_group", 32)):
                qV, sV, zV, q, s, z = quant(c, xs, xsV, qt, gran, G, mode)
                if gran != "per_tensor":
                    c.check(c.dequantize(qV, sV, zV, G), ref_dequantize(q, s, z, G),
                            "dequantize(" + qdesc(qt, gran, G, mode) + ")")
        # large
        if qt is qts[-1]:
            quant(c, xl, xlV, qt, "per_token", None, modes[0])
        quant(c, xl, xlV, qt, "per_group", 64, "asymmetric")
    # static
    xt = static_tie_input(rng)
    xtV = c.const(xt, "f32", "xt")
    for qt in qts:
        if qt.qmax > 0:
            quant(c, xt, xtV, qt, "per_token", scale=np.array([0.5, 0.25, 1.0, 0.3], F32))
        quant(c, xt, xtV, qt, "per_tensor", mode="asymmetric", scale=np.array(0.5, F32),
              zp=np.array(qt.qmin + 1, np.int64))
        sg = np.array([[0.5, 0.125, 2.0], [0.25, 0.75, 1.0], [1.0, 1.0, 1.0], [0.5, 0.5, 0.0625]], F32)
        zg = rng.integers(qt.qmin, qt.qmax + 1, (4, 3))
        qV, sV, zV, q, s, z = quant(c, xt, xtV, qt, "per_group", 16, "asymmetric", scale=sg, zp=zg)
        c.check(c.dequantize(qV, sV, zV, 16), ref_dequantize(q, sg, zg, 16),
                "dequantize(static per_group 16 %s)" % qt.mlir)
    # zero point clamp / far-from-zero granules
    xz = zp_clamp_input()
    xzV = c.const(xz, "f32", "xz")
    for qt in qts:
        quant(c, xz, xzV, qt, "per_token", mode="asymmetric", label=qdesc(
            qt, "per_token", None, "asymmetric") + ", granules near +-1e6")
    return c


variant(quant_int_family, "quant_int_signed", "quantize/dequantize round trips: signed !bwta.int<k>",
                            [INT(1), INT(2), INT(3), INT(4), INT(8)])


variant(quant_int_family, "quant_int_unsigned", "quantize/dequantize round trips: !bwta.int<k, unsigned>",
        [INT(1, "unsigned"), INT(2, "unsigned"), INT(4, "unsigned")])
variant(quant_int_family, "quant_int_balanced", "quantize/dequantize round trips: !bwta.int<k, balanced>",
        [INT(1, "balanced"), INT(2, "balanced"), INT(3, "balanced")])
# 8-bit types whose levels do not fit in a signed byte: 0..255 and -128..128.
variant(quant_int_family, "quant_int_wide8",
        "quantize/dequantize round trips: !bwta.int<8, unsigned> and !bwta.int<8, balanced>",
        [INT(8, "unsigned"), INT(8, "balanced")])


@case
def quant_binary():
    c = new_case("quant_binary", "quantize/dequantize round trips: !bwta.binary", """
q = +1 if x >= 0 else -1 (0 and -0 -> +1, NaN -> -1); dynamic scale
alpha = mean |x| per granule (f32 sum in the 256-lane tree order / f32(count)),
for per_tensor, per_token, per_group (short last group). The per_token
granules of [2,7,300] hold 300 values (lanes 0..43 sum two): there the
lane-tree and the sequential sum differ, so the check fails if either side
sums sequentially. Static: the scale does not change q. Dequantize:
f32(q) * alpha.""")
    rng = c.rng
    xs, xl = quant_inputs(rng)
    xs[0, :6] = np.array([0.0, -0.0, 0.0, -0.0, 1e-30, -1e-30], F32)
    xsV, xlV = c.const(xs, "f32", "xs"), c.const(xl, "f32", "xl")
    for gran, G in (("per_tensor", None), ("per_token", None), ("per_group", 32)):
        qV, sV, _, q, s, _ = quant(c, xs, xsV, BINARY, gran, G)
        c.check(c.dequantize(qV, sV, None, G), ref_dequantize(q, s, None, G),
                "dequantize(binary %s)" % gran)
    # The case that proves the sum order matters: granules longer than 256
    # whose lane-tree alpha differs from the sequential one.
    absl = np.abs(xl.reshape(-1, 300)).astype(F32)
    assert np.any((tree_sum(absl) / F32(300)).astype(F32) !=
                  (seq_sum(absl) / F32(300)).astype(F32))
    quant(c, xl, xlV, BINARY, "per_token", label="binary per_token dynamic [2,7,300]"
          " (300-value granules: lane-tree sum != sequential sum)")
    qV, sV, _, q, s, _ = quant(c, xl, xlV, BINARY, "per_group", 64)
    c.check(c.dequantize(qV, sV, None, 64), ref_dequantize(q, s, None, 64), "dequantize(binary per_group 64) [2,7,300]")
    sp = np.array([[0.0, -0.0, np.nan, np.inf, -np.inf, 1e-30, -1e-30, 2.5, -2.5, -np.nan]], F32)
    spV = c.const(sp, "f32", "special")
    quant(c, sp, spV, BINARY, "per_token", scale=np.array([0.25], F32),
          label="static binary on 0, -0, NaN, +-inf, +-1e-30")
    quant(c, xs, xsV, BINARY, "per_group", 32, scale=np.full((4, 3), 0.5, F32))
    return c


TERNARY_THRESHOLDS = [("fixed", 0.5), ("fixed", 0.0), ("mean_abs", 0.7), ("mean_abs", 1.0),
                      ("max_abs", 0.5), ("max_abs", 0.0)]


def ternary_inputs(rng):
    xs = rnd(rng, (4, 77))
    xs[1] = F32(0)
    idx = rng.choice(77, 12, replace=False)
    xs[2, idx] = np.where(np.arange(12) % 2 == 0, F32(0.5), F32(-0.5))
    xs[3] = rnd(rng, (77,), 0.3)
    xl = rnd(rng, (2, 7, 300), 1.0, 2)
    return xs, xl


@case
def quant_ternary():
    c = new_case("quant_ternary", "quantize/dequantize round trips: !bwta.ternary", """
Every threshold policy (fixed, mean_abs, max_abs; factors incl. 0) for every
granularity: t = sign(x) * [|x| > delta]; alpha = mean(|x| : |x| > delta), 1 if
none. Rows: random, all zero (alpha = 1), values exactly +-0.5 (= the fixed
threshold: not above it), small values. No threshold attribute: dynamic uses
mean_abs 0.7; static with scale alpha uses clamp(roundeven(x / alpha), -1, 1)
(ties: +-alpha/2 -> 0, 1.5 alpha -> 1 after clamping 2).""")
    rng = c.rng
    xs, xl = ternary_inputs(rng)
    xsV, xlV = c.const(xs, "f32", "xs"), c.const(xl, "f32", "xl")
    for thr in TERNARY_THRESHOLDS:
        for gran, G in (("per_tensor", None), ("per_token", None), ("per_group", 32)):
            qV, sV, _, q, s, _ = quant(c, xs, xsV, TERNARY, gran, G, threshold=thr)
            if thr == ("mean_abs", 0.7) or gran == "per_group":
                c.check(c.dequantize(qV, sV, None, G), ref_dequantize(q, s, None, G),
                        "dequantize(ternary %s %s %s)" % (gran, thr[0], thr[1]))
    for gran, G in (("per_tensor", None), ("per_token", None), ("per_group", 32)):
        quant(c, xs, xsV, TERNARY, gran, G, label="ternary %s dynamic, no threshold attribute" % gran)
    # alpha sums |x| > delta in place (the others as 0.0f in their lanes); on
    # these 300-value granules that differs from summing the kept values
    # compacted, so the check pins the subset rule down.
    absl = np.abs(xl.reshape(-1, 300)).astype(F32)
    kept = absl > (F32(0.5) * absl.max(axis=1)).astype(F32)[:, None]
    compacted = [tree_sum(row[m][None])[0] for row, m in zip(absl, kept)]
    assert np.any(tree_sum(np.where(kept, absl, F32(0))) != compacted)
    quant(c, xl, xlV, TERNARY, "per_token", threshold=("max_abs", 0.5))
    qV, sV, _, q, s, _ = quant(c, xl, xlV, TERNARY, "per_group", 64)
    c.check(c.dequantize(qV, sV, None, 64), ref_dequantize(q, s, None, 64), "dequantize(ternary per_group 64) [2,7,300]")
    # static, no threshold
    alpha = np.array([0.5, 0.25, 1.0, 0.3], F32)
    xt = (rng.integers(-8, 9, (4, 40)).astype(F32) * F32(0.25) * alpha[:, None]).astype(F32)
    xt[0, :6] = np.array([0.25, -0.25, 0.75, -0.75, 0.5, -0.5], F32)  # +-alpha/2, +-1.5 alpha, +-alpha
    xtV = c.const(xt, "f32", "xt")
    quant(c, xt, xtV, TERNARY, "per_token", scale=alpha, label="ternary static per_token, no threshold (ties)")
    quant(c, xt, xtV, TERNARY, "per_tensor", scale=np.array(0.5, F32))
    sg = np.array([[0.5, 0.125, 2.0], [0.25, 0.75, 1.0], [1.0, 1.0, 1.0], [0.5, 0.5, 0.0625]], F32)
    qV, sV, _, q, _, _ = quant(c, xt, xtV, TERNARY, "per_group", 16, scale=sg)
    c.check(c.dequantize(qV, sV, None, 16), ref_dequantize(q, sg, None, 16), "dequantize(ternary static per_group 16)")
    return c


@case
def quant_ternary_static_threshold():
    c = new_case("quant_ternary_static_threshold",
                 "quantize to !bwta.ternary with a given scale AND a threshold attribute", """
Reading of docs/Semantics.md: with a threshold attribute, t = sign(x) * [|x| > delta]
with delta computed per granule from the data, whether or not a scale is given
(the given scale is only carried along). Kept apart from quant_ternary because
the contract is least explicit here.""")
    rng = c.rng
    xs, _ = ternary_inputs(rng)
    xsV = c.const(xs, "f32", "xs")
    for thr in (("fixed", 0.5), ("mean_abs", 0.7), ("max_abs", 0.5)):
        quant(c, xs, xsV, TERNARY, "per_token", threshold=thr, scale=np.array([0.5, 1.0, 0.3, 2.0], F32))
        quant(c, xs, xsV, TERNARY, "per_group", 32, threshold=thr, scale=np.full((4, 3), 0.7, F32))
    return c


# =============================================================================
# planes and packing
# =============================================================================

ALL_TYPES = [BINARY, TERNARY, INT(1), INT(2), INT(3), INT(4), INT(8),
             INT(1, "unsigned"), INT(2, "unsigned"), INT(4, "unsigned"), INT(8, "unsigned"),
             INT(1, "balanced"), INT(2, "balanced"), INT(3, "balanced"), INT(8, "balanced")]


WIDE8 = [t for t in ALL_TYPES if t.is_int and t.bits == 8 and t.sign != "signed"]
NARROW = [t for t in ALL_TYPES if t not in WIDE8]


def random_levels(rng, qt, shape):
    return rng.choice(qt.levels(), shape)


def planes(name, types):
    c = new_case(name, "split_planes / combine_planes: %s" % ", ".join(t.mlir for t in types), """
split_planes: plane i = bit i of the level's two's complement (binary: [v = +1];
ternary: p = [v = +1], n = [v = -1]). combine_planes of arbitrary bit patterns
(offset + sum c_i b_i, clamped: ternary p = n = 1 -> 0, balanced patterns above
2^(k-1) clamp). split(combine(bits)) gives the canonical planes. Shapes [3, 77]
and [2, 3, 40]; bit patterns are written as i32 words and expanded to i1 by
upstream ops (bit k of a row = bit k % 32 of word k / 32).""")
    rng = c.rng
    for qt in types:
        for shape in ((3, 77), (2, 3, 40)):
            lv = random_levels(rng, qt, shape)
            qV = c.levels_input(lv, qt)
            want_planes = ref_split(lv, qt)
            pV = c.split(qV, qt)
            c.check(pV, c.bits_from_words(want_planes), "split_planes %s %s" % (qt.mlir, shape))
            bits = rng.integers(0, 2, (qt.planes,) + shape)
            bV = c.bits_from_words(bits)
            cq = ref_combine(bits, qt)
            cV = c.combine(bV, qt)
            c.check_levels(cV, cq, "combine_planes %s %s" % (qt.mlir, shape))
            sc = ref_split(cq, qt)
            c.check(c.split(cV, qt), c.bits_from_words(sc),
                    "split(combine(bits)) %s %s" % (qt.mlir, shape))
    return c


def planes_large(name, types):
    c = new_case(name, "split_planes / combine_planes, [19, 130]: %s" % ", ".join(t.mlir for t in types), """
Pseudo-random levels (computed in-IR) -> split_planes, compared with the
expected planes (written as i32 words); combine_planes(split_planes(q)) == q;
split_planes(combine_planes(random bits)) == the canonical planes of the
clamped values.""")
    rng = c.rng
    shape = (19, 130)
    for qt in types:
        qV, lv = c.levels_hashed(shape, qt)
        pV = c.split(qV, qt)
        c.check(pV, c.bits_from_words(ref_split(lv, qt)), "split_planes %s %s" % (qt.mlir, shape))
        c.check(c.as_levels(c.combine(pV, qt)), c.as_levels(qV), "combine(split(q)) == q, %s" % qt.mlir)
        bits = rng.integers(0, 2, (qt.planes,) + shape)
        cV = c.combine(c.bits_from_words(bits), qt)
        c.check(c.split(cV, qt), c.bits_from_words(ref_split(ref_combine(bits, qt), qt)),
                "split(combine(bits)) %s %s" % (qt.mlir, shape))
    return c


variant(planes, "planes", NARROW)
variant(planes, "planes_wide8", WIDE8)
variant(planes_large, "planes_large", NARROW)
variant(planes_large, "planes_large_wide8", WIDE8)


LAYOUTS = [(32, "lsb_first", 1, 1), (64, "msb_first", 1, 1), (32, "msb_first", 16, 8),
           (64, "lsb_first", 16, 8), (32, "lsb_first", 3, 2), (64, "msb_first", 5, 3)]


def pack_quantized_case(name, shapes, types, layouts):
    c = new_case(name, "pack / unpack round trips of quantized tensors", """
Element types %s (planes = the type's plane count), packed with word 32 / 64,
lsb_first / msb_first, tiles 1x1, 16x8, 3x2, 5x3 on shapes %s that need row
and word padding; unpack(pack(q)) must equal q (compared through
dequantize with scale 1).""" % (", ".join(t.mlir for t in types),
                                 ", ".join(str(list(s)) for s in shapes)))
    rng = c.rng
    for qt in types:
        for shape in shapes:
            if int(np.prod(shape)) <= 512:
                lv = random_levels(rng, qt, shape)
                qV = c.levels_input(lv, qt)
            else:
                qV, lv = c.levels_hashed(shape, qt)
            orig = c.as_levels(qV)
            if lv.size <= 512:
                c.check(orig, lv.astype(F32), "%s %s levels" % (qt.mlir, shape))
            for (wd, order, tr, tw) in layouts:
                enc = packed_str(qt.planes, wd, order, tr, tw)
                back = c.unpack(c.pack(qV, enc))
                c.check(c.as_levels(back), orig, "unpack(pack(%s %s, %s))" % (qt.mlir, shape, enc))
    return c


variant(pack_quantized_case, "pack_roundtrip_small", [(3, 77)], NARROW, LAYOUTS)
variant(pack_quantized_case, "pack_roundtrip_small_wide8", [(3, 77)], WIDE8, LAYOUTS)


variant(pack_quantized_case, "pack_roundtrip_large_signed", [(2, 9, 150)], ALL_TYPES[:7], LAYOUTS)


variant(pack_quantized_case, "pack_roundtrip_large_unsigned_balanced", [(2, 9, 150)], ALL_TYPES[7:], LAYOUTS)


@case
def pack_planes():
    c = new_case("pack_planes", "pack / unpack round trips of i1 plane tensors", """
Plane tensors [P, rows..., K] (rows = all dims but the first and the last)
with P = 1, 2, 3, 9, packed with several layouts; unpack(pack(p)) == p.""")
    rng = c.rng
    for shape in ((2, 3, 77), (3, 2, 9, 150), (1, 19, 300), (9, 5, 33)):
        bits = rng.integers(0, 2, shape)
        pV = c.bits_from_words(bits)
        for (wd, order, tr, tw) in LAYOUTS:
            enc = packed_str(shape[0], wd, order, tr, tw)
            c.check(c.unpack(c.pack(pV, enc)), pV, "unpack(pack(i1 %s, %s))" % (list(shape), enc))
    return c


def plane_matmul_case(name, small):
    c = new_case(name, "plane_matmul: AND-popcount of bit planes, unpacked and packed (%s)"
                 % ("small" if small else "large"), """
R[i, j, (b,) m, n] = sum_k lhs[i, (b,) m, k] AND rhs[j, (b,) n, k] (int32), with
P > 1 planes on both sides, unbatched [P, M, K] and batched [P, B, M, K];
unpacked operands and packed operands in several layouts (lhs and rhs may
differ in tile_rows). Also split_planes of quantized tensors -> pack ->
plane_matmul.""")
    rng = c.rng
    if small:
        dims = dict(M=3, N=5, K=77, B=2)
    else:
        dims = dict(M=19, N=37, K=300, B=3)
    M, N, K, B = dims["M"], dims["N"], dims["K"], dims["B"]
    Kb = K if small else 150
    cases = [((2, M, K), (3, N, K)), ((2, B, M, Kb), (2, B, N, Kb))]
    layouts = [((32, "lsb_first", 1, 1), (32, "lsb_first", 1, 1)),
               ((64, "msb_first", 16, 8), (64, "msb_first", 16, 8)),
               ((32, "msb_first", 16, 2), (32, "msb_first", 1, 2)),
               ((64, "lsb_first", 3, 3), (64, "lsb_first", 8, 3))]
    for (ls, rs) in cases:
        lb = rng.integers(0, 2, ls)
        rb = rng.integers(0, 2, rs)
        if small:
            lV, rV = c.const(lb, "i1", "lb"), c.const(rb, "i1", "rb")
        else:
            lV, rV = c.bits_from_words(lb), c.bits_from_words(rb)
        want = c.const(ref_plane_matmul(lb, rb), "i32", "want")
        yV = c.plane_matmul(lV, rV)
        c.check(yV, want, "plane_matmul %s x %s unpacked" % (list(ls), list(rs)))
        if small and len(ls) == 3:
            c.print_i32(yV, ref_plane_matmul(lb, rb), "plane_matmul result, printed")
        for (la, ra) in layouts:
            pl = c.pack(lV, packed_str(ls[0], *la))
            pr = c.pack(rV, packed_str(rs[0], *ra))
            c.check(c.plane_matmul(pl, pr), want, "plane_matmul %s x %s packed %s / %s"
                    % (list(ls), list(rs), pl.enc, pr.enc))
    # quantized -> planes -> packed -> plane_matmul
    if small:
        xl = random_levels(rng, TERNARY, (M, K))
        wl = random_levels(rng, INT(3), (N, K))
        xq, wq = c.levels_input(xl, TERNARY), c.levels_input(wl, INT(3))
    else:
        xq, xl = c.levels_hashed((M, K), TERNARY)
        wq, wl = c.levels_hashed((N, K), INT(3))
    xp, wp = c.split(xq, TERNARY), c.split(wq, INT(3))
    want = c.const(ref_plane_matmul(ref_split(xl, TERNARY), ref_split(wl, INT(3))), "i32", "want")
    for (wd, order, tr, tw) in ((32, "lsb_first", 1, 1), (64, "msb_first", 16, 8)):
        pl = c.pack(xp, packed_str(2, wd, order, tr, tw))
        pr = c.pack(wp, packed_str(3, wd, order, tr, tw))
        c.check(c.plane_matmul(pl, pr), want, "split_planes(ternary) x split_planes(int<3>) packed %s" % pl.enc)
    return c


variant(plane_matmul_case, "plane_matmul_small", True)


variant(plane_matmul_case, "plane_matmul_large", False)


# =============================================================================
# bwta.weight from safetensors
# =============================================================================

WEIGHTS_FILE = "weights_linear.safetensors"
BF16_FILE = "weights_bf16.safetensors"


def weights_tensors():
    rng = np.random.default_rng(zlib.crc32(b"weights_linear.safetensors"))
    t = {}
    t["fc.weight"] = rng.choice([-1, 1], (37, 130)).astype(np.int8)
    t["fc.weight_scale"] = np.round(rng.uniform(0.02, 0.06, (37,)), 4).astype(F32)
    t["fc.bias"] = rnd(rng, (37,), 0.1)
    t["act"] = rnd(rng, (19, 130), 1.0, 2)
    t["proj.weight"] = rng.integers(-8, 8, (5, 77)).astype(np.int8)
    t["proj.weight_scale"] = np.round(rng.uniform(0.01, 0.03, (5,)), 4).astype(F32)
    t["emb"] = rnd(rng, (4, 9)).astype(np.float16)
    t["tern"] = rng.integers(-1, 2, (6, 20)).astype(np.int8)
    bal = rng.integers(-2, 3, (6, 20)).astype(np.int8)
    bal[0, 0], bal[0, 1] = 2, -2
    t["bal"] = bal
    t["u1"] = rng.integers(0, 2, (6, 20)).astype(np.int8)
    t["u8"] = rng.integers(0, 256, (3, 11)).astype(np.int16).astype(np.int64)
    t["u8"] = (t["u8"] - 128).astype(np.int8)  # levels -128..127 of int<8>
    return t


def write_weights(dirpath):
    from safetensors.numpy import save_file
    os.makedirs(dirpath, exist_ok=True)
    save_file(weights_tensors(), os.path.join(dirpath, WEIGHTS_FILE))
    # BF16 has no numpy dtype: write that file by hand (the format is an 8-byte
    # little-endian header size, a JSON header, then the raw data).
    vals = bf16_values()
    raw = (vals.view(np.uint32) >> 16).astype("<u2").tobytes()
    header = {"emb_bf16": {"dtype": "BF16", "shape": list(vals.shape), "data_offsets": [0, len(raw)]}}
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(os.path.join(dirpath, BF16_FILE), "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb + raw)


def bf16_values():
    rng = np.random.default_rng(zlib.crc32(b"weights_bf16.safetensors"))
    v = rnd(rng, (4, 9))
    # truncate to values exactly representable in bf16
    return (v.view(np.uint32) & np.uint32(0xFFFF0000)).view(F32)


@case
def weights_linear():
    c = new_case("weights_linear", "bwta.weight: weights resolved from a safetensors file", """
Inputs/%s (written by gen_cases.py with the safetensors package):
binary / int4 / ternary / balanced / {0,1} / int8 weights stored as I8 levels,
f32 scales, bias and activations, an f16 tensor. A linear layer
(ternary x binary, M=19 N=37 K=130) and an int8 x int4 layer read everything
through bwta.weight.""" % WEIGHTS_FILE, run=run_line_with_weights(WEIGHTS_FILE))
    t = weights_tensors()
    # linear: act -> ternary per token; fc.weight binary
    act = c.weight("act", t["act"].shape, "f32")
    c.check(act, t["act"], "act (F32)")
    W = c.weight("fc.weight", t["fc.weight"].shape, BINARY.mlir)
    c.check_levels(W, t["fc.weight"], "fc.weight (I8 -> !bwta.binary)")
    sw = c.weight("fc.weight_scale", (37,), "f32")
    bias = c.weight("fc.bias", (37,), "f32")
    L = quant(c, t["act"], act, TERNARY, "per_token", threshold=("mean_abs", 0.7))
    R = (W, sw, None, t["fc.weight"].astype(np.int64), t["fc.weight_scale"], None)
    matmul_checks(c, L, R, t["fc.bias"], bias, outs=("f32", "f16"), label="act x fc.weight")
    # int8 x int4
    rng = c.rng
    x = rnd(rng, (3, 77))
    xV = c.const(x, "f32", "x")
    L2 = quant(c, x, xV, INT(8), "per_token")
    PW = c.weight("proj.weight", (5, 77), INT(4).mlir)
    ps = c.weight("proj.weight_scale", (5,), "f32")
    R2 = (PW, ps, None, t["proj.weight"].astype(np.int64), t["proj.weight_scale"], None)
    matmul_checks(c, L2, R2, print_acc=True, label="x x proj.weight (int4)")
    # other element types
    c.check(c.weight("emb", (4, 9), "f16"), t["emb"], "emb (F16)")
    for nm, qt in (("tern", TERNARY), ("bal", INT(2, "balanced")), ("u1", INT(1, "unsigned")),
                   ("u8", INT(8)), ("tern", INT(2)), ("u1", INT(3, "balanced"))):
        v = c.weight(nm, t[nm].shape, qt.mlir)
        c.check_levels(v, t[nm], "%s (I8 -> %s)" % (nm, qt.mlir))
    return c


@case
def weights_bf16():
    c = new_case("weights_bf16", "bwta.weight of a BF16 tensor", """
Inputs/%s is written by hand (numpy has no bfloat16); the weight is
extended to f32 with arith.extf and compared exactly.""" % BF16_FILE,
                 run=run_line_with_weights(BF16_FILE))
    vals = bf16_values()
    w = c.weight("emb_bf16", vals.shape, "bf16")
    out = V(c.fresh("ext"), vals.shape, "f32")
    e, a, o, r = c.fresh("e"), c.fresh("a"), c.fresh("o"), c.fresh("x")
    c.emit("%s = tensor.empty() : %s" % (e, out.type))
    c.emit("%s = linalg.generic {indexing_maps = [%s, %s], iterator_types = [\"parallel\", \"parallel\"]} "
           "ins(%s : %s) outs(%s : %s) {" % (out, id_map(2), id_map(2), w, w.type, e, out.type))
    c.emit("^bb0(%s: bf16, %s: f32):" % (a, o))
    c.emit("  %s = arith.extf %s : bf16 to f32" % (r, a))
    c.emit("  linalg.yield %s : f32" % r)
    c.emit("} -> %s" % out.type)
    c.check(out, vals, "emb_bf16 (BF16) extended to f32")
    return c


WEIGHTS_ERRORS_HEAD = """// RUN: not bwta-opt %s -split-input-file --bwta-cpu-reference="weights=%S/Inputs/weights_linear.safetensors" 2>&1 | FileCheck %s
//
// bwta.weight must be rejected when the file does not match the request
// (docs/Semantics.md, bwta.weight): unknown name, shape mismatch, dtype
// mismatch, quantized weight not stored as I8, a level outside the type.
// Each split must produce an error at its bwta.weight op naming the weight.
//
// GENERATED by test/e2e/gen_cases.py; do not edit.
"""

WEIGHTS_ERRORS_CASES = [
    # (function, weight name, requested type, why)
    ("missing", "no.such.tensor", "tensor<5xf32>", "unknown name"),
    ("shape", "fc.bias", "tensor<36xf32>", "stored shape is [37]"),
    ("dtype", "fc.bias", "tensor<37xf16>", "stored as F32, requested f16"),
    ("quantized_from_f32", "fc.bias", "tensor<37x!bwta.int<8>>",
     "quantized weights must be stored as I8"),
    ("level_range_signed", "bal", "tensor<6x20x!bwta.int<2>>",
     '"bal" holds levels -2..2; 2 is outside !bwta.int<2> ([-2, 1])'),
    ("level_range_unsigned", "tern", "tensor<6x20x!bwta.int<1, unsigned>>",
     '"tern" holds -1; outside !bwta.int<1, unsigned> ([0, 1])'),
    ("level_range_ternary", "u8", "tensor<3x11x!bwta.ternary>",
     '"u8" holds levels down to -128; outside !bwta.ternary'),
    ("level_binary_zero", "tern", "tensor<6x20x!bwta.binary>",
     '"tern" holds 0, which is not a level of !bwta.binary ({-1, +1})'),
]


def weights_errors_text():
    parts = [WEIGHTS_ERRORS_HEAD]
    for i, (fn, name, ty, why) in enumerate(WEIGHTS_ERRORS_CASES):
        if i:
            parts.append("// -----\n")
        parts.append("\n".join([
            "// " + why,
            "// CHECK: weights_errors.mlir:[[@LINE+2]]:{{[0-9]+}}: error: {{.*}}" + name,
            "func.func @%s() -> %s {" % (fn, ty),
            '  %%w = bwta.weight "%s" : %s' % (name, ty),
            "  return %%w : %s" % ty,
            "}", ""]))
    return "\n".join(parts)



# =============================================================================
# main
# =============================================================================

def generate():
    files = {}
    for fn in CASES:
        c = fn()
        files[c.name + ".mlir"] = c.text()
    files["weights_errors.mlir"] = weights_errors_text()
    return files


def main():
    check = "--check" in sys.argv
    files = generate()
    bad = []
    for name, text in sorted(files.items()):
        path = os.path.join(HERE, name)
        if check:
            if not os.path.exists(path) or open(path).read() != text:
                bad.append(name)
        else:
            with open(path, "w") as f:
                f.write(text)
    if check:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            write_weights(tmp)
            for name in (WEIGHTS_FILE, BF16_FILE):
                path = os.path.join(INPUTS, name)
                if not os.path.exists(path) or \
                        open(path, "rb").read() != open(os.path.join(tmp, name), "rb").read():
                    bad.append("Inputs/" + name)
        if bad:
            print("out of date:", " ".join(bad))
            return 1
        print("all %d files and Inputs/ up to date" % len(files))
        return 0
    write_weights(INPUTS)
    print("wrote %d test files and %s" % (len(files), ", ".join(["Inputs/" + WEIGHTS_FILE, "Inputs/" + BF16_FILE])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
