"""A small LLaMA-architecture decoder (RMSNorm, RoPE, SwiGLU, causal
attention) in torch with the quantizer hooks of `bwta.nn`, trained here from
scratch on bytes of text. Weights use Hugging Face `LlamaForCausalLM` names,
so calibration files name layers as they would for a real checkpoint."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from ..nn import AttentionQuant, QLinear, attention


@dataclass
class LlamaConfig:
    vocab_size: int = 256  # bytes
    hidden_size: int = 256
    intermediate_size: int = 688
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    max_position_embeddings: int = 256
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(dim)), eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def _rope(x, theta):
    """Rotary embedding on [B, H, S, d] (the rotate-half form of HF LLaMA)."""
    S, d = x.shape[-2], x.shape[-1]
    inv = 1.0 / theta ** (torch.arange(0, d, 2, device=x.device, dtype=torch.float32) / d)
    ang = torch.outer(torch.arange(S, device=x.device, dtype=torch.float32), inv)
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class LlamaLayer(nn.Module):
    def __init__(self, cfg: LlamaConfig, i: int, sd: Optional[dict] = None):
        super().__init__()
        p = f"model.layers.{i}"
        D, H = cfg.hidden_size, cfg.intermediate_size

        def lin(name, n, k):
            w = sd[f"{p}.{name}.weight"] if sd else torch.randn(n, k) / math.sqrt(k)
            return QLinear(w, None, f"{p}.{name}.weight")
        self.cfg = cfg
        self.self_attn, self.mlp = nn.Module(), nn.Module()  # HF module names
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            setattr(self.self_attn, name, lin(f"self_attn.{name}", D, D))
        self.mlp.gate_proj, self.mlp.up_proj = lin("mlp.gate_proj", H, D), lin("mlp.up_proj", H, D)
        self.mlp.down_proj = lin("mlp.down_proj", D, H)
        self.input_layernorm = RMSNorm(D, cfg.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(D, cfg.rms_norm_eps)
        self.attn_quant = AttentionQuant()

    def forward(self, x, mask, record=None):
        B, S, D = x.shape
        nh = self.cfg.num_attention_heads

        def split(t):
            return t.view(B, S, nh, D // nh).transpose(1, 2)
        a, m = self.self_attn, self.mlp
        h = self.input_layernorm(x)
        q = _rope(split(a.q_proj(h)), self.cfg.rope_theta)
        k = _rope(split(a.k_proj(h)), self.cfg.rope_theta)
        ctx = attention(q, k, split(a.v_proj(h)), mask, self.attn_quant,
                        None if record is None else record.setdefault("attn", []))
        x = x + a.o_proj(ctx.transpose(1, 2).reshape(B, S, D))
        h = self.post_attention_layernorm(x)
        x = x + m.down_proj(F.silu(m.gate_proj(h)) * m.up_proj(h))
        if record is not None:
            record.setdefault("hidden", []).append(x)
        return x


class Llama(nn.Module):
    def __init__(self, cfg: LlamaConfig, sd: Optional[dict] = None):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(LlamaLayer(cfg, i, sd) for i in range(cfg.num_hidden_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)  # kept in float
        if sd:
            self.load_state_dict(self._to_module_names(sd))

    _RENAME = (("model.embed_tokens.", "embed_tokens."), ("model.norm.", "norm."), ("model.layers.", "layers."))

    @classmethod
    def _to_module_names(cls, sd):
        out = {}
        for k, v in sd.items():
            for a, b in cls._RENAME:
                if k.startswith(a):
                    k = b + k[len(a):]
                    break
            out[k] = v
        return out

    def hf_state_dict(self) -> dict:
        out = {}
        for k, v in self.state_dict().items():
            if k.startswith("smsq."):  # training state (bwta.smsq), not weights
                continue
            for a, b in self._RENAME:
                if k.startswith(b):
                    k = a + k[len(b):]
                    break
            out[k] = v.detach().contiguous()
        return out

    def save(self, directory):
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        cfg = dict(asdict(self.cfg), architectures=["LlamaForCausalLM"], model_type="llama",
                   hidden_act="silu", tie_word_embeddings=False)
        (directory / "config.json").write_text(json.dumps(cfg, indent=1) + "\n")
        save_file({k: v.cpu() for k, v in self.hf_state_dict().items()}, str(directory / "model.safetensors"))

    @staticmethod
    def from_pretrained(directory) -> "Llama":
        directory = Path(directory)
        raw = json.loads((directory / "config.json").read_text())
        cfg = LlamaConfig(**{k: raw[k] for k in LlamaConfig.__dataclass_fields__ if k in raw})
        return Llama(cfg, {k: v.float() for k, v in load_file(str(directory / "model.safetensors")).items()})

    def inputs(self, ids: torch.Tensor):
        """(input of the first layer, additive causal mask): what every layer takes."""
        S = ids.shape[1]
        mask = torch.full((S, S), torch.finfo(torch.float32).min, device=ids.device).triu(1)[None, None]
        return self.embed_tokens(ids), mask

    def forward(self, ids: torch.Tensor, record: Optional[dict] = None) -> torch.Tensor:
        x, mask = self.inputs(ids)
        if record is not None:
            record.setdefault("hidden", []).append(x)
        for layer in self.layers:
            x = layer(x, mask, record)
        return self.lm_head(self.norm(x))


def windows(data: bytes, seq: int, device="cpu") -> torch.Tensor:
    """Non-overlapping windows of seq + 1 bytes: [N, seq + 1] token ids."""
    t = torch.frombuffer(bytearray(data), dtype=torch.uint8).long()
    n = (len(t) - 1) // seq
    return torch.stack([t[i * seq: i * seq + seq + 1] for i in range(n)]).to(device)


def train(model: Llama, data: bytes, steps: int, batch: int = 32, seq: int = 128,
          lr: float = 3e-3, seed: int = 0, log=None, val: Optional[bytes] = None,
          val_every: int = 100, val_windows: int = 64) -> float:
    """Trains from scratch (AdamW, one-cycle schedule; bf16 autocast on a GPU);
    returns the last loss. With `val` (bytes held out from the training text)
    the weights with the lowest validation loss, checked every `val_every`
    steps, are kept: the text is small and a larger model overfits it."""
    device = next(model.parameters()).device
    g = torch.Generator().manual_seed(seed)
    t = torch.frombuffer(bytearray(data), dtype=torch.uint8).long()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps, pct_start=0.1)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    best = (float("inf"), None, -1)
    model.train()
    loss = torch.tensor(float("nan"))
    for step in range(steps):
        starts = torch.randint(0, len(t) - seq - 1, (batch,), generator=g)
        x = torch.stack([t[s: s + seq + 1] for s in starts]).to(device)
        with autocast:
            logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if val is not None and ((step + 1) % val_every == 0 or step == steps - 1):
            v = math.log(perplexity(model, val, seq, val_windows, batch))
            model.train()
            if v < best[0]:
                best = (v, {k: p.detach().clone() for k, p in model.state_dict().items()}, step)
            if log:
                log(f"step {step}: loss {loss.item():.4f}, validation {v:.4f}")
        elif log and (step % 100 == 0 or step == steps - 1):
            log(f"step {step}: loss {loss.item():.4f}")
    if best[1] is not None:
        model.load_state_dict(best[1])
        if log:
            log(f"kept the weights of step {best[2]} (validation loss {best[0]:.4f})")
    model.eval()
    return loss.item()


@torch.no_grad()
def perplexity(model: Llama, data: bytes, seq: int = 128, max_windows: Optional[int] = None,
               batch: int = 32) -> float:
    """exp(mean next-byte NLL) over non-overlapping windows of the data."""
    device = next(model.parameters()).device
    w = windows(data, seq, device)[:max_windows]
    total, count = 0.0, 0
    for a in range(0, len(w), batch):
        x = w[a:a + batch]
        logits = model(x[:, :-1])
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                                 reduction="sum").item()
        count += x[:, 1:].numel()
    return math.exp(total / count)
