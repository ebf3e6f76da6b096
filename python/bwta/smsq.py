"""Smooth Multi-Stage Quantization (SMSQ): BWTA training by distillation.

Every quantizer position of the model (linear activations and weights; Q, K,
P and Vᵀ of attention) gets a `Staged` quantizer that walks a levelwise
degradation schedule, by default

    activations  8 → 4 → 2 bits → ternary (Δ = 0.7·mean|x|)
    weights      float → 4 → balanced 2 bits → binary (α = mean|w|)
    P            float → 4 → 2 bits → {0, 1}

Within the first `ramp` fraction of each stage (`last_ramp` of the last one,
the longest) the output is blended from the previous stage's,
`β·Q_i(x) + (1 − β)·Q_{i−1}(x)` with β rising 0 → 1, so precision steps
down smoothly instead of jumping. Each stage's output is multiplied by a magnitude-alignment projection factor γ (one scalar per
position and stage, initialized on the first batch of the stage to the
least-squares projection <x, Q(x)> / <Q(x), Q(x)>, then learned), so a
quantizer that changes magnitudes (a {0,1} attention row keeps its maximum on
every kept key) is rescaled to the magnitude of what it replaces.
The student is distilled from the full-precision teacher: the task output,
every layer's hidden states (MSE) and attention probabilities (KL).

The final stage is exactly the compiler's `bwta` scheme times the γ factors;
`export` folds every γ into the neighbouring weights (levels unchanged, all
quantizers are scale-equivariant), so the exported checkpoint runs under the
plain `bwta` scheme.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import math
import time

import torch
import torch.nn.functional as F
from torch import nn

from .nn import linears
from .quant import fast_sums
from .ste import quantizer


class Staged(nn.Module):
    """One quantizer position through the SMSQ stages (None: float)."""

    def __init__(self, specs: Sequence[Optional[str]], align: bool = True):
        super().__init__()
        self.specs = list(specs)
        self.quantizers = [None if s is None else quantizer(s) for s in specs]
        self.align = align
        self.gamma = nn.Parameter(torch.ones(len(specs)))
        self.register_buffer("initialized", torch.zeros(len(specs), dtype=torch.bool))
        self.stage, self.beta = 0, 1.0

    def _q(self, i: int, x: torch.Tensor) -> torch.Tensor:
        qz = self.quantizers[i]
        if qz is None:
            return x
        y = qz(x)
        if not self.align:
            return y
        if self.training and not self.initialized[i]:
            with torch.no_grad():
                # least-squares projection of x onto Q(x): argmin_γ |x − γ·Q(x)|²
                self.gamma[i] = (x * y).sum() / (y * y).sum().clamp(min=1e-30)
                self.initialized[i] = True
        return y * self.gamma[i]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self._q(self.stage, x)
        if self.stage > 0 and self.beta < 1.0:
            y = self.beta * y + (1.0 - self.beta) * self._q(self.stage - 1, x)
        return y

    def final_gamma(self) -> float:
        return float(self.gamma[-1].detach()) if self.align and self.quantizers[-1] is not None else 1.0


@dataclass
class SMSQConfig:
    weights: tuple = (None, "w4", "w2*", "bwta-w")
    acts: tuple = ("a8", "a4", "a2", "bwta-act")
    qkv: tuple = ("a8", "a4", "a2", "bwta-act")  # Q, K and Vᵀ of attention
    probs: tuple = (None, "a4", "a2", "bwta-p")
    steps_per_stage: object = (200, 200, 200, 600)  # one count per stage, or one for all
    ramp: float = 0.5  # fraction of a stage blended from the previous one
    last_ramp: float = 0.1  # the same for the last stage (the longest)
    lr: float = 5e-5
    decay: bool = True  # cosine decay of the learning rate to 0 over the last stage
    seconds: Optional[float] = None  # wall-clock budget: the last stage ends early (its decay compressed)
    align: bool = True
    out_weight: float = 1.0
    hidden_weight: float = 1.0
    attn_weight: float = 1.0


def prepare(model: nn.Module, cfg: SMSQConfig) -> nn.Module:
    """Installs Staged quantizers (kept in `model.smsq`, so their γ train)."""
    staged = nn.ModuleDict()
    for name, lin in linears(model):
        key = name.replace(".", "/")
        staged[key + "/act"] = Staged(cfg.acts, cfg.align)
        staged[key + "/w"] = Staged(cfg.weights, cfg.align)
        lin.act, lin.wq = staged[key + "/act"].forward, staged[key + "/w"].forward
    for i, layer in enumerate(model.layers):
        aq = layer.attn_quant
        for part, specs in (("q", cfg.qkv), ("k", cfg.qkv), ("p", cfg.probs), ("v", cfg.qkv)):
            staged[f"layers/{i}/attn/{part}"] = Staged(specs, cfg.align)
            setattr(aq, part, staged[f"layers/{i}/attn/{part}"].forward)
    model.smsq = staged.to(next(model.parameters()).device)
    return model


def set_stage(model: nn.Module, stage: int, beta: float = 1.0):
    for s in model.smsq.values():
        s.stage, s.beta = stage, beta


def _kl_rows(p_teacher, p_student, eps=1e-8):
    return (p_teacher * ((p_teacher + eps) / (p_student + eps)).log()).sum(-1).mean()


def distill_loss(out_s, out_t, rec_s, rec_t, out_loss, cfg: SMSQConfig):
    loss = cfg.out_weight * out_loss(out_s, out_t)
    hs, ht = rec_s["hidden"][1:], rec_t["hidden"][1:]
    # hidden-state MSE relative to the teacher's mean square (the residual stream grows with depth)
    loss = loss + cfg.hidden_weight * sum(F.mse_loss(a, b) / b.pow(2).mean() for a, b in zip(hs, ht)) / len(ht)
    loss = loss + cfg.attn_weight * sum(_kl_rows(b, a) for a, b in zip(rec_s["attn"], rec_t["attn"])) / len(ht)
    return loss


def train(student: nn.Module, teacher: nn.Module, batches: list, forward: Callable,
          out_loss: Callable, cfg: SMSQConfig, log=None, log_every: int = 0) -> nn.Module:
    """Runs the schedule. `forward(model, batch, record)` returns the task
    output; `out_loss(student_out, teacher_out)` compares them."""
    if not hasattr(student, "smsq"):
        prepare(student, cfg)
    teacher.eval()
    student.train()
    cuda = next(student.parameters()).is_cuda
    opt = torch.optim.AdamW(student.parameters(), lr=cfg.lr, weight_decay=0.0, fused=cuda or None)
    stages = len(cfg.acts)
    counts = cfg.steps_per_stage if isinstance(cfg.steps_per_stage, (tuple, list)) else [cfg.steps_per_stage] * stages
    t_start = time.time()
    done = [0] * stages
    step = 0
    for stage, n in enumerate(counts):
        ramp = cfg.last_ramp if stage == stages - 1 else cfg.ramp
        t_stage = time.time()
        for within in range(n):
            # progress through the stage: by steps, and in the last stage under a
            # time budget by time too (blend and decay compressed alike)
            progress = (within + 1) / n
            if stage == stages - 1 and cfg.seconds is not None:
                left = cfg.seconds - (t_stage - t_start)
                elapsed = time.time() - t_stage
                if within > 0 and elapsed >= left:  # the last stage runs at least one step
                    break
                progress = min(1.0, max(progress, elapsed / max(left, 1e-9)))
            set_stage(student, stage, 1.0 if stage == 0 or ramp <= 0 else min(1.0, progress / ramp))
            if cfg.decay and stage == stages - 1:
                for group in opt.param_groups:
                    group["lr"] = cfg.lr * 0.5 * (1 + math.cos(math.pi * progress))
            batch = batches[step % len(batches)]
            with torch.no_grad(), fast_sums():
                rec_t = {}
                out_t = forward(teacher, batch, rec_t)
            rec_s = {}
            with fast_sums():
                out_s = forward(student, batch, rec_s)
                loss = distill_loss(out_s, out_t, rec_s, rec_t, out_loss, cfg)
                opt.zero_grad(set_to_none=True)
                loss.backward()
            torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
            opt.step()
            step += 1
            done[stage] += 1
            if log and (within == 0 or within == n - 1 or (log_every and within % log_every == 0)):
                log(f"stage {stage} step {within}: loss {loss.item():.5f}")
    student.smsq_info = {"steps": done, "seconds": round(time.time() - t_start, 1)}
    if log:
        log(f"SMSQ: {done} steps per stage in {time.time() - t_start:.1f} s")
    set_stage(student, stages - 1, 1.0)
    student.eval()
    return student


@torch.no_grad()
def export(model: nn.Module) -> dict:
    """The student as a Hugging Face-named checkpoint {name: tensor}, with
    every final-stage γ folded into the linear layers, to run under the plain
    `bwta` scheme: linear act/weight γ → that layer's weight; Q, K, V γ →
    the q/k/v projection (weight and bias); P γ → the attention output
    projection's weight. Load it with `rebuild`."""
    factor = {}
    for name, lin in linears(model):
        key = name.replace(".", "/")
        factor[lin] = [model.smsq[key + "/act"].final_gamma() * model.smsq[key + "/w"].final_gamma(), 1.0]
    for i, layer in enumerate(model.layers):
        projections = _attention_projections(layer)
        for part in ("q", "k", "v"):
            g = model.smsq[f"layers/{i}/attn/{part}"].final_gamma()
            factor[projections[part]][0] *= g
            factor[projections[part]][1] *= g
        factor[projections["o"]][0] *= model.smsq[f"layers/{i}/attn/p"].final_gamma()
    out = {k: v.detach().contiguous().cpu() for k, v in model.hf_state_dict().items()}
    for lin, (w_scale, b_scale) in factor.items():
        out[lin.name] = (lin.weight * w_scale).contiguous().cpu()
        if lin.bias is not None:
            out[lin.name[: -len("weight")] + "bias"] = (lin.bias * b_scale).contiguous().cpu()
    return out


def _attention_projections(layer) -> dict:
    if hasattr(layer, "self_attn"):  # LLaMA
        a = layer.self_attn
        return {"q": a.q_proj, "k": a.k_proj, "v": a.v_proj, "o": a.o_proj}
    return {"q": layer.query, "k": layer.key, "v": layer.value, "o": layer.attn_out}  # BERT


def rebuild(model: nn.Module, state: dict) -> nn.Module:
    """A fresh model of `model`'s class and config from a checkpoint dict (e.g. `export`'s)."""
    return type(model)(model.cfg, {k: v.float() for k, v in state.items()})
