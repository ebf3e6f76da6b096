"""ABQ-LLM-style calibration for WpAq, block by block, writing the
calibration JSON that `bwta-distribution-correction` reads (docs/Calibration.md).

Per linear layer it learns LET smoothing `s` (and optionally the shift δ),
ABQ's rank-1 compensation `W + a·bᵀ` on down-projections and learnable weight
clipping (LWC: σ(γ)·max, σ(β)·min per output channel); bit balance is the
`wP*aQ` scheme. Each block minimizes, on calibration inputs,

    MSE(Y_q, Y_fp) + MSE(Y_q, Y_fp2) − log cos(Y_q, Y_fp) − log cos(Y_q, Y_fp2)
      + KL(A_q‖A_fp) + KL(A_fp‖A_q)

where Y_fp is the float block on the float chain's input, Y_fp2 the float
block on the quantized chain's input and A the head-averaged attention
probabilities. Targets and attention maps are recomputed per batch, so only
the block inputs of the calibration set are stored, never its attention maps.

Clipping has no field in calibration file v1: `clipped_weights` bakes it
into the checkpoint instead (W clamped so that W·s + a·bᵀ stays in the
learned range), which the compiler's dynamic min/max weight quantizer then
turns into the learned scale.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

from . import schemes
from .nn import linears


def is_down_projection(name: str) -> bool:
    """LLaMA mlp.down_proj, BERT output.dense (the FFN's second linear)."""
    return name.endswith("down_proj.weight") or bool(re.search(r"layer\.\d+\.output\.dense\.weight$", name))


@dataclass
class CalibConfig:
    scheme: str = "w4a4"
    epochs: int = 20
    let: bool = True
    shift: bool = False
    lwc: bool = True
    rank1: Callable[[str], bool] = is_down_projection
    alpha: float = 0.5  # closed-form initialization of the smoothing scales
    let_lr: float = 5e-3
    lwc_lr: float = 1e-2
    rank1_lr: float = 1e-2
    clip_init: float = 4.0  # σ(4) ≈ 0.982


def _sym_kl(a_q, a_fp, eps=1e-8):
    """KL(A_q‖A_fp) + KL(A_fp‖A_q), mean over rows, of head-averaged maps."""
    p, q = a_q.mean(1).clamp(min=eps), a_fp.mean(1).clamp(min=eps)
    return ((p * (p / q).log()).sum(-1) + (q * (q / p).log()).sum(-1)).mean()


def block_loss(y_q, y_fp, y_fp2, a_q=None, a_fp=None):
    loss = F.mse_loss(y_q, y_fp) + F.mse_loss(y_q, y_fp2)
    for y in (y_fp, y_fp2):
        loss = loss - F.cosine_similarity(y_q, y, dim=-1).abs().clamp(min=1e-6).log().mean()
    if a_q is not None:
        loss = loss + _sym_kl(a_q, a_fp)
    return loss


@torch.no_grad()
def _input_ranges(block, inputs):
    """Per-channel min and max of every QLinear's input (by name in the block)."""
    stats, hooks = {}, []
    for name, lin in linears(block):
        def hook(mod, args, name=name):
            x = args[0].reshape(-1, args[0].shape[-1])
            lo, hi = x.amin(0), x.amax(0)
            if name in stats:
                lo, hi = torch.minimum(lo, stats[name][0]), torch.maximum(hi, stats[name][1])
            stats[name] = (lo, hi)
        hooks.append(lin.register_forward_pre_hook(hook))
    for x, mask in inputs:
        block(x, mask)
    for h in hooks:
        h.remove()
    return stats


def closed_form_smooth(act_max, weight, alpha):
    """s = act_max^α / max_n|W[n, k]|^(1−α), 1 where either is 0 (docs/Calibration.md)."""
    w_max = weight.abs().amax(0)
    s = act_max.pow(alpha) / w_max.pow(1 - alpha)
    return torch.where((act_max > 0) & (w_max > 0), s, torch.ones_like(s))


def _init_params(block, stats, cfg):
    groups = {"let": [], "lwc": [], "rank1": []}
    for name, lin in linears(block):
        lo, hi = stats[name]
        dev = lin.weight.device
        if cfg.shift:
            lin.shift = nn.Parameter((lo + hi) / 2)
            groups["let"].append(lin.shift)
        if cfg.let:
            act_max = torch.maximum(hi - (lin.shift.detach() if lin.shift is not None else 0),
                                    -(lo - (lin.shift.detach() if lin.shift is not None else 0)))
            lin.smooth = nn.Parameter(closed_form_smooth(act_max, lin.weight.detach(), cfg.alpha))
            groups["let"].append(lin.smooth)
        if cfg.lwc:
            lin.clip_hi = nn.Parameter(torch.full((lin.out_features,), cfg.clip_init, device=dev))
            lin.clip_lo = nn.Parameter(torch.full((lin.out_features,), cfg.clip_init, device=dev))
            groups["lwc"] += [lin.clip_hi, lin.clip_lo]
        if cfg.rank1(lin.name):
            lin.rank1_a = nn.Parameter(torch.zeros(lin.out_features, device=dev))
            lin.rank1_b = nn.Parameter(torch.ones(lin.in_features, device=dev))
            groups["rank1"] += [lin.rank1_a, lin.rank1_b]
    return groups


def calibrate(model: nn.Module, inputs: list, cfg: CalibConfig, log=None) -> nn.Module:
    """Calibrates `model` in place for `cfg.scheme`, block by block.

    `inputs`: [(first-layer input, mask)] of the calibration set, e.g.
    `model.inputs(batch)` under torch.no_grad(). Returns the model, quantized.
    """
    fp = schemes.apply(copy.deepcopy(model), "fp").eval()
    schemes.apply(model, cfg.scheme)
    for p in model.parameters():
        p.requires_grad_(False)
    x_fp = [x for x, _ in inputs]
    x_q = list(x_fp)
    masks = [m for _, m in inputs]
    for i, (block, fp_block) in enumerate(zip(model.layers, fp.layers)):
        groups = _init_params(block, _input_ranges(fp_block, list(zip(x_fp, masks))), cfg)
        lrs = {"let": cfg.let_lr, "lwc": cfg.lwc_lr, "rank1": cfg.rank1_lr}
        params = [{"params": v, "lr": lrs[k]} for k, v in groups.items() if v]
        opt = torch.optim.AdamW(params, weight_decay=0.0) if params else None
        for epoch in range(cfg.epochs if opt else 0):
            total = 0.0
            for j in range(len(x_q)):
                with torch.no_grad():
                    rec_fp = {}
                    y_fp = fp_block(x_fp[j], masks[j], rec_fp)
                    y_fp2 = fp_block(x_q[j], masks[j])
                rec = {}
                y_q = block(x_q[j], masks[j], rec)
                loss = block_loss(y_q, y_fp, y_fp2, rec["attn"][0], rec_fp["attn"][0])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                with torch.no_grad():
                    for _, lin in linears(block):
                        if lin.smooth is not None:
                            lin.smooth.clamp_(min=1e-5)
                total += loss.item()
            if log and (epoch == 0 or epoch == cfg.epochs - 1):
                log(f"block {i} epoch {epoch}: loss {total / len(x_q):.5f}")
        with torch.no_grad():
            x_q = [block(x, m) for x, m in zip(x_q, masks)]
            x_fp = [fp_block(x, m) for x, m in zip(x_fp, masks)]
    return model


# ----------------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------------

def _values(t: torch.Tensor) -> list:
    return [float(v) for v in t.detach().cpu().float().tolist()]


def calibration_json(model: nn.Module, alpha: Optional[float] = None) -> dict:
    """The calibration file (version 1) of a calibrated model's linear layers."""
    layers = {}
    for _, lin in linears(model):
        entry = {}
        if lin.smooth is not None:
            entry["smooth"] = _values(lin.smooth)
        if lin.shift is not None:
            entry["shift"] = _values(lin.shift)
        if lin.rank1_a is not None:
            entry["rank1"] = {"a": _values(lin.rank1_a), "b": _values(lin.rank1_b)}
        if entry:
            layers[lin.name] = entry
    out = {"version": 1}
    if alpha is not None:
        out["alpha"] = alpha
    out["layers"] = layers
    return out


@torch.no_grad()
def clipped_weights(model: nn.Module) -> dict:
    """{weight name: W clamped so that W·s + a·bᵀ lies in the learned LWC range}."""
    out = {}
    for _, lin in linears(model):
        if lin.clip_hi is None:
            continue
        w = lin.weight
        s = lin.smooth if lin.smooth is not None else torch.ones(lin.in_features, device=w.device)
        ab = (lin.rank1_a[:, None] * lin.rank1_b[None, :]) if lin.rank1_a is not None else torch.zeros_like(w)
        full = w * s + ab
        hi = torch.sigmoid(lin.clip_hi)[:, None] * full.amax(1, keepdim=True).clamp(min=0)
        lo = torch.sigmoid(lin.clip_lo)[:, None] * full.amin(1, keepdim=True).clamp(max=0)
        out[lin.name] = torch.minimum(torch.maximum(w, (lo - ab) / s), (hi - ab) / s).contiguous().cpu()
    return out


def write(model: nn.Module, json_path, weights_path=None) -> dict:
    """Writes the calibration JSON and, with LWC, the clipped weights (safetensors)."""
    data = calibration_json(model)
    Path(json_path).write_text(json.dumps(data) + "\n")
    if weights_path is not None:
        from safetensors.torch import save_file
        save_file(clipped_weights(model), str(weights_path))
    return data
